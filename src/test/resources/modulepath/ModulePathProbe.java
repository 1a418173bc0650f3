import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Linear;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.SGD;

/**
 * Run by ModulePathTest with the library as the named module dev.nabla (this file is in the unnamed module): trains
 * a small network on the exported API, then checks that the internal packages are closed to it.
 */
public class ModulePathProbe {
    public static void main(String[] args) throws Exception {
        Module nabla = Tensor.class.getModule();
        System.out.println("module: " + nabla.getName() + ", named " + nabla.isNamed());
        System.out.println("cpu: " + Device.CPU.description() + ", native " + Device.CPU.isNative());
        var gen = new Generator(7);
        var model = new Sequential(new Linear(2, 8, true, gen, DType.FLOAT32, Device.CPU), new ReLU(),
                new Linear(8, 1, true, gen, DType.FLOAT32, Device.CPU));
        var opt = new SGD(model.parameters(), 0.1);
        Tensor x = Tensor.of(new float[] {0, 0, 0, 1, 1, 0, 1, 1}, 4, 2);
        Tensor y = Tensor.of(new float[] {0, 1, 1, 0}, 4, 1);
        double first = 0;
        double last = 0;
        for (int step = 0; step < 200; step++) {
            try (Scope s = Scope.open()) {
                Tensor loss = F.mseLoss(model.forward(x), y);
                opt.zeroGrad();
                loss.backward();
                opt.step();
                last = loss.item();
                first = step == 0 ? last : first;
            }
        }
        System.out.println("loss: " + first + " -> " + last);
        for (String pkg : new String[] {"dev.nabla.internal", "dev.nabla.backend", "dev.nabla.memory",
                "dev.nabla.nativelib", "dev.nabla.bindings.openblas"}) {
            System.out.println(pkg + " exported: " + nabla.isExported(pkg));
        }
        try {
            Class.forName("dev.nabla.internal.Internals").getMethod("backend", Device.class).invoke(null, Device.CPU);
            System.out.println("internal accessor: reachable");
        } catch (IllegalAccessException e) {
            System.out.println("internal accessor: closed");
        }
    }
}
