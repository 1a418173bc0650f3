#!/usr/bin/python3
"""Writes PyTorch reference values for F.unfold / F.fold (dev.nabla.UnfoldFoldTest).

Usage:  /usr/bin/python3 scripts/make_unfold_fixture.py src/test/resources/fixtures/nn

Writes unfold_fold.json: {"torch": <version>, "cases": [case, ...]}, each case
    {"name": str, "kernel": [kh, kw], "dilation": [dh, dw], "padding": [ph, pw], "stride": [sh, sw],
     "x": tensor, "unfold": tensor, "fold": tensor, "gcols": tensor, "grad_x": tensor}
where a tensor is {"shape": [...], "data": [...]} row-major in float64, unfold = unfold(x), fold = fold(unfold(x)) to
x's size, and grad_x is the gradient of sum(unfold(x) * gcols). Inputs come from a seeded torch.Generator.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().flatten().tolist()]}


def case(name, shape, kernel, dilation, padding, stride, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(*shape, generator=g, dtype=torch.float64, requires_grad=True)
    u = F.unfold(x, kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    gcols = torch.randn(*u.shape, generator=g, dtype=torch.float64)
    (u * gcols).sum().backward()
    f = F.fold(u.detach(), output_size=shape[2:], kernel_size=kernel, dilation=dilation, padding=padding,
               stride=stride)
    return {"name": name, "kernel": list(kernel), "dilation": list(dilation), "padding": list(padding),
            "stride": list(stride), "x": tensor(x), "unfold": tensor(u), "fold": tensor(f), "gcols": tensor(gcols),
            "grad_x": tensor(x.grad)}


def main():
    out = sys.argv[1]
    cases = [
        case("3x3 same padding", (2, 2, 5, 4), (3, 3), (1, 1), (1, 1), (1, 1), 1),
        case("2x3 dilated, strided, padded rows", (1, 3, 5, 6), (2, 3), (1, 2), (1, 0), (2, 1), 2),
        case("overlapping 2x2 stride 1, no padding", (2, 1, 3, 3), (2, 2), (1, 1), (0, 0), (1, 1), 3),
    ]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "unfold_fold.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
