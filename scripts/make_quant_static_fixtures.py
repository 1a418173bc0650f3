"""PyTorch reference values for Nabla's static (post-training) quantization (dev.nabla.quantization).

Debian's python3-torch 1.13 has no fbgemm, so every quantized op here runs on the 'onednn' engine (x86). Writes
quant_static.json into the directory given as the first argument:
  "observerData": {name: batches (lists of float32 values, observed in order)}
  "observers":  {"data" (a name in observerData), "kind": "minmax"|"movingAverage"|"histogram", "dtype",
                "reduceRange", "scale", "zeroPoint"} from torch.ao.quantization.observer
  "perChannel": {"shape", "w", "scales", "zeroPoints"} from PerChannelMinMaxObserver (qint8, symmetric, axis 0)
  "fuse":       {"kind": "conv"|"linear", shapes, float weights, BN statistics, "fusedWeight", "fusedBias"} from
                torch.nn.utils.fusion.fuse_conv_bn_eval / fuse_linear_bn_eval
  "linear"/"conv": quantized ops with set int8 weights (per channel), float bias, input ints and qparams, output
                qparams -> output ints (torch.ao.nn.quantized(.intrinsic) Linear/LinearReLU/Conv2d/ConvReLU2d)
  "relu"/"maxpool": torch.relu / max_pool2d on quantized tensors -> ints
  "e2e":        a small CNN (the Fashion CNN's layer types) wrapped in QuantWrapper, fused, prepared, calibrated
                on given batches and converted with PyTorch's eager-mode flow; "qconfig" is "minmax" (MinMaxObserver
                activations) or "default" (get_default_qconfig('onednn'): HistogramObserver, reduce_range False);
                weights use PerChannelMinMaxObserver qint8 symmetric in both. Holds the float state dict, the
                batches, a test input, the output ints with their qparams, and the dequantized output.
Values are plain numbers (float32 values printed exactly as float64). Run by `make fixtures` with /usr/bin/python3.
"""
import json
import os
import sys
import warnings

import torch
import torch.nn.intrinsic.quantized as nniq
import torch.ao.nn.quantized as nnq
import torch.ao.quantization as tq
import torch.nn as nn
from torch.ao.quantization.observer import (HistogramObserver, MinMaxObserver, MovingAverageMinMaxObserver,
                                            PerChannelMinMaxObserver)
from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

QTYPES = {"uint8": torch.quint8, "int8": torch.qint8}


