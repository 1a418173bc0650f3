package dev.nabla.examples.demo;

import java.util.List;

/** The ten Fashion-MNIST class names, in label order (Zalando Research's list). */
public final class FashionClasses {
    /** Label i's name. */
    public static final List<String> NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionClasses() {
    }
}
