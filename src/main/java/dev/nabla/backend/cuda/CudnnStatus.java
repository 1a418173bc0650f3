package dev.nabla.backend.cuda;

import dev.nabla.bindings.cudnn.cudnn_h;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.TreeMap;

/**
 * Names and checks {@code cudnnStatus_t}: every non-zero status of a cuDNN call becomes a {@link CudaException} whose
 * message names the device, the call with its shapes, the status constant and cuDNN's own description, e.g.
 * {@code cuda:0: cudnnConvolutionForward(x [8, 3, 32, 32], w [16, 3, 3, 3]) failed: CUDNN_STATUS_BAD_PARAM (...)}.
 */
final class CudnnStatus {
    /**
     * Status code to constant name, read from the generated bindings so that the two never disagree. Where cuDNN 9
     * keeps an older alias of a code (e.g. {@code CUDNN_STATUS_ARCH_MISMATCH}), the longer, specific name wins.
     */
    private static final Map<Integer, String> NAMES = statusNames();

    private CudnnStatus() {
    }

    /** Throws unless {@code rc} is {@code CUDNN_STATUS_SUCCESS}. */
    static void check(int rc, String where, String call) {
        if (rc != 0) {
            throw new CudaException(where + call + " failed: " + name(rc) + " (" + describe(rc) + ")", rc);
        }
    }

    /** True for {@code CUDNN_STATUS_NOT_SUPPORTED} and its specific forms (3000 to 3999). */
    static boolean isNotSupported(int rc) {
        return rc >= 3000 && rc < 4000;
    }

    /** The constant's name, e.g. {@code CUDNN_STATUS_NOT_SUPPORTED}, or {@code cudnnStatus_t <code>} if unknown. */
    static String name(int rc) {
        String n = NAMES.get(rc);
        return n != null ? n : "cudnnStatus_t " + rc;
    }

    /** cuDNN's description ({@code cudnnGetErrorString}); a placeholder when the library cannot answer. */
    static String describe(int rc) {
        try {
            return Cu.cString(cudnn_h.cudnnGetErrorString(rc), "no description");
        } catch (RuntimeException | LinkageError e) {
            return "no description: cuDNN is not loaded";
        }
    }

    private static Map<Integer, String> statusNames() {
        Map<Integer, String> names = new TreeMap<>();
        for (Method m : cudnn_h.class.getMethods()) {
            if (m.getName().startsWith("CUDNN_STATUS_") && m.getParameterCount() == 0
                    && m.getReturnType() == int.class && Modifier.isStatic(m.getModifiers())) {
                try {
                    names.merge((Integer) m.invoke(null), m.getName(),
                            (a, b) -> a.length() != b.length() ? (a.length() > b.length() ? a : b)
                                    : (a.compareTo(b) < 0 ? a : b));
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + m.getName() + " from the cuDNN bindings", e);
                }
            }
        }
        return Map.copyOf(names);
    }
}
