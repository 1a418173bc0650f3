package dev.nabla.distributed;

import dev.nabla.DType;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.base.LazyLogger;
import dev.nabla.bindings.mpi.mpi_h;
import dev.nabla.internal.Internals;
import dev.nabla.internal.PinnedData;
import dev.nabla.nativelib.Mpi;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntSupplier;
import java.util.function.ToIntFunction;

/**
 * {@link ProcessGroup} over MPI's {@code MPI_COMM_WORLD}: each collective is one MPI call on the tensors' own memory
 * (blocking calls for the blocking methods, {@code MPI_I...} calls for the async ones). See {@link ProcessGroup} for
 * the contract (threads, timeouts, errors).
 */
final class MpiProcessGroup implements ProcessGroup {
    private static final System.Logger LOG = LazyLogger.of(MpiProcessGroup.class);
    /** How long a polling wait parks between {@code MPI_Test} calls when MPI calls are serialised. */
    private static final long POLL_NANOS = 20_000;

    private static MpiProcessGroup world; // guarded by MpiProcessGroup.class
    private static boolean finalized; // guarded by MpiProcessGroup.class

    private final MemorySegment comm;
    private final MpiTypes types;
    private final int rank;
    private final int size;
    private final Duration timeout;
    private final Watchdog watchdog;
    /** Null with MPI_THREAD_MULTIPLE; otherwise taken around every MPI call. */
    private final ReentrantLock lock;
    private boolean closed; // guarded by MpiProcessGroup.class

