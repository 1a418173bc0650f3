package dev.nabla.data;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Grad;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;
import dev.nabla.optim.AdamW;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * End to end on the real data: an MLP trained on the first 1,000 Fashion-MNIST training images classifies the
 * first 1,000 test images far better than chance. Skipped where the Debian package's files are absent.
 */
class FashionMnistTrainingTest {

    @Test
    void aSmallMlpOnAThousandImagesBeatsSeventyPercent() throws Exception {
        Path dir = Path.of("/usr/share/datasets/fashion-mnist");
        assumeTrue(Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST not installed");
        try (MnistDatasets.Splits all = MnistDatasets.fashionMnist(dir)) {
            TensorDataset train = MnistDatasets.subset(all.train(), 1000);
            TensorDataset test = MnistDatasets.subset(all.test(), 1000);
            Generator g = new Generator(0);
            Module net = new Sequential(new Flatten(), new Linear(784, 128, true, g, DType.FLOAT32, Device.CPU),
                    new ReLU(), new Linear(128, 10, true, g, DType.FLOAT32, Device.CPU));
            AdamW opt = new AdamW(net.parameters(), 2e-3, 0.01);
            DataLoader loader = DataLoader.builder(train).batchSize(50).shuffle(g.split()).build();
            for (int epoch = 0; epoch < 8; epoch++) {
                for (Batch b : loader) {
                    try (Scope step = Scope.open()) {
                        Tensor loss = F.crossEntropy(net.forward(b.x()), b.y());
                        opt.zeroGrad();
                        loss.backward();
                        opt.step();
                    }
                }
            }
            double accuracy;
            net.eval();
            try (Scope s = Scope.open(); Grad off = Grad.disabled()) {
                Tensor predicted = net.forward(test.features()).argmax(1, false);
                accuracy = predicted.eq(test.targets()).to(DType.FLOAT32).mean().item();
            }
            System.out.printf("Fashion-MNIST 1,000-image MLP: test accuracy %.4f%n", accuracy);
            // Chance is 0.10. A linear model reaches ~0.75 on this subset; an MLP trained this way ~0.78-0.80.
            // 0.70 leaves room for seeds and summation order while failing any broken gradient or update.
            assertTrue(accuracy > 0.70, "test accuracy " + accuracy + " should exceed 0.70");
            for (var d : new TensorDataset[] {train, test}) {
                d.features().close();
                d.targets().close();
            }
            opt.close();
            net.close();
        }
    }
}
