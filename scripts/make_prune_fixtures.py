"""PyTorch reference values for Nabla's pruning (dev.nabla.nn.Prune, like torch.nn.utils.prune).

Writes prune.json into the directory given as the first argument:
  "cases":   {"name", "layers": [{"kind": "linear"|"conv2d", "weight": tensor}], "steps": [step...],
              "masks": [tensor per layer, the final weight_mask], "weights": [tensor per layer, the final
              weight = weight_orig * weight_mask]}
             A step is {"method": "l1_unstructured"|"ln_structured"|"global_l1", "layer" (index; global: all),
             "amount", "amountKind": "float"|"int", and for ln_structured "n" (a number or "inf") and "dim"}.
             Steps run in order on the same layers, so a second step on a layer exercises PyTorch's
             PruningContainer (the new method only looks at the still-unpruned entries or channels).
  "forward": a pruned Linear: "weight", "bias", "amount" (l1_unstructured), "x", "gout", "out", "mask",
             "gradOrig" (d sum(out * gout) / d weight_orig), "gradBias".
  "stateKeys": {"pruned": state_dict keys of Sequential(Linear, ReLU, Linear) with 0.weight pruned,
                "removed": the keys after prune.remove}
Weights are torch.randn in float64, so magnitudes and norms are distinct: torch.topk breaks ties in an order that
depends on its partial sort, which Nabla does not reproduce (it prunes the lowest index first). Each case seeds its
own generator from a CRC of its name. Run by `make fixtures` with Debian's python3-torch (/usr/bin/python3).
"""
import json
import math
import os
import sys
import zlib

import torch
import torch.nn.utils.prune as prune


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def layer(kind, g):
    if kind == "linear":
        m = torch.nn.Linear(6, 4, dtype=torch.float64)
    else:
        m = torch.nn.Conv2d(3, 4, 2, dtype=torch.float64)
    with torch.no_grad():
        m.weight.copy_(torch.randn(m.weight.shape, generator=g, dtype=torch.float64))
    return m


def run_step(modules, step):
    amount = step["amount"] if step["amountKind"] == "float" else int(step["amount"])
    method = step["method"]
    if method == "l1_unstructured":
        prune.l1_unstructured(modules[step["layer"]], "weight", amount)
    elif method == "ln_structured":
        n = math.inf if step["n"] == "inf" else step["n"]
        prune.ln_structured(modules[step["layer"]], "weight", amount, n, step["dim"])
    elif method == "global_l1":
        prune.global_unstructured([(m, "weight") for m in modules], prune.L1Unstructured, amount=amount)
    else:
        raise ValueError(method)


def case(name, kinds, steps):
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    modules = [layer(k, g) for k in kinds]
    layers = [{"kind": k, "weight": tensor(m.weight)} for k, m in zip(kinds, modules)]
    for s in steps:
        run_step(modules, s)
    return {"name": name, "layers": layers, "steps": steps,
            "masks": [tensor(m.weight_mask) for m in modules], "weights": [tensor(m.weight) for m in modules]}


def l1(amount, kind="float", layer=0):
    return {"method": "l1_unstructured", "layer": layer, "amount": amount, "amountKind": kind}


def ln(amount, n, dim, kind="float", layer=0):
    return {"method": "ln_structured", "layer": layer, "amount": amount, "amountKind": kind, "n": n, "dim": dim}


def global_l1(amount):
    return {"method": "global_l1", "amount": amount, "amountKind": "float"}


def cases():
    out = [
        case("l1_float", ["linear"], [l1(0.3)]),
        case("l1_int", ["linear"], [l1(7, "int")]),
        case("l1_conv", ["conv2d"], [l1(0.3)]),
        case("l1_round_half_down", ["linear"], [l1(0.1875)]),  # Python's round(4.5) = 4 entries
        case("l1_round_half_up", ["linear"], [l1(0.0625)]),  # round(1.5) = 2
        case("l1_all", ["linear"], [l1(1.0)]),
        case("l1_none", ["linear"], [l1(0, "int")]),
        case("l1_repeated", ["linear"], [l1(0.5), l1(0.5), l1(3, "int")]),
        case("ln_repeated_dim0", ["linear"], [ln(0.25, 1, 0), ln(0.34, 1, 0)]),
        case("l1_then_ln", ["conv2d"], [l1(0.5), ln(0.5, 2, 1)]),
        case("ln_then_l1", ["conv2d"], [ln(2, 2, 0, "int"), l1(0.5)]),
        case("global_l1", ["linear", "conv2d"], [global_l1(0.6)]),
        case("global_after_l1", ["linear", "conv2d"], [l1(0.5, layer=1), global_l1(0.5)]),
    ]
    for kind in ("linear", "conv2d"):
        for n in (1, 2, "inf"):
            dims = (0, 1) if kind == "linear" else (0, 1, -1)
            for dim in dims:
                out.append(case("ln_%s_n%s_dim%d" % (kind, n, dim), [kind], [ln(0.5, n, dim)]))
    out.append(case("ln_int_amount", ["conv2d"], [ln(1, 2, 1, "int")]))
    return out


def forward():
    g = torch.Generator().manual_seed(zlib.crc32(b"forward"))
    m = torch.nn.Linear(5, 3, dtype=torch.float64)
    with torch.no_grad():
        m.weight.copy_(torch.randn(3, 5, generator=g, dtype=torch.float64))
        m.bias.copy_(torch.randn(3, generator=g, dtype=torch.float64))
    weight, bias = tensor(m.weight), tensor(m.bias)
    prune.l1_unstructured(m, "weight", 0.4)
    x = torch.randn(2, 5, generator=g, dtype=torch.float64)
    gout = torch.randn(2, 3, generator=g, dtype=torch.float64)
    out = m(x)
    (out * gout).sum().backward()
    return {"weight": weight, "bias": bias, "amount": 0.4, "x": tensor(x), "gout": tensor(gout), "out": tensor(out),
            "mask": tensor(m.weight_mask), "gradOrig": tensor(m.weight_orig.grad), "gradBias": tensor(m.bias.grad)}


def state_keys():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    prune.l1_unstructured(model[0], "weight", 0.5)
    pruned = list(model.state_dict().keys())
    prune.remove(model[0], "weight")
    return {"pruned": pruned, "removed": list(model.state_dict().keys())}


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    data = {"generator": "scripts/make_prune_fixtures.py", "torch": torch.__version__, "cases": cases(),
            "forward": forward(), "stateKeys": state_keys()}
    with open(os.path.join(out_dir, "prune.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
