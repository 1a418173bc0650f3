package dev.nabla.distributed;

import dev.nabla.Device;
import dev.nabla.Tensor;
import java.time.Duration;

/**
 * The processes of one data-parallel job and the collectives among them, like PyTorch's {@code ProcessGroup}. Every
 * rank must call the same collectives in the same order with tensors of the same shape and dtype.
 *
 * <p>Tensors: CPU tensors ({@link dev.nabla.Device#isHost() host} devices), contiguous; their off-heap memory is
 * handed to MPI as it is, without copies. Every dtype works: reductions of bfloat16 and float16 run on a float32
 * copy (MPI has no such types) and are rounded once at the end; broadcast and all-gather move their bytes.
 * Non-contiguous tensors are rejected (pass {@code x.contiguous()} and copy the result back). The {@code ...Async}
 * variants return a {@link Work}; the tensors must stay untouched until it completes.
 *
 * <p>Failures: MPI errors become {@link DistributedException}s (the communicator uses {@code MPI_ERRORS_RETURN}).
 * A rank that dies (an uncaught exception ends its JVM without {@code MPI_Finalize}) makes {@code mpirun} end the
 * whole job. A rank that neither dies nor joins a collective would leave the others waiting forever, so every wait
 * is watched: after {@link #timeout()} the waiting rank prints which collective timed out and calls
 * {@code MPI_Abort}, which ends every rank of the job.
 *
 * <p>Threads: MPI is initialised with {@code MPI_THREAD_MULTIPLE} when the library provides it (Debian's Open MPI
 * does), so any thread may call collectives; with a lower level every MPI call takes one lock, and waits poll so
 * that the lock is never held while blocked. Either way, collectives issued concurrently by several threads must
 * still be issued in the same order on every rank.
 *
 * <p>Lifetime: MPI can be initialised once per process. {@link #init} returns the same group on later calls until
 * {@link #close()} finalises MPI; every rank must close it (a rank that exits without {@code MPI_Finalize} makes
 * {@code mpirun} report the job as failed).
 */
public sealed interface ProcessGroup extends AutoCloseable permits MpiProcessGroup, NcclProcessGroup, SingleProcessGroup {

    /** The default limit on one wait for a collective: five minutes. */
    Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    /**
     * The group of this job with the {@link #DEFAULT_TIMEOUT}: {@link #init(Duration)}.
     *
     * @return the group; size 1 when not launched by {@code mpirun}
     */
    static ProcessGroup init() {
        return init(DEFAULT_TIMEOUT);
    }

    /**
     * The group of this job. Launched by {@code mpirun} (its {@code OMPI_COMM_WORLD_RANK} and
     * {@code OMPI_COMM_WORLD_SIZE} are set): MPI's world. Otherwise a single-process group (rank 0 of 1, every
     * collective a local no-op or copy) without MPI, as Horovod's {@code init()} behaves, so that one program runs
     * both ways; {@link #initMpi} insists on MPI instead.
     *
     * @param timeout the longest one wait for a collective may take before the job is aborted
     * @return the group
     * @throws DistributedException under {@code mpirun} when the MPI library cannot be loaded or initialised
     */
    static ProcessGroup init(Duration timeout) {
        return MpiLaunch.fromEnvironment().isPresent() ? initMpi(timeout) : new SingleProcessGroup(timeout);
    }

    /**
     * MPI's world group; unlike {@link #init(Duration)}, fails when not launched by {@code mpirun}.
     *
     * @param timeout the longest one wait for a collective may take before the job is aborted
     * @return the group (the same object on later calls, until it is closed)
     * @throws DistributedException naming what is missing: the launcher's environment variables, or the MPI library
     *     (with every place searched)
     */
    static ProcessGroup initMpi(Duration timeout) {
        return MpiProcessGroup.world(timeout);
    }

