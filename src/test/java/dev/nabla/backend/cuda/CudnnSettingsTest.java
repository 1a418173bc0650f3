package dev.nabla.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.Device;
import dev.nabla.base.ConvGeometry;
import dev.nabla.base.ScalarType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The deterministic and benchmark switches reach the algorithm cache's keys, so no choice leaks across settings. */
class CudnnSettingsTest {
    private final boolean deterministic = CudnnSettings.deterministic();
    private final boolean benchmark = CudnnSettings.benchmark();
    private final boolean enabled = CudnnSettings.enabled();

    @AfterEach
    void restore() {
        CudnnSettings.setDeterministic(deterministic);
        CudnnSettings.setBenchmark(benchmark);
        CudnnSettings.setEnabled(enabled);
    }

    private static ConvProblem problem() {
        return ConvProblem.of(ScalarType.FLOAT32, new long[] {1, 2, 5, 5}, new long[] {3, 2, 3, 3},
                new ConvGeometry(3, 3, 1, 1, 1, 1, 1, 1), 1, new long[] {1, 3, 5, 5}, false);
    }

    @Test
    void withoutPropertiesTheDefaultsFollowPyTorch() {
        assumeTrue(System.getProperty(CudnnSettings.DETERMINISTIC_PROPERTY) == null
                && System.getProperty(CudnnSettings.BENCHMARK_PROPERTY) == null
                && System.getProperty(CudnnSettings.ENABLED_PROPERTY) == null, "a nabla.cudnn property is set");
        assertFalse(deterministic);
        assertFalse(benchmark);
        assertTrue(enabled);
    }

    @Test
    void deviceSwitchesSetTheSettingsAndTheAlgorithmKey() {
        Device.setCudnnDeterministic(false);
        Device.setCudnnBenchmark(false);
        var heuristic = ConvAlgorithms.Key.current(problem(), ConvDirection.BACKWARD_FILTER);
        assertFalse(heuristic.deterministic());
        assertFalse(heuristic.timed());

        Device.setCudnnDeterministic(true);
        assertTrue(Device.cudnnDeterministic());
        var deterministicKey = ConvAlgorithms.Key.current(problem(), ConvDirection.BACKWARD_FILTER);
        assertTrue(deterministicKey.deterministic());
        assertNotEquals(heuristic, deterministicKey);

        Device.setCudnnBenchmark(true);
        assertTrue(ConvAlgorithms.Key.current(problem(), ConvDirection.BACKWARD_FILTER).timed());

        Device.setCudnnEnabled(false);
        assertFalse(CudnnSettings.enabled());
    }
}
