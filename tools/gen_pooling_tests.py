#!/usr/bin/python3
"""Writes tests/ops/pooling_test_golden.inc: PyTorch 1.13 reference statistics for
tests/ops/pooling_test.cpp (values and gradients of the composite conv/pool/pad/upsample ops)."""
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def mk(shape, a, scale=1.0):
    n = math.prod(shape)
    return (torch.sin(torch.arange(n, dtype=torch.float64) * a) * scale).reshape(shape)


def stats(t):
    t = t.reshape(-1).double()
    w = torch.cos(torch.arange(t.numel(), dtype=torch.float64) * 0.3)
    return [t.sum().item(), (t * w).sum().item(), (t * t).sum().item()]


# name, x shape, w shape (or None), bias?, python fn(x, w, b), C++ expression on x, w, b
CASES = [
    ("conv3d_basic", (2, 3, 5, 6, 4), (4, 3, 2, 3, 2), True,
     lambda x, w, b: F.conv3d(x, w, b), "conv3d(x, w, b)"),
    ("conv3d_strided", (1, 4, 7, 6, 5), (6, 2, 3, 2, 3), True,
     lambda x, w, b: F.conv3d(x, w, b, (2, 1, 2), (1, 2, 0), (1, 2, 1), 2),
     "conv3d(x, w, b, {2, 1, 2}, {1, 2, 0}, {1, 2, 1}, 2)"),
    ("conv3d_same", (1, 2, 5, 4, 6), (3, 2, 2, 3, 4), False,
     lambda x, w, b: F.conv3d(x, w, None, 1, "same", (2, 1, 1)),
     "conv3d(x, w, {}, 1, \"same\", {2, 1, 1})"),
    ("conv1d_same_even", (2, 3, 9), (2, 3, 4), True,
     lambda x, w, b: F.conv1d(x, w, b, 1, "same"), "conv1d(x, w, b, 1, \"same\")"),
    ("conv_transpose1d", (2, 4, 7), (4, 3, 3), True,
     lambda x, w, b: F.conv_transpose1d(x, w, b, 2, 1, 1, 1, 2),
     "conv_transpose1d(x, w, b, 2, 1, 1, 1, 2)"),
    ("conv_transpose2d", (2, 4, 5, 4), (4, 3, 3, 2), True,
     lambda x, w, b: F.conv_transpose2d(x, w, b, (2, 3), (1, 0), (1, 2), 2, (1, 2)),
     "conv_transpose2d(x, w, b, {2, 3}, {1, 0}, {1, 2}, 2, {1, 2})"),
    ("conv_transpose2d_bigpad", (1, 2, 6, 6), (2, 2, 3, 3), False,
     lambda x, w, b: F.conv_transpose2d(x, w, None, 1, 3),
     "conv_transpose2d(x, w, {}, 1, 3)"),
    ("conv_transpose3d", (1, 2, 3, 4, 3), (2, 3, 2, 3, 2), True,
     lambda x, w, b: F.conv_transpose3d(x, w, b, (2, 1, 2), (0, 1, 1), (1, 0, 0)),
     "conv_transpose3d(x, w, b, {2, 1, 2}, {0, 1, 1}, {1, 0, 0})"),
    ("max_pool1d", (2, 3, 11), None, False,
     lambda x, w, b: F.max_pool1d(x, 3, 2, 1, 2, True), "max_pool1d(x, 3, 2, 1, 2, true)"),
    ("max_pool3d", (2, 2, 5, 6, 7), None, False,
     lambda x, w, b: F.max_pool3d(x, (2, 3, 2), (1, 2, 2), (1, 1, 0), (2, 1, 1), True),
     "max_pool3d(x, {2, 3, 2}, {1, 2, 2}, {1, 1, 0}, {2, 1, 1}, true)"),
    ("avg_pool1d", (2, 3, 10), None, False,
     lambda x, w, b: F.avg_pool1d(x, 3, 2, 1, True, False), "avg_pool1d(x, 3, 2, 1, true, false)"),
    ("avg_pool3d", (1, 2, 5, 6, 7), None, False,
     lambda x, w, b: F.avg_pool3d(x, (2, 3, 3), (2, 2, 3), (1, 1, 1), True, True),
     "avg_pool3d(x, {2, 3, 3}, {2, 2, 3}, {1, 1, 1}, true, true)"),
    ("avg_pool3d_exclude", (1, 2, 5, 6, 7), None, False,
     lambda x, w, b: F.avg_pool3d(x, 3, 2, 1, False, False), "avg_pool3d(x, 3, 2, 1, false, false)"),
    ("avg_pool3d_divisor", (2, 1, 4, 5, 6), None, False,
     lambda x, w, b: F.avg_pool3d(x, 2, 2, 1, True, True, 5),
     "avg_pool3d(x, 2, 2, 1, true, true, 5)"),
    ("adaptive_avg_pool1d", (2, 3, 10), None, False,
     lambda x, w, b: F.adaptive_avg_pool1d(x, 4), "adaptive_avg_pool1d(x, {4})"),
    ("adaptive_avg_pool2d", (2, 3, 7, 9), None, False,
     lambda x, w, b: F.adaptive_avg_pool2d(x, (3, 4)), "adaptive_avg_pool2d(x, {3, 4})"),
    ("adaptive_avg_pool3d", (1, 2, 5, 7, 6), None, False,
     lambda x, w, b: F.adaptive_avg_pool3d(x, (2, 3, 4)), "adaptive_avg_pool3d(x, {2, 3, 4})"),
    ("adaptive_max_pool1d", (2, 3, 10), None, False,
     lambda x, w, b: F.adaptive_max_pool1d(x, 4), "std::get<0>(adaptive_max_pool1d(x, {4}))"),
    ("adaptive_max_pool2d", (2, 3, 7, 9), None, False,
     lambda x, w, b: F.adaptive_max_pool2d(x, (3, 4)), "std::get<0>(adaptive_max_pool2d(x, {3, 4}))"),
    ("adaptive_max_pool3d", (1, 2, 5, 7, 6), None, False,
     lambda x, w, b: F.adaptive_max_pool3d(x, (2, 3, 4)),
     "std::get<0>(adaptive_max_pool3d(x, {2, 3, 4}))"),
    ("lp_pool1d", (2, 3, 10), None, False,
     lambda x, w, b: F.lp_pool1d(x + 2, 4, 3, 2), "lp_pool1d(x + 2, 4, 3, 2)"),
    ("lp_pool2d", (2, 3, 6, 7), None, False,
     lambda x, w, b: F.lp_pool2d(x + 2, 2, (2, 3), 2, True), "lp_pool2d(x + 2, 2, {2, 3}, 2, true)"),
    ("constant_pad", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.pad(x, (1, 2, -1, 3), value=0.5), "constant_pad_nd(x, {1, 2, -1, 3}, 0.5)"),
    ("reflect_pad1d", (2, 3, 5), None, False,
     lambda x, w, b: F.pad(x, (2, 4), mode="reflect"), "pad(x, {2, 4}, \"reflect\")"),
    ("reflect_pad2d", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.pad(x, (1, 2, 3, 0), mode="reflect"), "reflection_pad2d(x, {1, 2, 3, 0})"),
    ("reflect_pad3d", (1, 2, 3, 4, 5), None, False,
     lambda x, w, b: F.pad(x, (1, 2, 3, 0, 2, 1), mode="reflect"),
     "reflection_pad3d(x, {1, 2, 3, 0, 2, 1})"),
    ("replicate_pad2d", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.pad(x, (3, 1, 0, 2), mode="replicate"), "pad(x, {3, 1, 0, 2}, \"replicate\")"),
    ("replicate_pad3d", (1, 2, 3, 4, 5), None, False,
     lambda x, w, b: F.pad(x, (1, 2, 3, 0, 2, 1), mode="replicate"),
     "replication_pad3d(x, {1, 2, 3, 0, 2, 1})"),
    ("circular_pad2d", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.pad(x, (3, 1, 0, 2), mode="circular"), "pad(x, {3, 1, 0, 2}, \"circular\")"),
    ("pixel_shuffle", (2, 8, 3, 4), None, False,
     lambda x, w, b: F.pixel_shuffle(x, 2), "pixel_shuffle(x, 2)"),
    ("pixel_unshuffle", (2, 2, 6, 4), None, False,
     lambda x, w, b: F.pixel_unshuffle(x, 2), "pixel_unshuffle(x, 2)"),
    ("nearest1d", (2, 3, 5), None, False,
     lambda x, w, b: F.interpolate(x, size=8), "upsample(x, \"nearest\", {8})"),
    ("nearest2d_scale", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.interpolate(x, scale_factor=1.7),
     "upsample(x, \"nearest\", {6, 8}, std::nullopt, {1.7, 1.7})"),
    ("nearest3d", (1, 2, 3, 4, 5), None, False,
     lambda x, w, b: F.interpolate(x, size=(5, 3, 7)), "upsample(x, \"nearest\", {5, 3, 7})"),
    ("linear1d", (2, 3, 5), None, False,
     lambda x, w, b: F.interpolate(x, size=9, mode="linear"), "upsample(x, \"linear\", {9})"),
    ("bilinear_ac", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.interpolate(x, size=(7, 3), mode="bilinear", align_corners=True),
     "upsample(x, \"bilinear\", {7, 3}, true)"),
    ("bilinear_scale", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.interpolate(x, scale_factor=2.5, mode="bilinear"),
     "upsample(x, \"bilinear\", {10, 12}, false, {2.5, 2.5})"),
    ("trilinear", (1, 2, 3, 4, 5), None, False,
     lambda x, w, b: F.interpolate(x, size=(5, 6, 4), mode="trilinear"),
     "upsample(x, \"trilinear\", {5, 6, 4})"),
    ("bicubic", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.interpolate(x, size=(7, 9), mode="bicubic"), "upsample(x, \"bicubic\", {7, 9})"),
    ("bicubic_ac", (2, 3, 4, 5), None, False,
     lambda x, w, b: F.interpolate(x, size=(3, 8), mode="bicubic", align_corners=True),
     "upsample(x, \"bicubic\", {3, 8}, true)"),
    ("im2col", (2, 3, 6, 7), None, False,
     lambda x, w, b: F.unfold(x, (2, 3), (2, 1), (1, 2), (2, 3)),
     "im2col(x, {2, 3}, {2, 1}, {1, 2}, {2, 3})"),
    ("col2im", (2, 12, 9), None, False,
     lambda x, w, b: F.fold(x, (5, 6), (2, 2), (1, 2), (1, 1), (2, 2)),
     "col2im(x, {5, 6}, {2, 2}, {1, 2}, {1, 1}, {2, 2})"),
]


