#!/usr/bin/python3
"""Writes PyTorch reference values for Nabla's recurrent layers (dev.nabla.nn.RecurrentParityTest).

Usage:  /usr/bin/python3 scripts/make_nn_fixtures.py src/test/resources/fixtures/nn

Writes rnn_float64.json and rnn_float32.json into the given directory. Each holds
    {"torch": <version>, "dtype": "float64"|"float32", "cases": [case, ...]}
and each case is
    {"name": str, "module": "RNN"|"LSTM"|"GRU", "input_size": int, "hidden_size": int, "num_layers": int,
     "bias": bool, "batch_first": bool, "nonlinearity": "tanh"|"relu",
     "params": {torch parameter name: tensor},
     "inputs": {"input": tensor, "h0": tensor, "c0": tensor},   # h0 / c0 only when the case passes them
     "outputs": {"output": tensor, "h": tensor, "c": tensor},   # c for LSTM only
     "gouts": {"output": tensor, "h": tensor, "c": tensor},     # upstream gradients, same keys as outputs
     "grads": {"input": tensor, "h0": tensor, "c0": tensor, <parameter name>: tensor}}
where a tensor is {"shape": [int, ...], "data": [number, ...]} in row-major order. The gradients are those of
    sum(output * gouts.output) + sum(h * gouts.h) [+ sum(c * gouts.c)].

Everything is deterministic: each case draws parameters, inputs, states and upstream gradients from a
torch.Generator seeded with a CRC of its name, in float64; the float32 file casts those same values and lets
PyTorch compute in float32. Floats are written with repr(), which round-trips exactly. Needs Debian's
python3-torch (the /usr/bin/python3 interpreter), not a pip/pyenv one.
"""
import json
import os
import sys
import zlib

import torch

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)

# name, module, input_size, hidden_size, num_layers, bias, batch_first, nonlinearity, with_states, steps, batch
# (batch None: an unbatched [T, in] input)
CASES = [
    ("rnn_tanh_seq_h0", "RNN", 3, 4, 2, True, False, "tanh", True, 5, 2),
    ("rnn_relu_batch_first", "RNN", 3, 4, 2, True, True, "relu", True, 4, 3),
    ("rnn_tanh_nobias_zero_state", "RNN", 3, 4, 2, False, False, "tanh", False, 5, 2),
    ("lstm_seq_h0_c0", "LSTM", 3, 4, 2, True, False, "tanh", True, 5, 2),
    ("lstm_batch_first_h0_c0", "LSTM", 3, 4, 2, True, True, "tanh", True, 4, 3),
    ("lstm_nobias_zero_state", "LSTM", 3, 4, 2, False, True, "tanh", False, 5, 2),
    ("lstm_unbatched", "LSTM", 3, 4, 2, True, False, "tanh", True, 6, None),
    ("gru_seq_h0", "GRU", 3, 4, 2, True, False, "tanh", True, 5, 2),
    ("gru_batch_first_h0", "GRU", 3, 4, 2, True, True, "tanh", True, 4, 3),
    ("gru_nobias_zero_state", "GRU", 3, 4, 2, False, False, "tanh", False, 5, 2),
    ("gru_unbatched", "GRU", 3, 4, 2, True, True, "tanh", True, 6, None),
]


def tensor_json(t):
    t = t.detach().contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def make(name, module, input_size, hidden_size, num_layers, bias, batch_first, nonlinearity, with_states,
         steps, batch):
    """Everything a case needs, drawn in float64."""
    g = torch.Generator().manual_seed(zlib.crc32(name.encode()))
    kwargs = dict(num_layers=num_layers, bias=bias, batch_first=batch_first)
    if module == "RNN":
        kwargs["nonlinearity"] = nonlinearity
    net = getattr(torch.nn, module)(input_size, hidden_size, **kwargs).double()
    k = 1.0 / hidden_size ** 0.5
    params = {}
    for pname, p in net.named_parameters():
        params[pname] = (torch.rand(p.shape, generator=g, dtype=torch.float64) * 2 - 1) * k
    if batch is None:
        x = torch.randn(steps, input_size, generator=g, dtype=torch.float64)
        state_shape = (num_layers, hidden_size)
    else:
        x = torch.randn(*((batch, steps) if batch_first else (steps, batch)), input_size, generator=g,
                        dtype=torch.float64)
        state_shape = (num_layers, batch, hidden_size)
    inputs = {"input": x}
    if with_states:
        inputs["h0"] = torch.randn(*state_shape, generator=g, dtype=torch.float64) * 0.5
        if module == "LSTM":
            inputs["c0"] = torch.randn(*state_shape, generator=g, dtype=torch.float64) * 0.5
    out_shape = x.shape[:-1] + (hidden_size,)
    gouts = {"output": torch.randn(*out_shape, generator=g, dtype=torch.float64),
             "h": torch.randn(*state_shape, generator=g, dtype=torch.float64)}
    if module == "LSTM":
        gouts["c"] = torch.randn(*state_shape, generator=g, dtype=torch.float64)
    return net, params, inputs, gouts


def run(spec, dtype):
    name, module = spec[0], spec[1]
    net, params, inputs, gouts = make(*spec)
    net = net.to(dtype)
    with torch.no_grad():
        for pname, p in net.named_parameters():
            p.copy_(params[pname])
    ins = {k: v.to(dtype).requires_grad_(True) for k, v in inputs.items()}
    gs = {k: v.to(dtype) for k, v in gouts.items()}
    if module == "LSTM":
        state = (ins["h0"], ins["c0"]) if "h0" in ins else None
        output, (h, c) = net(ins["input"], state)
        outs = {"output": output, "h": h, "c": c}
    else:
        output, h = net(ins["input"], ins.get("h0"))
        outs = {"output": output, "h": h}
    loss = sum((outs[k] * gs[k]).sum() for k in outs)
    loss.backward()
    grads = {k: v.grad for k, v in ins.items()}
    grads.update({pname: p.grad for pname, p in net.named_parameters()})
    (_, _, input_size, hidden_size, num_layers, bias, batch_first, nonlinearity) = spec[:8]
    return {
        "name": name, "module": module, "input_size": input_size, "hidden_size": hidden_size,
        "num_layers": num_layers, "bias": bias, "batch_first": batch_first, "nonlinearity": nonlinearity,
        "params": {k: tensor_json(p.detach()) for k, p in net.named_parameters()},
        "inputs": {k: tensor_json(v) for k, v in ins.items()},
        "outputs": {k: tensor_json(v) for k, v in outs.items()},
        "gouts": {k: tensor_json(v) for k, v in gs.items()},
        "grads": {k: tensor_json(v) for k, v in grads.items()},
    }


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/nn"
    os.makedirs(out_dir, exist_ok=True)
    for dtype, label in ((torch.float64, "float64"), (torch.float32, "float32")):
        cases = [run(spec, dtype) for spec in CASES]
        path = os.path.join(out_dir, "rnn_%s.json" % label)
        with open(path, "w") as f:
            f.write('{"torch":%s,"dtype":"%s","cases":[\n' % (json.dumps(torch.__version__), label))
            f.write(",\n".join(json.dumps(c, allow_nan=False, separators=(",", ":")) for c in cases))
            f.write("\n]}\n")
        print("wrote", path, len(cases), "cases")


if __name__ == "__main__":
    main()
