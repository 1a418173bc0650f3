"""PyTorch reference values for Nabla's dtypes: type promotion and conversions.

Writes promotion.json (torch.promote_types for every pair of dtypes, torch.result_type for tensor/0-d tensor/scalar
operands) and conversions.json (values converted between dtypes, with bfloat16/float16 bit patterns) into the
directory given as the first argument. Run by `make fixtures` with Debian's python3-torch.
"""
import json
import math
import os
import sys

import torch

DTYPES = {
    "float32": torch.float32, "float64": torch.float64, "bfloat16": torch.bfloat16, "float16": torch.float16,
    "int64": torch.int64, "int32": torch.int32, "int16": torch.int16, "int8": torch.int8, "uint8": torch.uint8,
    "bool": torch.bool,
}
NAME = {v: k for k, v in DTYPES.items()}


def one(dtype, dim):
    t = torch.ones((2,) if dim else (), dtype=dtype)
    return t


def promotion():
    promote = []
    result = []
    for a, da in DTYPES.items():
        for b, db in DTYPES.items():
            promote.append([a, b, NAME[torch.promote_types(da, db)]])
            result.append({"a": a, "aDim": True, "b": b, "bDim": False,
                           "result": NAME[torch.result_type(one(da, True), one(db, False))]})
            result.append({"a": a, "aDim": False, "b": b, "bDim": False,
                           "result": NAME[torch.result_type(one(da, False), one(db, False))]})
    scalars = []
    for a, da in DTYPES.items():
        for dim in (True, False):
            scalars.append({"a": a, "aDim": dim, "scalar": "float",
                            "result": NAME[torch.result_type(one(da, dim), 2.5)]})
            scalars.append({"a": a, "aDim": dim, "scalar": "int",
                            "result": NAME[torch.result_type(one(da, dim), 2)]})
    return {"promoteTypes": promote, "resultType": result, "scalarResultType": scalars}


def encode(x):
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def conversions():
    floats = [0.0, -0.0, 1.0, -1.5, 2.5, 3.5, -2.5, 0.1, 1.0 / 3, 255.0, 256.0, 257.0, 300.7, -129.9, 65504.0,
              65520.0, 1e-8, 6e-8, 1e-5, 3.0e38, 1e39, float("inf"), float("-inf"), float("nan"),
              1.00390625, 1.005859375, 1.0078125, 33554432.5, 123456.789]
    ints = [0, 1, -1, 127, 128, 255, 256, -128, -129, 32767, 32768, 65535, 2147483647, 2147483648,
            -2147483649, 9007199254740993, -9007199254740993, 16777217]
    cases = []
    for src_name, values in (("float64", floats), ("int64", ints)):
        src = torch.tensor(values, dtype=DTYPES[src_name])
        for dst_name, dst in DTYPES.items():
            if dst_name == src_name:
                continue
            if src_name == "float64" and dst_name in ("int64", "int32", "int16", "int8", "uint8"):
                keep = [v for v in values if math.isfinite(v) and abs(v) < 2 ** 31]  # C leaves the rest undefined
                s = torch.tensor(keep, dtype=torch.float64)
            else:
                keep = values
                s = src
            out = s.to(dst)
            case = {"from": src_name, "to": dst_name, "input": [encode(v) for v in keep]}
            if dst_name in ("bfloat16", "float16"):
                case["bits"] = [int(v) & 0xFFFF for v in out.view(torch.int16).tolist()]
            if dst.is_floating_point:
                case["output"] = [encode(v) for v in out.double().tolist()]
            elif dst == torch.bool:
                case["output"] = [bool(v) for v in out.tolist()]
            else:
                case["output"] = [int(v) for v in out.tolist()]
            cases.append(case)
    # float32 -> bfloat16/float16 directly, the rounding a float32 result sees
    f32 = torch.tensor(floats, dtype=torch.float32)
    for dst_name in ("bfloat16", "float16"):
        out = f32.to(DTYPES[dst_name])
        cases.append({"from": "float32", "to": dst_name, "input": [encode(v) for v in f32.double().tolist()],
                      "bits": [int(v) & 0xFFFF for v in out.view(torch.int16).tolist()],
                      "output": [encode(v) for v in out.double().tolist()]})
    return {"cases": cases}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "promotion.json"), "w") as f:
        json.dump(promotion(), f, indent=0)
    with open(os.path.join(out, "conversions.json"), "w") as f:
        json.dump(conversions(), f, indent=0)
    print("dtype fixtures written to", out, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
