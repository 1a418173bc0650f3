package dev.nabla.backend.cpu;

import static dev.nabla.backend.cpu.DnnlMemories.arg;
import static dev.nabla.backend.cpu.DnnlMemories.copyOf;
import static dev.nabla.backend.cpu.DnnlMemories.created;
import static dev.nabla.backend.cpu.DnnlMemories.memory;
import static dev.nabla.backend.cpu.DnnlStatus.check;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.nabla.base.ConvGeometry;
import dev.nabla.bindings.dnnl.dnnl_exec_arg_t;
import dev.nabla.bindings.dnnl.dnnl_h;
import dev.nabla.bindings.dnnl.dnnl_memory_desc_t;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;

/**
 * One oneDNN convolution primitive (forward, backward data or backward weights) for one {@link DnnlConvKey}, over
 * plain row-major float32 operands, with the memory descriptors and reorders its executions need.
 *
 * <p>The primitive picks its own layouts ({@code dnnl_format_tag_any}: on AVX-512, channel-blocked {@code nChw16c}
 * activations and blocked weights, with oneDNN's direct JIT kernels), and each operand whose chosen layout differs
 * from the caller's plain one ({@code nchw}, {@code oihw}/{@code goihw}) is reordered into a buffer of the execution's
 * {@link DnnlStreamContext} before the call (inputs) or back after it (outputs). Measured on the Fashion-MNIST CNN
 * step's convolutions (batch 128, fastest of 20 steps, 2-core AVX-512 VM): plain layouts ran oneDNN's im2col + GEMM
 * kernels in 28.9 ms a step; blocked ones 9.1 ms plus 3.1 ms of reorders.
 *
 * <p>As {@link DnnlMatmul}, the primitive uses the caller's scratchpad, so concurrent executions share no mutable
 * state; {@link #close()} destroys it once no execution is in flight (the owner, {@link DnnlConvolutions}, guarantees
 * that).
 */
final class DnnlConvolution implements AutoCloseable {
    /**
     * {@code sizeof(dnnl_convolution_desc_t)} in oneDNN 2.x (dnnl_types.h): three enums and padding (16 bytes), eight
     * memory descriptors, strides, dilates and padding[2] ({@code DNNL_MAX_NDIMS} int64s each), the accumulator type
     * and padding (8 bytes). Computed here because the generated struct class cannot be initialised (native/jextract).
     */
    private static final long CONVOLUTION_DESC_BYTES =
            16 + 8 * dnnl_memory_desc_t.layout().byteSize() + 4L * dnnl_h.DNNL_MAX_NDIMS() * Long.BYTES + 8;

    private final MemorySegment engine;
    /** Holds the descriptors (read by oneDNN in every execution) until {@link #close()}. */
    private final Arena descriptors = Arena.ofShared();
    /** The execution argument ids, in the order {@link #execute} takes the buffers. */
    private final int[] argIds;
    /** The memory descriptor of each argument, same order. */
    private final MemorySegment[] argMds;
    private final MemorySegment scratchpadMd;
    /** Per argument: the layout the primitive chose when it differs from the plain one, else null. */
    private final MemorySegment[] internalMds;
    /** Per argument with an internal layout: the reorder from the plain layout (inputs) or to it (outputs). */
    private final MemorySegment[] reorders;
    private final long scratchpadBytes;
    private final MemorySegment primitive;

