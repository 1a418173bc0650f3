#!/usr/bin/python3
"""Writes PyTorch 1.13 references for Nabla's attention modules (dev.nabla.nn.TransformerModulesTest).

Usage:  /usr/bin/python3 scripts/make_transformer_fixtures.py src/test/resources/fixtures/nn

For each case: the module's state dict (float64, every parameter set from a seeded generator) as
transformer_<name>.safetensors (written by make_safetensors_fixture.save_file), and in transformers.json
{"name", "kind", "config": {...}, "inputs": {name: tensor}, "out": tensor, "weights": tensor or null,
 "gout": tensor, "grads": {parameter name: tensor}, "grad_x": tensor}
where a tensor is {"shape", "data"} row-major (bool masks as 0/1), modules run in eval mode with dropout 0, and the
gradients are those of sum(out * gout) with respect to the parameters and the first input. RMSNorm (not in 1.13)
is its definition x * rsqrt(mean(x^2) + eps) * weight.
"""
import json
import math
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_safetensors_fixture import save_file  # noqa: E402


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().flatten().tolist()]}


def randomize(module, g):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.4)


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d, dtype=torch.float64))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def causal(n):
    return torch.ones(n, n, dtype=torch.bool).triu(1)


def case(out_dir, name, kind, config, module, inputs, run, seed):
    g = torch.Generator().manual_seed(seed)
    module = module.double().eval()
    randomize(module, g)
    x = inputs[next(iter(inputs))]
    x.requires_grad_(True)
    out, weights = run(module, inputs)
    gout = torch.randn(out.shape, generator=g, dtype=torch.float64)
    (out * gout).sum().backward()
    save_file({k: v.detach().contiguous() for k, v in module.state_dict().items()},
              os.path.join(out_dir, "transformer_" + name + ".safetensors"))
    return {"name": name, "kind": kind, "config": config,
            "inputs": {k: tensor(v.to(torch.float64) if v.dtype == torch.bool else v) for k, v in inputs.items()},
            "out": tensor(out), "weights": None if weights is None else tensor(weights), "gout": tensor(gout),
            "grads": {k: tensor(p.grad) for k, p in module.named_parameters()}, "grad_x": tensor(x.grad)}


def randn(g, *shape):
    return torch.randn(*shape, generator=g, dtype=torch.float64)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    g = torch.Generator().manual_seed(100)
    kpm = torch.tensor([[False] * 6, [False, False, False, False, True, True]])
    cases = [
        case(out, "mha", "mha", {"embed": 8, "heads": 2, "batch_first": False},
             nn.MultiheadAttention(8, 2),
             {"query": randn(g, 5, 2, 8), "key": randn(g, 6, 2, 8), "value": randn(g, 6, 2, 8),
              "key_padding_mask": kpm, "attn_mask": randn(g, 5, 6)},
             lambda m, i: m(i["query"], i["key"], i["value"], key_padding_mask=i["key_padding_mask"],
                            attn_mask=i["attn_mask"], need_weights=True), 1),
        case(out, "encoder_post_relu", "encoder",
             {"d_model": 8, "nhead": 2, "ff": 16, "activation": "relu", "eps": 1e-5, "batch_first": True,
              "norm_first": False},
             nn.TransformerEncoderLayer(8, 2, 16, 0.0, "relu", 1e-5, batch_first=True),
             {"src": randn(g, 2, 6, 8), "src_key_padding_mask": kpm},
             lambda m, i: (m(i["src"], src_key_padding_mask=i["src_key_padding_mask"]), None), 2),
        case(out, "encoder_pre_gelu", "encoder",
             {"d_model": 8, "nhead": 4, "ff": 12, "activation": "gelu", "eps": 1e-6, "batch_first": False,
              "norm_first": True},
             nn.TransformerEncoderLayer(8, 4, 12, 0.0, "gelu", 1e-6, norm_first=True),
             {"src": randn(g, 5, 2, 8), "src_mask": causal(5)},
             lambda m, i: (m(i["src"], src_mask=i["src_mask"]), None), 3),
        case(out, "encoder_stack", "stack",
             {"d_model": 8, "nhead": 2, "ff": 16, "activation": "relu", "eps": 1e-5, "batch_first": True,
              "norm_first": False, "layers": 2},
             nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2,
                                   nn.LayerNorm(8)),
             {"src": randn(g, 2, 4, 8)},
             lambda m, i: (m(i["src"]), None), 4),
        case(out, "decoder", "decoder",
             {"d_model": 8, "nhead": 2, "ff": 16, "activation": "relu", "eps": 1e-5, "batch_first": True,
              "norm_first": False},
             nn.TransformerDecoderLayer(8, 2, 16, 0.0, batch_first=True),
             {"tgt": randn(g, 2, 4, 8), "memory": randn(g, 2, 5, 8), "tgt_mask": causal(4)},
             lambda m, i: (m(i["tgt"], i["memory"], tgt_mask=i["tgt_mask"]), None), 5),
        case(out, "rmsnorm", "rmsnorm", {"d": 8, "eps": 1e-6}, RMSNorm(8, 1e-6), {"x": randn(g, 3, 8)},
             lambda m, i: (m(i["x"]), None), 6),
    ]
    with open(os.path.join(out, "transformers.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
