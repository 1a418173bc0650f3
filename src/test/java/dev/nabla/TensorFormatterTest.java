package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@code Tensor.toString()} prints like PyTorch. Every expected string below was printed by PyTorch 1.13
 * ({@code /usr/bin/python3 -c 'import torch; print(repr(str(torch.tensor(...))))'}, default print options), with
 * one documented difference: Nabla names dtypes {@code float64}, where PyTorch prints {@code torch.float64}.
 * Integer, bool and 16-bit float tensors are checked against the {@code repr} strings in
 * fixtures/dtype/int_ops.json (scripts/make_int_fixtures.py).
 */
class TensorFormatterTest extends ScopedTest {

    @Test
    void vector() {
        assertEquals("tensor([ 1.0000,  2.5000, -3.0000])", Tensor.of(new float[] {1, 2.5f, -3}).toString());
    }

    @Test
    void matrixWithNegativesAlignsColumns() {
        Tensor m = Tensor.of(new float[] {1, -2, 3, -4.5f, 5.25f, -6}, 2, 3);
        assertEquals("tensor([[ 1.0000, -2.0000,  3.0000],\n        [-4.5000,  5.2500, -6.0000]])", m.toString());
    }

    @Test
    void float64NamesItsDtype() {
        // torch: tensor([ 1.5000, -2.0000], dtype=torch.float64)
        assertEquals("tensor([ 1.5000, -2.0000], dtype=float64)", Tensor.of(new double[] {1.5, -2}).toString());
    }

    @Test
    void zeroDimensionalTensor() {
        assertEquals("tensor(3.5000)", Tensor.scalar(3.5).toString());
        // torch: tensor(-0.2500, dtype=torch.float64)
        assertEquals("tensor(-0.2500, dtype=float64)",
                Tensor.scalar(-0.25, DType.FLOAT64, Device.CPU).toString());
    }

    @Test
    void threeDimensionalTensorSeparatesBlocksWithABlankLine() {
        Tensor t = Tensor.of(new float[] {1.5f, -2.25f, 3.125f, 4}, 2, 1, 2);
        assertEquals("tensor([[[ 1.5000, -2.2500]],\n\n        [[ 3.1250,  4.0000]]])", t.toString());
    }

