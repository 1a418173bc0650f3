package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import dev.nabla.bindings.openblas.cblas_h;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenBLAS library loaded into this JVM, which the generated bindings
 * {@link dev.nabla.bindings.openblas.cblas_h} call into.
 *
 * <p>The bindings resolve their symbols through {@link java.lang.foreign.SymbolLookup#loaderLookup()}, so
 * {@link #load()} (or {@link #require()}) must have succeeded before any {@code cblas_h} function is used:
 * a function first called without the library stays unusable for the life of the JVM.
 *
 * <p>Where it looks, in order (see {@link Source}): the file named by the system property
 * {@code nabla.openblas.path}, then by the environment variable {@code NABLA_OPENBLAS_PATH}; {@code libopenblas.so.0}
 * or {@code libopenblas.so} in {@code java.library.path}, {@code LD_LIBRARY_PATH} and the usual install directories;
 * finally the natives of the Maven artifact {@code org.bytedeco:openblas} (Linux x86_64), extracted to
 * {@code $XDG_CACHE_HOME/nabla} or {@code ~/.cache/nabla}. A candidate is used only if it exports all of
 * {@link #REQUIRED_SYMBOLS}.
 *
 * <p>After loading, the thread count is set to {@link Runtime#availableProcessors()} unless one of
 * {@code OPENBLAS_NUM_THREADS}, {@code GOTO_NUM_THREADS} or {@code OMP_NUM_THREADS} is set, in which case
 * OpenBLAS' own choice from that variable is kept.
 */
public final class OpenBlas {

    /** Where a library was found; the constants are declared in search order. */
    public enum Source {
        /** The file named by the system property {@code nabla.openblas.path}. */
        PROPERTY,
        /** The file named by the environment variable {@code NABLA_OPENBLAS_PATH}. */
        ENVIRONMENT,
        /** A system directory: {@code java.library.path}, {@code LD_LIBRARY_PATH} or a known install location. */
        SYSTEM,
        /** The natives shipped in the Maven artifact {@code org.bytedeco:openblas}, extracted to a cache directory. */
        MAVEN_ARTIFACT
    }

    /**
     * The symbols Nabla calls; a library that lacks any of them is not used. The batched GEMMs
     * ({@code cblas_?gemm_batch*}) are deliberately absent: Debian's OpenBLAS 0.3.21 does not have them.
     */
    public static final List<String> REQUIRED_SYMBOLS = List.of(
            "cblas_sgemm", "cblas_dgemm", "cblas_saxpy", "cblas_daxpy", "cblas_sscal", "cblas_dscal",
            "cblas_sdot", "cblas_ddot", "cblas_scopy", "cblas_dcopy",
            "openblas_set_num_threads", "openblas_get_num_threads", "openblas_get_config",
            "openblas_get_corename", "openblas_get_num_procs", "openblas_get_parallel");

    private static final List<String> THREAD_VARIABLES = List.of("OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS");
    private static final System.Logger LOG = LazyLogger.of(OpenBlas.class);

    private final Path path;
    private final Source source;

    OpenBlas(Path path, Source source) {
        this.path = path;
        this.source = source;
    }

    /**
     * Loads OpenBLAS on first call; later calls return the same outcome, success or failure, without searching
     * again. Safe to call from any thread.
     *
     * @return the loaded library, or empty when none was found ({@link #attempts()} says why)
     */
    public static Optional<OpenBlas> load() {
        return Optional.ofNullable(Outcome.INSTANCE.library());
    }

    /**
     * Returns the loaded library, loading it on first call.
     *
     * @return the loaded library
     * @throws NativeLibraryException naming every attempt when no OpenBLAS could be loaded
     */
    public static OpenBlas require() {
        Outcome outcome = Outcome.INSTANCE;
        if (outcome.library() == null) {
            throw new NativeLibraryException("OpenBLAS could not be loaded", outcome.attempts());
        }
        return outcome.library();
    }

    /**
     * Returns what the search tried, in order, loading on first call; after a success the last line names the library.
     *
     * @return one readable line per attempt
     */
    public static List<String> attempts() {
        return Outcome.INSTANCE.attempts();
    }

    /**
     * Returns the file that was loaded.
     *
     * @return the absolute path given to {@link System#load}
     */
    public Path path() {
        return path;
    }

    /**
     * Returns where the library was found.
     *
     * @return the search step that supplied it
     */
    public Source source() {
        return source;
    }

    /**
     * Returns OpenBLAS' build description ({@code openblas_get_config}).
     *
     * @return e.g. {@code OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64}
     */
    public String config() {
        return cblas_h.openblas_get_config().getString(0).strip();
    }

    /**
     * Returns the name of the CPU kernel set in use ({@code openblas_get_corename}).
     *
     * @return e.g. {@code Haswell} or {@code SkylakeX}
     */
    public String coreName() {
        return cblas_h.openblas_get_corename().getString(0).strip();
    }

    /**
     * Returns the number of threads OpenBLAS uses ({@code openblas_get_num_threads}).
     *
     * @return the current thread count, at least 1
     */
    public int threads() {
        return cblas_h.openblas_get_num_threads();
    }

    /**
     * Sets the number of threads OpenBLAS uses ({@code openblas_set_num_threads}). OpenBLAS caps it at the
     * {@code MAX_THREADS} it was built with, so {@link #threads()} may report less.
     *
     * @param n the thread count, at least 1
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("OpenBLAS thread count must be at least 1, got " + n);
        }
        cblas_h.openblas_set_num_threads(n);
    }

    /**
     * Returns the number of processors OpenBLAS detected ({@code openblas_get_num_procs}).
     *
     * @return the processor count
     */
    public int processors() {
        return cblas_h.openblas_get_num_procs();
    }

    /**
     * Returns how this build parallelises ({@code openblas_get_parallel}).
     *
     * @return {@code sequential}, {@code pthreads}, {@code openmp}, or {@code unknown (n)}
     */
    public String parallelMode() {
        int mode = cblas_h.openblas_get_parallel();
        return switch (mode) {
            case 0 -> "sequential";
            case 1 -> "pthreads";
            case 2 -> "openmp";
            default -> "unknown (" + mode + ")";
        };
    }

    /**
     * Describes the library on one line: path, source, config, core and threads.
     *
     * @return e.g. {@code OpenBLAS /usr/lib/.../libopenblas.so.0 (SYSTEM): OpenBLAS 0.3.21 ..., core Haswell, threads 8}
     */
    @Override
    public String toString() {
        return "OpenBLAS " + path + " (" + source + "): " + config() + ", core " + coreName() + ", threads " + threads();
    }

    /** Applies the default thread count unless the environment chose one. */
    private void applyDefaultThreads(Map<String, String> env) {
        Optional<String> chosen = THREAD_VARIABLES.stream().filter(name -> !env.getOrDefault(name, "").isBlank()).findFirst();
        if (chosen.isPresent()) {
            LOG.log(Level.DEBUG, "Keeping OpenBLAS'' thread count {0} from {1}", threads(), chosen.get());
        } else {
            setThreads(Runtime.getRuntime().availableProcessors());
        }
    }

    /** The cached result of the one search; class initialisation makes it lazy, thread-safe and run once. */
    private record Outcome(OpenBlas library, List<String> attempts) {
        static final Outcome INSTANCE = search();

        private static Outcome search() {
            try {
                OpenBlasLocator.Located found = OpenBlasLocator.fromSystem().locate();
                var library = new OpenBlas(found.path(), found.source());
                library.applyDefaultThreads(System.getenv());
                // Nothing logged on success: which OpenBLAS loaded is no news (Nabla.info() reports it), and a log
                // call would start the logging system at start-up. Backends warns once when the cpu device has to
                // fall back to the pure-Java kernels.
                return new Outcome(library, found.attempts());
            } catch (NativeLibraryException e) {
                LOG.log(Level.DEBUG, e.getMessage());
                return new Outcome(null, e.attempts());
            } catch (RuntimeException | LinkageError e) { // never leave the holder class failed
                LOG.log(Level.WARNING, "OpenBLAS search failed unexpectedly", e);
                return new Outcome(null, List.of("search failed unexpectedly: " + e));
            }
        }
    }
}
