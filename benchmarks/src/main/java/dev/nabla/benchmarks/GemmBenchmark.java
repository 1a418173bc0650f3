package dev.nabla.benchmarks;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.concurrent.TimeUnit;
import org.ejml.data.DMatrixRMaj;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.CommonOps_FDRM;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * GEMM {@code C = A B}: Nabla's {@code cpu} device (OpenBLAS through Panama), Nabla's {@code java} device (pure Java)
 * and EJML (the most used pure-Java linear-algebra library), float32 and float64.
 *
 * <p>Shapes ({@link #shape}): square {@code n x n} for n = 64 ... 1024 ({@code -p shape=2048} runs the large one,
 * left out by default because EJML needs about ten seconds per product there), and the three forward
 * GEMMs of the Fashion-MNIST MLP step at batch 128, written {@code MxKxN}: {@code [128, 784] x [784, 512]},
 * {@code [128, 512] x [512, 256]}, {@code [128, 256] x [256, 10]}.
 *
 * <p>Each Nabla invocation runs one {@code matmul} in a {@link Scope}, as a training step does, so the output comes
 * from the memory pool's cache and goes back to it: the time includes the Tensor API and pool, not a native
 * allocation. EJML writes into a preallocated output. Threads: Nabla {@code cpu} lets its backend choose OpenBLAS's
 * thread count per GEMM (one for small ones, up to all cores), EJML's {@code CommonOps_*DRM.mult} is
 * single-threaded, Nabla {@code java} uses what its kernels use.
 *
 * <p>Settings (short but honest): one fork, 3 warm-up iterations of 1 s, 5 measured iterations of 1 s; an
 * iteration always completes at least one product. {@link GemmReport} runs this and prints GFLOP/s.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {

    /** {@code n} for a square {@code n x n} product, or {@code MxKxN} for {@code [M, K] x [K, N]}. */
    @Param({"64", "128", "256", "512", "1024", "128x784x512", "128x512x256", "128x256x10"})
    public String shape;

    /** {@code float32} or {@code float64}. */
    @Param({"float32", "float64"})
    public String dtype;

    private Tensor aCpu;
    private Tensor bCpu;
    private Tensor aJava;
    private Tensor bJava;
    private FMatrixRMaj fa;
    private FMatrixRMaj fb;
    private FMatrixRMaj fc;
    private DMatrixRMaj da;
    private DMatrixRMaj db;
    private DMatrixRMaj dc;

    /**
     * Parses {@link #shape}: {@code "256"} is {@code {256, 256, 256}}, {@code "128x784x512"} is {@code {128, 784, 512}}.
     *
     * @return {@code {M, K, N}}
     */
    public static int[] mkn(String shape) {
        String[] parts = shape.split("x");
        if (parts.length == 1) {
            int n = Integer.parseInt(parts[0]);
            return new int[] {n, n, n};
        }
        if (parts.length != 3) {
            throw new IllegalArgumentException("shape must be N or MxKxN, got '" + shape + "'");
        }
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])};
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] s = mkn(shape);
        int m = s[0];
        int k = s[1];
        int n = s[2];
        DType type = switch (dtype) {
            case "float32" -> DType.FLOAT32;
            case "float64" -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("dtype must be float32 or float64, got " + dtype);
        };
        var generator = new Generator(7);
        // No scope is open here: these tensors live until tearDown closes them.
        aCpu = Tensor.uniform(generator, -1, 1, type, Device.CPU, m, k);
        bCpu = Tensor.uniform(generator, -1, 1, type, Device.CPU, k, n);
        aJava = aCpu.to(Device.JAVA);
        bJava = bCpu.to(Device.JAVA);
        if (type == DType.FLOAT32) {
            fa = new FMatrixRMaj(m, k, true, aCpu.toFloatArray());
            fb = new FMatrixRMaj(k, n, true, bCpu.toFloatArray());
            fc = new FMatrixRMaj(m, n);
        } else {
            da = new DMatrixRMaj(m, k, true, aCpu.toDoubleArray());
            db = new DMatrixRMaj(k, n, true, bCpu.toDoubleArray());
            dc = new DMatrixRMaj(m, n);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        aCpu.close();
        bCpu.close();
        aJava.close();
        bJava.close();
    }

    /** Nabla, {@code cpu} device: OpenBLAS {@code cblas_?gemm} through the Panama bindings. */
    @Benchmark
    public long nablaCpu() {
        try (Scope step = Scope.open()) {
            return aCpu.matmul(bCpu).numel();
        }
    }

    /** Nabla, {@code java} device: the pure-Java kernels. */
    @Benchmark
    public long nablaJava() {
        try (Scope step = Scope.open()) {
            return aJava.matmul(bJava).numel();
        }
    }

    /** EJML, {@code CommonOps_FDRM.mult} / {@code CommonOps_DDRM.mult} into a preallocated output. */
    @Benchmark
    public Object ejml() {
        if (fa != null) {
            CommonOps_FDRM.mult(fa, fb, fc);
            return fc;
        }
        CommonOps_DDRM.mult(da, db, dc);
        return dc;
    }
}