    /**
     * Creates the primitive.
     *
     * @throws UnsupportedOperationException when oneDNN has no implementation for this convolution on this CPU
     */
    DnnlConvolution(DnnlConvKey key, MemorySegment engine) {
        this.engine = engine;
        MemorySegment[] created = null; // the reorders, destroyed here if the primitive is refused after them
        try {
            MemorySegment src = plain(key.n(), key.c(), key.h(), key.w());
            MemorySegment weights = weights(key);
            MemorySegment bias = key.bias() ? plain(key.o()) : MemorySegment.NULL;
            MemorySegment dst = plain(key.n(), key.o(), key.outH(), key.outW());
            switch (key.pass()) {
                case FORWARD -> {
                    argIds = key.bias()
                            ? new int[] {dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_WEIGHTS(), dnnl_h.DNNL_ARG_BIAS(),
                                    dnnl_h.DNNL_ARG_DST()}
                            : new int[] {dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_WEIGHTS(), dnnl_h.DNNL_ARG_DST()};
                    argMds = key.bias() ? new MemorySegment[] {src, weights, bias, dst}
                            : new MemorySegment[] {src, weights, dst};
                }
                case BACKWARD_DATA -> {
                    argIds = new int[] {dnnl_h.DNNL_ARG_DIFF_DST(), dnnl_h.DNNL_ARG_WEIGHTS(), dnnl_h.DNNL_ARG_DIFF_SRC()};
                    argMds = new MemorySegment[] {dst, weights, src};
                }
                default -> {
                    argIds = key.bias()
                            ? new int[] {dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_DIFF_DST(),
                                    dnnl_h.DNNL_ARG_DIFF_WEIGHTS(), dnnl_h.DNNL_ARG_DIFF_BIAS()}
                            : new int[] {dnnl_h.DNNL_ARG_SRC(), dnnl_h.DNNL_ARG_DIFF_DST(),
                                    dnnl_h.DNNL_ARG_DIFF_WEIGHTS()};
                    argMds = key.bias() ? new MemorySegment[] {src, dst, weights, bias}
                            : new MemorySegment[] {src, dst, weights};
                }
            }
            MemorySegment pd = primitiveDesc(key, any(src), any(weights), bias, any(dst));
            try {
                scratchpadMd = copyOf(descriptors, dnnl_h.dnnl_primitive_desc_query_md(pd, dnnl_h.dnnl_query_scratchpad_md(), 0));
                scratchpadBytes = dnnl_h.dnnl_memory_desc_get_size(scratchpadMd);
                internalMds = new MemorySegment[argIds.length];
                reorders = created = new MemorySegment[argIds.length];
                for (int i = 0; i < argIds.length; i++) {
                    int query = query(argIds[i]);
                    if (query == 0) {
                        continue;
                    }
                    MemorySegment chosen = copyOf(descriptors, dnnl_h.dnnl_primitive_desc_query_md(pd, query, 0));
                    if (dnnl_h.dnnl_memory_desc_equal(chosen, argMds[i]) == 0) {
                        internalMds[i] = chosen;
                        reorders[i] = output(argIds[i]) ? reorder(chosen, argMds[i]) : reorder(argMds[i], chosen);
                    }
                }
                primitive = DnnlMemories.primitive(pd, "dnnl_primitive_create");
            } finally {
                dnnl_h.dnnl_primitive_desc_destroy(pd);
            }
        } catch (RuntimeException e) {
            if (created != null) {
                for (MemorySegment r : created) {
                    if (r != null) {
                        dnnl_h.dnnl_primitive_destroy(r);
                    }
                }
            }
            descriptors.close();
            throw e;
        }
    }

    /**
     * Runs the primitive on the context's stream over buffers at these native addresses (already offset and checked),
     * in the pass's order: forward {@code x, weight, [bias,] out}; backward data {@code gradOut, weight, gradIn};
     * backward weights {@code x, gradOut, gradWeight[, gradBias]}.
     */
    void execute(DnnlStreamContext context, MemorySegment... buffers) {
        int count = argIds.length + (scratchpadBytes > 0 ? 1 : 0);
        var memories = new ArrayList<MemorySegment>(2 * count);
        try (Arena call = Arena.ofConfined()) {
            MemorySegment args = dnnl_exec_arg_t.allocateArray(count, call);
            MemorySegment[] user = new MemorySegment[argIds.length];
            MemorySegment[] internal = new MemorySegment[argIds.length];
            for (int i = 0; i < argIds.length; i++) {
                user[i] = memory(engine, argMds[i], buffers[i], call, memories);
                internal[i] = internalMds[i] == null ? user[i]
                        : memory(engine, internalMds[i], context.buffer(1 + i, dnnl_h.dnnl_memory_desc_get_size(internalMds[i])),
                                call, memories);
                arg(args, i, argIds[i], internal[i]);
            }
            if (scratchpadBytes > 0) {
                arg(args, count - 1, dnnl_h.DNNL_ARG_SCRATCHPAD(),
                        memory(engine, scratchpadMd, context.scratchpad(scratchpadBytes), call, memories));
            }
            MemorySegment reorderArgs = dnnl_exec_arg_t.allocateArray(2, call);
            for (int i = 0; i < argIds.length; i++) {
                if (reorders[i] != null && !output(argIds[i])) {
                    runReorder(context, reorders[i], reorderArgs, user[i], internal[i]);
                }
            }
            check(dnnl_h.dnnl_primitive_execute(primitive, context.stream(), count, args), "dnnl_primitive_execute");
            for (int i = 0; i < argIds.length; i++) {
                if (reorders[i] != null && output(argIds[i])) {
                    runReorder(context, reorders[i], reorderArgs, internal[i], user[i]);
                }
            }
        } finally {
            memories.forEach(dnnl_h::dnnl_memory_destroy);
        }
    }

