package dev.nabla;

/**
 * What {@link Tensor#sort} and {@link Tensor#topk} return, like {@code torch.return_types.sort}: the values
 * (differentiable) and their int64 positions along the sorted dimension.
 *
 * @param values  the selected elements, in order
 * @param indices where each value came from along the dimension (int64)
 */
public record ValuesAndIndices(Tensor values, Tensor indices) {
}
