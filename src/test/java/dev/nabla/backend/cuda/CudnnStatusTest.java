package dev.nabla.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** cuDNN statuses are named from the generated bindings, and a failed call's exception names call, shapes and status. */
class CudnnStatusTest {

    @Test
    void statusesAreNamedAfterTheirConstants() {
        assertEquals("CUDNN_STATUS_SUCCESS", CudnnStatus.name(0));
        assertEquals("CUDNN_STATUS_BAD_PARAM", CudnnStatus.name(2000));
        assertEquals("CUDNN_STATUS_NOT_SUPPORTED", CudnnStatus.name(3000));
        assertEquals("CUDNN_STATUS_EXECUTION_FAILED", CudnnStatus.name(5000));
    }

    @Test
    void anAliasedCodeGetsItsSpecificCudnn9Name() {
        // 3007 is both CUDNN_STATUS_ARCH_MISMATCH (older) and CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH
        assertEquals("CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH", CudnnStatus.name(3007));
        assertEquals("CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH", CudnnStatus.name(1002));
    }

    @Test
    void notSupportedCoversItsSpecificForms() {
        assertTrue(CudnnStatus.isNotSupported(3000));
        assertTrue(CudnnStatus.isNotSupported(3007));
        assertFalse(CudnnStatus.isNotSupported(2000));
        assertFalse(CudnnStatus.isNotSupported(4000));
    }

    @Test
    void anUnknownCodeIsShownAsANumber() {
        assertEquals("cudnnStatus_t 123456", CudnnStatus.name(123456));
    }

    @Test
    void successPassesAndAFailureNamesDeviceCallShapesAndStatus() {
        assertDoesNotThrow(() -> CudnnStatus.check(0, "cuda:0: ", "cudnnConvolutionForward"));
        String call = "cudnnConvolutionForward(x [8, 3, 32, 32], w [16, 3, 3, 3])";
        CudaException e = assertThrows(CudaException.class, () -> CudnnStatus.check(2000, "cuda:0: ", call));
        assertEquals(2000, e.code());
        assertTrue(e.getMessage().startsWith("cuda:0: " + call + " failed: CUDNN_STATUS_BAD_PARAM ("),
                e.getMessage());
    }
}
