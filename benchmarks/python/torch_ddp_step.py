#!/usr/bin/env python3
"""PyTorch side of `make bench-ddp`: training epochs of the Fashion-MNIST MLP with DistributedDataParallel (gloo).

The same work as dev.nabla.benchmarks.DdpStepBench: the MLP 784-512-256-10 (ReLU, dropout 0.2), SGD (lr 0.05,
Nesterov momentum 0.9, weight decay 5e-4), cross-entropy, every step of the rank's DistributedSampler shard of the
60,000 training images (shuffled per epoch, the last batch partial, as Nabla's DataLoader does); the first epoch is
warm-up, the result the best later epoch, the slowest rank's time. Batches are gathered by indexing the dataset
tensors (no per-image DataLoader workers, as Nabla's loader gathers a batch in one copy).

    python3 torch_ddp_step.py RANKS BATCH EPOCHS THREADS DATA_DIR

RANKS 1: one process, no DDP. RANKS > 1: the script starts RANKS processes of itself (RANK and WORLD_SIZE in their
environment) that meet through init_method file:// in a temporary directory, as torch's launcher would start them
(Debian's torch 1.13 launcher, python3 -m torch.distributed.run, fails on Python 3.11+). THREADS:
torch.set_num_threads in every process. Rank 0 prints one line:
    ddp impl=pytorch ranks=2 batch=128 threads=1 steps=235 epoch_s=2.50 step_ms=10.6 epochs_s=3.1,2.5,2.6
"""

import gzip
import os
import struct
import subprocess
import sys
import tempfile
import time

import torch
import torch.distributed as dist
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def launch(world):
    """Runs this script on `world` ranks, one process each, and fails when any of them does."""
    with tempfile.TemporaryDirectory() as tmp:
        children = []
        for rank in range(world):
            env = dict(os.environ, RANK=str(rank), WORLD_SIZE=str(world),
                       TORCH_DDP_STEP_INIT="file://" + os.path.join(tmp, "rendezvous"))
            children.append(subprocess.Popen([sys.executable] + sys.argv, env=env))
        codes = [child.wait() for child in children]
    if any(codes):
        sys.exit("torch_ddp_step: a rank failed (exit statuses %s)" % codes)


def main():
    if len(sys.argv) != 6:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    ranks, batch, epochs, threads = (int(a) for a in sys.argv[1:5])
    if epochs < 2:
        sys.exit("EPOCHS must be >= 2 (the first is warm-up)")
    data_dir = sys.argv[5]
    if ranks > 1 and "RANK" not in os.environ:
        launch(ranks)
        return
    torch.set_num_threads(threads)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        dist.init_process_group("gloo", init_method=os.environ["TORCH_DDP_STEP_INIT"], rank=int(os.environ["RANK"]),
                                world_size=world)
    rank = dist.get_rank() if world > 1 else 0

    x = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz")).float().div_(255).unsqueeze(1)
    y = read_idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")).long()
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
                          nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 10))
    if world > 1:
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sampler = torch.utils.data.DistributedSampler(range(len(y)), num_replicas=world, rank=rank, shuffle=True, seed=0)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    seconds = []
    steps = 0
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        if world > 1:
            dist.barrier()
        t0 = time.perf_counter()
        indices = torch.tensor(list(sampler))
        steps = 0
        for start in range(0, len(indices), batch):
            idx = indices[start:start + batch]
            loss = loss_fn(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            steps += 1
        elapsed = torch.tensor([time.perf_counter() - t0], dtype=torch.float64)
        if world > 1:
            dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
        seconds.append(elapsed.item())
    if rank == 0:
        best = min(seconds[1:])
        print("ddp impl=pytorch ranks=%d batch=%d threads=%d steps=%d epoch_s=%.3f step_ms=%.2f epochs_s=%s"
              % (world, batch, threads, steps, best, best * 1e3 / steps, ",".join("%.3f" % s for s in seconds)),
              flush=True)
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
