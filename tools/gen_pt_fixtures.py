#!/usr/bin/env python3
"""Fixtures for ember's .pt reader (tests/serialize/fixtures/pt/), written by PyTorch itself.

    /usr/bin/python3 tools/gen_pt_fixtures.py            # (re)write the fixtures
    /usr/bin/python3 tools/gen_pt_fixtures.py --check FILE NAME [FILE NAME ...]
        torch.load(FILE, weights_only=True) and compare with the object expected(NAME) builds;
        exit 0 when equal (used by the round-trip tests: ember writes, PyTorch reads).

PyTorch 1.13's weights_only unpickler lacks BINFLOAT and the protocol-4 opcodes; for files with
floats --check falls back to torch.load with an unpickler restricted to the same globals.
"""
import io
import os
import pickle
import sys
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "serialize", "fixtures", "pt")


def dtype_tensors():
    vals = [[1.5, -2.25, 3.0], [0.5, 0.125, -7.0]]
    d = {}
    for name, dt in [("float32", torch.float32), ("float64", torch.float64),
                     ("float16", torch.float16), ("bfloat16", torch.bfloat16)]:
        d[name] = torch.tensor(vals, dtype=dt)
    ints = [[0, -1, 2], [-100, 120, 7]]
    for name, dt in [("int8", torch.int8), ("int16", torch.int16), ("int32", torch.int32),
                     ("int64", torch.int64)]:
        d[name] = torch.tensor(ints, dtype=dt)
    d["int64_big"] = torch.tensor([2**40, -(2**50), 2**62], dtype=torch.int64)
    d["uint8"] = torch.tensor([[0, 255, 7], [128, 1, 64]], dtype=torch.uint8)
    d["bool"] = torch.tensor([True, False, True, True])
    d["scalar"] = torch.tensor(2.5)
    d["empty"] = torch.zeros(0, 3)
    return d


def views():
    base = torch.arange(24.0).reshape(4, 6)
    return {"base": base, "row": base[1], "col": base[:, 2], "sub": base[1:3, 2:5],
            "t": base.t(), "step": base[::2, ::3], "elem": base[2, 3]}


def nested():
    return {"i": 3, "neg": -70000, "big": 2**40, "f": 1.5, "s": "h\u00e9llo", "b": True,
            "n": None, "l": [1, "two", (3, 4.0)], "t": (torch.ones(2),),
            "d": {"x": torch.arange(3)}, 7: "int key", "empty_l": [], "empty_t": ()}


def cnn():
    torch.manual_seed(0)
    m = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 2, 3), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(8, 5))
    x = torch.randn(2, 1, 8, 8)
    return m, x


def lstm():
    torch.manual_seed(1)
    m = torch.nn.LSTM(input_size=3, hidden_size=4, num_layers=2)
    x = torch.randn(5, 2, 3)
    return m, x


ALL_DTYPES = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64, torch.float16,
              torch.float32, torch.float64, torch.bool, torch.bfloat16]


def globals_obj():
    """dtypes, devices, torch.Size and a leaf tensor that requires grad (hooks OrderedDict arg)."""
    return {"f32": torch.float32, "dtypes": ALL_DTYPES, "cpu": torch.device("cpu"),
            "cuda1": torch.device("cuda", 1), "cuda": torch.device("cuda"),
            "size": torch.Size([2, 3]), "rg": torch.ones(2, requires_grad=True)}


def params():
    """list(model.parameters()) plus a frozen Parameter: torch._utils._rebuild_parameter."""
    lin = torch.nn.Linear(3, 2)
    with torch.no_grad():
        lin.weight.copy_(torch.arange(6.0).reshape(2, 3))
        lin.bias.copy_(torch.tensor([0.5, -0.5]))
    frozen = torch.nn.Parameter(torch.tensor([1.0, 2.0]), requires_grad=False)
    return list(lin.parameters()) + [frozen]


def bn_model():
    torch.manual_seed(2)
    m = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.BatchNorm1d(3))
    m.train()
    for _ in range(3):  # move the running stats away from their defaults
        m(torch.randn(4, 2))
    m.eval()
    return m, torch.randn(5, 2)


