package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.Device;
import dev.nabla.backend.registry.Backends;
import dev.nabla.backend.cuda.CudaRuntime;
import dev.nabla.nativelib.CudaLibraries;
import dev.nabla.nativelib.NativeLibraryException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What the library does with and without a GPU: without one nothing may fail, and errors must say why. */
class CudaAvailabilityTest {

    @Test
    void withoutAGpuEverythingElseWorksAndErrorsSayWhy() {
        assumeTrue(Backends.cudaDeviceCount() == 0, "a GPU is present");
        assertFalse(Device.cudaAvailable());
        assertTrue(Arrays.stream(Device.values()).noneMatch(d -> d.kind() == Device.Kind.CUDA));
        String reason = Backends.cudaUnavailableReason();
        assertNotNull(reason);
        var e = assertThrows(IllegalStateException.class, () -> Device.cuda(0));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        var e2 = assertThrows(IllegalStateException.class, () -> Backends.cuda(0));
        assertTrue(e2.getMessage().startsWith("cuda: "), e2.getMessage());
        assertTrue(CudaRuntime.describe().startsWith("CUDA not available"), CudaRuntime.describe());
    }

    @Test
    void aMissingDriverListsWhatWasTried() {
        assumeTrue(Backends.cudaDeviceCount() == 0, "a GPU is present");
        NativeLibraryException e;
        try {
            CudaLibraries.load();
            return; // libraries present but no GPU: nothing to check here
        } catch (NativeLibraryException x) {
            e = x;
        }
        assertFalse(e.attempts().isEmpty(), e.getMessage());
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        assertTrue(e.getMessage().contains("Tried:"), e.getMessage());
    }

    @Test
    void withAGpuTheDeviceIsListedAndDescribed() {
        assumeTrue(Backends.cudaDeviceCount() > 0, "no CUDA device: " + Backends.cudaUnavailableReason());
        assertTrue(Device.cudaAvailable());
        assertEquals(Device.cuda(0), Device.values()[2]);
        assertEquals(Device.cuda(0), Device.parse("cuda"));
        String d = CudaRuntime.describe();
        assertTrue(d.contains("cuda:0"), d);
        assertThrows(IllegalArgumentException.class, () -> Device.cuda(Backends.cudaDeviceCount()));
        System.out.println(d);
    }
}
