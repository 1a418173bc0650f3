package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Each misuse throws the documented exception type with a message that carries the values explaining it. */
class ErrorMessagesTest extends ScopedTest {

    private static <T extends Throwable> void assertMessage(Class<T> type, Executable call, String... fragments) {
        T e = assertThrows(type, call);
        String m = e.getMessage();
        for (String f : fragments) {
            assertTrue(m != null && m.contains(f), "message \"" + m + "\" should contain \"" + f + "\"");
        }
    }

    @Test
    void broadcastMismatchNamesTheOpAndBothShapes() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)),
                "add", "[2, 3]", "[4]", "broadcast");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(5, 2).mul(Tensor.zeros(3, 1, 4)),
                "mul", "[5, 2]", "[3, 1, 4]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2).maximum(Tensor.zeros(3)),
                "maximum", "[2]", "[3]");
    }

    @Test
    void matmulMismatchNamesBothShapes() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(3, 4).matmul(Tensor.zeros(5, 6)),
                "matmul", "[3, 4]", "[5, 6]", "4 != 5");
        // batch dimensions that do not broadcast: the message shows the operands' shapes, not just their batches
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(3, 4, 5)),
                "matmul", "[2, 3, 4]", "[3, 4, 5]");
    }

    @Test
    void dtypeMismatchNamesBothDtypes() {
        Tensor f = Tensor.zeros(DType.FLOAT32, Device.CPU, 2);
        Tensor d = Tensor.zeros(DType.FLOAT64, Device.CPU, 2);
        // out-of-place ops promote (PyTorch's rule: DTypePromotionTest); in-place ones and matmul do not
        assertMessage(IllegalArgumentException.class, () -> d.sub_(f), "sub_", "float32", "float64");
        assertMessage(IllegalArgumentException.class, () -> f.matmul(d), "matmul", "float32", "float64");
    }

    @Test
    void deviceMismatchNamesBothDevices() {
        Tensor c = Tensor.zeros(DType.FLOAT32, Device.CPU, 2);
        Tensor j = Tensor.zeros(DType.FLOAT32, Device.JAVA, 2);
        assertMessage(IllegalArgumentException.class, () -> c.add(j), "add", "cpu", "java");
        assertMessage(IllegalArgumentException.class, () -> j.mul_(c), "mul_", "cpu", "java");
        assertMessage(IllegalArgumentException.class, () -> c.copy_(j), "copy_", "cpu", "java");
        assertMessage(IllegalArgumentException.class, () -> c.matmul(j), "matmul", "cpu", "java");
    }

    @Test
    void negativeSizesAreRejected() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2, -1), "negative size -1", "[2, -1]");
        assertMessage(IllegalArgumentException.class,
                () -> Tensor.uniform(new Generator(0), 0, 1, DType.FLOAT32, Device.CPU, -3), "uniform", "-3");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(6).reshape(-2, 3), "reshape", "-2");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(6).view(-1, -1), "view", "-1");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(1L << 40, 1L << 40), "[1099511627776, "
                + "1099511627776]", "elements");
    }

    @Test
    void outOfRangeDimensionsNameTheDimensionAndRank() {
        Tensor x = Tensor.zeros(2, 3);
        assertMessage(IndexOutOfBoundsException.class, () -> x.sum(2, false), "sum", "dimension 2", "rank 2");
        assertMessage(IndexOutOfBoundsException.class, () -> x.transpose(0, -3), "transpose", "-3");
        assertMessage(IndexOutOfBoundsException.class, () -> x.size(5), "size", "5");
        assertMessage(IndexOutOfBoundsException.class, () -> x.unsqueeze(4), "unsqueeze", "4");
        assertMessage(IndexOutOfBoundsException.class, () -> x.select(1, 3), "select", "index 3", "size 3");
        assertMessage(IndexOutOfBoundsException.class, () -> x.narrow(1, 2, 2), "narrow", "start 2", "length 2");
    }

    @Test
    void badPermutationsAreRejected() {
        Tensor x = Tensor.zeros(2, 3, 4);
        assertMessage(IllegalArgumentException.class, () -> x.permute(0, 0, 1), "permute", "repeats");
        assertMessage(IllegalArgumentException.class, () -> x.permute(0, 1), "permute", "[0, 1]", "3");
        assertMessage(IndexOutOfBoundsException.class, () -> x.permute(0, 1, 3), "permute", "3");
    }

    @Test
    void itemOfAMultiElementTensorSaysHowManyElements() {
        assertMessage(IllegalStateException.class, () -> Tensor.zeros(3).item(), "item", "3 elements");
        assertMessage(IllegalStateException.class, () -> Tensor.zeros(0).item(), "item", "0 elements");
    }

    @Test
    void invalidParametersAreRejectedWithTheirValues() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2).clamp(1, -1), "clamp", "1.0", "-1.0");
        assertMessage(IllegalArgumentException.class,
                () -> Tensor.uniform(new Generator(0), 2, 1, DType.FLOAT32, Device.CPU, 3), "uniform", "2.0", "1.0");
        assertMessage(IllegalArgumentException.class,
                () -> Tensor.normal(new Generator(0), 0, -1, DType.FLOAT32, Device.CPU, 3), "normal", "std", "-1.0");
        assertMessage(IllegalArgumentException.class,
                () -> Tensor.arange(0.0, 10.0, 0.0, DType.FLOAT32, Device.CPU), "arange", "step", "0.0");
        assertMessage(IllegalArgumentException.class,
                () -> Tensor.arange(0, 10, 0, DType.INT64, Device.CPU), "arange", "step 0");
        assertMessage(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2), "of", "3 values",
                "[2, 2]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.of(new double[] {1, 2}, 3), "of", "2 values",
                "[3]");
    }

    @Test
    void reshapeToTheWrongNumberOfElementsNamesBothShapes() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).reshape(4), "reshape", "[4]",
                "[2, 3]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(2, 3).view(4, -1), "view", "[4, -1]",
                "[2, 3]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(3, 1).expand(2, 4), "expand", "[3, 1]",
                "[2, 4]");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(4).add_(Tensor.zeros(2, 4)), "add_",
                "[2, 4]");
    }

    @Test
    void useAfterCloseNamesTheTensor() {
        Tensor x = Tensor.zeros(2, 3);
        String name = x.describe();
        x.close();
        assertMessage(IllegalStateException.class, () -> x.add(1), name, "closed");
        assertMessage(IllegalStateException.class, () -> Tensor.ones(2, 3).mul(x), name);
        assertMessage(IllegalStateException.class, () -> x.toFloatArray(), name);
        assertMessage(IllegalStateException.class, () -> x.matmul(Tensor.ones(3, 3)), name);
        assertMessage(IllegalStateException.class, () -> x.t(), name);
    }
}
