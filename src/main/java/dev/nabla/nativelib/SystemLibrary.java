package dev.nabla.nativelib;

import java.util.List;

/**
 * What {@link SystemLibraryLocator} searches for: an optional native library installed by the system's package
 * manager (oneDNN, Open MPI), which a user may also name by a system property or an environment variable.
 *
 * @param description     how messages name it, e.g. {@code "oneDNN (libdnnl)"}
 * @param pathProperty    the system property naming the library file to use
 * @param pathVariable    the environment variable naming the library file to use
 * @param fileNames       the file names tried in each system directory, in order (the bindings' soname first)
 * @param installHint     what to do when it is missing, e.g. {@code "apt-get install libdnnl2"}
 * @param requiredSymbols the symbols a candidate must export (the bindings' functions and handles)
 */
record SystemLibrary(String description, String pathProperty, String pathVariable, List<String> fileNames,
                     String installHint, List<String> requiredSymbols) {
    SystemLibrary {
        fileNames = List.copyOf(fileNames);
        requiredSymbols = List.copyOf(requiredSymbols);
    }
}
