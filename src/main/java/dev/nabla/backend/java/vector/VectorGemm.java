package dev.nabla.backend.java.vector;

import dev.nabla.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-threaded GEMM on the incubating Vector API, in the GotoBLAS/BLIS layout: op(B) is packed into
 * {@code KC x NR} column panels and op(A) into {@code MR x KC} row panels (zero-padded to whole panels,
 * which is how transposes and leading dimensions are absorbed), and an {@code MR x NR} register-blocked FMA
 * micro-kernel multiplies one A panel by one B panel.
 *
 * <p>Loop nest: {@code NC} columns of B at a time (the packed B block lives in L2/L3), {@code KC} of depth
 * (a {@code KC x NR} B micro-panel stays in L1 while all A panels of the block stream past it), {@code MC}
 * rows of A (the packed A block lives in L2).
 *
 * <p>Loading this class needs {@code --add-modules jdk.incubator.vector}: callers must check
 * {@link dev.nabla.backend.java.VectorSupport#available()} first.
 */
public final class VectorGemm {
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private VectorGemm() {
    }

    /**
     * Row-major {@code C = alpha op(A) op(B) + beta C} with BLAS semantics (see
     * {@link dev.nabla.backend.Backend#gemm}): offsets and leading dimensions are in elements, {@code C} is not
     * read when {@code beta == 0}, and {@code A}, {@code B} are not read when {@code k == 0} or
     * {@code alpha == 0}. Works for any size, but pays for packing: small products are faster with a direct loop.
     *
     * @param dtype  element type of all three matrices
     * @param transA whether {@code A} is stored as {@code k x m} (op(A) = A<sup>T</sup>)
     * @param transB whether {@code B} is stored as {@code n x k} (op(B) = B<sup>T</sup>)
     * @param m      rows of op(A) and C
     * @param n      columns of op(B) and C
     * @param k      columns of op(A), rows of op(B)
     * @param alpha  scale of the product
     * @param a      memory holding A
     * @param aOff   element index of A's first element
     * @param lda    elements between consecutive rows of the stored A
     * @param b      memory holding B
     * @param bOff   element index of B's first element
     * @param ldb    elements between consecutive rows of the stored B
     * @param beta   scale of the old C
     * @param c      memory holding C
     * @param cOff   element index of C's first element
     * @param ldc    elements between consecutive rows of C
     */
    public static void gemm(DType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb,
                            double beta, MemorySegment c, long cOff, int ldc) {
        if (dtype == DType.FLOAT32) {
            gemmF(transA, transB, m, n, k, (float) alpha, a, aOff, lda, b, bOff, ldb, (float) beta, c, cOff, ldc);
        } else {
            gemmD(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
        }
    }

    /** Lanes of the preferred float vector (16 with AVX-512), for tests and logs. */
    public static int floatLanes() {
        return FL;
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    // ---------------------------------------------------------------- float32

    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int FL = FS.length();
    /** Rows of the float micro-tile. */
    static final int F_MR = 4;
    /** Columns of the float micro-tile: 3 vectors. */
    static final int F_NR = 3 * FL;
    /**
     * Depth of a packed block. The KC x NR B micro-panel (48 KB with 512-bit vectors) is reused by every A
     * panel of the block from L1/L2; chosen by measurement on Zen 5, neighbouring depths were within noise.
     */
    static final int F_KC = 256;
    /** Rows of A per packed block, a multiple of MR: the MC x KC block (192 KB) stays in L2. */
    static final int F_MC = roundUp(192, F_MR);
    /** Columns of B per packed block, a multiple of NR: the KC x NC block is streamed from L2/L3. */
    static final int F_NC = roundUp(2048, F_NR);

    private static void gemmF(boolean transA, boolean transB, int m, int n, int k, float alpha,
                              MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb, float beta,
                              MemorySegment c, long cOff, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0 || alpha == 0) {
            scaleF(m, n, beta, c, cOff, ldc);
            return;
        }
        // Buffers sized to the problem, so small products do not pay for zeroing whole blocks.
        int kcMax = Math.min(k, F_KC);
        float[] bp = new float[kcMax * Math.min(roundUp(n, F_NR), F_NC)];
        float[] ap = new float[kcMax * Math.min(roundUp(m, F_MR), F_MC)];
        float[] tile = new float[F_MR * F_NR];
        for (int jc = 0; jc < n; jc += F_NC) {
            int nc = Math.min(F_NC, n - jc);
            for (int pc = 0; pc < k; pc += F_KC) {
                int kc = Math.min(F_KC, k - pc);
                // Later depth blocks accumulate onto what the first one wrote.
                float betaEff = pc == 0 ? beta : 1;
                packFB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int ic = 0; ic < m; ic += F_MC) {
                    int mc = Math.min(F_MC, m - ic);
                    packFA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += F_NR) {
                        int nr = Math.min(F_NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += F_MR) {
                            kernelF(kc, ap, ir * kc, bp, jr * kc, tile);
                            updateF(tile, c, cOff + (long) (ic + ir) * ldc + jc + jr, ldc, Math.min(F_MR, mc - ir),
                                    nr, alpha, betaEff);
                        }
                    }
                }
            }
        }
    }

    /** Packs rows ic.. and columns pc.. of op(A) into MR-row panels stored column by column, zero-padded. */
    private static void packFA(boolean transA, MemorySegment a, long aOff, int lda, int ic, int mc, int pc, int kc,
                               float[] ap) {
        for (int ir = 0; ir < mc; ir += F_MR) {
            int mr = Math.min(F_MR, mc - ir);
            int base = ir * kc;
            if (transA) {
                // A is stored k x m: each panel column is contiguous in memory.
                long src = aOff + (long) pc * lda + ic + ir;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * F_MR;
                    MemorySegment.copy(a, F32, src * 4, ap, dst, mr);
                    if (mr < F_MR) {
                        Arrays.fill(ap, dst + mr, dst + F_MR, 0);
                    }
                    src += lda;
                }
            } else {
                for (int r = 0; r < mr; r++) {
                    long src = aOff + (long) (ic + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * F_MR + r] = a.getAtIndex(F32, src + p);
                    }
                }
                for (int r = mr; r < F_MR; r++) {
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * F_MR + r] = 0;
                    }
                }
            }
        }
    }

    /** Packs rows pc.. and columns jc.. of op(B) into NR-column panels stored row by row, zero-padded. */
    private static void packFB(boolean transB, MemorySegment b, long bOff, int ldb, int pc, int kc, int jc, int nc,
                               float[] bp) {
        for (int jr = 0; jr < nc; jr += F_NR) {
            int nr = Math.min(F_NR, nc - jr);
            int base = jr * kc;
            if (!transB) {
                // B is stored k x n: each panel row is contiguous in memory.
                long src = bOff + (long) pc * ldb + jc + jr;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * F_NR;
                    MemorySegment.copy(b, F32, src * 4, bp, dst, nr);
                    if (nr < F_NR) {
                        Arrays.fill(bp, dst + nr, dst + F_NR, 0);
                    }
                    src += ldb;
                }
            } else {
                for (int j = 0; j < nr; j++) {
                    long src = bOff + (long) (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * F_NR + j] = b.getAtIndex(F32, src + p);
                    }
                }
                for (int j = nr; j < F_NR; j++) {
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * F_NR + j] = 0;
                    }
                }
            }
        }
    }

    /** The 4 x (3·FL) micro-kernel: 12 accumulators, 3 B vectors and one broadcast of A live in registers. */
    private static void kernelF(int kc, float[] ap, int ai, float[] bp, int bi, float[] tile) {
        FloatVector c0_0 = FloatVector.zero(FS), c0_1 = FloatVector.zero(FS), c0_2 = FloatVector.zero(FS);
        FloatVector c1_0 = FloatVector.zero(FS), c1_1 = FloatVector.zero(FS), c1_2 = FloatVector.zero(FS);
        FloatVector c2_0 = FloatVector.zero(FS), c2_1 = FloatVector.zero(FS), c2_2 = FloatVector.zero(FS);
        FloatVector c3_0 = FloatVector.zero(FS), c3_1 = FloatVector.zero(FS), c3_2 = FloatVector.zero(FS);
        // Indices written as functions of p so that C2 can hoist the array bounds checks out of the loop.
        for (int p = 0; p < kc; p++) {
            int bj = bi + p * F_NR;
            int aj = ai + p * F_MR;
            FloatVector b0 = FloatVector.fromArray(FS, bp, bj);
            FloatVector b1 = FloatVector.fromArray(FS, bp, bj + FL);
            FloatVector b2 = FloatVector.fromArray(FS, bp, bj + 2 * FL);
            FloatVector a0 = FloatVector.broadcast(FS, ap[aj]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            c0_2 = a0.fma(b2, c0_2);
            FloatVector a1 = FloatVector.broadcast(FS, ap[aj + 1]);
            c1_0 = a1.fma(b0, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            c1_2 = a1.fma(b2, c1_2);
            FloatVector a2 = FloatVector.broadcast(FS, ap[aj + 2]);
            c2_0 = a2.fma(b0, c2_0);
            c2_1 = a2.fma(b1, c2_1);
            c2_2 = a2.fma(b2, c2_2);
            FloatVector a3 = FloatVector.broadcast(FS, ap[aj + 3]);
            c3_0 = a3.fma(b0, c3_0);
            c3_1 = a3.fma(b1, c3_1);
            c3_2 = a3.fma(b2, c3_2);
        }
        // Spill to the tile buffer (L1) so the C update lives in its own method and this loop stays
        // small enough for C2 to inline every Vector API call (a vector passed to a non-inlined call is boxed).
        c0_0.intoArray(tile, 0);
        c0_1.intoArray(tile, FL);
        c0_2.intoArray(tile, 2 * FL);
        c1_0.intoArray(tile, 3 * FL);
        c1_1.intoArray(tile, 4 * FL);
        c1_2.intoArray(tile, 5 * FL);
        c2_0.intoArray(tile, 6 * FL);
        c2_1.intoArray(tile, 7 * FL);
        c2_2.intoArray(tile, 8 * FL);
        c3_0.intoArray(tile, 9 * FL);
        c3_1.intoArray(tile, 10 * FL);
        c3_2.intoArray(tile, 11 * FL);
    }

    /**
     * {@code C = alpha * tile + beta * C} over the valid {@code mr x nr} corner of a micro-tile; C is not read
     * when beta is 0. Whole rows of vectors where the tile is full, scalars at the edges.
     */
    private static void updateF(float[] tile, MemorySegment c, long cIdx, int ldc, int mr, int nr, float alpha,
                                float beta) {
        if (nr == F_NR) {
            FloatVector av = FloatVector.broadcast(FS, alpha);
            FloatVector bv = FloatVector.broadcast(FS, beta);
            long row = cIdx * 4;
            for (int r = 0; r < mr; r++, row += (long) ldc * 4) {
                for (int v = 0; v < F_NR; v += FL) {
                    FloatVector t = FloatVector.fromArray(FS, tile, r * F_NR + v).mul(av);
                    long at = row + (long) v * 4;
                    if (beta != 0) {
                        t = FloatVector.fromMemorySegment(FS, c, at, NATIVE).fma(bv, t);
                    }
                    t.intoMemorySegment(c, at, NATIVE);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            long row = cIdx + (long) r * ldc;
            for (int j = 0; j < nr; j++) {
                float v = alpha * tile[r * F_NR + j];
                if (beta != 0) {
                    v += beta * c.getAtIndex(F32, row + j);
                }
                c.setAtIndex(F32, row + j, v);
            }
        }
    }

    /** {@code C = beta C} (zero-filled, not read, when beta is 0), for {@code k == 0} or {@code alpha == 0}. */
    private static void scaleF(int m, int n, float beta, MemorySegment c, long cOff, int ldc) {
        if (beta == 1) {
            return;
        }
        for (int i = 0; i < m; i++) {
            long row = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                c.setAtIndex(F32, row + j, beta == 0 ? 0 : beta * c.getAtIndex(F32, row + j));
            }
        }
    }

    // ---------------------------------------------------------------- float64

    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final int DL = DS.length();
    /** Rows of the double micro-tile. */
    static final int D_MR = 4;
    /** Columns of the double micro-tile: 3 vectors. */
    static final int D_NR = 3 * DL;
    /**
     * Depth of a packed block. The KC x NR B micro-panel (24 KB with 512-bit vectors) is reused by every A
     * panel of the block from L1/L2; chosen by measurement on Zen 5, neighbouring depths were within noise.
     */
    static final int D_KC = 128;
    /** Rows of A per packed block, a multiple of MR: the MC x KC block (192 KB) stays in L2. */
    static final int D_MC = roundUp(192, D_MR);
    /** Columns of B per packed block, a multiple of NR: the KC x NC block is streamed from L2/L3. */
    static final int D_NC = roundUp(1024, D_NR);

    private static void gemmD(boolean transA, boolean transB, int m, int n, int k, double alpha,
                              MemorySegment a, long aOff, int lda, MemorySegment b, long bOff, int ldb, double beta,
                              MemorySegment c, long cOff, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0 || alpha == 0) {
            scaleD(m, n, beta, c, cOff, ldc);
            return;
        }
        // Buffers sized to the problem, so small products do not pay for zeroing whole blocks.
        int kcMax = Math.min(k, D_KC);
        double[] bp = new double[kcMax * Math.min(roundUp(n, D_NR), D_NC)];
        double[] ap = new double[kcMax * Math.min(roundUp(m, D_MR), D_MC)];
        double[] tile = new double[D_MR * D_NR];
        for (int jc = 0; jc < n; jc += D_NC) {
            int nc = Math.min(D_NC, n - jc);
            for (int pc = 0; pc < k; pc += D_KC) {
                int kc = Math.min(D_KC, k - pc);
                // Later depth blocks accumulate onto what the first one wrote.
                double betaEff = pc == 0 ? beta : 1;
                packDB(transB, b, bOff, ldb, pc, kc, jc, nc, bp);
                for (int ic = 0; ic < m; ic += D_MC) {
                    int mc = Math.min(D_MC, m - ic);
                    packDA(transA, a, aOff, lda, ic, mc, pc, kc, ap);
                    for (int jr = 0; jr < nc; jr += D_NR) {
                        int nr = Math.min(D_NR, nc - jr);
                        for (int ir = 0; ir < mc; ir += D_MR) {
                            kernelD(kc, ap, ir * kc, bp, jr * kc, tile);
                            updateD(tile, c, cOff + (long) (ic + ir) * ldc + jc + jr, ldc, Math.min(D_MR, mc - ir),
                                    nr, alpha, betaEff);
                        }
                    }
                }
            }
        }
    }

    /** Packs rows ic.. and columns pc.. of op(A) into MR-row panels stored column by column, zero-padded. */
    private static void packDA(boolean transA, MemorySegment a, long aOff, int lda, int ic, int mc, int pc, int kc,
                               double[] ap) {
        for (int ir = 0; ir < mc; ir += D_MR) {
            int mr = Math.min(D_MR, mc - ir);
            int base = ir * kc;
            if (transA) {
                // A is stored k x m: each panel column is contiguous in memory.
                long src = aOff + (long) pc * lda + ic + ir;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * D_MR;
                    MemorySegment.copy(a, F64, src * 8, ap, dst, mr);
                    if (mr < D_MR) {
                        Arrays.fill(ap, dst + mr, dst + D_MR, 0);
                    }
                    src += lda;
                }
            } else {
                for (int r = 0; r < mr; r++) {
                    long src = aOff + (long) (ic + ir + r) * lda + pc;
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * D_MR + r] = a.getAtIndex(F64, src + p);
                    }
                }
                for (int r = mr; r < D_MR; r++) {
                    for (int p = 0; p < kc; p++) {
                        ap[base + p * D_MR + r] = 0;
                    }
                }
            }
        }
    }

    /** Packs rows pc.. and columns jc.. of op(B) into NR-column panels stored row by row, zero-padded. */
    private static void packDB(boolean transB, MemorySegment b, long bOff, int ldb, int pc, int kc, int jc, int nc,
                               double[] bp) {
        for (int jr = 0; jr < nc; jr += D_NR) {
            int nr = Math.min(D_NR, nc - jr);
            int base = jr * kc;
            if (!transB) {
                // B is stored k x n: each panel row is contiguous in memory.
                long src = bOff + (long) pc * ldb + jc + jr;
                for (int p = 0; p < kc; p++) {
                    int dst = base + p * D_NR;
                    MemorySegment.copy(b, F64, src * 8, bp, dst, nr);
                    if (nr < D_NR) {
                        Arrays.fill(bp, dst + nr, dst + D_NR, 0);
                    }
                    src += ldb;
                }
            } else {
                for (int j = 0; j < nr; j++) {
                    long src = bOff + (long) (jc + jr + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * D_NR + j] = b.getAtIndex(F64, src + p);
                    }
                }
                for (int j = nr; j < D_NR; j++) {
                    for (int p = 0; p < kc; p++) {
                        bp[base + p * D_NR + j] = 0;
                    }
                }
            }
        }
    }

    /** The 4 x (3·DL) micro-kernel: 12 accumulators, 3 B vectors and one broadcast of A live in registers. */
    private static void kernelD(int kc, double[] ap, int ai, double[] bp, int bi, double[] tile) {
        DoubleVector c0_0 = DoubleVector.zero(DS), c0_1 = DoubleVector.zero(DS), c0_2 = DoubleVector.zero(DS);
        DoubleVector c1_0 = DoubleVector.zero(DS), c1_1 = DoubleVector.zero(DS), c1_2 = DoubleVector.zero(DS);
        DoubleVector c2_0 = DoubleVector.zero(DS), c2_1 = DoubleVector.zero(DS), c2_2 = DoubleVector.zero(DS);
        DoubleVector c3_0 = DoubleVector.zero(DS), c3_1 = DoubleVector.zero(DS), c3_2 = DoubleVector.zero(DS);
        // Indices written as functions of p so that C2 can hoist the array bounds checks out of the loop.
        for (int p = 0; p < kc; p++) {
            int bj = bi + p * D_NR;
            int aj = ai + p * D_MR;
            DoubleVector b0 = DoubleVector.fromArray(DS, bp, bj);
            DoubleVector b1 = DoubleVector.fromArray(DS, bp, bj + DL);
            DoubleVector b2 = DoubleVector.fromArray(DS, bp, bj + 2 * DL);
            DoubleVector a0 = DoubleVector.broadcast(DS, ap[aj]);
            c0_0 = a0.fma(b0, c0_0);
            c0_1 = a0.fma(b1, c0_1);
            c0_2 = a0.fma(b2, c0_2);
            DoubleVector a1 = DoubleVector.broadcast(DS, ap[aj + 1]);
            c1_0 = a1.fma(b0, c1_0);
            c1_1 = a1.fma(b1, c1_1);
            c1_2 = a1.fma(b2, c1_2);
            DoubleVector a2 = DoubleVector.broadcast(DS, ap[aj + 2]);
            c2_0 = a2.fma(b0, c2_0);
            c2_1 = a2.fma(b1, c2_1);
            c2_2 = a2.fma(b2, c2_2);
            DoubleVector a3 = DoubleVector.broadcast(DS, ap[aj + 3]);
            c3_0 = a3.fma(b0, c3_0);
            c3_1 = a3.fma(b1, c3_1);
            c3_2 = a3.fma(b2, c3_2);
        }
        // Spill to the tile buffer (L1) so the C update lives in its own method and this loop stays
        // small enough for C2 to inline every Vector API call (a vector passed to a non-inlined call is boxed).
        c0_0.intoArray(tile, 0);
        c0_1.intoArray(tile, DL);
        c0_2.intoArray(tile, 2 * DL);
        c1_0.intoArray(tile, 3 * DL);
        c1_1.intoArray(tile, 4 * DL);
        c1_2.intoArray(tile, 5 * DL);
        c2_0.intoArray(tile, 6 * DL);
        c2_1.intoArray(tile, 7 * DL);
        c2_2.intoArray(tile, 8 * DL);
        c3_0.intoArray(tile, 9 * DL);
        c3_1.intoArray(tile, 10 * DL);
        c3_2.intoArray(tile, 11 * DL);
    }

    /**
     * {@code C = alpha * tile + beta * C} over the valid {@code mr x nr} corner of a micro-tile; C is not read
     * when beta is 0. Whole rows of vectors where the tile is full, scalars at the edges.
     */
    private static void updateD(double[] tile, MemorySegment c, long cIdx, int ldc, int mr, int nr, double alpha,
                                double beta) {
        if (nr == D_NR) {
            DoubleVector av = DoubleVector.broadcast(DS, alpha);
            DoubleVector bv = DoubleVector.broadcast(DS, beta);
            long row = cIdx * 8;
            for (int r = 0; r < mr; r++, row += (long) ldc * 8) {
                for (int v = 0; v < D_NR; v += DL) {
                    DoubleVector t = DoubleVector.fromArray(DS, tile, r * D_NR + v).mul(av);
                    long at = row + (long) v * 8;
                    if (beta != 0) {
                        t = DoubleVector.fromMemorySegment(DS, c, at, NATIVE).fma(bv, t);
                    }
                    t.intoMemorySegment(c, at, NATIVE);
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            long row = cIdx + (long) r * ldc;
            for (int j = 0; j < nr; j++) {
                double v = alpha * tile[r * D_NR + j];
                if (beta != 0) {
                    v += beta * c.getAtIndex(F64, row + j);
                }
                c.setAtIndex(F64, row + j, v);
            }
        }
    }

    /** {@code C = beta C} (zero-filled, not read, when beta is 0), for {@code k == 0} or {@code alpha == 0}. */
    private static void scaleD(int m, int n, double beta, MemorySegment c, long cOff, int ldc) {
        if (beta == 1) {
            return;
        }
        for (int i = 0; i < m; i++) {
            long row = cOff + (long) i * ldc;
            for (int j = 0; j < n; j++) {
                c.setAtIndex(F64, row + j, beta == 0 ? 0 : beta * c.getAtIndex(F64, row + j));
            }
        }
    }
}
