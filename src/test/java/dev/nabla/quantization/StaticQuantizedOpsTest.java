package dev.nabla.quantization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.MaxPool2d;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The quantized layers against PyTorch's onednn kernels (nnq.Linear, nniq.LinearReLU, nnq.Conv2d, nniq.ConvReLU2d,
 * quantized relu and max_pool2d) on the same int inputs, int8 weights and parameters: the output integers must be
 * identical, on the cpu (oneDNN GEMM) and java (pure-Java GEMM) devices.
 */
class StaticQuantizedOpsTest {
    static Stream<Device> devices() {
        return Stream.of(Device.CPU, Device.JAVA);
    }

    private static QuantizedTensor weight(JsonNode c, Device d, long... shape) {
        float[] s = QuantFixtures.floats(c.get("wScales"));
        double[] scales = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            scales[i] = s[i];
        }
        try (Scope scope = Scope.open()) {
            return QuantizedTensor.fromInts(QuantFixtures.intTensor(c.get("w"), DType.INT8, d, shape), scales,
                    new long[s.length], 0);
        }
    }

    private static Tensor bias(JsonNode c, Device d) {
        return c.get("bias").isNull() ? null : QuantFixtures.floatTensor(c.get("bias"), d, c.get("bias").size());
    }

    private static QParams in(JsonNode c) {
        return new QParams(c.get("xScale").asDouble(), c.get("xZeroPoint").asLong());
    }

    private static QParams out(JsonNode c) {
        return new QParams(c.get("yScale").asDouble(), c.get("yZeroPoint").asLong());
    }

    @ParameterizedTest
    @MethodSource("devices")
    void linearMatchesPyTorch(Device d) {
        for (JsonNode c : QuantFixtures.STATIC.get("linear")) {
            long[] xShape = QuantFixtures.longs(c.get("xShape"));
            long outFeatures = c.get("wScales").size();
            try (Scope s = Scope.open(); QuantizedTensor w = weight(c, d, outFeatures, xShape[1]);
                 QuantizedLinear layer = new QuantizedLinear(w, bias(c, d), in(c), out(c),
                         c.get("relu").asBoolean())) {
                layer.to(d);
                Tensor y = layer.forward(QuantFixtures.intTensor(c.get("x"), DType.UINT8, d, xShape));
                assertArrayEquals(QuantFixtures.longs(c.get("y")), y.toLongArray(), "linear relu="
                        + c.get("relu").asBoolean() + " on " + d);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void convMatchesPyTorch(Device d) {
        for (JsonNode c : QuantFixtures.STATIC.get("conv")) {
            long[] xShape = QuantFixtures.longs(c.get("xShape"));
            int k = c.get("kernel").asInt();
            int stride = c.get("stride").asInt();
            int pad = c.get("padding").asInt();
            int dil = c.get("dilation").asInt();
            try (Scope s = Scope.open(); QuantizedTensor w = weight(c, d, c.get("out").asLong(), c.get("in").asLong(), k, k);
                 QuantizedConv2d layer = new QuantizedConv2d(w, bias(c, d), new int[] {stride, stride},
                         new int[] {pad, pad}, new int[] {dil, dil}, in(c), out(c), c.get("relu").asBoolean())) {
                layer.to(d);
                Tensor y = layer.forward(QuantFixtures.intTensor(c.get("x"), DType.UINT8, d, xShape));
                assertArrayEquals(QuantFixtures.longs(c.get("yShape")), y.shape());
                assertArrayEquals(QuantFixtures.longs(c.get("y")), y.toLongArray(), "conv k=" + k + " stride="
                        + stride + " padding=" + pad + " dilation=" + dil + " on " + d);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void reluAndMaxPoolMatchPyTorch(Device d) {
        JsonNode r = QuantFixtures.STATIC.get("relu");
        try (Scope s = Scope.open(); QuantizedReLU relu = new QuantizedReLU(new QParams(r.get("scale").asDouble(),
                r.get("zeroPoint").asLong()))) {
            Tensor x = QuantFixtures.intTensor(r.get("x"), DType.UINT8, d, QuantFixtures.longs(r.get("shape")));
            assertArrayEquals(QuantFixtures.longs(r.get("y")), relu.forward(x).toLongArray());
            assertEquals(r.get("yZeroPoint").asLong(), r.get("zeroPoint").asLong()); // parameters pass through
            for (JsonNode c : QuantFixtures.STATIC.get("maxpool")) {
                int k = c.get("kernel").asInt();
                int st = c.get("stride").asInt();
                QuantizedMaxPool2d pool = new QuantizedMaxPool2d(new MaxPool2d(k, st, c.get("padding").asInt()));
                Tensor y = pool.forward(QuantFixtures.intTensor(c.get("x"), DType.UINT8, d,
                        QuantFixtures.longs(c.get("shape"))));
                assertEquals(DType.UINT8, y.dtype());
                assertArrayEquals(QuantFixtures.longs(c.get("yShape")), y.shape());
                assertArrayEquals(QuantFixtures.longs(c.get("y")), y.toLongArray(), "maxpool " + k + "/" + st);
            }
        }
    }
}
