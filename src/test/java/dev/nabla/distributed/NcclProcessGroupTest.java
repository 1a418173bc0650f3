package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.nativelib.Nccl;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The NCCL group's argument checks (everywhere), and a single-rank communicator running every collective on device
 * memory (where a GPU and libnccl.so.2 exist; skipped otherwise). Single-rank results equal the input, as
 * PyTorch's NCCL backend gives for world size 1; AVG of one rank is the value itself.
 */
class NcclProcessGroupTest {

    @Test
    void aHostDeviceIsRejectedWithTheReason() {
        try (ProcessGroup single = new SingleProcessGroup(Duration.ofSeconds(5))) {
            var e = assertThrows(IllegalArgumentException.class, () -> ProcessGroup.initNccl(single, Device.CPU));
            assertTrue(e.getMessage().contains("NCCL needs a CUDA device, got cpu"), e.getMessage());
        }
    }

    @Test
    void everyCollectiveOnOneGpu() {
        Assumptions.assumeTrue(Device.cudaAvailable(), "no CUDA device");
        Assumptions.assumeTrue(Nccl.load().isPresent(), () -> "no NCCL: " + Nccl.attempts());
        Device gpu = Device.cuda(0);
        try (ProcessGroup single = ProcessGroup.init(Duration.ofSeconds(60));
             ProcessGroup nccl = ProcessGroup.initNccl(single, gpu)) {
            assertEquals(1, nccl.size());
            double[] values = {1.5, -2.0, 3.25, 0.0, 7.0};
            for (DType dtype : new DType[] {DType.FLOAT32, DType.FLOAT64, DType.INT64, DType.INT32}) {
                for (ReduceOp op : ReduceOp.values()) {
                    if (op == ReduceOp.AVG && !dtype.isFloatingPoint()) {
                        continue;
                    }
                    try (Tensor x = Tensor.of(values, dtype, gpu, 5)) {
                        double[] expected = x.toDoubleArray();
                        nccl.allReduceAsync(x, op).waitFor();
                        assertArrayEquals(expected, x.toDoubleArray(), dtype + " " + op);
                    }
                }
            }
            try (Tensor x = Tensor.of(values, DType.FLOAT32, gpu, 5);
                 Tensor gathered = Tensor.zeros(DType.FLOAT32, gpu, 5);
                 Tensor scattered = Tensor.zeros(DType.FLOAT32, gpu, 5)) {
                nccl.broadcast(x, 0);
                assertArrayEquals(Tensor.of(values, DType.FLOAT32, Device.CPU, 5).toFloatArray(), x.toFloatArray());
                nccl.allGather(gathered, x);
                assertArrayEquals(x.toFloatArray(), gathered.toFloatArray());
                nccl.reduceScatter(scattered, x, ReduceOp.SUM);
                assertArrayEquals(x.toFloatArray(), scattered.toFloatArray());
                nccl.barrier();
                var wrongDevice = assertThrows(IllegalArgumentException.class,
                        () -> nccl.allReduce(Tensor.of(values, DType.FLOAT32, Device.CPU, 5), ReduceOp.SUM));
                assertTrue(wrongDevice.getMessage().contains("this NCCL group runs on cuda:0"), wrongDevice.getMessage());
            }
        }
    }
}
