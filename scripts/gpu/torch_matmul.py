"""torch.matmul TFLOP/s on the same GPU, for the comparison in run-gpu-tests.sh (float32 without and with TF32,
float64), timed like CudaBench: 3 warm-ups, then the mean of N back-to-back products between two synchronisations."""
import sys
import time

import torch


def bench(n, dtype, tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    g = torch.Generator(device="cuda").manual_seed(n)
    a = torch.rand(n, n, device="cuda", dtype=dtype, generator=g) - 0.5
    b = torch.rand(n, n, device="cuda", dtype=dtype, generator=g) - 0.5
    for _ in range(3):
        torch.matmul(a, b)
    torch.cuda.synchronize()
    iters = 10 if n >= 8192 else 20
    t0 = time.perf_counter()
    for _ in range(iters):
        torch.matmul(a, b)
    torch.cuda.synchronize()
    s = time.perf_counter() - t0
    tflops = 2.0 * n * n * n * iters / s / 1e12
    name = {torch.float32: "float32", torch.float64: "float64"}[dtype]
    print(f"RESULT gemm dtype={name} n={n} tf32={'true' if tf32 else 'false'} torch_tflops={tflops:.1f} "
          f"ms_per_gemm={s * 1000 / iters:.3f}", flush=True)


def main():
    quick = "--quick" in sys.argv
    print(f"torch {torch.__version__} CUDA {torch.version.cuda} cuBLAS via torch; device "
          f"{torch.cuda.get_device_name(0)}; cuDNN {torch.backends.cudnn.version()}", flush=True)
    sizes = [1024] if quick else [4096, 8192]
    for n in sizes:
        bench(n, torch.float32, False)
    for n in sizes:
        bench(n, torch.float32, True)
    bench(512 if quick else 4096, torch.float64, False)


if __name__ == "__main__":
    main()
