package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code F.linear} with a bias on the cpu device against the java device, forward and every gradient: products of 64
 * and more per dimension (the bias added inside oneDNN's matmul where it is installed), small ones, a strided bias and
 * float64 (the bias copied into the output before the product). The java device composes in every case.
 */
class LinearBiasTest extends ScopedTest {

    @ParameterizedTest(name = "[{0}, {2}] x [{1}, {2}]^T {3} strided bias {4}")
    @CsvSource({"128, 512, 784, FLOAT32, false", "70, 66, 90, FLOAT32, true", "5, 3, 4, FLOAT32, false",
            "70, 66, 90, FLOAT64, false"})
    void cpuMatchesJava(int m, int n, int k, DType dtype, boolean stridedBias) {
        Generator g = new Generator(m + 31L * n);
        Tensor x = Tensor.randn(g, m, k).to(dtype);
        Tensor w = Tensor.randn(g, n, k).to(dtype);
        Tensor b = stridedBias ? Tensor.randn(g, n, 2).to(dtype) : Tensor.randn(g, n).to(dtype);
        Result cpu = run(x, w, b, stridedBias, Device.CPU);
        Result java = run(x, w, b, stridedBias, Device.JAVA);
        double tol = dtype == DType.FLOAT32 ? 2e-4 * Math.sqrt(k) : 1e-12 * k;
        assertClose(java.y, cpu.y, tol, "forward");
        assertClose(java.gx, cpu.gx, tol, "x.grad");
        assertClose(java.gw, cpu.gw, tol * Math.sqrt(m), "w.grad");
        assertClose(java.gb, cpu.gb, tol * Math.sqrt(m), "b.grad");
    }

    private record Result(double[] y, double[] gx, double[] gw, double[] gb) {
    }

    /** With {@code strided}, {@code b0} is {@code [n, 2]} and the bias its first column (a view of stride 2). */
    private static Result run(Tensor x0, Tensor w0, Tensor b0, boolean strided, Device device) {
        Tensor x = x0.to(device).detach().requiresGrad_(true);
        Tensor w = w0.to(device).detach().requiresGrad_(true);
        Tensor b = b0.to(device).detach().requiresGrad_(true);
        Tensor y = F.linear(x, w, strided ? b.select(1, 0) : b);
        y.mul(y).sum().backward();
        return new Result(y.toDoubleArray(), x.grad().toDoubleArray(), w.grad().toDoubleArray(), b.grad().toDoubleArray());
    }

    private static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        double[] diff = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            double scale = Math.max(1, Math.abs(expected[i]));
            diff[i] = Math.abs(expected[i] - actual[i]) <= tolerance * scale ? 0 : actual[i] - expected[i];
        }
        assertArrayEquals(new double[expected.length], diff, what + ": nonzero entries differ beyond " + tolerance);
    }
}
