"""PyTorch reference values for bfloat16/float16 ops and autocast (CPU, bfloat16).

Writes reduced_ops.json (element-wise ops, reductions, matmul and softmax on bfloat16 and float16 inputs) and
autocast.json (a two-layer MLP's forward, loss and float32 gradients under torch.autocast("cpu", torch.bfloat16))
into the directory given as the first argument. Run by `make fixtures` with Debian's python3-torch.
"""
import json
import os
import sys

import torch


def values(t):
    return t.double().flatten().tolist()


def reduced_ops():
    g = torch.Generator().manual_seed(7)
    cases = []
    for name, dtype in (("bfloat16", torch.bfloat16), ("float16", torch.float16)):
        a = (torch.randn(6, 5, generator=g) * 2).to(dtype)
        b = (torch.randn(6, 5, generator=g) * 2).to(dtype)
        m = torch.randn(5, 7, generator=g).to(dtype)
        row = torch.randn(5, generator=g).to(dtype)
        big = (torch.rand(4096, generator=g) + 0.5).to(dtype)
        candidates = {
            "add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b,
            "add_row": lambda: a + row, "exp": lambda: torch.exp(a / 4), "tanh": lambda: torch.tanh(a),
            "sigmoid": lambda: torch.sigmoid(a), "relu": lambda: torch.relu(a), "sqrt": lambda: torch.sqrt(a.abs()),
            "neg": lambda: -a, "mul_scalar": lambda: a * 0.3, "sum_dim1": lambda: a.sum(1),
            "mean_dim0": lambda: a.mean(0), "max_dim1": lambda: a.max(1).values, "sum_big": lambda: big.sum(),
            # float32 accumulation, rounded once: what PyTorch's oneDNN path and its 2.x CPU GEMM compute. Debian's
            # torch 1.13 without MKL sums a @ m in bfloat16, rounding every partial sum (5 ulps off here).
            "matmul": lambda: (a.float() @ m.float()).to(dtype), "softmax": lambda: torch.softmax(a, 1),
            # float32 then rounded once, as Nabla computes it: torch 1.13's bfloat16 log_softmax rounds its
            # intermediates to bfloat16 (up to 4 ulps away from the float32 result here)
            "log_softmax": lambda: torch.log_softmax(a.float(), 1).to(dtype),
        }
        ops = {}
        for k, f in candidates.items():
            try:
                ops[k] = f()
            except RuntimeError:
                pass  # torch 1.13 has no CPU float16 kernel for some ops
        cases.append({"dtype": name, "a": values(a), "b": values(b), "m": values(m), "row": values(row),
                      "big": values(big),
                      "ops": {k: {"shape": list(v.shape), "dtype": str(v.dtype)[6:], "values": values(v)}
                              for k, v in ops.items()}})
    return {"cases": cases}


def autocast_mlp():
    g = torch.Generator().manual_seed(11)
    x = torch.randn(8, 12, generator=g)
    y = torch.randint(0, 3, (8,), generator=g)
    w1 = (torch.randn(16, 12, generator=g) * 0.3).requires_grad_()
    b1 = (torch.randn(16, generator=g) * 0.1).requires_grad_()
    w2 = (torch.randn(3, 16, generator=g) * 0.3).requires_grad_()
    b2 = (torch.randn(3, generator=g) * 0.1).requires_grad_()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = torch.relu(torch.nn.functional.linear(x, w1, b1))
        logits = torch.nn.functional.linear(h, w2, b2)
        loss = torch.nn.functional.cross_entropy(logits, y)
    loss.backward()
    return {"x": values(x), "y": y.tolist(), "w1": values(w1), "b1": values(b1), "w2": values(w2),
            "b2": values(b2), "hiddenDtype": str(h.dtype)[6:], "logitsDtype": str(logits.dtype)[6:],
            "lossDtype": str(loss.dtype)[6:], "logits": values(logits), "loss": loss.item(),
            "gw1": values(w1.grad), "gb1": values(b1.grad), "gw2": values(w2.grad), "gb2": values(b2.grad)}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "reduced_ops.json"), "w") as f:
        json.dump(reduced_ops(), f)
    with open(os.path.join(out, "autocast.json"), "w") as f:
        json.dump(autocast_mlp(), f)
    print("reduced-precision fixtures written to", out, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
