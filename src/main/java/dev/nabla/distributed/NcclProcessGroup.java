package dev.nabla.distributed;

import dev.nabla.Device;
import dev.nabla.Tensor;
import dev.nabla.backend.cuda.CudaStreamAccess;
import dev.nabla.bindings.nccl.nccl_h;
import dev.nabla.bindings.nccl.ncclUniqueId;
import dev.nabla.internal.Internals;
import dev.nabla.internal.PinnedData;
import dev.nabla.nativelib.Nccl;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

/**
 * {@link ProcessGroup} over NCCL for CUDA tensors on one GPU per rank: {@link ProcessGroup#initNccl} makes it from a
 * bootstrap group (MPI's world, or the single-process group), whose ranks it keeps. Rank 0 makes NCCL's unique id and
 * broadcasts it over the bootstrap group; each rank then calls {@code ncclCommInitRank} on its device. Collectives are
 * enqueued on the device's stream (ordered with every other op on that GPU) and complete when a CUDA event recorded
 * after them has; a wait longer than {@link #timeout()} aborts the communicator ({@code ncclCommAbort}) and throws.
 * NCCL's errors, including asynchronous ones ({@code ncclCommGetAsyncError}), become {@link DistributedException}s
 * with {@code ncclGetErrorString}'s text. The barrier is the bootstrap group's, after this rank's stream has drained.
 */
final class NcclProcessGroup implements ProcessGroup {
    /** How long a wait parks between event queries. */
    private static final long POLL_NANOS = 20_000;

    private final ProcessGroup bootstrap;
    private final Device device;
    private final CudaStreamAccess stream;
    private final MemorySegment comm;
    private boolean closed; // guarded by this

    private NcclProcessGroup(ProcessGroup bootstrap, Device device, CudaStreamAccess stream, MemorySegment comm) {
        this.bootstrap = bootstrap;
        this.device = device;
        this.stream = stream;
        this.comm = comm;
    }

