package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Fashion-MNIST from the Debian package location, when it is installed (skipped otherwise). */
class FashionMnistTest {
    private static final Path SYSTEM = MnistDatasets.FASHION_MNIST.systemDir();

    @TempDir
    Path cache;

    @BeforeAll
    static void present() {
        for (String n : IdxFiles.NAMES) {
            assumeTrue(Files.isRegularFile(SYSTEM.resolve(n + ".gz")) || Files.isRegularFile(SYSTEM.resolve(n)),
                    "Fashion-MNIST not installed at " + SYSTEM + " (package dataset-fashion-mnist)");
        }
    }

    @Test
    void installedFilesMatchThePublishedChecksums() throws IOException {
        for (int i = 0; i < 4; i++) {
            Path f = Files.isRegularFile(SYSTEM.resolve(IdxFiles.NAMES[i] + ".gz"))
                    ? SYSTEM.resolve(IdxFiles.NAMES[i] + ".gz") : SYSTEM.resolve(IdxFiles.NAMES[i]);
            assertTrue(MnistDatasets.FASHION_MNIST.checksums()[i].matches(f), f.toString());
        }
    }

    @Test
    void loadsSixtyThousandAndTenThousandImages() throws IOException {
        // a source whose download URL is unusable: the files must come from the system location
        var source = new MnistDatasets.Source("fashion-mnist", "NABLA_TEST_IDX_DIR_THAT_IS_NOT_SET", SYSTEM,
                URI.create("http://127.0.0.1:9/"), MnistDatasets.FASHION_MNIST.checksums());
        try (MnistDatasets.Splits s = MnistDatasets.load(source, null, cache, new Downloader(Duration.ofSeconds(1)));
             Scope scope = Scope.open()) {
            check(s.train(), 60000);
            check(s.test(), 10000);
        }
        try (var listing = Files.list(cache)) {
            assertEquals(0, listing.count(), "nothing downloaded");
        }
    }

    private static void check(TensorDataset d, int n) {
        assertEquals(n, d.size());
        assertArrayEquals(new long[] {n, 1, 28, 28}, d.features().shape());
        assertArrayEquals(new long[] {n}, d.targets().shape());
        Tensor x = d.features();
        assertEquals(0.0, x.min().item());
        assertEquals(1.0, x.max().item());
        double mean = x.mean().item();
        assertTrue(mean > 0.27 && mean < 0.30, "mean pixel " + mean); // published: 0.2860 (train)
        int[] counts = new int[10];
        for (float y : d.targets().toFloatArray()) {
            assertEquals(Math.rint(y), y);
            assertTrue(y >= 0 && y <= 9, "label " + y);
            counts[(int) y]++;
        }
        int[] want = new int[10];
        Arrays.fill(want, n / 10);
        assertArrayEquals(want, counts);
    }
}
