package dev.nabla.distributed;

import dev.nabla.Grad;
import dev.nabla.Tensor;
import java.time.Duration;

/**
 * The group of a process that {@code mpirun} did not start: rank 0 of 1, without MPI. Reductions and broadcasts
 * leave the tensor as it is (a sum or mean over one rank is the value itself); all-gather and reduce-scatter copy
 * input to output. Arguments are checked exactly as the MPI group checks them, so a program that runs here runs
 * under {@code mpirun}.
 */
final class SingleProcessGroup implements ProcessGroup {
    private static final Work DONE = new Work() {
        @Override
        public void waitFor() {
        }

        @Override
        public boolean isCompleted() {
            return true;
        }
    };

    private final Duration timeout;

    SingleProcessGroup(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ProcessGroup.init: timeout must be positive, got " + timeout);
        }
        this.timeout = timeout;
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int size() {
        return 1;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public void allReduce(Tensor tensor, ReduceOp op) {
        CollectiveChecks.operand("allReduce", tensor);
        CollectiveChecks.reduction("allReduce", tensor, op);
    }

    @Override
    public Work allReduceAsync(Tensor tensor, ReduceOp op) {
        allReduce(tensor, op);
        return DONE;
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        CollectiveChecks.operand("broadcast", tensor);
        CollectiveChecks.root("broadcast", root, 1);
    }

    @Override
    public Work broadcastAsync(Tensor tensor, int root) {
        broadcast(tensor, root);
        return DONE;
    }

    @Override
    public void allGather(Tensor output, Tensor input) {
        copyBlock("allGather", output, input, output, input);
    }

    @Override
    public Work allGatherAsync(Tensor output, Tensor input) {
        allGather(output, input);
        return DONE;
    }

    @Override
    public void reduceScatter(Tensor output, Tensor input, ReduceOp op) {
        CollectiveChecks.reduction("reduceScatter", input, op);
        copyBlock("reduceScatter", input, output, output, input);
    }

    @Override
    public Work reduceScatterAsync(Tensor output, Tensor input, ReduceOp op) {
        reduceScatter(output, input, op);
        return DONE;
    }

    /** Checks as the MPI group does ({@code large} holds one block per rank), then copies input to output. */
    private static void copyBlock(String op, Tensor large, Tensor small, Tensor output, Tensor input) {
        CollectiveChecks.operand(op, output);
        CollectiveChecks.operand(op, input);
        CollectiveChecks.blocks(op, large, small, 1, large == output ? "output" : "input",
                small == input ? "input" : "output");
        try (Grad off = Grad.disabled()) {
            output.copy_(input.reshape(output.shape()));
        }
    }

    @Override
    public void barrier() {
    }

    @Override
    public Work barrierAsync() {
        return DONE;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "ProcessGroup(single process)";
    }
}
