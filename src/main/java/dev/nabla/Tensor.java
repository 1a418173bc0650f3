package dev.nabla;

import dev.nabla.backend.Backend;
import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import dev.nabla.base.Elements;
import dev.nabla.base.Strided;
import dev.nabla.memory.Storage;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An n-dimensional array of numbers of one {@link DType} (float32 by default; float64, bfloat16, float16, the
 * integer types and bool) in off-heap memory on a {@link Device}, shaped like PyTorch's {@code torch.Tensor}.
 * Ops over operands of different dtypes promote them as PyTorch does ({@link #resultType}).
 *
 * <p>A tensor is a view: a storage plus shape, strides and offset. {@link #reshape}, {@link #transpose},
 * {@link #permute}, {@link #narrow}, {@link #expand} and friends return new views of the same memory without
 * copying; {@link #contiguous()} copies only when needed. Element-wise ops broadcast like NumPy.
 *
 * <p>Memory is released deterministically: by the {@link Scope} the tensor was created in, or by
 * {@link #close()}. Any use of a released tensor throws {@link IllegalStateException} naming it.
 *
 * <pre>{@code
 * try (var scope = Scope.open()) {
 *     Tensor x = Tensor.randn(new Generator(0), 4, 3);
 *     Tensor w = Tensor.of(new float[] {1, 2, 3}, 3, 1);
 *     Tensor y = x.matmul(w).relu().add(1.0);   // [4, 1]
 *     System.out.println(y);
 * }
 * }</pre>
 */
public final class Tensor implements AutoCloseable {
    private static final AtomicLong IDS = new AtomicLong();
    private static final VarHandle AUTOGRAD;

    static {
        try {
            AUTOGRAD = MethodHandles.lookup().findVarHandle(Tensor.class, "autograd", AutogradMeta.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final long id = IDS.incrementAndGet();
    // storage, lease, dtype, device, strides, offset and version change only in moveDataTo (Module.to moving or
    // converting a parameter in place, as PyTorch's param.data = ...); everything else treats them as fixed.
    private Storage storage;
    private Lease lease;
    private DType dtype;
    private Device device;
    private final long[] shape;
    private long[] strides;
    private long offset;
    /** In-place modification count, shared by every view of the same storage. */
    private long[] version;
    /**
     * Autograd state, made on first need (null while this tensor takes no part in autograd). Set once, by a
     * compare-and-set so two threads never make two; volatile so a gradient set on another thread is seen.
     */
    private volatile AutogradMeta autograd;

    /**
     * The one way a tensor comes to exist. Before anything is retained it checks, overflow-safe, that the view lies
     * inside the storage ({@link Shapes#checkInBounds}); {@code op} and {@code source} (the tensor viewed, or null
     * for a fresh allocation) name the culprit if not.
     */
    private Tensor(String op, Tensor source, Storage storage, boolean retain, DType dtype, Device device,
                   long[] shape, long[] strides, long offset, long[] version) {
        // element sizes are powers of two: a shift, not a division, on this path that every tensor takes
        Shapes.checkInBounds(op, shape, strides, offset,
                storage.byteSize() >>> Integer.numberOfTrailingZeros(dtype.byteSize()), source);
        if (retain) {
            storage.retain();
        }
        this.storage = storage;
        this.dtype = dtype;
        this.device = device;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        this.version = version;
        this.lease = new Lease(storage);
        Scope.adopt(this, lease);
    }

    // ------------------------------------------------------------------ creation

    /** An uninitialised tensor (contents are whatever the pool block held). */
    public static Tensor empty(DType dtype, Device device, long... shape) {
        long[] s = Shapes.check("empty", shape);
        requireNonNull("empty", dtype, device);
        long numel = Shapes.numel(s);
        if (Shapes.productOverflows(numel, dtype.byteSize())) {
            throw new IllegalArgumentException("empty: the byte size of shape " + Shapes.str(s) + " " + dtype + " ("
                    + numel + " * " + dtype.byteSize() + ") overflows a long");
        }
        Storage storage = device.backend().pool().allocate(numel * dtype.byteSize());
        return new Tensor("empty", null, storage, false, dtype, device, s, Strided.contiguousStrides(s), 0,
                new long[1]);
    }

    private static void requireNonNull(String op, DType dtype, Device device) {
        if (dtype == null || device == null) {
            throw new IllegalArgumentException(op + ": dtype and device must not be null");
        }
    }

    /** A float32 CPU tensor of zeros. */
    public static Tensor zeros(long... shape) {
        return full(0.0, DType.FLOAT32, Device.CPU, shape);
    }

    /** A tensor of zeros. */
    public static Tensor zeros(DType dtype, Device device, long... shape) {
        return full(0.0, dtype, device, shape);
    }

    /** A float32 CPU tensor of ones. */
    public static Tensor ones(long... shape) {
        return full(1.0, DType.FLOAT32, Device.CPU, shape);
    }

    /** A tensor of ones. */
    public static Tensor ones(DType dtype, Device device, long... shape) {
        return full(1.0, dtype, device, shape);
    }

    /** A float32 CPU tensor filled with {@code value}. */
    public static Tensor full(double value, long... shape) {
        return full(value, DType.FLOAT32, Device.CPU, shape);
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(double value, DType dtype, Device device, long... shape) {
        Tensor t = empty(dtype, device, shape);
        t.backend().fill(dtype.scalar(), t.strided(), value);
        return t;
    }

    /** A tensor of zeros with the dtype, device and shape of {@code like}. */
    public static Tensor zerosLike(Tensor like) {
        like.checkAlive("zerosLike");
        return zeros(like.dtype, like.device, like.shape);
    }

    /** A tensor of ones with the dtype, device and shape of {@code like}. */
    public static Tensor onesLike(Tensor like) {
        like.checkAlive("onesLike");
        return ones(like.dtype, like.device, like.shape);
    }

    /** A tensor filled with {@code value} with the dtype, device and shape of {@code like}. */
    public static Tensor fullLike(Tensor like, double value) {
        like.checkAlive("fullLike");
        return full(value, like.dtype, like.device, like.shape);
    }

    /** A 0-dimensional float32 CPU tensor. */
    public static Tensor scalar(double value) {
        return full(value, DType.FLOAT32, Device.CPU);
    }

    /** A 0-dimensional tensor. */
    public static Tensor scalar(double value, DType dtype, Device device) {
        return full(value, dtype, device);
    }

    /** {@code [0, 1, ..., end-1]} as float32 on the CPU. */
    public static Tensor arange(double end) {
        return arange(0, end, 1, DType.FLOAT32, Device.CPU);
    }

    /** {@code start, start+step, ...} while below {@code end} (above, for a negative step), like torch.arange. */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        if (!Double.isFinite(start) || !Double.isFinite(end) || !Double.isFinite(step)) {
            throw new IllegalArgumentException("arange: start, end and step must be finite, got " + start + ", "
                    + end + ", " + step);
        }
        if (step == 0 || (end - start) * step < 0) {
            throw new IllegalArgumentException("arange: step " + step + " cannot go from " + start + " to " + end);
        }
        double count = Math.ceil((end - start) / step);
        if (!(count <= Integer.MAX_VALUE - 8)) {
            throw new IllegalArgumentException("arange: " + start + " to " + end + " by " + step + " gives " + count
                    + " elements, more than a Java array can hold");
        }
        long n = (long) count;
        double[] values = new double[(int) n];
        for (int i = 0; i < n; i++) {
            values[i] = start + i * step;
        }
        return fromDoubles(values, dtype, device, n);
    }

    /** The {@code n x n} identity matrix, float32 on the CPU. */
    public static Tensor eye(long n) {
        return eye(n, DType.FLOAT32, Device.CPU);
    }

    /** The {@code n x n} identity matrix. */
    public static Tensor eye(long n, DType dtype, Device device) {
        Tensor t = zeros(dtype, device, n, n);
        // the diagonal is a view with stride n + 1
        Tensor diag = new Tensor("eye", t, t.storage, true, dtype, device, new long[] {n}, new long[] {n + 1}, 0,
                t.version);
        t.backend().fill(dtype.scalar(), diag.strided(), 1.0);
        diag.close();
        return t;
    }

    /** Uniform [0, 1) float32 CPU values from {@code generator}. */
    public static Tensor rand(Generator generator, long... shape) {
        return uniform(generator, 0, 1, DType.FLOAT32, Device.CPU, shape);
    }

    /** Standard-normal float32 CPU values from {@code generator}. */
    public static Tensor randn(Generator generator, long... shape) {
        return normal(generator, 0, 1, DType.FLOAT32, Device.CPU, shape);
    }

    /** Uniform values in [lo, hi). */
    public static Tensor uniform(Generator generator, double lo, double hi, DType dtype, Device device,
                                 long... shape) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("uniform: need finite lo <= hi, got [" + lo + ", " + hi + ")");
        }
        long[] s = Shapes.check("uniform", shape);
        double[] values = new double[Shapes.heapLength("uniform", s)];
        generator.fillUniform(values, lo, hi);
        if (lo < hi) {
            // rounding to the dtype can carry a value just below hi up to hi (1 - 2^-53 becomes 1.0f): keep [lo, hi)
            double top = dtype == DType.FLOAT32 ? ((float) hi < hi ? (float) hi : Math.nextDown((float) hi))
                    : Math.nextDown(hi);
            top = Math.max(top, lo);
            for (int i = 0; i < values.length; i++) {
                if ((dtype == DType.FLOAT32 ? (float) values[i] : values[i]) >= hi) {
                    values[i] = top;
                }
            }
        }
        return fromDoubles(values, dtype, device, s);
    }

    /** Normal values with the given mean and standard deviation. */
    public static Tensor normal(Generator generator, double mean, double std, DType dtype, Device device,
                                long... shape) {
        if (!Double.isFinite(mean) || !Double.isFinite(std) || std < 0) {
            throw new IllegalArgumentException("normal: need finite mean and std >= 0, got mean " + mean + ", std "
                    + std);
        }
        long[] s = Shapes.check("normal", shape);
        double[] values = new double[Shapes.heapLength("normal", s)];
        generator.fillNormal(values, mean, std);
        return fromDoubles(values, dtype, device, s);
    }

    /** A float32 CPU tensor holding a copy of {@code data}; without a shape it is 1-dimensional. */
    public static Tensor of(float[] data, long... shape) {
        long[] s = shapeFor("of", data.length, shape);
        Tensor t = empty(DType.FLOAT32, Device.CPU, s);
        t.backend().copyFromHost(MemorySegment.ofArray(data), t.storage.segment(), 0, (long) data.length * 4);
        return t;
    }

    /** A float64 CPU tensor holding a copy of {@code data}; without a shape it is 1-dimensional. */
    public static Tensor of(double[] data, long... shape) {
        return fromDoubles(data, DType.FLOAT64, Device.CPU, shapeFor("of", data.length, shape));
    }

    /** A tensor of the given dtype and device holding (a conversion of) {@code data}. */
    public static Tensor of(double[] data, DType dtype, Device device, long... shape) {
        return fromDoubles(data, dtype, device, shapeFor("of", data.length, shape));
    }

    private static long[] shapeFor(String op, int length, long[] shape) {
        if (shape.length == 0) {
            return new long[] {length};
        }
        long[] s = Shapes.check(op, shape);
        if (Shapes.numel(s) != length) {
            throw new IllegalArgumentException(op + ": " + length + " values do not fill shape " + Shapes.str(s)
                    + " (" + Shapes.numel(s) + " elements)");
        }
        return s;
    }

    private static Tensor fromDoubles(double[] values, DType dtype, Device device, long... shape) {
        Tensor t = empty(dtype, device, shape);
        if (dtype == DType.FLOAT64) {
            t.backend().copyFromHost(MemorySegment.ofArray(values), t.storage.segment(), 0, values.length * 8L);
        } else if (dtype == DType.FLOAT32) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            t.backend().copyFromHost(MemorySegment.ofArray(f), t.storage.segment(), 0, f.length * 4L);
        } else {
            MemorySegment host = MemorySegment.ofArray(new byte[Math.multiplyExact(values.length, dtype.byteSize())]);
            for (int i = 0; i < values.length; i++) {
                Elements.setDouble(dtype.scalar(), host, i, values[i]);
            }
            t.backend().copyFromHost(host, t.storage.segment(), 0, host.byteSize());
        }
        return t;
    }

    /** An int64 CPU tensor holding a copy of {@code data} (PyTorch's default integer dtype). */
    public static Tensor of(long[] data, long... shape) {
        return of(data, DType.INT64, Device.CPU, shape);
    }

    /** An int32 CPU tensor holding a copy of {@code data}. */
    public static Tensor of(int[] data, long... shape) {
        long[] s = shapeFor("of", data.length, shape);
        Tensor t = empty(DType.INT32, Device.CPU, s);
        t.backend().copyFromHost(MemorySegment.ofArray(data), t.storage.segment(), 0, (long) data.length * 4);
        return t;
    }

    /** A bool CPU tensor holding a copy of {@code data}. */
    public static Tensor of(boolean[] data, long... shape) {
        long[] s = shapeFor("of", data.length, shape);
        byte[] bytes = new byte[data.length];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (data[i] ? 1 : 0);
        }
        Tensor t = empty(DType.BOOL, Device.CPU, s);
        t.backend().copyFromHost(MemorySegment.ofArray(bytes), t.storage.segment(), 0, bytes.length);
        return t;
    }

    /**
     * A tensor of the given dtype and device holding {@code data} converted exactly where the dtype can hold it
     * (integers wrap to narrower integer types, as in PyTorch).
     */
    public static Tensor of(long[] data, DType dtype, Device device, long... shape) {
        long[] s = shapeFor("of", data.length, shape);
        requireNonNull("of", dtype, device);
        Tensor t = empty(dtype, device, s);
        MemorySegment host = dtype == DType.INT64 ? MemorySegment.ofArray(data)
                : MemorySegment.ofArray(new byte[Math.multiplyExact(data.length, dtype.byteSize())]);
        if (dtype != DType.INT64) {
            for (int i = 0; i < data.length; i++) {
                Elements.setLong(dtype.scalar(), host, i, data[i]);
            }
        }
        t.backend().copyFromHost(host, t.storage.segment(), 0, (long) data.length * dtype.byteSize());
        return t;
    }

    // ------------------------------------------------------------------ properties

    /** Element type. */
    public DType dtype() {
        return dtype;
    }

    /** Where the memory lives. */
    public Device device() {
        return device;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code dim} (negative counts from the end). */
    public long size(int dim) {
        return shape[Shapes.dim("size", dim, shape.length)];
    }

    /** Number of dimensions. */
    public int dim() {
        return shape.length;
    }

    /** Number of elements. */
    public long numel() {
        return Shapes.numel(shape);
    }

    /** A copy of the strides, in elements. */
    public long[] strides() {
        return strides.clone();
    }

    /** Offset of the first element in the storage, in elements. */
    public long storageOffset() {
        return offset;
    }

    /** True if the elements are densely packed in row-major order. */
    public boolean isContiguous() {
        return strided0().isContiguous();
    }

    /** True once this tensor's memory has been released (by {@link #close()} or its scope). */
    public boolean isClosed() {
        return lease.isReleased();
    }

    /** How many times this tensor's memory has been modified in place (shared by views). */
    public long version() {
        return version[0];
    }

    /** A short description used in error messages: {@code tensor#12[2, 3] float32 cpu}. */
    public String describe() {
        return "tensor#" + id + Shapes.str(shape) + " " + dtype + " " + device;
    }

    Lease lease() {
        return lease;
    }

    Backend backend() {
        return device.backend();
    }

    /** Throws if this tensor's memory was released. */
    void checkAlive(String op) {
        if (lease.isReleased()) {
            throw new IllegalStateException(op + ": " + describe()
                    + " was used after it was closed (its scope ended or close() was called)");
        }
    }

    private Strided strided0() {
        return new Strided(MemorySegment.NULL, offset, shape, strides);
    }

    /** The kernel operand for this tensor. */
    Strided strided() {
        return new Strided(storage.segment(), offset, shape, strides);
    }

    /** The kernel operand for this tensor broadcast to {@code target} (zero strides on broadcast dims). */
    Strided stridedAs(long[] target) {
        if (Arrays.equals(target, shape)) {
            return strided();
        }
        return new Strided(storage.segment(), offset, target, broadcastStrides(target));
    }

    private long[] broadcastStrides(long[] target) {
        long[] out = new long[target.length];
        int shift = target.length - shape.length;
        for (int d = 0; d < shape.length; d++) {
            out[d + shift] = shape[d] == 1 && target[d + shift] != 1 ? 0 : strides[d];
        }
        return out;
    }

    // ------------------------------------------------------------------ views

    /**
     * A view of this tensor's storage, named {@code op} in errors: the primitive the view ops in {@link Views} make
     * their results with. The constructor checks that it lies inside the storage.
     */
    Tensor view(String op, long[] newShape, long[] newStrides, long newOffset) {
        return new Tensor(op, this, storage, true, dtype, device, newShape, newStrides, newOffset, version);
    }

    /**
     * The same memory under another shape (one size may be -1). Throws if the strides make that impossible
     * without a copy; {@link #reshape} copies instead.
     */
    public Tensor view(long... newShape) {
        return Views.Reshape.view(this, newShape);
    }

    /** Another shape (one size may be -1): a view when the layout allows, else a copy. */
    public Tensor reshape(long... newShape) {
        return Views.Reshape.reshape(this, newShape);
    }

    /** All dimensions merged into one. */
    public Tensor flatten() {
        return reshape(-1);
    }

    /** Dimensions {@code start..end} (inclusive) merged into one. */
    public Tensor flatten(int start, int end) {
        return Views.Reshape.flatten(this, start, end);
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int dim0, int dim1) {
        return Views.Permute.transpose(this, dim0, dim1);
    }

    /** The transpose of a matrix (a view); a 0- or 1-dimensional tensor is returned as a view of itself. */
    public Tensor t() {
        return Views.Permute.t(this);
    }

    /** Reorders dimensions: result dimension {@code i} is this tensor's dimension {@code dims[i]} (a view). */
    public Tensor permute(int... dims) {
        return Views.Permute.permute(this, dims);
    }

    /** Removes every dimension of size 1 (a view). */
    public Tensor squeeze() {
        return Views.Reshape.squeeze(this);
    }

    /** Removes dimension {@code dim} if its size is 1; otherwise returns a view of the same shape. */
    public Tensor squeeze(int dim) {
        return Views.Reshape.squeeze(this, dim);
    }

    /** Inserts a dimension of size 1 at {@code dim} (which may be {@code dim()}; a view). */
    public Tensor unsqueeze(int dim) {
        return Views.Reshape.unsqueeze(this, dim);
    }

    /** Elements {@code start .. start+length-1} of dimension {@code dim} (a view). */
    public Tensor narrow(int dim, long start, long length) {
        return Views.Subview.narrow(this, dim, start, length);
    }

    /** Python's {@code t[..., start:end:step, ...]} on dimension {@code dim}; indices are clamped like Python's. */
    public Tensor slice(int dim, long start, long end, long step) {
        return Views.Subview.slice(this, dim, start, end, step);
    }

    /** Index {@code index} of dimension {@code dim}, removing that dimension (a view). */
    public Tensor select(int dim, long index) {
        return Views.Subview.select(this, dim, index);
    }

    /**
     * Broadcasts size-1 dimensions to larger sizes without copying (stride 0); new leading dimensions may be
     * added; -1 keeps a size.
     */
    public Tensor expand(long... newShape) {
        return Views.Expand.expand(this, newShape);
    }

    /** {@link #expand} to the shape of {@code other}. */
    public Tensor expandAs(Tensor other) {
        return expand(other.shape);
    }

    /** This tensor if already contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        checkAlive("contiguous");
        return isContiguous() ? this : clone();
    }

    /** A contiguous copy with its own memory. */
    @Override
    public Tensor clone() {
        checkAlive("clone");
        Tensor out = empty(dtype, device, shape);
        try (InFlight pins = InFlight.pin("clone", this)) {
            backend().copy(dtype.scalar(), strided(), dtype.scalar(), out.strided());
        }
        return Node.needed(this) ? new Conversions.Identity(this).record(out) : out;
    }

    // ------------------------------------------------------------------ element-wise

    private Tensor unary(String op, UnaryOp kind, double a, double b) {
        if (!dtype.isFloatingPoint() && kind.keepsIntegers()) {
            return IntegerPointwise.unary(op, kind, this);
        }
        if (!dtype.isFloatingPoint()) {
            // a float function of integers, or integers with a double scalar: float32, as in PyTorch
            checkAlive(op);
            return to(DType.FLOAT32).unary(op, kind, a, b);
        }
        return Pointwise.Unary.apply(op, kind, this, a, b);
    }

    /** A comparison in the operands' promoted dtype (integers exactly, by the integer kernels), as a bool tensor. */
    private Tensor compare(String op, BinaryOp kind, Tensor other) {
        return IntegerPointwise.toBool(mask(op, kind, other));
    }

    /**
     * 1 where {@code this kind value} holds, else 0, in this floating tensor's own dtype: the masks gradients and
     * losses multiply by, without a round trip through bool. Not API.
     */
    Tensor mask(UnaryOp kind, double value) {
        return mask("mask", kind, value);
    }

    /** 1 where {@code this kind other} holds (broadcasting, promoted), else 0, in the promoted floating dtype. */
    Tensor mask(BinaryOp kind, Tensor other) {
        return mask("mask", kind, other);
    }

    private Tensor mask(String op, UnaryOp kind, double value) {
        // like torch, compare with the scalar converted to this dtype: float32 0.7 == 0.7 is true
        return Kernels.unary(op, kind, this, dtype == DType.FLOAT32 ? (float) value : value, 0);
    }

    private Tensor mask(String op, BinaryOp kind, Tensor other) {
        Tensor[] p = Promotion.operands(op, this, other);
        return Kernels.binary(op, kind, p[0], p[1]);
    }

    private Tensor compare(String op, UnaryOp kind, double value) {
        checkAlive(op);
        if (!dtype.isFloatingPoint()) {
            // a Python float against integers: compared in the default float32, as torch does
            return compare(op, IntegerPointwise.binaryOf(kind), scalar(value, DType.FLOAT32, device));
        }
        return IntegerPointwise.toBool(mask(op, kind, value));
    }

    /**
     * The dtype PyTorch gives the result of a binary op over {@code a} and {@code b} ({@code torch.result_type}):
     * tensors with dimensions decide; a 0-dimensional one counts only if it is of a higher category (bool, integer,
     * floating point).
     */
    public static DType resultType(Tensor a, Tensor b) {
        return Promotion.resultType(a, b);
    }

    /** {@code this + other}, broadcasting. */
    public Tensor add(Tensor other) {
        Tensor[] p = Promotion.operands("add", this, other);
        return Pointwise.Add.apply(p[0], p[1]);
    }

    /** {@code this + value}. */
    public Tensor add(double value) {
        return unary("add", UnaryOp.ADD_SCALAR, value, 0);
    }

    /** {@code this - other}, broadcasting. */
    public Tensor sub(Tensor other) {
        Tensor[] p = Promotion.operands("sub", this, other);
        if (p[0].dtype == DType.BOOL) {
            throw new IllegalArgumentException("Subtraction, the `-` operator, with two bool tensors is not supported. "
                    + "Use bitwiseXor() or logicalXor() instead");
        }
        return Pointwise.Sub.apply(p[0], p[1]);
    }

    /** {@code this - value}. */
    public Tensor sub(double value) {
        return unary("sub", UnaryOp.ADD_SCALAR, -value, 0);
    }

    /** {@code this * other}, broadcasting. */
    public Tensor mul(Tensor other) {
        Tensor[] p = Promotion.operands("mul", this, other);
        return Pointwise.Mul.apply(p[0], p[1]);
    }

    /** {@code this * value}. */
    public Tensor mul(double value) {
        return unary("mul", UnaryOp.MUL_SCALAR, value, 0);
    }

    /** {@code this / other}, broadcasting; true division (integers divide to float32, as in PyTorch). */
    public Tensor div(Tensor other) {
        Tensor[] p = Promotion.operands("div", this, other);
        if (!p[0].dtype.isFloatingPoint()) {
            return Pointwise.Div.apply(p[0].to(DType.FLOAT32), p[1].to(DType.FLOAT32));
        }
        return Pointwise.Div.apply(p[0], p[1]);
    }

    /** {@code this / value}. */
    public Tensor div(double value) {
        // x * (1/value) equals x / value only when 1/value is exact (value a power of two); otherwise divide:
        // 7 * (1/10) is 0.7000000000000001 where 7 / 10 is 0.7 (and torch gives 0.7)
        int e = Math.getExponent(value);
        if ((Double.doubleToRawLongBits(value) & 0xFFFFFFFFFFFFFL) == 0 && e >= -1022 && e <= 1022) {
            return unary("div", UnaryOp.MUL_SCALAR, 1.0 / value, 0);
        }
        if (!dtype.isFloatingPoint()) {
            checkAlive("div");
            return to(DType.FLOAT32).div(value);
        }
        return div(full(value, dtype, device));
    }

    /** {@code this ^ exponent}, broadcasting. */
    public Tensor pow(Tensor exponent) {
        Tensor[] p = Promotion.operands("pow", this, exponent);
        return Pointwise.Pow.apply(p[0], p[1]);
    }

    /** {@code this ^ exponent}. */
    public Tensor pow(double exponent) {
        return unary("pow", UnaryOp.POW_SCALAR, exponent, 0);
    }

    /** Element-wise maximum, broadcasting (NaN propagates). */
    public Tensor maximum(Tensor other) {
        Tensor[] p = Promotion.operands("maximum", this, other);
        return Pointwise.Extremum.apply(p[0], p[1], true);
    }

    /** Element-wise minimum, broadcasting (NaN propagates). */
    public Tensor minimum(Tensor other) {
        Tensor[] p = Promotion.operands("minimum", this, other);
        return Pointwise.Extremum.apply(p[0], p[1], false);
    }

    /** True where {@code this == other} (a bool tensor; operands promoted, broadcasting). */
    public Tensor eq(Tensor other) {
        return compare("eq", BinaryOp.EQ, other);
    }

    /** True where {@code this > other} (a bool tensor; operands promoted, broadcasting). */
    public Tensor gt(Tensor other) {
        return compare("gt", BinaryOp.GT, other);
    }

    /** True where {@code this >= other} (a bool tensor; operands promoted, broadcasting). */
    public Tensor ge(Tensor other) {
        return compare("ge", BinaryOp.GE, other);
    }

    /** True where {@code this < other} (a bool tensor; operands promoted, broadcasting). */
    public Tensor lt(Tensor other) {
        return compare("lt", BinaryOp.LT, other);
    }

    /** True where {@code this <= other} (a bool tensor; operands promoted, broadcasting). */
    public Tensor le(Tensor other) {
        return compare("le", BinaryOp.LE, other);
    }

    /** True where {@code this > value} (a bool tensor). */
    public Tensor gt(double value) {
        return compare("gt", UnaryOp.GT_SCALAR, value);
    }

    /** True where {@code this < value} (a bool tensor). */
    public Tensor lt(double value) {
        return compare("lt", UnaryOp.LT_SCALAR, value);
    }

    /** True where {@code this == value} (a bool tensor). */
    public Tensor eq(double value) {
        return compare("eq", UnaryOp.EQ_SCALAR, value);
    }

    /** {@code value - this}. */
    public Tensor rsub(double value) {
        return unary("rsub", UnaryOp.RSUB_SCALAR, value, 0);
    }

    /** {@code -this}. */
    public Tensor neg() {
        return unary("neg", UnaryOp.NEG, 0, 0);
    }

    /** {@code e^this}. */
    public Tensor exp() {
        return unary("exp", UnaryOp.EXP, 0, 0);
    }

    /** Natural logarithm. */
    public Tensor log() {
        return unary("log", UnaryOp.LOG, 0, 0);
    }

    /** Square root. */
    public Tensor sqrt() {
        return unary("sqrt", UnaryOp.SQRT, 0, 0);
    }

    /** {@code 1/sqrt(this)}. */
    public Tensor rsqrt() {
        return unary("rsqrt", UnaryOp.RSQRT, 0, 0);
    }

    /** Absolute value. */
    public Tensor abs() {
        return unary("abs", UnaryOp.ABS, 0, 0);
    }

    /** -1, 0 or 1. */
    public Tensor sign() {
        return unary("sign", UnaryOp.SIGN, 0, 0);
    }

    /** {@code this * this}. */
    public Tensor square() {
        return unary("square", UnaryOp.SQUARE, 0, 0);
    }

    /** {@code 1/this}. */
    public Tensor reciprocal() {
        return unary("reciprocal", UnaryOp.RECIPROCAL, 0, 0);
    }

    /** Clamps into [min, max]. */
    public Tensor clamp(double min, double max) {
        if (Double.isNaN(min) || Double.isNaN(max) || min > max) {
            throw new IllegalArgumentException("clamp: need min <= max, got [" + min + ", " + max + "]");
        }
        return unary("clamp", UnaryOp.CLAMP, min, max);
    }

    /** {@code max(this, 0)}. */
    public Tensor relu() {
        return unary("relu", UnaryOp.RELU, 0, 0);
    }

    /** {@code this >= 0 ? this : slope * this}. */
    public Tensor leakyRelu(double negativeSlope) {
        return unary("leakyRelu", UnaryOp.LEAKY_RELU, negativeSlope, 0);
    }

    /** {@code this > 0 ? this : alpha * (e^this - 1)}. */
    public Tensor elu(double alpha) {
        return unary("elu", UnaryOp.ELU, alpha, 0);
    }

    /** The logistic function. */
    public Tensor sigmoid() {
        return unary("sigmoid", UnaryOp.SIGMOID, 0, 0);
    }

    /** Hyperbolic tangent. */
    public Tensor tanh() {
        return unary("tanh", UnaryOp.TANH, 0, 0);
    }

    /**
     * Exact GELU, {@code x * Phi(x) = x (1 + erf(x / sqrt 2)) / 2} (PyTorch's default). Composed from erf: faster
     * than its former fused kernel, whose backward needed a second erf (composed/fused 0.77, forward+backward
     * [256,1024] f32, ActivationBenchmark 2026-12-06).
     */
    public Tensor gelu() {
        return mul(1.0 / Math.sqrt(2.0)).erf().add(1.0).mul(this).mul(0.5);
    }

    /** GELU with the tanh approximation (PyTorch's {@code approximate='tanh'}). */
    public Tensor geluTanh() {
        return unary("geluTanh", UnaryOp.GELU_TANH, 0, 0);
    }

    /** The derivative of {@link #geluTanh()} at each element, one kernel (its backward multiplies by it). */
    Tensor geluTanhDerivative() {
        return unary("geluTanhDerivative", UnaryOp.GELU_TANH_DERIVATIVE, 0, 0);
    }

    /** {@code log(1 + e^this)}. */
    public Tensor softplus() {
        return unary("softplus", UnaryOp.SOFTPLUS, 0, 0);
    }

    /** {@code this * sigmoid(this)}. */
    public Tensor silu() {
        return unary("silu", UnaryOp.SILU, 0, 0);
    }

    /** The error function. */
    public Tensor erf() {
        return unary("erf", UnaryOp.ERF, 0, 0);
    }

    /** {@code this * min(max(this + 3, 0), 6) / 6} (hard swish, as in MobileNetV3). */
    public Tensor hardswish() {
        return unary("hardswish", UnaryOp.HARDSWISH, 0, 0);
    }

    /**
     * {@code this * tanh(softplus(this))}. Composed: faster than its former fused kernel (composed/fused 0.37,
     * forward+backward [256,1024] f32, ActivationBenchmark 2026-12-06).
     */
    public Tensor mish() {
        return mul(softplus().tanh());
    }

    // ------------------------------------------------------------------ integer and bool ops, long scalars

    /** A 0-dimensional int64 tensor on this device: a Java long operand (PyTorch's Python int). */
    private Tensor longOperand(long value) {
        return of(new long[] {value}, DType.INT64, device).view();
    }

    /** {@code this + value}: exact in an integer dtype (wrapping like C); on floating tensors the same as {@code add((double) value)}. */
    public Tensor add(long value) {
        return dtype.isFloatingPoint() ? add((double) value) : add(longOperand(value));
    }

    /** {@code this - value}; see {@link #add(long)}. */
    public Tensor sub(long value) {
        return dtype.isFloatingPoint() ? sub((double) value) : sub(longOperand(value));
    }

    /** {@code this * value}; see {@link #add(long)}. */
    public Tensor mul(long value) {
        return dtype.isFloatingPoint() ? mul((double) value) : mul(longOperand(value));
    }

    /**
     * {@code floor(this / other)}, broadcasting (PyTorch's {@code floor_divide}, Python's {@code //}); in the
     * promoted dtype. Not differentiable.
     *
     * @throws ArithmeticException for an integer division by zero
     */
    public Tensor floorDivide(Tensor other) {
        return IntegerPointwise.binary("floorDivide", BinaryOp.FLOOR_DIVIDE, this, other, false);
    }

    /** {@code floor(this / value)}; see {@link #floorDivide(Tensor)}. */
    public Tensor floorDivide(long value) {
        return floorDivide(dtype.isFloatingPoint() ? scalar(value, dtype, device) : longOperand(value));
    }

    /**
     * {@code this / other} with PyTorch's {@code rounding_mode}: {@code null} is true division ({@link #div(Tensor)}),
     * {@code "trunc"} rounds toward zero and {@code "floor"} down, both in the promoted dtype (not differentiable).
     *
     * @throws ArithmeticException for an integer division by zero
     */
    public Tensor div(Tensor other, String roundingMode) {
        if (roundingMode == null) {
            return div(other);
        }
        return switch (roundingMode) {
            case "trunc" -> IntegerPointwise.binary("div", BinaryOp.TRUNC_DIVIDE, this, other, false);
            case "floor" -> floorDivide(other);
            default -> throw new IllegalArgumentException("div: rounding mode must be null, \"trunc\" or \"floor\", "
                    + "got \"" + roundingMode + "\"");
        };
    }

    /**
     * {@code this - floor(this / other) * other}, with the sign of {@code other} (PyTorch's {@code remainder}, Python's
     * {@code %}), broadcasting, in the promoted dtype. Not differentiable.
     *
     * @throws ArithmeticException for an integer division by zero
     */
    public Tensor remainder(Tensor other) {
        return IntegerPointwise.binary("remainder", BinaryOp.REMAINDER, this, other, false);
    }

    /** {@code this % value}; see {@link #remainder(Tensor)}. */
    public Tensor remainder(long value) {
        return remainder(dtype.isFloatingPoint() ? scalar(value, dtype, device) : longOperand(value));
    }

    /** {@code this % value} for a double (floating tensors keep their dtype; integers go to float32, as in PyTorch). */
    public Tensor remainder(double value) {
        return remainder(scalar(value, dtype.isFloatingPoint() ? dtype : DType.FLOAT32, device));
    }

    /** {@code this & other} (integer and bool dtypes; logical and for bool). */
    public Tensor bitwiseAnd(Tensor other) {
        return IntegerPointwise.binary("bitwiseAnd", BinaryOp.BITWISE_AND, this, other, true);
    }

    /** {@code this | other} (integer and bool dtypes). */
    public Tensor bitwiseOr(Tensor other) {
        return IntegerPointwise.binary("bitwiseOr", BinaryOp.BITWISE_OR, this, other, true);
    }

    /** {@code this ^ other} (integer and bool dtypes). */
    public Tensor bitwiseXor(Tensor other) {
        return IntegerPointwise.binary("bitwiseXor", BinaryOp.BITWISE_XOR, this, other, true);
    }

    /** {@code this << other} (integers); a shift by a negative amount or by the bit width or more gives 0. */
    public Tensor bitwiseLeftShift(Tensor other) {
        return IntegerPointwise.binary("bitwiseLeftShift", BinaryOp.LEFT_SHIFT, this, other, true);
    }

    /** {@code this << value}; see {@link #bitwiseLeftShift(Tensor)}. */
    public Tensor bitwiseLeftShift(long value) {
        return bitwiseLeftShift(longOperand(value));
    }

    /** {@code this >> other}, arithmetic (integers); a negative or too large shift gives the sign (0 or -1). */
    public Tensor bitwiseRightShift(Tensor other) {
        return IntegerPointwise.binary("bitwiseRightShift", BinaryOp.RIGHT_SHIFT, this, other, true);
    }

    /** {@code this >> value}; see {@link #bitwiseRightShift(Tensor)}. */
    public Tensor bitwiseRightShift(long value) {
        return bitwiseRightShift(longOperand(value));
    }

    /** {@code ~this} (integers; logical not for bool). */
    public Tensor bitwiseNot() {
        if (dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("bitwiseNot: not implemented for dtype " + dtype
                    + " (integer and bool dtypes only): " + describe());
        }
        return IntegerPointwise.unary("bitwiseNot", UnaryOp.BITWISE_NOT, this);
    }

    /** Clamps into [min, max]: exact in an integer dtype; on floating tensors the same as {@code clamp(double, double)}. */
    public Tensor clamp(long min, long max) {
        if (dtype.isFloatingPoint()) {
            return clamp((double) min, (double) max);
        }
        if (min > max) {
            throw new IllegalArgumentException("clamp: need min <= max, got [" + min + ", " + max + "]");
        }
        return maximum(longOperand(min)).minimum(longOperand(max));
    }

    /** Sets every element to {@code value}, exactly in an integer dtype (wrapping to narrower ones); returns this. */
    public Tensor fill_(long value) {
        if (dtype.isFloatingPoint()) {
            return fill_((double) value);
        }
        try (Grad off = Grad.disabled()) {
            return copy_(of(new long[] {value}, dtype, device).view());
        }
    }

    /** True where {@code this != other} (a bool tensor; NaN differs from everything). */
    public Tensor ne(Tensor other) {
        return eq(other).bitwiseNot();
    }

    /** True where {@code this >= value}. */
    public Tensor ge(double value) {
        return compareScalar("ge", BinaryOp.GE, value);
    }

    /** True where {@code this <= value}. */
    public Tensor le(double value) {
        return compareScalar("le", BinaryOp.LE, value);
    }

    /** True where {@code this != value}. */
    public Tensor ne(double value) {
        return eq(value).bitwiseNot();
    }

    /** True where {@code this == value}: exact for integers; on floating tensors the same as {@code eq((double) value)}. */
    public Tensor eq(long value) {
        return dtype.isFloatingPoint() ? eq((double) value) : compare("eq", BinaryOp.EQ, longOperand(value));
    }

    /** True where {@code this != value}; see {@link #eq(long)}. */
    public Tensor ne(long value) {
        return eq(value).bitwiseNot();
    }

    /** True where {@code this > value}; see {@link #eq(long)}. */
    public Tensor gt(long value) {
        return dtype.isFloatingPoint() ? gt((double) value) : compare("gt", BinaryOp.GT, longOperand(value));
    }

    /** True where {@code this >= value}; see {@link #eq(long)}. */
    public Tensor ge(long value) {
        return dtype.isFloatingPoint() ? ge((double) value) : compare("ge", BinaryOp.GE, longOperand(value));
    }

    /** True where {@code this < value}; see {@link #eq(long)}. */
    public Tensor lt(long value) {
        return dtype.isFloatingPoint() ? lt((double) value) : compare("lt", BinaryOp.LT, longOperand(value));
    }

    /** True where {@code this <= value}; see {@link #eq(long)}. */
    public Tensor le(long value) {
        return dtype.isFloatingPoint() ? le((double) value) : compare("le", BinaryOp.LE, longOperand(value));
    }

    /** A comparison with a double: in this floating dtype, or in float32 for integers (PyTorch's promotion). */
    private Tensor compareScalar(String op, BinaryOp kind, double value) {
        checkAlive(op);
        return compare(op, kind, scalar(value, dtype.isFloatingPoint() ? dtype : DType.FLOAT32, device));
    }

    /** True where this is nonzero (any dtype), as a bool tensor. */
    private Tensor truth(String op) {
        checkAlive(op);
        return dtype == DType.BOOL ? this : ne(0L);
    }

    /** True where both are nonzero (any dtypes, broadcasting). */
    public Tensor logicalAnd(Tensor other) {
        return truth("logicalAnd").bitwiseAnd(other.truth("logicalAnd"));
    }

    /** True where either is nonzero. */
    public Tensor logicalOr(Tensor other) {
        return truth("logicalOr").bitwiseOr(other.truth("logicalOr"));
    }

    /** True where exactly one is nonzero. */
    public Tensor logicalXor(Tensor other) {
        return truth("logicalXor").bitwiseXor(other.truth("logicalXor"));
    }

    /** True where this is zero. */
    public Tensor logicalNot() {
        return truth("logicalNot").bitwiseNot();
    }

    /** True if any element is nonzero (0-dimensional bool, uint8 for uint8 input as in PyTorch; false when empty). */
    public Tensor any() {
        return likePyTorchAllAny(truth("any").sum().gt(0L));
    }

    /** True where any element along {@code dim} is nonzero. */
    public Tensor any(int dim, boolean keepdim) {
        return likePyTorchAllAny(truth("any").sum(dim, keepdim).gt(0L));
    }

    /** True if every element is nonzero (0-dimensional bool, uint8 for uint8 input; true when empty). */
    public Tensor all() {
        return likePyTorchAllAny(logicalNot().sum().eq(0L));
    }

    /** True where every element along {@code dim} is nonzero. */
    public Tensor all(int dim, boolean keepdim) {
        return likePyTorchAllAny(logicalNot().sum(dim, keepdim).eq(0L));
    }

    /** PyTorch's all/any keep uint8 for uint8 input (a legacy of masks before bool); bool for every other dtype. */
    private Tensor likePyTorchAllAny(Tensor result) {
        return dtype == DType.UINT8 ? result.to(DType.UINT8) : result;
    }

    /**
     * {@code a} where {@code condition} is true, else {@code b} (PyTorch's {@code torch.where}): all three broadcast,
     * {@code a} and {@code b} promoted; differentiable in {@code a} and {@code b}. Composed as a gather from the pair
     * stacked on a new last dimension, so its gradient is gather's (a scatter-add); integers (no gradient) are
     * composed exactly as {@code b + (a - b) * condition} in wrapping arithmetic, bools with bitwise ops.
     *
     * @throws IllegalArgumentException if {@code condition} is not bool
     */
    public static Tensor where(Tensor condition, Tensor a, Tensor b) {
        if (condition == null) {
            throw new IllegalArgumentException("where: condition must not be null");
        }
        condition.checkAlive("where");
        if (condition.dtype != DType.BOOL) {
            throw new IllegalArgumentException("where: the condition must be bool, got " + condition.describe());
        }
        Tensor[] p = Promotion.operands("where", a, b);
        if (p[0].dtype == DType.BOOL) {
            return condition.bitwiseAnd(p[0]).bitwiseOr(condition.bitwiseNot().bitwiseAnd(p[1]));
        }
        if (!p[0].dtype.isFloatingPoint()) {
            // exact in two's complement: b + (a - b) * 1 wraps back to a; no gradient to carry
            return p[1].add(p[0].sub(p[1]).mul(condition.to(p[0].dtype)));
        }
        long[] s = Shapes.broadcast("where", Shapes.broadcast("where", condition.shape, p[0].shape), p[1].shape);
        int last = s.length;
        Tensor pair = stack(last, p[1].expand(s), p[0].expand(s)); // index 0: b, 1: a
        Tensor pick = condition.expand(s).to(DType.INT64).unsqueeze(last);
        return pair.gather(last, pick).squeeze(last);
    }

    /** This tensor with {@code value} (converted to this dtype) where {@code mask} is true; differentiable in this. */
    public Tensor maskedFill(Tensor mask, double value) {
        checkAlive("maskedFill");
        return where(mask, scalar(value, dtype, device), this);
    }

    /** This tensor with {@code value} where {@code mask} is true: exact in integer dtypes. */
    public Tensor maskedFill(Tensor mask, long value) {
        checkAlive("maskedFill");
        return dtype.isFloatingPoint() ? maskedFill(mask, (double) value)
                : where(mask, of(new long[] {value}, dtype, device).view(), this);
    }

    /** Sets the elements where {@code mask} is true to {@code value}, in place; returns this. */
    public Tensor maskedFill_(Tensor mask, double value) {
        checkInPlace("maskedFill_");
        return copy_(maskedFill(mask, value));
    }

    /** Sets the elements where {@code mask} is true to {@code value}, in place (exact for integers); returns this. */
    public Tensor maskedFill_(Tensor mask, long value) {
        checkInPlace("maskedFill_");
        return copy_(maskedFill(mask, value));
    }

    // ------------------------------------------------------------------ in place

    private void bump() {
        version[0]++;
    }

    /** In-place ops are not recorded: refuse them where the graph would need them. */
    private void checkInPlace(String op) {
        checkAlive(op);
        if (requiresGrad() && Grad.isEnabled()) {
            throw new IllegalStateException(op + ": " + describe() + " requires grad; in-place operations on it are "
                    + "not recorded. Run it inside Grad.disabled() (as optimizers do) or use the out-of-place op");
        }
    }

    /**
     * Sets every element to {@code value}; returns this. Allowed on a tensor whose elements repeat memory (an
     * {@link #expand}ed one), as in PyTorch: every write stores the same value.
     */
    public Tensor fill_(double value) {
        checkInPlace("fill_");
        try (InFlight pins = InFlight.pin("fill_", this)) {
            backend().fill(dtype.scalar(), strided(), value);
        }
        bump();
        return this;
    }

    /** Sets every element to 0; returns this. */
    public Tensor zero_() {
        return fill_(0.0);
    }

    /**
     * Copies {@code src} (broadcast to this shape, converted to this dtype) into this tensor; returns this.
     *
     * @throws IllegalArgumentException if this tensor repeats memory (an {@link #expand}ed view), or if {@code src}
     *     shares memory with it without being the same view (as {@code x.copy_(x.t())}); clone one of them first
     */
    public Tensor copy_(Tensor src) {
        checkInPlace("copy_");
        src.checkAlive("copy_");
        if (src.device != device) {
            throw new IllegalArgumentException("copy_: tensors are on different devices: " + describe() + " and "
                    + src.describe());
        }
        long[] s = Shapes.broadcast("copy_", src.shape, shape);
        if (!Arrays.equals(s, shape)) {
            throw new IllegalArgumentException("copy_: source shape " + Shapes.str(src.shape)
                    + " cannot be broadcast to " + Shapes.str(shape));
        }
        MemoryOverlap.checkInternal("copy_", this);
        MemoryOverlap.checkPartial("copy_", this, src, true);
        try (InFlight pins = InFlight.pin("copy_", this, src)) {
            backend().copy(src.dtype.scalar(), src.stridedAs(shape), dtype.scalar(), strided());
        }
        bump();
        return this;
    }

    private Tensor binaryInPlace(String op, BinaryOp kind, Tensor other) {
        checkInPlace(op);
        Kernels.checkCompatible(op, this, other);
        long[] s = Shapes.broadcast(op, shape, other.shape);
        if (!Arrays.equals(s, shape)) {
            throw new IllegalArgumentException(op + ": result shape " + Shapes.str(s)
                    + " does not match the in-place target " + describe());
        }
        MemoryOverlap.checkInternal(op, this);
        MemoryOverlap.checkPartial(op, this, other, true);
        Storage pinned = InFlight.pinStorage(op, this);
        Storage pinnedOther = InFlight.pinAlso(op, other, pinned);
        try {
            backend().binary(kind, dtype.scalar(), strided(), other.stridedAs(shape), strided());
        } finally {
            InFlight.unpin(pinnedOther);
            InFlight.unpin(pinned);
        }
        bump();
        return this;
    }

    private Tensor unaryInPlace(String op, UnaryOp kind, double a) {
        checkInPlace(op);
        MemoryOverlap.checkInternal(op, this);
        Storage pinned = InFlight.pinStorage(op, this);
        try {
            backend().unary(kind, dtype.scalar(), strided(), strided(), a, 0);
        } finally {
            InFlight.unpin(pinned);
        }
        bump();
        return this;
    }

    /**
     * {@code this += other} (other broadcast to this shape); returns this.
     *
     * @throws IllegalArgumentException if this tensor repeats memory (an {@link #expand}ed view), or if {@code other}
     *     shares memory with it without being the same view; the same tensor ({@code x.add_(x)}) is allowed
     */
    public Tensor add_(Tensor other) {
        return binaryInPlace("add_", BinaryOp.ADD, other);
    }

    /**
     * {@code this += value}; returns this.
     *
     * @throws IllegalArgumentException if this tensor repeats memory (an {@link #expand}ed view)
     */
    public Tensor add_(double value) {
        return unaryInPlace("add_", UnaryOp.ADD_SCALAR, value);
    }

    /**
     * {@code this -= other}; returns this.
     *
     * @throws IllegalArgumentException if this tensor repeats memory (an {@link #expand}ed view), or if {@code other}
     *     shares memory with it without being the same view; the same tensor ({@code x.sub_(x)}) is allowed
     */
    public Tensor sub_(Tensor other) {
        return binaryInPlace("sub_", BinaryOp.SUB, other);
    }

    /**
     * {@code this *= other}; returns this.
     *
     * @throws IllegalArgumentException if this tensor repeats memory (an {@link #expand}ed view), or if {@code other}
     *     shares memory with it without being the same view; the same tensor ({@code x.mul_(x)}) is allowed
     */
    public Tensor mul_(Tensor other) {
        return binaryInPlace("mul_", BinaryOp.MUL, other);
    }

    /**
     * {@code this *= value}; returns this.
     *
     * @throws IllegalArgumentException if this tensor repeats memory (an {@link #expand}ed view)
     */
    public Tensor mul_(double value) {
        return unaryInPlace("mul_", UnaryOp.MUL_SCALAR, value);
    }

    /**
     * {@code this /= other}; returns this.
     *
     * @throws IllegalArgumentException if this tensor repeats memory (an {@link #expand}ed view), or if {@code other}
     *     shares memory with it without being the same view; the same tensor ({@code x.div_(x)}) is allowed
     */
    public Tensor div_(Tensor other) {
        return binaryInPlace("div_", BinaryOp.DIV, other);
    }

    /**
     * Applies one optimizer update to this parameter in place, in a single fused pass over this tensor,
     * {@code grad} and the rule's state buffers (what optimizers call; not recorded by autograd).
     *
     * @throws IllegalArgumentException if an operand's shape, dtype, device or layout does not match, or if
     *     operands share memory (except {@code grad} being this very tensor): each state buffer and this tensor are
     *     written to
     */
    Tensor fusedUpdate_(dev.nabla.backend.UpdateRule rule, Tensor grad, Tensor... state) {
        checkInPlace("fusedUpdate_"); // like every in-place op on a parameter: only outside recording
        if (state.length != rule.stateCount()) {
            throw new IllegalArgumentException("fusedUpdate_: " + rule.getClass().getSimpleName() + " needs "
                    + rule.stateCount() + " state buffers, got " + state.length);
        }
        Tensor[] all = new Tensor[state.length + 1];
        all[0] = grad;
        System.arraycopy(state, 0, all, 1, state.length);
        dev.nabla.base.Strided[] st = new dev.nabla.base.Strided[state.length];
        for (int i = 0; i < all.length; i++) {
            Tensor t = all[i];
            Kernels.checkCompatible("fusedUpdate_", this, t);
            if (!Arrays.equals(t.shape, shape) || !t.isContiguous()) {
                throw new IllegalArgumentException("fusedUpdate_: " + t.describe() + " must be contiguous with the "
                        + "shape of " + describe());
            }
        }
        if (!isContiguous()) {
            throw new IllegalArgumentException("fusedUpdate_: " + describe() + " must be contiguous");
        }
        for (int i = 0; i < all.length; i++) { // this and every state buffer are written to
            MemoryOverlap.checkPartial("fusedUpdate_", this, all[i], i == 0);
            for (int j = 1; j < all.length; j++) {
                if (j != i) {
                    MemoryOverlap.checkPartial("fusedUpdate_", all[j], all[i], false);
                }
            }
        }
        try (InFlight self = InFlight.pin("fusedUpdate_", this);
             InFlight operands = InFlight.pin("fusedUpdate_", all)) {
            for (int i = 0; i < state.length; i++) {
                st[i] = state[i].strided();
            }
            backend().fusedUpdate(dtype.scalar(), rule, strided(), grad.strided(), st);
        }
        bump();
        for (Tensor t : state) {
            t.bump();
        }
        return this;
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements (0-dimensional). */
    public Tensor sum() {
        return Reductions.SumMean.apply(this, null, false, false);
    }

    /** Sum over {@code dim}. */
    public Tensor sum(int dim, boolean keepdim) {
        return Reductions.SumMean.apply(this, new int[] {dim}, keepdim, false);
    }

    /** Sum over several dimensions. */
    public Tensor sum(int[] dims, boolean keepdim) {
        return Reductions.SumMean.apply(this, dims, keepdim, false);
    }

    /** Mean of all elements (0-dimensional). */
    public Tensor mean() {
        return Reductions.SumMean.apply(this, null, false, true);
    }

    /** Mean over {@code dim}. */
    public Tensor mean(int dim, boolean keepdim) {
        return Reductions.SumMean.apply(this, new int[] {dim}, keepdim, true);
    }

    /** Mean over several dimensions. */
    public Tensor mean(int[] dims, boolean keepdim) {
        return Reductions.SumMean.apply(this, dims, keepdim, true);
    }

    /** Largest element (0-dimensional). */
    public Tensor max() {
        return Reductions.Extreme.apply(this, null, false, true);
    }

    /** Largest element along {@code dim} (the values; see {@link #argmax} for the indices). */
    public Tensor max(int dim, boolean keepdim) {
        return Reductions.Extreme.apply(this, new int[] {dim}, keepdim, true);
    }

    /** Largest element over several dimensions (the gradient is shared evenly among ties). */
    public Tensor max(int[] dims, boolean keepdim) {
        return Reductions.Extreme.apply(this, dims, keepdim, true);
    }

    /** Smallest element over several dimensions (the gradient is shared evenly among ties). */
    public Tensor min(int[] dims, boolean keepdim) {
        return Reductions.Extreme.apply(this, dims, keepdim, false);
    }

    /** Smallest element (0-dimensional). */
    public Tensor min() {
        return Reductions.Extreme.apply(this, null, false, false);
    }

    /** Smallest element along {@code dim}. */
    public Tensor min(int dim, boolean keepdim) {
        return Reductions.Extreme.apply(this, new int[] {dim}, keepdim, false);
    }

    /** Index of the first largest element along {@code dim} (int64, like PyTorch; NaN counts as largest). */
    public Tensor argmax(int dim, boolean keepdim) {
        return Kernels.argReduce("argmax", ReduceOp.ARGMAX, this, dim, keepdim);
    }

    /** Index of the first smallest element along {@code dim} (int64, like PyTorch; NaN counts as smallest). */
    public Tensor argmin(int dim, boolean keepdim) {
        return Kernels.argReduce("argmin", ReduceOp.ARGMIN, this, dim, keepdim);
    }

    /**
     * Variance over {@code dims} with Bessel's correction {@code correction} (1 = unbiased, PyTorch's default;
     * 0 = population variance).
     */
    public Tensor var(int[] dims, int correction, boolean keepdim) {
        checkAlive("var");
        int[] ds = Kernels.reducedDims("var", dims, shape.length);
        long n = 1;
        for (int d : ds) {
            n *= shape[d];
        }
        Tensor centered = sub(mean(ds, true));
        return centered.square().sum(ds, keepdim).div(Math.max(n - correction, 0));
    }

    /** Variance of all elements with Bessel's correction (unbiased). */
    public Tensor var() {
        return flatten().var(new int[] {0}, 1, false);
    }

    /** Softmax along {@code dim}, computed stably (the row maximum is subtracted first). */
    public Tensor softmax(int dim) {
        checkAlive("softmax");
        Tensor up = Autocast.fp32(this); // float32 inside an autocast region
        if (up != this) {
            return up.softmax(dim);
        }
        Tensor fused = SoftmaxOp.apply(this, dim, false);
        if (fused != null) {
            return fused;
        }
        Tensor shifted = sub(max(dim, true).detach());
        Tensor e = shifted.exp();
        return e.div(e.sum(dim, true));
    }

    /** Log of the softmax along {@code dim}, computed stably: {@code x - max - log(sum(exp(x - max)))}. */
    public Tensor logSoftmax(int dim) {
        checkAlive("logSoftmax");
        Tensor up = Autocast.fp32(this); // float32 inside an autocast region
        if (up != this) {
            return up.logSoftmax(dim);
        }
        Tensor fused = SoftmaxOp.apply(this, dim, true);
        if (fused != null) {
            return fused;
        }
        Tensor shifted = sub(max(dim, true).detach());
        return shifted.sub(shifted.exp().sum(dim, true).log());
    }

    // ------------------------------------------------------------------ indexing

    /** {@code out[i][j] = this[i][index[i][j]]} along {@code dim} (torch.gather); index is int64 or int32. */
    public Tensor gather(int dim, Tensor index) {
        return Indexing.Gather.apply(this, dim, index);
    }

    /** A copy of this tensor with {@code src} added at {@code index} along {@code dim} (torch.scatter_add). */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return Indexing.ScatterAdd.apply(this, dim, index, src);
    }

    /** The entries of a 1-D {@code index} along {@code dim} (torch.index_select). */
    public Tensor indexSelect(int dim, Tensor index) {
        return Indexing.indexSelect(this, dim, index);
    }

    // ------------------------------------------------------------------ index-producing ops (int64 results)

    /**
     * {@code start, start+step, ...} while below {@code end} (above, for a negative step), computed exactly in
     * integers and stored as {@code dtype} (torch.arange with integer arguments; int64 is PyTorch's dtype for it).
     */
    public static Tensor arange(long start, long end, long step, DType dtype, Device device) {
        return IndexOps.arange(start, end, step, dtype, device);
    }

    /**
     * Integers uniform in {@code [low, high)}, int64 on the CPU (torch.randint). The stream is Nabla's own: the same
     * generator state gives the same values here, not the values torch gives for the same seed.
     */
    public static Tensor randint(Generator generator, long low, long high, long... shape) {
        return IndexOps.randint(generator, low, high, shape);
    }

    /** A random permutation of {@code 0..n-1}, int64 on the CPU (torch.randperm; Nabla's own stream, as randint). */
    public static Tensor randperm(Generator generator, int n) {
        return IndexOps.randperm(generator, n);
    }

    /** Positions that sort each line along {@code dim}, int64 (torch.argsort; stable, NaN counts as largest). */
    public Tensor argsort(int dim, boolean descending) {
        return IndexOps.argsort("argsort", this, dim, descending, -1);
    }

    /** Sorted values along {@code dim} (differentiable) and their int64 positions (torch.sort, stable). */
    public ValuesAndIndices sort(int dim, boolean descending) {
        Tensor indices = IndexOps.argsort("sort", this, dim, descending, -1);
        return new ValuesAndIndices(dim() == 0 ? this : gather(dim, indices), indices);
    }

    /**
     * The {@code k} largest ({@code largest}) or smallest elements along {@code dim} (differentiable) and their int64
     * positions (torch.topk); in sorted order (this implementation always sorts, so {@code sorted} is honoured).
     */
    public ValuesAndIndices topk(int k, int dim, boolean largest, boolean sorted) {
        if (k < 0) {
            throw new IllegalArgumentException("topk: k must be >= 0, got " + k);
        }
        Tensor indices = IndexOps.argsort("topk", this, dim, largest, k);
        return new ValuesAndIndices(dim() == 0 ? this : gather(dim, indices), indices);
    }

    /** Positions of the non-zero elements, int64 {@code [count, dim()]} in row-major order (torch.nonzero). */
    public Tensor nonzero() {
        return IndexOps.nonzero(this);
    }

    /**
     * How often each value of this 1-D non-negative integer tensor occurs (int64), or the sum of {@code weights}
     * per value (null for counts), with at least {@code minlength} bins (torch.bincount).
     */
    public Tensor bincount(Tensor weights, long minlength) {
        return IndexOps.bincount(this, weights, minlength);
    }

    // ------------------------------------------------------------------ cumulative ops, prod, unique, scatter

    /**
     * Running sum along {@code dim} (torch.cumsum): differentiable for floating dtypes; integer and bool tensors give
     * int64, accumulated exactly.
     */
    public Tensor cumsum(int dim) {
        return Cumulative.cumsum(this, dim, null);
    }

    /**
     * Running sum along {@code dim} of this tensor converted to {@code dtype} first
     * (torch.cumsum's dtype=; null: as {@link #cumsum(int)}).
     */
    public Tensor cumsum(int dim, DType dtype) {
        return Cumulative.cumsum(this, dim, dtype);
    }

    /**
     * Running product along {@code dim} (torch.cumprod): differentiable for floating dtypes, zeros in the input
     * included; integer and bool tensors give int64, wrapping on overflow like PyTorch.
     */
    public Tensor cumprod(int dim) {
        return Cumulative.cumprod(this, dim, null);
    }

    /** Running product along {@code dim} of this tensor converted to {@code dtype} first
     * (torch.cumprod's dtype=; null: as {@link #cumprod(int)}).
     */
    public Tensor cumprod(int dim, DType dtype) {
        return Cumulative.cumprod(this, dim, dtype);
    }

    /** Product of all elements (0-dimensional): int64 for integer and bool tensors; differentiable for floats. */
    public Tensor prod() {
        return Cumulative.prod(dim() == 0 ? this : flatten(), 0, false);
    }

    /** Product along {@code dim} (torch.prod): int64 for integer and bool tensors; differentiable, zeros included. */
    public Tensor prod(int dim, boolean keepdim) {
        return Cumulative.prod(this, dim, keepdim);
    }

    /**
     * The distinct elements, ascending (torch.unique without dim; {@code sorted = false} is served by the same
     * ascending order, one PyTorch allows), with the int64 inverse indices and counts when asked for. Every NaN is
     * a distinct value, sorted last. Not differentiable.
     */
    public UniqueValues unique(boolean sorted, boolean returnInverse, boolean returnCounts) {
        return IndexOps.unique(this, returnInverse, returnCounts);
    }

    /**
     * A copy of this tensor with {@code src[p]} written at every position {@code p} of {@code index}, in dimension
     * {@code dim} at {@code index[p]} (torch.scatter; a repeated target keeps the last write). Differentiable in this
     * (zero gradient where written) and in {@code src} (the gradient gathered at the index).
     */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        return Scatter.scatter(this, dim, index, src);
    }

    /** A copy of this tensor with {@code value} at the positions {@code index} names (torch.scatter with a value). */
    public Tensor scatter(int dim, Tensor index, double value) {
        return Scatter.scatter(this, dim, index, value);
    }

    /** {@link #scatter(int, Tensor, double)}, exact for integer dtypes. */
    public Tensor scatter(int dim, Tensor index, long value) {
        return Scatter.scatter(this, dim, index, value);
    }

    /** {@link #scatter(int, Tensor, Tensor)} in place; returns this. */
    public Tensor scatter_(int dim, Tensor index, Tensor src) {
        checkInPlace("scatter_");
        return copy_(scatter(dim, index, src));
    }

    /** {@link #scatter(int, Tensor, double)} in place; returns this. */
    public Tensor scatter_(int dim, Tensor index, double value) {
        checkInPlace("scatter_");
        return copy_(scatter(dim, index, value));
    }

    /**
     * A copy of this tensor with the slices of {@code source} added at the positions of the 1-D {@code index} along
     * {@code dim} (torch.index_add; floating dtypes); differentiable in both.
     */
    public Tensor indexAdd(int dim, Tensor index, Tensor source) {
        return Scatter.indexAdd(this, dim, index, source);
    }

    /** A copy of this tensor with the slices at the 1-D {@code index} along {@code dim} set to {@code value}. */
    public Tensor indexFill(int dim, Tensor index, double value) {
        return Scatter.indexFill(this, dim, index, value);
    }

    /** {@link #indexFill(int, Tensor, double)}, exact for integer dtypes. */
    public Tensor indexFill(int dim, Tensor index, long value) {
        return Scatter.indexFill(this, dim, index, value);
    }

    /** The elements where the bool {@code mask} (broadcast with this) is true, 1-D (torch.masked_select). */
    public Tensor maskedSelect(Tensor mask) {
        return Scatter.maskedSelect(this, mask);
    }

    /** Concatenates tensors along {@code dim} (torch.cat). */
    public static Tensor cat(int dim, Tensor... tensors) {
        return Concat.apply(dim, tensors);
    }

    /** Stacks same-shaped tensors along a new dimension {@code dim} (torch.stack). */
    public static Tensor stack(int dim, Tensor... tensors) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        for (Tensor t : tensors) {
            if (!Arrays.equals(t.shape, tensors[0].shape)) {
                throw new IllegalArgumentException("stack: shapes differ: " + Shapes.str(tensors[0].shape) + " and "
                        + Shapes.str(t.shape));
            }
        }
        int d = Shapes.dim("stack", dim, tensors[0].dim() + 1);
        Tensor[] expanded = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            expanded[i] = tensors[i].unsqueeze(d);
        }
        return cat(d, expanded);
    }

    // ------------------------------------------------------------------ linear algebra

    /**
     * Matrix product with {@code torch.matmul}'s rules: 1-D x 1-D is a dot product, a 1-D operand is treated as
     * a row (left) or column (right) vector and that dimension removed, and leading batch dimensions broadcast.
     */
    public Tensor matmul(Tensor other) {
        return MatMul.apply(Autocast.lower(this), Autocast.lower(other));
    }

    /** The shape array itself, not a copy, for the ops in this package ({@link Views}, {@link MatMul}): read only. */
    long[] rawShape() {
        return shape;
    }

    /** The strides array itself, not a copy, for the ops in this package: read only. */
    long[] rawStrides() {
        return strides;
    }

    Storage storage() {
        return storage;
    }

    // ------------------------------------------------------------------ autograd

    /** True if gradients flow to (leaf) or through (result of a recorded op) this tensor. */
    public boolean requiresGrad() {
        AutogradMeta meta = autograd;
        return meta != null && meta.requiresGrad;
    }

    /**
     * Marks a leaf tensor as needing a gradient (a parameter, or an input to {@link GradCheck}); returns this.
     *
     * @throws IllegalStateException on a non-leaf tensor
     */
    public Tensor requiresGrad_(boolean requires) {
        checkAlive("requiresGrad_");
        Node gradFn = gradFn();
        if (gradFn != null) {
            throw new IllegalStateException("requiresGrad_: " + describe() + " is the result of " + gradFn.name()
                    + ", not a leaf; use detach() to get a leaf");
        }
        if (requires && !dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("requiresGrad_: only floating-point tensors can require gradients, "
                    + describe() + " is " + dtype);
        }
        if (requires || autograd != null) {
            autogradMeta().requiresGrad = requires;
        }
        return this;
    }

    /** The accumulated gradient of a leaf after {@link #backward()}, or null. */
    public Tensor grad() {
        AutogradMeta meta = autograd;
        return meta == null ? null : meta.grad;
    }

    /**
     * Replaces the gradient (null clears it). The previous gradient tensor is closed, since the tensor owned
     * it: that is how {@code zeroGrad()} frees gradient memory deterministically.
     */
    public void setGrad(Tensor newGrad) {
        if (newGrad != null) {
            newGrad.checkAlive("setGrad");
            if (!Arrays.equals(newGrad.shape, shape) || newGrad.dtype != dtype || newGrad.device != device) {
                throw new IllegalArgumentException("setGrad: gradient " + newGrad.describe() + " does not match "
                        + describe());
            }
        }
        AutogradMeta meta = newGrad == null ? autograd : autogradMeta(); // clearing needs no state of its own
        if (meta != null) {
            meta.setGrad(newGrad);
        }
    }

    /**
     * Registers {@code hook} to run after this leaf's {@link #grad()} has received its whole gradient from a
     * {@link #backward()} pass, like PyTorch's {@code register_post_accumulate_grad_hook}: once per backward that
     * reaches this tensor, on the thread running it, with this tensor as argument. {@link Autograd#grad} runs no
     * hooks. Distributed data parallel training starts a bucket's all-reduce from such hooks.
     *
     * @return a handle that removes the hook
     * @throws IllegalStateException if this tensor is not a leaf that requires grad
     */
    public RemovableHandle registerPostAccumulateGradHook(java.util.function.Consumer<Tensor> hook) {
        checkAlive("registerPostAccumulateGradHook");
        java.util.Objects.requireNonNull(hook, "hook");
        if (!requiresGrad() || !isLeaf()) {
            throw new IllegalStateException("registerPostAccumulateGradHook: " + describe()
                    + (requiresGrad() ? " is not a leaf" : " does not require grad") + "; hooks run on leaves that"
                    + " accumulate a gradient");
        }
        return autogradMeta().addHook(hook);
    }

    boolean hasPostAccumulateGradHooks() {
        AutogradMeta meta = autograd;
        return meta != null && meta.hooks != null && !meta.hooks.isEmpty() && meta.gradFn == null;
    }

    void runPostAccumulateGradHooks() {
        for (var hook : autograd.hooks) {
            hook.accept(this);
        }
    }

    /** The node that produced this tensor ({@code grad_fn}), or null for a leaf. */
    public Node gradFn() {
        AutogradMeta meta = autograd;
        return meta == null ? null : meta.gradFn;
    }

    /** True for tensors not produced by a recorded op. */
    public boolean isLeaf() {
        return gradFn() == null;
    }

    /** A view of the same memory that is cut from the graph (a leaf that does not require grad). */
    public Tensor detach() {
        checkAlive("detach");
        return view("detach", shape.clone(), strides.clone(), offset);
    }

    void setGradFn(Node node) {
        AutogradMeta meta = autogradMeta();
        meta.gradFn = node;
        meta.requiresGrad = true;
    }

    /** This tensor's autograd state, made now if it has none. */
    private AutogradMeta autogradMeta() {
        AutogradMeta meta = autograd;
        if (meta == null) {
            AutogradMeta fresh = new AutogradMeta();
            meta = (AutogradMeta) AUTOGRAD.compareAndExchange(this, null, fresh); // the winner's, if another thread
            if (meta == null) {
                meta = fresh;
            }
        }
        return meta;
    }

    /**
     * Adds {@code g} to this leaf's gradient, allocating it outside any scope on first use; concurrent calls add
     * one after the other ({@link AutogradMeta#accumulateGrad}).
     */
    void accumulateGrad(Tensor g, boolean createGraph, boolean exclusive) {
        if (!Arrays.equals(g.shape, shape)) {
            throw new IllegalStateException("backward: gradient of shape " + Shapes.str(g.shape) + " for "
                    + describe());
        }
        autogradMeta().accumulateGrad(g, createGraph, exclusive);
    }

    /**
     * Takes this fresh gradient out of its scope so it can become a leaf's {@code grad()} without a copy (PyTorch's
     * AccumulateGrad steals a gradient nobody else holds in the same way). Only a whole, contiguous storage that no
     * view shares, owned by the innermost open scope (or already by the collector), qualifies; the engine only asks
     * for gradients no other consumer received.
     *
     * @return false (and nothing changed) when the tensor does not qualify
     */
    boolean adoptAsGrad() {
        Scope current = Scope.current();
        if (offset != 0 || !isContiguous() || !storage.isExclusive() || lease.isReleased()
                || (lease.owner != null && lease.owner != current)
                || storage.byteSize() != numel() * dtype.byteSize()) {
            return false;
        }
        if (lease.owner != null) {
            lease.ownByCollector(this); // the scope skips leases it no longer owns when it closes
        }
        return true;
    }

    /** Backpropagates from this one-element tensor (a loss), accumulating into the leaves' {@link #grad()}. */
    public void backward() {
        Autograd.backward(this, null, false, false);
    }

    /** Backpropagates {@code gradient} (same shape as this tensor) from this tensor. */
    public void backward(Tensor gradient) {
        Autograd.backward(this, gradient, false, false);
    }

    /**
     * Backpropagates with PyTorch's options: {@code retainGraph} keeps the graph for another backward;
     * {@code createGraph} records the backward pass so gradients can be differentiated again.
     */
    public void backward(Tensor gradient, boolean retainGraph, boolean createGraph) {
        Autograd.backward(this, gradient, retainGraph, createGraph);
    }

    // ------------------------------------------------------------------ conversion

    /** This tensor on {@code target}: itself if already there, else a copy. */
    public Tensor to(Device target) {
        checkAlive("to");
        if (target == device) {
            return this;
        }
        Tensor src = contiguous();
        Tensor out = empty(dtype, target, shape);
        long bytes = numel() * dtype.byteSize();
        long srcOff = src.offset * dtype.byteSize();
        try (InFlight pins = InFlight.pin("to", src)) {
            copyBytes(src, srcOff, out, target, bytes);
        } finally {
            if (src != this) {
                src.close();
            }
        }
        return Node.needed(this) ? new Conversions.Move(this).record(out) : out;
    }

    /** Copies {@code bytes} of {@code src} (pinned by the caller) into the fresh {@code out} on {@code target}. */
    private void copyBytes(Tensor src, long srcOff, Tensor out, Device target, long bytes) {
        if (bytes == 0) {
            // nothing to copy (the offset of a tensor without elements may lie anywhere)
        } else if (device.isHost() && target.isHost()) {
            MemorySegment.copy(src.storage.segment(), srcOff, out.storage.segment(), 0, bytes);
        } else if (device.isHost()) {
            target.backend().copyFromHost(src.storage.segment().asSlice(srcOff, bytes), out.storage.segment(), 0,
                    bytes);
        } else if (target.isHost()) {
            backend().copyToHost(src.storage.segment(), srcOff, out.storage.segment(), bytes);
        } else {
            // between two GPUs: through a host buffer
            try (Scope scope = Scope.open()) {
                Tensor host = empty(dtype, Device.CPU, shape);
                backend().copyToHost(src.storage.segment(), srcOff, host.storage.segment(), bytes);
                target.backend().copyFromHost(host.storage.segment(), out.storage.segment(), 0, bytes);
            }
        }
    }

    /**
     * Moves this tensor's data to {@code target} in place and converts it to {@code targetType}, keeping the object:
     * what {@code Module.to} does to parameters and buffers, and optimizers to their state, so that references held
     * elsewhere (an optimizer's parameter list) see the moved data, as PyTorch's
     * {@code param.data = param.data.to(device, dtype)} keeps the Parameter. Reached from other packages only
     * through {@link dev.nabla.internal.Internals}; not API.
     *
     * <p>The tensor keeps its identity, shape and {@code requiresGrad}; it gets a contiguous copy on {@code target}
     * in {@code targetType} and releases its hold on the old memory now (views taken before the move keep the old
     * memory alive and no longer share memory with this tensor). Its gradient moves and converts too (in place,
     * keeping the gradient object, unless it was recorded with {@code createGraph}), as PyTorch's
     * {@code module._apply} converts {@code .grad}. Its version counter steps past the old one, so a graph that saved
     * this tensor before the move refuses to run backward instead of mixing devices or dtypes. Nothing changes if
     * the copy fails.
     *
     * @throws IllegalStateException if the tensor was closed, is not a leaf, or is owned by a scope rather than by
     *     a module or optimizer
     * @throws IllegalArgumentException if the tensor requires grad and {@code targetType} is not floating point
     */
    void moveDataTo(Device target, DType targetType) {
        checkAlive("to");
        if (target == null || targetType == null) {
            throw new IllegalArgumentException("to: device and dtype must not be null");
        }
        if (target == device && targetType == dtype) {
            return;
        }
        Node gradFn = gradFn();
        if (gradFn != null) {
            throw new IllegalStateException("to: " + describe() + " is the result of " + gradFn.name()
                    + "; only a leaf (a parameter, buffer or optimizer state) is moved in place");
        }
        if (lease.owner != null) {
            throw new IllegalStateException("to: " + describe() + " belongs to a scope; only tensors owned by a "
                    + "module or optimizer are moved in place");
        }
        if (requiresGrad() && !targetType.isFloatingPoint()) {
            throw new IllegalArgumentException("to: " + describe() + " requires grad and cannot become " + targetType
                    + "; only floating-point tensors can require gradients");
        }
        // a gradient the engine accumulated (a leaf owned by no scope) moves in place too, as PyTorch keeps the
        // .grad object; one recorded with createGraph is replaced by a copy
        AutogradMeta meta = autograd;
        Tensor grad = meta == null ? null : meta.grad;
        boolean gradInPlace = grad != null && grad.isLeaf() && grad.lease.owner == null;
        Tensor data;
        Tensor movedGrad = null;
        try (Grad off = Grad.disabled()) {
            data = Scope.detached(() -> converted(this, target, targetType));
            if (grad != null && !gradInPlace && (grad.device != target || grad.dtype != targetType)) {
                Tensor g = grad;
                try {
                    movedGrad = Scope.detached(() -> converted(g, target, targetType));
                } catch (RuntimeException e) {
                    data.close();
                    throw e;
                }
            }
        }
        Lease old = lease;
        data.storage.retain();
        Lease fresh = new Lease(data.storage);
        storage = data.storage;
        dtype = targetType;
        device = target;
        strides = data.strides.clone();
        offset = data.offset;
        version = new long[] {version[0] + 1};
        lease = fresh;
        fresh.ownByCollector(this);
        old.release();
        data.close();
        if (movedGrad != null) {
            meta.grad = movedGrad;
            grad.close();
        } else if (gradInPlace) {
            try {
                grad.moveDataTo(target, targetType);
            } catch (RuntimeException e) { // never leave a gradient on another device or dtype than its tensor
                meta.grad = null;
                grad.close();
                throw e;
            }
        }
    }

    /** A contiguous copy of {@code t} on {@code target} in {@code targetType} (never {@code t} itself). */
    private static Tensor converted(Tensor t, Device target, DType targetType) {
        Tensor out = t.to(target, targetType);
        return out == t ? t.clone() : out;
    }

    /** This tensor converted to {@code target}: itself if already of that dtype, else a converted copy. */
    public Tensor to(DType target) {
        checkAlive("to");
        if (target == dtype) {
            return this;
        }
        Tensor out = empty(target, device, shape);
        try (InFlight pins = InFlight.pin("to", this)) {
            backend().copy(dtype.scalar(), strided(), target.scalar(), out.strided());
        }
        return Node.needed(this) ? new Conversions.Cast(this).record(out) : out;
    }

    /**
     * This tensor on {@code target} in {@code targetType}, like PyTorch's {@code tensor.to(device, dtype)}: itself
     * if it is already both, else a copy. The conversion runs on the host side of a transfer (which handles every
     * dtype): after the copy when going to the host, before it when leaving the host. Recorded by autograd as the
     * two conversions it is made of.
     */
    public Tensor to(Device target, DType targetType) {
        checkAlive("to");
        if (target == null || targetType == null) {
            throw new IllegalArgumentException("to: device and dtype must not be null");
        }
        if (target.isHost() || !device.isHost()) {
            Tensor moved = to(target);
            Tensor out = moved.to(targetType);
            if (moved != this && moved != out && !moved.requiresGrad()) { // a recorded one stays in the graph
                moved.close();
            }
            return out;
        }
        Tensor cast = to(targetType);
        Tensor out = cast.to(target);
        if (cast != this && cast != out && !cast.requiresGrad()) {
            cast.close();
        }
        return out;
    }

    /** The elements in row-major order, converted to float. */
    public float[] toFloatArray() {
        checkAlive("toFloatArray");
        float[] out = new float[Shapes.arrayLength("toFloatArray", numel(), describe())];
        if (out.length == 0) {
            return out; // nothing to copy (the offset of a tensor without elements may lie anywhere)
        }
        copyOut("toFloatArray", DType.FLOAT32, MemorySegment.ofArray(out));
        return out;
    }

    /** The elements in row-major order, converted to double. */
    public double[] toDoubleArray() {
        checkAlive("toDoubleArray");
        double[] out = new double[Shapes.arrayLength("toDoubleArray", numel(), describe())];
        if (out.length == 0) {
            return out; // nothing to copy (the offset of a tensor without elements may lie anywhere)
        }
        copyOut("toDoubleArray", DType.FLOAT64, MemorySegment.ofArray(out));
        return out;
    }

    /** The elements in row-major order, converted to long (floats truncated toward zero, like PyTorch's cast). */
    public long[] toLongArray() {
        checkAlive("toLongArray");
        long[] out = new long[Shapes.arrayLength("toLongArray", numel(), describe())];
        if (out.length > 0) {
            copyOut("toLongArray", DType.INT64, MemorySegment.ofArray(out));
        }
        return out;
    }

    /** The elements in row-major order, converted to int (floats truncated, wider integers wrapped). */
    public int[] toIntArray() {
        checkAlive("toIntArray");
        int[] out = new int[Shapes.arrayLength("toIntArray", numel(), describe())];
        if (out.length > 0) {
            copyOut("toIntArray", DType.INT32, MemorySegment.ofArray(out));
        }
        return out;
    }

    /** The elements in row-major order as booleans (true where not zero). */
    public boolean[] toBooleanArray() {
        checkAlive("toBooleanArray");
        byte[] bytes = new byte[Shapes.arrayLength("toBooleanArray", numel(), describe())];
        if (bytes.length > 0) {
            copyOut("toBooleanArray", DType.BOOL, MemorySegment.ofArray(bytes));
        }
        boolean[] out = new boolean[bytes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes[i] != 0;
        }
        return out;
    }

    /** Copies every element, converted to {@code as}, in row-major order into the host array {@code out}. */
    private void copyOut(String op, DType as, MemorySegment out) {
        Tensor c = to(as).contiguous();
        try (InFlight pins = InFlight.pin(op, c)) {
            backend().copyToHost(c.storage.segment(), c.offset * as.byteSize(), out, out.byteSize());
        } finally {
            if (c != this) {
                c.close();
            }
        }
    }

    /** The value of a one-element tensor. */
    public double item() {
        checkAlive("item");
        if (numel() != 1) {
            throw new IllegalStateException("item: " + describe() + " has " + numel()
                    + " elements; only a one-element tensor has an item");
        }
        return toDoubleArray()[0];
    }

    /** The value of a one-element tensor as a long: exact for every int64 (floats are truncated toward zero). */
    public long itemLong() {
        checkAlive("itemLong");
        if (numel() != 1) {
            throw new IllegalStateException("itemLong: " + describe() + " has " + numel()
                    + " elements; only a one-element tensor has an item");
        }
        return toLongArray()[0];
    }

    /** PyTorch-style text: {@code tensor([[1.0000, 2.0000]], dtype=float64)}. */
    @Override
    public String toString() {
        if (isClosed()) {
            return "tensor(<closed> " + describe() + ")";
        }
        return TensorFormatter.format(this);
    }

    /**
     * Releases this tensor's hold on its memory now (the memory returns to the pool once no view uses it).
     * Idempotent; any later use throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        lease.release();
    }
}
