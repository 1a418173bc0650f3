#!/usr/bin/env python3
"""Writes fixtures/dtype/int_ops.json: PyTorch's results for the integer and bool element-wise ops, comparisons to
bool, logical ops, where/masked_fill, integer reductions and the printed form of integer, bool and 16-bit float
tensors. Values are strings (exact for int64; NaN/Infinity spelled as Java parses them); bools are 0/1.
Usage: python3 make_int_fixtures.py OUTPUT_DIR (make fixtures)."""
import json
import math
import os
import sys

import torch

INTS = {
    "int64": [-2**63, -7, -1, 0, 1, 5, 2**63 - 1],
    "int32": [-2**31, -7, -1, 0, 1, 5, 2**31 - 1],
    "int16": [-2**15, -7, -1, 0, 1, 5, 2**15 - 1],
    "int8": [-128, -7, -1, 0, 1, 5, 127],
    "uint8": [0, 1, 5, 7, 128, 200, 255],
}
DIVISORS = {
    "int64": [3, -3, 7, -2, 2, -7, 3],
    "int32": [3, -3, 7, -2, 2, -7, 3],
    "int16": [3, -3, 7, -2, 2, -7, 3],
    "int8": [3, -3, 7, -2, 2, -7, 3],
    "uint8": [3, 2, 7, 3, 5, 9, 254],
}
# Shift amounts: for int8/int16 (promoted to C int) a negative amount or one past the width is well defined in
# torch 1.13 and agrees with torch 2's rule (0, or the sign); for int32/int64 it is C undefined behaviour, so
# only amounts inside the width are compared.
SHIFTS = {"narrow": [0, 1, 3, 7, -1, 8, 12], "int32": [0, 1, 3, 7, 13, 8, 31], "int64": [0, 1, 3, 7, 31, 8, 63]}


def enc(t):
    out = []
    for v in t.flatten().tolist():
        if isinstance(v, bool):
            out.append(str(int(v)))
        elif isinstance(v, float):
            out.append("NaN" if math.isnan(v) else "Infinity" if v == math.inf else "-Infinity" if v == -math.inf
                       else repr(v))
        else:
            out.append(str(v))
    return out


def dt(name):
    return getattr(torch, name)


def tensor(values, dtype):
    return torch.tensor(values, dtype=dt(dtype))


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "floorDivide": lambda a, b: torch.div(a, b, rounding_mode="floor"),
    "divTrunc": lambda a, b: torch.div(a, b, rounding_mode="trunc"),
    "remainder": torch.remainder,
    "bitwiseAnd": torch.bitwise_and,
    "bitwiseOr": torch.bitwise_or,
    "bitwiseXor": torch.bitwise_xor,
    "bitwiseLeftShift": lambda a, b: a << b,
    "bitwiseRightShift": lambda a, b: a >> b,
    "eq": torch.eq, "ne": torch.ne, "gt": torch.gt, "ge": torch.ge, "lt": torch.lt, "le": torch.le,
    "logicalAnd": torch.logical_and, "logicalOr": torch.logical_or, "logicalXor": torch.logical_xor,
}
UNARY = {
    "neg": torch.neg, "abs": torch.abs, "sign": torch.sign, "square": torch.square, "relu": torch.relu,
    "bitwiseNot": torch.bitwise_not, "logicalNot": torch.logical_not,
    "clamp": lambda a: torch.clamp(a, -5, 100),
    "sum": torch.sum, "max": torch.max, "min": torch.min, "all": torch.all, "any": torch.any,
    "sumDim0": lambda a: a.reshape(-1, 1).sum(0), "addLong": lambda a: a + 300, "mulLong": lambda a: a * 3,
    "subLong": lambda a: a - 2, "floorDivideLong": lambda a: a // -3, "remainderLong": lambda a: a % -3,
}


def binary_case(op, da, a, db, b):
    ta, tb = tensor(a, da), tensor(b, db)
    r = BINARY[op](ta, tb)
    return {"op": op, "a": enc(ta), "aDtype": da, "b": enc(tb), "bDtype": db, "out": enc(r),
            "outDtype": str(r.dtype).replace("torch.", "")}


def unary_case(op, da, a):
    ta = tensor(a, da)
    r = UNARY[op](ta)
    return {"op": op, "a": enc(ta), "aDtype": da, "out": enc(r), "outDtype": str(r.dtype).replace("torch.", ""),
            "outShape": list(r.shape)}


def more_formats():
    """Printing cases beyond the basics: summarised and wrapped integer/bool tensors, every integer dtype's suffix,
    int64 values a double cannot hold, and 16-bit floats in each of PyTorch's notations."""
    return [torch.tensor([[-3, 40], [5, -600]], dtype=torch.int32), torch.tensor([0, 0]),
            torch.tensor([2**53 + 1, -(2**53 + 3)]), torch.arange(40), torch.arange(1100) - 550,
            (torch.arange(1200) % 256).to(torch.uint8).reshape(600, 2), torch.tensor([[True, False, True],
            [False, True, True]]), torch.arange(1010) % 3 == 0, torch.tensor([-128, 127], dtype=torch.int8),
            torch.arange(-3, 3, dtype=torch.int16).reshape(2, 1, 3), torch.zeros(0, 2, dtype=torch.int64),
            torch.zeros(2, 0, dtype=torch.bool), torch.tensor([1.0, 2.0], dtype=torch.float16),
            torch.tensor([0.1, 3.3], dtype=torch.bfloat16), torch.tensor([1e-5, 1.0], dtype=torch.float16),
            torch.tensor([float("nan"), -float("inf"), 2.5], dtype=torch.bfloat16),
            torch.tensor(-0.5, dtype=torch.bfloat16), torch.tensor([65504.0, 1.0], dtype=torch.float16),
            torch.zeros(0, 3, dtype=torch.bfloat16)]


