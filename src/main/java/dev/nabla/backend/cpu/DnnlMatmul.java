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

/**
 * One oneDNN matmul primitive for one {@link DnnlMatmulKey}, with the memory descriptors its executions need.
 *
 * <p>The primitive uses a user-provided scratchpad ({@code dnnl_scratchpad_mode_user}), the one of the execution's
 * {@link DnnlStreamContext}, so concurrent executions from several threads share no mutable state: oneDNN's default
 * (library) scratchpad may be shared between primitives. Memory objects wrapping the caller's buffers are created per
 * execution (a small allocation each).
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
    private final MemorySegment scalesMd;
    private final MemorySegment zeroPointMd;
    private final MemorySegment scratchpadMd;
    private final long scratchpadBytes;
    private final MemorySegment primitive;

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
     * @param scales    int8 only: {@code key.scaleCount()} float32 output scales; else ignored
     * @param zeroPoint int8 only: the zero point subtracted from A; else ignored
     */
    void execute(DnnlStreamContext context, MemorySegment a, MemorySegment b, MemorySegment c, MemorySegment scales,
                 int zeroPoint) {
        var memories = new ArrayList<MemorySegment>(6);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment args = dnnl_exec_arg_t.allocateArray(6, call);
            int n = 0;
            n = arg(args, n, dnnl_h.DNNL_ARG_SRC(), memory(engine, srcMd, a, call, memories));
            n = arg(args, n, dnnl_h.DNNL_ARG_WEIGHTS(), memory(engine, weightsMd, b, call, memories));
            n = arg(args, n, dnnl_h.DNNL_ARG_DST(), memory(engine, dstMd, c, call, memories));
            if (scratchpadBytes > 0) {
                MemorySegment scratch = context.scratchpad(scratchpadBytes);
                n = arg(args, n, dnnl_h.DNNL_ARG_SCRATCHPAD(), memory(engine, scratchpadMd, scratch, call, memories));
            }
            if (key.quantized()) {
                n = arg(args, n, dnnl_h.DNNL_ARG_ATTR_OUTPUT_SCALES(), memory(engine, scalesMd, scales, call, memories));
                MemorySegment zp = call.allocateFrom(JAVA_INT, zeroPoint);
                n = arg(args, n, dnnl_h.DNNL_ARG_ATTR_ZERO_POINTS() | dnnl_h.DNNL_ARG_SRC(),
                        memory(engine, zeroPointMd, zp, call, memories));
            }
            check(dnnl_h.dnnl_primitive_execute(primitive, context.stream(), n, args), "dnnl_primitive_execute");
        } finally {
            memories.forEach(dnnl_h::dnnl_memory_destroy);
        }
    }

    /** Destroys the primitive and frees the descriptors; no execution may be in flight. */
    @Override
    public void close() {
        dnnl_h.dnnl_primitive_destroy(primitive);
        descriptors.close();
    }

    private MemorySegment primitiveDesc(MemorySegment weights) {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment desc = dnnl_matmul_desc_t.allocate(temp);
            check(dnnl_h.dnnl_matmul_desc_init(desc, srcMd, weights, MemorySegment.NULL, dstMd), "dnnl_matmul_desc_init");
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
