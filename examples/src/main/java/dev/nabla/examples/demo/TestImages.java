package dev.nabla.examples.demo;

import dev.nabla.data.MnistDatasets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;

/** The Fashion-MNIST test images as Java arrays, for {@code GET /sample}: read-only, so any thread may serve them. */
final class TestImages {
    private final float[] pixels;
    private final long[] labels;

    /** {@code pixels}: 784 per image, image after image; {@code labels}: one per image. */
    TestImages(float[] pixels, long[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /** The test split from {@code dataDir} (null: the usual places, as FashionMnistTrain looks). */
    static TestImages load(Path dataDir) throws IOException {
        try (MnistDatasets.Splits data = MnistDatasets.fashionMnist(dataDir)) {
            return new TestImages(data.test().features().toFloatArray(), data.test().targets().toLongArray());
        }
    }

    int size() {
        return labels.length;
    }

    /** Image {@code i}'s 784 pixels in [0, 1]. */
    float[] pixels(int i) {
        return Arrays.copyOfRange(pixels, i * PixelInput.PIXELS, (i + 1) * PixelInput.PIXELS);
    }

    int label(int i) {
        return (int) labels[i];
    }
}
