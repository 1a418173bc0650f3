package dev.nabla.examples.fashion;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.nn.BatchNorm1d;
import dev.nabla.nn.BatchNorm2d;
import dev.nabla.nn.Conv2d;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Flatten;
import dev.nabla.nn.Linear;
import dev.nabla.nn.MaxPool2d;
import dev.nabla.nn.Module;
import dev.nabla.nn.ReLU;
import dev.nabla.nn.Sequential;

/** The two Fashion-MNIST networks of the training program. */
public final class Models {
    private Models() {
    }

    /** 784-512-256-10 with ReLU and dropout. */
    public static Module mlp(Generator g) {
        return new Sequential(
                new Flatten(),
                new Linear(784, 512, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(512, 256, true, g, DType.FLOAT32, Device.CPU), new ReLU(), new Dropout(0.2, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }

    /** Two conv(3x3)+BatchNorm+ReLU+maxpool blocks (32 and 64 channels), then 3136-256-10 with BatchNorm. */
    public static Module cnn(Generator g) {
        int[] k3 = {3, 3};
        int[] s1 = {1, 1};
        int[] p1 = {1, 1};
        return new Sequential(
                new Conv2d(1, 32, k3, s1, p1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, k3, s1, p1, s1, 1, false, g, DType.FLOAT32, Device.CPU),
                new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 256, false, g, DType.FLOAT32, Device.CPU), new BatchNorm1d(256), new ReLU(),
                new Dropout(0.3, g.split()),
                new Linear(256, 10, true, g, DType.FLOAT32, Device.CPU));
    }
}
