package dev.nabla;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Automatic mixed precision, PyTorch's {@code torch.autocast}: inside an open region on this thread, the ops that
 * gain most from 16-bit math and lose little (matrix products: {@code matmul}, {@code F.linear}, {@code F.conv2d})
 * cast their floating inputs to the region's dtype (bfloat16 or float16), while the ops that need float32's range
 * and precision (softmax, log-softmax, batch and layer norm, the losses) cast 16-bit inputs up to float32. Other ops run in
 * their inputs' dtype, and ops over mixed dtypes promote. Parameters stay float32 (the casts are recorded, so
 * gradients arrive in float32), which is why a model trained under autocast needs no other change.
 *
 * <pre>{@code
 * try (Autocast amp = Autocast.enable(DType.BFLOAT16)) {
 *     Tensor loss = F.crossEntropy(model.forward(x), y);   // linear layers in bf16, the loss in float32
 * }
 * loss.backward();                                          // outside the region, as PyTorch recommends
 * }</pre>
 * With float16, scale the loss with a {@link dev.nabla.optim.GradScaler} so that small gradients do not flush to
 * zero; bfloat16 has float32's range and needs no scaling. Regions nest; closing one restores the state before it.
 */
public final class Autocast implements AutoCloseable {
    private static final ThreadLocal<DType> ACTIVE = new ThreadLocal<>();
    /**
     * Regions open on any thread: while 0, every op's check is one volatile read instead of a thread-local lookup
     * (which cost the smallest training steps about 5%).
     */
    private static final AtomicInteger OPEN = new AtomicInteger();

    private final DType previous;
    private final Thread owner;
    private boolean closed;

    private Autocast(DType dtype) {
        OPEN.incrementAndGet();
        this.previous = ACTIVE.get();
        this.owner = Thread.currentThread();
        if (dtype == null) {
            ACTIVE.remove();
        } else {
            ACTIVE.set(dtype);
        }
    }

    /**
     * Opens a region in which matrix products run in {@code dtype} on this thread.
     *
     * @throws IllegalArgumentException unless {@code dtype} is {@link DType#BFLOAT16} or {@link DType#FLOAT16}
     */
    public static Autocast enable(DType dtype) {
        if (dtype != DType.BFLOAT16 && dtype != DType.FLOAT16) {
            throw new IllegalArgumentException("Autocast: dtype must be bfloat16 or float16, got " + dtype);
        }
        return new Autocast(dtype);
    }

    /** Opens a region with autocast off (PyTorch's {@code autocast(enabled=False)}), e.g. for a float32 island. */
    public static Autocast disable() {
        return new Autocast(null);
    }

    /** True inside an autocast region on this thread. */
    public static boolean isEnabled() {
        return OPEN.get() != 0 && ACTIVE.get() != null;
    }

    /** The dtype of this thread's autocast region, or null outside one. */
    public static DType dtype() {
        return ACTIVE.get();
    }

    /** Restores the state before this region. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("Autocast: a region must be closed on the thread that opened it");
        }
        closed = true;
        OPEN.decrementAndGet();
        if (previous == null) {
            ACTIVE.remove();
        } else {
            ACTIVE.set(previous);
        }
    }

    /** {@code x} cast to the region's dtype for a lower-precision op, or {@code x} itself outside a region. */
    static Tensor lower(Tensor x) {
        if (OPEN.get() == 0) {
            return x;
        }
        DType d = ACTIVE.get();
        if (d == null || x == null || !x.dtype().isFloatingPoint() || x.dtype() == d) {
            return x;
        }
        return x.to(d);
    }

    /** {@code x} cast up to float32 for an op that needs float32, when a region is open and {@code x} is 16-bit. */
    static Tensor fp32(Tensor x) {
        if (OPEN.get() == 0 || x == null || ACTIVE.get() == null || x.dtype().byteSize() != 2
                || !x.dtype().isFloatingPoint()) {
            return x;
        }
        return x.to(DType.FLOAT32);
    }
}
