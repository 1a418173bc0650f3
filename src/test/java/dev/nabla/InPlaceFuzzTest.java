package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of in-place ops between random views of one storage: blocks, transposes, strided slices, broadcast
 * rows and columns at random offsets, so destination and operand overlap fully, partly or not at all. Each case
 * either throws the overlap error, which it may only do when the two views really share memory (or the destination
 * repeats memory), or leaves the storage exactly as an independent model says: every operand element read before
 * any element is written. A destination that repeats memory (an expanded view) must be refused by every op but
 * {@code fill_}/{@code zero_}, as in PyTorch.
 *
 * <p>System properties: {@code nabla.fuzz.cases} (default 20000), {@code nabla.fuzz.seed}.
 */
class InPlaceFuzzTest {
    private static final int CASES = Integer.getInteger("nabla.fuzz.cases", 20_000);
    private static final long SEED = Long.getLong("nabla.fuzz.seed", 0x1A_F1ACEL);
    private static final int BASE = 48;
    private static final String[] OPS = {"copy_", "add_", "sub_", "mul_", "div_", "add_(s)", "mul_(s)", "fill_"};

    /** A view the model understands: element (i, j) lives at {@code offset + i*s0 + j*s1} of the base. */
    private record Layout(String how, long rows, long cols, long offset, long s0, long s1) {
        long at(long i, long j) {
            return offset + i * s0 + j * s1;
        }

        boolean repeatsMemory() {
            boolean[] seen = new boolean[BASE];
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j++) {
                    int p = (int) at(i, j);
                    if (seen[p]) {
                        return true;
                    }
                    seen[p] = true;
                }
            }
            return false;
        }

        boolean shares(Layout o) {
            boolean[] mine = new boolean[BASE];
            for (long i = 0; i < rows; i++) {
                for (long j = 0; j < cols; j++) {
                    mine[(int) at(i, j)] = true;
                }
            }
            for (long i = 0; i < o.rows; i++) {
                for (long j = 0; j < o.cols; j++) {
                    if (mine[(int) o.at(i, j)]) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** The same view through Nabla's public view ops. */
        Tensor of(Tensor base) {
            return switch (how) {
                case "block" -> base.narrow(0, offset, rows * cols).view(rows, cols);
                case "transposed" -> base.narrow(0, offset, rows * cols).view(cols, rows).t();
                case "strided" -> base.narrow(0, offset, rows * cols * 2).view(rows, cols * 2).slice(1, 0, cols * 2, 2);
                case "row" -> base.narrow(0, offset, cols).expand(rows, cols);
                default -> base.narrow(0, offset, rows).view(rows, 1).expand(rows, cols); // column
            };
        }
    }

    private static Layout layout(SplittableRandom rnd, long rows, long cols) {
        String how = new String[] {"block", "transposed", "strided", "row", "column"}[rnd.nextInt(5)];
        long span = switch (how) {
            case "block", "transposed" -> rows * cols;
            case "strided" -> rows * cols * 2;
            case "row" -> cols;
            default -> rows;
        };
        long offset = rnd.nextLong(BASE - span + 1);
        return switch (how) {
            case "block" -> new Layout(how, rows, cols, offset, cols, 1);
            case "transposed" -> new Layout(how, rows, cols, offset, 1, rows);
            case "strided" -> new Layout(how, rows, cols, offset, cols * 2, 2);
            case "row" -> new Layout(how, rows, cols, offset, 0, 1);
            default -> new Layout(how, rows, cols, offset, 1, 0);
        };
    }

    @Test
    void inPlaceOpsBetweenOverlappingViewsThrowOrMatchReadBeforeWriteSemantics() {
        SplittableRandom rnd = new SplittableRandom(SEED);
        long refused = 0;
        long checked = 0;
        for (int c = 0; c < CASES; c++) {
            Device device = c % 2 == 0 ? Device.CPU : Device.JAVA;
            DType dtype = c % 4 < 2 ? DType.FLOAT64 : DType.FLOAT32;
            long rows = 1 + rnd.nextInt(4);
            long cols = 1 + rnd.nextInt(4);
            Layout dst = layout(rnd, rows, cols);
            Layout src = layout(rnd, rows, cols);
            String op = OPS[rnd.nextInt(OPS.length)];
            double scalar = 1 + rnd.nextInt(5);
            double[] base = new double[BASE];
            for (int i = 0; i < BASE; i++) {
                base[i] = 1 + rnd.nextInt(9);
            }
            String what = "case " + c + " (seed " + SEED + "): " + op + " " + device + " " + dtype + " into " + dst
                    + (op.endsWith("_") && !op.equals("fill_") ? " from " + src : "");
            try (Scope s = Scope.open()) {
                Tensor t = Tensor.of(base, dtype, device, BASE);
                Tensor d = dst.of(t);
                Tensor o = src.of(t);
                boolean binary = !op.contains("(s)") && !op.equals("fill_");
                try {
                    switch (op) {
                        case "copy_" -> d.copy_(o);
                        case "add_" -> d.add_(o);
                        case "sub_" -> d.sub_(o);
                        case "mul_" -> d.mul_(o);
                        case "div_" -> d.div_(o);
                        case "add_(s)" -> d.add_(scalar);
                        case "mul_(s)" -> d.mul_(scalar);
                        default -> d.fill_(scalar);
                    }
                } catch (IllegalArgumentException e) {
                    if (!e.getMessage().contains("to a single memory location")) {
                        fail(what + ": unexpected error", e);
                    }
                    boolean real = (dst.repeatsMemory() && !op.equals("fill_")) || (binary && dst.shares(src));
                    if (!real) {
                        fail(what + ": refused although the views share no memory: " + e.getMessage());
                    }
                    refused++;
                    continue;
                }
                if (dst.repeatsMemory() && !op.equals("fill_")) {
                    fail(what + ": a destination that repeats memory must be refused");
                }
                double[] expected = model(base, dst, src, op, scalar, dtype);
                double[] actual = t.toDoubleArray();
                if (!Arrays.equals(expected, actual)) {
                    fail(what + ":\n expected " + Arrays.toString(expected) + "\n actual   " + Arrays.toString(actual));
                }
                checked++;
            }
        }
        assertTrue(refused > 0 && checked > 0, "both outcomes occur: " + refused + " refused, " + checked + " checked");
        System.out.printf("in-place fuzz: %d cases, %d refused as overlapping, %d checked against the model%n", CASES,
                refused, checked);
    }

    /** Read-before-write semantics on the flat base, rounded to the dtype after each element's op. */
    private static double[] model(double[] base, Layout dst, Layout src, String op, double scalar, DType dtype) {
        double[] before = base.clone();
        if (dtype == DType.FLOAT32) {
            for (int i = 0; i < before.length; i++) {
                before[i] = (float) before[i];
            }
        }
        double[] after = before.clone();
        for (long i = 0; i < dst.rows(); i++) {
            for (long j = 0; j < dst.cols(); j++) {
                double a = before[(int) dst.at(i, j)];
                double b = before[(int) src.at(i, j)];
                double r = switch (op) {
                    case "copy_" -> b;
                    case "add_" -> a + b;
                    case "sub_" -> a - b;
                    case "mul_" -> a * b;
                    case "div_" -> a / b;
                    case "add_(s)" -> a + scalar;
                    case "mul_(s)" -> a * scalar;
                    default -> scalar;
                };
                after[(int) dst.at(i, j)] = dtype == DType.FLOAT32 ? (float) r : r;
            }
        }
        return after;
    }
}
