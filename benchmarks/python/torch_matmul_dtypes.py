#!/usr/bin/env python3
"""PyTorch's float32 and bfloat16 matrix products on this CPU, for the side-by-side comparison with
LowPrecisionGemmBenchmark (run both in one session: the machines are shared and noisy).

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 benchmarks/python/torch_matmul_dtypes.py [--threads 2] [--sizes 256,512,1024]

Prints one line per size and dtype: the median and best of 15 timed runs (after 3 warm-up runs) of
torch.matmul(a, b.t()) on n x n operands (b transposed, as a Linear layer uses its weight), in microseconds.
"""
import argparse
import statistics
import time

import torch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--sizes", default="256,512,1024")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"mkldnn {torch.backends.mkldnn.is_available()}")
    for n in (int(s) for s in args.sizes.split(",")):
        for dtype in (torch.float32, torch.bfloat16):
            g = torch.Generator().manual_seed(n)
            a = torch.randn(n, n, generator=g).to(dtype)
            b = torch.randn(n, n, generator=g).to(dtype)
            for _ in range(3):
                torch.matmul(a, b.t())
            times = []
            for _ in range(15):
                t0 = time.perf_counter()
                torch.matmul(a, b.t())
                times.append((time.perf_counter() - t0) * 1e6)
            print(f"n={n} {str(dtype)[6:]}: median {statistics.median(times):.0f} us, best {min(times):.0f} us")


if __name__ == "__main__":
    main()
