package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.memory.Storage;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Deterministic lifetimes: scopes, close(), keep, detached, views that outlive their base. */
class ScopeTest {

    @Test
    void closingAScopeReleasesItsTensorsAndLaterUseThrowsNamingTheTensor() {
        Tensor t;
        Tensor v;
        try (Scope s = Scope.open()) {
            t = Tensor.ones(2, 3);
            v = t.t();
            assertEquals(2, s.size());
            assertFalse(t.isClosed());
        }
        assertTrue(t.isClosed());
        assertTrue(v.isClosed());
        assertFalse(t.storage().isAlive(), "the block went back to the pool");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.add(1));
        assertTrue(e.getMessage().contains(t.describe()), e.getMessage());
        assertTrue(t.describe().startsWith("tensor#") && t.describe().contains("[2, 3]"), t.describe());
        e = assertThrows(IllegalStateException.class, v::toDoubleArray);
        assertTrue(e.getMessage().contains(v.describe()), e.getMessage());
        assertThrows(IllegalStateException.class, t::item);
        assertThrows(IllegalStateException.class, () -> t.view(6));
        assertThrows(IllegalStateException.class, () -> t.fill_(0));
        assertThrows(IllegalStateException.class, () -> Tensor.zerosLike(t));
    }

    @Test
    void closeIsIdempotent() {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.zeros(4);
            t.close();
            assertDoesNotThrow(t::close);
            assertTrue(t.isClosed());
            s.close();
            assertDoesNotThrow(s::close);
        }
    }

    @Test
    void closedTensorsPrintWithoutThrowing() {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = Tensor.ones(2);
        }
        String text = assertDoesNotThrow(t::toString);
        assertTrue(text.contains("closed") && text.contains(t.describe()), text);
    }

    @Test
    void aViewKeepsTheStorageAliveAfterItsBaseIsClosed() {
        try (Scope s = Scope.open()) {
            Tensor base = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor view = base.narrow(1, 1, 2); // [[2, 3], [5, 6]], a non-contiguous view
            Storage storage = base.storage();
            base.close();
            assertTrue(base.isClosed());
            assertFalse(view.isClosed());
            assertTrue(storage.isAlive());
            assertArrayEquals(new double[] {2, 3, 5, 6}, view.toDoubleArray());
            try (Scope inner = Scope.open()) {
                assertEquals(5, view.select(0, 1).select(0, 0).item()); // views of the view, closed here
                assertArrayEquals(new double[] {2, 5, 3, 6}, view.t().toDoubleArray());
            }
            assertThrows(IllegalStateException.class, () -> base.narrow(0, 0, 1));
            view.close();
            assertFalse(storage.isAlive(), "the last reference returned the block");
        }
    }

    @Test
    void keptViewOutlivesItsScopeWhileTheBaseDoesNot() {
        Tensor view;
        Tensor base;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                base = Tensor.of(new double[] {1, 2, 3, 4});
                view = inner.keep(base.narrow(0, 2, 2));
            }
            assertTrue(base.isClosed());
            assertArrayEquals(new double[] {3, 4}, view.toDoubleArray());
        }
        assertTrue(view.isClosed(), "the kept view belonged to the outer scope");
    }

    @Test
    void keepMovesATensorToTheEnclosingScope() {
        Tensor t;
        try (Scope outer = Scope.open()) {
            try (Scope inner = Scope.open()) {
                t = Tensor.ones(3);
                assertSame(t, inner.keep(t));
                assertEquals(0, inner.size());
            }
            assertFalse(t.isClosed());
            assertEquals(3, t.sum().item());
            assertEquals(2, outer.size(), "t and its sum");
        }
        assertTrue(t.isClosed());
    }

    @Test
    void keepInTheOutermostScopeHandsTheTensorToTheCollector() {
        Tensor t;
        try (Scope s = Scope.open()) {
            t = s.keep(Tensor.ones(3));
        }
        assertFalse(t.isClosed());
        assertEquals(3, t.sum().item());
        t.close();
        assertTrue(t.isClosed());
    }

    @Test
    void keepRejectsATensorOfAnotherScope() {
        try (Scope outer = Scope.open()) {
            Tensor mine = Tensor.zeros(1);
            try (Scope inner = Scope.open()) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> inner.keep(mine));
                assertTrue(e.getMessage().contains(mine.describe()), e.getMessage());
            }
            outer.keep(mine);
            assertThrows(IllegalArgumentException.class, () -> outer.keep(mine), "kept twice");
            mine.close();
        }
    }

    @Test
    void detachedTensorsOutliveEveryOpenScope() {
        Tensor param;
        try (Scope s = Scope.open()) {
            param = Scope.detached(() -> Tensor.ones(2));
            assertEquals(0, s.size());
            Tensor inside = Tensor.zeros(1);
            assertEquals(1, s.size(), "the scope is current again after detached()");
            assertFalse(inside.isClosed());
        }
        assertFalse(param.isClosed());
        param.close();
    }

    @Test
    void closingScopesOutOfOrderThrowsAndLeavesBothUsable() {
        Scope outer = Scope.open();
        Scope inner = Scope.open();
        Tensor t = Tensor.ones(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, outer::close);
        assertTrue(e.getMessage().contains("inner scope"), e.getMessage());
        assertFalse(t.isClosed());
        inner.close();
        assertTrue(t.isClosed());
        Tensor u = Tensor.ones(1);
        outer.close();
        assertTrue(u.isClosed());
        assertNull(Scope.current(), "no scope left open on this thread");
    }

    @Test
    void aScopeCannotBeClosedOrUsedFromAnotherThread() throws InterruptedException {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.ones(1);
            AtomicReference<Throwable> closeError = new AtomicReference<>();
            AtomicReference<Throwable> keepError = new AtomicReference<>();
            AtomicReference<Tensor> made = new AtomicReference<>();
            Thread other = new Thread(() -> {
                try {
                    s.close();
                } catch (Throwable e) {
                    closeError.set(e);
                }
                try {
                    s.keep(t);
                } catch (Throwable e) {
                    keepError.set(e);
                }
                made.set(Tensor.zeros(2)); // no scope open on this thread: owned by the collector
            }, "other-thread");
            other.start();
            other.join();
            assertInstanceOf(IllegalStateException.class, closeError.get());
            assertTrue(closeError.get().getMessage().contains("other-thread"), closeError.get().getMessage());
            assertInstanceOf(IllegalStateException.class, keepError.get());
            assertFalse(t.isClosed());
            assertEquals(1, s.size(), "a tensor made on another thread does not join this thread's scope");
            s.close();
            assertFalse(made.get().isClosed());
            made.get().close();
        }
    }

    @Test
    void tensorsMadeByOpsBelongToTheCurrentScope() {
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.ones(4);
            Tensor y;
            try (Scope inner = Scope.open()) {
                y = x.mul(2).add(1).relu().sum();
                assertTrue(inner.size() >= 4, "every intermediate belongs to the inner scope");
            }
            assertTrue(y.isClosed());
            assertFalse(x.isClosed());
        }
    }
}
