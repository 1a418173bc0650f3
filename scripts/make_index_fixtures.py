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
  "restOps":   cumsum, cumprod, prod, unique, scatter, index_add, index_fill, masked_select: {"name", "op",
               "inputs" (name -> tensor), "args", "out" (tensor, or for unique {"values", "inverse", "counts"}),
               and for differentiable cases "gout" and "grads" (input name -> values)}; a tensor is
               {"dtype", "shape", "values"} with exact integers for integer and bool dtypes
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


def tensor(t):
    t = t.detach()
    values = flat(t) if t.dtype.is_floating_point else longs(t.long())
    return {"dtype": str(t.dtype)[6:], "shape": list(t.shape), "values": values}


def rest_case(g, name, op, fn, inputs, args, differentiable):
    """Runs fn(**inputs) and records it; float64 inputs named in differentiable get PyTorch's gradients."""
    leaves = {k: (v.clone().requires_grad_(True) if k in differentiable else v) for k, v in inputs.items()}
    out = fn(**leaves)
    case = {"name": name, "op": op, "inputs": {k: tensor(v) for k, v in inputs.items()}, "args": args}
    if isinstance(out, tuple):
        case["out"] = {"values": tensor(out[0]), "inverse": tensor(out[1]), "counts": tensor(out[2])}
        return case
    case["out"] = tensor(out)
    if differentiable:
        gout = torch.randn(tuple(out.shape), generator=g, dtype=torch.float64)
        grads = torch.autograd.grad(out, [leaves[k] for k in differentiable], gout)
        case["gout"] = flat(gout)
        case["grads"] = {k: flat(gr) for k, gr in zip(differentiable, grads)}
    return case


