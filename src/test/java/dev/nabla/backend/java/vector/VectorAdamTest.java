package dev.nabla.backend.java.vector;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.backend.UpdateRule;
import dev.nabla.backend.java.FusedUpdates;
import dev.nabla.backend.java.VectorSupport;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link VectorAdam} against the scalar reference loop of {@link FusedUpdates} (double arithmetic, one rounding):
 * Adam and AdamW, with and without AMSGrad and weight decay, first and later steps, lengths that leave a scalar
 * tail, operands at offsets. The float32 pass rounds each intermediate, so parameters and moments agree to a few
 * float32 ulps: of the step's size for the parameters, of the terms summed for the moments.
 */
class VectorAdamTest {

    @ParameterizedTest(name = "n={0} decoupled={1} amsgrad={2} wd={3} step={4}")
    @CsvSource({
            "1,    false, false, 0.0,  1",
            "37,   true,  false, 0.01, 1",
            "100,  false, true,  0.1,  3",
            "1029, true,  true,  0.05, 7",
            "4099, false, false, 0.0,  20",
    })
    void matchesTheScalarReference(int n, boolean decoupled, boolean amsgrad, double wd, long step) {
        Assumptions.assumeTrue(VectorSupport.available(), "needs --add-modules jdk.incubator.vector");
        var rule = new UpdateRule.Adam(1e-3, 0.9, 0.999, 1e-8, wd, decoupled, amsgrad, step);
        int states = rule.stateCount();
        var random = new SplittableRandom(n * 31L + step);
        long offset = 5;
        try (Arena arena = Arena.ofConfined()) {
            // [0] parameter, [1] gradient, [2..] moments (v and vmax non-negative); each once for either side
            float[][] init = new float[2 + states][n];
            for (int b = 0; b < init.length; b++) {
                for (int i = 0; i < n; i++) {
                    double x = random.nextDouble() * 2 - 1;
                    init[b][i] = (float) (b >= 3 ? x * x * 0.01 : b == 2 ? x * 0.1 : x);
                }
            }
            MemorySegment[] scalar = segments(arena, init, offset);
            MemorySegment[] vector = segments(arena, init, offset);
            Strided[] state = new Strided[states];
            for (int k = 0; k < states; k++) {
                state[k] = strided(scalar[2 + k], offset, n);
            }
            FusedUpdates.apply(ScalarType.FLOAT32, rule, strided(scalar[0], offset, n), strided(scalar[1], offset, n),
                    state, 0, n);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(0.999, step));
            double stepSize = 1e-3 / (1 - Math.pow(0.9, step));
            var s = new VectorAdam.Step(0.9f, (float) (1 - 0.9), 0.999f, (float) (1 - 0.999), 1e-8f, (float) bc2Sqrt,
                    (float) stepSize,
                    decoupled ? (float) (1 - 1e-3 * wd) : 1f, decoupled ? 0f : (float) wd);
            VectorAdam.update(vector[0], offset, vector[1], offset, vector[2], offset, vector[3], offset,
                    amsgrad ? vector[4] : null, offset, 0, n, s);

            for (int i = 0; i < n; i++) {
                float p0 = init[0][i];
                float pRef = at(scalar[0], offset, i);
                // |Δp| <= lr·bias correction ~ 1e-2: a few ulps of the step plus an ulp of p
                assertEquals(pRef, at(vector[0], offset, i), 8 * Math.ulp((float) stepSize) + 2 * Math.ulp(p0),
                        "parameter " + i);
                for (int k = 0; k < states; k++) {
                    float ref = at(scalar[2 + k], offset, i);
                    // m = beta1·m + (1-beta1)·g may cancel: a few ulps of its terms, not of the result
                    float terms = Math.abs(init[2 + k][i]) + Math.abs(init[1][i]) + (float) Math.abs(wd * p0)
                            + Math.abs(ref);
                    assertEquals(ref, at(vector[2 + k], offset, i), 4 * Math.ulp(terms), "state " + k + " at " + i);
                }
            }
        }
    }

    private static MemorySegment[] segments(Arena arena, float[][] values, long offset) {
        MemorySegment[] out = new MemorySegment[values.length + 1];
        for (int b = 0; b < values.length; b++) {
            out[b] = arena.allocate(JAVA_FLOAT, offset + values[b].length);
            MemorySegment.copy(values[b], 0, out[b], JAVA_FLOAT, offset * Float.BYTES, values[b].length);
        }
        out[values.length] = arena.allocate(JAVA_FLOAT, 1); // vmax placeholder when there is none
        return out;
    }

    private static Strided strided(MemorySegment data, long offset, int n) {
        return new Strided(data, offset, new long[] {n}, new long[] {1});
    }

    private static float at(MemorySegment s, long offset, int i) {
        return s.getAtIndex(JAVA_FLOAT, offset + i);
    }
}
