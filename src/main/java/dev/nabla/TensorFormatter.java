package dev.nabla;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Renders tensors the way PyTorch prints them with its default print options ({@code torch/_tensor_str.py}):
 * 4 decimals, or integers with a trailing dot when every value is integral, or scientific notation when
 * magnitudes span too wide a range; columns aligned; rows wrapped at 80 characters; tensors of more than 1000
 * elements summarised with {@code ...}, keeping 3 items at each edge. Numbers are rounded half-even from their
 * exact binary value, as Python's {@code format} does. Integers print exactly, right-aligned, bools as
 * {@code True}/{@code False}; bfloat16 and float16 follow the float rules on their converted values. The dtype is
 * named unless it is float32, int64 or bool (an empty tensor names every dtype but float32). The one deliberate
 * difference: dtypes print as {@code float64}, not {@code torch.float64}.
 */
final class TensorFormatter {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;
    private static final int PRECISION = 4;
    private static final int LINE_WIDTH = 80;
    /** The dtypes PyTorch leaves unnamed in a tensor with elements: its element text already tells them apart. */
    private static final Set<DType> IMPLIED_DTYPES = Set.of(DType.FLOAT32, DType.INT64, DType.BOOL);

    private TensorFormatter() {
    }

    static String format(Tensor t) {
        long[] shape = t.shape();
        String prefix = "tensor(";
        int indent = prefix.length();
        List<String> suffixes = new ArrayList<>();
        if (t.device() != Device.CPU) {
            suffixes.add("device=" + t.device());
        }
        String body;
        if (t.numel() == 0) {
            if (shape.length != 1) {
                suffixes.add("size=" + tuple(shape));
            }
            body = "[]";
        } else {
            long[] strides = dev.nabla.base.Strided.contiguousStrides(shape);
            boolean summarize = t.numel() > THRESHOLD;
            List<Integer> shown = new ArrayList<>();
            collectShown(shape, strides, 0, 0, summarize, shown);
            Column column = column(t, shown);
            body = shape.length == 0 ? column.cell(0) : render(shape, strides, 0, 0, indent, summarize, column);
        }
        if (t.numel() == 0 ? t.dtype() != DType.FLOAT32 : !IMPLIED_DTYPES.contains(t.dtype())) {
            suffixes.add("dtype=" + t.dtype());
        }
        return addSuffixes(prefix + body, suffixes, indent);
    }

    /**
     * The column every element prints in: floats through PyTorch's notation rules, integers exactly as
     * {@code str(int)} (read as longs, never through double), bools as Python spells them.
     */
    private static Column column(Tensor t, List<Integer> shown) {
        if (t.dtype().isFloatingPoint()) {
            double[] values = t.toDoubleArray();
            Style style = new Style(shown.stream().map(i -> values[i]).toList());
            return new Column(i -> style.raw(values[i]), style.width);
        }
        IntFunction<String> text;
        if (t.dtype() == DType.BOOL) {
            boolean[] values = t.toBooleanArray();
            text = i -> values[i] ? "True" : "False";
        } else {
            long[] values = t.toLongArray();
            text = i -> Long.toString(values[i]);
        }
        // PyTorch's non-float formatter widens to every value shown, zeros included
        return new Column(text, shown.stream().mapToInt(i -> text.apply(i).length()).max().orElse(1));
    }

    /** The unpadded text of the element at each flat index, and the width PyTorch right-aligns it to. */
    private record Column(IntFunction<String> text, int width) {
        String cell(int index) {
            String s = text.apply(index);
            return s.length() < width ? " ".repeat(width - s.length()) + s : s;
        }
    }

    /** Python's {@code str(tuple(shape))}. */
    private static String tuple(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static String addSuffixes(String text, List<String> suffixes, int indent) {
        StringBuilder sb = new StringBuilder(text);
        int lastLineLength = text.length() - text.lastIndexOf('\n') + 1;
        for (String suffix : suffixes) {
            if (lastLineLength + suffix.length() + 2 > LINE_WIDTH) {
                sb.append(",\n").append(" ".repeat(indent)).append(suffix);
                lastLineLength = indent + suffix.length();
            } else {
                sb.append(", ").append(suffix);
                lastLineLength += suffix.length() + 2;
            }
        }
        return sb.append(')').toString();
    }

    /** The flat indices of the values PyTorch's formatter looks at: all, or only the edges when summarising. */
    private static void collectShown(long[] shape, long[] strides, int dim, long base, boolean summarize,
                                     List<Integer> out) {
        if (shape.length == 0) {
            out.add(0);
            return;
        }
        long n = shape[dim];
        for (long i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                i = n - EDGE - 1;
                continue;
            }
            long at = base + i * strides[dim];
            if (dim == shape.length - 1) {
                out.add((int) at);
            } else {
                collectShown(shape, strides, dim + 1, at, summarize, out);
            }
        }
    }

