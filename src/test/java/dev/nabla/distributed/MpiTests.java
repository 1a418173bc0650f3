package dev.nabla.distributed;

import java.time.Duration;

/** The one world group the MPI tests of a process share (MPI is initialised once per process). */
final class MpiTests {
    /** Long enough for the largest collective on a loaded 2-core machine; short enough to fail a hung test run. */
    static final Duration TIMEOUT = Duration.ofSeconds(60);

    private MpiTests() {
    }

    static ProcessGroup group() {
        return ProcessGroup.init(TIMEOUT);
    }
}
