package dev.nabla.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import dev.nabla.bindings.cudnn.cudnn_h;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Which operands go to cuDNN, and how softmax and batch norm operands are seen as 4-D tensors. */
class CudnnShapesTest {
    private static Strided packed(long... shape) {
        return Strided.contiguous(MemorySegment.NULL, 0, shape);
    }

    @Test
    void onlyContiguousNonEmptyOperandsBelowTwoToThe31ElementsSuit() {
        assertTrue(CudnnShapes.suits(packed(2, 3, 4, 5), null, packed(7)));
        assertFalse(CudnnShapes.suits(new Strided(MemorySegment.NULL, 0, new long[] {4, 5}, new long[] {1, 4})),
                "transposed");
        assertFalse(CudnnShapes.suits(packed(2, 0, 4, 5)), "empty");
        assertFalse(CudnnShapes.suits(packed(1 << 16, 1 << 15)), "2^31 elements");
        assertTrue(CudnnShapes.suits(packed(1 << 16, (1 << 15) - 1)));
    }

    @Test
    void dtypesMapToCudnnDataTypes() {
        assertEquals(cudnn_h.CUDNN_DATA_FLOAT(), CudnnShapes.dataType(ScalarType.FLOAT32));
        assertEquals(cudnn_h.CUDNN_DATA_DOUBLE(), CudnnShapes.dataType(ScalarType.FLOAT64));
        assertThrows(IllegalArgumentException.class, () -> CudnnShapes.dataType(ScalarType.BFLOAT16));
        assertThrows(IllegalArgumentException.class, () -> CudnnShapes.dataType(ScalarType.FLOAT16));
    }

    @Test
    void softmaxRowsAreTheLastDimension() {
        assertEquals(new TensorKey(ScalarType.FLOAT32, 6, 5, 1, 1),
                CudnnSoftmax.rows(ScalarType.FLOAT32, packed(2, 3, 5), packed(2, 3, 5)));
        assertEquals(new TensorKey(ScalarType.FLOAT64, 1, 7, 1, 1),
                CudnnSoftmax.rows(ScalarType.FLOAT64, packed(7), packed(7)));
        String e = assertThrows(IllegalArgumentException.class,
                () -> CudnnSoftmax.rows(ScalarType.FLOAT32, packed(2, 3), packed(3, 2))).getMessage();
        assertTrue(e.contains("[2, 3] and [3, 2]"), e);
    }

    @Test
    void batchNormPlanesFoldTheTrailingSizes() {
        assertEquals(new TensorKey(ScalarType.FLOAT32, 4, 3, 30, 1),
                CudnnBatchNorm.planes(ScalarType.FLOAT32, packed(4, 3, 5, 6), packed(4, 3, 5, 6)));
        assertEquals(new TensorKey(ScalarType.FLOAT64, 8, 5, 1, 1),
                CudnnBatchNorm.planes(ScalarType.FLOAT64, packed(8, 5), packed(8, 5)));
        TensorKey x = new TensorKey(ScalarType.FLOAT32, 4, 3, 30, 1);
        assertEquals(new TensorKey(ScalarType.FLOAT32, 1, 3, 1, 1), CudnnBatchNorm.channels(x, packed(3), null));
        String e = assertThrows(IllegalArgumentException.class, () -> CudnnBatchNorm.channels(x, packed(4)))
                .getMessage();
        assertTrue(e.contains("should be [3]"), e);
        assertThrows(IllegalArgumentException.class,
                () -> CudnnBatchNorm.planes(ScalarType.FLOAT32, packed(4, 3, 5), packed(4, 3, 6)));
    }
}
