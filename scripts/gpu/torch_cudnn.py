"""PyTorch eager on the same GPU, for CudnnBench's lines in run-gpu-tests.sh: conv2d forward + backward at 64->64
channels, 3x3, 56x56, batch 64, float32 (TF32 off, then on), and the Fashion-MNIST CNN training step (the examples'
Models.cnn, batch 128, SGD with Nesterov momentum), both timed like CudnnBench: warm-ups, then the mean over
back-to-back steps between two synchronisations. cuDNN's heuristics choose the algorithms (benchmark mode off),
as in Nabla's default. --quick: a smoke run on CudnnBench's small --quick shapes."""
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

C = 64
N, HW, CNN_BATCH = 64, 56, 128


def timed(step, iters):
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000 / iters


def conv(iters, tf32):
    torch.backends.cudnn.allow_tf32 = tf32
    g = torch.Generator(device="cuda").manual_seed(3)
    x = torch.randn(N, C, HW, HW, device="cuda", generator=g, requires_grad=True)
    w = (torch.randn(C, C, 3, 3, device="cuda", generator=g) * 0.05).requires_grad_()
    b = (torch.randn(C, device="cuda", generator=g) * 0.05).requires_grad_()
    gy = torch.randn(N, C, HW, HW, device="cuda", generator=g)

    def step():
        y = F.conv2d(x, w, b, padding=1)
        y.backward(gy)
        x.grad = w.grad = b.grad = None

    ms = timed(step, iters)
    flops = 3 * 2.0 * N * C * HW * HW * C * 9
    print(f"RESULT conv2d n={N} c={C} o={C} hw={HW} k=3 dtype=float32 tf32={'true' if tf32 else 'false'} "
          f"path=torch ms_fwd_bwd={ms:.3f} tflops={flops / (ms / 1e3) / 1e12:.1f}", flush=True)


def fashion_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(256, 10))


def cnn(steps):
    torch.backends.cudnn.allow_tf32 = False
    torch.manual_seed(2)
    model = fashion_cnn().cuda().train()
    batch = CNN_BATCH
    x = torch.randn(batch, 1, 28, 28, device="cuda")
    y = torch.arange(batch, device="cuda") % 10
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
    loss = [0.0]

    def step():
        opt.zero_grad()
        out = F.cross_entropy(model(x), y)
        out.backward()
        opt.step()
        loss[0] = out

    ms = timed(step, steps)
    print(f"RESULT cnn-fashion device=cuda path=torch batch={batch} steps={steps} ms_per_step={ms:.3f} "
          f"samples_per_s={batch * 1000 / ms:.0f} loss={loss[0].item():.4f}", flush=True)


def main():
    global N, HW, CNN_BATCH
    quick = "--quick" in sys.argv
    if quick:
        N, HW, CNN_BATCH = 4, 28, 16
    print(f"torch {torch.__version__} CUDA {torch.version.cuda} cuDNN {torch.backends.cudnn.version()} device "
          f"{torch.cuda.get_device_name(0)}", flush=True)
    torch.backends.cudnn.benchmark = False
    torch.backends.cuda.matmul.allow_tf32 = False
    iters = 3 if quick else 20
    conv(iters, False)
    conv(iters, True)
    cnn(3 if quick else 50)


if __name__ == "__main__":
    main()
