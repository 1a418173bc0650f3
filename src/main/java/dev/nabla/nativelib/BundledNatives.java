package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Extracts the OpenBLAS natives shipped in the Maven artifact {@code org.bytedeco:openblas:<version>:linux-x86_64}
 * into a per-user cache directory, so that they can be loaded by absolute path.
 *
 * <p>The artifact holds {@code libopenblas.so.0} (RUNPATH {@code $ORIGIN/}) and the GCC runtime it needs:
 * {@code libgfortran.so.5}, which in turn needs {@code libquadmath.so.0} and {@code libgcc_s.so.1} and has no
 * RUNPATH. Loading the runtime first, by absolute path, makes those sonames available to the dynamic linker,
 * so the artifact works on a machine with no Fortran runtime installed. The JavaCPP glue in the same jar
 * ({@code libjniopenblas*.so}) is not needed and not extracted.
 */
final class BundledNatives {
    /** The only platform whose natives are on the class path (see pom.xml). */
    static final String PLATFORM = "linux-x86_64";
    /** Where the class loader finds the natives. */
    static final String RESOURCE_DIR = "org/bytedeco/openblas/" + PLATFORM + "/";
    /** The library itself. */
    static final String MAIN_LIBRARY = "libopenblas.so.0";
    /** Files to extract, in load order: dependencies first; the ones absent from the jar are skipped. */
    static final List<String> LOAD_ORDER =
            List.of("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5", MAIN_LIBRARY);

    private static final String POM_PROPERTIES = "META-INF/maven/org.bytedeco/openblas/pom.properties";
    private static final System.Logger LOG = LazyLogger.of(BundledNatives.class);

    private BundledNatives() {
    }

    /** Returns whether {@code loader} sees the artifact's natives. */
    static boolean present(ClassLoader loader) {
        return loader.getResource(RESOURCE_DIR + MAIN_LIBRARY) != null;
    }

    /**
     * Extracts the natives into {@code <cacheRoot>/openblas-<version>/}, falling back to a per-user directory
     * under {@code java.io.tmpdir} when that fails. Files already there with the right size are reused.
     *
     * @return the extracted files in load order, {@link #MAIN_LIBRARY} last
     * @throws IOException when neither directory can be used or the jar lacks {@link #MAIN_LIBRARY}
     */
    static List<Path> extract(ClassLoader loader, Path cacheRoot) throws IOException {
        String dirName = "openblas-" + version(loader);
        IOException failure = null;
        for (Path root : List.of(cacheRoot, temporaryRoot())) {
            try {
                return extractInto(loader, root.resolve(dirName));
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "Cannot extract OpenBLAS natives under {0}: {1}", root, e);
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        throw failure;
    }

    /** Returns {@code $XDG_CACHE_HOME/nabla}, else {@code ~/.cache/nabla}, else a directory under the temp dir. */
    static Path defaultCacheRoot(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg, "nabla");
        }
        String home = System.getProperty("user.home", "");
        if (!home.isBlank() && !home.equals("?")) {
            return Path.of(home, ".cache", "nabla");
        }
        return temporaryRoot();
    }

    /** Returns this JVM's platform in bytedeco's naming, e.g. {@code linux-x86_64}. */
    static String platform() {
        String os = System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "unknown").toLowerCase(Locale.ROOT);
        os = os.startsWith("linux") ? "linux" : os.startsWith("mac") ? "macosx" : os.startsWith("windows") ? "windows" : os;
        arch = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
        return os + "-" + arch;
    }

    private static Path temporaryRoot() {
        return Path.of(System.getProperty("java.io.tmpdir"), "nabla-" + System.getProperty("user.name", "user"));
    }

    private static String version(ClassLoader loader) {
        try (InputStream in = loader.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                var properties = new Properties();
                properties.load(in);
                return properties.getProperty("version", "unversioned").replaceAll("[^A-Za-z0-9._-]", "_");
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "Cannot read {0}: {1}", POM_PROPERTIES, e);
        }
        return "unversioned";
    }

    private static List<Path> extractInto(ClassLoader loader, Path dir) throws IOException {
        Files.createDirectories(dir);
        var files = new ArrayList<Path>();
        for (String name : LOAD_ORDER) {
            URL url = loader.getResource(RESOURCE_DIR + name);
            if (url != null) {
                files.add(extractOne(url, dir.resolve(name)));
            } else if (name.equals(MAIN_LIBRARY)) {
                throw new NoSuchFileException(RESOURCE_DIR + name, null, "not on the class path");
            }
        }
        return files;
    }

    /** Copies one resource to {@code target} through a temporary file and an atomic rename. */
    private static Path extractOne(URL url, Path target) throws IOException {
        URLConnection connection = url.openConnection();
        connection.setUseCaches(false); // so closing the stream closes the jar
        try (InputStream in = connection.getInputStream()) {
            long size = connection.getContentLengthLong();
            if (size >= 0 && Files.isRegularFile(target) && Files.size(target) == size) {
                LOG.log(Level.DEBUG, "Reusing {0}", target);
                return target;
            }
            Path temporary = Files.createTempFile(target.getParent(), target.getFileName() + ".", ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(temporary)) {
                    in.transferTo(out);
                }
                if (size >= 0 && Files.size(temporary) != size) {
                    throw new IOException("short copy of " + url + ": " + Files.size(temporary) + " of " + size + " bytes");
                }
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temporary);
            }
            LOG.log(Level.DEBUG, "Extracted {0}", target);
            return target;
        }
    }
}
