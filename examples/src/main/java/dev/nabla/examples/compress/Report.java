package dev.nabla.examples.compress;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The compression report: one row per model variant, compared with its float32 original. */
final class Report {
    /** One measured variant; the float32 row of the same model is its baseline. */
    record Row(String model, String variant, double accuracy, long bytes, double imagesPerSecond, String note) {
    }

    private final List<Row> rows = new ArrayList<>();
    private final PrintWriter out;

    /** A report that prints each row to {@code out} as it is added. */
    Report(PrintWriter out) {
        this.out = out;
    }

    void add(Row row) {
        rows.add(row);
        out.println(format(row));
        out.flush();
    }

    List<Row> rows() {
        return List.copyOf(rows);
    }

    private Row baseline(String model) {
        return rows.stream().filter(r -> r.model().equals(model) && r.variant().equals("float32")).findFirst()
                .orElseThrow();
    }

    private String format(Row r) {
        Row base = baseline(r.model());
        return String.format(Locale.ROOT, "| %s | %s | %.4f | %+.2f | %,d | %.2fx | %,.0f | %.2fx | %s |", r.model(),
                r.variant(), r.accuracy(), 100 * (r.accuracy() - base.accuracy()), r.bytes(),
                (double) base.bytes() / r.bytes(), r.imagesPerSecond(), r.imagesPerSecond() / base.imagesPerSecond(),
                r.note());
    }

    static String header() {
        return "| model | variant | test accuracy | vs float32 (points) | file bytes | smaller | images/s | speed-up | notes |\n"
                + "|---|---|---:|---:|---:|---:|---:|---:|---|";
    }

    /** Writes the table as markdown to {@code file}. */
    void write(Path file) throws IOException {
        StringBuilder out = new StringBuilder(header()).append('\n');
        for (Row r : rows) {
            out.append(format(r)).append('\n');
        }
        Files.writeString(file, out);
    }
}
