package dev.nabla.backend.cpu;

import static dev.nabla.backend.cpu.DnnlMemories.copyOf;
import static dev.nabla.backend.cpu.DnnlMemories.created;
import static dev.nabla.backend.cpu.DnnlMemories.memory;
import static dev.nabla.backend.cpu.DnnlStatus.check;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.bindings.dnnl.dnnl_exec_arg_t;
import dev.nabla.bindings.dnnl.dnnl_h;
import dev.nabla.bindings.dnnl.dnnl_matmul_desc_t;
import dev.nabla.bindings.dnnl.dnnl_memory_desc_t;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * One oneDNN matmul primitive for one {@link DnnlMatmulKey}, with the memory descriptors its executions need.
 *
 * <p>The primitive uses a user-provided scratchpad ({@code dnnl_scratchpad_mode_user}), the one of the execution's
 * {@link DnnlStreamContext}, so concurrent executions from several threads share no mutable state: oneDNN's default
 * (library) scratchpad may be shared between primitives. The memory objects that wrap the caller's buffers, and the
 * argument array, are made once per concurrent execution and kept ({@link Bindings}): an execution only points them
 * at its buffers, where creating and destroying four memory objects per product cost a few microseconds.
 * {@link #close()} destroys the primitive; the owner ({@link DnnlGemm}) guarantees no execution is in flight then.
 */
final class DnnlMatmul implements AutoCloseable {
    /** {@code DNNL_RUNTIME_F32_VAL}: a NaN with this payload (a union in the header, which jextract cannot map). */
    private static final float RUNTIME_F32 = Float.intBitsToFloat(0x7fc000d0);
    /** {@code DNNL_RUNTIME_S32_VAL}: {@code INT32_MIN} (a {@code static const int} in the header). */
    private static final int RUNTIME_S32 = Integer.MIN_VALUE;
    /** Output scales vary along dimension 1 (the columns of C) when given per column. */
    private static final int PER_COLUMN_MASK = 1 << 1;

    private final DnnlMatmulKey key;
    private final MemorySegment engine;
    /** Holds the descriptors (read by oneDNN in every execution) until {@link #close()}. */
    private final Arena descriptors = Arena.ofShared();
    private final MemorySegment srcMd;
    /** B as the caller stores it (row-major or transposed). */
    private final MemorySegment plainWeightsMd;
    /** B as the primitive reads it: the plain layout, or with {@code packedB} the one oneDNN chose. */
    private final MemorySegment weightsMd;
    private final MemorySegment dstMd;
    private final MemorySegment biasMd;
    private final MemorySegment scalesMd;
    private final MemorySegment zeroPointMd;
    private final MemorySegment scratchpadMd;
    private final long scratchpadBytes;
    private final MemorySegment primitive;
    /** Bindings not in use; an execution takes one (or makes one) and puts it back. */
    private final ConcurrentLinkedQueue<Bindings> idle = new ConcurrentLinkedQueue<>();

    /**
     * Creates the primitive.
     *
     * @throws UnsupportedOperationException when oneDNN has no implementation for these types on this CPU
     */
    DnnlMatmul(DnnlMatmulKey key, MemorySegment engine) {
        this.key = key;
        this.engine = engine;
        try {
            srcMd = matrix(key.a(), key.m(), key.k(), key.transA(), key.lda());
            plainWeightsMd = matrix(key.b(), key.k(), key.n(), key.transB(), key.ldb());
            dstMd = matrix(key.c(), key.m(), key.n(), false, key.ldc());
            biasMd = key.bias() ? row(DnnlDataType.F32, key.n()) : MemorySegment.NULL;
            scalesMd = key.quantized() ? vector(DnnlDataType.F32, key.scaleCount()) : MemorySegment.NULL;
            zeroPointMd = key.quantized() ? vector(DnnlDataType.S32, 1) : MemorySegment.NULL;
            MemorySegment pd = primitiveDesc(key.packedB() ? anyLayout(key.b(), key.k(), key.n()) : plainWeightsMd);
            try {
                weightsMd = key.packedB()
                        ? copyOf(descriptors, dnnl_h.dnnl_primitive_desc_query_md(pd, dnnl_h.dnnl_query_weights_md(), 0))
                        : plainWeightsMd;
                scratchpadMd = copyOf(descriptors, dnnl_h.dnnl_primitive_desc_query_md(pd, dnnl_h.dnnl_query_scratchpad_md(), 0));
                scratchpadBytes = dnnl_h.dnnl_memory_desc_get_size(scratchpadMd);
                primitive = DnnlMemories.primitive(pd, "dnnl_primitive_create");
            } finally {
                dnnl_h.dnnl_primitive_desc_destroy(pd);
            }
        } catch (RuntimeException e) {
            descriptors.close();
            throw e;
        }
    }

    /** B as the caller stores it: what {@link DnnlPackedWeights} reorders from. */
    MemorySegment plainWeightsMd() {
        return plainWeightsMd;
    }

    /** B as this primitive reads it: what {@link DnnlPackedWeights} reorders into. */
    MemorySegment weightsMd() {
        return weightsMd;
    }

    /**
     * Runs the product on the context's stream over buffers at these native addresses (already offset and checked).
     *
     * @param bias      with {@code key.bias()}: the {@code n} float32 values added to every row; else ignored
     * @param scales    int8 only: {@code key.scaleCount()} float32 output scales; else ignored
     * @param zeroPoint int8 only: the zero point subtracted from A; else ignored
     */
    void execute(DnnlStreamContext context, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment bias,
                 MemorySegment scales, int zeroPoint) {
        Bindings bound = idle.poll();
        if (bound == null) {
            bound = new Bindings();
        }
        try {
            bound.point(Bindings.SRC, a);
            bound.point(Bindings.WEIGHTS, b);
            bound.point(Bindings.DST, c);
            if (key.bias()) {
                bound.point(Bindings.BIAS, bias);
            }
            if (scratchpadBytes > 0) {
                bound.point(Bindings.SCRATCHPAD, context.scratchpad(scratchpadBytes));
            }
            if (key.quantized()) {
                bound.point(Bindings.SCALES, scales);
                bound.zeroPoint.set(JAVA_INT, 0, zeroPoint);
            }
            check(dnnl_h.dnnl_primitive_execute(primitive, context.stream(), bound.count, bound.args),
                    "dnnl_primitive_execute");
        } finally {
            idle.add(bound);
        }
    }

    /** Destroys the primitive and frees the descriptors; no execution may be in flight. */
    @Override
    public void close() {
        for (Bindings bound = idle.poll(); bound != null; bound = idle.poll()) {
            bound.close();
        }
        dnnl_h.dnnl_primitive_destroy(primitive);
        descriptors.close();
    }

    /**
     * One execution's memory objects (in argument order) and argument array, kept between executions by one caller at
     * a time; an execution points each memory object at its buffer ({@code dnnl_memory_set_data_handle}). Made with
     * placeholder data (the zero-point buffer of its own), freed with the primitive.
     */
    private final class Bindings implements AutoCloseable {
        static final int SRC = 0;
        static final int WEIGHTS = 1;
        static final int DST = 2;
        static final int SCRATCHPAD = 3;
        static final int SCALES = 4;
        static final int BIAS = 5;

        final MemorySegment args = dnnl_exec_arg_t.allocateArray(7, descriptors);
        final MemorySegment zeroPoint = descriptors.allocate(JAVA_INT);
        final List<MemorySegment> memories = new ArrayList<>(7);
        /** Argument slot of each {@code SRC}...{@code BIAS} role, -1 when this primitive has none. */
        final int[] slots = {-1, -1, -1, -1, -1, -1};
        final int count;

        Bindings() {
            try (Arena call = Arena.ofConfined()) {
                int n = 0;
                n = bind(n, SRC, dnnl_h.DNNL_ARG_SRC(), srcMd, call);
                n = bind(n, WEIGHTS, dnnl_h.DNNL_ARG_WEIGHTS(), weightsMd, call);
                n = bind(n, DST, dnnl_h.DNNL_ARG_DST(), dstMd, call);
                if (key.bias()) {
                    n = bind(n, BIAS, dnnl_h.DNNL_ARG_BIAS(), biasMd, call);
                }
                if (scratchpadBytes > 0) {
                    n = bind(n, SCRATCHPAD, dnnl_h.DNNL_ARG_SCRATCHPAD(), scratchpadMd, call);
                }
                if (key.quantized()) {
                    n = bind(n, SCALES, dnnl_h.DNNL_ARG_ATTR_OUTPUT_SCALES(), scalesMd, call);
                    arg(args, n, dnnl_h.DNNL_ARG_ATTR_ZERO_POINTS() | dnnl_h.DNNL_ARG_SRC(),
                            memory(engine, zeroPointMd, zeroPoint, call, memories));
                    n++;
                }
                count = n;
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private int bind(int n, int role, int kind, MemorySegment md, Arena call) {
            slots[role] = n;
            return arg(args, n, kind, memory(engine, md, MemorySegment.NULL, call, memories));
        }

        /** Points the memory object of {@code role} at {@code data}. */
        void point(int role, MemorySegment data) {
            check(dnnl_h.dnnl_memory_set_data_handle(memories.get(slots[role]), data), "dnnl_memory_set_data_handle");
        }

        @Override
        public void close() {
            memories.forEach(dnnl_h::dnnl_memory_destroy);
        }
    }

    private MemorySegment primitiveDesc(MemorySegment weights) {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment desc = dnnl_matmul_desc_t.allocate(temp);
            check(dnnl_h.dnnl_matmul_desc_init(desc, srcMd, weights, biasMd, dstMd), "dnnl_matmul_desc_init");
            List<Runnable> cleanup = new ArrayList<>();
            try {
                MemorySegment attr = created(temp, "dnnl_primitive_attr_create", dnnl_h::dnnl_primitive_attr_create);
                cleanup.add(() -> dnnl_h.dnnl_primitive_attr_destroy(attr));
                check(dnnl_h.dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_h.dnnl_scratchpad_mode_user()),
                        "dnnl_primitive_attr_set_scratchpad_mode");
                if (key.quantized()) {
                    int mask = key.scaleCount() == 1 ? 0 : PER_COLUMN_MASK;
                    check(dnnl_h.dnnl_primitive_attr_set_output_scales(attr, 1, mask,
                            temp.allocateFrom(JAVA_FLOAT, RUNTIME_F32)), "dnnl_primitive_attr_set_output_scales");
                    check(dnnl_h.dnnl_primitive_attr_set_zero_points(attr, dnnl_h.DNNL_ARG_SRC(), 1, 0,
                            temp.allocateFrom(JAVA_INT, RUNTIME_S32)), "dnnl_primitive_attr_set_zero_points");
                } else if (key.alpha() != 1f) {
                    check(dnnl_h.dnnl_primitive_attr_set_output_scales(attr, 1, 0,
                            temp.allocateFrom(JAVA_FLOAT, key.alpha())), "dnnl_primitive_attr_set_output_scales");
                }
                if (key.beta() != 0f) {
                    MemorySegment postOps = created(temp, "dnnl_post_ops_create", dnnl_h::dnnl_post_ops_create);
                    cleanup.add(() -> dnnl_h.dnnl_post_ops_destroy(postOps));
                    check(dnnl_h.dnnl_post_ops_append_sum(postOps, key.beta()), "dnnl_post_ops_append_sum");
                    check(dnnl_h.dnnl_primitive_attr_set_post_ops(attr, postOps), "dnnl_primitive_attr_set_post_ops");
                }
                MemorySegment pd = temp.allocate(ADDRESS);
                check(dnnl_h.dnnl_primitive_desc_create(pd, desc, attr, engine, MemorySegment.NULL),
                        "dnnl_primitive_desc_create for " + key);
                return pd.get(ADDRESS, 0);
            } finally {
                cleanup.reversed().forEach(Runnable::run);
            }
        }
    }

    /** A {@code rows x cols} row-major matrix with row stride {@code ld}, or its transpose as stored. */
    private MemorySegment matrix(DnnlDataType type, int rows, int cols, boolean transposed, int ld) {
        MemorySegment md = dnnl_memory_desc_t.allocate(descriptors);
        MemorySegment dims = descriptors.allocateFrom(JAVA_LONG, rows, cols);
        MemorySegment strides = transposed ? descriptors.allocateFrom(JAVA_LONG, 1, ld)
                : descriptors.allocateFrom(JAVA_LONG, ld, 1);
        check(dnnl_h.dnnl_memory_desc_init_by_strides(md, 2, dims, type.code(), strides), "dnnl_memory_desc_init_by_strides");
        return md;
    }

    /** A {@code rows x cols} matrix in whatever layout the primitive prefers ({@code dnnl_format_tag_any}). */
    private MemorySegment anyLayout(DnnlDataType type, int rows, int cols) {
        MemorySegment md = dnnl_memory_desc_t.allocate(descriptors);
        check(dnnl_h.dnnl_memory_desc_init_by_tag(md, 2, descriptors.allocateFrom(JAVA_LONG, rows, cols), type.code(),
                dnnl_h.dnnl_format_tag_any()), "dnnl_memory_desc_init_by_tag");
        return md;
    }

    /** A {@code 1 x length} row, broadcast over the rows of the output (a matmul bias). */
    private MemorySegment row(DnnlDataType type, int length) {
        MemorySegment md = dnnl_memory_desc_t.allocate(descriptors);
        check(dnnl_h.dnnl_memory_desc_init_by_strides(md, 2, descriptors.allocateFrom(JAVA_LONG, 1, length),
                type.code(), descriptors.allocateFrom(JAVA_LONG, length, 1)), "dnnl_memory_desc_init_by_strides");
        return md;
    }

    private MemorySegment vector(DnnlDataType type, int length) {
        MemorySegment md = dnnl_memory_desc_t.allocate(descriptors);
        check(dnnl_h.dnnl_memory_desc_init_by_strides(md, 1, descriptors.allocateFrom(JAVA_LONG, length), type.code(),
                descriptors.allocateFrom(JAVA_LONG, 1)), "dnnl_memory_desc_init_by_strides");
        return md;
    }

    private static int arg(MemorySegment args, int index, int arg, MemorySegment memory) {
        DnnlMemories.arg(args, index, arg, memory);
        return index + 1;
    }

}
