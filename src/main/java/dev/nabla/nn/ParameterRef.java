package dev.nabla.nn;

/**
 * Parameter {@code name} of {@code module} (its own, not a dotted path), as in the {@code (module, name)} pairs of
 * {@code torch.nn.utils.prune.global_unstructured}.
 */
public record ParameterRef(Module module, String name) {
    /** Checks both are given. */
    public ParameterRef {
        if (module == null || name == null) {
            throw new IllegalArgumentException("ParameterRef: module and name must not be null, got " + module + ", "
                    + name);
        }
    }
}