def floats(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def observer_cases(g):
    cases = []
    normal = [torch.randn(200, generator=g) * 2 + 0.5 for _ in range(3)]
    skewed = [torch.randn(500, generator=g).exp() * 0.7 - 0.2 for _ in range(2)]
    growing = [torch.randn(300, generator=g) * (k + 1) + k for k in range(4)]
    positive = [torch.rand(400, generator=g) * 6 for _ in range(2)]
    datasets = {"normal": normal, "skewed": skewed, "growing": growing, "positive": positive,
                "single": [torch.randn(1000, generator=g) ** 3]}
    kinds = {"minmax": MinMaxObserver, "movingAverage": MovingAverageMinMaxObserver, "histogram": HistogramObserver}
    for name, batches in datasets.items():
        for kind, cls in kinds.items():
            for dtype in ("uint8", "int8"):
                for reduce_range in (False, True):
                    obs = cls(dtype=QTYPES[dtype], reduce_range=reduce_range)
                    for b in batches:
                        obs(b)
                    scale, zp = obs.calculate_qparams()
                    cases.append({"data": name, "kind": kind, "dtype": dtype, "reduceRange": reduce_range,
                                  "scale": float(scale), "zeroPoint": int(zp)})
    return {name: [floats(b) for b in batches] for name, batches in datasets.items()}, cases


def per_channel_cases(g):
    cases = []
    for shape in ((6, 10), (4, 3, 3, 3)):
        w = torch.randn(*shape, generator=g) * 0.4
        w[1] = w[1].abs()  # a channel with no negative values
        obs = PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
        obs(w)
        scales, zps = obs.calculate_qparams()
        cases.append({"shape": list(shape), "w": floats(w), "scales": floats(scales), "zeroPoints": ints(zps)})
    return cases


def bn_stats(bn, g):
    c = bn.num_features
    with torch.no_grad():
        bn.weight.copy_(torch.rand(c, generator=g) + 0.5)
        bn.bias.copy_(torch.randn(c, generator=g) * 0.2)
        bn.running_mean.copy_(torch.randn(c, generator=g) * 0.3)
        bn.running_var.copy_(torch.rand(c, generator=g) + 0.3)


def fuse_cases(g):
    cases = []
    for bias in (False, True):
        conv = nn.Conv2d(3, 5, 3, padding=1, bias=bias)
        bn = nn.BatchNorm2d(5)
        bn_stats(bn, g)
        conv.eval(), bn.eval()
        fused = fuse_conv_bn_eval(conv, bn)
        cases.append({"kind": "conv", "in": 3, "out": 5, "bias": floats(conv.bias) if bias else None,
                      "weight": floats(conv.weight), "bnWeight": floats(bn.weight), "bnBias": floats(bn.bias),
                      "mean": floats(bn.running_mean), "var": floats(bn.running_var),
                      "fusedWeight": floats(fused.weight), "fusedBias": floats(fused.bias)})
        lin = nn.Linear(7, 4, bias=bias)
        bn = nn.BatchNorm1d(4)
        bn_stats(bn, g)
        lin.eval(), bn.eval()
        fused = fuse_linear_bn_eval(lin, bn)
        cases.append({"kind": "linear", "in": 7, "out": 4, "bias": floats(lin.bias) if bias else None,
                      "weight": floats(lin.weight), "bnWeight": floats(bn.weight), "bnBias": floats(bn.bias),
                      "mean": floats(bn.running_mean), "var": floats(bn.running_var),
                      "fusedWeight": floats(fused.weight), "fusedBias": floats(fused.bias)})
    return cases


def quantized_weight(w):
    obs = PerChannelMinMaxObserver(dtype=torch.qint8, qscheme=torch.per_channel_symmetric)
    obs(w)
    scales, zps = obs.calculate_qparams()
    return torch.quantize_per_channel(w, scales.double(), zps, 0, torch.qint8)


def op_record(wq, b, xq, y, extra):
    rec = {"w": ints(wq.int_repr()), "wScales": floats(wq.q_per_channel_scales()),
           "bias": floats(b) if b is not None else None, "x": ints(xq.int_repr()), "xShape": list(xq.shape),
           "xScale": float(xq.q_scale()), "xZeroPoint": int(xq.q_zero_point()), "yScale": float(y.q_scale()),
           "yZeroPoint": int(y.q_zero_point()), "y": ints(y.int_repr()), "yShape": list(y.shape)}
    rec.update(extra)
    return rec


def linear_cases(g):
    cases = []
    for relu, (n, fin, fout), bias, (sx, zx, sy, zy) in ((False, (40, 70, 24), True, (0.043, 71, 0.11, 60)),
                                                         (True, (33, 50, 17), True, (0.02, 0, 0.05, 3)),
                                                         (False, (16, 30, 9), False, (0.1, 128, 0.07, 255))):
        w = torch.randn(fout, fin, generator=g) * 0.3
        b = torch.randn(fout, generator=g) if bias else None
        wq = quantized_weight(w)
        xq = torch.quantize_per_tensor(torch.randn(n, fin, generator=g) * 2, sx, zx, torch.quint8)
        m = nniq.LinearReLU(fin, fout) if relu else nnq.Linear(fin, fout, bias_=bias)
        m.set_weight_bias(wq, b)
        m.scale, m.zero_point = sy, zy
        cases.append(op_record(wq, b, xq, m(xq), {"relu": relu}))
    return cases


def conv_cases(g):
    cases = []
    for relu, (cin, cout, k, stride, pad, dil), bias, (sx, zx, sy, zy) in (
            (False, (3, 6, 3, 1, 1, 1), True, (0.03, 100, 0.08, 70)),
            (True, (4, 5, 3, 2, 1, 1), False, (0.05, 20, 0.04, 0)),
            (False, (2, 3, 2, 1, 2, 2), True, (0.02, 200, 0.05, 128))):
        w = torch.randn(cout, cin, k, k, generator=g) * 0.3
        b = torch.randn(cout, generator=g) if bias else None
        wq = quantized_weight(w)
        xq = torch.quantize_per_tensor(torch.randn(2, cin, 9, 8, generator=g) * 2, sx, zx, torch.quint8)
        cls = nniq.ConvReLU2d if relu else nnq.Conv2d
        m = cls(cin, cout, k, stride=stride, padding=pad, dilation=dil, bias=bias)
        m.set_weight_bias(wq, b)
        m.scale, m.zero_point = sy, zy
        cases.append(op_record(wq, b, xq, m(xq), {"relu": relu, "kernel": k, "stride": stride, "padding": pad,
                                                  "dilation": dil, "in": cin, "out": cout}))
    return cases


def pointwise_cases(g):
    x = torch.quantize_per_tensor(torch.randn(2, 3, 7, 6, generator=g) * 2, 0.03, 90, torch.quint8)
    relu = torch.relu(x)
    pool = torch.nn.functional.max_pool2d(x, 2)
    pool3 = torch.nn.functional.max_pool2d(x, 3, stride=2, padding=1)
    return ({"x": ints(x.int_repr()), "shape": list(x.shape), "scale": 0.03, "zeroPoint": 90,
             "y": ints(relu.int_repr()), "yScale": float(relu.q_scale()), "yZeroPoint": int(relu.q_zero_point())},
            [{"x": ints(x.int_repr()), "shape": list(x.shape), "kernel": 2, "stride": 2, "padding": 0,
              "y": ints(pool.int_repr()), "yShape": list(pool.shape)},
             {"x": ints(x.int_repr()), "shape": list(x.shape), "kernel": 3, "stride": 2, "padding": 1,
              "y": ints(pool3.int_repr()), "yShape": list(pool3.shape)}])


def small_cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(8 * 2 * 2, 16, bias=False), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(16, 10))


