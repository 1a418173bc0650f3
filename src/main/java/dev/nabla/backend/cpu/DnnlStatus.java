package dev.nabla.backend.cpu;

import dev.nabla.bindings.dnnl.dnnl_h;

/** Turns a {@code dnnl_status_t} into an exception naming the call and the status. */
final class DnnlStatus {
    private DnnlStatus() {
    }

    /**
     * Throws unless {@code status} is {@code dnnl_success}.
     *
     * @throws UnsupportedOperationException for {@code dnnl_unimplemented} (no kernel for these types on this CPU)
     * @throws IllegalStateException for any other failure
     */
    static void check(int status, String call) {
        if (status == dnnl_h.dnnl_success()) {
            return;
        }
        String message = "oneDNN " + call + " failed: " + name(status) + " (" + status + ")";
        if (status == dnnl_h.dnnl_unimplemented()) {
            throw new UnsupportedOperationException(message);
        }
        throw new IllegalStateException(message);
    }

    private static String name(int status) {
        return status == dnnl_h.dnnl_out_of_memory() ? "dnnl_out_of_memory"
                : status == dnnl_h.dnnl_invalid_arguments() ? "dnnl_invalid_arguments"
                : status == dnnl_h.dnnl_unimplemented() ? "dnnl_unimplemented"
                : status == dnnl_h.dnnl_iterator_ends() ? "dnnl_iterator_ends"
                : status == dnnl_h.dnnl_runtime_error() ? "dnnl_runtime_error"
                : status == dnnl_h.dnnl_not_required() ? "dnnl_not_required"
                : "unknown status";
    }
}
