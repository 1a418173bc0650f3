package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.backend.UpdateRule;
import dev.nabla.backend.cuda.CudaBackend;
import dev.nabla.backend.cuda.CudaException;
import dev.nabla.backend.java.FusedUpdates;
import dev.nabla.backend.java.ReferenceKernels;
import dev.nabla.backend.registry.Backends;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.Elements;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.memory.Storage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every CUDA kernel against the pure-Java reference kernels ({@link ReferenceKernels}, {@link FusedUpdates}) on
 * random shapes, with contiguous, permuted, stepped and broadcast (zero-stride) operands, in float32 and float64.
 * Each case fills a host buffer with random values, copies it to the device, runs the same call on both sides and
 * compares the whole buffers (so writes outside the output view are caught too). Skipped without a GPU.
 */
class CudaBackendTest {
    private static CudaBackend cuda;

    private final List<Storage> storages = new ArrayList<>();
    private final Arena arena = Arena.ofAuto();

    @BeforeAll
    static void requireGpu() {
        assumeTrue(Backends.cudaDeviceCount() > 0, "no CUDA device: " + Backends.cudaUnavailableReason());
        cuda = (CudaBackend) Backends.cuda(0);
    }

    @AfterEach
    void release() {
        storages.forEach(Storage::release);
        storages.clear();
    }

    // ------------------------------------------------------------------ operands on both sides

    enum Kind { CONTIGUOUS, PERMUTED, STEPPED, BROADCAST }

    /** One buffer with the same random contents on the host and on the device, and a view into it. */
    final class Buf {
        final ScalarType t;
        final long elems;
        final MemorySegment host;
        final MemorySegment dev;
        final long[] shape;
        final long[] strides;
        final long offset;

        Buf(ScalarType t, long[] shape, long[] strides, long offset, SplittableRandom r, double lo, double hi) {
            this.t = t;
            this.shape = shape;
            this.strides = strides;
            this.offset = offset;
            long span = 0;
            boolean empty = false;
            for (int d = 0; d < shape.length; d++) {
                span += (shape[d] - 1) * strides[d];
                empty |= shape[d] == 0;
            }
            this.elems = offset + (empty ? 0 : span) + 1;
            host = arena.allocate(elems * t.byteSize(), 8);
            for (long i = 0; i < elems; i++) {
                set(host, i, lo + (hi - lo) * r.nextDouble());
            }
            Storage s = cuda.pool().allocate(elems * t.byteSize());
            storages.add(s);
            dev = s.segment();
            cuda.copyFromHost(host, dev, 0, elems * t.byteSize());
        }

        void set(MemorySegment seg, long i, double v) {
            Elements.setDouble(t, seg, i, v);
        }

        double get(MemorySegment seg, long i) {
            return Elements.getDouble(t, seg, i);
        }

        Strided onHost() {
            return new Strided(host, offset, shape, strides);
        }

        Strided onDevice() {
            return new Strided(dev, offset, shape, strides);
        }

        /** Writes {@code v} at element {@code i} on both sides. */
        void put(long i, double v) {
            set(host, i, v);
            MemorySegment one = arena.allocate(t.byteSize(), 8);
            set(one, 0, v);
            cuda.copyFromHost(one, dev, i * t.byteSize(), t.byteSize());
        }

        /** The device buffer back on the host. */
        MemorySegment fetch() {
            MemorySegment back = arena.allocate(elems * t.byteSize(), 8);
            cuda.copyToHost(dev, 0, back, elems * t.byteSize());
            return back;
        }

        void assertSame(String what, double rtol, double atol) {
            MemorySegment back = fetch();
            for (long i = 0; i < elems; i++) {
                double want = get(host, i);
                double got = get(back, i);
                if (!close(got, want, rtol, atol)) {
                    fail(what + ": element " + i + " of " + elems + " is " + got + " on cuda, " + want
                            + " in the reference (shape " + Arrays.toString(shape) + ", strides "
                            + Arrays.toString(strides) + ", offset " + offset + ", " + t + ")");
                }
            }
        }
    }

