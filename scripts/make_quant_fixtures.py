"""PyTorch reference values for Nabla's quantization primitives (dev.nabla.quantization).

Writes quant_core.json into the directory given as the first argument:
  "perTensor":  {"dtype": "uint8"|"int8"|"int32", "scale", "zeroPoint", "x" (float32 values), "q" (int_repr),
                 "dq" (dequantize)} from torch.quantize_per_tensor
  "perChannel": {"dtype", "shape", "axis", "scales", "zeroPoints", "x", "q", "dq"} from torch.quantize_per_channel
  "observer":   {"dtype", "symmetric", "reduceRange", "min", "max", "scale", "zeroPoint"} from MinMaxObserver's
                calculate_qparams (observers feed it the data's min and max)
  "dynamic":    {"reduceRange", "min", "max", "scale", "zeroPoint"} from torch._choose_qparams_per_tensor on a
                tensor holding min and max (fbgemm's rule for dynamic activations)
Values are plain numbers (float32 values printed exactly as float64). Run by `make fixtures` with Debian's
python3-torch (/usr/bin/python3).
"""
import json
import warnings
import os
import sys

import torch
from torch.ao.quantization.observer import MinMaxObserver

QTYPES = {"uint8": torch.quint8, "int8": torch.qint8, "int32": torch.qint32}


def floats(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def per_tensor(g):
    cases = []
    base = torch.randn(300, generator=g) * 3
    for dtype, scale, zp in (("uint8", 0.05, 128), ("uint8", 0.0123, 0), ("int8", 0.02, 0), ("int8", 0.07, -10),
                             ("int32", 0.001, 5), ("uint8", 0.1, 255)):
        x = base.clone()
        # exact ties: k + 0.5 steps, and values far outside the range
        x[:20] = (torch.arange(20, dtype=torch.float32) - 10 + 0.5) * scale
        x[20:24] = torch.tensor([1e6, -1e6, 0.0, -0.0])
        q = torch.quantize_per_tensor(x, scale, zp, QTYPES[dtype])
        cases.append({"dtype": dtype, "scale": scale, "zeroPoint": zp, "x": floats(x), "q": ints(q.int_repr()),
                      "dq": floats(q.dequantize())})
    return cases


def per_channel(g):
    cases = []
    for dtype, shape, axis in (("int8", (6, 20), 0), ("int8", (4, 3, 3, 3), 0), ("uint8", (5, 7), 1)):
        x = torch.randn(*shape, generator=g)
        channels = shape[axis]
        scales = (torch.rand(channels, generator=g, dtype=torch.float64) * 0.05 + 0.005)
        if dtype == "int8":
            zps = torch.zeros(channels, dtype=torch.int64)
        else:
            zps = torch.randint(0, 256, (channels,), generator=g)
        q = torch.quantize_per_channel(x, scales, zps, axis, QTYPES[dtype])
        cases.append({"dtype": dtype, "shape": list(shape), "axis": axis,
                      "scales": [float(v) for v in q.q_per_channel_scales().tolist()],
                      "zeroPoints": ints(q.q_per_channel_zero_points()), "x": floats(x), "q": ints(q.int_repr()),
                      "dq": floats(q.dequantize())})
    return cases


def ranges(g):
    r = [(-1.5, 2.25), (0.0, 3.0), (-4.0, 0.0), (0.1, 0.7), (-0.7, -0.1), (0.0, 0.0), (-1e-7, 2e-7),
         (-123.456, 0.001), (-2e-3, 5e-3)]
    for _ in range(12):
        a, b = sorted((torch.randn(2, generator=g) * 5).tolist())
        r.append((a, b))
    return [(float(torch.tensor(a, dtype=torch.float32)), float(torch.tensor(b, dtype=torch.float32))) for a, b in r]


def observer(g):
    cases = []
    for lo, hi in ranges(g):
        for dtype in ("uint8", "int8"):
            for symmetric in (False, True):
                for reduce_range in (False, True):
                    if symmetric and reduce_range and dtype == "uint8":
                        continue  # PyTorch refuses it (NotImplementedError)
                    obs = MinMaxObserver(dtype=QTYPES[dtype], reduce_range=reduce_range,
                                         qscheme=torch.per_tensor_symmetric if symmetric else torch.per_tensor_affine)
                    obs(torch.tensor([lo, hi]))
                    scale, zp = obs.calculate_qparams()
                    cases.append({"dtype": dtype, "symmetric": symmetric, "reduceRange": reduce_range, "min": lo,
                                  "max": hi, "scale": float(scale), "zeroPoint": int(zp)})
    return cases


def dynamic(g):
    cases = []
    for lo, hi in ranges(g):
        for reduce_range in (False, True):
            scale, zp = torch._choose_qparams_per_tensor(torch.tensor([lo, hi]), reduce_range)
            cases.append({"reduceRange": reduce_range, "min": lo, "max": hi, "scale": float(scale),
                          "zeroPoint": int(zp)})
    return cases


def main():
    warnings.filterwarnings("ignore", message="Please use quant_min")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    g = torch.Generator().manual_seed(17)
    data = {"perTensor": per_tensor(g), "perChannel": per_channel(g), "observer": observer(g), "dynamic": dynamic(g)}
    with open(os.path.join(out_dir, "quant_core.json"), "w") as f:
        json.dump(data, f)


if __name__ == "__main__":
    main()
