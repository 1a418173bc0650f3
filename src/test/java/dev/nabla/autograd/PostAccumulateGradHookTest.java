package dev.nabla.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Autograd;
import dev.nabla.RemovableHandle;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Post-accumulate-grad hooks run once per backward, after a leaf's last gradient contribution, with the finished
 * gradient in place (PyTorch's {@code register_post_accumulate_grad_hook}); expected values are closed-form derivatives.
 */
class PostAccumulateGradHookTest {

    private static Tensor leaf(double... values) {
        return Tensor.of(values, values.length).requiresGrad_(true);
    }

    @Test
    void aLeafUsedThreeTimesSeesItsWholeGradientOnce() {
        Tensor w = leaf(1, 2, 3);
        Tensor x = Tensor.of(new double[] {4, 5, 6}, 3);
        List<double[]> seen = new ArrayList<>();
        w.registerPostAccumulateGradHook(t -> seen.add(t.grad().toDoubleArray()));
        // d/dw sum(w*x + w + w*w) = x + 1 + 2w
        w.mul(x).add(w).add(w.mul(w)).sum().backward();
        assertEquals(1, seen.size());
        assertArrayEquals(new double[] {7, 10, 13}, seen.get(0));
    }

    @Test
    void hooksRunInTheOrderLeavesFinish() {
        Tensor a = leaf(1, 2);
        Tensor b = leaf(3, 4);
        List<String> order = new ArrayList<>();
        a.registerPostAccumulateGradHook(t -> order.add("a"));
        b.registerPostAccumulateGradHook(t -> order.add("b"));
        // b is used by the last op only, a by the first: b's gradient is complete first
        a.exp().sum().mul(b.sum()).backward();
        assertEquals(List.of("b", "a"), order);
    }

    @Test
    void aLeafTheOutputDoesNotReachRunsNoHook() {
        Tensor used = leaf(1);
        Tensor unused = leaf(2);
        int[] calls = new int[2];
        used.registerPostAccumulateGradHook(t -> calls[0]++);
        unused.registerPostAccumulateGradHook(t -> calls[1]++);
        used.mul(3).sum().backward();
        used.mul(3).sum().backward();
        assertArrayEquals(new int[] {2, 0}, calls);
        assertArrayEquals(new double[] {6}, used.grad().toDoubleArray());
    }

    @Test
    void backwardOnTheLeafItselfRunsItsHook() {
        Tensor w = leaf(5);
        int[] calls = new int[1];
        w.registerPostAccumulateGradHook(t -> calls[0]++);
        w.backward();
        assertEquals(1, calls[0]);
    }

    @Test
    void autogradGradRunsNoHooksAndRemovedHooksStop() {
        Tensor w = leaf(1, 2);
        int[] calls = new int[1];
        RemovableHandle handle = w.registerPostAccumulateGradHook(t -> calls[0]++);
        Autograd.grad(w.mul(w).sum(), new Tensor[] {w}, null, false, false);
        assertEquals(0, calls[0]);
        handle.remove();
        handle.remove();
        w.mul(w).sum().backward();
        assertEquals(0, calls[0]);
    }

    @Test
    void onlyLeavesThatRequireGradTakeHooks() {
        Tensor w = leaf(1);
        var notLeaf = assertThrows(IllegalStateException.class,
                () -> w.mul(2).registerPostAccumulateGradHook(t -> { }));
        assertTrue(notLeaf.getMessage().contains("is not a leaf"), notLeaf.getMessage());
        var noGrad = assertThrows(IllegalStateException.class,
                () -> Tensor.of(new double[] {1}, 1).registerPostAccumulateGradHook(t -> { }));
        assertTrue(noGrad.getMessage().contains("does not require grad"), noGrad.getMessage());
    }
}
