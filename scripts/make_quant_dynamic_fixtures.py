"""PyTorch reference values for Nabla's dynamic quantization (dev.nabla.quantization.DynamicQuantizedLinear,
Quantization.quantizeDynamic), like torch.ao.quantization.quantize_dynamic.

Debian's python3-torch 1.13 has no fbgemm: the quantized engine is 'onednn' (set explicitly below). Its dynamic
Linear quantizes each input batch to uint8 with fbgemm's ChooseQuantizationParams and reduce_range=True (the module
passes reduce_range=True and onednn honours it: activations use [0, 127]), and scales the exact int32 sums by
1 / ((1 / xScale) * (1 / wScale[j])) (ideep's inverse-scale convention) before adding the float bias.

Writes into the directory given as the first argument:
  quant_dynamic_linear.json  {"torch": version, "engine": "onednn", "linear": [case...]}, each case
        {"name", "qscheme": "per_tensor"|"per_channel", "inFeatures", "outFeatures",
         "weight": float32 [out*in] (the float layer's), "bias": float32 [out] or null,
         "qweight": int8 int_repr [out*in], "wScales": [1]|[out] (float64), "wZeroPoints": [1]|[out],
         "inputShape": [...], "input": float32 values, "output": PyTorch's output (row-major),
         "xScale", "xZeroPoint": torch._choose_qparams_per_tensor(input, reduce_range=True)}
  quant_dynamic_rnn.json  {"torch", "engine", "rnn": [case...]}: torch.ao.nn.quantized.dynamic.LSTM / GRU, each
        {"name", "kind": "lstm"|"gru", "qscheme", "inputSize", "hiddenSize", "numLayers", "batchFirst",
         "params": {"weight_ih_l0": float32 values (the float layer's), ...},
         "qweights": {"weight_ih_l0": {"q": int_repr, "scales", "zeroPoints"}, ...},
         "inputShape", "input", "output", "hn", "cn" (LSTM; else null)}
        PyTorch's quantized_lstm/gru projects the whole input sequence at once (one activation range per layer) and
        quantizes the hidden state per step, both with reduce_range=True, adding b_ih and b_hh in the two products.
  quant_dynamic_linear.safetensors  one per-channel dynamic Linear(12 -> 5) as Nabla's DynamicQuantizedLinear
        buffers: weight (I8 int_repr), weight_scale (F64 [5]), weight_zero_point (I64 [5]), bias (F32 [5])
  quant_dynamic_linear_state.json   {"input": {"shape", "data"}, "output": {"shape", "data"}} for that layer
Values are plain numbers (float32 values printed exactly as float64). Run by `make fixtures` with Debian's
python3-torch (/usr/bin/python3).
"""
import importlib.util
import json
import os
import sys

import torch
import torch.nn as nn
from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

torch.backends.quantized.engine = "onednn"


