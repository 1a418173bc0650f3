package dev.nabla.nativelib;

import dev.nabla.base.LazyLogger;
import dev.nabla.bindings.dnnl.dnnl_h;
import dev.nabla.bindings.dnnl.dnnl_version_t;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The oneDNN library ({@code libdnnl}, 2.x) loaded into this JVM, which the generated bindings
 * {@link dev.nabla.bindings.dnnl.dnnl_h} call into. It is optional: without it the CPU has no bfloat16/float16/int8
 * GEMM fast path, and nothing fails at startup.
 *
 * <p>Where it looks, in order: the file named by the system property {@code nabla.dnnl.path}, then by the
 * environment variable {@code NABLA_DNNL_PATH}; then {@code libdnnl.so.2} or {@code libdnnl.so} in
 * {@code java.library.path}, {@code LD_LIBRARY_PATH} and the usual install directories (Debian: {@code libdnnl2}).
 * A candidate is used only if it exports all of {@link #REQUIRED_SYMBOLS}. {@link #attempts()} says what was tried.
 */
public final class Dnnl {

    /** The functions Nabla binds (native/jextract/dnnl.jextract); a library that lacks any of them is not used. */
    public static final List<String> REQUIRED_SYMBOLS = List.of(
            "dnnl_version", "dnnl_get_effective_cpu_isa", "dnnl_engine_create", "dnnl_engine_destroy",
            "dnnl_stream_create", "dnnl_stream_destroy", "dnnl_memory_desc_init_by_strides", "dnnl_memory_desc_get_size",
            "dnnl_memory_create", "dnnl_memory_set_data_handle", "dnnl_memory_destroy", "dnnl_primitive_attr_create",
            "dnnl_primitive_attr_destroy", "dnnl_primitive_attr_set_output_scales", "dnnl_primitive_attr_set_zero_points",
            "dnnl_primitive_attr_set_scratchpad_mode", "dnnl_primitive_attr_set_post_ops", "dnnl_post_ops_create",
            "dnnl_post_ops_destroy", "dnnl_post_ops_append_sum", "dnnl_matmul_desc_init", "dnnl_primitive_desc_create",
            "dnnl_primitive_desc_query_md", "dnnl_primitive_desc_destroy", "dnnl_primitive_create",
            "dnnl_primitive_execute", "dnnl_primitive_destroy");

    /** Where oneDNN is looked for: {@code nabla.dnnl.path}, {@code NABLA_DNNL_PATH}, then the 2.x soname. */
    static final SystemLibrary LIBRARY = new SystemLibrary("oneDNN (libdnnl)", "nabla.dnnl.path", "NABLA_DNNL_PATH",
            List.of("libdnnl.so.2", "libdnnl.so"), "apt-get install libdnnl2", REQUIRED_SYMBOLS);

    private static final System.Logger LOG = LazyLogger.of(Dnnl.class);

    private final Path path;

    private Dnnl(Path path) {
        this.path = path;
    }

    /**
     * Loads oneDNN on first call; later calls return the same outcome without searching again. Safe from any thread.
     *
     * @return the loaded library, or empty when none was found ({@link #attempts()} says why)
     */
    public static Optional<Dnnl> load() {
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
     * Returns the library's version ({@code dnnl_version}).
     *
     * @return e.g. {@code 2.6.3}
     */
    public String version() {
        MemorySegment v = dnnl_h.dnnl_version().reinterpret(dnnl_version_t.layout().byteSize());
        return dnnl_version_t.major(v) + "." + dnnl_version_t.minor(v) + "." + dnnl_version_t.patch(v);
    }

    /**
     * Returns the widest instruction set oneDNN's CPU kernels use here ({@code dnnl_get_effective_cpu_isa}).
     *
     * @return e.g. {@code avx512_core_bf16} (native bfloat16 dot products) or {@code avx2}
     */
    public String cpuIsa() {
        int isa = dnnl_h.dnnl_get_effective_cpu_isa();
        return isa == dnnl_h.dnnl_cpu_isa_avx512_core_amx() ? "avx512_core_amx"
                : isa == dnnl_h.dnnl_cpu_isa_avx512_core_bf16() ? "avx512_core_bf16"
                : isa == dnnl_h.dnnl_cpu_isa_avx512_core_vnni() ? "avx512_core_vnni"
                : isa == dnnl_h.dnnl_cpu_isa_avx512_core() ? "avx512_core"
                : isa == dnnl_h.dnnl_cpu_isa_avx2_vnni() ? "avx2_vnni"
                : isa == dnnl_h.dnnl_cpu_isa_avx2() ? "avx2"
                : isa == dnnl_h.dnnl_cpu_isa_avx() ? "avx"
                : isa == dnnl_h.dnnl_cpu_isa_sse41() ? "sse41"
                : "isa 0x" + Integer.toHexString(isa);
    }

    /**
     * Describes the library on one line.
     *
     * @return e.g. {@code oneDNN 2.6.3 /usr/lib/x86_64-linux-gnu/libdnnl.so.2, cpu isa avx512_core_bf16}
     */
    @Override
    public String toString() {
        return "oneDNN " + version() + " " + path + ", cpu isa " + cpuIsa();
    }

    /**
     * Debian's oneDNN runs on OpenMP, whose idle threads spin by default: on a small shared machine that made small
     * products 10-60x slower and steals the cores other work needs. Before the library (and its OpenMP runtime) loads,
     * this sets {@code OMP_WAIT_POLICY=PASSIVE} in the process environment unless the user set a policy.
     */
    private static void passiveOpenMpThreads() {
        try (Arena arena = Arena.ofConfined()) {
            Linker linker = Linker.nativeLinker();
            MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT));
            int rc = (int) setenv.invokeExact(arena.allocateFrom("OMP_WAIT_POLICY"), arena.allocateFrom("PASSIVE"), 0);
            if (rc != 0) {
                LOG.log(Level.DEBUG, "setenv(OMP_WAIT_POLICY) failed: " + rc);
            }
        } catch (Throwable t) {
            LOG.log(Level.DEBUG, "could not set OMP_WAIT_POLICY: " + t);
        }
    }

    /** The cached result of the one search; class initialisation makes it lazy, thread-safe and run once. */
    private record Outcome(Dnnl library, List<String> attempts) {
        static final Outcome INSTANCE = search();

        private static Outcome search() {
            try {
                passiveOpenMpThreads();
                SystemLibraryLocator.Located found = SystemLibraryLocator.fromSystem(LIBRARY).locate();
                // Nothing logged, found or not: Nabla.info() reports it, its absence is no news (an optional
                // library), and a log call would start the logging system in the middle of the first product.
                return new Outcome(new Dnnl(found.path()), found.attempts());
            } catch (NativeLibraryException e) {
                return new Outcome(null, e.attempts());
            } catch (RuntimeException | LinkageError e) { // never leave the holder class failed
                LOG.log(Level.WARNING, "oneDNN search failed unexpectedly", e);
                return new Outcome(null, List.of("search failed unexpectedly: " + e));
            }
        }
    }
}
