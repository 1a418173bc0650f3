package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds and loads a complete OpenBLAS: the search behind {@link OpenBlas#load()}, with every input explicit
 * so that tests can run it against any property, environment, directories and class path.
 *
 * <p>Order, stopping at the first file that loads and exports all of {@code requiredSymbols}:
 * <ol>
 *   <li>the file named by the system property {@value #PATH_PROPERTY}, then by the environment variable
 *       {@value #PATH_VARIABLE} (a failure there is logged as a warning, since the user asked for it);</li>
 *   <li>{@code libopenblas.so.0}, then {@code libopenblas.so}, in each of {@code systemDirs};</li>
 *   <li>the natives of the Maven artifact {@code org.bytedeco:openblas} ({@code linux-x86_64} only),
 *       extracted under {@code cacheRoot} (see {@link BundledNatives}).</li>
 * </ol>
 *
 * @param propertyPath    value of {@value #PATH_PROPERTY}, or null
 * @param env             environment variables (only {@value #PATH_VARIABLE} is read)
 * @param systemDirs      directories to search, in order
 * @param classLoader     where to look for the Maven artifact's natives
 * @param cacheRoot       where to extract them
 * @param platform        this machine in bytedeco's naming, e.g. {@code linux-x86_64}
 * @param requiredSymbols symbols a candidate must export
 */
record OpenBlasLocator(String propertyPath, Map<String, String> env, List<Path> systemDirs, ClassLoader classLoader,
                       Path cacheRoot, String platform, List<String> requiredSymbols) {

    /** System property naming the library file to use. */
    static final String PATH_PROPERTY = "nabla.openblas.path";
    /** Environment variable naming the library file to use. */
    static final String PATH_VARIABLE = "NABLA_OPENBLAS_PATH";
    /** File names tried in each system directory, in order. */
    static final List<String> FILE_NAMES = List.of("libopenblas.so.0", "libopenblas.so");
    /** Install locations searched after {@code java.library.path} and {@code LD_LIBRARY_PATH}. */
    static final List<Path> KNOWN_DIRS = Stream.of("/usr/lib/x86_64-linux-gnu/openblas-pthread",
            "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/local/lib", "/usr/lib", "/opt/OpenBLAS/lib")
            .map(Path::of).toList();

    private static final System.Logger LOG = LazyLogger.of(OpenBlasLocator.class);

    /** A loaded library, where it came from, and everything tried on the way (the last line is the success). */
    record Located(Path path, OpenBlas.Source source, List<String> attempts) {
    }

    OpenBlasLocator {
        env = Map.copyOf(env);
        systemDirs = List.copyOf(systemDirs);
        requiredSymbols = List.copyOf(requiredSymbols);
    }

    /** The locator for this JVM: its properties, environment, library paths and class loader. */
    static OpenBlasLocator fromSystem() {
        Map<String, String> env = System.getenv();
        return new OpenBlasLocator(System.getProperty(PATH_PROPERTY), env,
                systemDirs(System.getProperty("java.library.path", ""), env.getOrDefault("LD_LIBRARY_PATH", "")),
                OpenBlasLocator.class.getClassLoader(), BundledNatives.defaultCacheRoot(env),
                BundledNatives.platform(), OpenBlas.REQUIRED_SYMBOLS);
    }

    /** The directories of both path lists, then {@link #KNOWN_DIRS}, absolute and without repeats. */
    static List<Path> systemDirs(String javaLibraryPath, String ldLibraryPath) {
        var dirs = new LinkedHashSet<Path>();
        for (String entry : (javaLibraryPath + File.pathSeparator + ldLibraryPath).split(File.pathSeparator)) {
            try {
                if (!entry.isBlank()) {
                    dirs.add(Path.of(entry).toAbsolutePath().normalize());
                }
            } catch (InvalidPathException e) {
                LOG.log(Level.DEBUG, "Skipping library path entry {0}: {1}", entry, e.getMessage());
            }
        }
        dirs.addAll(KNOWN_DIRS);
        return List.copyOf(dirs);
    }

    /**
     * Runs the search. A library it returns is loaded into this class loader.
     *
     * @throws NativeLibraryException listing every attempt when no candidate works
     */
    Located locate() {
        var attempts = new ArrayList<String>();
        for (OpenBlas.Source source : OpenBlas.Source.values()) { // declared in search order
            Optional<Path> path = switch (source) {
                case PROPERTY -> explicit("system property " + PATH_PROPERTY, propertyPath, attempts);
                case ENVIRONMENT -> explicit("environment variable " + PATH_VARIABLE, env.get(PATH_VARIABLE), attempts);
                case SYSTEM -> system(attempts);
                case MAVEN_ARTIFACT -> artifact(attempts);
            };
            if (path.isPresent()) {
                return new Located(path.get(), source, List.copyOf(attempts));
            }
        }
        throw new NativeLibraryException("OpenBLAS could not be loaded", attempts);
    }

    private Optional<Path> explicit(String label, String value, List<String> attempts) {
        return DynamicLinker.loadExplicit(label, value, requiredSymbols, attempts, LOG);
    }

    private Optional<Path> system(List<String> attempts) {
        if (systemDirs.isEmpty()) {
            attempts.add("system directories: none to search");
        }
        Set<Path> tried = new HashSet<>();
        for (Path dir : systemDirs) {
            List<Path> present = FILE_NAMES.stream().map(dir::resolve).filter(Files::isRegularFile).toList();
            if (present.isEmpty()) {
                attempts.add("system directory " + dir + ": no " + String.join(" or ", FILE_NAMES));
            }
            for (Path file : present) {
                if (!tried.add(realPath(file))) {
                    attempts.add("system " + file + ": same file as an earlier candidate");
                    continue;
                }
                Optional<String> problem = DynamicLinker.loadChecked(file, requiredSymbols);
                attempts.add("system " + file + ": " + problem.orElse("loaded"));
                if (problem.isEmpty()) {
                    return Optional.of(file);
                }
            }
        }
        return Optional.empty();
    }

    private Optional<Path> artifact(List<String> attempts) {
        String label = "Maven artifact org.bytedeco:openblas:" + BundledNatives.PLATFORM;
        if (!platform.equals(BundledNatives.PLATFORM)) {
            attempts.add(label + ": natives exist only for " + BundledNatives.PLATFORM + ", this is " + platform);
            return Optional.empty();
        }
        if (!BundledNatives.present(classLoader)) {
            attempts.add(label + ": not on the class path (no resource "
                    + BundledNatives.RESOURCE_DIR + BundledNatives.MAIN_LIBRARY + ")");
            return Optional.empty();
        }
        List<Path> files;
        try {
            files = BundledNatives.extract(classLoader, cacheRoot);
        } catch (IOException e) {
            attempts.add(label + ": cannot extract the natives: " + e);
            return Optional.empty();
        }
        Path library = files.getLast();
        for (Path dependency : files.subList(0, files.size() - 1)) {
            DynamicLinker.load(dependency).ifPresent(why -> attempts.add(label + " dependency " + dependency + ": " + why));
        }
        Optional<String> problem = DynamicLinker.loadChecked(library, requiredSymbols);
        attempts.add(label + " " + library + ": " + problem.orElse("loaded"));
        return problem.isPresent() ? Optional.empty() : Optional.of(library);
    }

    private static Path realPath(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath();
        }
    }
}
