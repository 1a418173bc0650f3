package dev.nabla.backend.java;

/**
 * Whether the incubating Vector API ({@code jdk.incubator.vector}) is in the boot layer. Classes that use it
 * (package {@code dev.nabla.backend.java.vector}) are loaded only when it is, so the library runs without any
 * {@code --add-modules} flag.
 */
public final class VectorSupport {
    private static final boolean AVAILABLE =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    private VectorSupport() {
    }

    /** True when {@code --add-modules jdk.incubator.vector} was given to the JVM. */
    public static boolean available() {
        return AVAILABLE;
    }
}