    /** torch.arange(2000.) / 2000 + 0.5 (float32 arithmetic, reproduced here). */
    @Test
    void largeVectorIsSummarisedWithEllipsis() {
        float[] v = new float[2000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) i / 2000f + 0.5f;
        }
        assertEquals("tensor([0.5000, 0.5005, 0.5010,  ..., 1.4985, 1.4990, 1.4995])", Tensor.of(v).toString());
    }

    @Test
    void summarisedTensorsAreFormattedFromTheElementsShown() {
        // torch.cat([torch.full((3,), 0.5), torch.full((1000,), -10.5), torch.full((3,), 0.25)]): the hidden
        // -10.5 would widen the columns and its sign column if it counted
        float[] v = new float[1006];
        java.util.Arrays.fill(v, -10.5f);
        v[0] = v[1] = v[2] = 0.5f;
        v[1003] = v[1004] = v[1005] = 0.25f;
        assertEquals("tensor([0.5000, 0.5000, 0.5000,  ..., 0.2500, 0.2500, 0.2500])", Tensor.of(v).toString());
    }

    @Test
    void largeMatrixSummarisesRows() {
        float[] v = new float[1200];
        for (int i = 0; i < 600; i++) {
            v[2 * i] = 1.5f;
            v[2 * i + 1] = 2.5f;
        }
        assertEquals("tensor([[1.5000, 2.5000],\n        [1.5000, 2.5000],\n        [1.5000, 2.5000],\n"
                + "        ...,\n        [1.5000, 2.5000],\n        [1.5000, 2.5000],\n        [1.5000, 2.5000]])",
                Tensor.of(v, 600, 2).toString());
    }

    /** (torch.arange(1400.) / 1400 + 0.25).reshape(7, 2, 100). */
    @Test
    void largeThreeDimensionalTensorSummarisesEveryLevel() {
        float[] v = new float[1400];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) i / 1400f + 0.25f;
        }
        String expected = "tensor([[[0.2500, 0.2507, 0.2514,  ..., 0.3193, 0.3200, 0.3207],\n"
                + "         [0.3214, 0.3221, 0.3229,  ..., 0.3907, 0.3914, 0.3921]],\n\n"
                + "        [[0.3929, 0.3936, 0.3943,  ..., 0.4621, 0.4629, 0.4636],\n"
                + "         [0.4643, 0.4650, 0.4657,  ..., 0.5336, 0.5343, 0.5350]],\n\n"
                + "        [[0.5357, 0.5364, 0.5371,  ..., 0.6050, 0.6057, 0.6064],\n"
                + "         [0.6071, 0.6079, 0.6086,  ..., 0.6764, 0.6771, 0.6779]],\n\n"
                + "        ...,\n\n"
                + "        [[0.8214, 0.8221, 0.8229,  ..., 0.8907, 0.8914, 0.8921],\n"
                + "         [0.8929, 0.8936, 0.8943,  ..., 0.9621, 0.9629, 0.9636]],\n\n"
                + "        [[0.9643, 0.9650, 0.9657,  ..., 1.0336, 1.0343, 1.0350],\n"
                + "         [1.0357, 1.0364, 1.0371,  ..., 1.1050, 1.1057, 1.1064]],\n\n"
                + "        [[1.1071, 1.1079, 1.1086,  ..., 1.1764, 1.1771, 1.1779],\n"
                + "         [1.1786, 1.1793, 1.1800,  ..., 1.2479, 1.2486, 1.2493]]])";
        assertEquals(expected, Tensor.of(v, 7, 2, 100).toString());
    }

    @Test
    void wideRangesSwitchToScientificNotation() {
        assertEquals("tensor([1.2500e-03, 2.5000e+00])", Tensor.of(new float[] {1.25e-3f, 2.5f}).toString());
        // torch: tensor([1.0000e+08, 2.0000e+05], dtype=torch.float64)
        assertEquals("tensor([1.0000e+08, 2.0000e+05], dtype=float64)",
                Tensor.of(new double[] {1e8 + 0.5, 2e5 + 0.5}).toString());
    }

    @Test
    void roundingIsHalfEvenOnTheExactBinaryValueLikePython() {
        // 0.03125 is exactly halfway between 0.0312 and 0.0313; Python's format rounds to even
        assertEquals("tensor([0.0312, 1.5000])", Tensor.of(new float[] {0.03125f, 1.5f}).toString());
        // float32 1.23455e-4 is 1.2345499...e-4
        assertEquals("tensor([1.2345e-04, 1.0000e+00])", Tensor.of(new float[] {1.23455e-4f, 1f}).toString());
        assertEquals("tensor([-0.0000, 1.5000])", Tensor.of(new float[] {-0.0f, 1.5f}).toString());
    }

    @Test
    void nanAndInfinityArePaddedToTheColumnWidth() {
        assertEquals("tensor([   nan, 1.5000])", Tensor.of(new float[] {Float.NaN, 1.5f}).toString());
        assertEquals("tensor([    inf, -1.5000,  2.2500])",
                Tensor.of(new float[] {Float.POSITIVE_INFINITY, -1.5f, 2.25f}).toString());
    }

    @Test
    void emptyTensorsShowTheirSize() {
        // torch: tensor([], size=(0, 3), dtype=torch.float64)
        assertEquals("tensor([], size=(0, 3), dtype=float64)",
                Tensor.zeros(DType.FLOAT64, Device.CPU, 0, 3).toString());
        assertEquals("tensor([])", Tensor.zeros(0).toString());
        assertEquals("tensor([], size=(2, 0))", Tensor.zeros(2, 0).toString());
    }

    @Test
    void integerValuedTensorsPrintWithoutDecimals() {
        assertEquals("tensor([1., 2.])", Tensor.of(new float[] {1, 2}).toString());
        // torch.tensor([[-1., 20.], [3., 0.]])
        assertEquals("tensor([[-1., 20.],\n        [ 3.,  0.]])", Tensor.of(new float[] {-1, 20, 3, 0}, 2, 2)
                .toString());
    }

    @Test
    void longRowsWrapAtEightyColumns() {
        float[] v = new float[30];
        for (int i = 0; i < v.length; i++) {
            v[i] = i + 0.5f;
        }
        assertEquals("tensor([ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,\n"
                + "         8.5000,  9.5000, 10.5000, 11.5000, 12.5000, 13.5000, 14.5000, 15.5000,\n"
                + "        16.5000, 17.5000, 18.5000, 19.5000, 20.5000, 21.5000, 22.5000, 23.5000,\n"
                + "        24.5000, 25.5000, 26.5000, 27.5000, 28.5000, 29.5000])", Tensor.of(v).toString());
    }

    @Test
    void nonCpuDevicesAreNamedBeforeTheDtype() {
        // PyTorch's order of suffixes: device, then size (empty tensors), then dtype
        assertEquals("tensor([1.5000], device=java, dtype=float64)",
                Tensor.of(new double[] {1.5}, DType.FLOAT64, Device.JAVA).toString());
    }

    @Test
    void nonContiguousViewsPrintTheirLogicalOrder() {
        Tensor t = Tensor.of(new float[] {1, -2, 3, -4.5f, 5.25f, -6}, 2, 3).t();
        assertEquals("tensor([[ 1.0000, -4.5000],\n        [-2.0000,  5.2500],\n        [ 3.0000, -6.0000]])",
                t.toString());
    }

    @Test
    void integerBoolAndHalfTensorsPrintAsPyTorchDoes() throws IOException {
        JsonNode cases = DTypePromotionTest.fixture("int_ops.json").get("format");
        assertEquals(36, cases.size());
        for (JsonNode c : cases) {
            String expected = c.get("text").asText().replace("torch.", "");
            assertEquals(expected, fixtureTensor(c).toString(), c.get("dtype") + " " + c.get("shape"));
        }
    }

    @Test
    void int64PrintsExactlyWhereADoubleWouldRound() {
        // torch.tensor([2**53 + 1]) prints tensor([9007199254740993]); through double it would end in ...992
        assertEquals("tensor([9007199254740993])", Tensor.of(new long[] {(1L << 53) + 1}).toString());
    }

    /** The fixture's tensor, built 1-dimensional (Tensor.of needs a shape with elements) and then reshaped. */
    private static Tensor fixtureTensor(JsonNode c) {
        long[] shape = new long[c.get("shape").size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = c.get("shape").get(i).asLong();
        }
        return flat(DType.fromName(c.get("dtype").asText()), c.get("values")).reshape(shape);
    }

    private static Tensor flat(DType dtype, JsonNode values) {
        if (dtype.isFloatingPoint()) {
            double[] v = new double[values.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = Double.parseDouble(values.get(i).asText());
            }
            return Tensor.of(v, dtype, Device.CPU, v.length);
        }
        long[] v = new long[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Long.parseLong(values.get(i).asText());
        }
        return Tensor.of(v, dtype, Device.CPU, v.length);
    }
}
