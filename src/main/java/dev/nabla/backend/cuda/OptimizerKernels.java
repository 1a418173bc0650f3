package dev.nabla.backend.cuda;

import dev.nabla.backend.UpdateRule;
import dev.nabla.base.ScalarType;
import dev.nabla.base.Strided;

/**
 * Fused optimizer updates: one kernel per rule reads and writes a parameter, its gradient and its state in a single
 * pass. Per-step scalars (bias corrections, decayed learning rates) are computed here, once, in double.
 */
final class OptimizerKernels {
    private final CudaDevice device;
    private final CudaModule module;

    OptimizerKernels(CudaDevice device, CudaModule module) {
        this.device = device;
        this.module = module;
    }

    void fusedUpdate(ScalarType dtype, UpdateRule rule, Strided param, Strided grad, Strided[] state) {
        long n = param.numel();
        if (n == 0) {
            return;
        }
        device.makeCurrent();
        String s = KernelLaunch.suffix(dtype);
        long p = DeviceAddress.of(param, dtype);
        long g = DeviceAddress.of(grad, dtype);
        try (KernelLaunch l = module.launch()) {
            switch (rule) {
                case UpdateRule.Sgd r -> l.ptr(p).ptr(g).ptr(state.length > 0 ? DeviceAddress.of(state[0], dtype) : 0L)
                        .i64(n).f64(r.lr()).f64(r.momentum()).f64(r.dampening()).f64(r.weightDecay())
                        .i32(r.nesterov() ? 1 : 0).i32(r.firstStep() ? 1 : 0).run("sgd_" + s, n);
                case UpdateRule.Adam r -> l.ptr(p).ptr(g).ptr(DeviceAddress.of(state[0], dtype))
                        .ptr(DeviceAddress.of(state[1], dtype)).ptr(r.amsgrad() ? DeviceAddress.of(state[2], dtype) : 0L)
                        .i64(n).f64(r.beta1()).f64(r.beta2()).f64(r.eps()).f64(r.weightDecay())
                        .i32(r.decoupled() ? 1 : 0).f64(r.stepSize()).f64(r.biasCorrection2Sqrt()).f64(r.decay())
                        .run("adam_" + s, n);
                case UpdateRule.RmsProp r -> {
                    int k = 0;
                    long sq = DeviceAddress.of(state[k++], dtype);
                    long ga = r.centered() ? DeviceAddress.of(state[k++], dtype) : 0L;
                    long mb = r.momentum() > 0 ? DeviceAddress.of(state[k], dtype) : 0L;
                    l.ptr(p).ptr(g).ptr(sq).ptr(ga).ptr(mb).i64(n).f64(r.lr()).f64(r.alpha()).f64(r.eps())
                            .f64(r.weightDecay()).f64(r.momentum()).run("rmsprop_" + s, n);
                }
                case UpdateRule.Adagrad r -> {
                    double clr = r.lr() / (1 + (r.step() - 1) * r.lrDecay());
                    l.ptr(p).ptr(g).ptr(DeviceAddress.of(state[0], dtype)).i64(n).f64(clr).f64(r.weightDecay())
                            .f64(r.eps()).run("adagrad_" + s, n);
                }
            }
        }
    }
}
