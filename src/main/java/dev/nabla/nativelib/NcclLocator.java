package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and loads NCCL ({@code libnccl.so.2}): the search behind {@link Nccl#load()}, with every input explicit so
 * that tests can run it against any property, environment and directories.
 *
 * <p>Order, stopping at the first file that loads and exports all of {@code requiredSymbols}: the file named by the
 * system property {@value #PATH_PROPERTY}, then by the environment variable {@value #PATH_VARIABLE}; then
 * {@code libnccl.so.2}, then {@code libnccl.so}, in each of {@code systemDirs} (where cuBLAS is searched: library
 * paths, driver and toolkit directories), then in each of {@code wheelDirs} (the pip wheel {@code nvidia-nccl-cu12}
 * or {@code -cu13} installs {@code nvidia/nccl/lib}); last, when {@code useLinkerSearch}, the dynamic linker's own
 * search by file name.
 *
 * @param propertyPath    value of {@value #PATH_PROPERTY}, or null
 * @param env             environment variables (only {@value #PATH_VARIABLE} is read)
 * @param systemDirs      system directories to search, in order
 * @param wheelDirs       pip wheel library directories to search after them
 * @param useLinkerSearch whether to ask the dynamic linker last
 * @param requiredSymbols symbols a candidate must export
 */
record NcclLocator(String propertyPath, Map<String, String> env, List<Path> systemDirs, List<Path> wheelDirs,
        boolean useLinkerSearch, List<String> requiredSymbols) {

    /** System property naming the library file to use. */
    static final String PATH_PROPERTY = "nabla.nccl.path";
    /** Environment variable naming the library file to use. */
    static final String PATH_VARIABLE = "NABLA_NCCL_PATH";
    /** File names tried in each directory: NCCL 2's soname first. */
    static final List<String> FILE_NAMES = List.of("libnccl.so.2", "libnccl.so");

    private static final System.Logger LOG = LazyLogger.of(NcclLocator.class);

    NcclLocator {
        env = Map.copyOf(env);
        systemDirs = List.copyOf(systemDirs);
        wheelDirs = List.copyOf(wheelDirs);
        requiredSymbols = List.copyOf(requiredSymbols);
    }

    /** The locator for this JVM: its properties, environment, and the directories where cuBLAS is searched. */
    static NcclLocator fromSystem() {
        Map<String, String> env = System.getenv();
        List<Path> system = new ArrayList<>();
        system.addAll(CudaLibraries.pathList(System.getProperty(CudaLibraries.PATH_PROPERTY)));
        system.addAll(CudaLibraries.pathList(env.get(CudaLibraries.PATH_VARIABLE)));
        system.addAll(CudaLibraries.systemDirs(env));
        return new NcclLocator(System.getProperty(PATH_PROPERTY), env, system, CudaLibraries.wheelDirs(env), true,
                Nccl.REQUIRED_SYMBOLS);
    }

    /**
     * Runs the search. A library it returns is loaded into this class loader.
     *
     * @return the loaded file and every attempt (the last one is the success)
     * @throws NativeLibraryException listing every attempt when no candidate works
     */
    Located locate() {
        var attempts = new ArrayList<String>();
        Set<Path> tried = new LinkedHashSet<>();
        Optional<Path> found = DynamicLinker.loadExplicit("system property " + PATH_PROPERTY, propertyPath,
                        requiredSymbols, attempts, LOG)
                .or(() -> DynamicLinker.loadExplicit("environment variable " + PATH_VARIABLE, env.get(PATH_VARIABLE),
                        requiredSymbols, attempts, LOG))
                .or(() -> inDirs("system", systemDirs, tried, attempts))
                .or(() -> inDirs("pip wheel", wheelDirs, tried, attempts))
                .or(() -> viaLinker(tried, attempts));
        return found.map(path -> new Located(path, List.copyOf(attempts)))
                .orElseThrow(() -> new NativeLibraryException("NCCL (libnccl.so.2) could not be loaded (install "
                        + "libnccl2 or pip install nvidia-nccl-cu13, or set " + PATH_VARIABLE + " to the file)", attempts));
    }

    /** A loaded library and everything tried on the way. */
    record Located(Path path, List<String> attempts) {
    }

    private Optional<Path> inDirs(String kind, List<Path> dirs, Set<Path> tried, List<String> attempts) {
        for (Path dir : dirs) {
            for (String name : FILE_NAMES) {
                Path file = dir.resolve(name);
                if (Files.isRegularFile(file) && tried.add(file.toAbsolutePath().normalize())) {
                    Optional<String> problem = DynamicLinker.loadChecked(file, requiredSymbols);
                    attempts.add(kind + " " + file + ": " + problem.orElse("loaded"));
                    if (problem.isEmpty()) {
                        return Optional.of(file);
                    }
                }
            }
        }
        attempts.add(kind + " directories " + dirs + ": no usable " + String.join(" or ", FILE_NAMES));
        return Optional.empty();
    }

    private Optional<Path> viaLinker(Set<Path> tried, List<String> attempts) {
        if (!useLinkerSearch) {
            return Optional.empty();
        }
        for (String name : FILE_NAMES) {
            Optional<Path> file = CudaLibraries.linkerSearch(name);
            if (file.isPresent() && tried.add(file.get().toAbsolutePath().normalize())) {
                Optional<String> problem = DynamicLinker.loadChecked(file.get(), requiredSymbols);
                attempts.add("dynamic linker " + file.get() + ": " + problem.orElse("loaded"));
                if (problem.isEmpty()) {
                    return file;
                }
            }
        }
        attempts.add("dynamic linker: no " + String.join(" or ", FILE_NAMES) + " in its search path");
        return Optional.empty();
    }
}
