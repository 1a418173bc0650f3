package dev.nabla.examples.maml;

import dev.nabla.DType;
import dev.nabla.Device;
import dev.nabla.Generator;
import dev.nabla.Tensor;

/**
 * One few-shot regression task of the MAML paper's sine benchmark: {@code y = amplitude * sin(x - phase)} with the
 * amplitude drawn from U[0.1, 5] and the phase from U[0, pi]; inputs come from U[-5, 5].
 *
 * @param amplitude the wave's amplitude
 * @param phase     the wave's phase
 */
record SineTask(double amplitude, double phase) {
    /** A task drawn from the task distribution. */
    static SineTask sample(Generator g) {
        return new SineTask(0.1 + 4.9 * g.nextDouble(), Math.PI * g.nextDouble());
    }

    /** {@code k} points of this task: inputs and targets, each {@code [k, 1]} float32 on {@code device}. */
    Points points(Generator g, int k, Device device) {
        double[] x = new double[k];
        double[] y = new double[k];
        for (int i = 0; i < k; i++) {
            x[i] = -5 + 10 * g.nextDouble();
            y[i] = amplitude * Math.sin(x[i] - phase);
        }
        return new Points(Tensor.of(x, DType.FLOAT32, device, k, 1), Tensor.of(y, DType.FLOAT32, device, k, 1));
    }

    /**
     * Inputs and targets of a task's points.
     *
     * @param x inputs, {@code [k, 1]}
     * @param y targets, {@code [k, 1]}
     */
    record Points(Tensor x, Tensor y) {
    }
}