# ---- expected objects for --check (must match what the C++ tests write) ----

def expected(name):
    if name == "dtypes":
        return dtype_tensors()
    if name == "views":
        return views()
    if name == "nested":
        return nested()
    if name == "globals":
        return globals_obj()
    if name == "params":
        return params()
    if name == "state_dict":
        return {"w": torch.arange(6.0).reshape(2, 3), "b": torch.tensor([1, 2, 3]),
                "h": torch.tensor([0.5, -1.0], dtype=torch.float16)}
    raise SystemExit(f"unknown expectation {name}")


def same(a, b, path="root"):
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return f"{path}: tensor vs {type(b)}"
        if a.dtype != b.dtype or a.shape != b.shape:
            return f"{path}: {a.dtype}{tuple(a.shape)} vs {b.dtype}{tuple(b.shape)}"
        if a.stride() != b.stride() or a.storage_offset() != b.storage_offset():
            return f"{path}: stride/offset {a.stride()}/{a.storage_offset()} vs " \
                   f"{b.stride()}/{b.storage_offset()}"
        if not torch.equal(a, b):
            return f"{path}: values differ {a} vs {b}"
        return None
    if type(a) != type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return f"{path}: {type(a)} vs {type(b)}"
    if isinstance(a, dict):
        if list(a.keys()) != list(b.keys()):
            return f"{path}: keys {list(a.keys())} vs {list(b.keys())}"
        for k in a:
            r = same(a[k], b[k], f"{path}[{k!r}]")
            if r:
                return r
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return f"{path}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            r = same(x, y, f"{path}[{i}]")
            if r:
                return r
        return None
    return None if a == b else f"{path}: {a!r} vs {b!r}"


class _Restricted(pickle.Unpickler):
    ALLOWED = {("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2")} | {
        ("torch", n) for n in ["ByteStorage", "CharStorage", "ShortStorage", "IntStorage",
                               "LongStorage", "HalfStorage", "FloatStorage", "DoubleStorage",
                               "BoolStorage", "BFloat16Storage"]}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"global {module}.{name} not allowed")
        return super().find_class(module, name)


class _RestrictedModule:
    Unpickler = _Restricted
    __name__ = "restricted_pickle"


def check(path, name):
    try:
        obj = torch.load(path, weights_only=True)
    except Exception as e:  # 1.13 lacks BINFLOAT in weights_only; retry restricted
        if "Unsupported operand" not in str(e):
            print(f"{path}: torch.load failed: {e}")
            return 1
        obj = torch.load(path, pickle_module=_RestrictedModule)
    want = expected(name)
    r = same(want, obj)
    if r:
        print(f"{path}: mismatch: {r}")
        return 1
    if name == "views":  # all views share one storage
        ptrs = {t.storage().data_ptr() for t in obj.values()}
        if len(ptrs) != 1:
            print(f"views do not share storage: {len(ptrs)} storages")
            return 1
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            z.fp.seek(info.header_offset + 28)
            extra_len = int.from_bytes(z.fp.read(2), "little")
            data_start = info.header_offset + 30 + len(info.filename.encode()) + extra_len
            if "/data/" in info.filename and data_start % 64 != 0:
                print(f"record {info.filename} not 64-byte aligned ({data_start})")
                return 1
    print("ok")
    return 0


