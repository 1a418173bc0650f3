package dev.nabla;

import java.util.Locale;

/**
 * Renders tensors the way PyTorch prints them: fixed-point with 4 decimals (scientific when magnitudes span
 * too wide a range), columns aligned, large tensors summarised with {@code ...} keeping 3 items at each edge.
 */
final class TensorFormatter {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;

    private TensorFormatter() {
    }

    static String format(Tensor t) {
        double[] values = t.toDoubleArray();
        long[] shape = t.shape();
        boolean summarize = values.length > THRESHOLD;
        boolean sci = useScientific(values);
        int width = 0;
        for (double v : values) {
            width = Math.max(width, number(v, sci).length());
        }
        StringBuilder sb = new StringBuilder("tensor(");
        if (shape.length == 0) {
            sb.append(number(values[0], sci).strip());
        } else {
            append(sb, values, shape, Strides.of(shape), 0, 0, width, sci, summarize, "tensor(".length());
        }
        if (t.dtype() != DType.FLOAT32) {
            sb.append(", dtype=").append(t.dtype());
        }
        if (t.device() != Device.CPU) {
            sb.append(", device=").append(t.device());
        }
        if (t.numel() == 0) {
            sb.append(", size=").append(Shapes.str(shape));
        }
        return sb.append(')').toString();
    }

    private static final class Strides {
        static long[] of(long[] shape) {
            return dev.nabla.backend.Strided.contiguousStrides(shape);
        }
    }

    private static boolean useScientific(double[] values) {
        double maxAbs = 0;
        double minAbs = Double.POSITIVE_INFINITY;
        for (double v : values) {
            if (!Double.isFinite(v) || v == 0) {
                continue;
            }
            maxAbs = Math.max(maxAbs, Math.abs(v));
            minAbs = Math.min(minAbs, Math.abs(v));
        }
        return maxAbs > 0 && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1000);
    }

    private static String number(double v, boolean sci) {
        if (Double.isNaN(v)) {
            return "nan";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return sci ? String.format(Locale.ROOT, "%.4e", v) : String.format(Locale.ROOT, "%.4f", v);
    }

    private static void append(StringBuilder sb, double[] values, long[] shape, long[] strides, int dim, long base,
                               int width, boolean sci, boolean summarize, int indent) {
        sb.append('[');
        long n = shape[dim];
        for (long i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append(dim == shape.length - 1 ? "..., " : "...,\n" + " ".repeat(indent + dim + 1));
                i = n - EDGE - 1;
                continue;
            }
            long at = base + i * strides[dim];
            if (dim == shape.length - 1) {
                String s = number(values[(int) at], sci);
                sb.append(" ".repeat(width - s.length())).append(s);
                if (i < n - 1) {
                    sb.append(", ");
                }
            } else {
                append(sb, values, shape, strides, dim + 1, at, width, sci, summarize, indent);
                if (i < n - 1) {
                    sb.append(',').append("\n".repeat(shape.length - dim - 1)).append(" ".repeat(indent + dim + 1));
                }
            }
        }
        sb.append(']');
    }
}
