package dev.nabla.examples.maml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SineMamlTest {
    /** 150 meta-steps of 5 tasks, 5 inner steps, evaluated on 20 held-out tasks: a few seconds. */
    private static final SineMaml.Options TINY = new SineMaml.Options(150, 5, 10, 5, 0.01, 1e-3, 20, 50, 0,
            Device.CPU);

    /**
     * Adaptation on K support points lowers the query MSE of the meta-learned weights. The full run (make run-maml,
     * 2000 meta-steps) takes it from 3.2 to about 0.6; this short one only needs it to fall.
     */
    @Test
    void adaptationLowersTheQueryError() {
        SineMaml.Result r = SineMaml.run(TINY, null);
        assertTrue(r.mamlPost() < r.mamlPre(), r.toString());
        assertTrue(Double.isFinite(r.baselinePost()), r.toString());
    }

    /** Control: with an inner step size of 0 the adapted weights are the initial ones, so nothing changes. */
    @Test
    void withoutInnerStepsNothingIsAdapted() {
        SineMaml.Result r = SineMaml.run(new SineMaml.Options(5, 2, 10, 2, 0.0, 1e-3, 5, 5, 0, Device.CPU), null);
        assertEquals(r.mamlPre(), r.mamlPost(), 0.0, r.toString());
    }

    private static final long[][] WEIGHT_SHAPES = {{40, 1}, {40}, {40, 40}, {40}, {1, 40}, {1}};

    /** The fixture written by scripts/make_maml_fixture.py: name, then float64 values, per line. */
    private static Map<String, double[]> fixture() throws IOException {
        Map<String, double[]> arrays = new HashMap<>();
        try (InputStream in = SineMamlTest.class.getResourceAsStream("/fixtures/maml/first_meta_step.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] parts = line.trim().split(" ");
                    arrays.put(parts[0], Arrays.stream(parts, 1, parts.length).mapToDouble(Double::parseDouble)
                            .toArray());
                }
            }
        }
        return arrays;
    }

    private static Tensor column(double[] values) {
        return Tensor.of(values, DType.FLOAT64, Device.CPU, values.length, 1);
    }

    /**
     * PyTorch's first meta-step (same weights, two tasks, 2 inner SGD steps of lr 0.01 with create_graph): the
     * meta-gradient of every weight matches to 1e-12, and differs from the first-order approximation by far more.
     */
    @Test
    void firstMetaStepGradientsMatchPyTorch() throws IOException {
        Map<String, double[]> f = fixture();
        List<Tensor> w = new ArrayList<>();
        for (int i = 0; i < WEIGHT_SHAPES.length; i++) {
            w.add(Tensor.of(f.get("w" + i), DType.FLOAT64, Device.CPU, WEIGHT_SHAPES[i]).requiresGrad_(true));
        }
        try (Scope step = Scope.open()) {
            Tensor meta = null;
            for (int t = 0; t < 2; t++) {
                SineTask.Points support = new SineTask.Points(column(f.get("task" + t + "_support_x")),
                        column(f.get("task" + t + "_support_y")));
                List<Tensor> fast = SineMaml.adapt(w, support, 2, 0.01, true);
                Tensor loss = F.mseLoss(SineMaml.forward(fast, column(f.get("task" + t + "_query_x"))),
                        column(f.get("task" + t + "_query_y")));
                meta = meta == null ? loss : meta.add(loss);
            }
            meta.div(2).backward();
        }
        double largestOrderGap = 0;
        for (int i = 0; i < w.size(); i++) {
            double[] got = w.get(i).grad().toDoubleArray();
            double[] second = f.get("grad_second_w" + i);
            double[] first = f.get("grad_first_w" + i);
            assertEquals(second.length, got.length);
            for (int j = 0; j < got.length; j++) {
                assertEquals(second[j], got[j], 1e-12, "w" + i + "[" + j + "]");
                largestOrderGap = Math.max(largestOrderGap, Math.abs(second[j] - first[j]));
            }
        }
        assertTrue(largestOrderGap > 1e-2, "second- and first-order gradients differ by only " + largestOrderGap);
    }
}