def main(out_dir):
    binary, unary = [], []
    for d, vals in INTS.items():
        for op in ["add", "sub", "mul", "maximum", "minimum", "bitwiseAnd", "bitwiseOr", "bitwiseXor",
                   "eq", "ne", "gt", "ge", "lt", "le", "logicalAnd", "logicalOr", "logicalXor"]:
            binary.append(binary_case(op, d, vals, d, list(reversed(vals))))
        for op in ["floorDivide", "divTrunc", "remainder"]:
            binary.append(binary_case(op, d, vals, d, DIVISORS[d]))
        shifts = [s for s in SHIFTS.get(d, SHIFTS["narrow"]) if d != "uint8" or s >= 0]
        for op in ["bitwiseLeftShift", "bitwiseRightShift"]:
            binary.append(binary_case(op, d, vals[:len(shifts)], d, shifts))
        for op in ["neg", "abs", "sign", "square", "relu", "bitwiseNot", "logicalNot", "clamp", "sum", "max",
                   "min", "all", "any", "sumDim0", "addLong", "mulLong", "subLong", "floorDivideLong",
                   "remainderLong"]:
            unary.append(unary_case(op, d, vals))
    bools = [True, False, True, False]
    for op in ["add", "mul", "maximum", "minimum", "bitwiseAnd", "bitwiseOr", "bitwiseXor", "eq", "ne", "gt", "ge",
               "lt", "le", "logicalAnd", "logicalOr", "logicalXor"]:
        binary.append(binary_case(op, "bool", bools, "bool", [True, True, False, False]))
    for op in ["bitwiseNot", "logicalNot", "sum", "max", "min", "all", "any", "addLong"]:
        unary.append(unary_case(op, "bool", bools))
    floats = [5.0, -5.5, 7.25, -0.0, 3.0, 1e30, float("inf")]
    fdiv = [-2.0, 2.0, 0.0, 3.0, -0.7, 3.0, 2.0]
    for d in ["float32", "float64"]:
        for op in ["floorDivide", "divTrunc", "remainder"]:
            binary.append(binary_case(op, d, floats, d, fdiv))
        nan = [1.0, float("nan"), 2.0, float("nan")]
        for op in ["eq", "ne", "gt", "ge", "lt", "le"]:
            binary.append(binary_case(op, d, nan, d, [1.0, 1.0, float("nan"), float("nan")]))
    # promotion across dtypes
    for da, db in [("int8", "int32"), ("uint8", "int8"), ("bool", "int16"), ("int64", "float32"),
                   ("uint8", "float64")]:
        for op in ["add", "mul", "maximum", "eq", "lt", "floorDivide", "remainder"]:
            binary.append(binary_case(op, da, [1, 0, 1, 1] if da == "bool" else [3, 0, 9, 100], db, [2, 5, 1, 3]))
    cond = [True, False, True, False]
    where = {"cond": enc(torch.tensor(cond)), "a": ["1", "2", "3", "4"], "aDtype": "int8", "b": ["10", "20", "30", "40"],
             "bDtype": "int32", "out": enc(torch.where(torch.tensor(cond), tensor([1, 2, 3, 4], "int8"),
                                                     tensor([10, 20, 30, 40], "int32"))),
             "maskedFill": enc(tensor([2**62, 2, 3, 4], "int64").masked_fill(torch.tensor(cond), 2**62 + 1))}
    formats = []
    for t in [torch.tensor([1, 2, 3]), torch.tensor([1, 2], dtype=torch.int32), torch.tensor([-1, 20, 300],
              dtype=torch.int16), torch.tensor([1, 200], dtype=torch.uint8), torch.tensor([-5], dtype=torch.int8),
              torch.tensor([True, False]), torch.tensor(True), torch.tensor(5), torch.tensor([], dtype=torch.int64),
              torch.tensor([[1, -20], [300, 4]]), torch.tensor([2**63 - 1, -2**63]),
              torch.tensor([1.5, 2.0], dtype=torch.bfloat16), torch.tensor([1.5, -2.25, 1000.0], dtype=torch.float16),
              torch.tensor([[True], [False]]), torch.tensor([], dtype=torch.bool), torch.tensor([], dtype=torch.int32),
              torch.tensor(7, dtype=torch.int32)] + more_formats():
        formats.append({"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "values": enc(t),
                        "text": repr(t)})
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "int_ops.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "binary": binary, "unary": unary, "where": where,
                   "format": formats}, f, indent=0)
    print("wrote", path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/dtype")
