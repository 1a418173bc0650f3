package dev.nabla.backend.cpu;

import static dev.nabla.backend.cpu.DnnlStatus.check;
import static java.lang.foreign.ValueLayout.ADDRESS;

import dev.nabla.bindings.dnnl.dnnl_exec_arg_t;
import dev.nabla.bindings.dnnl.dnnl_h;
import dev.nabla.bindings.dnnl.dnnl_memory_desc_t;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The oneDNN plumbing the primitive wrappers share: descriptor copies, primitives and reorders, memory objects,
 * argument slots.
 */
final class DnnlMemories {
    private DnnlMemories() {
    }

    /** A copy in {@code arena} of a memory descriptor oneDNN owns (a query's result lives only as long as its pd). */
    static MemorySegment copyOf(Arena arena, MemorySegment md) {
        long size = dnnl_memory_desc_t.layout().byteSize();
        return arena.allocate(dnnl_memory_desc_t.layout()).copyFrom(md.reinterpret(size));
    }

    /** Calls a {@code dnnl_*_create(T *out)} function and returns the created handle. */
    static MemorySegment created(Arena arena, String call, ToIntFunction<MemorySegment> create) {
        MemorySegment out = arena.allocate(ADDRESS);
        check(create.applyAsInt(out), call);
        return out.get(ADDRESS, 0);
    }

    /** Creates the primitive {@code pd} describes; the caller destroys {@code pd} and, later, the primitive. */
    static MemorySegment primitive(MemorySegment pd, String what) {
        try (Arena temp = Arena.ofConfined()) {
            return created(temp, what, out -> dnnl_h.dnnl_primitive_create(out, pd));
        }
    }

    /** A reorder primitive from layout {@code from} to layout {@code to} on {@code engine}; the caller destroys it. */
    static MemorySegment reorder(MemorySegment engine, MemorySegment from, MemorySegment to) {
        try (Arena temp = Arena.ofConfined()) {
            MemorySegment pd = created(temp, "dnnl_reorder_primitive_desc_create", out ->
                    dnnl_h.dnnl_reorder_primitive_desc_create(out, from, engine, to, engine, MemorySegment.NULL));
            try {
                return primitive(pd, "dnnl_primitive_create (reorder)");
            } finally {
                dnnl_h.dnnl_primitive_desc_destroy(pd);
            }
        }
    }

    /** A memory object over {@code data} described by {@code md}, added to {@code created} (the caller destroys it). */
    static MemorySegment memory(MemorySegment engine, MemorySegment md, MemorySegment data, Arena call,
                                List<MemorySegment> created) {
        MemorySegment out = call.allocate(ADDRESS);
        check(dnnl_h.dnnl_memory_create(out, md, engine, data), "dnnl_memory_create");
        MemorySegment memory = out.get(ADDRESS, 0);
        created.add(memory);
        return memory;
    }

    /** Sets execution argument {@code index} of {@code args} to ({@code arg}, {@code memory}). */
    static void arg(MemorySegment args, int index, int arg, MemorySegment memory) {
        MemorySegment slot = dnnl_exec_arg_t.asSlice(args, index);
        dnnl_exec_arg_t.arg(slot, arg);
        dnnl_exec_arg_t.memory(slot, memory);
    }
}
