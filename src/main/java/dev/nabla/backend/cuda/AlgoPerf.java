package dev.nabla.backend.cuda;

import java.util.List;

/**
 * One row of cuDNN's algorithm report ({@code cudnnConvolution*AlgoPerf_t}), and the rule that keeps the rows an
 * algorithm may be chosen from.
 *
 * @param algo          the algorithm's enum value
 * @param status        the row's {@code cudnnStatus_t}: 0 if the algorithm can run this problem
 * @param time          milliseconds measured ({@code cudnnFind*}) or -1 (heuristics)
 * @param memory        workspace bytes it needs
 * @param deterministic true if it gives bit-identical results run after run
 */
record AlgoPerf(int algo, int status, float time, long memory, boolean deterministic) {

    /**
     * The usable rows, in cuDNN's order (fastest first): status success, deterministic when
     * {@code requireDeterministic}, reporting at most {@code maxWorkspace} bytes of workspace.
     */
    static List<AlgoPerf> usable(List<AlgoPerf> rows, boolean requireDeterministic, long maxWorkspace) {
        return rows.stream()
                .filter(p -> p.status == 0 && (p.deterministic || !requireDeterministic) && p.memory <= maxWorkspace)
                .toList();
    }
}
