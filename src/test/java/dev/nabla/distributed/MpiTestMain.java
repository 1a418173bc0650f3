package dev.nabla.distributed;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.PrintWriter;
import java.util.Arrays;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs the MPI test classes named on the command line with JUnit, in every rank of an {@code mpirun} job
 * ({@code make test-mpi}); exits with 1 if any test failed or none ran, after finalising MPI. Under plain surefire
 * those classes skip themselves (they need {@code OMPI_COMM_WORLD_SIZE} of 2 or more).
 */
public final class MpiTestMain {
    private MpiTestMain() {
    }

    /**
     * Runs the tests.
     *
     * @param args fully qualified test class names
     * @throws ClassNotFoundException if a name is not a class
     */
    public static void main(String[] args) throws ClassNotFoundException {
        LauncherDiscoveryRequestBuilder request = LauncherDiscoveryRequestBuilder.request();
        for (String name : args) {
            request.selectors(selectClass(Class.forName(name)));
        }
        LauncherDiscoveryRequest discovery = request.build();
        Launcher launcher = LauncherFactory.create();
        var listener = new SummaryGeneratingListener();
        launcher.execute(discovery, listener);
        TestExecutionSummary summary = listener.getSummary();
        ProcessGroup group = MpiTests.group();
        String rank = "rank " + group.rank() + " of " + group.size();
        PrintWriter out = new PrintWriter(System.out, true);
        summary.printFailuresTo(out, 20);
        out.println(rank + ": " + Arrays.toString(args) + " " + summary.getTestsSucceededCount() + " passed, "
                + summary.getTestsFailedCount() + " failed, " + summary.getTestsSkippedCount() + " skipped, "
                + summary.getTestsAbortedCount() + " aborted in " + (summary.getTimeFinished()
                - summary.getTimeStarted()) + " ms");
        boolean ok = summary.getTotalFailureCount() == 0 && summary.getTestsSucceededCount() > 0
                && summary.getTestsAbortedCount() == 0;
        group.close();
        System.exit(ok ? 0 : 1);
    }
}