    static boolean close(double got, double want, double rtol, double atol) {
        if (Double.isNaN(want) || Double.isNaN(got)) {
            return Double.isNaN(want) && Double.isNaN(got);
        }
        if (Double.isInfinite(want) || Double.isInfinite(got)) {
            return got == want;
        }
        return Math.abs(got - want) <= atol + rtol * Math.abs(want);
    }

    Buf buf(ScalarType t, long[] shape, Kind kind, SplittableRandom r) {
        return buf(t, shape, kind, r, -2, 2);
    }

    Buf buf(ScalarType t, long[] shape, Kind kind, SplittableRandom r, double lo, double hi) {
        int rank = shape.length;
        long[] strides = new long[rank];
        long offset = r.nextInt(0, 3);
        switch (kind) {
            case CONTIGUOUS -> strides = Strided.contiguousStrides(shape);
            case STEPPED -> {
                long step = 2;
                for (int d = rank - 1; d >= 0; d--) {
                    strides[d] = step;
                    step *= Math.max(shape[d], 1) * (d % 2 == 0 ? 1 : 2);
                }
            }
            case PERMUTED -> {
                int[] perm = new int[rank];
                for (int d = 0; d < rank; d++) {
                    perm[d] = rank - 1 - d;
                }
                long step = 1;
                for (int i = rank - 1; i >= 0; i--) {
                    strides[perm[i]] = step;
                    step *= Math.max(shape[perm[i]], 1);
                }
            }
            case BROADCAST -> {
                strides = Strided.contiguousStrides(shape);
                for (int d = 0; d < rank; d++) {
                    if (r.nextBoolean() || d == 0) {
                        strides[d] = 0;
                    }
                }
            }
        }
        return new Buf(t, shape, strides, offset, r, lo, hi);
    }

    static double rtol(ScalarType t) {
        return t == ScalarType.FLOAT32 ? 2.5e-7 : 1e-12;
    }

    static double atol(ScalarType t) {
        return t == ScalarType.FLOAT32 ? 1e-6 : 1e-12;
    }

    static final long[][] SHAPES = {{}, {1}, {7}, {3, 5}, {4, 1, 6}, {2, 3, 4, 5}, {3, 2, 1, 2, 3, 2}, {1000, 3}};

