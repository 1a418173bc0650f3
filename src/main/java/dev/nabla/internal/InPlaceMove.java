package dev.nabla.internal;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Not API: the one bridge through which Nabla's own packages ({@code dev.nabla.nn}, {@code dev.nabla.optim}) move a
 * tensor's data to another device while keeping the tensor object, the package-private {@code Tensor.moveDataTo}.
 * {@code Module.to} moves parameters and buffers this way, so an optimizer built before the move keeps updating
 * the module's parameters (PyTorch's {@code module.to} keeps its Parameter objects too), and optimizers move their
 * state after their parameters.
 *
 * <p>Only classes of the {@code dev.nabla} packages may call it (checked on each call): user code moves tensors
 * with {@link Tensor#to(Device)}, which copies. The package is left out of the published javadoc and is not to be
 * exported by a module descriptor. It looks the method up rather than having {@code Tensor} register it, so that
 * {@code dev.nabla} does not depend on this package (no package cycle).
 */
public final class InPlaceMove {
    private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);
    private static final MethodHandle MOVE;

    static {
        try {
            MOVE = MethodHandles.privateLookupIn(Tensor.class, MethodHandles.lookup())
                    .findVirtual(Tensor.class, "moveDataTo", MethodType.methodType(void.class, Device.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private InPlaceMove() {
    }

    /**
     * Moves {@code tensor}'s data to {@code target} in place (nothing happens if it is already there); its gradient
     * moves with it.
     *
     * @throws IllegalStateException if the tensor was closed, is not a leaf or belongs to a scope
     * @throws SecurityException if the caller is not a class of Nabla itself
     */
    public static void moveTo(Tensor tensor, Device target) {
        Class<?> caller = WALKER.getCallerClass();
        String pkg = caller.getPackageName();
        if (!pkg.equals("dev.nabla") && !pkg.startsWith("dev.nabla.")) {
            throw new SecurityException("InPlaceMove is internal to Nabla (called from " + caller.getName()
                    + "); use Tensor.to(Device), or Module.to(Device) for a model");
        }
        try {
            MOVE.invokeExact(tensor, target);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
