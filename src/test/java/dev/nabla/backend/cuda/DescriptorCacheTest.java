package dev.nabla.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.base.ScalarType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The descriptor cache: one descriptor per key, least recently used evicted and destroyed past capacity. */
class DescriptorCacheTest {
    private final List<TensorKey> created = new ArrayList<>();
    private final List<String> destroyed = new ArrayList<>();

    private DescriptorCache<TensorKey, String> cache(int capacity) {
        return new DescriptorCache<>("test", capacity, k -> {
            created.add(k);
            return "desc" + created.size();
        }, destroyed::add);
    }

    private static TensorKey key(int n) {
        return new TensorKey(ScalarType.FLOAT32, n, 3, 4, 5);
    }

    @Test
    void anEqualKeyReturnsTheSameDescriptorCreatedOnce() {
        DescriptorCache<TensorKey, String> c = cache(4);
        String a = c.get(key(1));
        assertSame(a, c.get(new TensorKey(ScalarType.FLOAT32, 1, 3, 4, 5)));
        assertEquals(1, created.size());
        assertNotSame(a, c.get(new TensorKey(ScalarType.FLOAT64, 1, 3, 4, 5)), "the dtype is part of the key");
        assertEquals(2, c.size());
    }

    @Test
    void pastCapacityTheLeastRecentlyUsedIsDestroyed() {
        DescriptorCache<TensorKey, String> c = cache(2);
        c.get(key(1)); // desc1
        c.get(key(2)); // desc2
        c.get(key(1)); // key 1 used again: key 2 is now the eldest
        c.get(key(3)); // desc3 evicts key 2
        assertEquals(List.of("desc2"), destroyed);
        assertEquals(2, c.size());
        c.get(key(2)); // created again
        assertEquals(4, created.size());
        assertEquals(List.of("desc2", "desc1"), destroyed);
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache(0));
        assertTrue(e.getMessage().contains("capacity"), e.getMessage());
        DescriptorCache<TensorKey, String> nothing = new DescriptorCache<>("empty", 2, k -> null, d -> { });
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> nothing.get(key(1)));
        assertTrue(s.getMessage().contains("TensorKey"), s.getMessage());
    }
}
