#!/usr/bin/python3
"""Cross-framework safetensors fixtures for Nabla's checkpoint tests (src/test/java/dev/nabla/io/TorchInteropTest).

Usage:
    /usr/bin/python3 scripts/make_safetensors_fixture.py [OUT_DIR]
        (default OUT_DIR: src/test/resources/fixtures/io) writes
        torch_mlp.safetensors  the state_dict of a seeded nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
                               (float32, keys 0.weight, 0.bias, 2.weight, 2.bias; metadata {"format": "pt"})
        torch_mlp.json         {"torch": version, "input": tensor [5, 4], "output": tensor [5, 3]}: the model's
                               output for a fixed input; a tensor is {"shape": [...], "data": [...]} (row-major)
        torch_bn.safetensors   the same with a BatchNorm1d: nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8),
                               nn.ReLU(), nn.Linear(8, 3)) after three training-mode forward passes (so the running
                               statistics are not the initial ones; num_batches_tracked is an I64 0-d tensor, 3)
        torch_bn.json          its output in eval mode for the same fixed input
        all_dtypes.safetensors one tensor of each safetensors dtype Nabla has (F64, F32, BF16, F16, I64, I32, I16,
                               I8, U8, BOOL), named by its code, with edge values: NaN, +-inf, -0.0, the smallest
                               subnormal and the largest finite value for floats, min/max for integers
        all_dtypes.json        {"torch": version, "tensors": {code: {"dtype": torch name, "shape": [...],
                               "bits": [...]}}}: each element's bit pattern as an unsigned integer (floats) or its
                               value (integers, bool as 0/1), row-major
    /usr/bin/python3 scripts/make_safetensors_fixture.py --verify FILE.safetensors FILE.json
        checks a file written by Nabla (Checkpoint.saveModel): that it follows the format strictly, that it loads
        into the same PyTorch model with load_state_dict(strict=True), and that the model's output for the JSON's
        "input" matches its "output" (Nabla's) within float32 tolerance. Prints the verdict; exit status 0 if
        it holds.

Debian has no python3-safetensors, so the format is implemented here from its specification
(https://github.com/huggingface/safetensors): an 8-byte little-endian unsigned header size N, N bytes of UTF-8
JSON {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, "__metadata__": {str: str}}
(padded with spaces to a multiple of 8 bytes), then the tensors' bytes, little-endian, row-major, offsets
relative to the end of the header, covering the data region exactly. Deterministic: running it again gives
byte-identical files. Needs Debian's python3-torch (/usr/bin/python3), not a pyenv python3 without torch.
"""
import json
import os
import struct
import sys

import torch
import torch.nn as nn

DTYPES = {"F64": torch.float64, "F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
          "BOOL": torch.bool}
# float dtype -> the signed integer dtype of the same width, to read bit patterns (numpy has no bfloat16)
BITS = {torch.float64: torch.int64, torch.float32: torch.int32, torch.bfloat16: torch.int16,
        torch.float16: torch.int16}
CODES = {v: k for k, v in DTYPES.items()}


