package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import dev.nabla.bindings.nccl.nccl_h;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * NCCL ({@code libnccl.so.2}) loaded into this JVM, which the generated bindings {@link dev.nabla.bindings.nccl.nccl_h}
 * call into. Only the NCCL process group needs it; nothing loads it before.
 *
 * <p>Where it looks, in order: the file named by the system property {@code nabla.nccl.path}, then by the environment
 * variable {@code NABLA_NCCL_PATH}; then {@code libnccl.so.2} or {@code libnccl.so} in the directories of
 * {@code nabla.cuda.path}/{@code NABLA_CUDA_PATH}, {@code java.library.path}, {@code LD_LIBRARY_PATH}, the driver and
 * toolkit directories, then the pip wheel layout {@code .../site-packages/nvidia/nccl/lib}, then the dynamic linker.
 * A candidate is used only if it exports all of {@link #REQUIRED_SYMBOLS}.
 */
public final class Nccl {

    /** The functions Nabla binds (native/jextract/nccl.jextract); a library must export all of them to be used. */
    public static final List<String> REQUIRED_SYMBOLS = List.of(
            "ncclGetVersion", "ncclGetUniqueId", "ncclCommInitRank", "ncclCommDestroy", "ncclCommAbort",
            "ncclCommGetAsyncError", "ncclCommCount", "ncclCommUserRank", "ncclGetErrorString", "ncclGetLastError",
            "ncclAllReduce", "ncclBroadcast", "ncclAllGather", "ncclReduceScatter", "ncclGroupStart", "ncclGroupEnd");

    private static final System.Logger LOG = LazyLogger.of(Nccl.class);

    private final Path path;

    private Nccl(Path path) {
        this.path = path;
    }

    /**
     * Loads NCCL on first call; later calls return the same outcome without searching again. Safe from any thread.
     *
     * @return the loaded library, or empty when none was found ({@link #attempts()} says why)
     */
    public static Optional<Nccl> load() {
        return Optional.ofNullable(Outcome.INSTANCE.library());
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
     * Returns the library's version ({@code ncclGetVersion}; callable without a GPU).
     *
     * @return e.g. {@code 2.28.9}
     */
    public String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(ValueLayout.JAVA_INT);
            int result = nccl_h.ncclGetVersion(code);
            if (result != nccl_h.ncclSuccess()) {
                return "unknown (ncclGetVersion: " + errorString(result) + ")";
            }
            int v = code.get(ValueLayout.JAVA_INT, 0); // X*10000 + Y*100 + Z since NCCL 2.9
            return (v / 10000) + "." + (v / 100 % 100) + "." + (v % 100);
        }
    }

    /**
     * Returns NCCL's text for a result code ({@code ncclGetErrorString}).
     *
     * @param result an {@code ncclResult_t}
     * @return e.g. {@code invalid argument (run with NCCL_DEBUG=WARN for details)}
     */
    public static String errorString(int result) {
        return nccl_h.ncclGetErrorString(result).reinterpret(Long.MAX_VALUE).getString(0);
    }

    /**
     * Describes the library on one line.
     *
     * @return e.g. {@code NCCL 2.28.9 (/usr/lib/x86_64-linux-gnu/libnccl.so.2)}
     */
    @Override
    public String toString() {
        return "NCCL " + version() + " (" + path + ")";
    }

    /** The cached result of the one search; class initialisation makes it lazy, thread-safe and run once. */
    private record Outcome(Nccl library, List<String> attempts) {
        static final Outcome INSTANCE = search();

        private static Outcome search() {
            try {
                NcclLocator.Located found = NcclLocator.fromSystem().locate();
                LOG.log(Level.DEBUG, "Loaded NCCL from {0}", found.path());
                return new Outcome(new Nccl(found.path()), found.attempts());
            } catch (NativeLibraryException e) {
                LOG.log(Level.DEBUG, e.getMessage());
                return new Outcome(null, e.attempts());
            } catch (RuntimeException | LinkageError e) { // never leave the holder class failed
                LOG.log(Level.WARNING, "NCCL search failed unexpectedly", e);
                return new Outcome(null, List.of("search failed unexpectedly: " + e));
            }
        }
    }
}
