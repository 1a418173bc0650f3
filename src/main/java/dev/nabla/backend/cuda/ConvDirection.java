package dev.nabla.backend.cuda;

import dev.nabla.bindings.cudnn.cudnnConvolutionBwdDataAlgoPerfStruct;
import dev.nabla.bindings.cudnn.cudnnConvolutionBwdFilterAlgoPerfStruct;
import dev.nabla.bindings.cudnn.cudnnConvolutionFwdAlgoPerfStruct;
import dev.nabla.bindings.cudnn.cudnn_h;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;

/**
 * The three convolution passes, each with its own cuDNN functions for counting, ranking (heuristics or timing) and
 * sizing the workspace of its algorithms, and its own report struct.
 */
enum ConvDirection {
    /** {@code y = conv(x, w)}. */
    FORWARD("forward", cudnnConvolutionFwdAlgoPerfStruct.layout()) {
        @Override
        int maxCount(MemorySegment h, MemorySegment count) {
            return cudnn_h.cudnnGetConvolutionForwardAlgorithmMaxCount(h, count);
        }

        @Override
        int rank(MemorySegment h, ConvDescriptors d, boolean time, int n, MemorySegment returned, MemorySegment perf) {
            return time ? cudnn_h.cudnnFindConvolutionForwardAlgorithm(h, d.x(), d.w(), d.conv(), d.y(), n, returned, perf)
                    : cudnn_h.cudnnGetConvolutionForwardAlgorithm_v7(h, d.x(), d.w(), d.conv(), d.y(), n, returned,
                            perf);
        }

        @Override
        int workspace(MemorySegment h, ConvDescriptors d, int algo, MemorySegment bytes) {
            return cudnn_h.cudnnGetConvolutionForwardWorkspaceSize(h, d.x(), d.w(), d.conv(), d.y(), algo, bytes);
        }

        @Override
        AlgoPerf read(MemorySegment row) {
            return new AlgoPerf(cudnnConvolutionFwdAlgoPerfStruct.algo(row),
                    cudnnConvolutionFwdAlgoPerfStruct.status(row), cudnnConvolutionFwdAlgoPerfStruct.time(row),
                    cudnnConvolutionFwdAlgoPerfStruct.memory(row),
                    cudnnConvolutionFwdAlgoPerfStruct.determinism(row) == cudnn_h.CUDNN_DETERMINISTIC());
        }
    },
    /** {@code dx} from {@code dy} and {@code w}. */
    BACKWARD_DATA("backward-data", cudnnConvolutionBwdDataAlgoPerfStruct.layout()) {
        @Override
        int maxCount(MemorySegment h, MemorySegment count) {
            return cudnn_h.cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, count);
        }

        @Override
        int rank(MemorySegment h, ConvDescriptors d, boolean time, int n, MemorySegment returned, MemorySegment perf) {
            return time ? cudnn_h.cudnnFindConvolutionBackwardDataAlgorithm(h, d.w(), d.y(), d.conv(), d.x(), n,
                    returned, perf)
                    : cudnn_h.cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w(), d.y(), d.conv(), d.x(), n, returned,
                            perf);
        }

        @Override
        int workspace(MemorySegment h, ConvDescriptors d, int algo, MemorySegment bytes) {
            return cudnn_h.cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w(), d.y(), d.conv(), d.x(), algo, bytes);
        }

        @Override
        AlgoPerf read(MemorySegment row) {
            return new AlgoPerf(cudnnConvolutionBwdDataAlgoPerfStruct.algo(row),
                    cudnnConvolutionBwdDataAlgoPerfStruct.status(row), cudnnConvolutionBwdDataAlgoPerfStruct.time(row),
                    cudnnConvolutionBwdDataAlgoPerfStruct.memory(row),
                    cudnnConvolutionBwdDataAlgoPerfStruct.determinism(row) == cudnn_h.CUDNN_DETERMINISTIC());
        }
    },
    /** {@code dw} from {@code x} and {@code dy}. */
    BACKWARD_FILTER("backward-filter", cudnnConvolutionBwdFilterAlgoPerfStruct.layout()) {
        @Override
        int maxCount(MemorySegment h, MemorySegment count) {
            return cudnn_h.cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, count);
        }

        @Override
        int rank(MemorySegment h, ConvDescriptors d, boolean time, int n, MemorySegment returned, MemorySegment perf) {
            return time ? cudnn_h.cudnnFindConvolutionBackwardFilterAlgorithm(h, d.x(), d.y(), d.conv(), d.w(), n,
                    returned, perf)
                    : cudnn_h.cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x(), d.y(), d.conv(), d.w(), n,
                            returned, perf);
        }

        @Override
        int workspace(MemorySegment h, ConvDescriptors d, int algo, MemorySegment bytes) {
            return cudnn_h.cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.x(), d.y(), d.conv(), d.w(), algo,
                    bytes);
        }

        @Override
        AlgoPerf read(MemorySegment row) {
            return new AlgoPerf(cudnnConvolutionBwdFilterAlgoPerfStruct.algo(row),
                    cudnnConvolutionBwdFilterAlgoPerfStruct.status(row),
                    cudnnConvolutionBwdFilterAlgoPerfStruct.time(row),
                    cudnnConvolutionBwdFilterAlgoPerfStruct.memory(row),
                    cudnnConvolutionBwdFilterAlgoPerfStruct.determinism(row) == cudnn_h.CUDNN_DETERMINISTIC());
        }
    };

    private final String label;
    private final MemoryLayout row;

    ConvDirection(String label, MemoryLayout row) {
        this.label = label;
        this.row = row;
    }

    /** E.g. {@code backward-data}, for messages. */
    String label() {
        return label;
    }

    /** The report struct's layout. */
    MemoryLayout row() {
        return row;
    }

    /** {@code cudnnGetConvolution*AlgorithmMaxCount}. */
    abstract int maxCount(MemorySegment handle, MemorySegment count);

    /** Ranks up to {@code n} algorithms into {@code perf}: timed ({@code cudnnFind*}) or by heuristics. */
    abstract int rank(MemorySegment handle, ConvDescriptors d, boolean time, int n, MemorySegment returned,
                      MemorySegment perf);

    /** {@code cudnnGetConvolution*WorkspaceSize} of {@code algo}. */
    abstract int workspace(MemorySegment handle, ConvDescriptors d, int algo, MemorySegment bytes);

    /** One report row. */
    abstract AlgoPerf read(MemorySegment row);
}