def fmt(v):
    return "{" + ", ".join(repr(float(a)) for a in v) + "}"


out = ["// Generated by tools/gen_pooling_tests.py from PyTorch 1.13; do not edit.",
       "// Each test: y = op(x, w, b); checks y shape, stats of y and of the gradients of sum(y * cos(0.07 i))."]
for name, xs, ws, hb, fn, cpp in CASES:
    x = mk(xs, 0.37).requires_grad_()
    w = mk(ws, 0.11, 0.5).requires_grad_() if ws else None
    b = (torch.arange(ws[1] * (2 if name.startswith("conv_transpose2d") and name != "conv_transpose2d_bigpad" else 1) if name.startswith("conv_transpose") else ws[0], dtype=torch.float64) * 0.1).requires_grad_() if hb else None
    y = fn(x, w, b)
    (y * torch.cos(torch.arange(y.numel(), dtype=torch.float64) * 0.07).reshape(y.shape)).sum().backward()
    sh = lambda s: "{" + ", ".join(str(a) for a in s) + "}"
    gw = fmt(stats(w.grad)) if ws else "{}"
    gb = fmt(stats(b.grad)) if hb else "{}"
    out.append(f"TEST(PoolingGolden, {name}) {{")
    out.append(f"  Tensor x = mk({sh(xs)}, 0.37).requires_grad_(true);")
    out.append(f"  Tensor w = {'mk(' + sh(ws) + ', 0.11, 0.5).requires_grad_(true)' if ws else 'Tensor()'};")
    out.append(f"  Tensor b = {'arange(' + str(b.numel()) + ', kDouble).mul(0.1).requires_grad_(true)' if hb else 'Tensor()'};")
    out.append(f"  Tensor y = {cpp};")
    out.append(f"  check(x, w, b, y, {sh(y.shape)}, {fmt(stats(y))}, {fmt(stats(x.grad))}, {gw}, {gb});")
    out.append("}")
open("tests/ops/pooling_golden.inc", "w").write("\n".join(out) + "\n")
print(len(CASES), "cases")
