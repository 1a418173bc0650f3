package dev.nabla.nativelib;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds and loads the MPI library ({@code libmpi}, Open MPI 4.x): the search behind {@link Mpi#load()}, with every
 * input explicit so that tests can run it against any property, environment and directories.
 *
 * <p>Order, stopping at the first file that loads and exports all of {@code requiredSymbols}: the file named by the
 * system property {@value #PATH_PROPERTY}, then by the environment variable {@value #PATH_VARIABLE}; then
 * {@code libmpi.so.40}, then {@code libmpi.so}, in each of {@code systemDirs}.
 *
 * @param propertyPath    value of {@value #PATH_PROPERTY}, or null
 * @param env             environment variables (only {@value #PATH_VARIABLE} is read)
 * @param systemDirs      directories to search, in order
 * @param requiredSymbols symbols a candidate must export
 */
record MpiLocator(String propertyPath, Map<String, String> env, List<Path> systemDirs, List<String> requiredSymbols) {

    /** System property naming the library file to use. */
    static final String PATH_PROPERTY = "nabla.mpi.path";
    /** Environment variable naming the library file to use. */
    static final String PATH_VARIABLE = "NABLA_MPI_PATH";
    /** File names tried in each system directory: Open MPI 4.x's soname (the bindings' version) first. */
    static final List<String> FILE_NAMES = List.of("libmpi.so.40", "libmpi.so");

    private static final System.Logger LOG = System.getLogger(MpiLocator.class.getName());

    MpiLocator {
        env = Map.copyOf(env);
        systemDirs = List.copyOf(systemDirs);
        requiredSymbols = List.copyOf(requiredSymbols);
    }

    /** The locator for this JVM: its properties, environment and library paths (as OpenBLAS is searched). */
    static MpiLocator fromSystem() {
        Map<String, String> env = System.getenv();
        return new MpiLocator(System.getProperty(PATH_PROPERTY), env,
                OpenBlasLocator.systemDirs(System.getProperty("java.library.path", ""), env.getOrDefault("LD_LIBRARY_PATH", "")),
                Mpi.REQUIRED_SYMBOLS);
    }

    /**
     * Runs the search. A library it returns is loaded into this class loader.
     *
     * @return the loaded file and every attempt (the last one is the success)
     * @throws NativeLibraryException listing every attempt when no candidate works
     */
    Located locate() {
        var attempts = new ArrayList<String>();
        Optional<Path> found = DynamicLinker.loadExplicit("system property " + PATH_PROPERTY, propertyPath,
                        requiredSymbols, attempts, LOG)
                .or(() -> DynamicLinker.loadExplicit("environment variable " + PATH_VARIABLE, env.get(PATH_VARIABLE),
                        requiredSymbols, attempts, LOG))
                .or(() -> system(attempts));
        return found.map(path -> new Located(path, List.copyOf(attempts)))
                .orElseThrow(() -> new NativeLibraryException("MPI (libmpi) could not be loaded", attempts));
    }

    /** A loaded library and everything tried on the way. */
    record Located(Path path, List<String> attempts) {
    }

    private Optional<Path> system(List<String> attempts) {
        for (Path dir : systemDirs) {
            for (String name : FILE_NAMES) {
                Path file = dir.resolve(name);
                if (Files.isRegularFile(file)) {
                    Optional<String> problem = DynamicLinker.loadChecked(file, requiredSymbols);
                    attempts.add("system " + file + ": " + problem.orElse("loaded"));
                    if (problem.isEmpty()) {
                        return Optional.of(file);
                    }
                }
            }
        }
        attempts.add("system directories " + systemDirs + ": no usable " + String.join(" or ", FILE_NAMES)
                + " (apt-get install libopenmpi-dev openmpi-bin, or set " + PATH_VARIABLE + ")");
        return Optional.empty();
    }
}
