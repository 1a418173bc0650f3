package dev.nabla.backend.java;

import dev.nabla.backend.AttentionProblem;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.util.function.IntConsumer;

/**
 * Fused scaled-dot-product attention for the Java backend (see {@link dev.nabla.backend.Backend#attention}), the
 * reference that the cpu backend's GEMM-blocked kernel is tested against: the forward splits (problem, query block) tasks over the
 * {@link ChunkRunner}, the backward splits problems (each problem's dq accumulates in one thread, so no two threads
 * write the same gradient row). The per-dtype work is in {@code AttentionFloat}/{@code AttentionDouble}.
 */
public final class AttentionKernels {
    /** Below this many score elements (l x s x batch) one thread does the whole call. */
    private static final long PARALLEL_MIN_SCORES = 1 << 15;

    private AttentionKernels() {
    }

    /** Whether the attention kernels take the call: float32 or float64 operands, all contiguous. */
    public static boolean suits(ScalarType t, Strided... operands) {
        if (t != ScalarType.FLOAT32 && t != ScalarType.FLOAT64) {
            return false;
        }
        for (Strided s : operands) {
            if (!s.isContiguous()) {
                return false;
            }
        }
        return true;
    }

    static boolean forward(boolean useVector, ChunkRunner par, ScalarType t, AttentionProblem p, Strided q,
                           Strided k, Strided v, Strided out, Strided lse) {
        if (!suits(t, q, k, v, out, lse)) {
            return false;
        }
        boolean vec = useVector && VectorSupport.available();
        if (t == ScalarType.FLOAT32) {
            var a = new AttentionFloat(p, vec, q, k, v);
            int blocks = a.queryBlocks();
            run(par, p, (long) p.batch() * blocks, (lo, hi) -> {
                var w = new AttentionFloat.ForwardScratch(p);
                for (long task = lo; task < hi; task++) {
                    a.forwardBlock((int) (task / blocks), (int) (task % blocks), out, lse, w);
                }
            });
        } else {
            var a = new AttentionDouble(p, vec, q, k, v);
            int blocks = a.queryBlocks();
            run(par, p, (long) p.batch() * blocks, (lo, hi) -> {
                var w = new AttentionDouble.ForwardScratch(p);
                for (long task = lo; task < hi; task++) {
                    a.forwardBlock((int) (task / blocks), (int) (task % blocks), out, lse, w);
                }
            });
        }
        return true;
    }

    static boolean backward(boolean useVector, ChunkRunner par, ScalarType t, AttentionProblem p, Strided q,
                            Strided k, Strided v, Strided out, Strided lse, Strided gradOut, Strided gq,
                            Strided gk, Strided gv) {
        if (!suits(t, q, k, v, out, lse, gradOut, gq, gk, gv)) {
            return false;
        }
        boolean vec = useVector && VectorSupport.available();
        if (t == ScalarType.FLOAT32) {
            var a = new AttentionFloat(p, vec, q, k, v);
            run(par, p, p.batch(), (lo, hi) -> {
                var w = new AttentionFloat.BackwardScratch(p);
                for (long b = lo; b < hi; b++) {
                    a.backwardProblem((int) b, out, lse, gradOut, gq, gk, gv, w);
                }
            });
        } else {
            var a = new AttentionDouble(p, vec, q, k, v);
            run(par, p, p.batch(), (lo, hi) -> {
                var w = new AttentionDouble.BackwardScratch(p);
                for (long b = lo; b < hi; b++) {
                    a.backwardProblem((int) b, out, lse, gradOut, gq, gk, gv, w);
                }
            });
        }
        return true;
    }

    /** Splits {@code [0, tasks)} into contiguous ranges, a few per thread, when the call is large enough. */
    private static void run(ChunkRunner par, AttentionProblem p, long tasks, JavaKernels.Range range) {
        long scores = (long) p.batch() * p.l() * p.s();
        int threads = par == null ? 1 : par.threads();
        int chunks = (int) Math.min(tasks, scores < PARALLEL_MIN_SCORES || threads == 1 ? 1 : (long) threads * 4);
        if (chunks <= 1) {
            range.run(0, tasks);
            return;
        }
        IntConsumer chunk = c -> range.run(tasks * c / chunks, tasks * (c + 1) / chunks);
        par.run(chunks, chunk);
    }
}
