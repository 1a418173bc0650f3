package dev.nabla.backend.cpu;

import dev.nabla.backend.AttentionProblem;
import dev.nabla.base.AttentionDropout;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Scaled-dot-product attention on the cpu backend from OpenBLAS GEMMs over blocks (FlashAttention-2's schedule
 * with the block products handed to {@code cblas_?gemm}): a task takes {@link #BLOCK_Q} query rows of one problem,
 * multiplies them against a block of keys ({@code S = scale Q Kᵀ}), runs the online softmax over the block's rows in
 * Java ({@link AttentionRows}) and accumulates {@code O += P V} straight into the output. The backward recomputes
 * each block's weights from the saved log-sum-exp and forms {@code dV += Pᵀ dO}, {@code dP = dO Vᵀ},
 * {@code dS = P (dP - rowsum(dO O))}, {@code dQ += dS K} and {@code dK += dSᵀ Q} by GEMM. A key block is the whole
 * key range while {@code BLOCK_Q x S} stays within {@link #MAX_BLOCK_SCORES}, so memory is O(block), never
 * O(l x s); with {@code causal} the blocks above the diagonal are skipped. Dropout uses
 * {@link AttentionDropout}'s seed rule, as the java backend's kernel. Operands need unit stride only along their
 * last dimension ({@link AttentionOperand}): GEMM reads heads of a {@code [N, L, H, D]} projection with a row stride
 * of {@code H * D} and writes the output and gradients in the layout the caller chose.
 *
 * <p>Threads: the forward splits (problem, query block) tasks, the backward whole problems (dK and dV of a problem
 * accumulate over its query blocks in one thread), over {@link KernelThreads} with one OpenBLAS thread per GEMM;
 * a call with fewer tasks than threads runs on the caller with OpenBLAS's threads instead. Measured on 2 cores
 * (float32, [4, 8, L, 64], forward + backward): parallel tasks took 140-145 ms at L = 1024 where the same GEMMs on
 * two OpenBLAS threads from one caller took 327-337 ms, and 39-57 against 61-62 ms at L = 512.
 */
final class GemmAttention {
    /** Query rows per block. */
    static final int BLOCK_Q = 64;
    /** The most score elements in one block: 512 KB of float32, so a block and its gradient stay in cache. */
    static final int MAX_BLOCK_SCORES = 1 << 17;
    /** Below this many score elements (batch x l x s) a call runs on the calling thread. */
    private static final long PARALLEL_MIN_SCORES = 1 << 15;
    /** Each thread's score and score-gradient blocks, reused across calls (freed with the thread). */
    private static final ThreadLocal<MemorySegment> SCRATCH = new ThreadLocal<>();

    private final CpuBackend blas;
    private final ScalarType t;
    private final AttentionRows rows;
    private final AttentionProblem p;
    private final AttentionOperand q;
    private final AttentionOperand k;
    private final AttentionOperand v;
    private final int keyBlock;

    GemmAttention(CpuBackend blas, ScalarType t, AttentionProblem p, AttentionOperand q, AttentionOperand k,
                  AttentionOperand v) {
        this.blas = blas;
        this.t = t;
        this.rows = AttentionRows.of(t);
        this.p = p;
        this.q = q;
        this.k = k;
        this.v = v;
        this.keyBlock = Math.min(p.s(), MAX_BLOCK_SCORES / BLOCK_Q);
    }

    /**
     * The operands of a call, or null when one of them cannot be read in place (then the java kernel, which needs
     * contiguous operands, answers): float32 or float64, each {@code [batch..., rows, cols]} with unit column
     * stride, {@code lse} contiguous. Outputs must not overlap one another or the inputs (the caller allocates them).
     */
    static AttentionOperand[] operands(ScalarType t, AttentionProblem p, Strided lse, Strided... operands) {
        if (t != ScalarType.FLOAT32 && t != ScalarType.FLOAT64 || !lse.isContiguous()) {
            return null;
        }
        AttentionOperand[] out = new AttentionOperand[operands.length];
        for (int i = 0; i < operands.length; i++) {
            out[i] = AttentionOperand.of(operands[i], p.batch());
            if (out[i] == null) {
                return null;
            }
        }
        return out;
    }

    /** Fills {@code out [batch, l, ev]} and {@code lse [batch * l]}. */
    void forward(AttentionOperand out, Strided lse) {
        int blocks = (p.l() + BLOCK_Q - 1) / BLOCK_Q;
        run((long) p.batch() * blocks, (lo, hi) -> {
            MemorySegment scores = scratch(1);
            double[] max = new double[BLOCK_Q];
            double[] sum = new double[BLOCK_Q];
            for (long task = lo; task < hi; task++) {
                forwardBlock((int) (task / blocks), (int) (task % blocks), out, lse, scores, max, sum);
            }
        });
    }

    /** Fills the gradients {@code gq}, {@code gk}, {@code gv} from {@code gradOut} and the forward's out and lse. */
    void backward(AttentionOperand out, Strided lse, AttentionOperand gradOut, AttentionOperand gq,
                  AttentionOperand gk, AttentionOperand gv) {
        run(p.batch(), (lo, hi) -> {
            MemorySegment scores = scratch(2);
            MemorySegment grads = scores.asSlice(scores.byteSize() / 2);
            double[] rowTerm = new double[BLOCK_Q];
            double[] rowLse = new double[BLOCK_Q];
            for (long b = lo; b < hi; b++) {
                backwardProblem((int) b, out, lse, gradOut, gq, gk, gv, scores, grads, rowTerm, rowLse);
            }
        });
    }

    private void forwardBlock(int b, int qb, AttentionOperand out, Strided lse, MemorySegment s, double[] max,
                              double[] sum) {
        int ne = p.e();
        int nv = p.ev();
        int r0 = qb * BLOCK_Q;
        int rn = Math.min(BLOCK_Q, p.l() - r0);
        int keyEnd = p.causal() ? Math.min(p.s(), r0 + rn) : p.s();
        long qRow = q.row(b, r0);
        MemorySegment o = out.data();
        long oRow = out.row(b, r0);
        int ldo = out.ld();
        Arrays.fill(max, 0, rn, Double.NEGATIVE_INFINITY);
        Arrays.fill(sum, 0, rn, 0);
        for (int c0 = 0; c0 < keyEnd; c0 += keyBlock) {
            int cn = Math.min(keyBlock, keyEnd - c0);
            gemm(false, true, rn, cn, ne, p.scale(), q.data(), qRow, q.ld(), k.data(), k.row(b, c0), k.ld(),
                    0, s, 0, cn);
            for (int r = 0; r < rn; r++) {
                int i = r0 + r;
                long row = (long) r * cn;
                int valid = visibleKeys(i, c0, cn);
                double mNew = max[r];
                if (valid > 0) {
                    addMask(s, row, b, i, c0, valid);
                    mNew = Math.max(mNew, rows.max(s, row, valid));
                }
                if (mNew == Double.NEGATIVE_INFINITY) { // every key so far is masked out
                    zero(s, row, cn);
                    continue;
                }
                double alpha = mNew == max[r] ? 1 : Math.exp(max[r] - mNew);
                sum[r] = sum[r] * alpha + rows.expShift(s, row, valid, mNew);
                max[r] = mNew;
                zero(s, row + valid, cn - valid);
                if (p.dropoutP() > 0) {
                    drop(s, row, b, i, c0, valid);
                }
                if (c0 > 0 && alpha != 1) {
                    rows.scale(o, oRow + (long) r * ldo, nv, alpha);
                }
            }
            gemm(false, false, rn, nv, cn, 1, s, 0, cn, v.data(), v.row(b, c0), v.ld(),
                    c0 == 0 ? 0 : 1, o, oRow, ldo);
        }
        for (int r = 0; r < rn; r++) { // a row with every key masked out gets 0/0 = NaN, as the composite
            rows.scale(o, oRow + (long) r * ldo, nv, 1 / sum[r]);
            rows.set(lse.data(), lse.offset() + (long) b * p.l() + r0 + r, max[r] + Math.log(sum[r]));
        }
    }

    private void backwardProblem(int b, AttentionOperand out, Strided lse, AttentionOperand gradOut,
                                 AttentionOperand gq, AttentionOperand gk, AttentionOperand gv, MemorySegment s,
                                 MemorySegment ds, double[] rowTerm, double[] rowLse) {
        int ne = p.e();
        int nv = p.ev();
        long kBase = k.row(b, 0);
        long vBase = v.row(b, 0);
        long gkBase = gk.row(b, 0);
        long gvBase = gv.row(b, 0);
        zeroRows(gk, gkBase, ne);
        zeroRows(gv, gvBase, nv);
        MemorySegment g = gradOut.data();
        int ldg = gradOut.ld();
        for (int r0 = 0; r0 < p.l(); r0 += BLOCK_Q) {
            int rn = Math.min(BLOCK_Q, p.l() - r0);
            int keyEnd = p.causal() ? Math.min(p.s(), r0 + rn) : p.s();
            long row0 = (long) b * p.l() + r0;
            long qRow = q.row(b, r0);
            long gRow = gradOut.row(b, r0);
            long oRow = out.row(b, r0);
            for (int r = 0; r < rn; r++) { // D_i = sum(dO_i * O_i): the softmax backward's row term
                rowTerm[r] = rows.dot(g, gRow + (long) r * ldg, out.data(), oRow + (long) r * out.ld(), nv);
                rowLse[r] = rows.get(lse.data(), lse.offset() + row0 + r);
            }
            for (int c0 = 0; c0 < keyEnd; c0 += keyBlock) {
                int cn = Math.min(keyBlock, keyEnd - c0);
                gemm(false, true, rn, cn, ne, p.scale(), q.data(), qRow, q.ld(), k.data(),
                        kBase + (long) c0 * k.ld(), k.ld(), 0, s, 0, cn);
                gemm(false, true, rn, cn, nv, 1, g, gRow, ldg, v.data(), vBase + (long) c0 * v.ld(), v.ld(), 0,
                        ds, 0, cn);
                for (int r = 0; r < rn; r++) {
                    int i = r0 + r;
                    long row = (long) r * cn;
                    int valid = rowLse[r] == Double.NEGATIVE_INFINITY ? 0 : visibleKeys(i, c0, cn);
                    if (valid > 0) {
                        addMask(s, row, b, i, c0, valid);
                        rows.expShift(s, row, valid, rowLse[r]); // the forward's weights
                        if (p.dropoutP() > 0) {
                            dropGrad(s, ds, row, b, i, c0, valid, rowTerm[r]);
                        } else {
                            rows.softmaxGrad(s, row, ds, row, valid, rowTerm[r]);
                        }
                    }
                    zero(s, row + valid, cn - valid);
                    zero(ds, row + valid, cn - valid);
                }
                gemm(true, false, cn, nv, rn, 1, s, 0, cn, g, gRow, ldg, 1, gv.data(),
                        gvBase + (long) c0 * gv.ld(), gv.ld());
                gemm(true, false, cn, ne, rn, p.scale(), ds, 0, cn, q.data(), qRow, q.ld(), 1,
                        gk.data(), gkBase + (long) c0 * gk.ld(), gk.ld());
                gemm(false, false, rn, ne, cn, p.scale(), ds, 0, cn, k.data(), kBase + (long) c0 * k.ld(), k.ld(),
                        c0 == 0 ? 0 : 1, gq.data(), gq.row(b, r0), gq.ld());
            }
        }
    }

    /** Keys of block {@code [c0, c0 + cn)} that query {@code i} may see: all but those above a causal diagonal. */
    private int visibleKeys(int i, int c0, int cn) {
        return p.causal() ? Math.max(0, Math.min(cn, i - c0 + 1)) : cn;
    }

    private void addMask(MemorySegment s, long row, int b, int i, int c0, int n) {
        if (p.mask() != null) {
            rows.addMask(s, row, n, p.mask(), p.maskOffset(b, i, c0), p.maskColStride());
        }
    }

    /** Applies dropout to weights {@code s[row, row + n)}: zero, or scaled by {@code 1/(1-p)}. */
    private void drop(MemorySegment s, long row, int b, int i, int c0, int n) {
        double kept = 1 / (1 - p.dropoutP());
        long base = ((long) b * p.l() + i) * p.s() + c0;
        for (int j = 0; j < n; j++) {
            boolean keep = AttentionDropout.keep(p.dropoutSeed(), base + j, p.dropoutP());
            rows.set(s, row + j, keep ? rows.get(s, row + j) * kept : 0);
        }
    }

    /**
     * The softmax backward through dropout with factors {@code z} (0 or {@code 1/(1-p)}): {@code ds = s (ds z - d)},
     * then {@code s *= z} (the dropped weights that dV needs).
     */
    private void dropGrad(MemorySegment s, MemorySegment ds, long row, int b, int i, int c0, int n, double d) {
        double kept = 1 / (1 - p.dropoutP());
        long base = ((long) b * p.l() + i) * p.s() + c0;
        for (int j = 0; j < n; j++) {
            double z = AttentionDropout.keep(p.dropoutSeed(), base + j, p.dropoutP()) ? kept : 0;
            double w = rows.get(s, row + j);
            rows.set(ds, row + j, w * (rows.get(ds, row + j) * z - d));
            rows.set(s, row + j, w * z);
        }
    }

    /** Zeroes the {@code p.s()} rows of {@code cols} elements of one problem's key gradient starting at {@code base}. */
    private void zeroRows(AttentionOperand x, long base, int cols) {
        if (x.ld() == cols) {
            zero(x.data(), base, (long) p.s() * cols);
            return;
        }
        for (int r = 0; r < p.s(); r++) {
            zero(x.data(), base + (long) r * x.ld(), cols);
        }
    }

    private void zero(MemorySegment x, long i, long n) {
        if (n > 0) {
            x.asSlice(i * rows.bytes(), n * rows.bytes()).fill((byte) 0);
        }
    }

    private void gemm(boolean transA, boolean transB, int m, int n, int kk, double alpha, MemorySegment a,
                      long aOffset, int lda, MemorySegment b, long bOffset, int ldb, double beta, MemorySegment c,
                      long cOffset, int ldc) {
        CpuBackend.cblasGemm(t, transA, transB, m, n, kk, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset,
                ldc);
    }

    /** This thread's scratch of {@code blocks} score blocks. */
    private MemorySegment scratch(int blocks) {
        long bytes = (long) blocks * BLOCK_Q * keyBlock * rows.bytes();
        MemorySegment s = SCRATCH.get();
        if (s == null || s.byteSize() < bytes) {
            s = Arena.ofAuto().allocate(Math.max(bytes, 2L * MAX_BLOCK_SCORES * Double.BYTES), 64);
            SCRATCH.set(s);
        }
        return s.asSlice(0, bytes);
    }

    /** A range of tasks. */
    private interface Range {
        void run(long lo, long hi);
    }

    /**
     * Splits {@code [0, tasks)} over the kernel threads (a few ranges per thread, one OpenBLAS thread per GEMM) when
     * the call is large enough and has a task per thread; otherwise runs it here with OpenBLAS's own threads.
     */
    private void run(long tasks, Range range) {
        int threads = KernelThreads.threads();
        long scores = (long) p.batch() * p.l() * p.s();
        if (threads > 1 && tasks >= threads && scores >= PARALLEL_MIN_SCORES) {
            int chunks = (int) Math.min(tasks, (long) threads * 4);
            blas.useBlasThreads(1);
            KernelThreads.run(chunks, c -> range.run(tasks * c / chunks, tasks * (c + 1) / chunks));
            return;
        }
        blas.useBlasThreads(blas.gemmThreads(BLOCK_Q, keyBlock, Math.max(p.e(), p.ev())));
        range.run(0, tasks);
    }
}
