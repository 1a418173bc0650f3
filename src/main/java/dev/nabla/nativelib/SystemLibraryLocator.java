package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds and loads a {@link SystemLibrary} (the search behind {@link Dnnl#load()} and {@link Mpi#load()}), with every
 * input explicit so that tests can run it against any property, environment and directories.
 *
 * <p>Order, stopping at the first file that loads and exports all of the library's required symbols: the file named
 * by its system property, then by its environment variable; then each of its file names in each of
 * {@code systemDirs}.
 *
 * @param library      what to look for
 * @param propertyPath value of the library's system property, or null
 * @param env          environment variables (only the library's variable is read)
 * @param systemDirs   directories to search, in order
 */
record SystemLibraryLocator(SystemLibrary library, String propertyPath, Map<String, String> env,
                            List<Path> systemDirs) {
    private static final System.Logger LOG = LazyLogger.of(SystemLibraryLocator.class);

    SystemLibraryLocator {
        env = Map.copyOf(env);
        systemDirs = List.copyOf(systemDirs);
    }

    /** The locator for this JVM: its properties, environment and library paths (as OpenBLAS is searched). */
    static SystemLibraryLocator fromSystem(SystemLibrary library) {
        Map<String, String> env = System.getenv();
        return new SystemLibraryLocator(library, System.getProperty(library.pathProperty()), env,
                OpenBlasLocator.systemDirs(System.getProperty("java.library.path", ""),
                        env.getOrDefault("LD_LIBRARY_PATH", "")));
    }

    /**
     * Runs the search. A library it returns is loaded into this class loader.
     *
     * @return the loaded file and every attempt (the last one is the success)
     * @throws NativeLibraryException listing every attempt when no candidate works
     */
    Located locate() {
        var attempts = new ArrayList<String>();
        List<String> symbols = library.requiredSymbols();
        Optional<Path> found = DynamicLinker.loadExplicit("system property " + library.pathProperty(), propertyPath,
                        symbols, attempts, LOG)
                .or(() -> DynamicLinker.loadExplicit("environment variable " + library.pathVariable(),
                        env.get(library.pathVariable()), symbols, attempts, LOG))
                .or(() -> system(attempts));
        return found.map(path -> new Located(path, List.copyOf(attempts)))
                .orElseThrow(() -> new NativeLibraryException(library.description() + " could not be loaded",
                        attempts));
    }

    /** A loaded library and everything tried on the way. */
    record Located(Path path, List<String> attempts) {
    }

    private Optional<Path> system(List<String> attempts) {
        for (Path dir : systemDirs) {
            for (String name : library.fileNames()) {
                Path file = dir.resolve(name);
                if (Files.isRegularFile(file)) {
                    Optional<String> problem = DynamicLinker.loadChecked(file, library.requiredSymbols());
                    attempts.add("system " + file + ": " + problem.orElse("loaded"));
                    if (problem.isEmpty()) {
                        return Optional.of(file);
                    }
                }
            }
        }
        attempts.add("system directories " + systemDirs + ": no usable " + String.join(" or ", library.fileNames())
                + " (" + library.installHint() + ")");
        return Optional.empty();
    }
}
