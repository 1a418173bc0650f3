package dev.nabla.internal;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.Backend;
import dev.nabla.backend.UpdateRule;
import dev.nabla.memory.Storage;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.function.Function;

/**
 * Not API: the one accessor through which Nabla's own packages reach the tensor layer's internals, the
 * package-private members of {@code dev.nabla} that take or return backend types:
 * <ul>
 *   <li>{@link #moveTo}: moves a tensor's data to another device while keeping the tensor object. {@code Module.to}
 *       moves parameters and buffers this way, so an optimizer built before the move keeps updating the module's
 *       parameters (PyTorch's {@code module.to} keeps its Parameter objects too), and optimizers move their state
 *       after their parameters; its three-argument form also converts the dtype ({@code Module.to(DType)}).</li>
 *   <li>{@link #fusedUpdate}: one optimizer step on a parameter in a single fused kernel ({@code dev.nabla.optim}).</li>
 *   <li>{@link #backend}: a device's kernels, for tests and benchmarks of the backends themselves.</li>
 *   <li>{@link #pinData} and {@link #markModified}: a contiguous tensor's memory handed to a native library that
 *       reads or writes it directly (MPI collectives in {@code dev.nabla.distributed}), pinned for the call.</li>
 *   <li>{@link #checkpoint}: activation checkpointing's op, for {@code dev.nabla.nn.ActivationCheckpoint}.</li>
 * </ul>
 * The package is not exported by the module descriptor and is left out of the published javadoc. {@link #moveTo},
 * which changes a tensor under its other users, also checks that its caller is a class of Nabla itself; the others
 * skip that check because they run on every optimizer step, where a stack walk would cost more than the whole step
 * of a small model. It looks the members up rather than having {@code dev.nabla} register them, so that
 * {@code dev.nabla} does not depend on this package.
 */
public final class Internals {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final MethodHandle MOVE;
    private static final MethodHandle FUSED_UPDATE;
    private static final MethodHandle BACKEND;
    private static final MethodHandle PIN;
    private static final MethodHandle BUMP;
    private static final MethodHandle CHECKPOINT;

    static {
        try {
            MethodHandles.Lookup tensor = MethodHandles.privateLookupIn(Tensor.class, MethodHandles.lookup());
            MOVE = tensor.findVirtual(Tensor.class, "moveDataTo",
                    MethodType.methodType(void.class, Device.class, DType.class));
            FUSED_UPDATE = tensor.findVirtual(Tensor.class, "fusedUpdate_",
                    MethodType.methodType(Tensor.class, UpdateRule.class, Tensor.class, Tensor[].class));
            BACKEND = MethodHandles.privateLookupIn(Device.class, MethodHandles.lookup())
                    .findVirtual(Device.class, "backend", MethodType.methodType(Backend.class));
            PIN = MethodHandles.privateLookupIn(Class.forName("dev.nabla.InFlight"), MethodHandles.lookup())
                    .findStatic(Class.forName("dev.nabla.InFlight"), "pinStorage",
                            MethodType.methodType(Storage.class, String.class, Tensor.class));
            BUMP = tensor.findVirtual(Tensor.class, "bump", MethodType.methodType(void.class));
            Class<?> checkpointOp = Class.forName("dev.nabla.CheckpointOp");
            CHECKPOINT = MethodHandles.privateLookupIn(checkpointOp, MethodHandles.lookup()).findStatic(checkpointOp,
                    "run", MethodType.methodType(Tensor[].class, Function.class, Tensor[].class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Internals() {
    }

    /**
     * Moves {@code tensor}'s data to {@code target} in place (nothing happens if it is already there); its gradient
     * moves with it.
     *
     * @throws IllegalStateException if the tensor was closed, is not a leaf or belongs to a scope
     * @throws SecurityException if the caller is not a class of Nabla itself
     */
    public static void moveTo(Tensor tensor, Device target) {
        checkCaller(WALKER.getCallerClass());
        move(tensor, target, tensor.dtype());
    }

    /**
     * Moves {@code tensor}'s data to {@code target} and converts it to {@code dtype} in place (nothing happens if it
     * is both already); its gradient moves and converts with it.
     *
     * @throws IllegalStateException if the tensor was closed, is not a leaf or belongs to a scope
     * @throws IllegalArgumentException if the tensor requires grad and {@code dtype} is not floating point
     * @throws SecurityException if the caller is not a class of Nabla itself
     */
    public static void moveTo(Tensor tensor, Device target, DType dtype) {
        checkCaller(WALKER.getCallerClass());
        move(tensor, target, dtype);
    }

    private static void move(Tensor tensor, Device target, DType dtype) {
        try {
            MOVE.invokeExact(tensor, target, dtype);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Applies one optimizer update to {@code param} in place, in a single fused pass over it, {@code grad} and the
     * rule's state buffers (not recorded by autograd).
     *
     * @throws IllegalArgumentException if an operand's shape, dtype, device or layout does not match, or operands
     *     share memory (except {@code grad} being {@code param} itself)
     */
    public static Tensor fusedUpdate(Tensor param, UpdateRule rule, Tensor grad, Tensor... state) {
        try {
            return (Tensor) FUSED_UPDATE.invokeExact(param, rule, grad, state);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The kernels that run on {@code device}. */
    public static Backend backend(Device device) {
        try {
            return (Backend) BACKEND.invokeExact(device);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Pins {@code tensor}'s storage and returns its elements as one native segment, for a library that reads or
     * writes them in place; closing the result unpins (the memory then may go back to the pool).
     *
     * @throws IllegalArgumentException if the tensor is not contiguous (an empty one always passes)
     * @throws IllegalStateException if the tensor was closed
     */
    public static PinnedData pinData(Tensor tensor, String op) {
        if (tensor.numel() > 0 && !tensor.isContiguous()) {
            throw new IllegalArgumentException(op + ": " + tensor.describe() + " is not contiguous");
        }
        Storage storage;
        try {
            storage = (Storage) PIN.invokeExact(op, tensor);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        long elementBytes = tensor.dtype().byteSize();
        return new PinnedData(storage.segment().asSlice(tensor.storageOffset() * elementBytes,
                tensor.numel() * elementBytes), storage);
    }

    /** Counts an in-place write into {@code tensor} made outside Nabla's ops (autograd's saved-tensor checks see it). */
    public static void markModified(Tensor tensor) {
        try {
            BUMP.invokeExact(tensor);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void checkCaller(Class<?> caller) {
        String pkg = caller.getPackageName();
        if (!pkg.equals("dev.nabla") && !pkg.startsWith("dev.nabla.")) {
            throw new SecurityException("dev.nabla.internal is internal to Nabla (called from " + caller.getName()
                    + "); use the public API (e.g. Tensor.to(Device), Module.to(Device))");
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    /**
     * Runs {@code fn} on {@code inputs} as an activation checkpoint: no intermediates kept, recomputed during
     * backward with the same random draws. Returns its outputs (views of one packed tensor when several).
     */
    public static Tensor[] checkpoint(Function<Tensor[], Object[]> fn, Tensor[] inputs) {
        try {
            return (Tensor[]) CHECKPOINT.invokeExact(fn, inputs);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
