package dev.nabla.backend.cuda;

import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;
import java.lang.foreign.MemorySegment;

/** Device addresses of operands (a device segment carries the address only and is never read from Java). */
final class DeviceAddress {
    private DeviceAddress() {
    }

    /** Device address of element {@code elementOffset} of {@code seg}. */
    static long of(MemorySegment seg, long elementOffset, ScalarType t) {
        return seg.address() + elementOffset * t.byteSize();
    }

    /** Device address of a contiguous operand's first element. */
    static long of(Strided s, ScalarType t) {
        return of(s.data(), s.offset(), t);
    }
}
