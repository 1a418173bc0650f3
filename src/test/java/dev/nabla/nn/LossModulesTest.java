package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.F;
import dev.nabla.Generator;
import dev.nabla.Reduction;
import dev.nabla.Scope;
import dev.nabla.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Loss modules are the functional losses (themselves checked against PyTorch in the fixture tests) with their
 * options bound: same values for every reduction, owned copies of their constant tensors, PyTorch-like reprs.
 */
@SuppressWarnings("try") // scopes opened only to release what the test allocates
class LossModulesTest {
    private static final DType F64 = DType.FLOAT64;

    private static Tensor randn(long seed, long... shape) {
        return Tensor.normal(new Generator(seed), 0, 1, F64, Device.CPU, shape);
    }

    private static void same(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), 0);
    }

    @Test
    void regressionLossesMatchTheFunctions() {
        try (Scope s = Scope.open()) {
            Tensor x = randn(1, 4, 3);
            Tensor y = randn(2, 4, 3);
            for (Reduction r : Reduction.values()) {
                same(F.mseLoss(x, y, r), new MSELoss(r).forward(x, y));
                same(F.l1Loss(x, y, r), new L1Loss(r).forward(x, y));
                same(F.smoothL1Loss(x, y, r, 0.5), new SmoothL1Loss(r, 0.5).forward(x, y));
                same(F.huberLoss(x, y, r, 0.7), new HuberLoss(r, 0.7).forward(x, y));
            }
            same(F.mseLoss(x, y), new MSELoss().forward(x, y));
            same(F.smoothL1Loss(x, y, Reduction.MEAN, 1.0), new SmoothL1Loss().forward(x, y));
            same(F.huberLoss(x, y, Reduction.MEAN, 1.0), new HuberLoss().forward(x, y));
            assertThrows(IllegalArgumentException.class, () -> new HuberLoss(Reduction.MEAN, 0));
            assertThrows(IllegalArgumentException.class, () -> new SmoothL1Loss(Reduction.MEAN, -1));
        }
    }

    @Test
    void classificationLossesMatchTheFunctions() {
        try (Scope s = Scope.open()) {
            Tensor logits = randn(3, 5, 4);
            Tensor labels = Tensor.of(new long[] {0, 3, 1, 1, 2});
            Tensor w = Tensor.of(new double[] {0.5, 1, 2, 1.5}, F64, Device.CPU);
            for (Reduction r : Reduction.values()) {
                same(F.crossEntropy(logits, labels, w, r, 0.1), new CrossEntropyLoss(w, r, 0.1).forward(logits, labels));
                same(F.nllLoss(logits.logSoftmax(1), labels, w, r),
                        new NLLLoss(w, r).forward(logits.logSoftmax(1), labels));
            }
            same(F.crossEntropy(logits, labels), new CrossEntropyLoss().forward(logits, labels));
            same(F.nllLoss(logits, labels), new NLLLoss().forward(logits, labels));

            Tensor p = randn(4, 5, 4).sigmoid();
            Tensor t = randn(5, 5, 4).gt(0.0);
            Tensor pw = Tensor.of(new double[] {1, 2, 3, 4}, F64, Device.CPU);
            for (Reduction r : Reduction.values()) {
                same(F.binaryCrossEntropy(p, t, w, r), new BCELoss(w, r).forward(p, t));
                same(F.binaryCrossEntropyWithLogits(logits, t, w, pw, r),
                        new BCEWithLogitsLoss(w, pw, r).forward(logits, t));
            }
            same(F.binaryCrossEntropy(p, t, null, Reduction.MEAN), new BCELoss().forward(p, t));
            same(F.binaryCrossEntropyWithLogits(logits, t, null, null, Reduction.MEAN),
                    new BCEWithLogitsLoss().forward(logits, t));
        }
    }

    @Test
    void lossesOwnTheirWeightsAndFollowTheInputDtype() {
        Tensor w = Tensor.of(new double[] {1, 2, 3}, F64, Device.CPU);
        CrossEntropyLoss loss;
        try (Scope s = Scope.open()) {
            Tensor inScope = Tensor.of(new double[] {1, 2, 3}, F64, Device.CPU);
            loss = new CrossEntropyLoss(inScope, Reduction.SUM, 0);
        } // the caller's tensor is released; the loss kept a copy
        try (Scope s = Scope.open()) {
            Tensor logits = Tensor.normal(new Generator(1), 0, 1, DType.FLOAT32, Device.CPU, 2, 3);
            Tensor labels = Tensor.of(new long[] {2, 0});
            Tensor got = loss.forward(logits, labels);
            assertEquals(DType.FLOAT32, got.dtype());
            assertEquals(F.crossEntropy(logits, labels, w.to(DType.FLOAT32), Reduction.SUM, 0).item(), got.item(), 0);
        }
    }

    @Test
    void reprsNameTheOptions() {
        assertEquals("MSELoss(reduction=mean)", new MSELoss().toString());
        assertEquals("L1Loss(reduction=sum)", new L1Loss(Reduction.SUM).toString());
        assertEquals("CrossEntropyLoss(reduction=mean, label_smoothing=0.1)",
                new CrossEntropyLoss(null, Reduction.MEAN, 0.1).toString());
        assertEquals("HuberLoss(reduction=none, delta=2.0)", new HuberLoss(Reduction.NONE, 2).toString());
        assertEquals("BCEWithLogitsLoss(reduction=mean)", new BCEWithLogitsLoss().toString());
        assertTrue(new NLLLoss(Tensor.ones(3), Reduction.MEAN).toString().contains("weight="));
    }
}
