package dev.nabla;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Runs each test inside its own {@link Scope}, so tests leave no tensors behind for the next one. */
public abstract class ScopedTest {
    private Scope scope;

    @BeforeEach
    protected void openScope() {
        scope = Scope.open();
    }

    @AfterEach
    protected void closeScope() {
        scope.close();
    }
}
