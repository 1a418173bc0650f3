#!/usr/bin/env python3
"""PyTorch side of the attention timing: forward + backward of scaled dot-product attention on the CPU.

PyTorch 1.13 (Debian's python3-torch) has no F.scaled_dot_product_attention, so this times the composition its
nn.MultiheadAttention runs on the CPU, softmax(q @ k^T * scale) @ v with autograd (the whole L x S weight matrix is
stored for the backward). float32, q, k, v of shape [batch, heads, seq, 64]; the backward starts from out.sum(), as
dev.nabla.benchmarks.AttentionTimes does. Prints one line per sequence length:
`torch: seq <L> median <ms> ms (forward+backward, ...)`.

    torch_attention.py [--seqs 128,256,512,1024,2048] [--batch 4] [--heads 8] [--dim 64] [--reps 10]
                       [--warmup 3] [--threads 2] [--causal]
"""

import argparse
import statistics
import sys
import time

try:
    import torch
except ImportError:
    print("torch_attention.py: torch is not importable (apt-get install python3-torch)", file=sys.stderr)
    sys.exit(3)


def attention(q, k, v, causal):
    s = q @ k.transpose(-2, -1) * (q.shape[-1] ** -0.5)
    if causal:
        n = q.shape[-2]
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    return torch.softmax(s, -1) @ v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seqs", default="128,256,512,1024,2048")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--causal", action="store_true")
    a = ap.parse_args()
    seqs = [int(x) for x in a.seqs.split(",")]
    if min(seqs + [a.batch, a.heads, a.dim, a.reps, a.threads]) < 1 or a.warmup < 0:
        ap.error("sizes, reps and threads must be positive, warm-up >= 0")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    for n in seqs:
        q, k, v = (torch.randn(a.batch, a.heads, n, a.dim, requires_grad=True) for _ in range(3))
        times = []
        for r in range(a.warmup + a.reps):
            t0 = time.perf_counter()
            attention(q, k, v, a.causal).sum().backward()
            q.grad = k.grad = v.grad = None
            if r >= a.warmup:
                times.append((time.perf_counter() - t0) * 1e3)
        print(f"torch: seq {n} median {statistics.median(times):.2f} ms (forward+backward, batch {a.batch} x "
              f"{a.heads} heads, dim {a.dim}, {'causal, ' if a.causal else ''}{a.threads} threads, "
              f"torch {torch.__version__})", flush=True)


if __name__ == "__main__":
    main()