    // ------------------------------------------------------------------ element-wise

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void fillAndCopy(ScalarType t) {
        SplittableRandom r = new SplittableRandom(1);
        for (long[] shape : SHAPES) {
            for (Kind k : new Kind[] {Kind.CONTIGUOUS, Kind.PERMUTED, Kind.STEPPED}) {
                Buf dst = buf(t, shape, k, r);
                double v = r.nextDouble() * 10 - 5;
                ReferenceKernels.fill(t, dst.onHost(), v);
                cuda.fill(t, dst.onDevice(), v);
                dst.assertSame("fill " + k, 0, 0);
                Buf zero = buf(t, shape, k, r);
                ReferenceKernels.fill(t, zero.onHost(), 0.0);
                cuda.fill(t, zero.onDevice(), 0.0);
                zero.assertSame("fill 0 " + k, 0, 0);
                for (ScalarType st : new ScalarType[] {ScalarType.FLOAT32, ScalarType.FLOAT64}) {
                    for (Kind sk : Kind.values()) {
                        Buf src = buf(st, shape, sk, r);
                        Buf out = buf(t, shape, k, r);
                        ReferenceKernels.copy(st, src.onHost(), t, out.onHost());
                        cuda.copy(st, src.onDevice(), t, out.onDevice());
                        out.assertSame("copy " + st + " " + sk + " -> " + t + " " + k, 0, 0);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void everyUnaryOp(ScalarType t) {
        SplittableRandom r = new SplittableRandom(2);
        double[] specials = {0.0, -0.0, 1.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            1e-30, 50, -50, 700, -700};
        for (UnaryOp op : UnaryOp.values()) {
            if (op.integersOnly()) {
                continue; // floating-point kernels only here
            }
            for (long[] shape : new long[][] {{7}, {4, 1, 6}, {2, 3, 4, 5}, {1000, 3}}) {
                for (Kind k : Kind.values()) {
                    Buf x = buf(t, shape, k, r, -4, 4);
                    for (int i = 0; i < Math.min(specials.length, x.elems); i++) {
                        x.put(i * 7 % x.elems, specials[i]);
                    }
                    Buf out = buf(t, shape, k == Kind.BROADCAST ? Kind.CONTIGUOUS : k, r);
                    double a = op == UnaryOp.CLAMP ? -1.5 : op == UnaryOp.POW_SCALAR ? 2.5 : 0.7;
                    double b = 1.25;
                    ReferenceKernels.unary(op, t, x.onHost(), out.onHost(), a, b);
                    cuda.unary(op, t, x.onDevice(), out.onDevice(), a, b);
                    double rt = op == UnaryOp.GELU_TANH || op == UnaryOp.ERF
                            ? Math.max(rtol(t), 1e-10) : rtol(t) * 4;
                    out.assertSame(op + " " + k, rt, atol(t));
                }
            }
            // in place
            Buf x = buf(t, new long[] {5, 6}, Kind.PERMUTED, r, -3, 3);
            ReferenceKernels.unary(op, t, x.onHost(), x.onHost(), 0.5, 2);
            cuda.unary(op, t, x.onDevice(), x.onDevice(), 0.5, 2);
            x.assertSame(op + " in place", rtol(t) * 4, atol(t));
        }
    }

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void everyBinaryOpWithBroadcasting(ScalarType t) {
        SplittableRandom r = new SplittableRandom(3);
        for (BinaryOp op : BinaryOp.values()) {
            if (op.integersOnly()) {
                continue; // floating-point kernels only here
            }
            for (long[] shape : new long[][] {{}, {7}, {3, 5}, {2, 3, 4, 5}, {3, 2, 1, 2, 3, 2}, {1000, 3}}) {
                for (Kind kx : Kind.values()) {
                    Kind ky = Kind.values()[r.nextInt(4)];
                    Kind ko = Kind.values()[r.nextInt(3)];
                    Buf x = buf(t, shape, kx, r, -3, 3);
                    Buf y = buf(t, shape, ky, r, -3, 3);
                    if (x.elems > 3 && y.elems > 1) {
                        x.put(1, y.get(y.host, 1)); // some equal pairs for the comparisons
                    }
                    Buf out = buf(t, shape, ko, r);
                    ReferenceKernels.binary(op, t, x.onHost(), y.onHost(), out.onHost());
                    cuda.binary(op, t, x.onDevice(), y.onDevice(), out.onDevice());
                    out.assertSame(op + " " + kx + "," + ky + " -> " + ko, op == BinaryOp.POW ? 4 * rtol(t) : 0,
                            op == BinaryOp.POW ? atol(t) : 0);
                }
            }
        }
    }

    // ------------------------------------------------------------------ reductions

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void reductionsOverAnyDimensions(ScalarType t) {
        SplittableRandom r = new SplittableRandom(4);
        long[][] shapes = {{7}, {3, 5}, {2, 3, 4, 5}, {3, 700, 2}, {2048, 40}, {40, 2048}, {5, 0, 3}};
        for (ReduceOp op : new ReduceOp[] {ReduceOp.SUM, ReduceOp.MEAN, ReduceOp.MAX, ReduceOp.MIN}) {
            for (long[] shape : shapes) {
                int rank = shape.length;
                for (int mask = 1; mask < (1 << rank); mask++) {
                    if (rank > 2 && Integer.bitCount(mask) == 2 && r.nextBoolean()) {
                        continue;
                    }
                    long[] outShape = shape.clone();
                    boolean emptyMax = false;
                    for (int d = 0; d < rank; d++) {
                        if ((mask & (1 << d)) != 0) {
                            emptyMax |= shape[d] == 0;
                            outShape[d] = 1;
                        }
                    }
                    if (emptyMax && (op == ReduceOp.MAX || op == ReduceOp.MIN)) {
                        continue;
                    }
                    Kind k = Kind.values()[r.nextInt(4)];
                    Buf x = buf(t, shape, k, r);
                    if (x.elems > 10 && op == ReduceOp.MAX && r.nextInt(4) == 0) {
                        x.put(x.elems / 2, Double.NaN);
                    }
                    Buf out = buf(t, outShape, Kind.values()[r.nextInt(3)], r);
                    ReferenceKernels.reduce(op, t, x.onHost(), out.onHost());
                    cuda.reduce(op, t, x.onDevice(), out.onDevice());
                    out.assertSame(op + " of " + Arrays.toString(shape) + " " + k + " to " + Arrays.toString(outShape),
                            t == ScalarType.FLOAT32 ? 1e-6 : 1e-12, t == ScalarType.FLOAT32 ? 1e-5 : 1e-11);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void argMaxAndArgMinTakeTheFirstAndLetNanWin(ScalarType t) {
        SplittableRandom r = new SplittableRandom(5);
        for (ReduceOp op : new ReduceOp[] {ReduceOp.ARGMAX, ReduceOp.ARGMIN}) {
            for (long[] shape : new long[][] {{9}, {3, 5}, {2, 3, 4, 5}, {300, 70}}) {
                for (int dim = 0; dim < shape.length; dim++) {
                    Kind k = Kind.values()[r.nextInt(3)];
                    Buf x = buf(t, shape, k, r, -2, 2);
                    for (long i = 0; i < x.elems; i += 3) {
                        x.put(i, Math.rint(x.get(x.host, i))); // ties
                    }
                    if (r.nextBoolean()) {
                        x.put(x.elems - 1, Double.NaN);
                    }
                    long[] outShape = shape.clone();
                    outShape[dim] = 1;
                    Buf out = buf(ScalarType.INT64, outShape, r.nextBoolean() ? Kind.CONTIGUOUS : Kind.STEPPED, r);
                    ReferenceKernels.argReduce(op, t, x.onHost(), dim, out.onHost());
                    cuda.argReduce(op, t, x.onDevice(), dim, out.onDevice());
                    out.assertSame(op + " dim " + dim + " of " + Arrays.toString(shape), 0, 0);
                }
            }
        }
    }

    // ------------------------------------------------------------------ indexing

    /** Index values (exact integers) in [0, size) on both sides. */
    private Buf indices(ScalarType it, long[] shape, long size, SplittableRandom r, boolean broadcast) {
        Buf idx = buf(it, shape, broadcast ? Kind.BROADCAST : Kind.CONTIGUOUS, r);
        for (long i = 0; i < idx.elems; i++) {
            idx.put(i, r.nextInt((int) size));
        }
        return idx;
    }

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void gatherAndScatterAdd(ScalarType t) {
        SplittableRandom r = new SplittableRandom(6);
        long[][] shapes = {{6}, {4, 5}, {3, 4, 5}};
        for (ScalarType it : new ScalarType[] {ScalarType.INT64, ScalarType.INT32}) {
            for (long[] xs : shapes) {
                for (int dim = 0; dim < xs.length; dim++) {
                    long[] os = xs.clone();
                    for (int d = 0; d < os.length; d++) {
                        os[d] = d == dim ? 1 + r.nextInt(7) : Math.max(1, xs[d] - r.nextInt(2));
                    }
                    Buf x = buf(t, xs, Kind.values()[r.nextInt(3)], r);
                    Buf idx = indices(it, os, xs[dim], r, r.nextBoolean());
                    Buf out = buf(t, os, Kind.values()[r.nextInt(3)], r);
                    ReferenceKernels.gather(t, x.onHost(), dim, it, idx.onHost(), out.onHost());
                    cuda.gather(t, x.onDevice(), dim, it, idx.onDevice(), out.onDevice());
                    out.assertSame("gather dim " + dim, 0, 0);

                    Buf src = buf(t, os, Kind.values()[r.nextInt(4)], r);
                    Buf acc = buf(t, xs, Kind.values()[r.nextInt(3)], r);
                    ReferenceKernels.scatterAdd(t, acc.onHost(), dim, it, idx.onHost(), src.onHost());
                    cuda.scatterAdd(t, acc.onDevice(), dim, it, idx.onDevice(), src.onDevice());
                    acc.assertSame("scatterAdd dim " + dim, rtol(t) * 8, t == ScalarType.FLOAT32 ? 2e-5 : 1e-12);
                }
            }
        }
    }

    @Test
    void anIndexOutOfRangeThrowsAndTheDeviceKeepsWorking() {
        SplittableRandom r = new SplittableRandom(7);
        ScalarType t = ScalarType.FLOAT32;
        Buf x = buf(t, new long[] {4, 5}, Kind.CONTIGUOUS, r);
        ScalarType it = ScalarType.INT64;
        Buf idx = indices(it, new long[] {4, 3}, 5, r, false);
        idx.put(7, 5);
        Buf out = buf(t, new long[] {4, 3}, Kind.CONTIGUOUS, r);
        var e = assertThrows(IndexOutOfBoundsException.class,
                () -> cuda.gather(t, x.onDevice(), 1, it, idx.onDevice(), out.onDevice()));
        assertTrue(e.getMessage().contains("gather: index 5 is out of range for a dimension of size 5"),
                e.getMessage());
        idx.put(7, -1);
        var e2 = assertThrows(IndexOutOfBoundsException.class,
                () -> cuda.scatterAdd(t, x.onDevice(), 1, it, idx.onDevice(), out.onDevice()));
        assertTrue(e2.getMessage().contains("scatterAdd: index -1"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class,
                () -> cuda.gather(t, x.onDevice(), 1, t, x.onDevice(), out.onDevice()));
        assertTrue(e3.getMessage().contains("gather: index must be an integer tensor (int64 or int32), got float32"),
                e3.getMessage());
        // (the failed scatterAdd may have added the valid entries: check with fresh operands)
        idx.put(7, 1);
        Buf fresh = buf(t, new long[] {4, 5}, Kind.CONTIGUOUS, r);
        ReferenceKernels.gather(t, fresh.onHost(), 1, it, idx.onHost(), out.onHost());
        cuda.gather(t, fresh.onDevice(), 1, it, idx.onDevice(), out.onDevice());
        out.assertSame("gather after an error", 0, 0);
    }

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void im2colAndCol2im(ScalarType t) {
        SplittableRandom r = new SplittableRandom(8);
        ConvGeometry[] geos = {new ConvGeometry(3, 3, 1, 1, 1, 1, 1, 1), new ConvGeometry(2, 3, 2, 1, 0, 1, 1, 2),
            new ConvGeometry(3, 2, 2, 3, 2, 1, 2, 1), new ConvGeometry(1, 1, 1, 1, 0, 0, 1, 1)};
        for (ConvGeometry g : geos) {
            for (Kind k : new Kind[] {Kind.CONTIGUOUS, Kind.PERMUTED, Kind.STEPPED}) {
                long[] xs = {2, 3, 7, 6};
                long oh = g.outH(xs[2]);
                long ow = g.outW(xs[3]);
                long[] cs = {xs[0], xs[1] * g.kernelH() * g.kernelW(), oh * ow};
                Buf x = buf(t, xs, k, r);
                Buf cols = buf(t, cs, k == Kind.PERMUTED ? Kind.STEPPED : Kind.CONTIGUOUS, r);
                ReferenceKernels.im2col(t, x.onHost(), g, -0.5, cols.onHost());
                cuda.im2col(t, x.onDevice(), g, -0.5, cols.onDevice());
                cols.assertSame("im2col " + g + " " + k, 0, 0);
                ReferenceKernels.col2im(t, cols.onHost(), g, x.onHost());
                cuda.col2im(t, cols.onDevice(), g, x.onDevice());
                x.assertSame("col2im " + g + " " + k, rtol(t) * 8, t == ScalarType.FLOAT32 ? 2e-5 : 1e-12);
            }
        }
    }

    // ------------------------------------------------------------------ GEMM

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void gemmAllTranspositionsOffsetsAndScalars(ScalarType t) {
        SplittableRandom r = new SplittableRandom(9);
        int[][] sizes = {{1, 1, 1}, {3, 5, 7}, {17, 1, 33}, {64, 48, 1}, {130, 70, 90}, {5, 9, 0}};
        for (int[] s : sizes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            for (int variant = 0; variant < 8; variant++) {
                boolean ta = (variant & 1) != 0;
                boolean tb = (variant & 2) != 0;
                boolean padded = (variant & 4) != 0;
                int lda = (ta ? m : k) + (padded ? 3 : 0);
                int ldb = (tb ? k : n) + (padded ? 2 : 0);
                int ldc = n + (padded ? 1 : 0);
                lda = Math.max(lda, 1);
                ldb = Math.max(ldb, 1);
                Buf a = buf(t, new long[] {(long) (ta ? k : m) * lda + 5}, Kind.CONTIGUOUS, r);
                Buf b = buf(t, new long[] {(long) (tb ? n : k) * ldb + 5}, Kind.CONTIGUOUS, r);
                Buf c = buf(t, new long[] {(long) m * ldc + 5}, Kind.CONTIGUOUS, r);
                double alpha = variant == 3 ? -0.5 : 1.0;
                double beta = variant % 3 == 0 ? 0.0 : 0.75;
                ReferenceKernels.gemm(t, ta, tb, m, n, k, alpha, a.host, a.offset + 1, lda, b.host, b.offset + 2, ldb,
                        beta, c.host, c.offset + 3, ldc);
                cuda.gemm(t, ta, tb, m, n, k, alpha, a.dev, a.offset + 1, lda, b.dev, b.offset + 2, ldb, beta, c.dev,
                        c.offset + 3, ldc);
                double tol = (t == ScalarType.FLOAT32 ? 4e-7 : 1e-15) * Math.max(1, k) * 4;
                c.assertSame("gemm " + m + "x" + n + "x" + k + " ta=" + ta + " tb=" + tb + " lda=" + lda, tol, tol);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void batchedGemmWithABroadcastOperand(ScalarType t) {
        SplittableRandom r = new SplittableRandom(10);
        int m = 9;
        int n = 13;
        int k = 11;
        int batch = 5;
        for (int variant = 0; variant < 4; variant++) {
            boolean ta = (variant & 1) != 0;
            boolean tb = (variant & 2) != 0;
            long strideA = (long) m * k + 3;
            long strideB = variant == 2 ? 0 : (long) k * n;
            long strideC = (long) m * n + 1;
            Buf a = buf(t, new long[] {strideA * batch}, Kind.CONTIGUOUS, r);
            Buf b = buf(t, new long[] {(long) k * n * batch}, Kind.CONTIGUOUS, r);
            Buf c = buf(t, new long[] {strideC * batch}, Kind.CONTIGUOUS, r);
            int lda = ta ? m : k;
            int ldb = tb ? k : n;
            for (int i = 0; i < batch; i++) {
                ReferenceKernels.gemm(t, ta, tb, m, n, k, 1.0, a.host, a.offset + i * strideA, lda, b.host,
                        b.offset + i * strideB, ldb, 0.0, c.host, c.offset + i * strideC, n);
            }
            cuda.batchedGemm(t, ta, tb, m, n, k, 1.0, a.dev, a.offset, lda, strideA, b.dev, b.offset, ldb, strideB,
                    0.0, c.dev, c.offset, n, strideC, batch);
            double tol = (t == ScalarType.FLOAT32 ? 4e-7 : 1e-15) * k * 4;
            c.assertSame("batchedGemm variant " + variant, tol, tol);
        }
    }

    @Test
    void cublasErrorsNameTheCallAndTheStatus() {
        SplittableRandom r = new SplittableRandom(11);
        Buf a = buf(ScalarType.FLOAT32, new long[] {64}, Kind.CONTIGUOUS, r);
        // lda 2 < k 4 for a 4x4 row-major A: cuBLAS rejects it
        var e = assertThrows(CudaException.class, () -> cuda.gemm(ScalarType.FLOAT32, false, false, 4, 4, 4, 1.0,
                a.dev, 0,
                2, a.dev, 0, 4, 0.0, a.dev, 32, 4));
        assertTrue(e.getMessage().contains("cublasSgemm_v2") && e.getMessage().contains("CUBLAS_STATUS_INVALID_VALUE"),
                e.getMessage());
        var oom = assertThrows(OutOfMemoryError.class, () -> cuda.pool().allocate(1L << 42));
        assertTrue(oom.getMessage().contains("cuMemAlloc_v2") && oom.getMessage().contains("out of device memory"),
                oom.getMessage());
        // the device still works
        Buf x = buf(ScalarType.FLOAT32, new long[] {10}, Kind.CONTIGUOUS, r);
        ReferenceKernels.fill(ScalarType.FLOAT32, x.onHost(), 3);
        cuda.fill(ScalarType.FLOAT32, x.onDevice(), 3);
        x.assertSame("fill after errors", 0, 0);
    }

    // ------------------------------------------------------------------ optimizers

    @ParameterizedTest
    @EnumSource(value = ScalarType.class, names = {"FLOAT32", "FLOAT64"})
    void fusedUpdatesMatchTheReference(ScalarType t) {
        SplittableRandom r = new SplittableRandom(12);
        List<UpdateRule> rules = List.of(
                new UpdateRule.Sgd(0.1, 0, 0, 0, false, true),
                new UpdateRule.Sgd(0.1, 0.9, 0.1, 0.01, false, true),
                new UpdateRule.Sgd(0.1, 0.9, 0, 0.01, true, false),
                new UpdateRule.Adam(1e-3, 0.9, 0.999, 1e-8, 0, false, false, 1),
                new UpdateRule.Adam(1e-3, 0.9, 0.999, 1e-8, 0.01, true, false, 7),
                new UpdateRule.Adam(1e-3, 0.8, 0.99, 1e-6, 0.1, false, true, 3),
                new UpdateRule.RmsProp(0.01, 0.99, 1e-8, 0, 0, false),
                new UpdateRule.RmsProp(0.01, 0.9, 1e-8, 0.01, 0.9, true),
                new UpdateRule.RmsProp(0.01, 0.9, 1e-8, 0, 0.5, false),
                new UpdateRule.Adagrad(0.1, 0, 0, 1e-10, 1),
                new UpdateRule.Adagrad(0.1, 0.01, 0.1, 1e-10, 5));
        for (UpdateRule rule : rules) {
            for (long n : new long[] {1, 1000, 70_001}) {
                long[] shape = {n};
                Buf p = buf(t, shape, Kind.CONTIGUOUS, r);
                Buf g = buf(t, shape, Kind.CONTIGUOUS, r);
                Buf[] st = new Buf[rule.stateCount()];
                for (int i = 0; i < st.length; i++) {
                    st[i] = buf(t, shape, Kind.CONTIGUOUS, r, 0, 1); // squares stay non-negative
                }
                Strided[] hs = Arrays.stream(st).map(Buf::onHost).toArray(Strided[]::new);
                Strided[] ds = Arrays.stream(st).map(Buf::onDevice).toArray(Strided[]::new);
                FusedUpdates.apply(t, rule, p.onHost(), g.onHost(), hs);
                cuda.fusedUpdate(t, rule, p.onDevice(), g.onDevice(), ds);
                double tol = t == ScalarType.FLOAT32 ? 1e-6 : 1e-13;
                p.assertSame(rule + " param", tol, tol);
                for (int i = 0; i < st.length; i++) {
                    st[i].assertSame(rule + " state " + i, tol, tol);
                }
            }
        }
    }

    // ------------------------------------------------------------------ copies

    @Test
    void largeAndUnalignedHostCopiesRoundTrip() {
        for (long n : new long[] {1, 3, 1 << 18, (40L << 20) / 4 + 7}) {
            Consumer<MemorySegment> check = host -> {
                Storage s = cuda.pool().allocate(n * 4);
                storages.add(s);
                cuda.copyFromHost(host, s.segment(), 0, n * 4);
                MemorySegment back = arena.allocate(n * 4);
                cuda.copyToHost(s.segment(), 0, back, n * 4);
                assertEquals(-1, back.mismatch(host.asSlice(0, n * 4)), "round trip of " + n + " floats");
            };
            MemorySegment nat = arena.allocate(n * 4);
            float[] heap = new float[(int) n];
            for (int i = 0; i < n; i++) {
                nat.setAtIndex(ValueLayout.JAVA_FLOAT, i, i * 0.5f);
                heap[i] = -i;
            }
            check.accept(nat);
            check.accept(MemorySegment.ofArray(heap));
        }
    }
}
