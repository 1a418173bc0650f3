package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Autocast;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Dynamic loss scaling: underflow rescue, skipped steps, growth and backoff, checkpointed state. */
class GradScalerTest {

    /** d(loss)/dw = 1e-8 per element: below float16's smallest subnormal (6e-8), so unscaled it flushes to 0. */
    private static Tensor tinyLoss(Tensor w) {
        try (Autocast amp = Autocast.enable(DType.FLOAT16)) {
            return w.to(DType.FLOAT16).mul(1e-4).mul(1e-4).sum().to(DType.FLOAT32);
        }
    }

    @Test
    void scalingKeepsFloat16GradientsThatWouldFlushToZero() {
        try (Scope scope = Scope.open()) {
            Tensor plain = Tensor.ones(DType.FLOAT32, Device.CPU, 4).requiresGrad_(true);
            tinyLoss(plain).backward();
            assertArrayEquals(new float[4], plain.grad().toFloatArray(), "without scaling the gradient is lost");

            Tensor w = Tensor.ones(DType.FLOAT32, Device.CPU, 4).requiresGrad_(true);
            SGD opt = new SGD(List.of(w), 1.0);
            // 2^10, not the default 2^16: a gradient of 65536 overflows float16 (max 65504), and the first step would be
            // skipped (as in PyTorch) while the scaler backs off
            GradScaler scaler = new GradScaler(1024, 2.0, 0.5, 2000, true);
            scaler.scale(tinyLoss(w)).backward();
            assertTrue(scaler.step(opt));
            scaler.update();
            float[] grad = w.grad().toFloatArray();
            for (float g : grad) {
                assertEquals(1e-8, g, 1e-10, "the unscaled gradient is the true one");
            }
            opt.close();
        }
    }

    @Test
    void aNonFiniteGradientSkipsTheStepAndBacksOff() {
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new float[] {1, 2}).requiresGrad_(true);
            SGD opt = new SGD(List.of(w), 0.1);
            GradScaler scaler = new GradScaler(1024, 2.0, 0.5, 2, true);
            scaler.scale(w.mul(Tensor.of(new float[] {Float.POSITIVE_INFINITY, 1})).sum()).backward();
            assertFalse(scaler.step(opt), "inf gradient: no step");
            scaler.update();
            assertArrayEquals(new float[] {1, 2}, w.toFloatArray(), "parameters untouched");
            assertEquals(512, scaler.getScale());

            for (int i = 0; i < 2; i++) {
                opt.zeroGrad();
                scaler.scale(w.sum()).backward();
                assertTrue(scaler.step(opt));
                scaler.update();
            }
            assertEquals(1024, scaler.getScale(), "doubles after growthInterval clean steps");
            assertArrayEquals(new float[] {0.8f, 1.8f}, w.toFloatArray(), 1e-6f, "two steps of lr 0.1 x grad 1");
            opt.close();
        }
    }

    @Test
    void unscaleOnceThenStepAndStateRoundTrips() {
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new float[] {3}).requiresGrad_(true);
            SGD opt = new SGD(List.of(w), 0.5);
            GradScaler scaler = new GradScaler(8, 2.0, 0.5, 100, true);
            scaler.scale(w.mul(w).sum()).backward(); // scaled grad 8 * 6 = 48
            scaler.unscale_(opt);
            assertArrayEquals(new float[] {6}, w.grad().toFloatArray());
            assertThrows(IllegalStateException.class, () -> scaler.unscale_(opt));
            assertTrue(scaler.step(opt)); // does not unscale twice
            assertArrayEquals(new float[] {0}, w.toFloatArray());
            scaler.update();
            Map<String, Double> state = scaler.stateDict();
            assertEquals(8.0, state.get("scale"));
            assertEquals(1.0, state.get("_growth_tracker"));
            GradScaler restored = new GradScaler();
            restored.loadStateDict(state);
            assertEquals(8.0, restored.getScale());
            assertEquals(1.0, restored.stateDict().get("_growth_tracker"));
            assertThrows(IllegalArgumentException.class, () -> restored.loadStateDict(Map.of("scale", 1.0)));
            opt.close();
        }
    }

    @Test
    void aDisabledScalerPassesThrough() {
        try (Scope scope = Scope.open()) {
            Tensor w = Tensor.of(new float[] {1}).requiresGrad_(true);
            SGD opt = new SGD(List.of(w), 1.0);
            GradScaler off = new GradScaler(65536, 2, 0.5, 2000, false);
            Tensor loss = w.sum();
            assertTrue(loss == off.scale(loss));
            loss.backward();
            assertTrue(off.step(opt));
            assertArrayEquals(new float[] {0}, w.toFloatArray());
            assertEquals(1.0, off.getScale());
            opt.close();
        }
    }
}
