package dev.nabla.distributed;

import dev.nabla.Grad;
import dev.nabla.RemovableHandle;
import dev.nabla.Tensor;
import dev.nabla.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training, like PyTorch's {@code DistributedDataParallel}: every rank runs the wrapped module on its
 * own part of the batch, and {@code backward()} leaves every rank with the gradients averaged over all ranks, so
 * the ranks' optimizer steps stay identical. Clipping and any optimizer work unchanged after {@code backward()}.
 *
 * <ul>
 *   <li>At construction, rank 0's parameters and buffers are broadcast to all ranks; in training mode the buffers
 *       (batch-norm statistics) are broadcast again before every forward, as PyTorch's {@code broadcast_buffers}.</li>
 *   <li>Gradients are grouped into buckets of about {@link #DEFAULT_BUCKET_BYTES} in reverse parameter order (the
 *       order backward produces them). When the last gradient of a bucket has been accumulated
 *       ({@link Tensor#registerPostAccumulateGradHook}), the bucket is copied into one flat buffer whose all-reduce
 *       starts at once, while backward goes on; when the last bucket has started, backward waits for all of them and
 *       copies the averages back.</li>
 *   <li>Every parameter must take part in the loss (PyTorch's {@code find_unused_parameters=False}): a backward
 *       that leaves a parameter without gradient is reported by the next {@link #forward}.</li>
 *   <li>{@link #noSync()}: gradient accumulation; backward passes inside it only accumulate locally, and the first
 *       backward after it averages the accumulated gradients.</li>
 *   <li>Move and convert the module ({@code to(...)}) before wrapping it; the buckets keep its device and dtypes.</li>
 * </ul>
 * Checkpoints: save {@link #module()}'s state on rank 0 only; load it on every rank.
 *
 * <pre>{@code
 * var ddp = new DistributedDataParallel(model, group);
 * Tensor loss = F.crossEntropy(ddp.forward(x), y);
 * opt.zeroGrad(); loss.backward(); opt.step();   // gradients averaged over the ranks inside backward()
 * }</pre>
 */
public final class DistributedDataParallel extends Module {
    /** The default bucket size, PyTorch's {@code bucket_cap_mb=25}. */
    public static final long DEFAULT_BUCKET_BYTES = 25L << 20;

    private final Module module;
    private final ProcessGroup group;
    private final List<GradBucket> buckets = new ArrayList<>();
    /** For each parameter, its bucket and index in it. */
    private final Map<Tensor, Slot> slots = new IdentityHashMap<>();
    private final Map<Tensor, String> names = new IdentityHashMap<>();
    private final List<GradBucket> running = new ArrayList<>();
    private final List<RemovableHandle> hooks = new ArrayList<>();
    private boolean sync = true;

    private record Slot(GradBucket bucket, int index) {
    }

    /**
     * Wraps {@code module} with {@link #DEFAULT_BUCKET_BYTES} buckets.
     *
     * @param module the model, on a host device (MPI group) or on the NCCL group's GPU, already in its final dtype
     * @param group  the ranks to train on
     */
    public DistributedDataParallel(Module module, ProcessGroup group) {
        this(module, group, DEFAULT_BUCKET_BYTES);
    }

    /**
     * Wraps {@code module}, broadcasting rank 0's parameters and buffers to every rank (a collective: every rank
     * constructs its wrapper at the same point).
     *
     * @param module      the model, on a host device (MPI group) or on the NCCL group's GPU, already in its final dtype
     * @param group       the ranks to train on
     * @param bucketBytes a bucket is closed once its gradients reach this many bytes
     */
    public DistributedDataParallel(Module module, ProcessGroup group, long bucketBytes) {
        if (bucketBytes < 1) {
            throw new IllegalArgumentException("DistributedDataParallel: bucket size must be positive, got "
                    + bucketBytes);
        }
        this.module = registerModule("module", module);
        this.group = group;
        try (Grad off = Grad.disabled()) {
            for (Tensor p : module.namedParameters().values()) {
                group.broadcast(p, 0);
            }
            broadcastBuffers();
        }
        module.namedParameters().forEach((name, p) -> names.put(p, name));
        buildBuckets(bucketBytes);
        for (Tensor p : slots.keySet()) {
            hooks.add(p.registerPostAccumulateGradHook(this::gradientReady));
        }
    }

    /** Buckets of consecutive parameters (reversed), one dtype each, closed once they reach {@code bucketBytes}. */
    private void buildBuckets(long bucketBytes) {
        List<Tensor> params = new ArrayList<>(module.parameters().stream().filter(Tensor::requiresGrad).toList());
        Collections.reverse(params);
        List<Tensor> current = new ArrayList<>();
        long bytes = 0;
        for (Tensor p : params) {
            if (!current.isEmpty() && (bytes >= bucketBytes || p.dtype() != current.get(0).dtype())) {
                addBucket(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(p);
            bytes += p.numel() * p.dtype().byteSize();
        }
        if (!current.isEmpty()) {
            addBucket(current);
        }
    }

    private void addBucket(List<Tensor> params) {
        GradBucket bucket = new GradBucket(params);
        for (int i = 0; i < params.size(); i++) {
            slots.put(params.get(i), new Slot(bucket, i));
        }
        buckets.add(bucket);
    }

    /** The wrapped module (what to save in checkpoints). */
    public Module module() {
        return module;
    }

    /** The group gradients are averaged over. */
    public ProcessGroup group() {
        return group;
    }

    /**
     * The number of gradient buckets.
     *
     * @return at least 1 for a module with trainable parameters
     */
    public int bucketCount() {
        return buckets.size();
    }

    /**
     * Runs the wrapped module, after checking that the previous backward averaged every gradient.
     *
     * @throws IllegalStateException if the previous backward left parameters without a gradient (named)
     */
    @Override
    public Tensor forward(Tensor input) {
        checkPreviousBackward();
        if (isTraining()) {
            try (Grad off = Grad.disabled()) {
                broadcastBuffers();
            }
        }
        return module.forward(input);
    }

    /**
     * Turns gradient averaging off until the returned handle is closed (PyTorch's {@code no_sync()}): backward
     * passes inside only accumulate each rank's own gradients; the first backward after it averages the sums.
     *
     * <pre>{@code
     * try (var local = ddp.noSync()) {
     *     for (Batch micro : firstMicroBatches) lossOf(micro).backward();
     * }
     * lossOf(lastMicroBatch).backward();   // averages everything accumulated
     * opt.step();
     * }</pre>
     *
     * @return the handle that turns averaging back on
     */
    public NoSync noSync() {
        NoSync handle = new NoSync(sync);
        sync = false;
        return handle;
    }

    /** The handle {@link #noSync()} returns: closing it restores the averaging state from before. */
    public final class NoSync implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private NoSync(boolean previous) {
            this.previous = previous;
        }

        /** Turns averaging back on (if it was on before); later calls do nothing. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                sync = previous;
            }
        }
    }

    private void broadcastBuffers() {
        for (Tensor b : module.namedBuffers().values()) {
            group.broadcast(b, 0);
        }
    }

    /** The post-accumulate hook of every parameter: starts its bucket's all-reduce once the bucket is complete. */
    private void gradientReady(Tensor param) {
        if (!sync) {
            return;
        }
        Slot slot = slots.get(param);
        if (slot.bucket().markReady(slot.index())) {
            slot.bucket().launch(group);
            running.add(slot.bucket());
        }
        for (GradBucket b : running) {
            b.poll(); // MPI progresses non-blocking collectives only inside MPI calls
        }
        if (running.size() == buckets.size()) {
            for (GradBucket b : running) {
                b.finish();
            }
            running.clear();
        }
    }

    private void checkPreviousBackward() {
        List<String> missing = new ArrayList<>();
        for (GradBucket b : buckets) {
            for (Tensor p : b.missing()) {
                missing.add(names.get(p));
            }
        }
        boolean partial = !running.isEmpty() || !missing.isEmpty();
        if (!partial) {
            return;
        }
        for (GradBucket b : running) {
            b.finish(); // every rank started these; complete them so that the ranks stay in step
        }
        running.clear();
        buckets.forEach(GradBucket::reset);
        throw new IllegalStateException("DistributedDataParallel: the previous backward produced no gradient for "
                + (missing.isEmpty() ? "some parameters" : missing) + " on rank " + group.rank() + "; every"
                + " parameter must take part in the loss (unused parameters are not supported)");
    }

    /** Removes the hooks, frees the buckets, and closes the wrapped module. */
    @Override
    public void close() {
        hooks.forEach(RemovableHandle::remove);
        hooks.clear();
        buckets.forEach(GradBucket::close);
        super.close();
    }
}
