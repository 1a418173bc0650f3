package dev.nabla.nativelib;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds and loads oneDNN ({@code libdnnl}): the search behind {@link Dnnl#load()}, with every input explicit so that
 * tests can run it against any property, environment and directories.
 *
 * <p>Order, stopping at the first file that loads and exports all of {@code requiredSymbols}: the file named by the
 * system property {@value #PATH_PROPERTY}, then by the environment variable {@value #PATH_VARIABLE}; then
 * {@code libdnnl.so.2}, then {@code libdnnl.so}, in each of {@code systemDirs}.
 *
 * @param propertyPath    value of {@value #PATH_PROPERTY}, or null
 * @param env             environment variables (only {@value #PATH_VARIABLE} is read)
 * @param systemDirs      directories to search, in order
 * @param requiredSymbols symbols a candidate must export
 */
record DnnlLocator(String propertyPath, Map<String, String> env, List<Path> systemDirs, List<String> requiredSymbols) {

    /** System property naming the library file to use. */
    static final String PATH_PROPERTY = "nabla.dnnl.path";
    /** Environment variable naming the library file to use. */
    static final String PATH_VARIABLE = "NABLA_DNNL_PATH";
    /** File names tried in each system directory, in order: the 2.x soname the bindings were generated for first. */
    static final List<String> FILE_NAMES = List.of("libdnnl.so.2", "libdnnl.so");

    private static final System.Logger LOG = System.getLogger(DnnlLocator.class.getName());

    DnnlLocator {
        env = Map.copyOf(env);
        systemDirs = List.copyOf(systemDirs);
        requiredSymbols = List.copyOf(requiredSymbols);
    }

    /** The locator for this JVM: its properties, environment and library paths (as OpenBLAS is searched). */
    static DnnlLocator fromSystem() {
        Map<String, String> env = System.getenv();
        return new DnnlLocator(System.getProperty(PATH_PROPERTY), env,
                OpenBlasLocator.systemDirs(System.getProperty("java.library.path", ""), env.getOrDefault("LD_LIBRARY_PATH", "")),
                Dnnl.REQUIRED_SYMBOLS);
    }

    /**
     * Runs the search. A library it returns is loaded into this class loader.
     *
     * @return the loaded file and every attempt (the last one is the success)
     * @throws NativeLibraryException listing every attempt when no candidate works
     */
    Located locate() {
        var attempts = new ArrayList<String>();
        Optional<Path> found = explicit("system property " + PATH_PROPERTY, propertyPath, attempts)
                .or(() -> explicit("environment variable " + PATH_VARIABLE, env.get(PATH_VARIABLE), attempts))
                .or(() -> system(attempts));
        return found.map(path -> new Located(path, List.copyOf(attempts)))
                .orElseThrow(() -> new NativeLibraryException("oneDNN (libdnnl) could not be loaded", attempts));
    }

    /** A loaded library and everything tried on the way. */
    record Located(Path path, List<String> attempts) {
    }

    private Optional<Path> explicit(String label, String value, List<String> attempts) {
        return DynamicLinker.loadExplicit(label, value, requiredSymbols, attempts, LOG);
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
                + " (apt-get install libdnnl2)");
        return Optional.empty();
    }
}
