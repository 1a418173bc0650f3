package dev.nabla.backend.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.ChildJvm;
import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A JVM without {@code --add-modules jdk.incubator.vector} gets one WARNING that names the flag when a kernel first runs
 * scalar on a large tensor, however many follow and on whichever CPU device; small work and a JVM with the module get
 * none. Checked in child JVMs.
 */
class VectorApiWarningTest {

    @Test
    void warnsOnceWhenLargeWorkRunsWithoutTheVectorModule() throws Exception {
        String output = runChild(List.of(), "large");
        assertEquals(1, count(output, "--add-modules jdk.incubator.vector"), output);
        assertTrue(output.contains("WARNING"), output);
        assertTrue(output.contains("VectorSupport"), output); // the record names the class that logged
    }

    @Test
    void staysQuietForSmallWorkWithoutTheVectorModule() throws Exception {
        String output = runChild(List.of(), "small");
        assertEquals(0, count(output, "Vector API"), output);
    }

    @Test
    void staysQuietWithTheVectorModule() throws Exception {
        String output = runChild(List.of("--add-modules", "jdk.incubator.vector"), "large");
        assertEquals(0, count(output, "Vector API"), output);
    }

    private static String runChild(List<String> options, String size) throws Exception {
        var jvmOptions = new ArrayList<>(List.of("--enable-native-access=ALL-UNNAMED"));
        jvmOptions.addAll(options);
        String output = ChildJvm.run(jvmOptions, AddOnBothDevicesMain.class, size);
        assertTrue(output.contains("sum="), output);
        return output;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /** Child JVM: adds two tensors of 16 ({@code small}) or 2^17 ({@code large}) ones on the cpu and java devices. */
    static final class AddOnBothDevicesMain {
        private AddOnBothDevicesMain() {
        }

        /** Prints {@code sum=} and the sum of each device's result. */
        public static void main(String[] args) {
            long n = args[0].equals("large") ? 1 << 17 : 16;
            StringBuilder sums = new StringBuilder("sum=");
            for (Device device : List.of(Device.CPU, Device.JAVA)) {
                try (Tensor a = Tensor.ones(DType.FLOAT32, device, n); Tensor b = a.add(a); Tensor s = b.sum()) {
                    sums.append(s.item()).append(' ');
                }
            }
            System.out.println(sums);
        }
    }
}