def write_fixtures():
    os.makedirs(OUT, exist_ok=True)
    p = lambda n: os.path.join(OUT, n)
    torch.save(dtype_tensors(), p("dtypes.pt"))
    torch.save(views(), p("views.pt"))
    for proto in (2, 4, 5):
        torch.save(nested(), p(f"nested_p{proto}.pt"), pickle_protocol=proto)
    torch.save(views(), p("views_p4.pt"), pickle_protocol=4)
    # The same archive re-zipped with deflate (python's zipfile).
    with zipfile.ZipFile(p("views.pt")) as src, \
            zipfile.ZipFile(p("deflated.pt"), "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    # A deflated record that inflates to far more than it declares (patched below).
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("archive/data.pkl", b"\x80\x02N.")
        z.writestr("archive/data/0", b"\0" * (1 << 20))
    data = bytearray(buf.getvalue())
    # Declared uncompressed size 4096 in both headers; the stream still inflates to 1 MiB.
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        pos = 0
        while True:
            pos = data.find(sig, pos)
            if pos < 0:
                break
            off = 22 if sig == b"PK\x03\x04" else 24
            nlen_off = 26 if sig == b"PK\x03\x04" else 28
            nlen = int.from_bytes(data[pos + nlen_off:pos + nlen_off + 2], "little")
            hdr = 30 if sig == b"PK\x03\x04" else 46
            if data[pos + hdr:pos + hdr + nlen] == b"archive/data/0":
                data[pos + off:pos + off + 4] = (4096).to_bytes(4, "little")
            pos += 4
    open(p("bomb.zip"), "wb").write(bytes(data))

    m, x = cnn()
    with torch.no_grad():
        y = m(x)
    torch.save(m.state_dict(), p("cnn.pt"))
    torch.save({"x": x, "y": y}, p("cnn_io.pt"))
    m, x = lstm()
    with torch.no_grad():
        y, (h, c) = m(x)
    torch.save(m.state_dict(), p("lstm.pt"))
    torch.save({"x": x, "y": y, "h": h, "c": c}, p("lstm_io.pt"))
    # Globals weights_only allows: dtypes, devices (PyTorch >= 2.0), Size, Parameters,
    # state dicts with _metadata (BUILD), and the ones ember refuses by name.
    torch.save(globals_obj(), p("globals.pt"))
    torch.save(globals_obj(), p("globals_p4.pt"), pickle_protocol=4)
    torch.save(params(), p("params.pt"))
    m, x = bn_model()
    sd = m.state_dict()
    assert hasattr(sd, "_metadata")
    with torch.no_grad():
        y = m(x)
    torch.save(sd, p("bn.pt"))
    torch.save({"x": x, "y": y}, p("bn_io.pt"))
    torch.save({"c": torch.tensor([1 + 2j, 3 - 1j])}, p("complex.pt"))
    torch.save({"d": torch.complex64}, p("complex_dtype.pt"))
    torch.save({"s": {1, 2}}, p("set.pt"))
    torch.save({"s": torch.eye(2).to_sparse()}, p("sparse.pt"))
    # Stored (not deflated) records that are not 64-byte aligned: re-zipped by python's zipfile
    # with a leading entry sized so that the first record starts off alignment.
    for pad in range(64):
        buf = io.BytesIO()
        with zipfile.ZipFile(p("views.pt")) as src, \
                zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as dst:
            dst.writestr("views/pad", b"x" * pad)
            for info in src.infolist():
                dst.writestr(info.filename, src.read(info.filename))
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
            info = z.getinfo("views/data/0")
            start = info.header_offset + 30 + len(info.filename) + len(info.extra)
        if start % 64 != 0 and start % 4 == 0:
            open(p("unaligned.pt"), "wb").write(buf.getvalue())
            break
    # Legacy (non-zip) format.
    torch.save({"a": torch.ones(2)}, p("legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save(views(), p("legacy_views.pt"), _use_new_zipfile_serialization=False)
    torch.save(views(), p("legacy_views_p4.pt"), _use_new_zipfile_serialization=False,
               pickle_protocol=4)
    torch.save(nested(), p("legacy_nested.pt"), _use_new_zipfile_serialization=False)
    m, x = cnn()
    torch.save(m.state_dict(), p("legacy_cnn.pt"), _use_new_zipfile_serialization=False)
    for n in sorted(os.listdir(OUT)):
        print(n, os.path.getsize(p(n)))


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--check":
        pairs = sys.argv[2:]
        if not pairs or len(pairs) % 2:
            raise SystemExit("usage: --check FILE NAME [FILE NAME ...]")
        sys.exit(max(check(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)))
    write_fixtures()
