package dev.nabla.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Outside mpirun: {@link ProcessGroup#init()} is a single-process group whose collectives are the one-rank results
 * and whose argument checks are the MPI group's; {@link ProcessGroup#initMpi} and the launcher variables say what is
 * missing.
 */
class SingleProcessGroupTest {

    @Test
    void initOutsideMpirunIsOneRankAndCollectivesAreLocal() {
        Assumptions.assumeTrue(System.getenv("OMPI_COMM_WORLD_SIZE") == null, "under mpirun");
        ProcessGroup group = ProcessGroup.init();
        assertEquals(0, group.rank());
        assertEquals(1, group.size());
        Tensor t = Tensor.of(new double[] {1.5, -2}, 2);
        group.allReduce(t, ReduceOp.AVG);
        group.broadcast(t, 0);
        assertTrue(group.allReduceAsync(t, ReduceOp.MAX).isCompleted());
        assertArrayEquals(new double[] {1.5, -2}, t.toDoubleArray());
        Tensor out = Tensor.zeros(DType.FLOAT64, Device.CPU, 1, 2);
        group.allGather(out, t);
        assertArrayEquals(new double[] {1.5, -2}, out.toDoubleArray());
        Tensor scattered = Tensor.zeros(DType.FLOAT64, Device.CPU, 2);
        group.reduceScatter(scattered, out, ReduceOp.SUM);
        assertArrayEquals(new double[] {1.5, -2}, scattered.toDoubleArray());
        group.barrier();

        var e = assertThrows(IllegalArgumentException.class,
                () -> group.allReduce(Tensor.zeros(DType.FLOAT32, Device.CPU, 2, 3).t(), ReduceOp.SUM));
        assertTrue(e.getMessage().contains("is not contiguous; pass x.contiguous()"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> group.allReduce(Tensor.zeros(DType.INT64, Device.CPU, 2), ReduceOp.AVG));
        assertTrue(e.getMessage().contains("AVG needs a floating-point tensor"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> group.broadcast(t, 1));
        assertEquals("broadcast: root 1 is not a rank of this group of 1", e.getMessage());
        group.close();
    }

    @Test
    void initMpiOutsideMpirunSaysWhatIsMissing() {
        Assumptions.assumeTrue(System.getenv("OMPI_COMM_WORLD_SIZE") == null, "under mpirun");
        var e = assertThrows(DistributedException.class, () -> ProcessGroup.initMpi(ProcessGroup.DEFAULT_TIMEOUT));
        assertTrue(e.getMessage().startsWith("not launched by mpirun: OMPI_COMM_WORLD_RANK and OMPI_COMM_WORLD_SIZE"
                + " are not set"), e.getMessage());
    }

    @Test
    void launcherVariablesAreParsedAndChecked() {
        assertEquals(Optional.of(new MpiLaunch(2, 3)),
                MpiLaunch.from(Map.of("OMPI_COMM_WORLD_RANK", "2", "OMPI_COMM_WORLD_SIZE", "3")));
        assertEquals(Optional.empty(), MpiLaunch.from(Map.of()));
        var e = assertThrows(DistributedException.class, () -> MpiLaunch.from(Map.of("OMPI_COMM_WORLD_SIZE", "3")));
        assertTrue(e.getMessage().startsWith("OMPI_COMM_WORLD_RANK is not set but OMPI_COMM_WORLD_SIZE is"),
                e.getMessage());
        e = assertThrows(DistributedException.class,
                () -> MpiLaunch.from(Map.of("OMPI_COMM_WORLD_RANK", "3", "OMPI_COMM_WORLD_SIZE", "3")));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }
}
