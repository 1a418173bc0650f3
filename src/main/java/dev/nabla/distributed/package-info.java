/**
 * Data-parallel training over several processes, as PyTorch's {@code torch.distributed}: a {@link
 * dev.nabla.distributed.ProcessGroup} of collectives on CPU tensors over MPI (Open MPI through generated Panama
 * bindings), {@link dev.nabla.distributed.DistributedDataParallel} averaging gradients in buckets during backward,
 * and {@link dev.nabla.distributed.DistributedSampler} giving each process its shard of a dataset.
 *
 * <pre>{@code
 * // mpirun -np 2 java ... Train
 * try (ProcessGroup group = ProcessGroup.init()) {
 *     var model = new DistributedDataParallel(new Sequential(...), group);
 *     var sampler = new DistributedSampler(dataset.size(), group, true, 42);
 *     var loader = new DataLoader(dataset, 64, sampler);
 *     ...
 * }
 * }</pre>
 */
package dev.nabla.distributed;
