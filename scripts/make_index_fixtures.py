"""PyTorch reference values for Nabla's index ops and class losses.

Writes index.json into the directory given as the first argument, with three lists:
  "argReduce": {"op": "argmax"|"argmin", "shape", "x" (values, "nan" allowed), "dim", "keepdim", "out" (int64)}
  "index":     {"op": "gather"|"index_select"|"embedding", "indexDtype": "int64"|"int32", "xShape", "x", "dim",
                "indexShape", "index", "outShape", "out"}
  "losses":    {"name", "op": "cross_entropy"|"nll_loss", "inputShape", "input", "targetKind": "index"|"prob",
                "targetShape", "target", "weight" (or null), "ignoreIndex", "reduction", "labelSmoothing",
                "outShape", "out" ("nan" allowed), "gout" (upstream gradient), "grad" (input gradient)}
  "newOps":    sort, topk, one_hot, nonzero, bincount and integer arange: the op's arguments, "outShape", "values"
               (float results) and/or "indices" (int64 results)
Values are float64. Run by `make fixtures` with Debian's python3-torch (/usr/bin/python3).
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F


def enc(values):
    out = []
    for v in values:
        v = float(v)
        out.append("nan" if math.isnan(v) else ("inf" if v == math.inf else ("-inf" if v == -math.inf else v)))
    return out


def flat(t):
    return enc(t.detach().reshape(-1).tolist())


def longs(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def arg_reduce(g):
    cases = []
    x = torch.randint(-3, 4, (3, 5), generator=g).to(torch.float64)  # ties
    y = x.clone()
    y[1, 2] = math.nan
    y[2, 4] = math.nan
    z = torch.randn(2, 3, 4, generator=g, dtype=torch.float64)
    for t in (x, y, z):
        for dim in range(t.dim()):
            for keepdim in (False, True):
                for op in ("argmax", "argmin"):
                    out = getattr(torch, op)(t, dim=dim, keepdim=keepdim)
                    cases.append({"op": op, "shape": list(t.shape), "x": flat(t), "dim": dim, "keepdim": keepdim,
                                  "outShape": list(out.shape), "out": longs(out)})
    return cases


def index_ops(g):
    cases = []
    x = torch.randn(4, 5, generator=g, dtype=torch.float64)
    for it_name, it in (("int64", torch.int64), ("int32", torch.int32)):
        index = torch.randint(0, 5, (4, 3), generator=g).to(it)
        out = torch.gather(x, 1, index.long())
        cases.append({"op": "gather", "indexDtype": it_name, "xShape": [4, 5], "x": flat(x), "dim": 1,
                      "indexShape": [4, 3], "index": longs(index), "outShape": list(out.shape), "out": flat(out)})
        index = torch.tensor([3, 0, 3, 1, 2], dtype=it)
        out = torch.index_select(x, 0, index)
        cases.append({"op": "index_select", "indexDtype": it_name, "xShape": [4, 5], "x": flat(x), "dim": 0,
                      "indexShape": [5], "index": longs(index), "outShape": list(out.shape), "out": flat(out)})
        ids = torch.tensor([[1, 3], [0, 1], [3, 3]], dtype=it)
        out = F.embedding(ids, x)
        cases.append({"op": "embedding", "indexDtype": it_name, "xShape": [4, 5], "x": flat(x), "dim": 0,
                      "indexShape": [3, 2], "index": longs(ids), "outShape": list(out.shape), "out": flat(out)})
    return cases


def loss_case(g, name, op, input_shape, target_kind, weight, ignore_index, reduction, label_smoothing,
              ignored=0):
    x = (torch.randn(*input_shape, generator=g, dtype=torch.float64) * 2).requires_grad_(True)
    c = input_shape[1]
    target_shape = [input_shape[0]] + list(input_shape[2:])
    if target_kind == "index":
        target = torch.randint(0, c, target_shape, generator=g)
        flat_target = target.view(-1)
        n = flat_target.numel()
        for k in list(range(0, n, max(1, n // ignored)))[:ignored] if ignored else []:
            flat_target[k] = ignore_index
    else:
        target = torch.softmax(torch.randn(*input_shape, generator=g, dtype=torch.float64), 1)
    w = None if weight is None else torch.tensor(weight, dtype=torch.float64)
    if op == "cross_entropy":
        out = F.cross_entropy(x, target, weight=w, ignore_index=ignore_index, reduction=reduction,
                              label_smoothing=label_smoothing)
    else:
        out = F.nll_loss(x, target, weight=w, ignore_index=ignore_index, reduction=reduction)
    gout = torch.randn(*out.shape, generator=g, dtype=torch.float64) if out.dim() else torch.tensor(1.0,
                                                                                                   dtype=torch.float64)
    (grad,) = torch.autograd.grad(out, x, gout)
    return {"name": name, "op": op, "inputShape": list(input_shape), "input": flat(x), "targetKind": target_kind,
            "targetShape": list(target.shape),
            "target": longs(target) if target_kind == "index" else flat(target),
            "weight": weight, "ignoreIndex": ignore_index, "reduction": reduction, "labelSmoothing": label_smoothing,
            "outShape": list(out.shape), "out": flat(out), "gout": flat(gout), "grad": flat(grad)}


def losses(g):
    cases = []
    w5 = [0.5, 1.0, 2.0, 0.25, 1.5]
    for red in ("mean", "sum", "none"):
        for op in ("cross_entropy", "nll_loss"):
            cases.append(loss_case(g, f"{op}_ignore_{red}", op, (6, 5), "index", None, -100, red, 0.0, ignored=2))
            cases.append(loss_case(g, f"{op}_ignore1_weight_{red}", op, (6, 5), "index", w5, 1, red, 0.0,
                                   ignored=2))
            cases.append(loss_case(g, f"{op}_spatial_ignore_{red}", op, (2, 5, 3, 2), "index", w5, -1, red, 0.0,
                                   ignored=3))
        cases.append(loss_case(g, f"ce_smoothing_ignore_{red}", "cross_entropy", (6, 5), "index", None, -100, red,
                               0.2, ignored=2))
        cases.append(loss_case(g, f"ce_smoothing_weight_ignore_{red}", "cross_entropy", (6, 5), "index", w5, 4,
                               red, 0.1, ignored=2))
        cases.append(loss_case(g, f"ce_prob_{red}", "cross_entropy", (4, 5), "prob", None, -100, red, 0.0))
        cases.append(loss_case(g, f"ce_prob_weight_smoothing_{red}", "cross_entropy", (4, 5), "prob", w5, -100, red,
                               0.3))
        cases.append(loss_case(g, f"ce_prob_spatial_{red}", "cross_entropy", (2, 5, 3), "prob", w5, -100, red,
                               0.0))
    cases.append(loss_case(g, "ce_all_ignored_mean", "cross_entropy", (3, 5), "index", None, -100, "mean", 0.0,
                           ignored=3))
    cases.append(loss_case(g, "nll_all_ignored_weight_mean", "nll_loss", (3, 5), "index", w5, -100, "mean", 0.0,
                           ignored=3))
    return cases


def new_ops(g):
    cases = []
    x = torch.randn(3, 5, generator=g, dtype=torch.float64)
    x[1, 3] = math.nan
    for dim in (0, 1, -1):
        for desc in (False, True):
            v, i = torch.sort(x, dim=dim, descending=desc, stable=True)
            cases.append({"op": "sort", "shape": [3, 5], "x": flat(x), "dim": dim, "descending": desc,
                          "outShape": list(v.shape), "values": flat(v), "indices": longs(i)})
    y = torch.randn(4, 6, generator=g, dtype=torch.float64)
    for k, dim, largest in ((2, 1, True), (3, 0, False), (6, 1, False), (0, 1, True)):
        v, i = torch.topk(y, k, dim=dim, largest=largest, sorted=True)
        cases.append({"op": "topk", "shape": [4, 6], "x": flat(y), "dim": dim, "k": k, "largest": largest,
                      "outShape": list(v.shape), "values": flat(v), "indices": longs(i)})
    labels = torch.tensor([[0, 3], [2, 2], [1, 0]])
    for n in (-1, 5):
        out = F.one_hot(labels, n)
        cases.append({"op": "one_hot", "shape": [3, 2], "x": longs(labels), "numClasses": n,
                      "outShape": list(out.shape), "indices": longs(out)})
    z = torch.tensor([[0.0, 1.5, 0.0], [math.nan, 0.0, -2.0]], dtype=torch.float64)
    out = torch.nonzero(z)
    cases.append({"op": "nonzero", "shape": [2, 3], "x": flat(z), "outShape": list(out.shape),
                  "indices": longs(out)})
    b = torch.tensor([1, 3, 3, 0, 3, 5])
    w = torch.tensor([0.5, 1.0, 2.0, 0.25, 1.5, 3.0], dtype=torch.float64)
    for weights, minlength in ((None, 0), (None, 9), (w, 0)):
        out = torch.bincount(b, weights, minlength)
        cases.append({"op": "bincount", "shape": [6], "x": longs(b),
                      "weights": None if weights is None else flat(weights), "minlength": minlength,
                      "outShape": list(out.shape), "values": flat(out), "dtype": str(out.dtype)[6:]})
    for start, end, step in ((0, 7, 1), (-3, 10, 4), (10, -5, -3), (2**53, 2**53 + 5, 2)):
        out = torch.arange(start, end, step)
        cases.append({"op": "arange", "start": start, "end": end, "step": step, "dtype": str(out.dtype)[6:],
                      "outShape": list(out.shape), "indices": longs(out)})
    return cases


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    g = torch.Generator().manual_seed(20240611)
    data = {"generator": "scripts/make_index_fixtures.py", "torch": torch.__version__,
            "argReduce": arg_reduce(g), "index": index_ops(g), "losses": losses(g), "newOps": new_ops(g)}
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