def rest_ops(g):
    cases = []
    x = torch.randn(3, 4, generator=g, dtype=torch.float64)
    z = x.clone()
    z[0, 1] = 0.0  # one zero in a row and in a column
    z[2, 0] = 0.0
    z[2, 3] = 0.0  # two zeros in one row
    for dim in (0, 1, -1):
        cases.append(rest_case(g, f"cumsum_f64_dim{dim}", "cumsum", lambda x, dim=dim: torch.cumsum(x, dim),
                               {"x": x}, {"dim": dim}, ["x"]))
        for src, tag in ((x, "f64"), (z, "zeros")):
            cases.append(rest_case(g, f"cumprod_{tag}_dim{dim}", "cumprod", lambda x, dim=dim: torch.cumprod(x, dim),
                                   {"x": src}, {"dim": dim}, ["x"]))
            cases.append(rest_case(g, f"prod_{tag}_dim{dim}", "prod", lambda x, dim=dim: torch.prod(x, dim),
                                   {"x": src}, {"dim": dim, "keepdim": False}, ["x"]))
    for src, tag in ((x, "f64"), (z, "zeros")):
        cases.append(rest_case(g, f"prod_{tag}_keepdim", "prod", lambda x: torch.prod(x, 1, keepdim=True),
                               {"x": src}, {"dim": 1, "keepdim": True}, ["x"]))
        cases.append(rest_case(g, f"prod_{tag}_all", "prod", lambda x: torch.prod(x), {"x": src}, {}, ["x"]))
    one_zero = torch.tensor([1.5, -2.0, 0.0, 3.0], dtype=torch.float64)
    cases.append(rest_case(g, "prod_one_zero_all", "prod", lambda x: torch.prod(x), {"x": one_zero}, {}, ["x"]))
    ints = torch.randint(-4, 5, (2, 5), generator=g, dtype=torch.int32)
    big = torch.tensor([1 << 21, 1 << 21, 1 << 21, 3], dtype=torch.int64)  # wraps past 2^63 like PyTorch
    bools = torch.tensor([[True, False, True], [True, True, False]])
    for tag, src in (("int32", ints), ("int64_wrap", big), ("bool", bools)):
        cases.append(rest_case(g, f"cumsum_{tag}", "cumsum", lambda x: torch.cumsum(x, -1), {"x": src},
                               {"dim": -1}, []))
        cases.append(rest_case(g, f"cumprod_{tag}", "cumprod", lambda x: torch.cumprod(x, -1), {"x": src},
                               {"dim": -1}, []))
        cases.append(rest_case(g, f"prod_{tag}", "prod", lambda x: torch.prod(x, -1), {"x": src},
                               {"dim": -1, "keepdim": False}, []))
        cases.append(rest_case(g, f"prod_{tag}_all", "prod", lambda x: torch.prod(x), {"x": src}, {}, []))
    cases.append(rest_case(g, "cumsum_int32_as_float32", "cumsum", lambda x: torch.cumsum(x, 1, dtype=torch.float32),
                           {"x": ints}, {"dim": 1, "dtype": "float32"}, []))
    cases.append(rest_case(g, "cumsum_f64_as_int32", "cumsum", lambda x: torch.cumsum(x, 1, dtype=torch.int32),
                           {"x": x * 3}, {"dim": 1, "dtype": "int32"}, []))
    for tag, src in (("int64", torch.tensor([[3, 1, 3], [0, 5, 1]])), ("int8", torch.tensor([-2, 7, -2, 0],
                     dtype=torch.int8)), ("bool", bools), ("f64", torch.tensor([2.5, -1.0, 2.5, 0.0, -0.0, 7.0],
                     dtype=torch.float64)), ("f32", torch.tensor([[1.25, 1.25], [-3.0, 4.0]]))):
        cases.append(rest_case(g, f"unique_{tag}", "unique",
                               lambda x: torch.unique(x, sorted=True, return_inverse=True, return_counts=True),
                               {"x": src}, {}, []))
    base = torch.randn(3, 5, generator=g, dtype=torch.float64)
    src = torch.randn(2, 5, generator=g, dtype=torch.float64)
    for it in (torch.int64, torch.int32):
        idx = torch.tensor([[0, 1, 2, 0, 2], [2, 0, 0, 1, 1]], dtype=it)
        tag = str(it)[6:]
        cases.append(rest_case(g, f"scatter_dim0_{tag}", "scatter",
                               lambda x, index, src: x.scatter(0, index.long(), src),  # 1.13 wants int64 here
                               {"x": base, "index": idx, "src": src}, {"dim": 0}, ["x", "src"]))
    # an index smaller than src in both dimensions; torch 1.13's src gradient fails on it (shape [3, 2] for [5, 2])
    small = torch.tensor([[4, 0], [1, 3], [2, 3]])  # no repeated target: PyTorch's src gradient assumes none
    cases.append(rest_case(g, "scatter_dim1_small_index", "scatter",
                           lambda x, index, src: x.scatter(1, index, src),
                           {"x": base, "index": small, "src": src.t().contiguous()}, {"dim": 1}, ["x"]))
    cases.append(rest_case(g, "scatter_value", "scatter_value", lambda x, index: x.scatter(1, index, -7.5),
                           {"x": base, "index": small}, {"dim": 1, "value": -7.5}, ["x"]))
    ibase = torch.arange(12, dtype=torch.int64).view(3, 4)
    cases.append(rest_case(g, "scatter_int64", "scatter", lambda x, index, src: x.scatter(1, index, src),
                           {"x": ibase, "index": torch.tensor([[3, 0], [1, 2], [0, 0]]),
                            "src": torch.tensor([[-1, -2], [-3, -4], [-5, -6]]) * (1 << 60) + 1}, {"dim": 1}, []))
    index = torch.tensor([2, 0, 2])
    source = torch.randn(3, 5, generator=g, dtype=torch.float64)
    cases.append(rest_case(g, "index_add_dim0", "index_add", lambda x, index, source: x.index_add(0, index, source),
                           {"x": base, "index": index, "source": source}, {"dim": 0}, ["x", "source"]))
    cases.append(rest_case(g, "index_add_dim1", "index_add",
                           lambda x, index, source: x.index_add(1, index, source),
                           {"x": base, "index": index.int(), "source": source[:, :3].contiguous()}, {"dim": 1},
                           ["x", "source"]))
    cases.append(rest_case(g, "index_fill_dim1", "index_fill", lambda x, index: x.index_fill(1, index, 0.5),
                           {"x": base, "index": torch.tensor([4, -5, 1])}, {"dim": 1, "value": 0.5}, ["x"]))
    mask = torch.tensor([True, False, False, True, True])
    cases.append(rest_case(g, "masked_select_broadcast", "masked_select", lambda x, mask: x.masked_select(mask),
                           {"x": base, "mask": mask}, {}, ["x"]))
    return cases


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    g = torch.Generator().manual_seed(20240611)
    data = {"generator": "scripts/make_index_fixtures.py", "torch": torch.__version__,
            "argReduce": arg_reduce(g), "index": index_ops(g), "losses": losses(g), "newOps": new_ops(g),
            "restOps": rest_ops(g)}
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
