#!/usr/bin/env python3
"""Writes tests/ops/loss_cases.inc: values and input gradients of every loss case, from PyTorch.

Run with /usr/bin/python3 (PyTorch 1.13). Each case is computed in float64 on inputs that
tests/ops/loss_test.cpp builds the same way (see inputs()); the gradient is that of
sum(out * ramp) with respect to the first input, ramp = (arange(numel) + 1) / numel.
"""
import math
import os
import warnings

import torch
import torch.nn.functional as F

warnings.filterwarnings("ignore")
torch.set_default_dtype(torch.float64)


def inputs():
    a = torch.arange
    d = {}
    d["x34"] = (a(12.) * 1.3).sin().reshape(3, 4) * 2
    d["y34"] = (a(12.) * 0.8).cos().reshape(3, 4)
    d["p34"] = (a(12.).cos().reshape(3, 4)).softmax(1)
    d["s34"] = ((a(12.) * 0.45).sin() * 0.45 + 0.5).reshape(3, 4)  # in (0, 1)
    d["b34"] = ((a(12.) * 2.1).cos() > 0).double().reshape(3, 4)
    d["pm34"] = ((a(12.) * 2.1).cos() > 0).double().reshape(3, 4) * 2 - 1  # +-1
    d["t3"] = torch.tensor([1, 0, 3])
    d["t3ig"] = torch.tensor([1, -100, 3])
    d["w4"] = torch.tensor([0.5, 1.0, 1.5, 2.0])
    d["x234"] = (a(24.) * 0.7).sin().reshape(2, 3, 4)
    d["t24"] = torch.tensor([[0, 1, 2, 1], [2, 2, 0, 1]])
    d["x3222"] = (a(24.) * 0.9).sin().reshape(2, 3, 2, 2)
    d["t222"] = torch.tensor([[[0, 1], [2, 1]], [[2, -100], [0, 1]]])
    d["x32212"] = (a(24.) * 1.1).cos().reshape(2, 3, 2, 1, 2)
    d["t2212"] = torch.tensor([[[[0, 1]], [[2, 1]]], [[[1, 2]], [[0, 0]]]])
    d["w3"] = torch.tensor([0.3, 1.2, 0.8])
    d["x5"] = (a(5.) * 0.9).sin()
    d["t0"] = torch.tensor(2)
    d["ml34"] = torch.tensor([[3, 0, -1, 1], [1, 2, 3, -1], [0, -1, 2, 2]])
    d["v34"] = ((a(12.) * 0.6).sin() * 0.5 + 0.7).reshape(3, 4)
    d["v31"] = torch.tensor([[0.5], [1.3], [0.8]])
    d["c3"] = torch.tensor([1., -1., 1.])
    return d


