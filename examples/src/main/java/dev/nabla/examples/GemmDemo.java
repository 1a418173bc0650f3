package dev.nabla.examples;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.examples.cli.Checks;
import dev.nabla.examples.cli.Cli;
import dev.nabla.examples.cli.ProjectVersion;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Multiplies two random float32 matrices on {@link Device#CPU} (OpenBLAS through Panama) and on {@link Device#JAVA}
 * (the pure-Java kernels), checks that the products agree, and prints the speed of each.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector -cp ... \
 *      dev.nabla.examples.GemmDemo --size 1024 --iterations 5
 * </pre>
 *
 * <p>Exits with status 1 when the two devices disagree by more than the float32 tolerance.
 */
@Command(name = "gemm-demo", mixinStandardHelpOptions = true, versionProvider = ProjectVersion.class,
        showDefaultValues = true, description = "Time float32 matrix products on the cpu and java devices.")
public final class GemmDemo implements Callable<Integer> {
    /** Default matrix size (n x n times n x n). */
    static final int DEFAULT_SIZE = 1024;
    /** Default number of timed products per device. */
    static final int DEFAULT_ITERATIONS = 5;
    /**
     * Largest accepted {@code max|cpu - java| / max|java|}. Both sum n float32 products in a different order;
     * the rounding error of such a sum grows like sqrt(n) * 2^-24 relative to its terms (about 2e-6 at n = 1024),
     * far below this bound; a wrong kernel gives errors of order 1.
     */
    static final double TOLERANCE = 1e-4;

    @Option(names = {"--size", "-n"}, converter = Checks.PositiveInt.class,
            description = "multiply two random N x N float32 matrices")
    int size = DEFAULT_SIZE;
    @Option(names = {"--iterations", "-k"}, converter = Checks.PositiveInt.class,
            description = "timed products per device; the median is reported")
    int iterations = DEFAULT_ITERATIONS;

    public static void main(String[] args) {
        System.exit(Cli.execute(new GemmDemo(), args));
    }

    @Override
    public Integer call() {
        return run(size, iterations) ? 0 : 1;
    }

    /** Runs the demo; returns whether the two devices agreed. */
    static boolean run(int n, int iterations) {
        System.out.println("Nabla GEMM demo: [" + n + ", " + n + "] x [" + n + ", " + n + "] float32, "
                + iterations + " timed products per device");
        System.out.println("cpu device: " + Device.CPU.description());

        double flops = 2.0 * n * n * n;
        try (Scope demo = Scope.open()) {
            var generator = new Generator(42);
            Tensor a = Tensor.uniform(generator, -1, 1, DType.FLOAT32, Device.CPU, n, n);
            Tensor b = Tensor.uniform(generator, -1, 1, DType.FLOAT32, Device.CPU, n, n);
            Tensor aJava = a.to(Device.JAVA);
            Tensor bJava = b.to(Device.JAVA);

            // Agreement: one product on each device, compared on the CPU device.
            Tensor cpu = a.matmul(b);
            Tensor java = aJava.matmul(bJava).to(Device.CPU);
            double error = cpu.sub(java).abs().max().item() / java.abs().max().item();
            boolean agree = error <= TOLERANCE;
            System.out.printf(Locale.ROOT, "max |cpu - java| / max |java| = %.3e (tolerance %.0e): %s%n",
                    error, TOLERANCE, agree ? "agree" : "DISAGREE");

            double cpuSeconds = medianSeconds(a, b, iterations);
            double javaSeconds = medianSeconds(aJava, bJava, iterations);
            double cpuGflops = flops / cpuSeconds / 1e9;
            double javaGflops = flops / javaSeconds / 1e9;
            System.out.printf(Locale.ROOT, "cpu  (%s): %9.3f ms  %8.2f GFLOP/s%n",
                    Device.CPU.isNative() ? "OpenBLAS" : "pure Java", cpuSeconds * 1e3, cpuGflops);
            System.out.printf(Locale.ROOT, "java (pure Java): %9.3f ms  %8.2f GFLOP/s%n", javaSeconds * 1e3, javaGflops);
            System.out.printf(Locale.ROOT, "cpu / java speed ratio: %.1fx%n", cpuGflops / javaGflops);
            return agree;
        } finally {
            System.out.println("host memory pool: " + Device.CPU.memoryStats());
        }
    }

    /** One untimed product, then the median wall time of {@code iterations} products, each in its own scope. */
    private static double medianSeconds(Tensor a, Tensor b, int iterations) {
        try (Scope warmUp = Scope.open()) {
            a.matmul(b);
        }
        double[] seconds = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            try (Scope step = Scope.open()) {
                a.matmul(b);
            }
            seconds[i] = (System.nanoTime() - start) / 1e9;
        }
        Arrays.sort(seconds);
        return iterations % 2 == 1 ? seconds[iterations / 2]
                : (seconds[iterations / 2 - 1] + seconds[iterations / 2]) / 2;
    }
}
