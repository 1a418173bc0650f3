package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/** {@link Module#getSubmodule} and {@link Module#setSubmodule}: a replacement is what the containers then run. */
class SubmoduleReplacementTest {

    @Test
    void replacedLayersRunInSequentialAndResidualBlock() {
        Linear inner = new Linear(3, 3);
        Sequential model = new Sequential(new Flatten(), new ResidualBlock(new Sequential(inner, new ReLU())),
                new ReLU());
        assertSame(inner, model.getSubmodule("1.body.0"));
        assertSame(model, model.getSubmodule(""));
        try (Scope s = Scope.open()) {
            float[] input = {-1, 2, -3, 4, -5, 6};
            Tensor x = Tensor.of(input, 2, 3);
            // body -> identity: the block doubles its input; the last ReLU -> a negation module
            assertSame(inner, model.setSubmodule("1.body.0", new Identity()));
            model.setSubmodule("2", new Module() {
                @Override
                public Tensor forward(Tensor input) {
                    return input.neg();
                }
            });
            float[] expected = new float[input.length]; // -(x + relu(x))
            for (int i = 0; i < input.length; i++) {
                expected[i] = -(input[i] + Math.max(0, input[i]));
            }
            assertArrayEquals(expected, model.forward(x).toFloatArray());
            assertTrue(model.getSubmodule("1.body.0") instanceof Identity);
            assertTrue(model.get(0) instanceof Flatten);
        }
        inner.close();
    }

    @Test
    void badPathsAreNamed() {
        Sequential model = new Sequential(new Linear(2, 2), new ReLU());
        var e = assertThrows(IllegalArgumentException.class, () -> model.getSubmodule("0.foo"));
        assertTrue(e.getMessage().contains("'0' has no child 'foo'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.setSubmodule("5", new ReLU()));
        assertThrows(IllegalArgumentException.class, () -> model.setSubmodule("1", null));
        assertThrows(IndexOutOfBoundsException.class, () -> model.get(2));
    }
}
