package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.backend.java.VectorSupport;
import dev.nabla.benchmarks.Workloads.TrainingStep;
import dev.nabla.benchmarks.Workloads.Workload;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One full training step of the COMPARE.md workloads ({@link Workloads}): zero the gradients, forward, loss,
 * backward, SGD step, in a {@link dev.nabla.Scope}, on one fixed batch, reading the loss to the host as a user's loop
 * does. Microseconds per step.
 *
 * <ul>
 *   <li>{@link #nabla}: {@code model} x {@code device}, {@code cpu} (OpenBLAS GEMMs, multi-threaded Java kernels) and
 *       {@code java} (pure Java, Vector API), in a JVM with {@code --add-modules jdk.incubator.vector}.
 *   <li>{@link #nablaJavaScalar}: the {@code java} device in a JVM <em>without</em> that module, so the backend
 *       takes its scalar kernels ({@link VectorSupport#available()} is false): {@code nabla-java-scalar} in
 *       COMPARE.md. Its fork sets {@code jvmArgs} rather than appending to them, because JMH forks otherwise
 *       inherit the host JVM's arguments, {@code --add-modules} included (and each method has its own
 *       {@code @Fork}: JMH merges a class-level {@code @Fork}'s {@code jvmArgsAppend} into a method's). Only
 *       {@code seed} and {@code mlp} by default: {@code cnn} on the scalar kernels takes several seconds per step ({@code -p model=cnn} runs it).
 *       In-process ({@code -f 0}) runs cannot drop the module: it then warns that it measures the vector kernels.
 * </ul>
 *
 * <p>Settings: one fork, 3 warm-up and 5 measured iterations of 2 s each, so that an iteration holds several
 * {@code cnn} steps (0.1-0.5 s each on {@code cpu}) and thousands of {@code seed} steps.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainingStepBenchmark {

    /** A training step per {@code model} and {@code device}, with the Vector API. */
    @State(Scope.Benchmark)
    public static class Steps {
        /** {@code seed}, {@code mlp} or {@code cnn} ({@link Workload#parse}). */
        @Param({"seed", "mlp", "cnn"})
        public String model;

        /** {@code cpu} or {@code java}. */
        @Param({"cpu", "java"})
        public String device;

        TrainingStep step;

        @Setup(Level.Trial)
        public void setUp() {
            step = Workloads.build(Workload.parse(model), Device.parse(device));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            step.close();
        }
    }

    /** A training step per {@code model} on the {@code java} device, meant for a JVM without the Vector API. */
    @State(Scope.Benchmark)
    public static class ScalarSteps {
        /** {@code seed} or {@code mlp} by default; {@code cnn} on request. */
        @Param({"seed", "mlp"})
        public String model;

        TrainingStep step;

        @Setup(Level.Trial)
        public void setUp() {
            checkScalar("nablaJavaScalar");
            step = Workloads.build(Workload.parse(model), Device.JAVA);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            step.close();
        }
    }

    /** A {@code cpu} training step in float32 ({@code amp=none}) or under bfloat16 autocast ({@code amp=bf16}). */
    @State(Scope.Benchmark)
    public static class AmpSteps {
        /** {@code mlp} or {@code cnn}. */
        @Param({"mlp", "cnn"})
        public String model;

        /** {@code none} (float32) or {@code bf16} (matrix products and convolutions in bfloat16). */
        @Param({"none", "bf16"})
        public String amp;

        TrainingStep step;

        @Setup(Level.Trial)
        public void setUp() {
            step = Workloads.build(Workload.parse(model), Device.CPU)
                    .autocast(amp.equals("bf16") ? DType.BFLOAT16 : null);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            step.close();
        }
    }

    /** Mixed precision against float32 on the {@code cpu} device: the same step, forward under autocast. */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
    public double nablaAmp(AmpSteps s) {
        return s.step.step();
    }

    /** Nabla's {@code cpu} or {@code java} device (Vector API). */
    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
    public double nabla(Steps s) {
        return s.step.step();
    }

    /** Nabla's {@code java} device on its scalar kernels: the fork gets no {@code --add-modules}. */
    @Benchmark
    @Fork(value = 1, jvmArgs = {"--enable-native-access=ALL-UNNAMED"})
    public double nablaJavaScalar(ScalarSteps s) {
        return s.step.step();
    }

    /**
     * Makes sure a scalar benchmark does not silently measure the Vector API: fails in a JMH fork that has the
     * module, warns in an in-process run (where nothing can be done about it).
     */
    static void checkScalar(String benchmark) {
        if (!VectorSupport.available()) {
            return;
        }
        if (inJmhFork()) {
            throw new IllegalStateException(benchmark + ": this fork has jdk.incubator.vector, so it would measure the"
                    + " Vector API kernels; do not pass --add-modules to it (e.g. through -jvmArgs)");
        }
        System.err.println("WARNING: " + benchmark + " runs in-process (-f 0) with jdk.incubator.vector: it measures"
                + " the Vector API kernels, not the scalar ones");
    }

    /** True in a JVM that JMH forked (its main class is JMH's ForkedMain). */
    static boolean inJmhFork() {
        return System.getProperty("sun.java.command", "").startsWith("org.openjdk.jmh.runner.ForkedMain");
    }
}