    private static void runReorder(DnnlStreamContext context, MemorySegment reorder, MemorySegment args,
                                   MemorySegment from, MemorySegment to) {
        arg(args, 0, dnnl_h.DNNL_ARG_FROM(), from);
        arg(args, 1, dnnl_h.DNNL_ARG_TO(), to);
        check(dnnl_h.dnnl_primitive_execute(reorder, context.stream(), 2, args), "dnnl_primitive_execute (reorder)");
    }

    /** The primitive-descriptor query for an argument's layout; 0 for the bias (always plain). */
    private static int query(int arg) {
        if (arg == dnnl_h.DNNL_ARG_SRC()) {
            return dnnl_h.dnnl_query_src_md();
        } else if (arg == dnnl_h.DNNL_ARG_DIFF_SRC()) {
            return dnnl_h.dnnl_query_diff_src_md();
        } else if (arg == dnnl_h.DNNL_ARG_WEIGHTS()) {
            return dnnl_h.dnnl_query_weights_md();
        } else if (arg == dnnl_h.DNNL_ARG_DIFF_WEIGHTS()) {
            return dnnl_h.dnnl_query_diff_weights_md();
        } else if (arg == dnnl_h.DNNL_ARG_DST()) {
            return dnnl_h.dnnl_query_dst_md();
        } else if (arg == dnnl_h.DNNL_ARG_DIFF_DST()) {
            return dnnl_h.dnnl_query_diff_dst_md();
        }
        return 0;
    }

    /** Whether the primitive writes this argument. */
    private static boolean output(int arg) {
        return arg == dnnl_h.DNNL_ARG_DST() || arg == dnnl_h.DNNL_ARG_DIFF_SRC()
                || arg == dnnl_h.DNNL_ARG_DIFF_WEIGHTS() || arg == dnnl_h.DNNL_ARG_DIFF_BIAS();
    }

    private MemorySegment reorder(MemorySegment from, MemorySegment to) {
        return DnnlMemories.reorder(engine, from, to);
    }

    /** The same sizes with the layout left to the primitive ({@code dnnl_format_tag_any}). */
    private MemorySegment any(MemorySegment plain) {
        int ndims = dnnl_memory_desc_t.ndims(plain);
        MemorySegment md = dnnl_memory_desc_t.allocate(descriptors);
        check(dnnl_h.dnnl_memory_desc_init_by_tag(md, ndims, dnnl_memory_desc_t.dims(plain), DnnlDataType.F32.code(),
                dnnl_h.dnnl_format_tag_any()), "dnnl_memory_desc_init_by_tag");
        return md;
    }

    /** Destroys the primitive and frees the descriptors; no execution may be in flight. */
    @Override
    public void close() {
        dnnl_h.dnnl_primitive_destroy(primitive);
        for (MemorySegment r : reorders) {
            if (r != null) {
                dnnl_h.dnnl_primitive_destroy(r);
            }
        }
        descriptors.close();
    }

