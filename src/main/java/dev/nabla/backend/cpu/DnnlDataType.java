package dev.nabla.backend.cpu;

import dev.nabla.bindings.dnnl.dnnl_h;

/** The element types {@link DnnlGemm} passes to oneDNN, with their {@code dnnl_data_type_t} and size. */
public enum DnnlDataType {
    /** IEEE float32. */
    F32(4),
    /** bfloat16: float32's exponent, 8 bits of significand. */
    BF16(2),
    /** IEEE float16 (half). */
    F16(2),
    /** Signed 8-bit integer. */
    S8(1),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Signed 32-bit integer (integer accumulators). */
    S32(4);

    private final int bytes;

    DnnlDataType(int bytes) {
        this.bytes = bytes;
    }

    /**
     * Returns the size of one element.
     *
     * @return bytes per element
     */
    public int bytes() {
        return bytes;
    }

    /** The {@code dnnl_data_type_t} value (read from the bindings, so only once oneDNN is usable). */
    int code() {
        return switch (this) {
            case F32 -> dnnl_h.dnnl_f32();
            case BF16 -> dnnl_h.dnnl_bf16();
            case F16 -> dnnl_h.dnnl_f16();
            case S8 -> dnnl_h.dnnl_s8();
            case U8 -> dnnl_h.dnnl_u8();
            case S32 -> dnnl_h.dnnl_s32();
        };
    }
}