    /** A communicator over {@code bootstrap}'s ranks, this rank on {@code device}. */
    static NcclProcessGroup create(ProcessGroup bootstrap, Device device) {
        if (bootstrap == null || device == null) {
            throw new NullPointerException("ProcessGroup.initNccl: bootstrap group and device must be given");
        }
        if (bootstrap instanceof NcclProcessGroup) {
            throw new IllegalArgumentException("ProcessGroup.initNccl: the bootstrap group must be MPI's or the"
                    + " single-process group, not an NCCL group");
        }
        if (device.kind() != Device.Kind.CUDA) {
            throw new IllegalArgumentException("ProcessGroup.initNccl: NCCL needs a CUDA device, got " + device
                    + " (CPU tensors use the MPI group itself)");
        }
        if (!Device.cudaAvailable()) {
            throw new DistributedException("ProcessGroup.initNccl: " + device + " is not usable: no CUDA here");
        }
        Nccl nccl = Nccl.load().orElseThrow(() -> new DistributedException("ProcessGroup.initNccl: NCCL"
                + " (libnccl.so.2) was not found (install libnccl2 or pip install nvidia-nccl-cu13, or set"
                + " NABLA_NCCL_PATH). Tried:\n  " + String.join("\n  ", Nccl.attempts())));
        CudaStreamAccess stream = CudaStreamAccess.of(device.index());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = uniqueId(bootstrap, arena);
            MemorySegment commOut = arena.allocate(ValueLayout.ADDRESS);
            stream.enter(); // ncclCommInitRank binds the communicator to the current device
            check("ncclCommInitRank(rank " + bootstrap.rank() + " of " + bootstrap.size() + ", " + nccl + ")",
                    nccl_h.ncclCommInitRank(commOut, bootstrap.size(), id, bootstrap.rank()));
            return new NcclProcessGroup(bootstrap, device, stream, commOut.get(ValueLayout.ADDRESS, 0));
        }
    }

    /** Rank 0's {@code ncclGetUniqueId}, sent to every rank as 16 int64 values over the bootstrap group. */
    private static MemorySegment uniqueId(ProcessGroup bootstrap, Arena arena) {
        MemorySegment id = arena.allocate(ncclUniqueId.layout());
        int words = (int) (id.byteSize() / Long.BYTES);
        long[] values = new long[words];
        if (bootstrap.rank() == 0) {
            check("ncclGetUniqueId", nccl_h.ncclGetUniqueId(id));
            values = id.toArray(ValueLayout.JAVA_LONG);
        }
        try (Tensor t = Tensor.of(values, words)) {
            bootstrap.broadcast(t, 0);
            MemorySegment.copy(t.toLongArray(), 0, id, ValueLayout.JAVA_LONG, 0, words);
        }
        return id;
    }

    @Override
    public int rank() {
        return bootstrap.rank();
    }

    @Override
    public int size() {
        return bootstrap.size();
    }

    @Override
    public Duration timeout() {
        return bootstrap.timeout();
    }

    /** The GPU this rank's communicator runs on. */
    Device device() {
        return device;
    }

    // ------------------------------------------------------------------ collectives

    @Override
    public void allReduce(Tensor tensor, ReduceOp op) {
        allReduceAsync(tensor, op).waitFor();
    }

    @Override
    public Work allReduceAsync(Tensor tensor, ReduceOp op) {
        operand("allReduce", tensor);
        CollectiveChecks.reduction("allReduce", tensor, op);
        int type = NcclTypes.reduced("allReduce", tensor.dtype());
        int ncclOp = NcclTypes.op(op, tensor.dtype());
        PinnedData data = Internals.pinData(tensor, "allReduce");
        return enqueue("allReduce", List.of(data), List.of(tensor), s -> nccl_h.ncclAllReduce(data.segment(),
                data.segment(), tensor.numel(), type, ncclOp, comm, s));
    }

    @Override
    public void broadcast(Tensor tensor, int root) {
        broadcastAsync(tensor, root).waitFor();
    }

    @Override
    public Work broadcastAsync(Tensor tensor, int root) {
        operand("broadcast", tensor);
        CollectiveChecks.root("broadcast", root, size());
        PinnedData data = Internals.pinData(tensor, "broadcast");
        return enqueue("broadcast", List.of(data), List.of(tensor), s -> nccl_h.ncclBroadcast(data.segment(),
                data.segment(), data.segment().byteSize(), nccl_h.ncclUint8(), root, comm, s));
    }

    @Override
    public void allGather(Tensor output, Tensor input) {
        allGatherAsync(output, input).waitFor();
    }

    @Override
    public Work allGatherAsync(Tensor output, Tensor input) {
        operand("allGather", input);
        operand("allGather", output);
        CollectiveChecks.blocks("allGather", output, input, size(), "output", "input");
        PinnedData in = Internals.pinData(input, "allGather");
        PinnedData out = pinApart("allGather", output, in);
        return enqueue("allGather", List.of(in, out), List.of(output), s -> nccl_h.ncclAllGather(in.segment(),
                out.segment(), in.segment().byteSize(), nccl_h.ncclUint8(), comm, s));
    }

    @Override
    public void reduceScatter(Tensor output, Tensor input, ReduceOp op) {
        reduceScatterAsync(output, input, op).waitFor();
    }

    @Override
    public Work reduceScatterAsync(Tensor output, Tensor input, ReduceOp op) {
        operand("reduceScatter", input);
        operand("reduceScatter", output);
        CollectiveChecks.blocks("reduceScatter", input, output, size(), "input", "output");
        CollectiveChecks.reduction("reduceScatter", input, op);
        int type = NcclTypes.reduced("reduceScatter", input.dtype());
        int ncclOp = NcclTypes.op(op, input.dtype());
        PinnedData in = Internals.pinData(input, "reduceScatter");
        PinnedData out = pinApart("reduceScatter", output, in);
        return enqueue("reduceScatter", List.of(in, out), List.of(output), s -> nccl_h.ncclReduceScatter(
                in.segment(), out.segment(), output.numel(), type, ncclOp, comm, s));
    }

    @Override
    public void barrier() {
        stream.synchronize();
        bootstrap.barrier();
    }

    @Override
    public Work barrierAsync() {
        stream.synchronize();
        return bootstrap.barrierAsync();
    }

    /** Destroys the communicator once this rank's stream has drained; the bootstrap group stays open. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stream.synchronize();
        check("ncclCommDestroy", nccl_h.ncclCommDestroy(comm));
    }

    // ------------------------------------------------------------------ running calls

    /** A tensor NCCL can read and write in place: open, on this group's GPU, contiguous. */
    private void operand(String op, Tensor t) {
        if (t == null) {
            throw new NullPointerException(op + ": tensor is null");
        }
        if (t.isClosed()) {
            throw new IllegalStateException(op + ": " + t.describe() + " was used after it was closed");
        }
        if (!t.device().equals(device)) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " is on " + t.device() + "; this NCCL"
                    + " group runs on " + device + " (move it with .to(" + device + "))");
        }
        if (t.numel() > 0 && !t.isContiguous()) {
            throw new IllegalArgumentException(op + ": " + t.describe() + " is not contiguous; pass x.contiguous()"
                    + " and copy the result back");
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException(op + ": the NCCL group was closed");
            }
        }
    }

    /** Pins {@code output}, which must not overlap the already pinned {@code input}. */
    private static PinnedData pinApart(String op, Tensor output, PinnedData input) {
        PinnedData out;
        try {
            out = Internals.pinData(output, op);
        } catch (RuntimeException e) {
            input.close();
            throw e;
        }
        long a = input.segment().address();
        long b = out.segment().address();
        if (a < b + out.segment().byteSize() && b < a + input.segment().byteSize()) {
            out.close();
            input.close();
            throw new IllegalArgumentException(op + ": output " + output.describe() + " overlaps the input's memory");
        }
        return out;
    }

    /** Enqueues one collective on the device's stream and records the event that marks its end. */
    private Work enqueue(String op, List<PinnedData> pins, List<Tensor> written, Function<MemorySegment, Integer> call) {
        CudaStreamAccess.Event done;
        try {
            MemorySegment s = stream.enter();
            check(op, call.apply(s));
            done = stream.record();
        } catch (RuntimeException e) {
            pins.forEach(PinnedData::close);
            throw e;
        }
        return new NcclWork(op, pins, written, done);
    }

    /** One enqueued collective: done when its event is. */
    private final class NcclWork implements Work {
        private final String op;
        private final List<PinnedData> pins;
        private final List<Tensor> written;
        private final CudaStreamAccess.Event done;
        private boolean completed; // guarded by this

        NcclWork(String op, List<PinnedData> pins, List<Tensor> written, CudaStreamAccess.Event done) {
            this.op = op;
            this.pins = pins;
            this.written = written;
            this.done = done;
        }

        @Override
        public synchronized void waitFor() {
            long deadline = System.nanoTime() + timeout().toNanos();
            while (!isCompleted()) {
                if (System.nanoTime() - deadline > 0) {
                    nccl_h.ncclCommAbort(comm);
                    synchronized (NcclProcessGroup.this) {
                        closed = true;
                    }
                    throw new DistributedException(op + " on rank " + rank() + " of " + size() + " (NCCL, " + device
                            + ") did not complete within " + timeout().toMillis() + " ms; the communicator was aborted");
                }
                LockSupport.parkNanos(POLL_NANOS);
            }
        }

        @Override
        public synchronized boolean isCompleted() {
            if (completed) {
                return true;
            }
            if (!done.isDone()) {
                checkAsyncError();
                return false;
            }
            completed = true;
            done.close();
            pins.forEach(PinnedData::close);
            written.forEach(Internals::markModified);
            return true;
        }

        private void checkAsyncError() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment result = arena.allocate(ValueLayout.JAVA_INT);
                check("ncclCommGetAsyncError", nccl_h.ncclCommGetAsyncError(comm, result));
                int async = result.get(ValueLayout.JAVA_INT, 0);
                if (async != nccl_h.ncclSuccess() && async != nccl_h.ncclInProgress()) {
                    throw new DistributedException(op + " on rank " + rank() + " of " + size() + " failed in NCCL: "
                            + Nccl.errorString(async));
                }
            }
        }
    }

    private static void check(String call, int result) {
        if (result != nccl_h.ncclSuccess()) {
            throw new DistributedException(call + " failed: " + Nccl.errorString(result) + " (NCCL error " + result
                    + "; NCCL_DEBUG=WARN prints NCCL's own reason)");
        }
    }
}
