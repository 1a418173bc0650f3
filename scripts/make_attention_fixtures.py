#!/usr/bin/python3
"""Writes PyTorch reference values for F.scaledDotProductAttention (dev.nabla.ScaledDotProductAttentionTest).

Usage:  /usr/bin/python3 scripts/make_attention_fixtures.py src/test/resources/fixtures/nn

PyTorch 1.13 has no torch.nn.functional.scaled_dot_product_attention, so the reference is its definition in
float64 autograd: softmax(q @ k^T * scale + mask) @ v, with a bool mask (True = attend) turned into 0/-inf, a float
mask added, and is_causal masking key j > query i (top-left aligned, as PyTorch 2's is_causal).

Writes attention.json: {"torch": <version>, "cases": [case, ...]}, each case
    {"name": str, "causal": bool, "scale": float or null (null: 1/sqrt(E)),
     "mask": null or tensor, "mask_bool": bool,
     "q", "k", "v", "gout", "out", "grad_q", "grad_k", "grad_v": tensor}
where a tensor is {"shape": [...], "data": [...]} row-major in float64 (bool masks as 0/1) and the gradients are
those of sum(out * gout). Inputs come from a seeded torch.Generator.
"""
import json
import math
import os
import sys

import torch


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().flatten().tolist()]}


def attention(q, k, v, mask, causal, scale):
    s = q @ k.transpose(-2, -1) * scale
    if mask is not None:
        s = s + (torch.zeros(mask.shape, dtype=s.dtype).masked_fill(~mask, -math.inf) if mask.dtype == torch.bool
                 else mask)
    if causal:
        L, S = q.shape[-2], k.shape[-2]
        s = s.masked_fill(torch.ones(L, S, dtype=torch.bool).triu(1), -math.inf)
    return torch.softmax(s, -1) @ v


def case(name, seed, batch, L, S, E, Ev, mask=None, causal=False, scale=None):
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(*batch, L, E, generator=g, dtype=torch.float64, requires_grad=True)
    k = torch.randn(*batch, S, E, generator=g, dtype=torch.float64, requires_grad=True)
    v = torch.randn(*batch, S, Ev, generator=g, dtype=torch.float64, requires_grad=True)
    m = None
    if mask == "bool":
        m = torch.rand(L, S, generator=g) < 0.7
        m[:, 0] = True  # every query attends to something
    elif isinstance(mask, tuple):
        m = torch.randn(*mask, generator=g, dtype=torch.float64)
    out = attention(q, k, v, m, causal, scale if scale is not None else 1 / math.sqrt(E))
    gout = torch.randn(out.shape, generator=g, dtype=torch.float64)
    (out * gout).sum().backward()
    return {"name": name, "causal": causal, "scale": scale,
            "mask": None if m is None else tensor(m.to(torch.float64)),
            "mask_bool": m is not None and m.dtype == torch.bool,
            "q": tensor(q), "k": tensor(k), "v": tensor(v), "gout": tensor(gout), "out": tensor(out),
            "grad_q": tensor(q.grad), "grad_k": tensor(k.grad), "grad_v": tensor(v.grad)}


def main():
    out = sys.argv[1]
    cases = [
        case("batch and heads, L != S, Ev != E", 1, (2, 3), 5, 7, 8, 6),
        case("bool mask broadcast over batch and heads", 2, (2, 2), 5, 7, 4, 4, mask="bool"),
        case("float mask broadcast over heads", 3, (2, 3), 4, 6, 8, 5, mask=(2, 1, 4, 6)),
        case("causal, square", 4, (3,), 6, 6, 4, 4, causal=True),
        case("causal, L < S (top-left)", 5, (2,), 4, 9, 4, 3, causal=True),
        case("causal with float mask and scale", 6, (2,), 7, 7, 4, 4, mask=(7, 7), causal=True, scale=0.3),
        case("several query and key blocks", 7, (1,), 70, 140, 8, 6),
        case("causal over several blocks", 8, (1,), 140, 140, 4, 4, causal=True),
        case("unbatched 2-d", 9, (), 3, 5, 4, 2),
    ]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "attention.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
