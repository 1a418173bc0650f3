package dev.nabla.backend.java;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether the incubating Vector API ({@code jdk.incubator.vector}) is in the boot layer. Classes that use it
 * (package {@code dev.nabla.backend.java.vector}) are loaded only when it is, so the library runs without any
 * {@code --add-modules} flag.
 *
 * <p>Without it, the element-wise kernels and optimizer updates run scalar loops: the 784-512-256-10 MLP at batch 128
 * took 25-50 ms per step instead of 2-3 ms on the development machine. The first such kernel over
 * {@value #WARN_ELEMENTS} elements logs one WARNING per JVM that names the flag. Small work stays quiet: scalar loops
 * cost little there, and a small program (which starts faster without the module, see the README) should not start
 * the logging system for it.
 */
public final class VectorSupport {
    /** Element count from which a scalar loop, for want of the module, is worth a warning. */
    static final long WARN_ELEMENTS = 1 << 16;

    private static final boolean AVAILABLE =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private VectorSupport() {
    }

    /** True when {@code --add-modules jdk.incubator.vector} was given to the JVM. */
    public static boolean available() {
        return AVAILABLE;
    }

    /**
     * Called by a kernel that has a Vector API loop before it runs on {@code elements}: warns once per JVM when it
     * runs scalar because the module is absent and the work is large. A backend made scalar on purpose
     * ({@code new JavaBackend(false)}) with the module present never warns.
     */
    static void noteScalarWork(long elements) {
        if (!AVAILABLE && elements >= WARN_ELEMENTS && WARNED.compareAndSet(false, true)) {
            System.getLogger(VectorSupport.class.getName()).log(System.Logger.Level.WARNING, "the Vector API is not enabled: "
                    + "element-wise kernels and optimizer updates run scalar loops, training steps several times "
                    + "slower; run java with --add-modules jdk.incubator.vector");
        }
    }
}
