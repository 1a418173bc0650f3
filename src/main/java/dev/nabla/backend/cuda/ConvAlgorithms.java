package dev.nabla.backend.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.base.LazyLogger;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses each convolution pass's algorithm once per shape and setting, and remembers it: cuDNN ranks the
 * algorithms (heuristics, or timing when {@link CudnnSettings#benchmark()}), and the first of the
 * {@link AlgoPerf#usable} rows (successful, deterministic when {@link CudnnSettings#deterministic()}) whose workspace
 * is at most {@value #MAX_WORKSPACE} bytes wins. A shape with no such algorithm (or that cuDNN reports as not
 * supported) is remembered too: its pass stays on Nabla's own kernels. Call under {@link CudnnHandle#lock}.
 */
final class ConvAlgorithms {
    private static final System.Logger LOG = LazyLogger.of(ConvAlgorithms.class);
    /** The largest workspace an algorithm may ask for (1 GiB, taken from the pool per call). */
    static final long MAX_WORKSPACE = 1L << 30;

    /**
     * What a choice depends on.
     *
     * @param problem       the shapes, dtype, convolution and math
     * @param direction     the pass
     * @param deterministic whether only deterministic algorithms qualify
     * @param timed         whether the algorithms were timed rather than ranked by heuristics
     */
    record Key(ConvProblem problem, ConvDirection direction, boolean deterministic, boolean timed) {
        /** The key of {@code direction} for {@code problem} under the current {@link CudnnSettings}. */
        static Key current(ConvProblem problem, ConvDirection direction) {
            return new Key(problem, direction, CudnnSettings.deterministic(), CudnnSettings.benchmark());
        }
    }

    /**
     * A chosen algorithm.
     *
     * @param algo      its enum value
     * @param workspace the workspace bytes it needs
     */
    record Plan(int algo, long workspace) {
    }

    private final CudnnHandle cudnn;
    private final Map<Key, Optional<Plan>> plans = new HashMap<>();

    ConvAlgorithms(CudnnHandle cudnn) {
        this.cudnn = cudnn;
    }

    /** The plan of {@code direction} for {@code p}, or null when no algorithm qualifies. */
    Plan plan(ConvProblem p, ConvDirection direction, ConvDescriptors d) {
        return plans.computeIfAbsent(Key.current(p, direction), k -> Optional.ofNullable(choose(k, d))).orElse(null);
    }

    private Plan choose(Key k, ConvDescriptors d) {
        ConvDirection dir = k.direction();
        String what = "convolution " + dir.label() + " of " + k.problem().describe();
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(JAVA_INT);
            cudnn.check(dir.maxCount(cudnn.raw(), count), "cudnnGetConvolution*AlgorithmMaxCount(" + dir.label() + ")");
            int n = Math.max(1, count.get(JAVA_INT, 0));
            MemorySegment perf = a.allocate(dir.row(), n);
            MemorySegment returned = a.allocate(JAVA_INT);
            String call = (k.timed() ? "cudnnFind" : "cudnnGet") + " algorithms for the " + what;
            int rc = dir.rank(cudnn.raw(), d, k.timed(), n, returned, perf);
            if (CudnnStatus.isNotSupported(rc)) {
                LOG.log(Level.DEBUG, "cudnn: {0}: {1}; Nabla''s kernels run it", call, CudnnStatus.name(rc));
                return null;
            }
            cudnn.check(rc, call);
            List<AlgoPerf> rows = new ArrayList<>();
            long size = dir.row().byteSize();
            for (int i = 0; i < returned.get(JAVA_INT, 0); i++) {
                rows.add(dir.read(perf.asSlice(i * size, size)));
            }
            MemorySegment bytes = a.allocate(JAVA_LONG);
            for (AlgoPerf p : AlgoPerf.usable(rows, k.deterministic(), MAX_WORKSPACE)) {
                // the heuristics' rows need not report the workspace: ask for it, and skip one that is too large
                cudnn.check(dir.workspace(cudnn.raw(), d, p.algo(), bytes),
                        "cudnnGetConvolution*WorkspaceSize(algo " + p.algo() + ") for the " + what);
                long workspace = bytes.get(JAVA_LONG, 0);
                if (workspace <= MAX_WORKSPACE) {
                    LOG.log(Level.DEBUG, "cudnn: {0}: algorithm {1}, workspace {2} bytes", what, p, workspace);
                    return new Plan(p.algo(), workspace);
                }
            }
            LOG.log(Level.DEBUG, "cudnn: no {0}algorithm for the {1} among {2}; Nabla''s kernels run it",
                    k.deterministic() ? "deterministic " : "", what, rows);
            return null;
        }
    }
}