    private MpiProcessGroup(Mpi mpi, MpiLaunch launch, Duration timeout) {
        this.timeout = timeout;
        comm = mpi.handle("ompi_mpi_comm_world");
        types = new MpiTypes(mpi);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment provided = arena.allocate(ValueLayout.JAVA_INT);
            check("MPI_Init_thread", mpi_h.MPI_Init_thread(MemorySegment.NULL, MemorySegment.NULL,
                    mpi_h.MPI_THREAD_MULTIPLE(), provided), launch.rank());
            boolean multiple = provided.get(ValueLayout.JAVA_INT, 0) >= mpi_h.MPI_THREAD_MULTIPLE();
            lock = multiple ? null : new ReentrantLock();
            check("MPI_Comm_set_errhandler", mpi_h.MPI_Comm_set_errhandler(comm,
                    mpi.handle("ompi_mpi_errors_return")), launch.rank());
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            check("MPI_Comm_rank", mpi_h.MPI_Comm_rank(comm, value), launch.rank());
            rank = value.get(ValueLayout.JAVA_INT, 0);
            check("MPI_Comm_size", mpi_h.MPI_Comm_size(comm, value), launch.rank());
            size = value.get(ValueLayout.JAVA_INT, 0);
            if (rank != launch.rank() || size != launch.size()) {
                throw new DistributedException("MPI says rank " + rank + " of " + size + " but mpirun set "
                        + MpiLaunch.RANK + "=" + launch.rank() + ", " + MpiLaunch.SIZE + "=" + launch.size()
                        + ": mpirun and libmpi (" + mpi.path() + ") are from different MPI installations");
            }
            LOG.log(System.Logger.Level.DEBUG, "MPI rank {0} of {1}, {2}, threads: {3}", rank, size, mpi,
                    multiple ? "MPI_THREAD_MULTIPLE" : "serialised (level " + provided.get(ValueLayout.JAVA_INT, 0) + ")");
        }
        watchdog = new Watchdog(timeout, () -> mpi_h.MPI_Abort(comm, 3));
    }

    /** The world group, initialising MPI on first call. */
    static synchronized MpiProcessGroup world(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ProcessGroup.init: timeout must be positive, got " + timeout);
        }
        if (world != null) {
            return world;
        }
        if (finalized) {
            throw new DistributedException("ProcessGroup.init: MPI was finalised by ProcessGroup.close() and cannot"
                    + " be initialised again in the same process");
        }
        MpiLaunch launch = MpiLaunch.fromEnvironment()
                .orElseThrow(() -> new DistributedException(MpiLaunch.notLaunchedMessage()));
        Mpi mpi = Mpi.load().orElseThrow(() -> new DistributedException("launched by mpirun (rank " + launch.rank()
                + " of " + launch.size() + ") but the MPI library was not found (apt-get install libopenmpi-dev, or"
                + " set NABLA_MPI_PATH). Tried:\n  " + String.join("\n  ", Mpi.attempts())));
        world = new MpiProcessGroup(mpi, launch, timeout);
        return world;
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    // ------------------------------------------------------------------ collectives

    @Override
    public void allReduce(Tensor tensor, ReduceOp op) {
        run(allReduceCall(tensor, op));
    }

    @Override
    public Work allReduceAsync(Tensor tensor, ReduceOp op) {
        return start(allReduceCall(tensor, op));
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        run(broadcastCall(tensor, root));
    }

    @Override
    public Work broadcastAsync(Tensor tensor, int root) {
        return start(broadcastCall(tensor, root));
    }

    @Override
    public void allGather(Tensor output, Tensor input) {
        run(allGatherCall(output, input));
    }

    @Override
    public Work allGatherAsync(Tensor output, Tensor input) {
        return start(allGatherCall(output, input));
    }

    @Override
    public void reduceScatter(Tensor output, Tensor input, ReduceOp op) {
        run(reduceScatterCall(output, input, op));
    }

    @Override
    public Work reduceScatterAsync(Tensor output, Tensor input, ReduceOp op) {
        return start(reduceScatterCall(output, input, op));
    }

    @Override
    public void barrier() {
        run(new Call("barrier", List.of(), () -> mpi_h.MPI_Barrier(comm), r -> mpi_h.MPI_Ibarrier(comm, r), () -> { }));
    }

    @Override
    public Work barrierAsync() {
        return start(new Call("barrier", List.of(), () -> mpi_h.MPI_Barrier(comm), r -> mpi_h.MPI_Ibarrier(comm, r),
                () -> { }));
    }

    private Call allReduceCall(Tensor tensor, ReduceOp op) {
        CollectiveChecks.operand("allReduce", tensor);
        CollectiveChecks.reduction("allReduce", tensor, op);
        Tensor work = float32CopyIfNeeded(tensor, true);
        PinnedData data = pin("allReduce", work);
        int count = (int) tensor.numel();
        MemorySegment type = types.reduced(work.dtype());
        MemorySegment mpiOp = types.op(op, tensor.dtype());
        return new Call("allReduce", List.of(data),
                () -> mpi_h.MPI_Allreduce(Mpi.IN_PLACE, data.segment(), count, type, mpiOp, comm),
                r -> mpi_h.MPI_Iallreduce(Mpi.IN_PLACE, data.segment(), count, type, mpiOp, comm, r),
                () -> finishReduction(tensor, work, op));
    }

    private Call broadcastCall(Tensor tensor, int root) {
        CollectiveChecks.operand("broadcast", tensor);
        CollectiveChecks.root("broadcast", root, size);
        PinnedData data = pin("broadcast", tensor);
        int count = (int) tensor.numel();
        MemorySegment type = types.moved(tensor.dtype());
        return new Call("broadcast", List.of(data),
                () -> mpi_h.MPI_Bcast(data.segment(), count, type, root, comm),
                r -> mpi_h.MPI_Ibcast(data.segment(), count, type, root, comm, r),
                () -> Internals.markModified(tensor));
    }

    private Call allGatherCall(Tensor output, Tensor input) {
        CollectiveChecks.operand("allGather", output);
        CollectiveChecks.operand("allGather", input);
        CollectiveChecks.blocks("allGather", output, input, size, "output", "input");
        PinnedData in = pin("allGather", input);
        PinnedData out = pinApart("allGather", output, in);
        int count = (int) input.numel();
        MemorySegment type = types.moved(input.dtype());
        return new Call("allGather", List.of(in, out),
                () -> mpi_h.MPI_Allgather(in.segment(), count, type, out.segment(), count, type, comm),
                r -> mpi_h.MPI_Iallgather(in.segment(), count, type, out.segment(), count, type, comm, r),
                () -> Internals.markModified(output));
    }

    private Call reduceScatterCall(Tensor output, Tensor input, ReduceOp op) {
        CollectiveChecks.operand("reduceScatter", output);
        CollectiveChecks.operand("reduceScatter", input);
        CollectiveChecks.blocks("reduceScatter", input, output, size, "input", "output");
        CollectiveChecks.reduction("reduceScatter", input, op);
        Tensor workIn = float32CopyIfNeeded(input, true);
        Tensor workOut = float32CopyIfNeeded(output, false);
        PinnedData in = pin("reduceScatter", workIn);
        PinnedData out;
        try {
            out = pinApart("reduceScatter", workOut, in);
        } catch (RuntimeException e) {
            closeIfCopy(input, workIn);
            throw e;
        }
        int count = (int) output.numel();
        MemorySegment type = types.reduced(workIn.dtype());
        MemorySegment mpiOp = types.op(op, input.dtype());
        return new Call("reduceScatter", List.of(in, out),
                () -> mpi_h.MPI_Reduce_scatter_block(in.segment(), out.segment(), count, type, mpiOp, comm),
                r -> mpi_h.MPI_Ireduce_scatter_block(in.segment(), out.segment(), count, type, mpiOp, comm, r),
                () -> {
                    closeIfCopy(input, workIn);
                    finishReduction(output, workOut, op);
                });
    }

    /** bfloat16/float16: a float32 tensor to reduce in (with {@code tensor}'s values when {@code copyValues}). */
    private static Tensor float32CopyIfNeeded(Tensor tensor, boolean copyValues) {
        if (!CollectiveChecks.reducesInFloat32(tensor.dtype())) {
            return tensor;
        }
        try (Grad off = Grad.disabled()) {
            return Scope.detached(() -> copyValues ? tensor.to(DType.FLOAT32)
                    : Tensor.empty(DType.FLOAT32, tensor.device(), tensor.shape()));
        }
    }

    private static void closeIfCopy(Tensor tensor, Tensor work) {
        if (work != tensor) {
            work.close();
        }
    }

    /** After a reduction into {@code work}: AVG's division, and the copy back from a float32 copy. */
    private void finishReduction(Tensor target, Tensor work, ReduceOp op) {
        try (Grad off = Grad.disabled()) {
            if (op == ReduceOp.AVG && size > 1) {
                work.div_(Tensor.scalar(size, work.dtype(), work.device()));
            }
            if (work != target) {
                target.copy_(work);
                work.close();
            } else {
                Internals.markModified(target);
            }
        }
    }

    private static PinnedData pin(String op, Tensor t) {
        return Internals.pinData(t, op);
    }

    /** Pins {@code output}, which MPI requires to be apart from the already pinned {@code input}. */
    private static PinnedData pinApart(String op, Tensor output, PinnedData input) {
        PinnedData out;
        try {
            out = Internals.pinData(output, op);
        } catch (RuntimeException e) {
            input.close();
            throw e;
        }
        if (out.segment().asOverlappingSlice(input.segment()).isPresent()) {
            out.close();
            input.close();
            throw new IllegalArgumentException(op + ": output " + output.describe() + " overlaps the input's memory");
        }
        return out;
    }

    // ------------------------------------------------------------------ running calls

    /**
     * One collective, ready to go: its blocking and non-blocking MPI call, the memory pinned for it and what to do
     * once its data has arrived.
     */
    private record Call(String op, List<PinnedData> pins, IntSupplier blocking, ToIntFunction<MemorySegment> nonBlocking,
                        Runnable after) {
        void release() {
            pins.forEach(PinnedData::close);
        }
    }

    /** Runs a collective to completion: one blocking MPI call under the watchdog (with MPI_THREAD_MULTIPLE). */
    private void run(Call call) {
        if (lock != null) { // serialised: never hold the lock while blocked
            start(call).waitFor();
            return;
        }
        Watchdog.Armed watch = watchdog.arm(() -> call.op() + " on rank " + rank + " of " + size);
        int rc;
        try {
            rc = call.blocking().getAsInt();
        } finally {
            watch.disarm();
            call.release();
        }
        check(call.op(), rc, rank);
        call.after().run();
    }

    private Work start(Call call) {
        MemorySegment request = Arena.ofAuto().allocate(ValueLayout.ADDRESS);
        int rc;
        try {
            rc = locked(() -> call.nonBlocking().applyAsInt(request));
        } catch (RuntimeException | Error e) {
            call.release();
            throw e;
        }
        if (rc != mpi_h.MPI_SUCCESS()) {
            call.release();
            check(call.op(), rc, rank);
        }
        return new MpiWork(call, request);
    }

    /** A started non-blocking collective. */
    private final class MpiWork implements Work {
        private final Call call;
        private final MemorySegment request;
        private final MemorySegment flag = Arena.ofAuto().allocate(ValueLayout.JAVA_INT);
        private boolean done;

        MpiWork(Call call, MemorySegment request) {
            this.call = call;
            this.request = request;
        }

        @Override
        public synchronized void waitFor() {
            if (done) {
                return;
            }
            Watchdog.Armed watch = watchdog.arm(() -> call.op() + " (async) on rank " + rank + " of " + size);
            try {
                if (lock == null) {
                    finish(mpi_h.MPI_Wait(request, MemorySegment.NULL));
                } else {
                    while (!isCompleted()) {
                        LockSupport.parkNanos(POLL_NANOS);
                    }
                }
            } finally {
                watch.disarm();
            }
        }

        @Override
        public synchronized boolean isCompleted() {
            if (done) {
                return true;
            }
            int rc = locked(() -> mpi_h.MPI_Test(request, flag, MemorySegment.NULL));
            if (rc != mpi_h.MPI_SUCCESS() || flag.get(ValueLayout.JAVA_INT, 0) != 0) {
                finish(rc);
            }
            return done;
        }

        private void finish(int rc) {
            done = true;
            call.release();
            check(call.op(), rc, rank);
            call.after().run();
        }
    }

    private int locked(IntSupplier mpiCall) {
        if (lock == null) {
            return mpiCall.getAsInt();
        }
        lock.lock();
        try {
            return mpiCall.getAsInt();
        } finally {
            lock.unlock();
        }
    }

    private static void check(String op, int rc, int rank) {
        if (rc != mpi_h.MPI_SUCCESS()) {
            throw new DistributedException(op + " failed on rank " + rank + ": " + errorString(rc) + " (MPI error "
                    + rc + ")");
        }
    }

    private static String errorString(int rc) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(mpi_h.MPI_MAX_ERROR_STRING());
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            return mpi_h.MPI_Error_string(rc, text, length) == mpi_h.MPI_SUCCESS() ? text.getString(0) : "unknown error";
        }
    }

    @Override
    public void close() {
        synchronized (MpiProcessGroup.class) {
            if (closed) {
                return;
            }
            closed = true;
            world = null;
            finalized = true;
            watchdog.shutdown();
            check("MPI_Finalize", locked(mpi_h::MPI_Finalize), rank);
        }
    }

    @Override
    public String toString() {
        return "ProcessGroup(mpi, rank " + rank + " of " + size + ")";
    }
}
