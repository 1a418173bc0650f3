package dev.nabla.backend.java;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The column fast paths of {@link IndexKernels} (gather and scatter-add along dimension 1 of a contiguous matrix, as
 * the negative log-likelihood and its backward use them) against {@link ReferenceKernels}, exactly: fewer index rows
 * than matrix rows, more index columns than matrix columns (repeated columns, which scatter-add accumulates), a
 * transposed (strided) index, an offset matrix, float32 and float64, and the reference's error for an index out of
 * range.
 */
class IndexKernelsTest {

    @ParameterizedTest
    @CsvSource({"FLOAT32, 128, 10, 128, 1, false", "FLOAT32, 6, 4, 5, 7, false", "FLOAT64, 5, 9, 3, 2, true",
            "FLOAT64, 1, 1, 1, 3, false", "INT32, 4, 6, 4, 3, true"})
    void gatherAlongColumnsMatchesTheReference(ScalarType t, int rows, int cols, int indexRows, int k,
                                               boolean transposedIndex) {
        try (Arena arena = Arena.ofConfined()) {
            Random r = new Random(rows * 31L + cols);
            Strided x = filled(arena, t, r, 2, rows, cols);
            Strided index = indices(arena, r, indexRows, k, cols, transposedIndex);
            Strided fast = Strided.contiguous(arena.allocate((long) indexRows * k * t.byteSize(), 64), 0, indexRows, k);
            Strided reference = Strided.contiguous(arena.allocate((long) indexRows * k * t.byteSize(), 64), 0,
                    indexRows, k);
            assertTrue(IndexKernels.gather(t, x, 1, ScalarType.INT64, index, fast));
            ReferenceKernels.gather(t, x, 1, ScalarType.INT64, index, reference);
            assertArrayEquals(reference.data().toArray(ValueLayout.JAVA_BYTE), fast.data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @ParameterizedTest
    @CsvSource({"FLOAT32, 128, 10, 128, 1, false", "FLOAT32, 6, 4, 5, 7, true", "FLOAT64, 5, 3, 5, 8, false"})
    void scatterAddAlongColumnsMatchesTheReference(ScalarType t, int rows, int cols, int indexRows, int k,
                                                   boolean transposedIndex) {
        try (Arena arena = Arena.ofConfined()) {
            Random r = new Random(rows * 17L + k);
            Strided index = indices(arena, r, indexRows, k, cols, transposedIndex);
            Strided src = filled(arena, t, r, 0, indexRows, k);
            Strided fast = filled(arena, t, new Random(5), 0, rows, cols);
            Strided reference = filled(arena, t, new Random(5), 0, rows, cols);
            assertTrue(IndexKernels.scatterAdd(t, fast, 1, ScalarType.INT64, index, src));
            ReferenceKernels.scatterAdd(t, reference, 1, ScalarType.INT64, index, src);
            assertArrayEquals(reference.data().toArray(ValueLayout.JAVA_BYTE), fast.data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void anIndexOutOfRangeFailsAsTheReferenceDoes() {
        try (Arena arena = Arena.ofConfined()) {
            Strided x = filled(arena, ScalarType.FLOAT32, new Random(1), 0, 2, 3);
            MemorySegment bad = arena.allocateFrom(ValueLayout.JAVA_LONG, 0, 3);
            Strided index = Strided.contiguous(bad, 0, 2, 1);
            Strided out = Strided.contiguous(arena.allocate(8, 64), 0, 2, 1);
            var fast = assertThrows(IndexOutOfBoundsException.class,
                    () -> IndexKernels.gather(ScalarType.FLOAT32, x, 1, ScalarType.INT64, index, out));
            var reference = assertThrows(IndexOutOfBoundsException.class,
                    () -> ReferenceKernels.gather(ScalarType.FLOAT32, x, 1, ScalarType.INT64, index, out));
            assertTrue(fast.getMessage().equals(reference.getMessage()), fast.getMessage());
        }
    }

    @Test
    void otherLayoutsAreLeftToTheReference() {
        try (Arena arena = Arena.ofConfined()) {
            Strided x3 = filled(arena, ScalarType.FLOAT32, new Random(2), 0, 2, 3, 4);
            Strided index3 = Strided.contiguous(arena.allocate(2 * 3 * 2 * 8L, 64), 0, 2, 3, 2);
            Strided out3 = Strided.contiguous(arena.allocate(2 * 3 * 2 * 4L, 64), 0, 2, 3, 2);
            assertFalse(IndexKernels.gather(ScalarType.FLOAT32, x3, 2, ScalarType.INT64, index3, out3));
            Strided x = filled(arena, ScalarType.FLOAT32, new Random(3), 0, 4, 3);
            Strided transposed = new Strided(x.data(), 0, new long[] {3, 4}, new long[] {1, 3});
            Strided index = Strided.contiguous(arena.allocate(3 * 8L, 64), 0, 3, 1);
            Strided out = Strided.contiguous(arena.allocate(3 * 4L, 64), 0, 3, 1);
            assertFalse(IndexKernels.gather(ScalarType.FLOAT32, transposed, 1, ScalarType.INT64, index, out));
        }
    }

    /** A contiguous tensor at element offset {@code offset} of random small values of type {@code t}. */
    private static Strided filled(Arena arena, ScalarType t, Random r, long offset, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        MemorySegment data = arena.allocate((offset + n) * t.byteSize(), 64);
        for (long i = 0; i < n; i++) {
            switch (t) {
                case FLOAT32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT, offset + i, (float) r.nextGaussian());
                case FLOAT64 -> data.setAtIndex(ValueLayout.JAVA_DOUBLE, offset + i, r.nextGaussian());
                case INT32 -> data.setAtIndex(ValueLayout.JAVA_INT, offset + i, r.nextInt(1000) - 500);
                default -> throw new IllegalArgumentException(t.toString());
            }
        }
        return Strided.contiguous(data, offset, shape);
    }

    /** An int64 {@code [rows, k]} index of columns below {@code cols}; stored transposed when asked. */
    private static Strided indices(Arena arena, Random r, int rows, int k, int cols, boolean transposed) {
        MemorySegment data = arena.allocate((long) rows * k * Long.BYTES, 64);
        for (long i = 0; i < (long) rows * k; i++) {
            data.setAtIndex(ValueLayout.JAVA_LONG, i, r.nextInt(cols));
        }
        return transposed ? new Strided(data, 0, new long[] {rows, k}, new long[] {1, rows})
                : Strided.contiguous(data, 0, rows, k);
    }
}
