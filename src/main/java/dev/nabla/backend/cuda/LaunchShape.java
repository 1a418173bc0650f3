package dev.nabla.backend.cuda;

/**
 * Launch configurations of the block-per-row kernels (fused softmax, batch norm, max-pooling backward): the block is
 * the smallest power of two of at least one warp that covers a row (the kernels' shared-memory trees need a power of
 * two), so a row of 10 logits takes one warp and a long row the largest block; the grid has one block per row, up to
 * as many as fill every SM (2048 resident threads each), and the kernels loop over the remaining rows.
 */
record LaunchShape(int blocks, int threads) {
    /** Threads of one warp: the smallest useful block. */
    static final int WARP = 32;
    /** Resident threads per SM on compute capability 8.0 and newer. */
    private static final int THREADS_PER_SM = 2048;

    /** {@code rows} rows of {@code rowLength} elements each, blocks of at most {@code maxThreads} threads. */
    static LaunchShape perRow(CudaDevice device, long rows, long rowLength, int maxThreads) {
        int threads = WARP;
        while (threads < maxThreads && threads < rowLength) {
            threads *= 2;
        }
        long fill = (long) device.smCount() * (THREADS_PER_SM / threads);
        return new LaunchShape((int) Math.max(1, Math.min(rows, fill)), threads);
    }
}
