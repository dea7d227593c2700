#!/usr/bin/python3
"""Writes tests/ops/normalization_cases.inc and tests/nn/normalization_cases.inc: PyTorch 1.13's
answers for the normalization and embedding tests. Inputs are closed-form (seq/probe below, the
same formulas as the tests' helpers), so nothing random crosses over.

    /usr/bin/python3 tools/gen_normalization_cases.py
"""
import math
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def seq(shape, seed):
    n = math.prod(shape)
    return (torch.sin(torch.arange(n, dtype=torch.float64) * (0.7 + 0.1 * seed) + seed) * 2).reshape(shape)


def probe(shape):
    n = math.prod(shape)
    return torch.cos(torch.arange(n, dtype=torch.float64) * 0.3).reshape(shape)


def leaf(t):
    return t.clone().requires_grad_(True)


OPS = {}
NN = {}


def case(table, name):
    def deco(fn):
        table[name] = fn
        return fn
    return deco


def grads(out, *xs):
    gs = torch.autograd.grad((out * probe(out.shape)).sum(), [x for x in xs], allow_unused=True)
    return gs


# ---- batch_norm ----
for shape in ([4, 3], [2, 3, 4], [2, 3, 2, 3], [2, 3, 2, 2, 2]):
    tag = "bn%dd" % len(shape)

    def make(shape=shape):
        x, w, b = leaf(seq(shape, 1)), leaf(seq([3], 2)), leaf(seq([3], 3))
        rm, rv = seq([3], 4) * 0.1, seq([3], 5).abs() + 0.5
        out = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.1, eps=1e-5)
        gx, gw, gb = grads(out, x, w, b)
        return dict(out=out, gx=gx, gw=gw, gb=gb, rm=rm, rv=rv)
    OPS[tag + "_train"] = make

    def make_eval(shape=shape):
        x, w, b = leaf(seq(shape, 1)), leaf(seq([3], 2)), leaf(seq([3], 3))
        rm, rv = seq([3], 4) * 0.1, seq([3], 5).abs() + 0.5
        out = F.batch_norm(x, rm, rv, w, b, training=False, momentum=0.1, eps=1e-5)
        gx, gw, gb = grads(out, x, w, b)
        return dict(out=out, gx=gx, gw=gw, gb=gb)
    OPS[tag + "_eval"] = make_eval


@case(OPS, "bn_noaffine")
def _():
    x = leaf(seq([3, 2, 5], 6))
    out = F.batch_norm(x, None, None, training=True, eps=1e-3)
    (gx,) = grads(out, x)
    return dict(out=out, gx=gx)


# ---- layer_norm ----
@case(OPS, "ln_last")
def _():
    x, w, b = leaf(seq([2, 3, 4], 1)), leaf(seq([4], 2)), leaf(seq([4], 3))
    out = F.layer_norm(x, [4], w, b, eps=1e-5)
    gx, gw, gb = grads(out, x, w, b)
    return dict(out=out, gx=gx, gw=gw, gb=gb)


@case(OPS, "ln_two")
def _():
    x, w, b = leaf(seq([2, 3, 4], 4)), leaf(seq([3, 4], 5)), leaf(seq([3, 4], 6))
    out = F.layer_norm(x, [3, 4], w, b, eps=1e-5)
    gx, gw, gb = grads(out, x, w, b)
    return dict(out=out, gx=gx, gw=gw, gb=gb)


@case(OPS, "ln_noaffine")
def _():
    x = leaf(seq([5, 6], 7))
    out = F.layer_norm(x, [6], eps=1e-3)
    (gx,) = grads(out, x)
    return dict(out=out, gx=gx)


# ---- group_norm ----
@case(OPS, "gn3d")
def _():
    x, w, b = leaf(seq([2, 6, 5], 1)), leaf(seq([6], 2)), leaf(seq([6], 3))
    out = F.group_norm(x, 3, w, b, eps=1e-5)
    gx, gw, gb = grads(out, x, w, b)
    return dict(out=out, gx=gx, gw=gw, gb=gb)


