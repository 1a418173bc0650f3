package dev.nabla.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The algorithm rule: cuDNN's order, skipping failures, non-deterministic ones when asked, and huge workspaces. */
class AlgoPerfTest {
    private static final AlgoPerf FAILED = new AlgoPerf(7, 3000, -1, 0, true);
    private static final AlgoPerf FAST_NONDETERMINISTIC = new AlgoPerf(1, 0, 0.5f, 1 << 20, false);
    private static final AlgoPerf HUGE = new AlgoPerf(4, 0, 0.6f, 2L << 30, true);
    private static final AlgoPerf DETERMINISTIC = new AlgoPerf(0, 0, 0.9f, 0, true);
    private static final List<AlgoPerf> ROWS = List.of(FAILED, FAST_NONDETERMINISTIC, HUGE, DETERMINISTIC);

    @Test
    void usableRowsKeepCudnnsOrderWithoutFailuresOrHugeWorkspaces() {
        assertEquals(List.of(FAST_NONDETERMINISTIC, DETERMINISTIC),
                AlgoPerf.usable(ROWS, false, ConvAlgorithms.MAX_WORKSPACE));
        assertEquals(List.of(FAST_NONDETERMINISTIC, HUGE, DETERMINISTIC), AlgoPerf.usable(ROWS, false, 4L << 30));
    }

    @Test
    void deterministicModeSkipsNonDeterministicAlgorithms() {
        assertEquals(List.of(DETERMINISTIC), AlgoPerf.usable(ROWS, true, ConvAlgorithms.MAX_WORKSPACE));
    }

    @Test
    void noQualifyingRowLeavesNothing() {
        assertTrue(AlgoPerf.usable(List.of(FAILED, FAST_NONDETERMINISTIC), true, ConvAlgorithms.MAX_WORKSPACE)
                .isEmpty());
        assertTrue(AlgoPerf.usable(List.of(), false, ConvAlgorithms.MAX_WORKSPACE).isEmpty());
    }
}
