package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.registry.Backends;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Integer and bool tensors on CUDA, whose kernels the backend runs on host copies of the operands: every op is
 * compared with the same op on the pure-Java device, on strided views (a transpose, a column) so that the copies'
 * spans and offsets are exercised, and on a view whose output span holds elements outside the view. Skipped without
 * a CUDA device (run it under the emulator: make cuda-emu-test).
 */
class CudaIntegerOpsTest {
    private static Device cuda;

    @BeforeAll
    static void requireGpu() {
        assumeTrue(Backends.cudaDeviceCount() > 0, "no CUDA device: " + Backends.cudaUnavailableReason());
        cuda = Device.cuda(0);
    }

    private static final long[] VALUES = {7, -2, 3, 40, 5, -6, 0, 11, -9, 8, 12, -1};

    /** The op on a [3, 4] int64 tensor on cuda and on java: same values. */
    private static void sameAsJava(UnaryOperator<Tensor> op) {
        Tensor onJava = op.apply(Tensor.of(VALUES, 3, 4).to(Device.JAVA));
        Tensor onCuda = op.apply(Tensor.of(VALUES, 3, 4).to(cuda));
        assertEquals(cuda, onCuda.device());
        assertArrayEquals(onJava.shape(), onCuda.shape());
        assertArrayEquals(onJava.to(Device.JAVA).toLongArray(), onCuda.to(Device.JAVA).toLongArray());
    }

    @Test
    void elementwiseOnTransposedViews() {
        sameAsJava(t -> t.transpose(0, 1).bitwiseNot());
        sameAsJava(t -> t.transpose(0, 1).add(t.transpose(0, 1)));
        sameAsJava(t -> t.mul(t).bitwiseAnd(t.transpose(0, 1).contiguous().transpose(0, 1)));
    }

    @Test
    void reductions() {
        sameAsJava(Tensor::sum);
        sameAsJava(t -> t.transpose(0, 1).sum(1, false));
        sameAsJava(t -> t.sum(0, true));
    }

    @Test
    void gatherOfInt64ValuesWithInt64Index() {
        long[] index = {3, 0, 0, 1, 2, 2, 1, 3, 0, 0, 0, 3};
        sameAsJava(t -> t.gather(1, Tensor.of(index, 3, 4).to(t.device())));
    }

    @Test
    void boolMaskOps() {
        boolean[] mask = {true, false, false, true, true, true};
        boolean[] onJava = Tensor.of(mask, 2, 3).transpose(0, 1).logicalNot().toBooleanArray();
        boolean[] onCuda = Tensor.of(mask, 2, 3).to(cuda).transpose(0, 1).logicalNot().to(Device.JAVA)
                .toBooleanArray();
        assertArrayEquals(onJava, onCuda);
    }

    @Test
    void writingIntoAColumnKeepsTheOtherColumns() {
        Tensor t = Tensor.of(VALUES, 3, 4).to(cuda);
        Tensor column = t.select(1, 2); // elements 2, 6, 10: its span covers columns 3, 0 and 1 of rows 0..2
        column.add_(Tensor.of(new long[] {100, 200, 300}, 3).to(cuda));
        long[] expected = VALUES.clone();
        for (int r = 0; r < 3; r++) {
            expected[r * 4 + 2] += 100L * (r + 1);
        }
        assertArrayEquals(expected, t.to(Device.JAVA).toLongArray());
    }
}
