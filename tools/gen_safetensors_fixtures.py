#!/usr/bin/env python3
"""safetensors fixtures for tests/serialize/safetensors_test.cpp, and a checker for files ember writes.

The `safetensors` package is not available on Debian, so the format is written here by hand from
its specification, the way the reference (Rust) implementation writes it: entries sorted by dtype
alignment (descending, the reference enum order) then name, `__metadata__` first, compact JSON,
header padded with spaces to a multiple of 8. Tensor bytes come from PyTorch.

  python3 tools/gen_safetensors_fixtures.py                 # (re)writes tests/serialize/fixtures/
  python3 tools/gen_safetensors_fixtures.py --check FILE [--expect NAME] [--check FILE ...]
      strictly validates FILE and loads every tensor with PyTorch; with --expect, FILE must hold
      exactly the tensors and metadata of fixture NAME and, for fixtures in the reference layout,
      be byte-identical to how the reference implementation writes them. Exit status 0 when all
      holds. Exit status 77 when torch cannot be imported.
"""
import json
import math
import os
import struct
import sys

try:
    import torch
except ImportError:
    print("SKIP: torch is not importable")
    sys.exit(77)

# name -> (torch dtype, alignment rank in the reference enum)
DTYPES = {
    "BOOL": (torch.bool, 0), "U8": (torch.uint8, 4), "I8": (torch.int8, 5),
    "I16": (torch.int16, 9), "F16": (torch.float16, 11), "BF16": (torch.bfloat16, 12),
    "I32": (torch.int32, 13), "F32": (torch.float32, 15), "F64": (torch.float64, 17),
    "I64": (torch.int64, 18),
}
NAME_OF = {v[0]: k for k, v in DTYPES.items()}
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "serialize", "fixtures")


def values(dtype, shape):
    """Deterministic contents, mirrored by `expected_values` in the C++ test."""
    n = math.prod(shape)
    a = torch.arange(n, dtype=torch.float64)
    if dtype == torch.bool:
        t = (torch.arange(n) % 3) == 0
    elif dtype == torch.uint8:
        t = (torch.arange(n) * 7 % 256).to(torch.uint8)
    elif dtype.is_floating_point:
        t = ((a - 3) * 0.25).to(dtype)
    else:
        t = (torch.arange(n) - 3).to(dtype)
    return t.reshape(shape)


def raw(t):
    return bytes(t.contiguous().reshape(-1).view(torch.uint8).numpy()) if t.numel() else b""


def quote(s):
    # serde_json's escaping: ", \, \b \f \n \r \t, other controls as \u00xx; non-ASCII as is.
    short = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r",
             "\t": "\\t"}
    out = ['"']
    for ch in s:
        if ch in short:
            out.append(short[ch])
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def serialize(tensors, metadata=None, order=None, pad=True):
    """tensors: list of (name, tensor). `order`: None for the reference order, else as given."""
    items = list(tensors)
    if order is None:
        items.sort(key=lambda kv: (-DTYPES[NAME_OF[kv[1].dtype]][1], kv[0].encode()))
    parts, offset, data = [], 0, []
    if metadata:
        parts.append('"__metadata__":{' +
                     ",".join(quote(k) + ":" + quote(v) for k, v in metadata) + "}")
    for name, t in items:
        b = raw(t)
        parts.append(quote(name) + ':{"dtype":"%s","shape":[%s],"data_offsets":[%d,%d]}' % (
            NAME_OF[t.dtype], ",".join(str(s) for s in t.shape), offset, offset + len(b)))
        offset += len(b)
        data.append(b)
    header = ("{" + ",".join(parts) + "}").encode()
    if pad:
        header += b" " * ((8 - len(header) % 8) % 8)
    return struct.pack("<Q", len(header)) + header + b"".join(data)


def fixture_all_dtypes():
    tensors = []
    for i, (name, (dtype, _)) in enumerate(DTYPES.items()):
        shape = [(2, 3), (5,), (3, 1, 2)][i % 3]
        tensors.append(("t_" + name.lower(), values(dtype, list(shape))))
    tensors.append(("scalar_f32", torch.tensor(1.5)))
    tensors.append(("scalar_i64", torch.tensor(-7)))
    tensors.append(("empty_f32", torch.zeros(0, 3)))
    tensors.append(("empty_bool", torch.zeros(2, 0, dtype=torch.bool)))
    tensors.append(("special", torch.tensor(
        [float("inf"), -float("inf"), float("nan"), -0.0, 1e-45, 3.4e38])))
    tensors.append(("layer.0.weight", values(torch.float32, [4, 2]).t()))  # non-contiguous
    metadata = [("format", "pt"), ("note", 'quotes " and \\ and \u00e9\n')]
    return tensors, metadata


