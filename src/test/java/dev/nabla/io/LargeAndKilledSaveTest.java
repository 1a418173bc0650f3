package dev.nabla.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A save killed with {@code kill -9} (a child JVM, stopped by {@link Process#destroyForcibly()} in the middle of
 * writing) leaves its temporary file, which the next save to the same path removes; and, in a soak run
 * ({@code -Dnabla.soak=true}), a float32 tensor of just over 2 GiB saves and loads.
 */
class LargeAndKilledSaveTest {
    @TempDir
    Path dir;

    /** The child: starts saving {@code args[0]}, says so after the first chunk, then waits to be killed. */
    public static void main(String[] args) throws Exception {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.arange(0, 1 << 16, 1, DType.FLOAT32, Device.CPU);
            SafeTensors.save(Path.of(args[0]), Map.of("t", t), Map.of(), 4096, written -> {
                System.out.println("WRITING " + written);
                System.out.flush();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        System.exit(3); // not reached when killed
    }

    private List<String> temps() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".nabla-tmp")).toList();
        }
    }

    @Test
    void theNextSaveRemovesTheTempFileOfAKilledProcess() throws Exception {
        Path f = dir.resolve("ckpt.safetensors");
        try (Scope s = Scope.open()) {
            SafeTensors.save(f, Map.of("old", Tensor.of(new float[] {1, 2, 3})), Map.of());
        }
        byte[] before = Files.readAllBytes(f);
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", cp,
                LargeAndKilledSaveTest.class.getName(), f.toString()));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8));
            CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
                StringBuilder seen = new StringBuilder();
                try {
                    for (String l; (l = out.readLine()) != null; ) {
                        if (l.startsWith("WRITING")) {
                            return l;
                        }
                        seen.append(l).append('\n');
                    }
                } catch (IOException e) {
                    seen.append(e);
                }
                return "child ended without writing:\n" + seen;
            });
            String got = line.get(60, TimeUnit.SECONDS);
            assertTrue(got.startsWith("WRITING"), got);
            assertEquals(1, temps().size(), "the child's temp file while it writes");
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        } finally {
            child.destroyForcibly();
        }
        List<String> left = temps();
        assertEquals(1, left.size(), "a killed save leaves its temp file: " + left);
        assertTrue(TempFiles.isTempFor(left.get(0), "ckpt.safetensors"), left.get(0));
        assertArrayEquals(before, Files.readAllBytes(f), "the previous checkpoint is intact");

        try (Scope s = Scope.open()) {
            SafeTensors.save(f, Map.of("new", Tensor.of(new float[] {4, 5})), Map.of("k", "v"));
            assertEquals(List.of(), temps(), "swept by the next save");
            SafeTensors.Contents c = SafeTensors.load(f);
            assertArrayEquals(new float[] {4, 5}, c.tensors().get("new").toFloatArray());
            assertEquals(Map.of("k", "v"), c.metadata());
        }
    }

    /** {@code i % 1000} for {@code i} in {@code [start, start + n)}. */
    private static float[] pattern(long start, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) ((start + i) % 1000);
        }
        return f;
    }

    /**
     * A float32 tensor of 2^29 + 16 elements (2 GiB + 64 bytes: past every int byte count) saves and loads, its
     * values checked at sampled positions and by their exact sum. Needs about 4.5 GiB of native memory and 2 GiB of
     * disk, so it runs only in a soak run.
     */
    @Test
    @EnabledIfSystemProperty(named = "nabla.soak", matches = "true")
    void aTensorOverTwoGiBSavesAndLoads() throws IOException {
        long n = (1L << 29) + 16;
        int chunk = 1 << 22;
        Path f = dir.resolve("big.safetensors");
        long t0 = System.nanoTime();
        try (Scope s = Scope.open(); Grad off = Grad.disabled()) {
            Tensor big = Tensor.empty(DType.FLOAT32, Device.CPU, 2, n / 2);
            Tensor flat = big.view(n);
            for (long at = 0; at < n; at += chunk) {
                int len = (int) Math.min(chunk, n - at);
                flat.narrow(0, at, len).copy_(Tensor.of(pattern(at, len)));
            }
            long t1 = System.nanoTime();
            SafeTensors.save(f, Map.of("big", big, "small", Tensor.of(new float[] {7})), Map.of("k", "v"));
            long t2 = System.nanoTime();
            assertEquals(8 + n * 4 + 4, Files.size(f) - headerLength(f));
            big.close();
            SafeTensors.Contents c = SafeTensors.load(f);
            long t3 = System.nanoTime();
            Tensor got = c.tensors().get("big");
            assertNotNull(got);
            assertArrayEquals(new long[] {2, n / 2}, got.shape());
            assertArrayEquals(new float[] {7}, c.tensors().get("small").toFloatArray());
            Tensor g = got.view(n);
            long[] samples = {0, 1, 999, 1000, (1L << 29) - 1, 1L << 29, (1L << 29) + 15, n / 2, 536_870_000L,
                    (1L << 31) / 4 + 3};
            for (long i : samples) {
                assertEquals((float) (i % 1000), g.narrow(0, i, 1).item(), "element " + i);
            }
            double sum = 0;
            long want = 0;
            for (long at = 0; at < n; at += chunk) {
                int len = (int) Math.min(chunk, n - at);
                float[] part = g.narrow(0, at, len).toFloatArray();
                for (float v : part) {
                    sum += v;
                }
            }
            for (long i = 0; i < n; i++) {
                want += i % 1000;
            }
            assertEquals((double) want, sum);
            assertFalse(Files.list(dir).anyMatch(p -> p.toString().endsWith(".nabla-tmp")));
            System.out.printf("2 GiB tensor: fill %.1f s, save %.1f s, load %.1f s, check %.1f s%n",
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9, (System.nanoTime() - t3) / 1e9);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    private static long headerLength(Path f) throws IOException {
        try (var ch = java.nio.channels.FileChannel.open(f)) {
            var b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(b, 0);
            return b.flip().getLong();
        }
    }
}
