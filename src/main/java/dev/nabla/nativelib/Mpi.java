package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import dev.nabla.bindings.mpi.mpi_h;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The MPI library ({@code libmpi.so.40}, Open MPI 4.x) loaded into this JVM, which the generated bindings
 * {@link dev.nabla.bindings.mpi.mpi_h} call into. Only distributed training needs it; nothing loads it before.
 *
 * <p>Where it looks, in order: the file named by the system property {@code nabla.mpi.path}, then by the environment
 * variable {@code NABLA_MPI_PATH}; then {@code libmpi.so.40} or {@code libmpi.so} in {@code java.library.path},
 * {@code LD_LIBRARY_PATH} and the usual install directories (Debian: {@code libopenmpi3}, pulled in by
 * {@code libopenmpi-dev}). A candidate is used only if it exports all of {@link #REQUIRED_SYMBOLS}.
 *
 * <p>Open MPI's predefined handles ({@code MPI_COMM_WORLD}, {@code MPI_FLOAT}, {@code MPI_SUM}, ...) are macros that
 * take the address of a global struct ({@code &ompi_mpi_comm_world}); jextract cannot bind those globals (their types
 * are incomplete in {@code mpi.h}), so {@link #handle} looks them up by name: the symbol's address is the handle.
 * {@code MPI_IN_PLACE}, a pointer macro jextract drops, is {@link #IN_PLACE}.
 */
public final class Mpi {

    /** The functions Nabla binds (native/jextract/mpi.jextract). */
    private static final List<String> FUNCTIONS = List.of(
            "MPI_Init_thread", "MPI_Initialized", "MPI_Finalized", "MPI_Finalize", "MPI_Abort",
            "MPI_Get_library_version", "MPI_Error_string", "MPI_Comm_set_errhandler", "MPI_Comm_rank",
            "MPI_Comm_size", "MPI_Allreduce", "MPI_Iallreduce", "MPI_Bcast", "MPI_Ibcast", "MPI_Allgather",
            "MPI_Iallgather", "MPI_Reduce_scatter_block", "MPI_Ireduce_scatter_block", "MPI_Barrier",
            "MPI_Ibarrier", "MPI_Wait", "MPI_Test");

    /** The globals behind the predefined handles Nabla uses ({@link #handle}). */
    public static final List<String> HANDLES = List.of(
            "ompi_mpi_comm_world", "ompi_mpi_errors_return", "ompi_mpi_float", "ompi_mpi_double",
            "ompi_mpi_int8_t", "ompi_mpi_uint8_t", "ompi_mpi_int16_t", "ompi_mpi_uint16_t", "ompi_mpi_int32_t",
            "ompi_mpi_int64_t", "ompi_mpi_c_bool", "ompi_mpi_op_sum", "ompi_mpi_op_max", "ompi_mpi_op_lor");

    /** Every symbol a library must export to be used: {@link #FUNCTIONS} and {@link #HANDLES}. */
    public static final List<String> REQUIRED_SYMBOLS =
            java.util.stream.Stream.concat(FUNCTIONS.stream(), HANDLES.stream()).toList();

    /** Where Open MPI is looked for: {@code nabla.mpi.path}, {@code NABLA_MPI_PATH}, then Open MPI 4.x's soname. */
    static final SystemLibrary LIBRARY = new SystemLibrary("MPI (libmpi)", "nabla.mpi.path", "NABLA_MPI_PATH",
            List.of("libmpi.so.40", "libmpi.so"), "apt-get install libopenmpi-dev openmpi-bin, or set NABLA_MPI_PATH",
            REQUIRED_SYMBOLS);

    /** {@code MPI_IN_PLACE}: {@code ((void *) 1)} in Open MPI's {@code mpi.h}. */
    public static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);

    private static final System.Logger LOG = LazyLogger.of(Mpi.class);

    private final Path path;

    private Mpi(Path path) {
        this.path = path;
    }

    /**
     * Loads MPI on first call; later calls return the same outcome without searching again. Safe from any thread.
     *
     * @return the loaded library, or empty when none was found ({@link #attempts()} says why)
     */
    public static Optional<Mpi> load() {
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
     * Returns a predefined handle: the address of one of the globals in {@link #HANDLES}.
     *
     * @param global e.g. {@code ompi_mpi_comm_world} for {@code MPI_COMM_WORLD}
     * @return the handle to pass where {@code mpi.h} takes an {@code MPI_Comm}, {@code MPI_Datatype}, ...
     * @throws IllegalArgumentException if {@code global} is not one of {@link #HANDLES}
     */
    public MemorySegment handle(String global) {
        if (!HANDLES.contains(global)) {
            throw new IllegalArgumentException("Mpi.handle: " + global + " is not one of " + HANDLES);
        }
        return SymbolLookup.loaderLookup().find(global)
                .orElseThrow(() -> new IllegalStateException("Mpi.handle: " + path + " no longer exports " + global));
    }

    /**
     * Returns the library's own description ({@code MPI_Get_library_version}; callable before initialisation).
     *
     * @return e.g. {@code Open MPI v4.1.4, package: Debian OpenMPI, ...}
     */
    public String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(mpi_h.MPI_MAX_LIBRARY_VERSION_STRING());
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            mpi_h.MPI_Get_library_version(text, length);
            return text.getString(0).lines().findFirst().orElse("").strip();
        }
    }

    /**
     * Describes the library on one line.
     *
     * @return e.g. {@code Open MPI v4.1.4, ... (/usr/lib/x86_64-linux-gnu/libmpi.so.40)}
     */
    @Override
    public String toString() {
        return version() + " (" + path + ")";
    }

    /** The cached result of the one search; class initialisation makes it lazy, thread-safe and run once. */
    private record Outcome(Mpi library, List<String> attempts) {
        static final Outcome INSTANCE = search();

        private static Outcome search() {
            try {
                SystemLibraryLocator.Located found = SystemLibraryLocator.fromSystem(LIBRARY).locate();
                LOG.log(Level.DEBUG, "Loaded MPI from {0}", found.path());
                return new Outcome(new Mpi(found.path()), found.attempts());
            } catch (NativeLibraryException e) {
                LOG.log(Level.DEBUG, e.getMessage());
                return new Outcome(null, e.attempts());
            } catch (RuntimeException | LinkageError e) { // never leave the holder class failed
                LOG.log(Level.WARNING, "MPI search failed unexpectedly", e);
                return new Outcome(null, List.of("search failed unexpectedly: " + e));
            }
        }
    }
}
