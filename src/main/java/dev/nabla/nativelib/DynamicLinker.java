package dev.nabla.nativelib;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loads shared libraries into this class loader ({@link System#load}), checking a candidate first.
 *
 * <p>Why a private {@code dlopen} before {@code System.load}: a library that {@code System.load} accepted
 * stays in the class loader for good, and {@link java.lang.foreign.SymbolLookup#loaderLookup()} searches
 * its libraries in no defined order. Loading a candidate that then turns out to lack symbols would leave
 * it able to shadow the library finally chosen, and would make later candidates look complete thanks to
 * its symbols. So each candidate is opened with its own handle ({@code RTLD_LOCAL}), its symbols are
 * looked up in that handle only, and only a complete one is passed to {@code System.load} (which reuses
 * the mapping, so the library initialises once). {@code dlerror} also gives the precise reason a file
 * cannot be opened (missing dependency, wrong architecture, not an ELF file).
 */
@SuppressWarnings("restricted") // dlopen/dlsym downcalls; run with --enable-native-access
final class DynamicLinker {
    private static final int RTLD_LAZY = 0x1; // RTLD_LOCAL is 0 on Linux

    private static final MethodHandle DLOPEN = libc("dlopen", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle DLSYM = libc("dlsym", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
    private static final MethodHandle DLCLOSE = libc("dlclose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle DLERROR = libc("dlerror", FunctionDescriptor.of(ADDRESS));

    private DynamicLinker() {
    }

    /**
     * Loads {@code file} into this class loader if it opens and exports every symbol in {@code symbols}.
     *
     * @return empty when loaded, otherwise why the file was rejected (it is then not loaded)
     */
    static Optional<String> loadChecked(Path file, List<String> symbols) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment handle = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(file.toString()), RTLD_LAZY);
            if (handle.equals(MemorySegment.NULL)) {
                return Optional.of("cannot be opened: " + lastError());
            }
            try {
                List<String> missing = symbols.stream().filter(name -> !exports(handle, name, arena)).toList();
                if (!missing.isEmpty()) {
                    return Optional.of("lacks " + missing.size() + " required symbol(s): " + String.join(", ", missing));
                }
                return load(file);
            } finally {
                int ignored = (int) DLCLOSE.invokeExact(handle);
            }
        } catch (Throwable t) {
            return Optional.of("probe failed: " + t);
        }
    }

    /**
     * Loads {@code file} into this class loader without any check (used for dependencies).
     *
     * @return empty when loaded, otherwise the dynamic linker's reason
     */
    static Optional<String> load(Path file) {
        try {
            System.load(file.toAbsolutePath().toString());
            return Optional.empty();
        } catch (UnsatisfiedLinkError e) {
            return Optional.of("System.load failed: " + e.getMessage());
        }
    }

    private static boolean exports(MemorySegment handle, String name, Arena arena) {
        try {
            return !((MemorySegment) DLSYM.invokeExact(handle, arena.allocateFrom(name))).equals(MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException("dlsym(" + name + ") failed", t);
        }
    }

    private static String lastError() throws Throwable {
        MemorySegment message = (MemorySegment) DLERROR.invokeExact();
        return message.equals(MemorySegment.NULL) ? "unknown reason" : message.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(linker.defaultLookup().find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc does not export " + name)), descriptor);
    }

    /**
     * Loads the library a user named explicitly (a system property or environment variable, {@code label}), checking
     * that it exports {@code symbols}; records the outcome in {@code attempts} and warns on {@code log} when the named
     * file cannot be used (the search then goes on).
     */
    static Optional<Path> loadExplicit(String label, String value, List<String> symbols, List<String> attempts,
                                       System.Logger log) {
        if (value == null || value.isBlank()) {
            attempts.add(label + ": not set");
            return Optional.empty();
        }
        Optional<String> problem;
        Path file = null;
        try {
            file = Path.of(value).toAbsolutePath();
            problem = !Files.exists(file) ? Optional.of("no such file")
                    : !Files.isRegularFile(file) ? Optional.of("not a regular file")
                    : loadChecked(file, symbols);
        } catch (InvalidPathException e) {
            problem = Optional.of("not a valid path: " + e.getMessage());
        }
        attempts.add(label + "=" + value + ": " + problem.orElse("loaded"));
        problem.ifPresent(why -> log.log(System.Logger.Level.WARNING, "{0} is set to {1}, which cannot be used ({2}); searching on",
                label, value, why));
        return problem.isPresent() ? Optional.empty() : Optional.of(file);
    }
}
