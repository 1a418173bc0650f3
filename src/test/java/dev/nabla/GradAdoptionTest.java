package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.memory.MemoryPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A leaf's first gradient may be adopted as its {@code grad()} without a copy. These check what that must not
 * break: the gradient outlives the step's scope, equals the one computed without adoption ({@link Autograd#grad},
 * which never adopts), a leaf used twice and an output fed back as the seed still add up, and a training loop
 * keeps the pool's memory flat (adopted gradients are released by the next {@code setGrad(null)}).
 */
class GradAdoptionTest {

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void adoptedGradientsOutliveTheStepAndMatchTheCapturedOnes(Device device, DType dtype) {
        Generator g = new Generator(3);
        Tensor w = Scope.detached(() -> Tensor.uniform(g, -1, 1, dtype, device, 6, 5).requiresGrad_(true));
        Tensor b = Scope.detached(() -> Tensor.uniform(g, -1, 1, dtype, device, 6).requiresGrad_(true));
        Tensor x = Scope.detached(() -> Tensor.uniform(g, -1, 1, dtype, device, 4, 5));
        double[] expectW;
        double[] expectB;
        try (Scope s = Scope.open()) {
            Tensor loss = F.linear(x, w, b).relu().square().sum().add(w.mul(w).sum()); // w used twice
            Tensor[] grads = Autograd.grad(loss, new Tensor[] {w, b}, null, false, false);
            expectW = grads[0].toDoubleArray();
            expectB = grads[1].toDoubleArray();
        }
        for (int step = 0; step < 3; step++) {
            w.setGrad(null);
            b.setGrad(null);
            try (Scope s = Scope.open()) {
                F.linear(x, w, b).relu().square().sum().add(w.mul(w).sum()).backward();
            }
            // the scope is closed: the gradients must still be alive and right
            // the two contributions to w may be added in another order than Autograd.grad adds them
            double tol = 16 * TestSupport.unitRoundoff(dtype) * 20;
            assertArrayEquals(expectW, w.grad().toDoubleArray(), tol, "step " + step);
            assertArrayEquals(expectB, b.grad().toDoubleArray(), tol, "step " + step);
        }
        try (Scope s = Scope.open()) { // a second backward adds onto the adopted gradient
            F.linear(x, w, b).relu().square().sum().add(w.mul(w).sum()).backward();
        }
        double[] twice = w.grad().toDoubleArray();
        for (int i = 0; i < twice.length; i++) {
            assertEquals(2 * expectW[i], twice[i], 64 * TestSupport.unitRoundoff(dtype) * Math.max(1, Math.abs(twice[i])));
        }
    }

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void theCallersSeedIsNeverAdopted(Device device, DType dtype) {
        Tensor w = Scope.detached(() -> Tensor.ones(dtype, device, 3).requiresGrad_(true));
        Tensor seed = Scope.detached(() -> Tensor.full(2.0, dtype, device, 3));
        try (Scope s = Scope.open()) {
            w.backward(seed); // backward on a leaf: the seed goes straight to it
            w.view(3).backward(seed);
        }
        assertArrayEquals(new double[] {4, 4, 4}, w.grad().toDoubleArray());
        assertArrayEquals(new double[] {2, 2, 2}, seed.toDoubleArray(), "the caller's tensor was not touched");
    }

    @ParameterizedTest
    @MethodSource("dev.nabla.TestSupport#devicesAndDtypes")
    void aTrainingLoopKeepsPoolMemoryFlat(Device device, DType dtype) {
        Generator g = new Generator(4);
        Tensor w = Scope.detached(() -> Tensor.uniform(g, -1, 1, dtype, device, 64, 32).requiresGrad_(true));
        Tensor x = Scope.detached(() -> Tensor.uniform(g, -1, 1, dtype, device, 16, 32));
        MemoryPool pool = device.backend().pool();
        long after10 = 0;
        for (int i = 0; i < 200; i++) {
            if (i == 10) {
                after10 = pool.stats().bytesInUse();
            }
            w.setGrad(null);
            try (Scope s = Scope.open()) {
                F.linear(x, w, null).square().mean().backward();
            }
        }
        assertTrue(w.grad() != null);
        // other tests' collector-owned tensors may be released meanwhile (the pool is shared), so in use may fall;
        // a leak of the adopted gradients would add 8 KiB per step
        long after200 = pool.stats().bytesInUse();
        assertTrue(after200 <= after10, "bytes in use grew from " + after10 + " to " + after200);
    }
}
