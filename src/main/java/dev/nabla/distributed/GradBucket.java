package dev.nabla.distributed;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.List;

/**
 * Gradients of a few parameters averaged by one all-reduce, as a bucket of PyTorch's Reducer: once the last of them
 * is ready, they are copied into one flat buffer, the buffer is all-reduced asynchronously, and when that completes
 * the averages are copied back into each parameter's {@code grad()}.
 */
final class GradBucket {
    private final List<Tensor> params;
    private final long[] offsets;
    /** Long-lived (outside any scope), one element per gradient element. */
    private final Tensor flat;
    /** Which gradients arrived in the current backward. */
    private final boolean[] ready;
    private int pending;
    private Work work;

    GradBucket(List<Tensor> params) {
        this.params = List.copyOf(params);
        offsets = new long[params.size() + 1];
        for (int i = 0; i < params.size(); i++) {
            offsets[i + 1] = offsets[i] + params.get(i).numel();
        }
        DType dtype = params.get(0).dtype();
        Device device = params.get(0).device();
        flat = Scope.detached(() -> Tensor.empty(dtype, device, offsets[params.size()]));
        ready = new boolean[params.size()];
        pending = params.size();
    }

    /** The buffer's size in bytes. */
    long byteSize() {
        return flat.numel() * flat.dtype().byteSize();
    }

    /**
     * Marks parameter {@code index}'s gradient as ready.
     *
     * @return true when it was the last one: the bucket is then ready to {@link #launch}
     */
    boolean markReady(int index) {
        if (!ready[index]) {
            ready[index] = true;
            pending--;
        }
        return pending == 0;
    }

    /** Copies the gradients into the buffer and starts averaging it over {@code group}. */
    void launch(ProcessGroup group) {
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                flat.narrow(0, offsets[i], p.numel()).view(p.shape()).copy_(p.grad());
            }
        }
        work = group.allReduceAsync(flat, ReduceOp.AVG);
    }

    /** Lets MPI progress the running all-reduce, if any; true once it has completed. */
    boolean poll() {
        return work != null && work.isCompleted();
    }

    /** Waits for the all-reduce and copies the averages back into the gradients; readies the bucket for next time. */
    void finish() {
        work.waitFor();
        work = null;
        try (Grad off = Grad.disabled(); Scope s = Scope.open()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                p.grad().copy_(flat.narrow(0, offsets[i], p.numel()).view(p.shape()));
            }
        }
        reset();
    }

    /** Readies the bucket for the next backward, forgetting a partial one. */
    void reset() {
        java.util.Arrays.fill(ready, false);
        pending = params.size();
        work = null;
    }

    /** The parameters whose gradient has not arrived in the current backward although others' have. */
    List<Tensor> missing() {
        if (pending == params.size()) {
            return List.of();
        }
        var out = new java.util.ArrayList<Tensor>();
        for (int i = 0; i < ready.length; i++) {
            if (!ready[i]) {
                out.add(params.get(i));
            }
        }
        return out;
    }

    /** Frees the buffer. */
    void close() {
        flat.close();
    }
}
