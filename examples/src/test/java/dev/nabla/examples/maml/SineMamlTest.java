package dev.nabla.examples.maml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.Device;
import org.junit.jupiter.api.Test;

class SineMamlTest {
    /** 150 meta-steps of 5 tasks, 5 inner steps, evaluated on 20 held-out tasks: a few seconds. */
    private static final SineMaml.Options TINY = new SineMaml.Options(150, 5, 10, 5, 0.01, 1e-3, 20, 50, 0,
            Device.CPU);

    /**
     * Adaptation on K support points lowers the query MSE of the meta-learned weights. The full run (make run-maml,
     * 2000 meta-steps) takes it from 3.2 to about 0.6; this short one only needs it to fall.
     */
    @Test
    void adaptationLowersTheQueryError() {
        SineMaml.Result r = SineMaml.run(TINY, null);
        assertTrue(r.mamlPost() < r.mamlPre(), r.toString());
        assertTrue(Double.isFinite(r.baselinePost()), r.toString());
    }

    /** Control: with an inner step size of 0 the adapted weights are the initial ones, so nothing changes. */
    @Test
    void withoutInnerStepsNothingIsAdapted() {
        SineMaml.Result r = SineMaml.run(new SineMaml.Options(5, 2, 10, 2, 0.0, 1e-3, 5, 5, 0, Device.CPU), null);
        assertEquals(r.mamlPre(), r.mamlPost(), 0.0, r.toString());
    }
}
