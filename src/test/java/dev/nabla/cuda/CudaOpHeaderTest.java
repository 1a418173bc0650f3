package dev.nabla.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.backend.BinaryOp;
import dev.nabla.backend.UnaryOp;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CUDA op codes against the Java enums (no GPU needed): the committed {@code native/cuda/nabla_ops.h} must be
 * what {@code CudaOpHeader} generates from the enums today, and every element-wise op must have a case in the
 * kernels' switch (a missing one would only show on a GPU, as NaN).
 */
class CudaOpHeaderTest {
    private static final Path HEADER = Path.of("native/cuda/nabla_ops.h");
    private static final Path KERNELS = Path.of("native/cuda/nabla_kernels.cu");

    /** {@code CudaOpHeader.text()}: the generator is internal to the CUDA backend. */
    private static String generated() throws ReflectiveOperationException {
        Method text = Class.forName("dev.nabla.backend.cuda.CudaOpHeader").getDeclaredMethod("text");
        text.setAccessible(true);
        return (String) text.invoke(null);
    }

    @Test
    void committedHeaderMatchesTheEnums() throws Exception {
        assumeTrue(Files.isRegularFile(HEADER), "not run from the repository root (no " + HEADER + ")");
        assertEquals(generated(), Files.readString(HEADER),
                HEADER + " differs from the Java enums (an op was added, removed or reordered): run make ptx and "
                        + "commit " + HEADER + " with src/main/resources/dev/nabla/cuda/nabla_kernels.ptx");
    }

    @Test
    void everyElementwiseOpHasAKernelCase() throws Exception {
        assumeTrue(Files.isRegularFile(KERNELS), "not run from the repository root (no " + KERNELS + ")");
        String cu = Files.readString(KERNELS);
        List<String> missing = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            if (!cu.contains("case NABLA_UNARY_" + op.name() + ":")) {
                missing.add("UnaryOp." + op);
            }
        }
        for (BinaryOp op : BinaryOp.values()) {
            if (!cu.contains("case NABLA_BINARY_" + op.name() + ":")) {
                missing.add("BinaryOp." + op);
            }
        }
        assertTrue(missing.isEmpty(), "no case in " + KERNELS + " (unary_op / binary_op) for " + missing);
    }
}