@case(OPS, "gn4d")
def _():
    x, w, b = leaf(seq([2, 4, 2, 3], 4)), leaf(seq([4], 5)), leaf(seq([4], 6))
    out = F.group_norm(x, 2, w, b, eps=1e-5)
    gx, gw, gb = grads(out, x, w, b)
    return dict(out=out, gx=gx, gw=gw, gb=gb)


@case(OPS, "gn_noaffine")
def _():
    x = leaf(seq([3, 4, 3], 7))
    out = F.group_norm(x, 4)
    (gx,) = grads(out, x)
    return dict(out=out, gx=gx)


# ---- instance_norm ----
@case(OPS, "in_train")
def _():
    x, w, b = leaf(seq([2, 3, 5], 1)), leaf(seq([3], 2)), leaf(seq([3], 3))
    rm, rv = seq([3], 4) * 0.1, seq([3], 5).abs() + 0.5
    out = F.instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.2, eps=1e-5)
    gx, gw, gb = grads(out, x, w, b)
    return dict(out=out, gx=gx, gw=gw, gb=gb, rm=rm, rv=rv)


@case(OPS, "in_eval")
def _():
    x = leaf(seq([2, 3, 2, 2], 6))
    rm, rv = seq([3], 4) * 0.1, seq([3], 5).abs() + 0.5
    out = F.instance_norm(x, rm, rv, use_input_stats=False)
    (gx,) = grads(out, x)
    return dict(out=out, gx=gx)


# ---- rms_norm (PyTorch 2.x formula; 1.13 lacks it) ----
@case(OPS, "rms")
def _():
    x, w = leaf(seq([2, 3, 4], 1)), leaf(seq([4], 2))
    out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * w
    gx, gw = grads(out, x, w)
    return dict(out=out, gx=gx, gw=gw)


# ---- local_response_norm, normalize ----
@case(OPS, "lrn3d")
def _():
    x = leaf(seq([2, 5, 3], 1))
    out = F.local_response_norm(x, 3, alpha=0.1, beta=0.75, k=1.0)
    (gx,) = grads(out, x)
    return dict(out=out, gx=gx)


@case(OPS, "lrn4d")
def _():
    x = leaf(seq([2, 5, 2, 2], 2))
    out = F.local_response_norm(x, 2, alpha=0.2, beta=0.5, k=2.0)
    (gx,) = grads(out, x)
    return dict(out=out, gx=gx)


@case(OPS, "normalize")
def _():
    x = leaf(seq([3, 4], 1))
    out = F.normalize(x, p=2.0, dim=1)
    out1 = F.normalize(x, p=1.0, dim=0)
    (gx,) = grads(out, x)
    return dict(out=out, out1=out1, gx=gx)


# ---- embedding ----
IDX = torch.tensor([[1, 3, 0], [3, 5, 1]])


@case(OPS, "emb")
def _():
    w = leaf(seq([6, 4], 1))
    out = F.embedding(IDX, w)
    (gw,) = grads(out, w)
    return dict(out=out, gw=gw)


@case(OPS, "emb_pad_freq")
def _():
    w = leaf(seq([6, 4], 1))
    out = F.embedding(IDX, w, padding_idx=3, scale_grad_by_freq=True)
    (gw,) = grads(out, w)
    return dict(out=out, gw=gw)


@case(OPS, "emb_renorm")
def _():
    w = seq([6, 4], 1).clone()
    F.embedding(IDX, w, max_norm=1.5)
    w2 = seq([6, 4], 1).clone()
    F.embedding(IDX, w2, max_norm=1.0, norm_type=1.0)
    return dict(w=w, w1=w2)


BAG_IDX = torch.tensor([1, 3, 0, 3, 5, 1, 2])
BAG_OFF = torch.tensor([0, 2, 2, 5])


