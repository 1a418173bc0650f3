package dev.nabla.backend.cuda;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.ReduceOp;
import dev.nabla.backend.UnaryOp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@code native/cuda/nabla_ops.h}: the op codes that the kernels switch on, one {@code #define} per enum
 * constant with its ordinal, so the CUDA side can never drift from the Java enums (the backend passes
 * {@code op.ordinal()}). {@code make ptx} runs {@link #main} before nvcc; a test compares the committed header with
 * {@link #text()}.
 */
final class CudaOpHeader {
    /** The header's path relative to the repository root. */
    static final String PATH = "native/cuda/nabla_ops.h";

    private CudaOpHeader() {
    }

    /** The header's full text. */
    static String text() {
        StringBuilder h = new StringBuilder()
                .append("// Nabla's op codes for the CUDA kernels: generated from the Java enums by\n")
                .append("// dev.nabla.backend.cuda.CudaOpHeader (make ptx); do not edit. Codes are ordinals.\n")
                .append("#ifndef NABLA_OPS_H\n")
                .append("#define NABLA_OPS_H\n");
        defines(h, "UNARY", UnaryOp.class);
        defines(h, "BINARY", BinaryOp.class);
        defines(h, "REDUCE", ReduceOp.class);
        return h.append("\n#endif\n").toString();
    }

    private static <E extends Enum<E>> void defines(StringBuilder h, String family, Class<E> type) {
        h.append("\n// ").append(type.getName()).append('\n');
        for (E e : type.getEnumConstants()) {
            h.append("#define NABLA_").append(family).append('_').append(e.name()).append(' ').append(e.ordinal())
                    .append('\n');
        }
    }

    /** Writes the header to {@code args[0]} (default {@value #PATH}). */
    public static void main(String[] args) throws IOException {
        Path out = Path.of(args.length > 0 ? args[0] : PATH);
        Files.writeString(out, text());
        System.out.println("CudaOpHeader: wrote " + out);
    }
}
