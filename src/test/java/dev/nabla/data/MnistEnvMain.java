package dev.nabla.data;

import java.net.URI;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link DownloaderTest} (a test cannot set its own environment): loads a test source whose
 * environment variable is {@code NABLA_TEST_IDX_DIR}, with the system directory {@code args[0]}, the cache
 * {@code args[1]} and the base URL {@code args[2]}, and prints {@code train=<n> test=<m>}, or the error.
 */
public final class MnistEnvMain {
    private MnistEnvMain() {
    }

    public static void main(String[] args) throws Exception {
        var source = new MnistDatasets.Source("test-idx", "NABLA_TEST_IDX_DIR", Path.of(args[0]),
                URI.create(args[2]), DownloaderTest.NO_CHECKSUMS);
        try (var splits = MnistDatasets.load(source, null, Path.of(args[1]), new Downloader())) {
            System.out.println("train=" + splits.train().size() + " test=" + splits.test().size());
        } catch (java.io.IOException e) {
            System.out.println("error=" + e.getMessage().replace('\n', '|'));
        }
    }
}
