package dev.nabla.io;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The safetensors element types ({@code "F32"}, {@code "I64"}, ...), each with its byte size and the Nabla dtype it
 * is, and the little-endian coding of a run of elements between a byte buffer and a tensor. Every value converts
 * exactly both ways; the one normalisation is NaN in F16 and BF16, which becomes PyTorch's quiet NaN of that type
 * (as every conversion into those types in Nabla and PyTorch does).
 */
enum StoredType {
    F64(DType.FLOAT64), F32(DType.FLOAT32), BF16(DType.BFLOAT16), F16(DType.FLOAT16), I64(DType.INT64),
    I32(DType.INT32), I16(DType.INT16), I8(DType.INT8), U8(DType.UINT8), BOOL(DType.BOOL);

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE =
            ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final DType dtype;
    final int size;

    StoredType(DType dtype) {
        this.dtype = dtype;
        this.size = dtype.byteSize();
    }

    /** The type named {@code code} in a file's header, or null for a name this format version does not define. */
    static StoredType of(String code) {
        for (StoredType s : values()) {
            if (s.name().equals(code)) {
                return s;
            }
        }
        return null;
    }

    /** The type a tensor of {@code dtype} is written as (every Nabla dtype has one). */
    static StoredType of(DType dtype) {
        for (StoredType s : values()) {
            if (s.dtype == dtype) {
                return s;
            }
        }
        throw new IllegalArgumentException("safetensors: no stored type for dtype " + dtype);
    }

    /**
     * The first {@code n} elements of {@code buf} as a 1-dimensional CPU tensor of {@link #dtype}.
     *
     * @throws IllegalArgumentException for a BOOL byte other than 0 or 1, naming it and its index
     */
    Tensor decode(MemorySegment buf, int n) {
        switch (this) {
            case F64 -> {
                double[] d = new double[n];
                MemorySegment.copy(buf, F64_LE, 0, d, 0, n);
                return Tensor.of(d);
            }
            case F32, F16, BF16 -> {
                float[] f = new float[n];
                if (this == F32) {
                    MemorySegment.copy(buf, F32_LE, 0, f, 0, n);
                    return Tensor.of(f);
                }
                for (int i = 0; i < n; i++) {
                    short bits = buf.getAtIndex(I16_LE, i);
                    // both widen to float32 exactly; the conversion back rounds nothing
                    f[i] = this == F16 ? Float.float16ToFloat(bits) : Float.intBitsToFloat((bits & 0xffff) << 16);
                }
                Tensor wide = Tensor.of(f);
                try {
                    return wide.to(dtype);
                } finally {
                    wide.close();
                }
            }
            case I64 -> {
                long[] l = new long[n];
                MemorySegment.copy(buf, I64_LE, 0, l, 0, n);
                return Tensor.of(l);
            }
            case I32 -> {
                int[] v = new int[n];
                MemorySegment.copy(buf, I32_LE, 0, v, 0, n);
                return Tensor.of(v);
            }
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    byte v = buf.get(ValueLayout.JAVA_BYTE, i);
                    if (v != 0 && v != 1) {
                        throw new IllegalArgumentException("BOOL element " + i + " of the chunk is byte " + v
                                + ", not 0 or 1");
                    }
                    b[i] = v == 1;
                }
                return Tensor.of(b);
            }
            default -> { // I16, I8, U8: exact in a long, wrapped back to the type's width
                long[] l = new long[n];
                for (int i = 0; i < n; i++) {
                    l[i] = switch (this) {
                        case I16 -> buf.getAtIndex(I16_LE, i);
                        case I8 -> buf.get(ValueLayout.JAVA_BYTE, i);
                        default -> buf.get(ValueLayout.JAVA_BYTE, i) & 0xff;
                    };
                }
                return Tensor.of(l, dtype, Device.CPU, n);
            }
        }
    }

    /** Writes the elements of {@code part} (of {@link #dtype}), row-major, little-endian, at the start of buf. */
    void encode(Tensor part, MemorySegment buf) {
        switch (this) {
            case F64 -> {
                double[] d = part.toDoubleArray();
                MemorySegment.copy(d, 0, buf, F64_LE, 0, d.length);
            }
            case F32 -> {
                float[] f = part.toFloatArray();
                MemorySegment.copy(f, 0, buf, F32_LE, 0, f.length);
            }
            case F16, BF16 -> {
                float[] f = part.toFloatArray(); // exact widening
                for (int i = 0; i < f.length; i++) {
                    short bits = this == F16 ? Float.floatToFloat16(f[i])
                            : (short) (Float.floatToRawIntBits(f[i]) >>> 16);
                    buf.setAtIndex(I16_LE, i, bits);
                }
            }
            case I64 -> {
                long[] l = part.toLongArray();
                MemorySegment.copy(l, 0, buf, I64_LE, 0, l.length);
            }
            case I32 -> {
                int[] v = part.toIntArray();
                MemorySegment.copy(v, 0, buf, I32_LE, 0, v.length);
            }
            case BOOL -> {
                boolean[] b = part.toBooleanArray();
                for (int i = 0; i < b.length; i++) {
                    buf.set(ValueLayout.JAVA_BYTE, i, (byte) (b[i] ? 1 : 0));
                }
            }
            default -> { // I16, I8, U8: exact in a long, cut to the type's width
                long[] l = part.toLongArray();
                for (int i = 0; i < l.length; i++) {
                    if (this == I16) {
                        buf.setAtIndex(I16_LE, i, (short) l[i]);
                    } else {
                        buf.set(ValueLayout.JAVA_BYTE, i, (byte) l[i]);
                    }
                }
            }
        }
    }
}
