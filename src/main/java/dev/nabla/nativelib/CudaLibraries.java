package dev.nabla.nativelib;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.nabla.base.LazyLogger;
import java.io.File;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Finds and loads the NVIDIA libraries that the CUDA backend calls through the generated bindings
 * ({@link dev.nabla.bindings.cuda.cuda_h}, {@link dev.nabla.bindings.cublas.cublas_h},
 * {@link dev.nabla.bindings.cudnn.cudnn_h}): the driver API {@code libcuda.so.1}, cuBLAS ({@code libcublasLt}
 * first, then {@code libcublas}, major version 13 or 12) and, optionally, cuDNN 9 ({@code libcudnn.so.9}).
 *
 * <p>Directories searched for each file, in order:
 * <ol>
 *   <li>the directories named by the system property {@value #PATH_PROPERTY}, then by the environment variable
 *       {@value #PATH_VARIABLE} (each a list separated by {@code :});</li>
 *   <li>{@code java.library.path} and {@code LD_LIBRARY_PATH};</li>
 *   <li>the driver and toolkit locations: {@code /usr/local/nvidia/lib64}, {@code /usr/lib/x86_64-linux-gnu},
 *       {@code /usr/lib64}, {@code /usr/lib/wsl/lib}, {@code /usr/local/cuda/lib64}, {@code /usr/local/cuda-*}
 *       (newest first), {@code /opt/cuda/lib64};</li>
 *   <li>pip-installed NVIDIA wheels: {@code nvidia/<package>/lib} (e.g. {@code nvidia/cu13/lib},
 *       {@code nvidia/cublas/lib}, {@code nvidia/cudnn/lib}) under every Python {@code site-packages} or
 *       {@code dist-packages} directory found in {@code PYTHONPATH}, {@code VIRTUAL_ENV}, {@code CONDA_PREFIX},
 *       {@code /usr/lib/python3*}, {@code /usr/local/lib/python3*}, {@code ~/.local/lib/python3*},
 *       {@code /opt/conda} and {@code /opt/*}/{@code .venv};</li>
 *   <li>last, the dynamic linker's own search by file name ({@code ld.so.cache}).</li>
 * </ol>
 * {@code stubs} directories are skipped: a toolkit's stub {@code libcuda.so} only fails at run time.
 * A file is used only when it opens and exports the symbols Nabla calls. The outcome, success or failure, is
 * computed once per JVM. Without a driver (no GPU), {@link #load()} throws a {@link NativeLibraryException}
 * that lists everything tried.
 */
public final class CudaLibraries {
    /** System property: directories to search first, separated by {@code :}. */
    public static final String PATH_PROPERTY = "nabla.cuda.path";
    /** Environment variable: directories to search first (after the property), separated by {@code :}. */
    public static final String PATH_VARIABLE = "NABLA_CUDA_PATH";

    static final List<String> DRIVER_FILES = List.of("libcuda.so.1", "libcuda.so");
    static final List<String> DRIVER_SYMBOLS = List.of("cuInit", "cuDeviceGetCount", "cuDevicePrimaryCtxRetain",
            "cuCtxSetCurrent", "cuMemAlloc_v2", "cuMemFree_v2", "cuMemcpyHtoDAsync_v2", "cuMemcpyDtoHAsync_v2",
            "cuModuleLoadData", "cuModuleGetFunction", "cuLaunchKernel", "cuStreamCreate", "cuGetErrorName",
            "cuGetErrorString");
    static final List<String> CUBLASLT_FILES = List.of("libcublasLt.so.13", "libcublasLt.so.12");
    static final List<String> CUBLAS_FILES = List.of("libcublas.so.13", "libcublas.so.12");
    static final List<String> CUBLAS_SYMBOLS = List.of("cublasCreate_v2", "cublasDestroy_v2", "cublasSetStream_v2",
            "cublasSetMathMode", "cublasSgemm_v2", "cublasDgemm_v2", "cublasSgemmStridedBatched",
            "cublasDgemmStridedBatched", "cublasGetVersion_v2", "cublasSetWorkspace_v2");
    static final List<String> CUDNN_FILES = List.of("libcudnn.so.9");
    static final List<String> CUDNN_SYMBOLS = List.of("cudnnGetVersion", "cudnnCreate", "cudnnGetErrorString");

    private static final System.Logger LOG = LazyLogger.of(CudaLibraries.class);

    /**
     * What was loaded.
     *
     * @param driver   {@code libcuda}
     * @param cublasLt {@code libcublasLt}
     * @param cublas   {@code libcublas}
     * @param cudnn    {@code libcudnn}, or null when not found (the backend does not need it)
     * @param attempts every candidate tried, in order
     */
    public record Loaded(Path driver, Path cublasLt, Path cublas, Path cudnn, List<String> attempts) {
        /** True if cuDNN was loaded. */
        public boolean hasCudnn() {
            return cudnn != null;
        }
    }

    private static final class Outcome {
        static final Outcome INSTANCE = compute();
        final Loaded loaded;
        final NativeLibraryException failure;

        Outcome(Loaded loaded, NativeLibraryException failure) {
            this.loaded = loaded;
            this.failure = failure;
        }

        private static Outcome compute() {
            try {
                return new Outcome(fromSystem().locate(), null);
            } catch (NativeLibraryException e) {
                return new Outcome(null, e); // logged once by the caller (dev.nabla.backend.cuda.CudaRuntime)
            } catch (RuntimeException | LinkageError e) {
                return new Outcome(null, new NativeLibraryException("CUDA libraries could not be loaded: " + e,
                        List.of()));
            }
        }
    }

    private CudaLibraries() {
    }

    /**
     * Loads the libraries on first call (later calls return the same outcome).
     *
     * @return what was loaded
     * @throws NativeLibraryException listing every attempt when the driver or cuBLAS cannot be loaded
     */
    public static Loaded load() {
        Outcome o = Outcome.INSTANCE;
        if (o.failure != null) {
            throw o.failure;
        }
        return o.loaded;
    }

    /** The search with explicit inputs (tests run it against made-up directories). */
    record Search(List<Path> explicitDirs, List<Path> systemDirs, List<Path> wheelDirs, boolean useLinkerSearch) {

        Loaded locate() {
            var attempts = new ArrayList<String>();
            Path driver = find("CUDA driver", DRIVER_FILES, DRIVER_SYMBOLS, attempts)
                    .orElseThrow(() -> new NativeLibraryException(
                            "The CUDA driver (libcuda.so.1) could not be loaded: no NVIDIA driver or GPU here", attempts));
            Path[] blas = findCublas(attempts);
            if (blas == null) {
                throw new NativeLibraryException("cuBLAS (libcublas.so.13 or .12) could not be loaded (install the CUDA "
                        + "toolkit or pip install nvidia-cublas, or set " + PATH_VARIABLE + ")", attempts);
            }
            Path cudnn = find("cuDNN", CUDNN_FILES, CUDNN_SYMBOLS, attempts).orElse(null);
            return new Loaded(driver, blas[0], blas[1], cudnn, List.copyOf(attempts));
        }

        /** libcublasLt then libcublas of the same version from the same directory: {lt (or null), cublas}. */
        private Path[] findCublas(List<String> attempts) {
            List<Path> dirs = new ArrayList<>(explicitDirs);
            dirs.addAll(systemDirs);
            dirs.addAll(wheelDirs);
            Set<Path> tried = new LinkedHashSet<>();
            for (Path dir : dirs) {
                for (int i = 0; i < CUBLAS_FILES.size(); i++) {
                    Path file = dir.resolve(CUBLAS_FILES.get(i));
                    if (!Files.exists(file) || !tried.add(real(file))) {
                        continue;
                    }
                    Path lt = dir.resolve(CUBLASLT_FILES.get(i));
                    if (Files.exists(lt)) {
                        Optional<String> ltProblem = DynamicLinker.load(lt);
                        attempts.add("cuBLASLt " + lt + ": " + ltProblem.orElse("loaded"));
                        if (ltProblem.isPresent()) {
                            continue;
                        }
                    } else {
                        lt = null;
                    }
                    Optional<String> problem = DynamicLinker.loadChecked(file, CUBLAS_SYMBOLS);
                    attempts.add("cuBLAS " + file + ": " + problem.orElse("loaded"));
                    if (problem.isEmpty()) {
                        return new Path[] {lt, file};
                    }
                }
            }
            if (useLinkerSearch) {
                for (int i = 0; i < CUBLAS_FILES.size(); i++) {
                    Optional<Path> lt = linkerSearch(CUBLASLT_FILES.get(i));
                    lt.ifPresent(DynamicLinker::load);
                    Optional<Path> file = linkerSearch(CUBLAS_FILES.get(i));
                    if (file.isPresent() && tried.add(real(file.get()))) {
                        Optional<String> problem = DynamicLinker.loadChecked(file.get(), CUBLAS_SYMBOLS);
                        attempts.add("cuBLAS " + file.get() + " (found by the dynamic linker): "
                                + problem.orElse("loaded"));
                        if (problem.isEmpty()) {
                            return new Path[] {lt.orElse(null), file.get()};
                        }
                    }
                }
            }
            attempts.add("cuBLAS: no usable " + String.join(" or ", CUBLAS_FILES) + " in " + dirs.size()
                    + " directories " + summarize(dirs));
            return null;
        }

        private Optional<Path> find(String what, List<String> names, List<String> symbols, List<String> attempts) {
            Set<Path> tried = new LinkedHashSet<>();
            List<Path> dirs = new ArrayList<>(explicitDirs);
            dirs.addAll(systemDirs);
            dirs.addAll(wheelDirs);
            int before = attempts.size();
            for (Path dir : dirs) {
                for (String name : names) {
                    Path file = dir.resolve(name);
                    if (!Files.exists(file) || !tried.add(real(file))) {
                        continue;
                    }
                    Optional<String> problem = DynamicLinker.loadChecked(file, symbols);
                    attempts.add(what + " " + file + ": " + problem.orElse("loaded"));
                    if (problem.isEmpty()) {
                        return Optional.of(file);
                    }
                }
            }
            if (useLinkerSearch) {
                for (String name : names) {
                    Optional<Path> viaLinker = linkerSearch(name);
                    if (viaLinker.isPresent() && tried.add(real(viaLinker.get()))) {
                        Optional<String> problem = DynamicLinker.loadChecked(viaLinker.get(), symbols);
                        attempts.add(what + " " + viaLinker.get() + " (found by the dynamic linker): "
                                + problem.orElse("loaded"));
                        if (problem.isEmpty()) {
                            return viaLinker;
                        }
                    }
                }
            }
            if (attempts.size() == before) {
                attempts.add(what + ": no " + String.join(" or ", names) + " in " + dirs.size() + " directories "
                        + summarize(dirs) + (useLinkerSearch ? " nor in the dynamic linker's search path" : ""));
            }
            return Optional.empty();
        }
    }

    private static String summarize(List<Path> dirs) {
        List<String> names = dirs.stream().map(Path::toString).toList();
        return names.size() <= 12 ? names.toString()
                : names.subList(0, 12).toString().replace("]", ", ... (" + (names.size() - 12) + " more)]");
    }

    /** The search for this JVM: its properties, environment and file system. */
    static Search fromSystem() {
        Map<String, String> env = System.getenv();
        List<Path> explicit = new ArrayList<>();
        explicit.addAll(pathList(System.getProperty(PATH_PROPERTY)));
        explicit.addAll(pathList(env.get(PATH_VARIABLE)));
        // a directory given explicitly may also be a site-packages or a wheel root
        List<Path> explicitWheels = new ArrayList<>();
        for (Path p : explicit) {
            explicitWheels.addAll(wheelLibDirs(p));
        }
        explicit.addAll(explicitWheels);
        return new Search(dedupe(explicit), systemDirs(env), wheelDirs(env), true);
    }

    static List<Path> systemDirs(Map<String, String> env) {
        List<Path> dirs = new ArrayList<>();
        dirs.addAll(pathList(System.getProperty("java.library.path")));
        dirs.addAll(pathList(env.get("LD_LIBRARY_PATH")));
        for (String d : List.of("/usr/local/nvidia/lib64", "/usr/local/nvidia/lib", "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64", "/usr/lib/wsl/lib", "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib")) {
            dirs.add(Path.of(d));
        }
        List<Path> versioned = glob(Path.of("/usr/local"), "cuda-*");
        versioned.sort(Comparator.comparing(Path::toString).reversed());
        for (Path v : versioned) {
            dirs.add(v.resolve("lib64"));
            dirs.add(v.resolve("targets/x86_64-linux/lib"));
        }
        dirs.add(Path.of("/opt/cuda/lib64"));
        dirs.add(Path.of("/usr/lib"));
        return dedupe(dirs);
    }

    /** {@code nvidia/<package>/lib} under every Python package directory we can find. */
    static List<Path> wheelDirs(Map<String, String> env) {
        List<Path> sitePackages = new ArrayList<>();
        for (Path entry : pathList(env.get("PYTHONPATH"))) {
            sitePackages.add(entry);
            sitePackages.addAll(pythonPackageDirs(entry.resolve("lib")));
        }
        for (String prefixVar : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String prefix = env.get(prefixVar);
            if (prefix != null && !prefix.isBlank()) {
                sitePackages.addAll(pythonPackageDirs(Path.of(prefix, "lib")));
            }
        }
        String home = System.getProperty("user.home");
        List<Path> libRoots = new ArrayList<>(List.of(Path.of("/usr/lib"), Path.of("/usr/local/lib"),
                Path.of("/opt/conda/lib")));
        if (home != null) {
            libRoots.add(Path.of(home, ".local/lib"));
        }
        for (Path opt : glob(Path.of("/opt"), "*")) {
            libRoots.add(opt.resolve(".venv/lib"));
            libRoots.add(opt.resolve("venv/lib"));
            libRoots.add(opt.resolve("lib"));
        }
        for (Path root : libRoots) {
            sitePackages.addAll(pythonPackageDirs(root));
        }
        sitePackages.add(Path.of("/usr/lib/python3/dist-packages"));
        List<Path> out = new ArrayList<>();
        for (Path sp : dedupe(sitePackages)) {
            out.addAll(wheelLibDirs(sp));
        }
        return dedupe(out);
    }

    /** {@code <root>/python3*}/{@code {site,dist}-packages}. */
    private static List<Path> pythonPackageDirs(Path root) {
        List<Path> out = new ArrayList<>();
        for (Path py : glob(root, "python3*")) {
            for (String kind : List.of("site-packages", "dist-packages")) {
                Path p = py.resolve(kind);
                if (Files.isDirectory(p)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** {@code <sitePackages>/nvidia/*}/{@code lib}. */
    static List<Path> wheelLibDirs(Path sitePackages) {
        if (sitePackages == null) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        for (Path pkg : glob(sitePackages.resolve("nvidia"), "*")) {
            Path lib = pkg.resolve("lib");
            if (Files.isDirectory(lib)) {
                out.add(lib);
            }
        }
        out.sort(Comparator.comparing(Path::toString));
        return out;
    }

    private static List<Path> glob(Path dir, String pattern) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, pattern)) {
            for (Path p : ds) {
                out.add(p);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.DEBUG, "cuda: cannot list {0}: {1}", dir, e.toString());
        }
        out.sort(Comparator.comparing(Path::toString));
        return out;
    }

    static List<Path> pathList(String value) {
        List<Path> out = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return out;
        }
        for (String entry : value.split(File.pathSeparator)) {
            try {
                if (!entry.isBlank()) {
                    out.add(Path.of(entry).toAbsolutePath().normalize());
                }
            } catch (InvalidPathException e) {
                LOG.log(Level.DEBUG, "cuda: skipping path entry {0}", entry);
            }
        }
        return out;
    }

    private static List<Path> dedupe(List<Path> dirs) {
        var set = new LinkedHashSet<Path>();
        for (Path d : dirs) {
            if (!d.toString().contains("/stubs")) {
                set.add(d.toAbsolutePath().normalize());
            }
        }
        return List.copyOf(set);
    }

    private static Path real(Path file) {
        try {
            return file.toRealPath();
        } catch (IOException e) {
            return file.toAbsolutePath();
        }
    }

    // ------------------------------------------------------------------ the dynamic linker's own search

    private static final int RTLD_LAZY = 0x1;

    /**
     * Asks the dynamic linker for {@code soname} (its cache and default directories), then reads the file it chose
     * from {@code /proc/self/maps}, since {@link System#load} needs an absolute path. The probe handle stays open
     * (the library gets loaded anyway when it is the one used).
     */
    @SuppressWarnings("restricted")
    static Optional<Path> linkerSearch(String soname) {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle dlopen = linker.downcallHandle(linker.defaultLookup().find("dlopen").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            MemorySegment handle = (MemorySegment) dlopen.invokeExact(arena.allocateFrom(soname), RTLD_LAZY);
            if (handle.equals(MemorySegment.NULL)) {
                return Optional.empty();
            }
            String base = soname.replaceAll("\\.so.*$", ".so");
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int slash = line.indexOf('/');
                if (slash < 0) {
                    continue;
                }
                String path = line.substring(slash).strip();
                String file = path.substring(path.lastIndexOf('/') + 1);
                if (file.startsWith(base) && !path.contains("/stubs/")) {
                    return Optional.of(Path.of(path));
                }
            }
            return Optional.empty();
        } catch (Throwable t) {
            LOG.log(Level.DEBUG, "cuda: dynamic linker search for {0} failed: {1}", soname, t.toString());
            return Optional.empty();
        }
    }
}