    /**
     * An NCCL communicator over {@code bootstrap}'s ranks for CUDA tensors, this rank on {@code device} (one GPU per
     * rank, usually {@code Device.cuda(localRank)}). Rank 0 makes NCCL's unique id and {@code bootstrap} broadcasts it;
     * every rank must call this together. Collectives run on the device's stream, so they follow the ops before them
     * on that GPU; the timeout is {@code bootstrap}'s. Pass the result to {@link DistributedDataParallel} for a model
     * on that GPU. Closing it destroys the communicator only; close {@code bootstrap} after it.
     *
     * @param bootstrap the group whose ranks take part: {@link #init()} (MPI under {@code mpirun}, else one process)
     * @param device    this rank's CUDA device
     * @return the NCCL group
     * @throws DistributedException naming what is missing: CUDA, or the NCCL library (with every place searched), or
     *     NCCL's error text when the communicator cannot be made
     */
    static ProcessGroup initNccl(ProcessGroup bootstrap, Device device) {
        return NcclProcessGroup.create(bootstrap, device);
    }

    /**
     * This process's index in the group.
     *
     * @return 0 to {@code size() - 1}
     */
    int rank();

    /**
     * The number of processes.
     *
     * @return at least 1
     */
    int size();

    /**
     * The longest one wait for a collective may take before the watchdog aborts the job.
     *
     * @return the timeout given to {@link #init(Duration)}
     */
    Duration timeout();

    /**
     * Combines {@code tensor} over all ranks, in place: afterwards every rank holds the same result.
     *
     * @param tensor a contiguous CPU tensor of the same shape and dtype on every rank
     * @param op     how values combine ({@link ReduceOp#AVG}: floating-point dtypes only)
     */
    void allReduce(Tensor tensor, ReduceOp op);

    /**
     * Starts {@link #allReduce}; the result is in {@code tensor} once the returned work completes.
     *
     * @param tensor a contiguous CPU tensor of the same shape and dtype on every rank
     * @param op     how values combine
     * @return the running collective
     */
    Work allReduceAsync(Tensor tensor, ReduceOp op);

    /**
     * Copies {@code root}'s {@code tensor} into {@code tensor} on every other rank.
     *
     * @param tensor a contiguous CPU tensor of the same shape and dtype on every rank
     * @param root   the rank whose values everyone receives
     */
    void broadcast(Tensor tensor, int root);

    /**
     * Starts {@link #broadcast}.
     *
     * @param tensor a contiguous CPU tensor of the same shape and dtype on every rank
     * @param root   the rank whose values everyone receives
     * @return the running collective
     */
    Work broadcastAsync(Tensor tensor, int root);

    /**
     * Gathers every rank's {@code input} into {@code output}, rank after rank, on every rank (PyTorch's
     * {@code all_gather_into_tensor}).
     *
     * @param output a contiguous tensor of {@code size() * input.numel()} elements, of {@code input}'s dtype
     * @param input  a contiguous tensor of the same shape and dtype on every rank
     */
    void allGather(Tensor output, Tensor input);

    /**
     * Starts {@link #allGather}.
     *
     * @param output a contiguous tensor of {@code size() * input.numel()} elements, of {@code input}'s dtype
     * @param input  a contiguous tensor of the same shape and dtype on every rank
     * @return the running collective
     */
    Work allGatherAsync(Tensor output, Tensor input);

    /**
     * Combines {@code input} over all ranks and leaves rank {@code r} the {@code r}-th block of the result in
     * {@code output} (PyTorch's {@code reduce_scatter_tensor}).
     *
     * @param output a contiguous tensor of {@code input.numel() / size()} elements, of {@code input}'s dtype
     * @param input  a contiguous tensor of {@code size() * output.numel()} elements, the same on every rank
     * @param op     how values combine
     */
    void reduceScatter(Tensor output, Tensor input, ReduceOp op);

    /**
     * Starts {@link #reduceScatter}.
     *
     * @param output a contiguous tensor of {@code input.numel() / size()} elements, of {@code input}'s dtype
     * @param input  a contiguous tensor of {@code size() * output.numel()} elements
     * @param op     how values combine
     * @return the running collective
     */
    Work reduceScatterAsync(Tensor output, Tensor input, ReduceOp op);

    /** Returns once every rank has called it. */
    void barrier();

    /**
     * Starts {@link #barrier}.
     *
     * @return the running barrier
     */
    Work barrierAsync();

    /** Finalises MPI (after this process's last collective); later calls do nothing. */
    @Override
    void close();
}
