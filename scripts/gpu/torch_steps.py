"""PyTorch eager on the same GPU, the counterpart of CudaStepBench (run-gpu-tests.sh runs both): the host cost of a
one-element fill launched back to back and launched then waited for, and the training steps of
benchmarks/python/torch_bench.py (step_seed, step_mlp, step_cnn: same models, batches and SGD settings, float32)
on cuda, each timed over many steps between two synchronisations, MLP and CNN with TF32 off and on."""
import sys
import time

import torch


def launches(n):
    t = torch.empty(1, device="cuda")
    for i in range(100):
        t.fill_(i)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for i in range(n):
        t.fill_(i)
    torch.cuda.synchronize()
    per_launch = (time.perf_counter() - t0) / n * 1e6
    trips = max(1, n // 10)
    t0 = time.perf_counter()
    for i in range(trips):
        t.fill_(i)
        torch.cuda.synchronize()
    round_trip = (time.perf_counter() - t0) / trips * 1e6
    print(f"RESULT launch torch_us_per_launch={per_launch:.2f} torch_us_launch_and_sync={round_trip:.2f}", flush=True)


def make_step(name):
    nn = torch.nn
    torch.manual_seed(0)
    if name == "seed":
        model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 1))
        loss_fn, momentum = nn.MSELoss(), 0.0
        x, y = torch.rand(5, 2), torch.rand(5, 1)
    elif name == "mlp":
        model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
        loss_fn, momentum = nn.CrossEntropyLoss(), 0.9
        x, y = torch.rand(128, 784), torch.randint(0, 10, (128,))
    else:
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(3136, 256, bias=False), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(256, 10))
        loss_fn, momentum = nn.CrossEntropyLoss(), 0.9
        x, y = torch.rand(128, 1, 28, 28), torch.randint(0, 10, (128,))
    model = model.cuda().train()
    x, y = x.cuda(), y.cuda()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=momentum)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step, x.shape[0]


def bench(name, tf32, steps, warm):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    step, batch = make_step(name)
    for _ in range(warm):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    last = loss.item()
    torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) / steps * 1e3
    print(f"RESULT step model={name} batch={batch} tf32={'true' if tf32 else 'false'} steps={steps} "
          f"torch_ms_per_step={ms:.4f} loss={last:.4f}", flush=True)


def main():
    quick = "--quick" in sys.argv
    print(f"torch {torch.__version__} CUDA {torch.version.cuda}; device {torch.cuda.get_device_name(0)}; "
          f"cuDNN {torch.backends.cudnn.version()}", flush=True)
    launches(200 if quick else 20000)
    bench("seed", False, 20 if quick else 3000, 5 if quick else 200)
    for tf32 in (False, True):
        bench("mlp", tf32, 3 if quick else 300, 1 if quick else 20)
        bench("cnn", tf32, 1 if quick else 100, 1 if quick else 10)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False


if __name__ == "__main__":
    main()