def e2e_case(g, qconfig_name):
    torch.manual_seed(5)
    net = small_cnn()
    for i in (1, 5, 10):
        bn_stats(net[i], g)
    net.eval()
    state = {k: {"shape": list(v.shape), "values": floats(v)} for k, v in net.state_dict().items()}
    batches = [torch.randn(6, 1, 8, 8, generator=g) * 1.5 + 0.2 for _ in range(3)]
    x = torch.randn(5, 1, 8, 8, generator=g) * 1.5 + 0.2
    float_out = net(x)
    model = tq.QuantWrapper(net)
    model.eval()
    tq.fuse_modules(model, [["module.0", "module.1", "module.2"], ["module.4", "module.5", "module.6"],
                            ["module.9", "module.10"]], inplace=True)  # 1.13 has no linear+bn+relu fuser
    if qconfig_name == "default":
        model.qconfig = tq.get_default_qconfig("onednn")
    else:
        model.qconfig = tq.QConfig(activation=MinMaxObserver.with_args(dtype=torch.quint8),
                                   weight=PerChannelMinMaxObserver.with_args(dtype=torch.qint8,
                                                                             qscheme=torch.per_channel_symmetric))
    tq.prepare(model, inplace=True)
    with torch.no_grad():
        for b in batches:
            model(b)
    tq.convert(model, inplace=True)
    q_in = model.quant(x)
    q_out = model.module(q_in)
    layers = {}
    for name, mod in model.module.named_children():
        if hasattr(mod, "scale"):
            layers[name] = {"scale": float(mod.scale), "zeroPoint": int(mod.zero_point)}
    return {"qconfig": qconfig_name, "state": state, "batches": [floats(b) for b in batches],
            "batchShape": list(batches[0].shape), "x": floats(x), "xShape": list(x.shape),
            "floatOut": floats(float_out), "inScale": float(model.quant.scale), "inZeroPoint":
                int(model.quant.zero_point), "layers": layers, "y": ints(q_out.int_repr()),
            "yScale": float(q_out.q_scale()), "yZeroPoint": int(q_out.q_zero_point()),
            "out": floats(model(x))}


def main():
    warnings.filterwarnings("ignore")
    torch.backends.quantized.engine = "onednn"
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    g = torch.Generator().manual_seed(23)
    relu, maxpool = pointwise_cases(g)
    observer_data, observers = observer_cases(g)
    data = {"observerData": observer_data, "observers": observers, "perChannel": per_channel_cases(g), "fuse": fuse_cases(g),
            "linear": linear_cases(g), "conv": conv_cases(g), "relu": relu, "maxpool": maxpool,
            "e2e": [e2e_case(g, "minmax"), e2e_case(g, "default")]}
    with open(os.path.join(out_dir, "quant_static.json"), "w") as f:
        json.dump(data, f)


if __name__ == "__main__":
    main()
