package dev.nabla;

/**
 * A tensor a {@link Node} keeps for its backward rule, with the version it had when saved. Reading it after an
 * in-place change throws instead of silently producing a wrong gradient (PyTorch's saved-variable check).
 */
public final class SavedTensor {
    private final Tensor tensor;
    private final long version;
    private final String owner;

    SavedTensor(Tensor tensor, String owner) {
        this.tensor = tensor;
        this.version = tensor.version();
        this.owner = owner;
    }

    /** The saved tensor, checked: unchanged since it was saved and still alive. */
    public Tensor get() {
        if (tensor.isClosed()) {
            throw new IllegalStateException(owner + ": " + tensor.describe() + " saved for backward was closed "
                    + "before backward ran (was backward called after its scope ended?)");
        }
        if (tensor.version() != version) {
            throw new IllegalStateException(owner + ": " + tensor.describe() + " saved for backward was modified "
                    + "by an in-place operation (version " + tensor.version() + ", expected " + version
                    + "); clone it before modifying it");
        }
        return tensor;
    }
}