def save_file(tensors, path, metadata=None):
    """safetensors.torch.save_file: tensors in name order, header padded with spaces to 8 bytes."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = dict(metadata)
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.view(BITS[t.dtype]) if t.dtype == torch.bfloat16 else t
        data = raw.numpy().astype(raw.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))


def load_file(path):
    """safetensors.torch.load_file with the format's checks; returns (tensors, metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: {len(raw)} bytes, no header size")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8 or n > 100 << 20:
        raise ValueError(f"{path}: header size {n} does not fit the file of {len(raw)} bytes")
    text = raw[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError(f"{path}: header does not start with '{{'")
    header = json.loads(text)
    metadata = header.pop("__metadata__", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise ValueError(f"{path}: __metadata__ must map strings to strings")
    data, tensors, end = raw[8 + n:], {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, stop = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        numel = 1
        for s in info["shape"]:
            numel *= s
        if begin != end or stop - begin != numel * torch.empty((), dtype=dtype).element_size():
            raise ValueError(f"{path}: tensor {name} has offsets [{begin}, {stop}] after byte {end}")
        end = stop
        buf = bytearray(data[begin:stop])
        t = torch.frombuffer(buf, dtype=dtype) if buf else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(info["shape"]).clone()
    if end != len(data):
        raise ValueError(f"{path}: {len(data) - end} bytes after the last tensor")
    return tensors, metadata


def model():
    torch.manual_seed(20240607)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def bn_model():
    torch.manual_seed(20240608)
    m = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    g = torch.Generator().manual_seed(8)
    with torch.no_grad():
        for _ in range(3):
            m(torch.randn(16, 4, generator=g) * 2 + 0.5)
    return m.eval()


def fixed_input():
    g = torch.Generator().manual_seed(7)
    return torch.randn(5, 4, generator=g)


def tensor_json(t):
    t = t.detach().to(torch.float64).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def from_json(d, dtype=torch.float32):
    return torch.tensor(d["data"], dtype=torch.float64).reshape(d["shape"]).to(dtype)


def all_dtypes():
    """One tensor per dtype with its edge values, keyed by safetensors code."""
    inf, nan = float("inf"), float("nan")
    out = {}
    for code, dt in DTYPES.items():
        if dt.is_floating_point:
            fi = torch.finfo(dt)
            tiny = fi.tiny * fi.eps  # the smallest subnormal
            vals = [nan, inf, -inf, -0.0, tiny, fi.max, -fi.max, 0.1, 1.0]
            out[code] = torch.tensor(vals, dtype=torch.float64).to(dt)
        elif dt == torch.bool:
            out[code] = torch.tensor([True, False, True, True], dtype=dt)
        else:
            ii = torch.iinfo(dt)
            out[code] = torch.tensor([ii.min, ii.max, 0, 1, ii.max - 1, ii.min + 1], dtype=dt)
    out["F32"] = out["F32"].reshape(3, 3)  # a 2-D and a 3-D one too
    out["I16"] = out["I16"].reshape(2, 1, 3)
    return out


def bits_json(t):
    flat = t.contiguous().reshape(-1)
    if t.dtype.is_floating_point:
        width = torch.finfo(t.dtype).bits
        vals = [v % (1 << width) for v in flat.view(BITS[t.dtype]).tolist()]
    else:
        vals = [int(v) for v in flat.tolist()]
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape), "bits": vals}


def write(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    m = model()
    x = fixed_input()
    with torch.no_grad():
        y = m(x)
    path = os.path.join(out_dir, "torch_mlp.safetensors")
    save_file(m.state_dict(), path, {"format": "pt"})
    back, meta = load_file(path)
    assert meta == {"format": "pt"} and all(torch.equal(back[k], v) for k, v in m.state_dict().items())
    with open(os.path.join(out_dir, "torch_mlp.json"), "w") as f:
        json.dump({"torch": torch.__version__.split("+")[0], "input": tensor_json(x), "output": tensor_json(y)},
                  f, indent=1)
        f.write("\n")
    bn = bn_model()
    with torch.no_grad():
        y = bn(x)
    save_file(bn.state_dict(), os.path.join(out_dir, "torch_bn.safetensors"), {"format": "pt"})
    with open(os.path.join(out_dir, "torch_bn.json"), "w") as f:
        json.dump({"torch": torch.__version__.split("+")[0], "input": tensor_json(x), "output": tensor_json(y)},
                  f, indent=1)
        f.write("\n")
    tensors = all_dtypes()
    path = os.path.join(out_dir, "all_dtypes.safetensors")
    save_file(tensors, path)
    back, _ = load_file(path)
    assert all(torch.equal(back[k].view(BITS.get(v.dtype, v.dtype)), v.view(BITS.get(v.dtype, v.dtype)))
               for k, v in tensors.items())
    with open(os.path.join(out_dir, "all_dtypes.json"), "w") as f:
        json.dump({"torch": torch.__version__.split("+")[0],
                   "tensors": {k: bits_json(v) for k, v in sorted(tensors.items())}}, f, indent=1)
        f.write("\n")
    print(f"wrote torch_mlp.*, torch_bn.* and all_dtypes.* into {out_dir}")


def verify(st_path, json_path):
    tensors, meta = load_file(st_path)
    with open(json_path) as f:
        fx = json.load(f)
    m = model()
    m.load_state_dict(tensors, strict=True)
    with torch.no_grad():
        y = m(from_json(fx["input"])).to(torch.float64)
    want = from_json(fx["output"], torch.float64)
    err = ((y - want).abs() / want.abs().clamp(min=1e-3)).max().item()
    dtypes = sorted({CODES[t.dtype] for t in tensors.values()})
    ok = err <= 1e-6
    print(f"{'OK' if ok else 'MISMATCH'}: {st_path} ({len(tensors)} tensors {sorted(tensors)}, dtypes {dtypes}, "
          f"metadata {meta}) loads into torch {torch.__version__} strictly; largest relative output difference "
          f"{err:.3g} (tolerance 1e-6)")
    return ok


if __name__ == "__main__":
    torch.set_num_threads(1)
    if len(sys.argv) >= 2 and sys.argv[1] == "--verify":
        if len(sys.argv) != 4:
            sys.exit(__doc__)
        sys.exit(0 if verify(sys.argv[2], sys.argv[3]) else 1)
    write(sys.argv[1] if len(sys.argv) > 1 else "src/test/resources/fixtures/io")