    private static String render(long[] shape, long[] strides, int dim, long base, int indent, boolean summarize,
                                 Column column) {
        long n = shape[dim];
        boolean cut = summarize && n > 2 * EDGE;
        List<String> items = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            if (cut && i == EDGE) {
                items.add(dim == shape.length - 1 ? " ..." : "...");
                i = n - EDGE - 1;
                continue;
            }
            long at = base + i * strides[dim];
            items.add(dim == shape.length - 1 ? column.cell((int) at)
                    : render(shape, strides, dim + 1, at, indent + 1, summarize, column));
        }
        if (dim < shape.length - 1) {
            int rest = shape.length - dim;
            return "[" + String.join("," + "\n".repeat(rest - 1) + " ".repeat(indent + 1), items) + "]";
        }
        int elementLength = column.width() + 2;
        int perLine = Math.max(1, (LINE_WIDTH - indent) / elementLength);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < items.size(); i += perLine) {
            lines.add(String.join(", ", items.subList(i, Math.min(items.size(), i + perLine))));
        }
        return "[" + String.join(",\n" + " ".repeat(indent + 1), lines) + "]";
    }

    /** PyTorch's {@code _Formatter}: picks integer, fixed or scientific notation and the column width. */
    private static final class Style {
        boolean intMode = true;
        boolean sciMode;
        int width = 1;

        Style(List<Double> shown) {
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            boolean any = false;
            for (double v : shown) {
                if (Double.isFinite(v) && v != 0) {
                    any = true;
                    min = Math.min(min, Math.abs(v));
                    max = Math.max(max, Math.abs(v));
                    intMode &= v == Math.ceil(v);
                }
            }
            if (!any) {
                return;
            }
            sciMode = intMode ? max / min > 1000 || max > 1e8 : max / min > 1000 || max > 1e8 || min < 1e-4;
            for (double v : shown) {
                if (Double.isFinite(v) && v != 0) {
                    width = Math.max(width, raw(v).length());
                }
            }
        }

        /** The number without padding. */
        String raw(double v) {
            if (Double.isNaN(v)) {
                return "nan";
            }
            if (Double.isInfinite(v)) {
                return v > 0 ? "inf" : "-inf";
            }
            if (sciMode) {
                return scientific(v);
            }
            return intMode ? fixed(v, 0) + "." : fixed(v, PRECISION);
        }
    }

    private static boolean negative(double v) {
        return Double.doubleToRawLongBits(v) < 0;
    }

    /** Python's {@code '{:.Nf}'.format(v)} for finite v. */
    private static String fixed(double v, int decimals) {
        String s = new BigDecimal(v).setScale(decimals, RoundingMode.HALF_EVEN).toPlainString();
        return negative(v) && !s.startsWith("-") ? "-" + s : s;
    }

    /** Python's {@code '{:.4e}'.format(v)} for finite v. */
    private static String scientific(double v) {
        String sign = negative(v) ? "-" : "";
        if (v == 0) {
            return sign + "0." + "0".repeat(PRECISION) + "e+00";
        }
        BigDecimal r = new BigDecimal(Math.abs(v)).round(new MathContext(PRECISION + 1, RoundingMode.HALF_EVEN));
        String digits = r.unscaledValue().toString();
        int exponent = r.precision() - 1 - r.scale();
        digits = (digits + "0".repeat(PRECISION + 1)).substring(0, PRECISION + 1);
        String e = Integer.toString(Math.abs(exponent));
        return sign + digits.charAt(0) + "." + digits.substring(1) + "e" + (exponent < 0 ? "-" : "+")
                + (e.length() < 2 ? "0" + e : e);
    }
}
