package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Downloader} and {@link MnistDatasets#load} against a loopback HTTP server serving small generated IDX
 * files (and corrupt ones), plus the order of the places {@code load} looks in.
 */
class DownloaderTest {
    /** Placeholder checksums for sources that must never download. */
    static final Downloader.Checksum[] NO_CHECKSUMS = {Downloader.Checksum.sha256OfContent("00"),
            Downloader.Checksum.sha256OfContent("00"), Downloader.Checksum.sha256OfContent("00"),
            Downloader.Checksum.sha256OfContent("00")};
    /** An environment variable name no machine sets, so {@code load} skips the environment step. */
    private static final String UNSET_ENV = "NABLA_TEST_IDX_DIR_THAT_IS_NOT_SET";

    @TempDir
    Path tmp;
    private LocalServer server;
    private final Downloader downloader = new Downloader(Duration.ofSeconds(5));

    @BeforeEach
    void start() throws IOException {
        server = new LocalServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static List<String> listing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void downloadsVerifiesAndCaches() throws IOException {
        byte[] raw = IdxFiles.images(6, 4, 3, 11);
        byte[] gz = IdxFiles.gzip(raw);
        server.put("/d/img.gz", gz);
        Path target = tmp.resolve("cache/sub/img.gz");
        Path got = downloader.fetch(server.url("/d/img.gz"), target,
                Downloader.Checksum.sha256OfContent(IdxFiles.sha256(raw)));
        assertEquals(target, got);
        assertArrayEquals(gz, Files.readAllBytes(target));
        assertEquals(List.of("img.gz"), listing(target.getParent()), "no temp file left beside the target");
        assertEquals(List.of("/d/img.gz"), server.requests());
        assertArrayEquals(new int[] {6, 4, 3}, Idx.read(target).shape());
    }

    @Test
    void rawChecksumsOfTheServedBytesWorkToo() throws IOException {
        byte[] gz = IdxFiles.gzip(IdxFiles.labels(10));
        server.put("/labels.gz", gz);
        Path target = tmp.resolve("labels.gz");
        String md5 = Downloader.digest(Files.write(tmp.resolve("ref"), gz), "MD5", false);
        downloader.fetch(server.url("/labels.gz"), target, new Downloader.Checksum("MD5", md5, false));
        assertArrayEquals(gz, Files.readAllBytes(target));
    }

    @Test
    void corruptBodyIsRejectedAndLeavesNoFile() throws IOException {
        byte[] raw = IdxFiles.images(6, 4, 3, 11);
        byte[] corrupt = raw.clone();
        corrupt[40] ^= 1;
        server.put("/img.gz", IdxFiles.gzip(corrupt));
        Path target = tmp.resolve("cache/img.gz");
        var checksum = Downloader.Checksum.sha256OfContent(IdxFiles.sha256(raw));
        IOException e = assertThrows(IOException.class, () -> downloader.fetch(server.url("/img.gz"), target,
                checksum));
        assertTrue(e.getMessage().contains(server.url("/img.gz").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("checksum") && e.getMessage().contains(IdxFiles.sha256(raw))
                && e.getMessage().contains(IdxFiles.sha256(corrupt)), e.getMessage());
        assertFalse(Files.exists(target));
        assertEquals(List.of(), listing(target.getParent()), "no temp file left");
    }

    @Test
    void damagedGzipBodyIsRejectedAndLeavesNoFile() throws IOException {
        byte[] raw = IdxFiles.images(20, 4, 3, 12);
        byte[] gz = IdxFiles.gzip(raw);
        server.put("/img.gz", java.util.Arrays.copyOf(gz, gz.length / 2));
        Path target = tmp.resolve("img.gz");
        IOException e = assertThrows(IOException.class, () -> downloader.fetch(server.url("/img.gz"), target,
                Downloader.Checksum.sha256OfContent(IdxFiles.sha256(raw))));
        assertTrue(e.getMessage().contains(server.url("/img.gz").toString()) && e.getMessage().contains("damaged"),
                e.getMessage());
        assertEquals(List.of(), listing(tmp));
    }

    @Test
    void corruptCachedFileIsReplacedByADownload() throws IOException {
        byte[] raw = IdxFiles.labels(10);
        server.put("/l.gz", IdxFiles.gzip(raw));
        Path target = tmp.resolve("l.gz");
        Files.write(target, IdxFiles.gzip(IdxFiles.labels(9)));
        downloader.fetch(server.url("/l.gz"), target, Downloader.Checksum.sha256OfContent(IdxFiles.sha256(raw)));
        assertEquals(1, server.requests().size());
        assertArrayEquals(new int[] {10}, Idx.read(target).shape());
    }

    @Test
    void httpErrorNamesTheUrlAndStatus() {
        Path target = tmp.resolve("missing.gz");
        URI url = server.url("/no/such/file.gz");
        IOException e = assertThrows(IOException.class, () -> downloader.fetch(url, target,
                Downloader.Checksum.sha256OfContent("00")));
        assertTrue(e.getMessage().contains(url.toString()) && e.getMessage().contains("HTTP 404"), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void validCachedFileIsReusedWithoutARequest() throws IOException {
        byte[] raw = IdxFiles.labels(10);
        Path target = tmp.resolve("l.gz");
        Files.write(target, IdxFiles.gzip(raw));
        server.put("/l.gz", IdxFiles.gzip(IdxFiles.labels(3)));
        Path got = downloader.fetch(server.url("/l.gz"), target,
                Downloader.Checksum.sha256OfContent(IdxFiles.sha256(raw)));
        assertSame(target, got);
        assertEquals(List.of(), server.requests());
        assertArrayEquals(new int[] {10}, Idx.read(target).shape());
    }

    @Test
    void offlineGivesAClearError() {
        URI url = server.url("/img.gz");
        server.close(); // nothing listens on the port any more
        Path target = tmp.resolve("img.gz");
        IOException e = assertThrows(IOException.class, () -> downloader.fetch(url, target,
                Downloader.Checksum.sha256OfContent("00")));
        assertTrue(e.getMessage().contains(url.toString()) && e.getMessage().contains("offline or unreachable"),
                e.getMessage());
        assertFalse(Files.exists(target));
        assertTrue(listingQuietly(tmp).isEmpty(), "no temp file left: " + listingQuietly(tmp));
    }

    private static List<String> listingQuietly(Path dir) {
        try {
            return listing(dir);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    // ------------------------------------------------------------------ MnistDatasets.load

    /** Serves the four gzip files of {@code raw} under /mnist/ and returns a source with their checksums. */
    private MnistDatasets.Source serve(byte[][] raw, Path systemDir) {
        Downloader.Checksum[] sums = new Downloader.Checksum[4];
        for (int i = 0; i < 4; i++) {
            server.put("/mnist/" + IdxFiles.NAMES[i] + ".gz", IdxFiles.gzip(raw[i]));
            sums[i] = Downloader.Checksum.sha256OfContent(IdxFiles.sha256(raw[i]));
        }
        assumeTrue(System.getenv(UNSET_ENV) == null);
        return new MnistDatasets.Source("test-idx", UNSET_ENV, systemDir, server.url("/mnist/"), sums);
    }

    /** Writes the four files of {@code raw} into {@code dir}, gzip or plain, skipping index {@code skip}. */
    private static Path folder(Path dir, byte[][] raw, boolean gzip, int skip) throws IOException {
        Files.createDirectories(dir);
        for (int i = 0; i < 4; i++) {
            if (i != skip) {
                Files.write(dir.resolve(IdxFiles.NAMES[i] + (gzip ? ".gz" : "")), gzip ? IdxFiles.gzip(raw[i])
                        : raw[i]);
            }
        }
        return dir;
    }

    @Test
    void loadDownloadsIntoTheCacheThenReusesIt() throws IOException {
        byte[][] raw = IdxFiles.splitPair(12, 5, 21);
        MnistDatasets.Source source = serve(raw, null);
        Path cache = tmp.resolve("cache");
        try (MnistDatasets.Splits s = MnistDatasets.load(source, null, cache, downloader)) {
            assertEquals(12, s.train().size());
            assertEquals(5, s.test().size());
            assertArrayEquals(new long[] {12, 1, 4, 3}, s.train().features().shape());
            float[] x = s.train().features().toFloatArray();
            assertEquals((raw[0][16 + 7] & 0xff) / 255f, x[7], 1e-7f);
            assertEquals(9f, s.train().targets().toFloatArray()[9]);
        }
        assertEquals(4, server.requests().size());
        List<String> cached = new ArrayList<>();
        for (String n : IdxFiles.NAMES) {
            cached.add(n + ".gz");
        }
        assertEquals(cached.stream().sorted().toList(), listing(cache));

        server.close(); // offline now: the cache must do
        try (MnistDatasets.Splits s = MnistDatasets.load(source, null, cache, downloader)) {
            assertEquals(12, s.train().size());
        }
        assertEquals(4, server.requests().size());
    }

    @Test
    void loadRejectsACorruptServedFileAndNamesIt() throws IOException {
        byte[][] raw = IdxFiles.splitPair(12, 5, 22);
        MnistDatasets.Source source = serve(raw, null);
        byte[] bad = raw[3].clone();
        bad[bad.length - 1] = 7;
        String path = "/mnist/" + IdxFiles.NAMES[3] + ".gz";
        server.put(path, IdxFiles.gzip(bad));
        Path cache = tmp.resolve("cache");
        IOException e = assertThrows(IOException.class, () -> MnistDatasets.load(source, null, cache, downloader));
        assertTrue(e.getMessage().contains(server.url(path).toString()) && e.getMessage().contains("checksum"),
                e.getMessage());
        assertFalse(Files.exists(cache.resolve(IdxFiles.NAMES[3] + ".gz")));
        assertEquals(3, listing(cache).size(), "only the three good files: " + listing(cache));
    }

    @Test
    void loadOfflineWithNothingLocalSaysWhatItTried() throws IOException {
        byte[][] raw = IdxFiles.splitPair(4, 2, 23);
        Path system = folder(tmp.resolve("system"), raw, true, 2);
        Path dir = folder(tmp.resolve("dir"), raw, false, 0);
        MnistDatasets.Source source = serve(raw, system);
        server.close();
        Path cache = tmp.resolve("cache");
        IOException e = assertThrows(IOException.class, () -> MnistDatasets.load(source, dir, cache, downloader));
        String m = e.getMessage();
        int iDir = m.indexOf(dir.toString());
        int iSystem = m.indexOf(system.toString());
        int iCache = m.indexOf(cache.toString());
        assertTrue(iDir >= 0 && iSystem > iDir && iCache > iSystem, "tried dir, system dir, cache in order: " + m);
        assertTrue(m.contains("offline or unreachable") && m.contains(UNSET_ENV), m);
        assertEquals(List.of(), listing(cache));
    }

    @Test
    void aDirectoryWithTheFourFilesWins() throws IOException {
        Path dir = folder(tmp.resolve("dir"), IdxFiles.splitPair(3, 2, 31), false, -1);
        Path system = folder(tmp.resolve("system"), IdxFiles.splitPair(5, 2, 32), true, -1);
        MnistDatasets.Source source = serve(IdxFiles.splitPair(7, 2, 33), system);
        try (var s = MnistDatasets.load(source, dir, tmp.resolve("cache"), downloader)) {
            assertEquals(3, s.train().size());
        }
        try (var s = MnistDatasets.load(source, null, tmp.resolve("cache"), downloader)) {
            assertEquals(5, s.train().size(), "without a directory, the system location");
        }
        assertEquals(List.of(), server.requests());
    }

    @Test
    void aDirectoryMissingAFileFallsThrough() throws IOException {
        Path dir = folder(tmp.resolve("dir"), IdxFiles.splitPair(3, 2, 31), false, 1);
        Path system = folder(tmp.resolve("system"), IdxFiles.splitPair(5, 2, 32), true, -1);
        MnistDatasets.Source source = serve(IdxFiles.splitPair(7, 2, 33), system);
        try (var s = MnistDatasets.load(source, dir, tmp.resolve("cache"), downloader)) {
            assertEquals(5, s.train().size());
        }
        // system location incomplete as well: download
        Files.delete(system.resolve(IdxFiles.NAMES[3] + ".gz"));
        try (var s = MnistDatasets.load(source, dir, tmp.resolve("cache"), downloader)) {
            assertEquals(7, s.train().size());
        }
        assertEquals(4, server.requests().size());
    }

    /** The environment variable comes after the named directory and before the system location (child JVM). */
    @Test
    void environmentVariableComesBetweenDirectoryAndSystemLocation() throws Exception {
        Path env = folder(tmp.resolve("env"), IdxFiles.splitPair(4, 2, 41), true, -1);
        Path system = folder(tmp.resolve("system"), IdxFiles.splitPair(6, 2, 42), false, -1);
        Path partialEnv = folder(tmp.resolve("partial"), IdxFiles.splitPair(4, 2, 41), true, 0);
        String base = server.url("/none/").toString();
        assertEquals("train=4 test=2", child(env, system, base));
        assertEquals("train=6 test=2", child(partialEnv, system, base));
    }

    private String child(Path envDir, Path system, String base) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "--add-modules",
                "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), MnistEnvMain.class.getName(),
                system.toString(), tmp.resolve("cache").toString(), base);
        Path log = Files.createTempFile(tmp, "child", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("NABLA_TEST_IDX_DIR", envDir.toString());
        Process p = pb.start();
        boolean done = p.waitFor(60, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String out = Files.readString(log);
        Files.delete(log);
        assertTrue(done, "child JVM did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> l.startsWith("train=") || l.startsWith("error=")).findFirst()
                .orElse("no result line in: " + out);
    }
}
