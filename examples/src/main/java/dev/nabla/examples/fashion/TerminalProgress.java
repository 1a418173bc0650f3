package dev.nabla.examples.fashion;

import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar redrawn in place on a terminal (me.tongfei's progressbar on stderr): percent, bar, images done,
 * elapsed and ETA, then after separators one speed figure and the running loss. The speed is ours, images over
 * nanosecond wall time since the epoch began, as in the epoch's summary line (the bar's own divides by whole
 * seconds, so the two used to disagree).
 */
final class TerminalProgress implements Progress {
    private final ProgressBar bar;
    private final long start = System.nanoTime();
    private long seen;

    TerminalProgress(String task, long total) {
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(" img", 1)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .continuousUpdate().build();
    }

    @Override
    public void step(long images, double meanLoss) {
        seen += images;
        double rate = seen / ((System.nanoTime() - start) / 1e9);
        bar.stepBy(images);
        bar.setExtraMessage(String.format(Locale.ROOT, "| %.0f img/s | loss %.4f", rate, meanLoss));
    }

    @Override
    public void close() {
        bar.close();
    }
}
