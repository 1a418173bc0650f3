package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.backend.cuda.CudaBackend;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed PTX resource against its sources (no GPU needed): the header's SHA-256 must match
 * {@code native/cuda}, every kernel the backend launches must be an entry of the PTX, and where nvcc is installed
 * (same release as the one that wrote the file) a fresh compile must give the same PTX.
 */
class CudaPtxTest {
    private static final Path SOURCES = Path.of("native/cuda");

    private static String ptx() throws IOException {
        try (InputStream in = CudaBackend.class.getResourceAsStream(CudaBackend.PTX_RESOURCE)) {
            assertNotNull(in, "resource " + CudaBackend.PTX_RESOURCE + " is missing: run make ptx");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String header(String ptx, String key) {
        for (String line : ptx.lines().limit(5).toList()) {
            if (line.startsWith("// " + key + ": ")) {
                return line.substring(key.length() + 5).strip();
            }
        }
        throw new AssertionError("the PTX has no '" + key + "' header line: regenerate it with make ptx");
    }

    private static List<Path> sourceFiles() throws IOException {
        try (Stream<Path> s = Files.list(SOURCES)) {
            return s.filter(p -> p.toString().endsWith(".cu") || p.toString().endsWith(".cuh")
                            || p.toString().endsWith(".h"))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
    }

    @Test
    void headerHashMatchesTheSources() throws IOException, NoSuchAlgorithmException {
        assumeTrue(Files.isDirectory(SOURCES), "not run from the repository root (no native/cuda)");
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Path p : sourceFiles()) {
            md.update(Files.readAllBytes(p));
        }
        assertEquals(HexFormat.of().formatHex(md.digest()), header(ptx(), "sources-sha256"),
                "native/cuda changed since the PTX was generated: run make ptx and commit "
                        + "src/main/resources/dev/nabla/cuda/nabla_kernels.ptx");
    }

    /** Every kernel name CudaBackend builds, as {@code .entry} in the PTX. */
    @Test
    void everyLaunchedKernelIsInThePtx() throws IOException {
        String ptx = ptx();
        List<String> names = new ArrayList<>();
        for (String t : List.of("f32", "f64")) {
            for (String k : List.of("fill", "unary", "binary", "reduce_thread", "reduce_block", "argreduce", "im2col",
                    "col2im", "sgd", "adam", "rmsprop", "adagrad", "softmax", "softmax_backward", "batch_norm",
                    "batch_norm_backward", "max_pool2d", "max_pool2d_backward")) {
                names.add(k + "_" + t);
            }
            for (String u : List.of("f32", "f64")) {
                names.add("copy_" + t + "_" + u);
                names.add("gather_" + t + "_" + u);
                names.add("scatter_add_" + t + "_" + u);
            }
        }
        for (String n : names) {
            assertTrue(ptx.contains(".entry " + n + "("), "kernel " + n + " is not in the PTX");
        }
    }

    @Test
    void nvccStillProducesTheCommittedPtx() throws Exception {
        assumeTrue(Files.isDirectory(SOURCES), "not run from the repository root (no native/cuda)");
        String nvcc = null;
        for (String c : List.of(System.getenv().getOrDefault("NVCC", ""), "/usr/local/bin/nvcc",
                "/usr/local/cuda/bin/nvcc")) {
            if (!c.isEmpty() && Files.isExecutable(Path.of(c))) {
                nvcc = c;
                break;
            }
        }
        assumeTrue(nvcc != null, "nvcc not installed");
        String committed = ptx();
        Path tmp = Files.createTempFile("nabla", ".ptx");
        try {
            List<String> cmd = new ArrayList<>(List.of(nvcc));
            cmd.addAll(List.of(header(committed, "nvcc-flags").split(" ")));
            cmd.addAll(List.of("-o", tmp.toString(), SOURCES.resolve("nabla_kernels.cu").toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "nvcc timed out");
            assertEquals(0, p.exitValue(), "nvcc failed: " + out);
            String fresh = Files.readString(tmp);
            String release = fresh.lines().filter(l -> l.startsWith("// Cuda compilation tools")).findFirst().orElse("");
            assumeTrue(committed.contains(release), "nvcc is another release than the one that wrote the PTX: "
                    + release);
            String body = committed.substring(committed.indexOf("//\n// Generated by NVIDIA"));
            assertEquals(fresh, body, "nvcc now produces different PTX: run make ptx");
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