def fixture_unaligned():
    # Not the reference order: a 3-byte U8 tensor first leaves the F32 and I64 data unaligned.
    tensors = [("a_u8", values(torch.uint8, [3])), ("b_f32", values(torch.float32, [2, 2])),
               ("c_i64", values(torch.int64, [3]))]
    return tensors, None


def fixture_metadata_only():
    return [], [("framework", "pt"), ("empty", "")]


# name -> (maker, order, pad)
FIXTURES = {
    "all_dtypes": (fixture_all_dtypes, None, True),
    "unaligned": (fixture_unaligned, "as-is", False),
    "metadata_only": (fixture_metadata_only, None, True),
}


def build(name):
    make, order, pad = FIXTURES[name]
    tensors, metadata = make()
    return tensors, metadata, serialize(tensors, metadata, order, pad)


def parse(buf):
    """Strict reader; raises ValueError on any format violation."""
    if len(buf) < 8:
        raise ValueError("too small")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > 100_000_000 or n > len(buf) - 8 or n == 0:
        raise ValueError("bad header length %d" % n)
    text = buf[8:8 + n].decode("utf-8")
    if not text.startswith("{"):
        raise ValueError("header does not start with {")

    def no_dupes(pairs):
        d = {}
        for k, v in pairs:
            if k in d:
                raise ValueError("duplicate key " + k)
            d[k] = v
        return d

    header = json.loads(text, object_pairs_hook=no_dupes)
    metadata = header.pop("__metadata__", None)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
            raise ValueError("bad __metadata__")
    entries = []
    for name, info in header.items():
        if set(info) != {"dtype", "shape", "data_offsets"}:
            raise ValueError("bad entry " + name)
        for s in info["shape"] + info["data_offsets"]:
            if not isinstance(s, int) or isinstance(s, bool) or s < 0:
                raise ValueError("bad integer in " + name)
        if len(info["data_offsets"]) != 2:
            raise ValueError("bad data_offsets in " + name)
        entries.append((info["data_offsets"], name, info))
    entries.sort(key=lambda e: tuple(e[0]))
    data = buf[8 + n:]
    start, out = 0, {}
    for (b, e), name, info in entries:
        dtype = DTYPES[info["dtype"]][0]
        nbytes = math.prod(info["shape"]) * torch.empty((), dtype=dtype).element_size()
        if b != start or e - b != nbytes:
            raise ValueError("bad offsets for " + name)
        start = e
        chunk = bytearray(data[b:e])
        t = torch.frombuffer(chunk, dtype=torch.uint8) if chunk else torch.empty(0, dtype=torch.uint8)
        out[name] = t.view(dtype).reshape(info["shape"])
    if start != len(data):
        raise ValueError("tensors cover %d of %d data bytes" % (start, len(data)))
    return out, metadata, n


def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and raw(a) == raw(b)


def check(path, expect):
    with open(path, "rb") as f:
        buf = f.read()
    try:
        tensors, metadata, n = parse(buf)
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as e:
        print("INVALID:", e)
        return 1
    reference_layout = not expect or FIXTURES[expect][1] is None
    if n % 8 and reference_layout:
        print("INVALID: header length %d is not a multiple of 8" % n)
        return 1
    for name, t in tensors.items():
        s = float(t.double().nan_to_num().sum()) if t.numel() else 0.0
        print(name, NAME_OF[t.dtype], list(t.shape), s)
    if expect:
        want, want_meta, want_bytes = build(expect)
        if set(tensors) != {k for k, _ in want}:
            print("MISMATCH: names", sorted(tensors), "vs", sorted(k for k, _ in want))
            return 1
        for k, t in want:
            if not same(tensors[k], t.contiguous()):
                print("MISMATCH: tensor", k)
                return 1
        if (metadata or {}) != dict(want_meta or []):
            print("MISMATCH: metadata", metadata, want_meta)
            return 1
        if reference_layout and buf != want_bytes:
            print("MISMATCH: bytes differ from the reference writer's output")
            return 1
    print("OK")
    return 0


def main():
    args = sys.argv[1:]
    if args and args[0] == "--check":
        rc = 0
        while args:
            if args[0] != "--check" or len(args) < 2:
                sys.exit("usage: --check FILE [--expect NAME] ...")
            expect = args[3] if len(args) >= 4 and args[2] == "--expect" else None
            rc |= check(args[1], expect)
            args = args[4:] if expect else args[2:]
        sys.exit(rc)
    os.makedirs(OUT, exist_ok=True)
    for name in FIXTURES:
        _, _, b = build(name)
        with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
            f.write(b)
        print("wrote", name, len(b), "bytes")


if __name__ == "__main__":
    main()
