package dev.nabla.backend.cuda;

/**
 * The process-wide cuDNN switches, named after PyTorch's {@code torch.backends.cudnn}: each starts from a system
 * property and can be changed at run time (public for {@code dev.nabla.Device}, which is the API; this package is
 * not exported).
 * <ul>
 *   <li>{@value #ENABLED_PROPERTY} (default true): use cuDNN where it is loaded; false keeps every op on Nabla's own
 *       CUDA kernels ({@code torch.backends.cudnn.enabled}).</li>
 *   <li>{@value #DETERMINISTIC_PROPERTY} (default false): choose only convolution algorithms that cuDNN reports as
 *       deterministic, so that repeated runs give bit-identical results ({@code torch.backends.cudnn.deterministic}).
 *       </li>
 *   <li>{@value #BENCHMARK_PROPERTY} (default false): choose each shape's convolution algorithms by timing them once
 *       ({@code cudnnFind*}) instead of by cuDNN's heuristics ({@code cudnnGet*_v7}), as
 *       {@code torch.backends.cudnn.benchmark}.</li>
 * </ul>
 * Algorithms are cached per shape and per setting, so changing a switch never reuses a choice made under the other
 * value.
 */
public final class CudnnSettings {
    /** System property: false disables cuDNN. */
    public static final String ENABLED_PROPERTY = "nabla.cudnn.enabled";
    /** System property: true restricts convolutions to deterministic algorithms. */
    public static final String DETERMINISTIC_PROPERTY = "nabla.cudnn.deterministic";
    /** System property: true times the algorithms of each new shape instead of asking the heuristics. */
    public static final String BENCHMARK_PROPERTY = "nabla.cudnn.benchmark";

    private static volatile boolean enabled = !"false".equalsIgnoreCase(System.getProperty(ENABLED_PROPERTY));
    private static volatile boolean deterministic = Boolean.getBoolean(DETERMINISTIC_PROPERTY);
    private static volatile boolean benchmark = Boolean.getBoolean(BENCHMARK_PROPERTY);

    private CudnnSettings() {
    }

    /** True if ops may run on cuDNN where it is loaded. */
    public static boolean enabled() {
        return enabled;
    }

    /** Lets ops use cuDNN where it is loaded (true), or keeps them on Nabla's own CUDA kernels (false). */
    public static void setEnabled(boolean on) {
        enabled = on;
    }

    /** True if only deterministic convolution algorithms may be chosen. */
    public static boolean deterministic() {
        return deterministic;
    }

    /** Restricts convolutions to the algorithms cuDNN reports as deterministic (true), or not (false). */
    public static void setDeterministic(boolean on) {
        deterministic = on;
    }

    /** True if new shapes choose their algorithms by timing them. */
    public static boolean benchmark() {
        return benchmark;
    }

    /** Times each new shape's algorithms ({@code cudnnFind*}, true) or asks the heuristics (false). */
    public static void setBenchmark(boolean on) {
        benchmark = on;
    }
}