def cases(d):
    x, y, t, w = d["x34"], d["y34"], d["t3"], d["w4"]
    c = {}
    for r in ["none", "mean", "sum"]:
        c[f"ce_{r}"] = (lambda r: lambda x: F.cross_entropy(x, t, reduction=r))(r)
        c[f"ce_w_ig_{r}"] = (lambda r: lambda x: F.cross_entropy(x, d["t3ig"], w, reduction=r))(r)
        c[f"ce_ls_w_ig_{r}"] = (lambda r: lambda x: F.cross_entropy(
            x, d["t3ig"], w, reduction=r, label_smoothing=0.2))(r)
        c[f"ce_ls_{r}"] = (lambda r: lambda x: F.cross_entropy(x, t, reduction=r,
                                                               label_smoothing=0.1))(r)
        c[f"ce_prob_{r}"] = (lambda r: lambda x: F.cross_entropy(x, d["p34"], reduction=r))(r)
        c[f"ce_prob_w_ls_{r}"] = (lambda r: lambda x: F.cross_entropy(
            x, d["p34"], w, reduction=r, label_smoothing=0.3))(r)
        c[f"ce_3d_{r}"] = (lambda r: lambda x: F.cross_entropy(d["x234"] * x.sum() / x.sum(),
                                                               d["t24"], d["w3"], reduction=r))(r)
        c[f"nll_4d_{r}"] = (lambda r: lambda x: F.nll_loss(d["x3222"] + 0 * x.sum(), d["t222"],
                                                           d["w3"], reduction=r))(r)
        c[f"nll_5d_{r}"] = (lambda r: lambda x: F.nll_loss(d["x32212"] + 0 * x.sum(), d["t2212"],
                                                           reduction=r))(r)
        c[f"ce_1d_{r}"] = (lambda r: lambda x: F.cross_entropy(d["x5"] + 0 * x.sum(), d["t0"],
                                                               reduction=r))(r)
        c[f"nll_w_ig_{r}"] = (lambda r: lambda x: F.nll_loss(x, d["t3ig"], w, reduction=r))(r)
        c[f"mse_{r}"] = (lambda r: lambda x: F.mse_loss(x, y, reduction=r))(r)
        c[f"l1_{r}"] = (lambda r: lambda x: F.l1_loss(x, y, reduction=r))(r)
        c[f"bce_{r}"] = (lambda r: lambda x: F.binary_cross_entropy(
            x.sigmoid(), d["b34"], reduction=r))(r)
        c[f"bce_w_{r}"] = (lambda r: lambda x: F.binary_cross_entropy(
            x.sigmoid(), d["p34"], w.expand(3, 4), reduction=r))(r)
        c[f"bcel_{r}"] = (lambda r: lambda x: F.binary_cross_entropy_with_logits(
            x, d["b34"], reduction=r))(r)
        c[f"bcel_w_pw_{r}"] = (lambda r: lambda x: F.binary_cross_entropy_with_logits(
            x, d["p34"], w, reduction=r, pos_weight=torch.tensor([2., 0.5, 1., 3.])))(r)
        c[f"sl1_{r}"] = (lambda r: lambda x: F.smooth_l1_loss(x, y, reduction=r))(r)
        c[f"sl1_b05_{r}"] = (lambda r: lambda x: F.smooth_l1_loss(x, y, reduction=r, beta=0.5))(r)
        c[f"sl1_b0_{r}"] = (lambda r: lambda x: F.smooth_l1_loss(x, y, reduction=r, beta=0.0))(r)
        c[f"huber_{r}"] = (lambda r: lambda x: F.huber_loss(x, y, reduction=r))(r)
        c[f"huber_d07_{r}"] = (lambda r: lambda x: F.huber_loss(x, y, reduction=r, delta=0.7))(r)
        c[f"kl_{r}"] = (lambda r: lambda x: F.kl_div(x, d["p34"], reduction=r))(r)
        c[f"kl_log_{r}"] = (lambda r: lambda x: F.kl_div(x, y, reduction=r, log_target=True))(r)
        c[f"pnll_{r}"] = (lambda r: lambda x: F.poisson_nll_loss(x, d["v34"] * 3, reduction=r))(r)
        c[f"pnll_nolog_full_{r}"] = (lambda r: lambda x: F.poisson_nll_loss(
            x * x + 0.1, d["v34"] * 3, log_input=False, full=True, reduction=r))(r)
        c[f"mrank_{r}"] = (lambda r: lambda x: F.margin_ranking_loss(
            x, y, d["pm34"], margin=0.3, reduction=r))(r)
        c[f"hinge_{r}"] = (lambda r: lambda x: F.hinge_embedding_loss(
            x, d["pm34"], margin=1.5, reduction=r))(r)
        c[f"cosemb_{r}"] = (lambda r: lambda x: F.cosine_embedding_loss(
            x, y, d["c3"], margin=-0.2, reduction=r))(r)
        c[f"softm_{r}"] = (lambda r: lambda x: F.soft_margin_loss(x, d["pm34"], reduction=r))(r)
        c[f"mmargin_{r}"] = (lambda r: lambda x: F.multi_margin_loss(x, t, reduction=r))(r)
        c[f"mmargin_p2_w_{r}"] = (lambda r: lambda x: F.multi_margin_loss(
            x, t, p=2, margin=0.7, weight=w, reduction=r))(r)
        c[f"mlmargin_{r}"] = (lambda r: lambda x: F.multilabel_margin_loss(
            x, d["ml34"], reduction=r))(r)
        c[f"triplet_{r}"] = (lambda r: lambda x: F.triplet_margin_loss(
            x, y, d["v34"], margin=1.2, reduction=r))(r)
        c[f"triplet_p1_swap_{r}"] = (lambda r: lambda x: F.triplet_margin_loss(
            x, y, d["v34"], margin=0.8, p=1, swap=True, reduction=r))(r)
    c["ce_1d_single"] = lambda x: F.cross_entropy(x[0], torch.tensor(3))
    c["mmargin_1d_none"] = lambda x: F.multi_margin_loss(x[1], torch.tensor(2), reduction="none")
    c["mlmargin_1d_none"] = lambda x: F.multilabel_margin_loss(x[2], d["ml34"][1], reduction="none")
    return c


def fmt(t):
    return "{" + ", ".join(repr(float(v)) for v in t.reshape(-1).tolist()) + "}"


def main():
    d = inputs()
    out = ["// Generated by tools/gen_loss_golden.py from PyTorch 1.13; do not edit.",
           "// {name, value (flattened), d sum(value * ramp) / d x34}"]
    for name, fn in cases(d).items():
        x = d["x34"].clone().requires_grad_()
        v = fn(x)
        ramp = (torch.arange(v.numel(), dtype=torch.float64) + 1).reshape(v.shape) / v.numel()
        g, = torch.autograd.grad((v * ramp).sum(), x, allow_unused=True)
        if g is None:
            g = torch.zeros_like(x)
        out.append(f'{{"{name}", {fmt(v.detach())}, {fmt(g)}}},')
    path = os.path.join(os.path.dirname(__file__), "..", "tests", "ops", "loss_cases.inc")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
