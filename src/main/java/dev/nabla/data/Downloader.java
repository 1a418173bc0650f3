package dev.nabla.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * Fetches a dataset file over HTTP(S) into a cache directory, resume-safe: the body goes to a temp file beside the
 * target and is renamed into place only after its SHA-256 matches, so an interrupted or corrupt download never
 * leaves a file under the real name.
 */
public final class Downloader {
    /**
     * An expected digest: {@code algorithm} ({@code SHA-256}, {@code MD5}) in hex, of the decompressed content of a
     * gzip file when {@code ofContent} (robust to recompression by mirrors and distributions) or of the raw bytes.
     */
    public record Checksum(String algorithm, String hex, boolean ofContent) {
        /** SHA-256 of the (decompressed) content. */
        public static Checksum sha256OfContent(String hex) {
            return new Checksum("SHA-256", hex, true);
        }

        /** True if {@code file} matches. */
        public boolean matches(Path file) throws IOException {
            return hex.equalsIgnoreCase(digest(file, algorithm, ofContent));
        }
    }

    private final HttpClient client;
    private final Duration timeout;

    /** A downloader with the given connect/read timeout. */
    public Downloader(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** A downloader with a 30-second timeout. */
    public Downloader() {
        this(Duration.ofSeconds(30));
    }

    /**
     * Ensures {@code target} exists with the expected checksum: if present and valid it is kept, else it is
     * downloaded from {@code url}.
     *
     * @throws IOException naming the URL and the cause (offline, HTTP status, checksum mismatch)
     */
    public Path fetch(URI url, Path target, Checksum checksum) throws IOException {
        if (Files.isRegularFile(target) && checksum.matches(target)) {
            return target;
        }
        Files.createDirectories(target.toAbsolutePath().getParent());
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), target.getFileName().toString(), ".part");
        try {
            HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("download of " + url + " was interrupted", e);
            } catch (IOException e) {
                throw new IOException("cannot download " + url + " (offline or unreachable?): " + e, e);
            }
            if (response.statusCode() != 200) {
                response.body().close();
                throw new IOException("cannot download " + url + ": HTTP " + response.statusCode());
            }
            try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(tmp)) {
                in.transferTo(out);
            }
            String actual = digest(tmp, checksum.algorithm(), checksum.ofContent());
            if (actual == null) {
                throw new IOException("download of " + url + " failed its checksum: the body is damaged or "
                        + "truncated gzip data");
            }
            if (!checksum.hex().equalsIgnoreCase(actual)) {
                throw new IOException("download of " + url + " failed its checksum: " + checksum.algorithm() + " "
                        + actual + ", expected " + checksum.hex());
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The hex digest of {@code file} (of its decompressed content when {@code ofContent} and it is gzip); null if
     * its gzip data is damaged.
     */
    public static String digest(Path file, String algorithm, boolean ofContent) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            boolean gzip = ofContent && raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            try (InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                }
            } catch (java.util.zip.ZipException | java.io.EOFException e) {
                return null;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
