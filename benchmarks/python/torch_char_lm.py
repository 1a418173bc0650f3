#!/usr/bin/env python3
"""PyTorch side of `make bench-lm`: time per training step of the character transformer of `make run-lm`.

The same model as dev.nabla.examples.charlm.CharTransformer: token embedding + learned positions, a pre-norm
nn.TransformerEncoder (batch first, tanh-approximated GELU, feed-forward 4 x width, dropout 0) run with a causal mask, a final
LayerNorm and a linear head; AdamW, gradient norm clipped to 1. Batches are random token windows (the corpus does
not change the time of a step). Prints one line: `torch: median <ms> ms/step over <n> steps (...)`.

    torch_char_lm.py [--steps 20] [--warmup 5] [--batch 16] [--context 128] [--width 128] [--layers 4]
                     [--heads 4] [--vocab 113] [--threads 2]
"""

import argparse
import functools
import statistics
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    print("torch_char_lm.py: torch is not importable (apt-get install python3-torch)", file=sys.stderr)
    sys.exit(3)


class CharTransformer(nn.Module):
    def __init__(self, vocab, context, width, layers, heads):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Parameter(torch.randn(context, width))
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, activation=functools.partial(nn.functional.gelu, approximate="tanh"),
                                           batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(context))

    def forward(self, ids):
        n = ids.shape[1]
        x = self.tokens(ids) + self.positions[:n]
        x = self.encoder(x, mask=self.mask[:n, :n])
        return self.head(self.norm(x))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=113)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if min(a.steps, a.batch, a.context, a.width, a.layers, a.heads, a.vocab, a.threads) < 1 or a.warmup < 0:
        ap.error("sizes, steps and threads must be positive, warm-up >= 0")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = CharTransformer(a.vocab, a.context, a.width, a.layers, a.heads)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.01)
    g = torch.Generator().manual_seed(1)
    times = []
    for step in range(a.warmup + a.steps):
        ids = torch.randint(0, a.vocab, (a.batch, a.context + 1), generator=g)
        t0 = time.perf_counter()
        logits = model(ids[:, :-1])
        loss = nn.functional.cross_entropy(logits.reshape(-1, a.vocab), ids[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        loss.item()
        if step >= a.warmup:
            times.append(time.perf_counter() - t0)
    params = sum(p.numel() for p in model.parameters())
    print(f"torch: median {statistics.median(times) * 1e3:.1f} ms/step over {a.steps} steps "
          f"(torch {torch.__version__}, {a.threads} threads, {params:,} parameters)")


if __name__ == "__main__":
    main()