def floats(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def ints(t):
    return [int(v) for v in t.reshape(-1).tolist()]


def quantized_linear(lin, per_channel):
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    return quantize_dynamic(nn.Sequential(lin), {nn.Linear: qconfig}, dtype=torch.qint8)[0]


def weight_params(q):
    w, b = q._packed_params._weight_bias()
    if w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
        scales, zps = w.q_per_channel_scales().tolist(), ints(w.q_per_channel_zero_points())
    else:
        scales, zps = [float(w.q_scale())], [int(w.q_zero_point())]
    return w, b, [float(s) for s in scales], zps


def linear_case(g, name, per_channel, in_f, out_f, shape, bias="random", sign=0, spread=1.0):
    lin = nn.Linear(in_f, out_f, bias=bias != "none")
    with torch.no_grad():
        lin.weight.copy_(torch.randn(out_f, in_f, generator=g) * spread / in_f ** 0.5)
        if bias == "zero":
            lin.bias.zero_()
        elif bias == "random":
            lin.bias.copy_(torch.randn(out_f, generator=g) * 0.1)
    x = torch.randn(*shape, generator=g) * 1.7
    if sign > 0:
        x = x.abs() + 0.05
    elif sign < 0:
        x = -x.abs() - 0.05
    q = quantized_linear(lin, per_channel)
    y = q(x)
    w, _, scales, zps = weight_params(q)
    x_scale, x_zp = torch._choose_qparams_per_tensor(x, True)
    return {"name": name, "qscheme": "per_channel" if per_channel else "per_tensor", "inFeatures": in_f,
            "outFeatures": out_f, "weight": floats(lin.weight.detach()),
            "bias": None if bias == "none" else floats(lin.bias.detach()), "qweight": ints(w.int_repr()),
            "wScales": scales, "wZeroPoints": zps, "inputShape": list(shape), "input": floats(x),
            "output": floats(y), "xScale": float(x_scale), "xZeroPoint": int(x_zp)}


def linear_cases(g):
    cases = []
    for per_channel in (False, True):
        p = "pc" if per_channel else "pt"
        cases += [
            linear_case(g, p + "_batch1", per_channel, 16, 8, (1, 16)),
            linear_case(g, p + "_2d", per_channel, 20, 7, (5, 20)),
            linear_case(g, p + "_3d", per_channel, 12, 6, (2, 3, 12)),
            linear_case(g, p + "_positive", per_channel, 24, 9, (4, 24), sign=1),
            linear_case(g, p + "_negative", per_channel, 24, 9, (4, 24), sign=-1),
            linear_case(g, p + "_zero_bias", per_channel, 10, 4, (3, 10), bias="zero"),
            linear_case(g, p + "_no_bias", per_channel, 10, 4, (3, 10), bias="none"),
            linear_case(g, p + "_wide", per_channel, 128, 17, (6, 128), spread=3.0),
        ]
    return cases


def qweight(w):
    if w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
        scales, zps = [float(v) for v in w.q_per_channel_scales().tolist()], ints(w.q_per_channel_zero_points())
    else:
        scales, zps = [float(w.q_scale())], [int(w.q_zero_point())]
    return {"q": ints(w.int_repr()), "scales": scales, "zeroPoints": zps}


def rnn_case(g, name, kind, per_channel, input_size, hidden, layers, batch_first, shape):
    cls = nn.LSTM if kind == "lstm" else nn.GRU
    layer = cls(input_size, hidden, layers, batch_first=batch_first)  # PyTorch quantizes only layers with bias
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.4)
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    q = quantize_dynamic(nn.Sequential(layer), {cls: qconfig}, dtype=torch.qint8)[0]
    x = torch.randn(*shape, generator=g)
    y, state = q(x)
    hn, cn = state if kind == "lstm" else (state, None)
    return {"name": name, "kind": kind, "qscheme": "per_channel" if per_channel else "per_tensor",
            "inputSize": input_size, "hiddenSize": hidden, "numLayers": layers, "batchFirst": batch_first,
            "params": {k: floats(v.detach()) for k, v in layer.named_parameters()},
            "qweights": {k: qweight(v) for k, v in q.get_weight().items()}, "inputShape": list(shape),
            "input": floats(x), "output": floats(y), "hn": floats(hn), "cn": None if cn is None else floats(cn)}


def rnn_cases(g):
    return [
        rnn_case(g, "lstm_1layer", "lstm", False, 6, 5, 1, False, (4, 3, 6)),
        rnn_case(g, "lstm_2layers_batch_first", "lstm", False, 6, 5, 2, True, (3, 4, 6)),
        rnn_case(g, "lstm_per_channel", "lstm", True, 7, 4, 2, False, (5, 2, 7)),
        rnn_case(g, "lstm_batch1", "lstm", False, 3, 4, 1, True, (1, 6, 3)),
        rnn_case(g, "gru_1layer_batch_first", "gru", False, 6, 5, 1, True, (3, 4, 6)),
        rnn_case(g, "gru_2layers", "gru", False, 6, 5, 2, False, (4, 3, 6)),
        rnn_case(g, "gru_per_channel", "gru", True, 5, 6, 1, False, (3, 2, 5)),
    ]


def state_dict_fixture(g, out_dir):
    spec = importlib.util.spec_from_file_location(
        "safetensors_fixture", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make_safetensors_fixture.py"))
    st = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(st)
    lin = nn.Linear(12, 5)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(5, 12, generator=g) * 0.4)
        lin.bias.copy_(torch.randn(5, generator=g) * 0.1)
    q = quantized_linear(lin, True)
    w, b, scales, zps = weight_params(q)
    tensors = {"weight": w.int_repr().contiguous(), "weight_scale": torch.tensor(scales, dtype=torch.float64),
               "weight_zero_point": torch.tensor(zps, dtype=torch.int64), "bias": b.detach().float()}
    st.save_file(tensors, os.path.join(out_dir, "quant_dynamic_linear.safetensors"), {"format": "pt"})
    x = torch.randn(7, 12, generator=g)
    y = q(x)
    with open(os.path.join(out_dir, "quant_dynamic_linear_state.json"), "w") as f:
        json.dump({"input": {"shape": list(x.shape), "data": floats(x)},
                   "output": {"shape": list(y.shape), "data": floats(y)}}, f)


def main():
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    g = torch.Generator().manual_seed(23)
    torch.manual_seed(23)
    data = {"torch": torch.__version__, "engine": torch.backends.quantized.engine, "linear": linear_cases(g)}
    with open(os.path.join(out_dir, "quant_dynamic_linear.json"), "w") as f:
        json.dump(data, f)
    state_dict_fixture(g, out_dir)
    rnn = {"torch": torch.__version__, "engine": torch.backends.quantized.engine, "rnn": rnn_cases(g)}
    with open(os.path.join(out_dir, "quant_dynamic_rnn.json"), "w") as f:
        json.dump(rnn, f)


if __name__ == "__main__":
    main()
