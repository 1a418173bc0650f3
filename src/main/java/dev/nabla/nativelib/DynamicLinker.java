package dev.nabla.nativelib;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Loads shared libraries into this class loader ({@link System#load}), checking a candidate first.
 *
 * <p>Why a private handle ({@link SymbolLookup#libraryLookup(Path, Arena)}) before {@code System.load}: a library
 * that {@code System.load} accepted stays in the class loader for good, and {@link SymbolLookup#loaderLookup()}
 * searches its libraries in no defined order. Loading a candidate that then turns out to lack symbols would leave
 * it able to shadow the library finally chosen, and would make later candidates look complete thanks to
 * its symbols. So each candidate is opened with its own handle ({@code RTLD_LOCAL}), its symbols are
 * looked up in that handle only, and only a complete one is passed to {@code System.load} (which reuses
 * the mapping, so the library initialises once). When a file cannot be opened, {@code dlerror} gives the precise
 * reason (missing dependency, wrong architecture, not an ELF file).
 */
@SuppressWarnings("restricted") // library lookups and dlopen/dlerror downcalls; run with --enable-native-access
final class DynamicLinker {
    private DynamicLinker() {
    }

    /**
     * Loads {@code file} into this class loader if it opens and exports every symbol in {@code symbols}.
     *
     * @return empty when loaded, otherwise why the file was rejected (it is then not loaded)
     */
    static Optional<String> loadChecked(Path file, List<String> symbols) {
        // SymbolLookup.libraryLookup opens the file with a handle of its own (dlopen RTLD_LAZY, local) and closes it
        // with the arena; unlike our own dlopen downcalls it links no downcall stub, which costs a cold JVM several
        // milliseconds per signature at start-up. Only a failure to open asks dlerror for the reason.
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup handle;
            try {
                handle = SymbolLookup.libraryLookup(file, arena);
            } catch (IllegalArgumentException e) {
                return Optional.of("cannot be opened: " + OpenFailure.reason(file));
            }
            List<String> missing = symbols.stream().filter(name -> handle.find(name).isEmpty()).toList();
            if (!missing.isEmpty()) {
                return Optional.of("lacks " + missing.size() + " required symbol(s): " + String.join(", ", missing));
            }
            return load(file);
        } catch (RuntimeException e) {
            return Optional.of("probe failed: " + e);
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

    /** dlopen's own reason for a file that could not be opened (missing dependency, wrong architecture, not ELF). */
    private static final class OpenFailure {
        private static final int RTLD_LAZY = 0x1; // RTLD_LOCAL is 0 on Linux
        private static final MethodHandle DLOPEN = libc("dlopen", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
        private static final MethodHandle DLCLOSE = libc("dlclose", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        private static final MethodHandle DLERROR = libc("dlerror", FunctionDescriptor.of(ADDRESS));

        static String reason(Path file) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment handle = (MemorySegment) DLOPEN.invokeExact(arena.allocateFrom(file.toString()), RTLD_LAZY);
                if (!handle.equals(MemorySegment.NULL)) {
                    int ignored = (int) DLCLOSE.invokeExact(handle);
                    return "unknown reason (it opened when retried)";
                }
                MemorySegment message = (MemorySegment) DLERROR.invokeExact();
                return message.equals(MemorySegment.NULL) ? "unknown reason"
                        : message.reinterpret(Long.MAX_VALUE).getString(0);
            } catch (Throwable t) {
                return "unknown reason (dlerror failed: " + t + ")";
            }
        }

        private static MethodHandle libc(String name, FunctionDescriptor descriptor) {
            Linker linker = Linker.nativeLinker();
            return linker.downcallHandle(linker.defaultLookup().find(name)
                    .orElseThrow(() -> new UnsatisfiedLinkError("libc does not export " + name)), descriptor);
        }
    }
}
