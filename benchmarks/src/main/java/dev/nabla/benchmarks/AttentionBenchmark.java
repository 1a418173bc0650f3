package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Scaled dot-product attention on the {@code cpu} device, float32, batch 4, 8 heads, head dim 64, sequence
 * {@link #seq}: the fused, blocked {@link F#scaledDotProductAttention} against the composite a user would write
 * ({@code softmax(q kᵀ / 8) v} from matmul and softmax, which stores the L x L weights), forward alone and forward
 * plus backward. Each call runs in its own scope, so activations are released as in a training step.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    /** Sequence length (L = S). */
    @Param({"512", "1024"})
    public int seq;

    private Tensor q;
    private Tensor k;
    private Tensor v;

    /** Random q, k, v {@code [4, 8, seq, 64]} that require grad. */
    @Setup(Level.Trial)
    public void setUp() {
        Generator g = new Generator(5);
        q = Scope.detached(() -> Tensor.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 4, 8, seq, 64).requiresGrad_(true));
        k = Scope.detached(() -> Tensor.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 4, 8, seq, 64).requiresGrad_(true));
        v = Scope.detached(() -> Tensor.normal(g, 0, 1, DType.FLOAT32, Device.CPU, 4, 8, seq, 64).requiresGrad_(true));
    }

    private Tensor composite() {
        return q.matmul(k.transpose(-2, -1)).mul(1 / Math.sqrt(64)).softmax(-1).matmul(v);
    }

    private float finish(Tensor out, boolean backward) {
        if (backward) {
            out.sum().backward();
            q.setGrad(null);
            k.setGrad(null);
            v.setGrad(null);
        }
        return out.select(0, 0).select(0, 0).select(0, 0).toFloatArray()[0];
    }

    /** Fused forward. */
    @Benchmark
    public float fusedForward() {
        try (Scope s = Scope.open(); Grad off = Grad.disabled()) {
            return finish(F.scaledDotProductAttention(q, k, v), false);
        }
    }

    /** Composite forward. */
    @Benchmark
    public float compositeForward() {
        try (Scope s = Scope.open(); Grad off = Grad.disabled()) {
            return finish(composite(), false);
        }
    }

    /** Fused forward and backward. */
    @Benchmark
    public float fusedForwardBackward() {
        try (Scope s = Scope.open()) {
            return finish(F.scaledDotProductAttention(q, k, v), true);
        }
    }

    /** Composite forward and backward. */
    @Benchmark
    public float compositeForwardBackward() {
        try (Scope s = Scope.open()) {
            return finish(composite(), true);
        }
    }
}