for mode in ("sum", "mean", "max"):
    def make_bag(mode=mode):
        w = leaf(seq([6, 4], 1))
        out = F.embedding_bag(BAG_IDX, w, BAG_OFF, mode=mode)
        (gw,) = grads(out, w)
        return dict(out=out, gw=gw)
    OPS["bag_" + mode] = make_bag


@case(OPS, "bag_psw")
def _():
    w, p = leaf(seq([6, 4], 1)), leaf(seq([7], 2))
    out = F.embedding_bag(BAG_IDX, w, BAG_OFF, mode="sum", per_sample_weights=p)
    gw, gp = grads(out, w, p)
    return dict(out=out, gw=gw, gp=gp)


@case(OPS, "bag_last_pad")
def _():
    w = leaf(seq([6, 4], 1))
    off = torch.tensor([0, 2, 2, 7])
    out = F.embedding_bag(BAG_IDX, w, off, mode="mean", include_last_offset=True, padding_idx=3)
    (gw,) = grads(out, w)
    return dict(out=out, gw=gw)


@case(OPS, "bag_2d_freq")
def _():
    # PyTorch's CPU embedding_bag divides by the wrong index's count (pytorch/pytorch#190063);
    # the reference is the same bags built from F.embedding, whose frequency scaling is right.
    w = leaf(seq([6, 4], 1))
    out = F.embedding(IDX, w, scale_grad_by_freq=True).sum(1)
    (gw,) = grads(out, w)
    return dict(out=out, gw=gw)


# ---- modules ----
@case(NN, "bn_steps")
def _():
    m = torch.nn.BatchNorm2d(3)
    for s in range(3):
        m(seq([2, 3, 2, 2], s))
    m.eval()
    out = m(seq([2, 3, 2, 2], 7))
    return dict(rm=m.running_mean, rv=m.running_var, out=out.detach())


@case(NN, "bn_cma")
def _():
    m = torch.nn.BatchNorm1d(3, momentum=None)
    for s in range(3):
        m(seq([4, 3], s))
    return dict(rm=m.running_mean, rv=m.running_var)


@case(NN, "in_steps")
def _():
    m = torch.nn.InstanceNorm1d(3, track_running_stats=True, affine=True)
    for s in range(2):
        m(seq([2, 3, 4], s))
    m.eval()
    out = m(seq([2, 3, 4], 5))
    return dict(rm=m.running_mean, rv=m.running_var, out=out.detach())


@case(NN, "crossmap")
def _():
    x = seq([2, 5, 2, 2], 3)
    return dict(s3=torch.nn.CrossMapLRN2d(3, alpha=0.1)(x), s4=torch.nn.CrossMapLRN2d(4, alpha=0.2, beta=0.5, k=2)(x),
                s1=torch.nn.CrossMapLRN2d(1, alpha=0.1)(x), s7=torch.nn.CrossMapLRN2d(7, alpha=0.1)(x))


@case(NN, "emb_init")
def _():
    torch.manual_seed(0)
    m = torch.nn.Embedding(5, 3, padding_idx=1).float()
    torch.manual_seed(0)
    b = torch.nn.EmbeddingBag(4, 2, padding_idx=0).float()
    return dict(w=m.weight.detach(), bw=b.weight.detach())


def fmt(v):
    return "{" + ", ".join(repr(float(x)) for x in v.detach().reshape(-1).tolist()) + "}"


def write(table, path):
    lines = ["// Generated by tools/gen_normalization_cases.py from PyTorch %s; do not edit."
             % torch.__version__, "// clang-format off", "namespace golden {"]
    for name, fn in table.items():
        for key, t in fn().items():
            if t is None:
                continue
            lines.append("const std::vector<double> %s_%s = %s;" % (name, key, fmt(t)))
    lines += ["}  // namespace golden", "// clang-format on", ""]
    with open(os.path.join(ROOT, path), "w") as f:
        f.write("\n".join(lines))


write(OPS, "tests/ops/normalization_cases.inc")
write(NN, "tests/nn/normalization_cases.inc")
