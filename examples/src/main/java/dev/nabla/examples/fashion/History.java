package dev.nabla.examples.fashion;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Per-epoch metrics: kept in memory, written as {@code history.csv} and drawn as a PNG with JFreeChart. */
final class History {
    /** One epoch's numbers. */
    record Epoch(int epoch, double trainLoss, double testLoss, double testAccuracy, double seconds,
                 double samplesPerSecond) {
        String csv() {
            return String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f,%.2f,%.1f", epoch, trainLoss, testLoss,
                    testAccuracy, seconds, samplesPerSecond);
        }

        static Epoch parse(String line) {
            String[] f = line.split(",");
            return new Epoch(Integer.parseInt(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2]),
                    Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5]));
        }
    }

    static final String HEADER = "epoch,train_loss,test_loss,test_accuracy,seconds,samples_per_second";

    private final List<Epoch> epochs = new ArrayList<>();

    void add(Epoch e) {
        epochs.add(e);
    }

    List<Epoch> epochs() {
        return epochs;
    }

    /** The rows as CSV text (stored in checkpoints so a resumed run continues the same curve). */
    String toCsv() {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Epoch e : epochs) {
            sb.append(e.csv()).append('\n');
        }
        return sb.toString();
    }

    static History fromCsv(String csv) {
        History h = new History();
        csv.lines().skip(1).filter(l -> !l.isBlank()).map(Epoch::parse).forEach(h::add);
        return h;
    }

    void writeCsv(Path file) throws IOException {
        Files.writeString(file, toCsv());
    }

    /** Loss (train and test) above, test accuracy below, against the epoch. */
    void writeChart(Path file, String title) throws IOException {
        XYSeries train = new XYSeries("train loss");
        XYSeries test = new XYSeries("test loss");
        XYSeries acc = new XYSeries("test accuracy");
        for (Epoch e : epochs) {
            train.add(e.epoch(), e.trainLoss());
            test.add(e.epoch(), e.testLoss());
            acc.add(e.epoch(), e.testAccuracy());
        }
        XYSeriesCollection losses = new XYSeriesCollection();
        losses.addSeries(train);
        losses.addSeries(test);
        XYPlot lossPlot = new XYPlot(losses, null, new NumberAxis("loss"), renderer(Color.BLUE, Color.RED));
        NumberAxis accAxis = new NumberAxis("accuracy");
        accAxis.setAutoRangeIncludesZero(false);
        XYPlot accPlot = new XYPlot(new XYSeriesCollection(acc), null, accAxis, renderer(new Color(0, 128, 0)));
        NumberAxis epochAxis = new NumberAxis("epoch");
        epochAxis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(epochAxis);
        plot.add(lossPlot, 1);
        plot.add(accPlot, 1);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 700);
    }

    private static XYLineAndShapeRenderer renderer(Color... colors) {
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < colors.length; i++) {
            r.setSeriesPaint(i, colors[i]);
            r.setSeriesStroke(i, new BasicStroke(2f));
        }
        return r;
    }
}
