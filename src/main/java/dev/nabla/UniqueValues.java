package dev.nabla;

/**
 * What {@link Tensor#unique} returns, like the tuple of {@code torch.unique}: the distinct values and, when asked
 * for, where each input element's value sits among them and how often each value occurs.
 *
 * @param values  the distinct elements, 1-D, in this tensor's dtype (ascending)
 * @param inverse for every input element, the position of its value in {@code values} (int64, the input's shape),
 *                or null when not asked for
 * @param counts  how often each value occurs (int64, the length of {@code values}), or null when not asked for
 */
public record UniqueValues(Tensor values, Tensor inverse, Tensor counts) {
}
