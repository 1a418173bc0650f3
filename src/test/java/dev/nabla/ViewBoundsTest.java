package dev.nabla;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.base.ConvGeometry;
import dev.nabla.data.Idx;
import dev.nabla.io.SafeTensors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression tests for overflow in shape, stride and offset arithmetic: every repro of the memory-safety issue
 * now throws a clear exception naming the op, the argument and the shape instead of reading stale memory, writing
 * out of bounds or wrapping a count.
 */
class ViewBoundsTest extends ScopedTest {
    private static final long MAX = Long.MAX_VALUE;

    @TempDir
    Path dir;

    private static <T extends Throwable> T assertMessage(Class<T> type, Executable call, String... parts) {
        T e = assertThrows(type, call);
        for (String p : parts) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(p),
                    "message '" + e.getMessage() + "' should contain '" + p + "'");
        }
        return e;
    }

    @Test
    void narrowWithAHugeLengthIsRejectedNotWrapped() {
        Tensor x = Tensor.ones(6, 6);
        IndexOutOfBoundsException e = assertMessage(IndexOutOfBoundsException.class, () -> x.narrow(0, 1, MAX),
                "narrow", "start 1", "length " + MAX, "dimension 0 of size 6", x.describe());
        assertTrue(e.getMessage().startsWith("narrow: "), e.getMessage());
        assertMessage(IndexOutOfBoundsException.class, () -> x.narrow(0, 5, MAX), "narrow", "start 5",
                "length " + MAX, "size 6");
    }

    @Test
    void selectAfterAnOversizedNarrowCannotReadStaleMemory() {
        // used to return whatever the pool block held past the tensor
        Tensor x = Tensor.ones(6, 6);
        assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(0, 1, MAX).select(0, 7));
    }

    @Test
    void fillThroughAnOversizedNarrowCannotWriteOutOfBounds() {
        Tensor x = Tensor.ones(6, 6);
        assertThrows(IndexOutOfBoundsException.class, () -> x.narrow(0, 1, MAX).select(0, 10).fill_(-1));
        assertEquals(36.0, x.sum().item());
    }

    @Test
    void narrowWithAHugeStartIsRejectedNotGivenANegativeOffset() {
        Tensor x = Tensor.ones(6, 6);
        assertMessage(IndexOutOfBoundsException.class, () -> x.narrow(0, MAX, 2), "narrow", "start " + MAX,
                "size 6", x.describe());
        assertMessage(IndexOutOfBoundsException.class, () -> x.narrow(0, Long.MIN_VALUE, 2), "narrow",
                "start " + Long.MIN_VALUE, "size 6");
        assertMessage(IllegalArgumentException.class, () -> x.narrow(1, 0, -1), "narrow", "length -1");
        assertMessage(IndexOutOfBoundsException.class, () -> x.narrow(1, -7, 1), "narrow", "start -7");
    }

    @Test
    void narrowAtTheEdgesStillWorks() {
        Tensor x = Tensor.of(new double[] {0, 1, 2, 3, 4, 5}, 6);
        assertEquals(0, x.narrow(0, 6, 0).numel());
        assertEquals(0, x.narrow(0, -6, 0).numel());
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, x.narrow(0, -6, 6).toDoubleArray());
        assertArrayEquals(new double[] {5}, x.narrow(0, -1, 1).toDoubleArray());
        assertArrayEquals(new double[0], x.narrow(0, 6, 0).toDoubleArray());
    }

    @Test
    void expandToMoreThanLongMaxElementsIsRejected() {
        Tensor x = Tensor.ones(1, 2);
        assertMessage(IllegalArgumentException.class, () -> x.expand(MAX, 2), "expand", "[" + MAX + ", 2]",
                "2^63 - 1", x.describe());
        Tensor y = Tensor.ones(2);
        assertMessage(IllegalArgumentException.class, () -> y.expand(MAX, 2), "expand", "[" + MAX + ", 2]");
        assertMessage(IllegalArgumentException.class, () -> y.expand(Long.MIN_VALUE, 2), "expand");
    }

    @Test
    void expandToAHugeButCountableShapeKeepsAnExactNumel() {
        Tensor x = Tensor.ones(1, 2);
        Tensor e = x.expand(1L << 40, 2);
        assertEquals(1L << 41, e.numel());
        assertArrayEquals(new long[] {0, 1}, e.strides());
        assertEquals(0, Tensor.ones(1, 1).expand(MAX, 0).numel());
        assertEquals(0, Tensor.ones(1, 2).expand(0, 5, 2).numel());
        assertMessage(IllegalStateException.class, e::toDoubleArray, "toDoubleArray", "Java array");
    }

    @Test
    void sliceWithHugeStepsOrBoundsClampsWithoutOverflow() {
        Tensor x = Tensor.of(new double[] {0, 1, 2, 3, 4, 5}, 6);
        assertArrayEquals(new double[] {0}, x.slice(0, 0, MAX, MAX).toDoubleArray());
        assertArrayEquals(new double[] {3}, x.slice(0, 3, MAX, MAX - 1).toDoubleArray());
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5}, x.slice(0, Long.MIN_VALUE, MAX, 1).toDoubleArray());
        assertArrayEquals(new double[] {1, 4}, x.slice(0, 1, MAX, 3).toDoubleArray());
        assertEquals(0, x.slice(0, MAX, MAX, 2).numel());
        assertMessage(IllegalArgumentException.class, () -> x.slice(0, 0, 6, Long.MIN_VALUE), "slice", "step");
    }

    @Test
    void selectWithExtremeIndicesIsRejected() {
        Tensor x = Tensor.ones(6, 6);
        assertMessage(IndexOutOfBoundsException.class, () -> x.select(0, MAX), "select", "index " + MAX, "size 6");
        assertMessage(IndexOutOfBoundsException.class, () -> x.select(1, Long.MIN_VALUE), "select",
                "index " + Long.MIN_VALUE);
        assertMessage(IndexOutOfBoundsException.class, () -> x.select(Integer.MIN_VALUE, 0), "select",
                "dimension " + Integer.MIN_VALUE);
    }

    @Test
    void creationRejectsNegativeAndOverflowingShapes() {
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(MAX, 2), "empty", "[" + MAX + ", 2]",
                "2^63 - 1");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(-3, 2), "negative size -3");
        assertMessage(IllegalArgumentException.class, () -> Tensor.zeros(1L << 62), "empty", "byte size");
        assertMessage(IllegalArgumentException.class, () -> Tensor.ones(65536, 65536, 65536, 65536), "2^63 - 1");
        assertMessage(IllegalArgumentException.class, () -> Tensor.randn(new Generator(0), 1L << 40), "normal",
                "Java array");
        assertMessage(IllegalArgumentException.class, () -> Tensor.rand(new Generator(0), MAX, MAX), "uniform");
        assertMessage(IllegalArgumentException.class, () -> Tensor.arange(-1e308, 1e308, 1, DType.FLOAT32,
                Device.CPU), "arange", "Java array");
        assertMessage(IllegalArgumentException.class, () -> Tensor.eye(-1), "negative");
        assertMessage(IllegalArgumentException.class, () -> Tensor.eye(1L << 32), "2^63 - 1");
        assertMessage(IllegalArgumentException.class, () -> Tensor.of(new float[0], MAX, MAX, 0), "of");
        // zero-size shapes whose other sizes are large are still fine
        assertEquals(0, Tensor.zeros(0, MAX).numel());
        assertEquals(0, Tensor.zeros(1L << 40, 0, 1L << 20).numel());
    }

    @Test
    void viewAndReshapeRejectOverflowingTargets() {
        Tensor x = Tensor.ones(2, 3);
        assertMessage(IllegalArgumentException.class, () -> x.view(MAX, 2, 3), "view", "[" + MAX + ", 2, 3]");
        assertMessage(IllegalArgumentException.class, () -> x.reshape(MAX, MAX, -1), "reshape");
        assertMessage(IllegalArgumentException.class, () -> x.reshape(-1, Long.MIN_VALUE), "reshape",
                String.valueOf(Long.MIN_VALUE));
        Tensor empty = Tensor.zeros(0, 4);
        assertMessage(IllegalArgumentException.class, () -> empty.reshape(MAX, MAX, 0), "reshape");
        assertArrayEquals(new long[] {MAX, 0}, empty.reshape(MAX, 0).shape());
        assertEquals(0, empty.reshape(0, MAX).unsqueeze(1).numel());
    }

    @Test
    void numelIsExactForEveryReachableShape() {
        Tensor e = Tensor.ones(1).expand(1L << 31, 1L << 31);
        assertEquals(1L << 62, e.numel());
        assertEquals(1L << 62, e.unsqueeze(0).numel());
        assertEquals(1L << 62, e.transpose(0, 1).numel());
        assertEquals(0, e.narrow(1, 5, 0).numel());
    }

    @Test
    void catRejectsASumOfSizesThatOverflows() {
        Tensor a = Tensor.ones(1).expand(MAX - 1);
        Tensor b = Tensor.ones(1).expand(2);
        assertMessage(IllegalArgumentException.class, () -> Tensor.cat(0, a, b), "cat", "concatenated dimension",
                String.valueOf(MAX - 1));
    }

    @Test
    void foldRejectsOverflowingGeometry() {
        ConvGeometry g = new ConvGeometry(Integer.MAX_VALUE, Integer.MAX_VALUE, 1, 1, 0, 0, 1, 1);
        Tensor cols = Tensor.zeros(1, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> Unfold.fold(cols, g, MAX, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Unfold.fold(cols, g, -1, 1, 1));
    }

    @Test
    void theSafetyNetRejectsAnyViewOutsideItsStorage() {
        long capacity = 36;
        Shapes.checkInBounds("t", new long[] {6, 6}, new long[] {6, 1}, 0, capacity, null);
        Shapes.checkInBounds("t", new long[] {0, 6}, new long[] {MAX, 1}, MAX, capacity, null); // no elements
        Shapes.checkInBounds("t", new long[] {6, 1}, new long[] {6, MAX}, 0, capacity, null); // size-1 stride unused
        assertMessage(IndexOutOfBoundsException.class, () -> Shapes.checkInBounds("narrow", new long[] {6, 6},
                new long[] {6, 1}, 1, capacity, null), "narrow", "reaches element 36", "36 elements");
        assertMessage(IndexOutOfBoundsException.class, () -> Shapes.checkInBounds("op", new long[] {2, 2},
                new long[] {MAX, 1}, 0, capacity, null), "op", "2^63 - 1");
        assertMessage(IndexOutOfBoundsException.class, () -> Shapes.checkInBounds("op", new long[] {3},
                new long[] {-1}, 2, capacity, null), "op", "negative stride");
        assertMessage(IndexOutOfBoundsException.class, () -> Shapes.checkInBounds("op", new long[] {1},
                new long[] {1}, -1, capacity, null), "op", "negative");
        assertMessage(IllegalArgumentException.class, () -> Shapes.checkInBounds("op", new long[] {-1},
                new long[] {1}, 0, capacity, null), "op", "negative size -1");
        assertMessage(IllegalArgumentException.class, () -> Shapes.checkInBounds("op", new long[] {MAX, 2},
                new long[] {0, 0}, 0, capacity, null), "op", "2^63 - 1");
    }

    // ------------------------------------------------------------------ file readers

    private static byte[] idxHeader(int... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length);
        b.put((byte) 0).put((byte) 0).put((byte) 0x08).put((byte) shape.length);
        for (int s : shape) {
            b.putInt(s);
        }
        return b.array();
    }

    @Test
    void idxHeaderWhoseElementCountWrapsToZeroIsRejected() {
        IOException e = assertThrows(IOException.class, () -> Idx.parse("huge", idxHeader(65536, 65536, 65536,
                65536)));
        assertTrue(e.getMessage().contains("huge") && e.getMessage().contains("[65536, 65536, 65536, 65536]"),
                e.getMessage());
        assertThrows(IOException.class, () -> Idx.parse("big", idxHeader(Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE, 2)));
    }

    @Test
    void idxHeaderWithAZeroSizeAfterHugeOnesHoldsNothing() throws IOException {
        Idx.Array a = Idx.parse("z", idxHeader(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, 0));
        assertEquals(0, a.numel());
        assertEquals(0, a.data().length);
    }

    private Path safetensors(String json, int dataBytes) throws IOException {
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + head.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(head.length).put(head);
        Path p = dir.resolve("t" + Arrays.hashCode(head) + ".safetensors");
        Files.write(p, b.array());
        return p;
    }

    @Test
    void safeTensorsRejectsOffsetsBeyondALongInsteadOfWrappingThem() throws IOException {
        // 2^64 + 0 would wrap to 0 and 2^64 + 8 to 8 with asLong()
        Path p = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[18446744073709551616,"
                + "18446744073709551624]}}", 8);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        Path q = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0.5,8]}}", 8);
        assertThrows(IOException.class, () -> SafeTensors.load(q));
    }

    @Test
    void safeTensorsRejectsShapesThatOverflowEvenWithAZeroSize() throws IOException {
        Path p = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[0," + MAX + "," + MAX + "],"
                + "\"data_offsets\":[0,0]}}", 0);
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("impossibly large"), e.getMessage());
        Path q = safetensors("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536,65536,65536],"
                + "\"data_offsets\":[0,0]}}", 0);
        assertThrows(IOException.class, () -> SafeTensors.load(q));
    }
}
