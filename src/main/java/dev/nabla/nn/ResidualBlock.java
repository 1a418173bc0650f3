package dev.nabla.nn;

import dev.nabla.Tensor;

/**
 * A residual connection {@code y = after(shortcut(x) + body(x))} (He et al., 2016): {@code shortcut} defaults to
 * the identity, and {@code after} (an activation applied to the sum, as in ResNet's basic block) to nothing.
 * A projection shortcut (e.g. a 1x1 {@link Conv2d} or a {@link Linear}) lets the body change the shape.
 * Sub-modules are named {@code body}, {@code shortcut} and {@code after}, so parameters read
 * {@code body.0.weight}.
 *
 * <pre>{@code
 * var block = new ResidualBlock(new Sequential(new Linear(64, 64), new ReLU(), new Linear(64, 64)));
 * var down = new ResidualBlock(
 *         new Sequential(new Conv2d(16, 32, 3, 2, 1), new BatchNorm2d(32), new ReLU(),
 *                        new Conv2d(32, 32, 3, 1, 1), new BatchNorm2d(32)),
 *         new Sequential(new Conv2d(16, 32, 1, 2, 0), new BatchNorm2d(32)),
 *         new ReLU());
 * }</pre>
 */
public final class ResidualBlock extends Module {
    /** {@code y = x + body(x)}. */
    public ResidualBlock(Module body) {
        this(body, null, null);
    }

    /** {@code y = shortcut(x) + body(x)}; a null shortcut is the identity. */
    public ResidualBlock(Module body, Module shortcut) {
        this(body, shortcut, null);
    }

    /** {@code y = after(shortcut(x) + body(x))}; a null shortcut is the identity, a null {@code after} nothing. */
    public ResidualBlock(Module body, Module shortcut, Module after) {
        registerModule("body", java.util.Objects.requireNonNull(body, "body"));
        if (shortcut != null) {
            registerModule("shortcut", shortcut);
        }
        if (after != null) {
            registerModule("after", after);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        // read through child(): setSubmodule may have replaced them
        Module shortcut = childOrNull("shortcut");
        Module after = childOrNull("after");
        Tensor fx = child("body").forward(x);
        Tensor sx = shortcut == null ? x : shortcut.forward(x);
        if (!java.util.Arrays.equals(fx.shape(), sx.shape())) {
            throw new IllegalArgumentException("ResidualBlock: body output " + fx.describe() + " and shortcut output "
                    + sx.describe() + " differ in shape; give the block a projection shortcut");
        }
        Tensor y = sx.add(fx);
        return after == null ? y : after.forward(y);
    }
}
