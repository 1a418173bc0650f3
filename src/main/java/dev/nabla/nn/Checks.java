package dev.nabla.nn;

import dev.nabla.Tensor;

/** Argument checks shared by the layers. */
final class Checks {
    private Checks() {
    }

    /** Throws the library's use-after-release error unless {@code t} is alive. */
    static void alive(String op, Tensor t) {
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": " + t.describe() + " has been released");
        }
    }
}
