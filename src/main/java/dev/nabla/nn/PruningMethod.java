package dev.nabla.nn;

/** Which entries {@link Prune#globalUnstructured} prunes across all its parameters. */
public enum PruningMethod {
    /** The entries of smallest magnitude, like {@code torch.nn.utils.prune.L1Unstructured}. */
    L1,
    /** Entries chosen uniformly at random, like {@code torch.nn.utils.prune.RandomUnstructured}. */
    RANDOM
}