    /** The pass's primitive descriptor; the backward passes take a forward one as oneDNN's required hint. */
    private MemorySegment primitiveDesc(DnnlConvKey key, MemorySegment src, MemorySegment weights, MemorySegment bias,
                                        MemorySegment dst) {
        ConvGeometry g = key.geometry();
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment strides = temp.allocateFrom(JAVA_LONG, g.strideH(), g.strideW());
            MemorySegment dilates = temp.allocateFrom(JAVA_LONG, g.dilationH() - 1L, g.dilationW() - 1L); // 0: dense
            // oneDNN's output size is (in - window + padL + padR) / stride + 1, PyTorch's with padR = padL
            MemorySegment padding = temp.allocateFrom(JAVA_LONG, g.padH(), g.padW());
            int direct = dnnl_h.dnnl_convolution_direct();
            MemorySegment attr = created(temp, "dnnl_primitive_attr_create", dnnl_h::dnnl_primitive_attr_create);
            try {
                check(dnnl_h.dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_h.dnnl_scratchpad_mode_user()),
                        "dnnl_primitive_attr_set_scratchpad_mode");
                MemorySegment forward = temp.allocate(CONVOLUTION_DESC_BYTES, 8);
                check(dnnl_h.dnnl_dilated_convolution_forward_desc_init(forward, dnnl_h.dnnl_forward_training(), direct,
                        src, weights, key.pass() == DnnlConvKey.Pass.FORWARD ? bias : MemorySegment.NULL, dst, strides,
                        dilates, padding, padding), "dnnl_dilated_convolution_forward_desc_init");
                MemorySegment forwardPd = create(temp, forward, attr, MemorySegment.NULL, key);
                if (key.pass() == DnnlConvKey.Pass.FORWARD) {
                    return forwardPd;
                }
                try {
                    MemorySegment desc = temp.allocate(CONVOLUTION_DESC_BYTES, 8);
                    if (key.pass() == DnnlConvKey.Pass.BACKWARD_DATA) {
                        check(dnnl_h.dnnl_dilated_convolution_backward_data_desc_init(desc, direct, src, weights, dst,
                                strides, dilates, padding, padding), "dnnl_dilated_convolution_backward_data_desc_init");
                    } else {
                        check(dnnl_h.dnnl_dilated_convolution_backward_weights_desc_init(desc, direct, src, weights,
                                bias, dst, strides, dilates, padding, padding),
                                "dnnl_dilated_convolution_backward_weights_desc_init");
                    }
                    return create(temp, desc, attr, forwardPd, key);
                } finally {
                    dnnl_h.dnnl_primitive_desc_destroy(forwardPd);
                }
            } finally {
                dnnl_h.dnnl_primitive_attr_destroy(attr);
            }
        }
    }

    private MemorySegment create(Arena temp, MemorySegment desc, MemorySegment attr, MemorySegment hint,
                                 DnnlConvKey key) {
        MemorySegment pd = temp.allocate(ADDRESS);
        check(dnnl_h.dnnl_primitive_desc_create(pd, desc, attr, engine, hint), "dnnl_primitive_desc_create for " + key);
        return pd.get(ADDRESS, 0);
    }

    /** The weights: {@code [o, c, kh, kw]}, or {@code [groups, o/groups, c/groups, kh, kw]} when grouped. */
    private MemorySegment weights(DnnlConvKey key) {
        ConvGeometry g = key.geometry();
        int groups = key.groups();
        return groups == 1 ? plain(key.o(), key.c(), g.kernelH(), g.kernelW())
                : plain(groups, key.o() / groups, key.c() / groups, g.kernelH(), g.kernelW());
    }

    /** A dense row-major float32 descriptor of these sizes. */
    private MemorySegment plain(long... dims) {
        MemorySegment md = dnnl_memory_desc_t.allocate(descriptors);
        int tag = switch (dims.length) {
            case 1 -> dnnl_h.dnnl_a();
            case 4 -> dnnl_h.dnnl_abcd();
            default -> dnnl_h.dnnl_abcde();
        };
        check(dnnl_h.dnnl_memory_desc_init_by_tag(md, dims.length, descriptors.allocateFrom(JAVA_LONG, dims),
                DnnlDataType.F32.code(), tag), "dnnl_memory_desc_init_by_tag");
        return md;
    }

}
