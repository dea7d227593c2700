#!/usr/bin/python3
"""Writes the op database's golden files, tests/golden/<family>.json, from PyTorch.

    /usr/bin/python3 tools/gen_golden.py          # Debian's python3-torch (1.13)

Each op entry below names an op, gives the PyTorch call and its sample inputs. For every sample
the file holds the inputs (storage values plus sizes/strides/offset, so C++ rebuilds the same
non-contiguous layout), the output (dtype, sizes, values), and for differentiable float samples
the gradient of sum(out * w) with respect to each float input, w written too. A sample on which
PyTorch raises is written as an expected error. tests/opdb/ replays the files against ember; its
op table (tests/opdb/op_table.cpp) must list exactly the op names written here.

Input values come from the deterministic generator below (not torch's RNG), keyed by op name and
sample index, so adding an op or a sample leaves every other sample unchanged.
"""
import hashlib
import json
import math
import os
import sys
import warnings

import numpy as np
import torch

f16, bf16, f32, f64 = torch.float16, torch.bfloat16, torch.float32, torch.float64
i8, i16, i32, i64 = torch.int8, torch.int16, torch.int32, torch.int64
u8, b8 = torch.uint8, torch.bool


# ---------------------------------------------------------------- deterministic values
class Rng:
  """splitmix64, seeded from a string."""

  def __init__(self, key):
    self.s = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")

  def next(self):
    self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
    z = self.s
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return z ^ (z >> 31)

  def pick(self, choices):
    return choices[self.next() % len(choices)]


SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.5, -2.0]

# Float values are multiples of 1/16, exact in every float dtype (bfloat16 included).
FLOAT_DOMAINS = {
    None: [k / 16 for k in range(-48, 49)],  # [-3, 3]
    "pos": [k / 16 for k in range(4, 49)],  # [0.25, 3]: log, sqrt
    "nonzero": [k / 16 for k in range(-48, 49) if abs(k) >= 8],  # |x| >= 0.5: divisors
    "ties": [k / 2 for k in range(-3, 4)],  # few distinct values: comparisons see equality
    "zero": [0.0],
    "odd": [(2 * k + 1) / 32 for k in range(-48, 48)],  # never equal to a "distinct" value
}
INT_DOMAINS = {
    None: list(range(-5, 6)),
    "pos": list(range(1, 6)),
    "nonzero": [k for k in range(-5, 6) if k != 0],
    "ties": list(range(-2, 3)),
    "zero": [0],
}
UINT8_DOMAINS = {None: list(range(0, 11)), "pos": list(range(1, 11)),
                 "nonzero": list(range(1, 11)), "ties": list(range(0, 3)), "zero": [0]}


def draw(rng, n, dtype, domain):
  if isinstance(domain, (list, tuple)):  # explicit values: class indices, +-1 targets...
    return [rng.pick(list(domain)) for _ in range(n)]
  if domain == "distinct":  # no two elements equal: no ties at the kinks of max, where...
    pool = list(FLOAT_DOMAINS[None] if dtype.is_floating_point else
                (UINT8_DOMAINS if dtype == u8 else INT_DOMAINS)[None])
    if n <= len(pool) and dtype != b8:
      for i in range(len(pool) - 1, 0, -1):
        j = rng.next() % (i + 1)
        pool[i], pool[j] = pool[j], pool[i]
      return pool[:n]
    domain = None
  if domain == "odd" and not dtype.is_floating_point:
    domain = None
  if domain == "special":
    assert dtype.is_floating_point, "special values need a float dtype"
    return [SPECIAL[i % len(SPECIAL)] for i in range(n)]
  if dtype == b8:
    return [rng.pick([0, 1]) for _ in range(n)]
  if dtype.is_floating_point:
    table = FLOAT_DOMAINS
  else:
    table = UINT8_DOMAINS if dtype == u8 else INT_DOMAINS
  return [rng.pick(table[domain]) for _ in range(n)]


# ---------------------------------------------------------------- sample specs
class T:
  """One input: logical shape, dtype, memory layout and value domain."""

  def __init__(self, shape, dtype=f32, layout="contig", domain=None, grad=True):
    self.shape, self.dtype, self.layout, self.domain = tuple(shape), dtype, layout, domain
    self.grad = grad  # False: a float input PyTorch does not differentiate (weights of nll_loss)


class S:
  """One sample: input tensors plus keyword arguments passed to both PyTorch and ember."""

  def __init__(self, *inputs, **kwargs):
    # _gradcheck=False: no finite differences here (an infinite loss, a singular point)
    self.gradcheck = kwargs.pop("_gradcheck", True)
    self.inputs, self.kwargs = inputs, kwargs


# layout -> (shape of the contiguous base tensor, view of the base with the logical shape)
LAYOUTS = {
    "contig": lambda s: (s, lambda b: b),
    "t": lambda s: (s[:-2] + (s[-1], s[-2]), lambda b: b.transpose(-1, -2)),  # transposed
    "expand": lambda s: ((1,) + s[1:], lambda b: b.expand(s)),  # stride 0 in dim 0
    "step": lambda s: (s[:-1] + (2 * s[-1],), lambda b: b[..., 1::2]),  # stride 2, offset 1
}


class Op:
  """name: the key of the C++ table; fn: the PyTorch call; grad: differentiable; domains: value
  domain per input (a T's own domain wins); strides: also compare the output's strides and
  whether it aliases the first input (views, copies); node: compare the autograd node's name
  (off for composite ops, whose node names are PyTorch internals such as UnsafeViewBackward0)."""

  def __init__(self, name, fn, samples, grad=True, domains=(), strides=False, node=True,
               kinks=False, gradgrad=True):
    self.name, self.fn, self.samples, self.grad = name, fn, samples, grad
    self.gradgrad = gradgrad  # False: PyTorch's op is not twice differentiable (say why)
    # Also compute bfloat16 samples in float32 where PyTorch 1.13 lacks the bfloat16 kernel
    # (set for the nn families; the older families record those samples as errors).
    self.upcast_bf16 = False
    # True: bfloat16 samples always take the float32 reference, where PyTorch 1.13's bfloat16
    # kernel rounds intermediates (conv, norms...) and is further from the exact result than
    # bfloat16 tolerance; ember computes in float and rounds once.
    self.bf16_ref32 = False
    self.kinks = kinks  # piecewise (max, where...): no finite differences on repeated elements
    self.domains, self.strides, self.node = domains, strides, node


# ---------------------------------------------------------------- sample sets
def unary_samples():
  return [
      S(T((2, 3), f32)), S(T((2, 3), f64)), S(T((3, 2), f64, "t")), S(T((2, 3), f64, "expand")),
      S(T((2, 3), f64, "step")), S(T((), f64)), S(T((0, 3), f32)), S(T((4,), f16)),
      S(T((4,), bf16)), S(T((4,), i64)), S(T((4,), i32)), S(T((4,), i16)), S(T((4,), i8)),
      S(T((4,), u8)), S(T((4,), b8)),
      S(T((7,), f32, domain="special")), S(T((35,), f32)),  # 35: vector bodies plus a tail
  ]


def inplace_unary_samples():
  return [S(T((2, 3), f32)), S(T((3, 2), f64, "t")), S(T((), f64)), S(T((0, 3), f32)),
          S(T((4,), f16)), S(T((4,), i64))]


def binary_samples(special=True):
  s = [
      S(T((2, 3), f32), T((2, 3), f32)),
      S(T((2, 3), f64), T((2, 3), f64)),
      S(T((3, 1), f64), T((1, 2), f64)),  # broadcast both ways
      S(T((2, 3), f64, "t"), T((2, 3), f64, "expand")),
      S(T((2, 3), f64, "step"), T((3,), f64)),
      S(T((2, 3), i8), T((2, 3), i16)),
      S(T((), f64), T((2, 3), f64)),
      S(T((), f64), T((), f64)),
      S(T((0, 3), f32), T((1, 3), f32)),
      S(T((2, 3), i64), T((2, 3), i64)),
      S(T((2, 3), i32), T((2, 3), u8)),
      S(T((2, 3), u8), T((2, 3), u8)),
      S(T((2, 3), b8), T((2, 3), b8)),
      S(T((2, 3), i64), T((2, 3), f32)),  # promotion int -> float
      S(T((2, 3), i64), T((), f64)),  # a 0-dim float raises an int tensor to the default dtype
      S(T((2, 3), f32), T((), f64)),  # a 0-dim tensor does not raise a float tensor's dtype
      S(T((2, 3), f16), T((2, 3), f16)),
      S(T((2, 3), bf16), T((2, 3), bf16)),
      S(T((2, 3), f16), T((2, 3), f32)),
      S(T((2, 3), f64), T((4,), f64)),  # broadcast error
  ]
  if special:
    s.append(S(T((7,), f32, domain="special"), T((7,), f32, domain="special")))
  s.append(S(T((35,), f32), T((35,), f32)))
  return s


def inplace_binary_samples():
  return [
      S(T((2, 3), f32), T((2, 3), f32)),
      S(T((3, 2), f64, "t"), T((2,), f64)),  # broadcast other into self
      S(T((3, 1), f64), T((1, 2), f64)),  # would resize self: error
      S(T((2, 3), f32), T((2, 3), i64)),
      S(T((2, 3), i64), T((2, 3), f32)),  # float result can't be cast to int self: error
      S(T((), f64), T((), f64)),
      S(T((0, 3), f32), T((3,), f32)),
      S(T((2, 3), u8), T((2, 3), u8)),
      S(T((2, 3), bf16), T((2, 3), bf16)),
  ]


def scalar_samples():
  return [
      S(T((2, 3), f32), other=2.5), S(T((2, 3), f64, "t"), other=-1.5), S(T((2, 3), i64), other=3),
      S(T((2, 3), i64), other=0.5), S(T((2, 3), u8), other=2), S(T((), f64), other=2),
      S(T((0, 2), f32), other=1.0), S(T((2, 3), f16), other=1.5), S(T((2, 3), bf16), other=-2),
  ]


def inplace_scalar_samples():
  return [S(T((2, 3), f32), other=2.5), S(T((3, 2), f64, "t"), other=-1.5),
          S(T((2, 3), i64), other=0.5),  # float result can't be cast to int self: error
          S(T((2, 3), i64), other=3), S(T((), f64), other=2), S(T((0, 2), f32), other=1.0),
          S(T((2, 3), bf16), other=2)]


def reduce_samples(ints=True):
  s = [
      S(T((2, 3), f32)), S(T((2, 3), f64)), S(T((3, 2), f64, "t")), S(T((2, 3), f64, "expand")),
      S(T((2, 3), f64, "step")), S(T((), f64)), S(T((0, 3), f32)), S(T((2, 3, 2), f64)),
      S(T((4,), f16)), S(T((4,), bf16)), S(T((7,), f32, domain="special")), S(T((5, 35), f32)),
  ]
  if ints:
    s += [S(T((2, 3), i64)), S(T((2, 3), i32)), S(T((2, 3), u8)), S(T((2, 3), b8))]
  return s


def reduce_dim_samples():
  return [
      S(T((2, 3), f32), dim=[1], keepdim=False),
      S(T((2, 3), f64), dim=[0], keepdim=True),
      S(T((2, 3), f64), dim=[-1], keepdim=False),
      S(T((2, 3, 2), f64), dim=[0, 2], keepdim=False),
      S(T((2, 3, 2), f64, "t"), dim=[-1, 0], keepdim=True),
      S(T((2, 3), f64, "expand"), dim=[0], keepdim=False),
      S(T((2, 3), f64), dim=[], keepdim=False),  # an empty dim list reduces everything
      S(T((), f64), dim=[0], keepdim=False),
      S(T((0, 3), f32), dim=[0], keepdim=False),
      S(T((0, 3), f32), dim=[1], keepdim=True),
      S(T((2, 3), i64), dim=[1], keepdim=False),
      S(T((2, 3), b8), dim=[0], keepdim=False),
      S(T((2, 3), f16), dim=[1], keepdim=False),
      S(T((2, 3), bf16), dim=[0], keepdim=True),
      S(T((2, 3), f32), dim=[2], keepdim=False),  # dim out of range
      S(T((2, 3), f32), dim=[0, 0], keepdim=False),  # repeated dim
  ]


def view_samples():
  return [
      S(T((2, 6), f32), size=[3, 4]),
      S(T((2, 6), f64), size=[-1]),
      S(T((2, 6), f64), size=[2, -1, 2]),
      S(T((3, 4), f64, "t"), size=[3, 2, 2]),  # splits a transposed dim: still a view
      S(T((3, 4), f64, "t"), size=[12]),  # not viewable
      S(T((), f64), size=[1, 1]),
      S(T((1,), f64), size=[]),
      S(T((0, 3), f32), size=[3, 0]),
      S(T((0, 3), f32), size=[0, -1]),  # ambiguous -1
      S(T((2, 3), i64), size=[6]),
      S(T((2, 3), b8), size=[3, 2]),
      S(T((2, 3), f16), size=[3, -1]),
      S(T((2, 3), f32), size=[4, -1]),  # wrong numel
  ]


def reshape_samples():
  return view_samples()[:4] + [
      S(T((3, 4), f64, "t"), size=[12]),  # copies
      S(T((2, 3), f64, "expand"), size=[6]),
      S(T((2, 3), f64, "step"), size=[3, 2]),
      S(T((), f64), size=[-1]),
      S(T((0, 3), f32), size=[0, 1, 3]),
      S(T((2, 3), u8), size=[-1, 2]),
      S(T((2, 3), bf16), size=[6, 1]),
      S(T((2, 3), f32), size=[-1, -1]),  # two -1
  ]


def layout_samples():
  """Every layout and several dtypes, for ops that take one tensor and no arguments."""
  return [
      S(T((2, 3), f32)), S(T((2, 3), f64)), S(T((3, 2), f64, "t")), S(T((2, 3), f64, "expand")),
      S(T((2, 3), f64, "step")), S(T((), f64)), S(T((0, 3), f32)), S(T((2, 3), i64, "t")),
      S(T((2, 3), u8)), S(T((2, 3), b8, "step")), S(T((2, 3), f16, "t")), S(T((2, 3), bf16)),
  ]


def mm_samples():
  return [
      S(T((2, 3), f32), T((3, 4), f32)),
      S(T((2, 3), f64), T((3, 4), f64)),
      S(T((2, 3), f64, "t"), T((3, 2), f64, "t")),
      S(T((2, 3), f64, "step"), T((3, 2), f64, "expand")),
      S(T((0, 3), f64), T((3, 2), f64)),
      S(T((2, 0), f64), T((0, 3), f64)),  # empty inner dim: zeros
      S(T((2, 3), i64), T((3, 2), i64)),
      S(T((2, 3), i32), T((3, 2), i32, "t")),
      S(T((2, 3), u8), T((3, 2), u8)),
      S(T((2, 3), f16), T((3, 2), f16)),
      S(T((2, 3), bf16), T((3, 2), bf16)),
      S(T((2, 3), f32), T((3, 2), f64)),  # dtype mismatch
      S(T((2, 3), f32), T((2, 3), f32)),  # shape mismatch
      S(T((3,), f32), T((3, 2), f32)),  # not a matrix
      S(T((), f32), T((3, 2), f32)),
  ]


def matmul_samples():
  return [
      S(T((3,), f64), T((3,), f64)),
      S(T((2, 3), f64), T((3,), f64)),
      S(T((3,), f64), T((3, 2), f64)),
      S(T((2, 3), f64, "t"), T((3, 2), f64)),
      S(T((2, 2, 3), f64), T((3, 2), f64)),
      S(T((2, 2, 3), f64, "t"), T((3,), f64)),
      S(T((2, 0, 3), f64), T((3, 2), f64)),
      S(T((2, 3), f32), T((3, 4), f32)),
      S(T((2, 3), i64), T((3,), i64)),
      S(T((2, 3), bf16), T((3, 2), bf16)),
      S(T((3,), f64), T((4,), f64)),  # size mismatch
      S(T((), f64), T((3,), f64)),  # 0-dim
  ]


def to_samples():
  return [
      S(T((2, 3), f32), dtype=f64), S(T((2, 3), f64, "t"), dtype=f32), S(T((2, 3), f32), dtype=f32),
      S(T((3, 2), f64, "t"), dtype=f64),
      S(T((2, 3), f64), dtype=i64), S(T((2, 3), f32, domain="pos"), dtype=u8),
      S(T((2, 3), f32), dtype=b8), S(T((2, 3), i64), dtype=f32), S(T((2, 3), i64), dtype=b8),
      S(T((2, 3), i32, "expand"), dtype=i8), S(T((2, 3), b8), dtype=f64),
      S(T((2, 3), u8), dtype=i16),
      S(T((2, 3), f32), dtype=f16), S(T((2, 3), f64), dtype=bf16), S(T((2, 3), f16), dtype=f32),
      S(T((2, 3), bf16, "t"), dtype=f64), S(T((), f64), dtype=f32), S(T((0, 3), f32), dtype=i32),
      S(T((7,), f32, domain="special"), dtype=f16), S(T((7,), f64, domain="special"), dtype=bf16),
  ]


def compare_samples():
  return [S(*[T(i.shape, i.dtype, i.layout, i.domain or "ties") for i in s.inputs])
          for s in binary_samples()]


def compare_scalar_samples():
  return [S(T((2, 3), f32, domain="ties"), other=0.5), S(T((2, 3), i64, domain="ties"), other=1),
          S(T((2, 3), i64, domain="ties"), other=0.5), S(T((2, 3), u8, domain="ties"), other=1),
          S(T((2, 3), f16, domain="ties"), other=-1), S(T((7,), f64, domain="special"), other=1.5),
          S(T((), f64, domain="ties"), other=0), S(T((0, 2), f32), other=1)]


def out_binary_samples(float_out_error=True):
  return [
      S(T((2, 3), f32), T((2, 3), f32), out_dtype=f32),
      S(T((3, 1), f64), T((1, 2), f64), out_dtype=f64),
      S(T((2, 3), f32, "t"), T((2, 3), f32, "expand"), out_dtype=f64),  # result cast into out
      S(T((2, 3), f32), T((2, 3), f32), out_dtype=i64),  # float result into int out
      S(T((2, 3), i64), T((2, 3), i64), out_dtype=f32),
      S(T((), f64), T((), f64), out_dtype=f64),
      S(T((0, 3), f32), T((3,), f32), out_dtype=f32),
  ]


def out_unary_samples():
  return [S(T((2, 3), f32), out_dtype=f32), S(T((3, 2), f64, "t"), out_dtype=f64),
          S(T((2, 3), i64), out_dtype=f32), S(T((2, 3), i64), out_dtype=i64),
          S(T((), f64), out_dtype=f64), S(T((0, 3), f32), out_dtype=f32),
          S(T((2, 3), f32), out_dtype=f64)]


def out(dtype):
  """A fresh out= tensor with no elements, which the op resizes."""
  return torch.empty(0, dtype=dtype)


# ---------------------------------------------------------------- the op database
UNARY = [
    Op("neg", torch.neg, unary_samples()),
    Op("abs", torch.abs, unary_samples(), domains=["nonzero"]),
    Op("exp", torch.exp, unary_samples()),
    Op("log", torch.log, unary_samples(), domains=["pos"]),
    Op("sqrt", torch.sqrt, unary_samples(), domains=["pos"]),
    Op("sin", torch.sin, unary_samples()),
    Op("cos", torch.cos, unary_samples()),
    Op("tanh", torch.tanh, unary_samples()),
    Op("sigmoid", torch.sigmoid, unary_samples()),
    Op("relu", torch.relu, unary_samples(), domains=["nonzero"]),
]

# In-place variants act on a clone, as a user would on a non-leaf.
UNARY += [Op(op.name + "_", lambda x, n=op.name: getattr(x.clone(), n + "_")(),
             inplace_unary_samples(), domains=op.domains) for op in list(UNARY)]

# out= variants: not differentiable; the out dtype decides whether the result may be cast.
UNARY += [Op(n + "_out", lambda x, out_dtype, n=n: getattr(torch, n)(x, out=out(out_dtype)),
             out_unary_samples(), grad=False) for n in ["neg", "abs", "exp", "sqrt"]]

# The rest of the unary family. Ops with a restricted domain or a kink get their input scaled
# (tests/opdb/op_table.cpp does the same), so that float64 samples stay smooth for gradcheck.
FN = torch.nn.functional
UNARY_MORE = [
    Op("sign", torch.sign, unary_samples()),
    Op("sgn", torch.sgn, unary_samples(), grad=False),  # PyTorch's real sgn grad has no storage
    Op("rsqrt", torch.rsqrt, unary_samples(), domains=["pos"]),
    Op("square", torch.square, unary_samples()),
    Op("exp2", torch.exp2, unary_samples()),
    Op("expm1", torch.expm1, unary_samples()),
    Op("log2", torch.log2, unary_samples(), domains=["pos"]),
    Op("log10", torch.log10, unary_samples(), domains=["pos"]),
    Op("log1p", torch.log1p, unary_samples(), domains=["pos"]),
    Op("tan", torch.tan, unary_samples(), domains=["nonzero"]),
    Op("atan", torch.atan, unary_samples()),
    Op("sinh", torch.sinh, unary_samples()),
    Op("cosh", torch.cosh, unary_samples()),
    Op("asinh", torch.asinh, unary_samples()),
    Op("erf", torch.erf, unary_samples()),
    Op("erfc", torch.erfc, unary_samples()),
    Op("reciprocal", torch.reciprocal, unary_samples(), domains=["nonzero"]),
    Op("lgamma", torch.lgamma, unary_samples(), domains=["pos"]),
    Op("nan_to_num", torch.nan_to_num, unary_samples()),
]
UNARY_MORE += [Op(op.name + "_", lambda x, n=op.name: getattr(x.clone(), n + "_")(),
                  inplace_unary_samples(), domains=op.domains, grad=op.grad)
               for op in list(UNARY_MORE) if op.name not in ("square", "asinh")]
# Step functions: inputs moved off the integers (and halves) so finite differences stay on one
# step.
UNARY_MORE += [Op(n, lambda x, n=n: getattr(torch, n)(x + 0.03125), unary_samples())
               for n in ["floor", "ceil", "round", "trunc", "frac"]]
UNARY_MORE += [Op(n + "_", lambda x, n=n: getattr(x + 0.03125, n + "_")(), inplace_unary_samples())
               for n in ["floor", "ceil", "round", "trunc", "frac"]]
UNARY_MORE += [
    Op("asin", lambda x: torch.asin(x / 4), unary_samples()),
    Op("acos", lambda x: torch.acos(x / 4), unary_samples()),
    Op("atanh", lambda x: torch.atanh(x / 4), unary_samples()),
    Op("acosh", lambda x: torch.acosh(x + 1), unary_samples(), domains=["pos"]),
    Op("erfinv", lambda x: torch.erfinv(x / 4), unary_samples()),
    Op("digamma", torch.digamma, unary_samples(), domains=["pos"]),
    Op("polygamma2", lambda x: torch.polygamma(2, x), unary_samples(), domains=["pos"]),
    Op("round_decimals", lambda x: torch.round(x, decimals=2), unary_samples(), grad=False),
    Op("nan_to_num_args", lambda x: torch.nan_to_num(x, nan=1.5, posinf=2.0, neginf=-3.0),
       unary_samples()),
    Op("isinf", torch.isinf, unary_samples(), grad=False),
    Op("isfinite", torch.isfinite, unary_samples(), grad=False),
    Op("isposinf", torch.isposinf, unary_samples(), grad=False),
    Op("isneginf", torch.isneginf, unary_samples(), grad=False),
    Op("signbit", torch.signbit, unary_samples(), grad=False),
    Op("logical_not", torch.logical_not, unary_samples(), grad=False),
    Op("bitwise_not", torch.bitwise_not,
       [S(T((4,), i64)), S(T((4,), u8)), S(T((4,), b8)), S(T((4,), i8)), S(T((3, 2), i32, "t")),
        S(T((0, 3), i64)), S(T((), i64)), S(T((4,), f32))], grad=False),
    Op("square_", lambda x: x.clone().square_(), inplace_unary_samples()),
    Op("rsqrt_out", lambda x, out_dtype: torch.rsqrt(x, out=out(out_dtype)), out_unary_samples(),
       grad=False, domains=["pos"]),
    Op("floor_out", lambda x, out_dtype: torch.floor(x, out=out(out_dtype)), out_unary_samples(),
       grad=False),
    # activations
    Op("gelu", FN.gelu, unary_samples()),
    Op("gelu_tanh", lambda x: FN.gelu(x, approximate="tanh"), unary_samples()),
    Op("silu", FN.silu, unary_samples()),
    Op("mish", FN.mish, unary_samples()),
    Op("softplus", FN.softplus, unary_samples()),
    Op("softplus_args", lambda x: FN.softplus(x, beta=2, threshold=3), unary_samples(),
       domains=["nonzero"]),
    Op("elu", FN.elu, unary_samples(), domains=["nonzero"]),
    Op("elu_args", lambda x: torch._C._nn.elu(x, 0.5, 1.5, 2.0), unary_samples(), domains=["nonzero"]),
    Op("selu", FN.selu, unary_samples(), domains=["nonzero"]),
    Op("celu", lambda x: FN.celu(x, alpha=0.7), unary_samples(), domains=["nonzero"]),
    Op("leaky_relu", FN.leaky_relu, unary_samples(), domains=["nonzero"]),
    Op("leaky_relu_slope", lambda x: FN.leaky_relu(x, 0.2), unary_samples(), domains=["nonzero"]),
    Op("hardtanh", lambda x: FN.hardtanh(x, -1.1, 1.3), unary_samples()),
    Op("relu6", lambda x: FN.relu6(x * 2.5), unary_samples(), domains=["nonzero"]),
    Op("hardsigmoid", lambda x: FN.hardsigmoid(x * 1.125), unary_samples()),
    Op("hardswish", lambda x: FN.hardswish(x * 1.125), unary_samples()),
    Op("logit", lambda x: torch.logit(x / 4), unary_samples(), domains=["pos"]),
    Op("logit_eps", lambda x: torch.logit(x / 2 - 0.1875, eps=0.1), unary_samples(),
       domains=["pos"]),
    Op("log_sigmoid", FN.logsigmoid, unary_samples()),
    Op("softshrink", lambda x: FN.softshrink(x, 0.3), unary_samples()),
    Op("hardshrink", lambda x: FN.hardshrink(x, 0.3), unary_samples()),
    Op("threshold", lambda x: FN.threshold(x, 0.3, -1.5), unary_samples()),
    Op("rrelu_eval", lambda x: FN.rrelu(x), unary_samples(), domains=["nonzero"]),
    Op("softsign", FN.softsign, unary_samples(), node=False),
    Op("tanhshrink", FN.tanhshrink, unary_samples(), node=False),
    Op("glu", FN.glu, [S(T((2, 4), f32)), S(T((4, 2), f64)), S(T((2, 4), f64, "t")),
                       S(T((0, 4), f32)), S(T((4,), bf16)), S(T((3,), f64)), S(T((), f64))]),
    Op("glu_dim0", lambda x: FN.glu(x, 0), [S(T((4, 3), f64)), S(T((4, 0), f32)), S(T((), f64))]),
    Op("prelu", FN.prelu, [S(T((2, 3, 2), f64), T((3,), f64)), S(T((2, 3), f32), T((1,), f32)),
                           S(T((), f64), T((1,), f64)), S(T((0, 3), f32), T((3,), f32)),
                           S(T((3, 2), f64, "t"), T((2,), f64)), S(T((2, 3), f64), T((2,), f64)),
                           S(T((4,), bf16), T((1,), bf16))], domains=["nonzero"]),
    Op("gelu_", lambda x: torch._C._nn.gelu_(x.clone()), inplace_unary_samples()),
    Op("silu_", lambda x: FN.silu(x.clone(), inplace=True), inplace_unary_samples()),
    Op("elu_", lambda x: FN.elu(x.clone(), inplace=True), inplace_unary_samples(),
       domains=["nonzero"]),
    Op("leaky_relu_", lambda x: FN.leaky_relu(x.clone(), inplace=True), inplace_unary_samples(),
       domains=["nonzero"]),
    Op("hardtanh_", lambda x: FN.hardtanh(x.clone(), -1.1, 1.3, inplace=True),
       inplace_unary_samples()),
    Op("threshold_", lambda x: FN.threshold(x.clone(), 0.3, -1.5, inplace=True),
       inplace_unary_samples()),
    Op("hardswish_", lambda x: FN.hardswish(x.clone() * 1.125, inplace=True),
       inplace_unary_samples()),
]
UNARY += UNARY_MORE

BINARY = [
    Op("add", torch.add, binary_samples()),
    Op("add_alpha", lambda x, y: torch.add(x, y, alpha=2), binary_samples()[:9]),
    Op("add_alpha_float", lambda x, y: torch.add(x, y, alpha=0.5),
       [S(T((2, 3), f32), T((2, 3), f32)), S(T((3, 2), f64, "t"), T((2,), f64)),
        S(T((), f64), T((0,), f64)), S(T((2, 3), i64), T((2, 3), i64))]),
    Op("add_scalar", lambda x, other: torch.add(x, other), scalar_samples()),
    Op("sub", torch.sub, binary_samples()),
    Op("sub_alpha", lambda x, y: torch.sub(x, y, alpha=3), binary_samples()[:9]),
    Op("sub_scalar", lambda x, other: torch.sub(x, other), scalar_samples()),
    Op("rsub_scalar", lambda x, other: torch.rsub(x, other), scalar_samples()),
    Op("mul", torch.mul, binary_samples()),
    Op("mul_scalar", lambda x, other: torch.mul(x, other), scalar_samples()),
    Op("div", torch.div, binary_samples() + [S(T((3,), f64), T((3,), f64, domain="zero")),
                                             S(T((3,), i64), T((3,), i64, domain="zero"))],
       domains=[None, "nonzero"]),
    Op("div_scalar", lambda x, other: torch.div(x, other),
       scalar_samples() + [S(T((2, 3), i64), other=0), S(T((2, 3), f32), other=0.0)]),
]

BINARY += [Op(n + "_", lambda x, y, n=n: getattr(x.clone(), n + "_")(y), inplace_binary_samples(),
              domains=[None, "nonzero" if n == "div" else None])
           for n in ["add", "sub", "mul", "div"]]

BINARY += [Op(n + "_scalar_", lambda x, other, n=n: getattr(x.clone(), n + "_")(other),
              inplace_scalar_samples()) for n in ["add", "mul"]]

BINARY += [Op(n + "_out", lambda x, y, out_dtype, n=n: getattr(torch, n)(x, y, out=out(out_dtype)),
              out_binary_samples(), grad=False, domains=[None, "nonzero" if n == "div" else None])
           for n in ["add", "sub", "mul", "div"]]

COMPARE = [Op(n, getattr(torch, n), compare_samples(), grad=False)
           for n in ["eq", "ne", "lt", "le", "gt", "ge"]]
COMPARE += [Op(n + "_scalar", lambda x, other, n=n: getattr(torch, n)(x, other),
               compare_scalar_samples(), grad=False) for n in ["eq", "ne", "lt", "le", "gt", "ge"]]

COMPARE += [Op("eq_out", lambda x, y, out_dtype: torch.eq(x, y, out=out(out_dtype)),
               [S(*s.inputs, out_dtype=b8) for s in out_binary_samples()] +
               [S(T((2, 3), f32, domain="ties"), T((2, 3), f32, domain="ties"), out_dtype=f32)],
               grad=False)]

REDUCE = [
    Op("sum", torch.sum, reduce_samples()),
    Op("sum_dim", lambda x, dim, keepdim: torch.sum(x, dim, keepdim=keepdim), reduce_dim_samples()),
    Op("sum_dtype", lambda x, dtype: torch.sum(x, dtype=dtype),
       [S(T((2, 3), f32), dtype=f64), S(T((2, 3), i32), dtype=f32), S(T((2, 3), b8), dtype=i32),
        S(T((2, 3), f16), dtype=f32), S(T((2, 3), f64, "t"), dtype=f32), S(T((2, 3), u8), dtype=u8),
        S(T((0, 3), f32), dtype=f64), S(T((), f64), dtype=f32), S(T((3, 2), f64, "t"), dtype=f64)]),
    Op("sum_dim_dtype", lambda x, dim, keepdim, dtype: torch.sum(x, dim, keepdim, dtype=dtype),
       [S(T((2, 3), f32), dim=[1], keepdim=True, dtype=f64),
        S(T((2, 3), i64, "t"), dim=[0], keepdim=False, dtype=f32),
        S(T((2, 3), bf16), dim=[-1], keepdim=False, dtype=f32),
        S(T((2, 3), f64, "step"), dim=[0], keepdim=False, dtype=f64),
        S(T((0, 3), f32), dim=[0], keepdim=True, dtype=f64),
        S(T((), i32), dim=[0], keepdim=False, dtype=i64)]),
    Op("mean", torch.mean, reduce_samples(ints=False) + [S(T((2, 3), i64))]),
    Op("mean_dim", lambda x, dim, keepdim: torch.mean(x, dim, keepdim=keepdim),
       [s for s in reduce_dim_samples() if s.inputs[0].dtype not in (b8,)]),
    Op("mean_dtype", lambda x, dtype: torch.mean(x, dtype=dtype),
       [S(T((2, 3), f32), dtype=f64), S(T((2, 3), i64), dtype=f32), S(T((2, 3), f16), dtype=f32),
        S(T((0, 3), f64), dtype=f32), S(T((), f64), dtype=f64)]),
]

LINALG = [
    Op("mm", torch.mm, mm_samples()),
    Op("matmul", torch.matmul, matmul_samples(), node=False),
    Op("mm_out", lambda x, y, out_dtype: torch.mm(x, y, out=out(out_dtype)),
       [S(T((2, 3), f32), T((3, 2), f32), out_dtype=f32),
        S(T((2, 3), f64, "t"), T((3, 2), f64, "expand"), out_dtype=f64),
        S(T((0, 3), f64), T((3, 2), f64), out_dtype=f64),
        S(T((2, 3), f32), T((3, 2), f32), out_dtype=f64),  # out dtype must match
        S(T((), f32), T((3, 2), f32), out_dtype=f32)], grad=False),
]

SHAPE = [
    Op("view", lambda x, size: x.view(size), view_samples(), strides=True),
    Op("reshape", lambda x, size: x.reshape(size), reshape_samples(), strides=True, node=False),
    Op("permute", lambda x, dims: x.permute(dims),
       [S(T((2, 3, 4), f32), dims=[2, 0, 1]), S(T((2, 3, 4), f64, "t"), dims=[-1, 0, 1]),
        S(T((2, 3), f64, "expand"), dims=[1, 0]), S(T((), f64), dims=[]),
        S(T((0, 3), f32), dims=[1, 0]), S(T((2, 3), i64), dims=[1, 0]),
        S(T((2, 3), b8), dims=[0, 1]), S(T((2, 3), f32), dims=[0, 0]),
        S(T((2, 3), f32), dims=[0]), S(T((2, 3), f16, "t"), dims=[1, 0]),
        S(T((2, 3), bf16), dims=[-1, -2])], strides=True),
    Op("transpose", lambda x, dim0, dim1: x.transpose(dim0, dim1),
       [S(T((2, 3, 4), f32), dim0=0, dim1=2), S(T((2, 3, 4), f64, "step"), dim0=-1, dim1=-2),
        S(T((2, 3), f64, "t"), dim0=0, dim1=1), S(T((), f64), dim0=0, dim1=-1),
        S(T((0, 3), f32), dim0=0, dim1=1), S(T((2, 3), u8), dim0=1, dim1=1),
        S(T((2, 3), f32), dim0=0, dim1=2), S(T((2, 3), bf16), dim0=0, dim1=1)], strides=True),
    Op("t", torch.t,
       [S(T((2, 3), f32)), S(T((2, 3), f64, "t")), S(T((3,), f64)), S(T((), f64)),
        S(T((0, 3), f32)), S(T((2, 3), i32)), S(T((2, 3, 4), f32))], strides=True),
    Op("expand", lambda x, size: x.expand(size),
       [S(T((3, 1), f32), size=[3, 4]), S(T((3, 1), f64), size=[2, 3, 4]),
        S(T((3, 1), f64), size=[-1, 2]), S(T((), f64), size=[2, 3]),
        S(T((1, 3), f32), size=[0, 3]), S(T((2, 3), f64, "t"), size=[2, 2, 3]),
        S(T((3, 1), b8), size=[3, 2]), S(T((3,), f32), size=[2]),
        S(T((3,), f32), size=[-1, 3]), S(T((0, 1), f32), size=[0, 3]),
        S(T((3, 1), f16), size=[3, 2]), S(T((3, 1), u8), size=[2, 3, 2])], strides=True),
    Op("unsqueeze", lambda x, dim: x.unsqueeze(dim),
       [S(T((2, 3), f32), dim=0), S(T((2, 3), f64, "t"), dim=-1), S(T((2, 3), f64), dim=2),
        S(T((2, 3), f64, "expand"), dim=1), S(T((), f64), dim=0), S(T((0, 3), f32), dim=1),
        S(T((2, 3), i64), dim=-3), S(T((2, 3), f32), dim=4)], strides=True),
    Op("squeeze", torch.squeeze,
       [S(T((1, 3, 1), f32)), S(T((1, 3, 1), f64)), S(T((1,), f64)), S(T((), f64)),
        S(T((1, 0), f32)), S(T((3, 1), f64, "t")), S(T((1, 3), i64))], strides=True),
    Op("squeeze_dim", lambda x, dim: x.squeeze(dim),
       [S(T((1, 3, 1), f32), dim=0), S(T((1, 3, 1), f64), dim=-1), S(T((1, 3, 1), f64), dim=1),
        S(T((), f64), dim=0), S(T((1, 3), f64, "t"), dim=0), S(T((1, 3), u8), dim=-2),
        S(T((1, 3), f32), dim=2), S(T((0, 1), f32), dim=1)], strides=True),
    Op("flatten", lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim),
       [S(T((2, 3, 2), f32), start_dim=0, end_dim=-1), S(T((2, 3, 2), f64), start_dim=1, end_dim=2),
        S(T((2, 3, 2), f64, "t"), start_dim=0, end_dim=1), S(T((2, 3), f64, "t"), start_dim=0,
                                                              end_dim=-1),
        S(T((), f64), start_dim=0, end_dim=-1), S(T((0, 3), f32), start_dim=0, end_dim=1),
        S(T((2, 3), i64), start_dim=1, end_dim=1), S(T((2, 3, 2), f32), start_dim=2, end_dim=1)],
       strides=True, node=False),
    Op("select", lambda x, dim, index: x.select(dim, index),
       [S(T((3, 4), f32), dim=0, index=1), S(T((3, 4), f64), dim=1, index=-1),
        S(T((2, 3, 4), f64, "t"), dim=2, index=0), S(T((2, 3), f64, "expand"), dim=0, index=1),
        S(T((2, 3), f64, "step"), dim=-1, index=2), S(T((3,), f64), dim=0, index=2),
        S(T((2, 0), f32), dim=0, index=1), S(T((2, 3), b8), dim=1, index=0),
        S(T((3, 4), f32), dim=0, index=3), S(T((3, 4), f32), dim=0, index=-4),
        S(T((), f64), dim=0, index=0), S(T((2, 3), bf16, "t"), dim=1, index=1),
        S(T((2, 3), i64), dim=0, index=-1)], strides=True),
    Op("clone", torch.clone, layout_samples(), strides=True),
    Op("contiguous", lambda x: x.contiguous(), layout_samples(), strides=True),
    Op("to", lambda x, dtype: x.to(dtype), to_samples(), strides=True),
    # copy_ broadcasts and converts src; fill_ and zero_ keep the graph with a zero gradient.
    Op("copy_", lambda x, y: x.clone().copy_(y),
       [S(T((2, 3), f32), T((2, 3), f32)), S(T((3, 2), f64, "t"), T((2,), f64)),
        S(T((2, 3), f64, "step"), T((2, 3), f64, "t")), S(T((2, 3), f32), T((2, 3), i64)),
        S(T((2, 3), i64), T((2, 3), f32)), S(T((2, 3), f16), T((), f64)),
        S(T((), f64), T((), f64)), S(T((0, 3), f32), T((3,), f32)), S(T((2, 3), b8), T((2, 3), u8)),
        S(T((2,), f32), T((3,), f32))]),
    Op("fill_", lambda x, value: x.clone().fill_(value),
       [S(T((2, 3), f32), value=2.5), S(T((3, 2), f64, "t"), value=-1), S(T((2, 3), i64), value=7),
        S(T((2, 3), b8), value=True), S(T((), f64), value=0.5), S(T((0, 3), f32), value=1),
        S(T((2, 3), i64), value=2.5)]),
    Op("zero_", lambda x: x.clone().zero_(), layout_samples()),
]

COMPARE += [Op("isnan", torch.isnan, unary_samples(), grad=False)]

REDUCE += [Op(n, getattr(torch, n),
              [S(T((2, 3), f32, domain="ties")), S(T((2, 3), f64, "expand", domain="ties")),
               S(T((3, 2), b8, "t")), S(T((4,), b8, domain="pos")), S(T((2, 3), u8, domain="ties")),
               S(T((2, 3), i64, "step", domain="ties")), S(T((), f64)), S(T((0, 3), f32)),
               S(T((7,), f32, domain="special")), S(T((4,), f16, domain="ties")),
               S(T((35,), i32, domain="pos"))], grad=False) for n in ["all", "any"]]

# Factories take no tensor; their arguments are keyword arguments ("dtype": None = default).
FACTORY = [
    Op("zeros", lambda size, dtype: torch.zeros(size, dtype=dtype),
       [S(size=[2, 3], dtype=None), S(size=[], dtype=i64), S(size=[0, 2], dtype=b8),
        S(size=[3], dtype=f16)], grad=False),
    Op("ones", lambda size, dtype: torch.ones(size, dtype=dtype),
       [S(size=[2, 3], dtype=None), S(size=[], dtype=i32), S(size=[0], dtype=f64),
        S(size=[3], dtype=b8), S(size=[-1], dtype=None)], grad=False),
    Op("full", lambda size, fill_value: torch.full(size, fill_value),
       [S(size=[2, 3], fill_value=1.5), S(size=[2], fill_value=3), S(size=[], fill_value=True),
        S(size=[0, 3], fill_value=-2.5)], grad=False),
    Op("full_dtype", lambda size, fill_value, dtype: torch.full(size, fill_value, dtype=dtype),
       [S(size=[2, 3], fill_value=1.5, dtype=f64), S(size=[2], fill_value=3, dtype=f32),
        S(size=[], fill_value=2, dtype=u8), S(size=[0], fill_value=1, dtype=bf16)], grad=False),
    Op("arange", lambda end, dtype: torch.arange(end, dtype=dtype),
       [S(end=5, dtype=None), S(end=2.5, dtype=None), S(end=0, dtype=None), S(end=4, dtype=f64),
        S(end=1, dtype=None), S(end=-1, dtype=None)], grad=False),
    Op("arange_step", lambda start, end, step, dtype: torch.arange(start, end, step, dtype=dtype),
       [S(start=1, end=2.5, step=0.3, dtype=None), S(start=5, end=0, step=-1, dtype=None),
        S(start=0, end=0.3, step=0.1, dtype=None), S(start=0, end=1, step=0.1, dtype=f64),
        S(start=-3, end=3, step=2, dtype=f32), S(start=2, end=2, step=1, dtype=None),
        S(start=0, end=1, step=0, dtype=None), S(start=0, end=3, step=-1, dtype=None)],
       grad=False),
    Op("linspace", lambda start, end, steps, dtype: torch.linspace(start, end, steps, dtype=dtype),
       [S(start=0, end=1, steps=5, dtype=None), S(start=3, end=-2, steps=7, dtype=f64),
        S(start=-1, end=1, steps=1, dtype=None), S(start=0, end=1, steps=0, dtype=None),
        S(start=0, end=10, steps=4, dtype=i64), S(start=0.1, end=0.7, steps=11, dtype=f32),
        S(start=0, end=1, steps=-1, dtype=None)], grad=False),
    Op("logspace",
       lambda start, end, steps, base: torch.logspace(start, end, steps, base),
       [S(start=0, end=2, steps=3, base=10.0), S(start=-1, end=1, steps=5, base=2.0),
        S(start=0, end=1, steps=0, base=10.0), S(start=1, end=1, steps=1, base=10.0)],
       grad=False),
    Op("eye", lambda n, m: torch.eye(n, m),
       [S(n=3, m=3), S(n=2, m=3), S(n=3, m=1), S(n=0, m=2), S(n=1, m=1), S(n=-1, m=2)],
       grad=False),
]


# ---------------------------------------------------------------- more families (second batch)
def int_dim_samples():
  """reduce_dim_samples with one int dim (argmax, softmax, cumsum...)."""
  return [S(*s.inputs, dim=s.kwargs["dim"][0], keepdim=s.kwargs["keepdim"])
          for s in reduce_dim_samples() if len(s.kwargs["dim"]) == 1]


BINARY2 = [
    Op("maximum", torch.maximum, binary_samples(), domains=["distinct", "odd"], kinks=True),
    Op("minimum", torch.minimum, binary_samples(), domains=["distinct", "odd"], kinks=True),
    Op("fmax", torch.fmax, binary_samples(), domains=["distinct", "odd"], kinks=True),
    Op("fmin", torch.fmin, binary_samples(), domains=["distinct", "odd"], kinks=True),
    Op("atan2", torch.atan2, binary_samples(), domains=["nonzero", "nonzero"]),
    Op("remainder", torch.remainder, binary_samples(special=False), domains=[None, "nonzero"]),
    Op("fmod", torch.fmod, binary_samples(special=False), domains=[None, "nonzero"]),
    Op("floor_divide", torch.floor_divide, binary_samples(special=False), grad=False,
       domains=[None, "nonzero"]),
    Op("pow", torch.pow, binary_samples(special=False), domains=["pos", None]),
    Op("logical_and", torch.logical_and, binary_samples(), grad=False),
    Op("logical_or", torch.logical_or, binary_samples(), grad=False),
    Op("logical_xor", torch.logical_xor, binary_samples(), grad=False),
    Op("where", lambda x, y: torch.where(x > 0, x, y), binary_samples(), node=False,
       domains=["nonzero"]),
    Op("clamp", lambda x: torch.clamp(x, -0.5, 0.75), unary_samples()),
    Op("lerp", lambda x, y: torch.lerp(x, y, 0.3),
       [s for s in binary_samples() if all(t.dtype in (f32, f64) for t in s.inputs)]),
]

REDUCE2 = [
    Op("prod", torch.prod, reduce_samples(), domains=["nonzero"]),
    Op("amax", lambda x, dim, keepdim: torch.amax(x, dim, keepdim), reduce_dim_samples(),
       domains=["distinct"], kinks=True),
    Op("amin", lambda x, dim, keepdim: torch.amin(x, dim, keepdim), reduce_dim_samples(),
       domains=["distinct"], kinks=True),
    Op("argmax", lambda x, dim, keepdim: torch.argmax(x, dim, keepdim), int_dim_samples(),
       grad=False),
    Op("logsumexp", lambda x, dim, keepdim: torch.logsumexp(x, dim, keepdim),
       reduce_dim_samples()),
    Op("var_dim", lambda x, dim, keepdim: torch.var(x, dim, keepdim=keepdim),
       reduce_dim_samples()),
    Op("std_dim", lambda x, dim, keepdim: torch.std(x, dim, keepdim=keepdim),
       reduce_dim_samples(), kinks=True),  # std's derivative is singular where all are equal
    Op("softmax", lambda x, dim, keepdim: torch.softmax(x, dim), int_dim_samples()),
    Op("log_softmax", lambda x, dim, keepdim: torch.log_softmax(x, dim), int_dim_samples()),
    Op("cumsum", lambda x, dim, keepdim: torch.cumsum(x, dim), int_dim_samples()),
    # Sorting family (keepdim doubles as `descending` for sort); stable, so ties are defined.
    Op("sort_values", lambda x, dim, keepdim: torch.sort(x, dim=dim, descending=keepdim,
                                                         stable=True).values,
       int_dim_samples(), domains=["distinct"], kinks=True, node=False),
    Op("sort_indices", lambda x, dim, keepdim: torch.sort(x, dim=dim, descending=keepdim,
                                                          stable=True).indices,
       int_dim_samples(), grad=False),
    Op("topk_values", lambda x, dim, keepdim: torch.topk(
        x, min(2, x.shape[dim] if x.dim() else 1), dim, largest=not keepdim).values,
       int_dim_samples(), domains=["distinct"], kinks=True, node=False),
    Op("median_dim", lambda x, dim, keepdim: torch.median(x, dim, keepdim).values,
       int_dim_samples(), domains=["distinct"], kinks=True, node=False),
    Op("median_dim_indices", lambda x, dim, keepdim: torch.median(x, dim, keepdim).indices,
       int_dim_samples(), domains=["distinct"], grad=False),
    Op("nonzero", torch.nonzero, unary_samples(), grad=False),
]

SHAPE2 = [
    Op("flip", lambda x, dim, keepdim: torch.flip(x, [dim]), int_dim_samples(), node=False),
    Op("narrow", lambda x, dim, keepdim: torch.narrow(x, dim, 0, 1 if x.dim() else 1),
       int_dim_samples(), strides=True),
    Op("tril", lambda x: torch.tril(x), [S(T((3, 4), f32)), S(T((4, 3), f64, "t")),
       S(T((2, 3, 3), f64)), S(T((0, 3), f32)), S(T((), f64)), S(T((3, 3), i64)),
       S(T((3, 3), b8))]),
    Op("triu", lambda x: torch.triu(x, 1), [S(T((3, 4), f32)), S(T((4, 3), f64, "t")),
       S(T((2, 3, 3), f64)), S(T((0, 3), f32)), S(T((), f64)), S(T((3, 3), i64))]),
    Op("cat", lambda x, y: torch.cat([x, y], 0),
       [S(T((2, 3), f32), T((1, 3), f32)), S(T((2, 3), f64), T((2, 3), f64, "t")),
        S(T((2, 3), f64), T((0, 3), f64)), S(T((2, 3), i64), T((2, 3), f32)),
        S(T((), f64), T((), f64)), S(T((2, 3), f64), T((2, 4), f64)),
        S(T((0, 3), f32), T((0, 3), f32))]),
    Op("stack", lambda x, y: torch.stack([x, y], 1),
       [S(T((2, 3), f32), T((2, 3), f32)), S(T((2, 3), f64, "t"), T((2, 3), f64)),
        S(T((), f64), T((), f64)), S(T((0, 3), f32), T((0, 3), f32)),
        S(T((2, 3), f64), T((2, 4), f64))]),
]

INDEX = [
    Op("index_select", lambda x, dim, keepdim: torch.index_select(
        x, dim, torch.tensor([0, 0], dtype=torch.long) if x.dim() and x.shape[dim] else
        torch.tensor([], dtype=torch.long)), int_dim_samples()),
    Op("gather", lambda x, dim, keepdim: torch.gather(
        x, dim, torch.zeros(x.shape, dtype=torch.long)), int_dim_samples()),
    Op("masked_fill", lambda x: x.masked_fill(x > 0, -1.5), unary_samples()),
]

LINALG2 = [
    Op("bmm", torch.bmm, [S(T((2, 3, 4), f32), T((2, 4, 2), f32)),
                          S(T((2, 3, 4), f64, "t"), T((2, 4, 2), f64)),
                          S(T((0, 3, 4), f64), T((0, 4, 2), f64)),
                          S(T((2, 3, 4), f64), T((2, 3, 2), f64)),
                          S(T((), f64), T((), f64))]),
    Op("dot", torch.dot, [S(T((3,), f32), T((3,), f32)), S(T((3,), f64), T((3,), f64, "step")),
                          S(T((0,), f64), T((0,), f64)), S(T((3,), f64), T((4,), f64)),
                          S(T((), f64), T((), f64))]),
    Op("outer", torch.outer, [S(T((3,), f32), T((2,), f32)), S(T((3,), f64), T((2,), f64)),
                              S(T((0,), f64), T((2,), f64)), S(T((), f64), T((2,), f64))],
       node=False),
]

FAMILIES = {"unary": UNARY, "binary": BINARY, "compare": COMPARE, "reduce": REDUCE,
            "linalg": LINALG, "shape": SHAPE, "factory": FACTORY, "binary2": BINARY2,
            "reduce2": REDUCE2, "shape2": SHAPE2, "index": INDEX, "linalg2": LINALG2}


# ---------------------------------------------------------------- fourth batch: the ops that had
# no entry (added 2026-11-28, so that the CUDA replays, OpDbCuda and OpDbCuda16, cover them too).
def addmm_samples(s_shape, a_shape, b_shape):
  """self, mat1/batch1, mat2/batch2 of a fused multiply-add op, beta 0.5 and alpha 2."""
  return [
      S(T(s_shape, f32), T(a_shape, f32), T(b_shape, f32)),
      S(T(s_shape, f64), T(a_shape, f64), T(b_shape, f64)),
      S(T(s_shape[-1:], f64), T(a_shape, f64, "step"), T(b_shape, f64)),  # self broadcast
      S(T((), f64), T(a_shape, f64), T(b_shape[:-2] + b_shape[-1:] + b_shape[-2:-1], f64, "t")),
      S(T(s_shape, f64), T(a_shape[:-1] + (0,), f64), T(b_shape[:-2] + (0,) + b_shape[-1:], f64)),
      S(T(s_shape, bf16), T(a_shape, bf16), T(b_shape, bf16)),
      S(T(s_shape, i64), T(a_shape, i64), T(b_shape, i64)),
      S(T(s_shape, f32), T(a_shape, f32), T(a_shape, f32)),  # inner sizes differ: error
  ]


def ternary_samples(int_ok=True):
  s = [
      S(T((2, 3), f32), T((2, 3), f32), T((2, 3), f32)),
      S(T((2, 3), f64), T((3, 1), f64, domain="nonzero"), T((1, 3), f64, domain="nonzero")),
      S(T((2, 3), f64, "t"), T((2, 3), f64, "expand"), T((3,), f64, domain="nonzero")),
      S(T((), f64), T((), f64), T((), f64, domain="nonzero")),
      S(T((0, 3), f32), T((0, 3), f32), T((3,), f32, domain="nonzero")),
      S(T((2, 3), f16), T((2, 3), f16), T((2, 3), f16, domain="nonzero")),
      S(T((2, 3), f64), T((2, 3), f64), T((4,), f64)),  # broadcast error
  ]
  s.append(S(T((2, 3), i64), T((2, 3), i64), T((2, 3), i64, domain="nonzero")))
  return s


def norm_samples_p():
  s = []
  for p in (2, 1, 3, 0.5, math.inf, -math.inf, 0):
    s.append(S(T((2, 3), f64, domain="distinct" if math.isinf(p) else "nonzero"), p=p))
  return s + [S(T((2, 3), f32), p=2), S(T((), f64, domain="nonzero"), p=2),
              S(T((0, 3), f32), p=2), S(T((3, 2), f64, "t", domain="nonzero"), p=3),
              S(T((4,), bf16), p=2), S(T((2, 3), i64), p=2)]  # integers: error


EXTRA = [
    Op("addmm", lambda s, a, b: torch.addmm(s, a, b, beta=0.5, alpha=2),
       addmm_samples((2, 4), (2, 3), (3, 4))),
    Op("addmv", lambda s, a, b: torch.addmv(s, a, b, beta=0.5, alpha=2),
       [S(T((2,), f32), T((2, 3), f32), T((3,), f32)),
        S(T((2,), f64), T((2, 3), f64, "t"), T((3,), f64, "step")),
        S(T((), f64), T((2, 3), f64), T((3,), f64)),
        S(T((0,), f64), T((0, 3), f64), T((3,), f64)),
        S(T((2,), f64), T((2, 0), f64), T((0,), f64)),
        S(T((2,), i64), T((2, 3), i64), T((3,), i64)),
        S(T((2,), f32), T((2, 3), f32), T((4,), f32))]),  # size mismatch: error
    Op("baddbmm", lambda s, a, b: torch.baddbmm(s, a, b, beta=0.5, alpha=2),
       addmm_samples((2, 2, 4), (2, 2, 3), (2, 3, 4))),
    Op("addbmm", lambda s, a, b: torch.addbmm(s, a, b, beta=0.5, alpha=2),
       [S(T((2, 4), f32), T((3, 2, 5), f32), T((3, 5, 4), f32)),
        S(T((2, 4), f64), T((3, 2, 5), f64), T((3, 5, 4), f64)),
        S(T((4,), f64), T((2, 2, 3), f64, "t"), T((2, 3, 4), f64)),
        S(T((), f64), T((2, 2, 3), f64), T((2, 3, 4), f64)),
        S(T((2, 4), f64), T((0, 2, 3), f64), T((0, 3, 4), f64)),  # no batches: beta * self
        S(T((2, 4), f32), T((3, 2, 5), f32), T((2, 5, 4), f32))]),  # batch mismatch: error
    Op("addcmul", lambda s, a, b: torch.addcmul(s, a, b, value=0.5), ternary_samples()),
    Op("addcdiv", lambda s, a, b: torch.addcdiv(s, a, b, value=0.5), ternary_samples()),
    Op("cumprod", lambda x, dim, keepdim: torch.cumprod(x, dim), int_dim_samples(),
       domains=["nonzero"]),
    Op("logcumsumexp", lambda x, dim, keepdim: torch.logcumsumexp(x, dim),
       [s for s in int_dim_samples() if s.inputs[0].dtype != b8]),
    Op("cummax_values", lambda x, dim, keepdim: torch.cummax(x, dim).values, int_dim_samples(),
       domains=["distinct"], kinks=True, node=False),
    Op("cummax_indices", lambda x, dim, keepdim: torch.cummax(x, dim).indices, int_dim_samples(),
       domains=["distinct"], grad=False),
    Op("norm", lambda x, p: torch.ops.aten.norm.Scalar(x, p), norm_samples_p(), kinks=True),
    Op("norm_dim", lambda x, dim, keepdim: torch.ops.aten.norm.ScalarOpt_dim(x, 3, dim, keepdim),
       [s for s in reduce_dim_samples() if s.inputs[0].dtype not in (i64, b8)],
       domains=["nonzero"]),
    Op("linalg_vector_norm", lambda x, dim, keepdim: torch.linalg.vector_norm(x, 2, dim, keepdim),
       [s for s in reduce_dim_samples() if s.inputs[0].dtype not in (i64, b8)],
       domains=["nonzero"]),
    Op("einsum", lambda a, b, eq: torch.einsum(eq, a, b),
       [S(T((2, 3), f32), T((3, 4), f32), eq="ij,jk->ik"),
        S(T((2, 3), f64), T((2, 3), f64, "t"), eq="ij,ij->i"),
        S(T((2, 2, 3), f64), T((2, 3, 4), f64), eq="bij,bjk->bik"),
        S(T((3,), f64), T((4,), f64), eq="i,j->ij"),
        S(T((3, 3), f64), T((3,), f64), eq="ii,i->i"),
        S(T((2, 3), f64), T((3, 2), f64), eq="ij,jk"),  # implicit output
        S(T((), f64), T((), f64), eq=",->"),
        S(T((0, 3), f32), T((3, 2), f32), eq="ij,jk->ik"),
        S(T((2, 3), f32), T((4, 2), f32), eq="ij,jk->ik")], node=False),  # size mismatch: error
    Op("tensordot", lambda a, b, dims_a, dims_b: torch.tensordot(a, b, (dims_a, dims_b)),
       [S(T((2, 3, 4), f32), T((4, 3, 2), f32), dims_a=[1, 2], dims_b=[1, 0]),
        S(T((2, 3), f64), T((3, 2), f64, "t"), dims_a=[1], dims_b=[0]),
        S(T((2, 3), f64), T((4,), f64), dims_a=[], dims_b=[]),  # outer product
        S(T((), f64), T((), f64), dims_a=[], dims_b=[]),
        S(T((0, 3), f64), T((3, 2), f64), dims_a=[1], dims_b=[0]),
        S(T((2, 3), f64), T((2, 3), f64), dims_a=[1], dims_b=[0])], node=False),  # error
    Op("kron", torch.kron,
       [S(T((2, 3), f32), T((2, 2), f32)), S(T((2,), f64), T((3, 2), f64, "t")),
        S(T((), f64), T((2,), f64)), S(T((0, 2), f64), T((2, 2), f64)),
        S(T((2, 2), i64), T((2,), i64))], node=False),
    Op("inner", torch.inner,
       [S(T((2, 3), f32), T((4, 3), f32)), S(T((3,), f64), T((3,), f64, "step")),
        S(T((), f64), T((2, 3), f64)), S(T((0, 3), f64), T((2, 3), f64)),
        S(T((2, 3), f64), T((2, 4), f64))], node=False),  # last dims differ: error
    Op("mv", torch.mv,
       [S(T((2, 3), f32), T((3,), f32)), S(T((2, 3), f64, "t"), T((3,), f64, "step")),
        S(T((0, 3), f64), T((3,), f64)), S(T((2, 0), f64), T((0,), f64)),
        S(T((2, 3), i64), T((3,), i64)), S(T((), f64), T((3,), f64)),
        S(T((2, 3), f32), T((2,), f32))]),
    Op("float_power", torch.float_power,
       [s for s in binary_samples(special=False)], domains=["pos", None]),
    Op("clamp_min", lambda x: torch.clamp_min(x, -0.5), unary_samples(), domains=["odd"]),
    Op("clamp_max", lambda x: torch.clamp_max(x, 0.75), unary_samples(), domains=["odd"]),
    Op("nansum", torch.nansum, reduce_samples()),
    Op("nanmean_dim", lambda x, dim, keepdim: torch.nanmean(x, dim, keepdim),
       [s for s in reduce_dim_samples() if s.inputs[0].dtype not in (i64, b8)] +
       [S(T((7,), f64, domain="special"), dim=[0], keepdim=False)]),
    Op("argmin", lambda x, dim, keepdim: torch.argmin(x, dim, keepdim), int_dim_samples(),
       grad=False),
    Op("argsort", lambda x, dim, keepdim: torch.argsort(x, dim, descending=keepdim),
       int_dim_samples(), grad=False, domains=["distinct"]),
    Op("aminmax", lambda x, dim, keepdim: torch.cat([t.reshape(-1) for t in
                                                     torch.aminmax(x, dim=dim, keepdim=keepdim)]),
       [s for s in int_dim_samples() if s.inputs[0].dtype != b8], domains=["distinct"],
       grad=False),  # PyTorch 1.13 has no derivative for aminmax
    Op("var_mean", lambda x, dim, keepdim: torch.cat([t.reshape(-1) for t in
                                                      torch.var_mean(x, dim, keepdim=keepdim)]),
       [s for s in reduce_dim_samples() if s.inputs[0].dtype not in (i64, b8)], node=False),
    Op("count_nonzero", lambda x, dim, keepdim: torch.count_nonzero(x, dim), int_dim_samples(),
       grad=False),
]
def idx(*v):
  return torch.tensor(v, dtype=torch.long)


def index_op_samples():
  """self [4, 3]-like inputs indexed along `dim` by the constant indices of each lambda."""
  return [
      S(T((4, 3), f32), T((2, 3), f32), dim=0),
      S(T((4, 3), f64), T((2, 3), f64), dim=0),
      S(T((3, 4), f64, "t"), T((4, 2), f64, "step"), dim=1),
      S(T((4, 3, 2), f64), T((2, 3, 2), f64), dim=0),
      S(T((4, 0), f32), T((2, 0), f32), dim=0),
      S(T((4, 3), i64), T((2, 3), i64), dim=0),
      S(T((4, 3), bf16), T((2, 3), bf16), dim=0),
      S(T((), f64), T((), f64), dim=0),  # 0-dim: an error or a one-element index
  ]


def scatter_index(y, dim):
  if y.dim() == 0:
    return torch.zeros((), dtype=torch.long)
  shape = [1] * y.dim()
  shape[dim] = y.shape[dim]
  return (torch.arange(y.shape[dim]) * 2 + 1).reshape(shape).expand(y.shape).contiguous()


def int_binary_samples(shift=False):
  s = [s for s in binary_samples() if all(
      not t.dtype.is_floating_point and not (shift and t.dtype == b8) for t in s.inputs)]
  return s + [S(T((), i64), T((), i64)), S(T((0, 3), i32), T((3,), i32))]


def pair_samples(dtypes=(f32, f64)):
  return [S(T((2, 3), dtypes[0]), T((2, 3), dtypes[0])), S(T((2, 3), f64), T((2, 3), f64, "t")),
          S(T((), f64), T((), f64)), S(T((0, 3), f32), T((0, 3), f32)),
          S(T((2, 3), i64), T((2, 3), i64)), S(T((2, 3), f64), T((3, 3), f64))]


EXTRA += [
    Op("index_add", lambda x, y, dim: torch.index_add(
        x, dim, idx(3, 0) if x.dim() else idx(0), y, alpha=2), index_op_samples()),
    Op("index_copy", lambda x, y, dim: torch.index_copy(x, dim, idx(3, 0), y),
       index_op_samples()[:-1] + [S(T((), f64), T((2, 3), f64), dim=0)]),
    Op("index_fill", lambda x, dim: torch.index_fill(x, dim, idx(2, 0) if x.dim() else idx(0), 1.5),
       [S(T((4, 3), f32), dim=0), S(T((3, 4), f64, "t"), dim=1), S(T((4, 3, 2), f64), dim=2),
        S(T((4, 0), f32), dim=0), S(T((4, 3), i64), dim=0), S(T((), f64), dim=0),
        S(T((4, 3), f64), dim=2)]),
    Op("index_put", lambda x, y, accumulate: x.index_put(
        (idx(1, 0, 1) if accumulate else idx(2, 0),), y, accumulate),
       [S(T((4, 3), f32), T((3, 3), f32), accumulate=True),
        S(T((4, 3), f64), T((2, 3), f64), accumulate=False),
        S(T((4, 3), f64, "t"), T((3,), f64), accumulate=True),  # values broadcast
        S(T((4, 3), f64), T((), f64), accumulate=False),
        S(T((4, 0), f32), T((2, 0), f32), accumulate=False),
        S(T((4, 3), i64), T((3, 3), i64), accumulate=True),
        S(T((4, 3), f64), T((2, 4), f64), accumulate=False)]),  # shape mismatch: error
    # Distinct targets (1, 3, ... along dim): with repeated ones which write wins is undefined.
    Op("scatter", lambda x, y, dim: torch.scatter(x, dim, scatter_index(y, dim), y),
       index_op_samples()),
    Op("scatter_add", lambda x, y, dim: torch.scatter_add(
        x, dim, torch.zeros(y.shape, dtype=torch.long) + (1 if y.dim() else 0), y),
       index_op_samples()),
    Op("masked_select", lambda x: torch.masked_select(x, x > 0), unary_samples(),
       domains=["nonzero"]),
    Op("masked_scatter", lambda x, y: x.masked_scatter(x > 0, y),
       [S(T((2, 3), f32), T((2, 3), f32)), S(T((2, 3), f64), T((7,), f64)),
        S(T((3, 2), f64, "t"), T((2, 3), f64)), S(T((), f64), T((), f64)),
        S(T((0, 3), f32), T((0,), f32)), S(T((2, 3), i64), T((2, 3), i64)),
        S(T((2, 3), f64), T((2, 3), f32))], domains=["nonzero"]),  # dtypes differ: error
    Op("take", lambda x: torch.take(x, idx(0, 2, -1) if x.numel() else idx()),
       [S(T((2, 3), f32)), S(T((3, 2), f64, "t")), S(T((2, 3), f64, "expand")),
        S(T((), f64)), S(T((0, 3), f32)), S(T((2, 3), i64)), S(T((2, 3), bf16))]),
    Op("take_along_dim", lambda x, dim, keepdim: torch.take_along_dim(
        x, torch.argsort(x, dim) if x.dim() else torch.zeros((), dtype=torch.long), dim),
       [s for s in int_dim_samples() if s.inputs[0].dtype != b8 and
        s.inputs[0].layout != "expand"], domains=["distinct"], node=False),  # expand: ties
    Op("roll", lambda x, dim, keepdim: torch.roll(x, 2, dim) if keepdim else torch.roll(x, -1),
       int_dim_samples(), node=False),
    Op("rot90", lambda x, k: torch.rot90(x, k, [0, 1]),
       [S(T((2, 3), f32), k=1), S(T((2, 3), f64), k=2), S(T((3, 2), f64, "t"), k=-1),
        S(T((2, 3, 2), f64), k=3), S(T((0, 3), f32), k=1), S(T((2, 3), i64), k=1),
        S(T((), f64), k=1)], node=False),  # 0-dim: error
    Op("diag", lambda x, diagonal: torch.diag(x, diagonal),
       [S(T((3,), f32), diagonal=0), S(T((3,), f64), diagonal=1), S(T((3, 4), f64), diagonal=-1),
        S(T((4, 3), f64, "t"), diagonal=2), S(T((0,), f32), diagonal=0),
        S(T((3,), i64), diagonal=-2), S(T((), f64), diagonal=0)]),  # 0-dim: error
    Op("diag_embed", lambda x, offset: torch.diag_embed(x, offset),
       [S(T((2, 3), f32), offset=0), S(T((2, 3), f64), offset=1), S(T((3, 2), f64, "t"), offset=-1),
        S(T((3,), f64), offset=0), S(T((0, 3), f32), offset=0), S(T((2, 3), i64), offset=0),
        S(T((), f64), offset=0)], node=False),
    Op("diagonal", lambda x, offset: torch.diagonal(x, offset),
       [S(T((3, 4), f32), offset=0), S(T((3, 4), f64), offset=1), S(T((4, 3), f64, "t"), offset=-1),
        S(T((2, 3, 3), f64), offset=0), S(T((0, 3), f32), offset=0), S(T((3, 3), i64), offset=2),
        S(T((), f64), offset=0)], strides=True),  # 0-dim: error
    Op("repeat_interleave", lambda x, dim, keepdim: torch.repeat_interleave(x, 2, dim)
       if keepdim else torch.repeat_interleave(x, 2),
       int_dim_samples(), node=False),
    Op("movedim", lambda x, dim, keepdim: torch.movedim(x, dim, 0 if keepdim else -1),
       int_dim_samples(), strides=True, node=False),  # composite (an alias for 0-dim input)
    Op("hstack", lambda x, y: torch.hstack([x, y]), pair_samples(), node=False),
    Op("vstack", lambda x, y: torch.vstack([x, y]), pair_samples(), node=False),
    Op("unbind", lambda x, dim, keepdim: torch.stack(torch.unbind(x, dim)[::-1], dim),
       int_dim_samples(), node=False),
    Op("chunk", lambda x, dim, keepdim: torch.cat(torch.chunk(x, 2, dim)[::-1], dim),
       int_dim_samples(), node=False),
    Op("bitwise_and", torch.bitwise_and, int_binary_samples(), grad=False),
    Op("bitwise_or", torch.bitwise_or, int_binary_samples(), grad=False),
    Op("bitwise_xor", torch.bitwise_xor, int_binary_samples(), grad=False),
    Op("bitwise_left_shift", torch.bitwise_left_shift, int_binary_samples(shift=True),
       grad=False, domains=[None, "pos"]),
    Op("isclose", lambda x, y: torch.isclose(x, y, 0.1, 0.05), compare_samples(), grad=False),
]

EXTRA += [
    Op("max", torch.max, reduce_samples(), domains=["distinct"], kinks=True),
    Op("min", torch.min, reduce_samples(), domains=["distinct"], kinks=True),
    Op("max_dim_values", lambda x, dim, keepdim: torch.max(x, dim, keepdim).values,
       int_dim_samples(), domains=["distinct"], kinks=True, node=False),
    Op("max_dim_indices", lambda x, dim, keepdim: torch.max(x, dim, keepdim).indices,
       int_dim_samples(), domains=["distinct"], grad=False),
    Op("min_dim_values", lambda x, dim, keepdim: torch.min(x, dim, keepdim).values,
       int_dim_samples(), domains=["distinct"], kinks=True, node=False),
    Op("median", torch.median, reduce_samples(), domains=["distinct"], kinks=True),
    Op("nanmedian", torch.nanmedian, reduce_samples(ints=False), domains=["distinct"],
       kinks=True),
    Op("cummin_values", lambda x, dim, keepdim: torch.cummin(x, dim).values, int_dim_samples(),
       domains=["distinct"], kinks=True, node=False),
    Op("msort", torch.msort, [S(T((3, 2), f32)), S(T((3, 2), f64)), S(T((2, 3), f64, "t")),
                              S(T((), f64)), S(T((0, 3), f32)), S(T((4, 2), i64))],
       domains=["distinct"], kinks=True, node=False),
    Op("std_mean", lambda x, dim, keepdim: torch.cat([t.reshape(-1) for t in
                                                      torch.std_mean(x, dim, keepdim=keepdim)]),
       [s for s in reduce_dim_samples() if s.inputs[0].dtype not in (i64, b8)], node=False,
       kinks=True),
    Op("vdot", torch.vdot, [S(T((3,), f32), T((3,), f32)), S(T((3,), f64), T((3,), f64, "step")),
                            S(T((0,), f64), T((0,), f64)), S(T((3,), i64), T((3,), i64)),
                            S(T((), f64), T((), f64)), S(T((3,), f64), T((4,), f64))]),
    Op("dstack", lambda x, y: torch.dstack([x, y]), pair_samples(), node=False),
    Op("tensor_split", lambda x, dim, keepdim: torch.cat(
        torch.tensor_split(x, 3 if keepdim else [1, 2], dim)[::-1], dim),
       [s for s in int_dim_samples() if s.inputs[0].shape != ()] +
       [S(T((), f64), dim=0, keepdim=False)], node=False),  # 0-dim: error
    Op("split_sizes", lambda x, dim, keepdim: torch.cat(
        torch.split(x, [1, x.shape[dim] - 1] if x.dim() and x.shape[dim] else [0], dim)[::-1],
        dim), int_dim_samples(), node=False),
    Op("as_strided", lambda x, size, stride, offset: torch.as_strided(x, size, stride, offset),
       [S(T((3, 4), f32), size=[2, 2], stride=[1, 2], offset=1),
        S(T((3, 4), f64), size=[3, 3], stride=[4, 1], offset=0),
        S(T((3, 4), f64), size=[2, 3, 2], stride=[4, 1, 0], offset=2),  # stride 0: overlap
        S(T((3, 4), f64), size=[], stride=[], offset=5),
        S(T((3, 4), f32), size=[0, 2], stride=[1, 1], offset=0),
        S(T((3, 4), i64), size=[2, 2], stride=[2, 1], offset=3),
        S(T((3, 4), f64), size=[4, 4], stride=[4, 1], offset=0)],  # out of bounds: error
       strides=True, node=False),
    Op("slice", lambda x, dim, keepdim: torch.ops.aten.slice(x, dim, 1, None, 2 if keepdim else 1),
       [s for s in int_dim_samples() if s.inputs[0].shape != ()] +
       [S(T((), f64), dim=0, keepdim=False)], strides=True),
    Op("narrow_copy", lambda x, dim, keepdim: torch.narrow_copy(x, dim, 0, 1 if x.dim() else 1),
       [s for s in int_dim_samples() if s.inputs[0].dtype != b8],
       grad=False),  # PyTorch 1.13 has no derivative for narrow_copy
    Op("unflatten", lambda x, dim, keepdim: x.unflatten(dim, (1, -1)), int_dim_samples(),
       strides=True, node=False),
    Op("atleast_2d", torch.atleast_2d, layout_samples(), strides=True, node=False),
    Op("constant_pad_nd", lambda x: torch.constant_pad_nd(x, [1, 2], 0.5) if x.dim() else
       torch.constant_pad_nd(x, [], 0.5), unary_samples()),
    Op("put", lambda x, y, accumulate: x.put(idx(0, 2, 0) if accumulate else idx(2, 0), y,
                                             accumulate),
       [S(T((2, 3), f32), T((3,), f32), accumulate=True),
        S(T((2, 3), f64), T((2,), f64), accumulate=False),
        S(T((3, 2), f64, "t"), T((3,), f64), accumulate=True),
        S(T((3,), f64), T((2,), f64), accumulate=False),
        S(T((2, 3), i64), T((3,), i64), accumulate=True),
        S(T((0, 3), f32), T((0,), f32), accumulate=False),  # index out of range: error
        S(T((), f64), T((2,), f64), accumulate=False)], node=False),
]

def unpool_samples(d):
  spatial = (4,) * d
  return [S(T((1, 2) + spatial, f32)), S(T((2, 1) + spatial, f64)),
          S(T((2,) + spatial, f64)),  # unbatched
          S(T((0, 2) + spatial, f32)), S(T((), f64))]  # 0-dim: error


EXTRA += [
    Op("max_unpool1d", lambda x: FN.max_unpool1d(*FN.max_pool1d(x, 2, return_indices=True), 2),
       unpool_samples(1), domains=["distinct"], kinks=True, node=False),
    Op("max_unpool2d", lambda x: FN.max_unpool2d(*FN.max_pool2d(x, 2, return_indices=True), 2),
       unpool_samples(2), domains=["distinct"], kinks=True, node=False),
    Op("max_unpool3d", lambda x: FN.max_unpool3d(*FN.max_pool3d(x, 2, return_indices=True), 2),
       unpool_samples(3)[:1] + [S(T((1, 1, 4, 4, 4), f64)), S(T((0, 1, 4, 4, 4), f32)),
                               S(T((), f64))], domains=["distinct"], kinks=True, node=False),
    Op("zeros_like", torch.zeros_like, layout_samples(), grad=False),
    Op("full_like", lambda x: torch.full_like(x, 2), layout_samples(), grad=False),
    Op("argwhere", lambda x: torch.argwhere(x > 0), unary_samples(), grad=False),
    Op("fliplr", torch.fliplr, [S(T((2, 3), f32)), S(T((2, 3), f64, "t")), S(T((2, 3, 2), f64)),
                                S(T((0, 3), f32)), S(T((2, 3), i64)), S(T((3,), f64)),
                                S(T((), f64))], node=False),  # fewer than 2 dims: error
    Op("flipud", torch.flipud, [S(T((2, 3), f32)), S(T((2, 3), f64, "step")), S(T((3,), f64)),
                                S(T((0, 3), f32)), S(T((2, 3), b8)), S(T((), f64))], node=False),
    Op("atleast_3d", torch.atleast_3d, layout_samples(), strides=True, node=False),
    Op("hsplit", lambda x: torch.cat(torch.hsplit(x, 2)[::-1], 1 if x.dim() > 1 else 0),
       [S(T((2, 4), f32)), S(T((4,), f64)), S(T((3, 4), f64, "t")), S(T((2, 0), f32)),
        S(T((2, 3), f64)),  # not divisible: error
        S(T((), f64))], node=False),
    Op("positive", torch.positive, [S(T((2, 3), f32)), S(T((2, 3), f64)), S(T((), f64)),
                                    S(T((0, 3), f32)), S(T((2, 3), i64)), S(T((2, 3), b8))],
       strides=True, node=False),  # bool: error
]

for op in EXTRA:
  # bfloat16 references in float32 where PyTorch 1.13 lacks the kernel (aminmax) or rounds a
  # product or a norm's intermediates to bfloat16 (addmm family, norms); ember rounds once.
  op.upcast_bf16 = True
  op.bf16_ref32 = op.name in ("addmm", "addmv", "baddbmm", "addbmm", "norm", "norm_dim",
                              "linalg_vector_norm", "einsum", "tensordot")
FAMILIES.update({"extra": EXTRA})


# ---------------------------------------------------------------- nn families (third batch)
# Losses, normalization, embeddings, convolution, pooling, padding, resampling, attention and
# RNN cells, called through torch.nn.functional as tests/opdb/op_table_nn.cpp calls
# ember::nn::functional (or the ember op where libtorch's functional has no form). Multi-output
# ops return their outputs flattened and concatenated; options are keyword arguments.
PROB = [k / 16 for k in range(1, 16)]  # (0, 1): probabilities
SIGN = [-1.0, 1.0]  # +-1 targets
QUARTER = [(4 * k + 1) / 64 for k in range(-48, 48)]  # equal to no "distinct" or "odd" value
SMALL = [(2 * k + 1) / 32 for k in range(-8, 8)]  # no two differ by 1: margin 1 hinges stay off
                                                   # their kinks


def cls(n):
  """Class indices 0..n-1."""
  return list(range(n))


def opt_tensor(*xs):
  return [x for x in xs]


def loss_samples(tgrad=True, extra=()):
  """(input, target) of one shape in each reduction, layout and dtype; 0-dim, zero-size,
  broadcast (PyTorch warns but broadcasts) and a shape error."""
  g = tgrad
  return [
      S(T((2, 3), f32), T((2, 3), f32, grad=g), reduction="mean"),
      S(T((2, 3), f64), T((2, 3), f64, grad=g), reduction="none"),
      S(T((2, 3), f64, "t"), T((2, 3), f64, "step", grad=g), reduction="sum"),
      S(T((4,), f64), T((4,), f64, grad=g), reduction="mean"),
      S(T((), f64), T((), f64, grad=g), reduction="mean"),
      S(T((0, 3), f32), T((0, 3), f32, grad=g), reduction="mean"),
      S(T((0, 3), f32), T((0, 3), f32, grad=g), reduction="sum"),
      S(T((2, 3), bf16), T((2, 3), bf16, grad=g), reduction="mean"),
      S(T((2, 3), f16), T((2, 3), f16, grad=g), reduction="none"),
      S(T((2, 3), f64), T((3,), f64, grad=g), reduction="mean"),
      S(T((2, 3), f64), T((4,), f64, grad=g), reduction="mean"),
  ] + list(extra)


def nll_samples(extra=()):
  """(log-probabilities, class indices[, class weights]) with ignore_index and reduction."""
  c3 = cls(3)
  return [
      S(T((2, 3), f32), T((2,), i64, domain=c3), reduction="mean", ignore_index=-100),
      S(T((4, 3), f64), T((4,), i64, domain=c3), reduction="none", ignore_index=-100),
      S(T((4, 3), f64, "t"), T((4,), i64, domain=c3), reduction="sum", ignore_index=-100),
      S(T((4, 3), f64), T((4,), i64, domain=c3), T((3,), f64, domain="pos", grad=False),
        reduction="mean", ignore_index=-100),
      S(T((4, 3), f64), T((4,), i64, domain=c3), reduction="mean", ignore_index=1),
      S(T((4, 3), f64), T((4,), i64, domain=c3), T((3,), f64, domain="pos", grad=False),
        reduction="mean", ignore_index=2),
      S(T((3,), f64), T((), i64, domain=c3), reduction="mean", ignore_index=-100),
      S(T((2, 3, 2), f64), T((2, 2), i64, domain=c3), reduction="mean", ignore_index=-100),
      S(T((2, 3, 2, 2), f64), T((2, 2, 2), i64, domain=c3), reduction="none", ignore_index=-100),
      S(T((0, 3), f32), T((0,), i64), reduction="sum", ignore_index=-100),
      S(T((0, 3), f32), T((0,), i64), reduction="mean", ignore_index=-100),
      S(T((2, 3), bf16), T((2,), i64, domain=c3), reduction="mean", ignore_index=-100),
      S(T((2, 3), f16), T((2,), i64, domain=c3), reduction="mean", ignore_index=-100),
      S(T((2, 3), f64), T((2,), i64, domain=[3]), reduction="mean", ignore_index=-100),  # range
      S(T((2, 3), f64), T((3,), i64, domain=c3), reduction="mean", ignore_index=-100),  # batch
      S(T((), f64), T((), i64, domain=[0]), reduction="mean", ignore_index=-100),
  ] + list(extra)


def ctc(lp, tg, input_lengths, target_lengths, blank, reduction, zero_infinity):
  return FN.ctc_loss(lp.log_softmax(-1), tg, torch.tensor(input_lengths, dtype=i64),
                     torch.tensor(target_lengths, dtype=i64), blank, reduction, zero_infinity)


def sdpa_reference(q, k, v, m=None, is_causal=False, scale=None):
  """PyTorch 2.x's scaled_dot_product_attention (1.13 has none): softmax(q k^T * scale + mask) v,
  with bool masks marking the positions that attend."""
  s = scale if scale is not None else 1 / math.sqrt(q.size(-1))
  a = q @ k.transpose(-2, -1) * s
  if is_causal:
    keep = torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril()
    a = a.masked_fill(~keep, -math.inf)
  if m is not None:
    a = a.masked_fill(~m, -math.inf) if m.dtype == torch.bool else a + m
  return torch.softmax(a, -1) @ v


def fused_attention_reference(q, k, v, is_causal=False, scale=None, lse=False):
  """ember's _scaled_dot_product_fused_attention (PyTorch 2.x's flash attention without dropout;
  1.13 has none): the attention output, or (lse=True) each query row's log-sum-exp of its scaled,
  masked scores (the op's second output, which carries no gradient)."""
  if q.dim() not in (3, 4) or k.dim() != q.dim() or v.dim() != q.dim():
    raise RuntimeError("expects 3-D or 4-D query, key and value of the same rank")
  if q.shape[:-2] != k.shape[:-2] or q.shape[:-2] != v.shape[:-2]:
    raise RuntimeError("query, key and value must have the same batch and head sizes")
  if k.size(-2) == 0:
    raise RuntimeError("needs at least one key")
  s = scale if scale is not None else 1 / math.sqrt(q.size(-1))
  a = q @ k.transpose(-2, -1) * s
  if is_causal:
    keep = torch.ones(q.size(-2), k.size(-2), dtype=torch.bool).tril()
    a = a.masked_fill(~keep, -math.inf)
  if lse:
    return torch.logsumexp(a.float() if a.dtype in (bf16, f16) else a, -1)
  return torch.softmax(a, -1) @ v


def rms_norm_reference(x, normalized_shape, w=None, eps=None):
  """PyTorch 2.4's rms_norm (1.13 has none)."""
  if not normalized_shape:  # as PyTorch 2.4's check
    raise RuntimeError("Expected normalized_shape to be at least 1-dimensional")
  dims = list(range(-len(normalized_shape), 0))
  e = eps if eps is not None else torch.finfo(x.dtype).eps
  y = x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + e)
  return y * w if w is not None else y


LOSS = [
    Op("mse_loss", lambda x, y, reduction: FN.mse_loss(x, y, reduction=reduction),
       loss_samples()),
    Op("l1_loss", lambda x, y, reduction: FN.l1_loss(x, y, reduction=reduction), loss_samples(),
       domains=["distinct", "odd"], kinks=True),
    Op("smooth_l1_loss",
       lambda x, y, reduction, beta=1.0: FN.smooth_l1_loss(x, y, reduction=reduction, beta=beta),
       loss_samples(extra=[S(T((2, 3), f64), T((2, 3), f64), reduction="mean", beta=0.5)]),
       domains=["distinct", "odd"], kinks=True),
    Op("huber_loss",
       lambda x, y, reduction, delta=1.0: FN.huber_loss(x, y, reduction=reduction, delta=delta),
       loss_samples(extra=[S(T((2, 3), f64), T((2, 3), f64), reduction="sum", delta=0.5)]),
       domains=["distinct", "odd"], kinks=True),
    Op("soft_margin_loss", lambda x, y, reduction: FN.soft_margin_loss(x, y, reduction=reduction),
       loss_samples(tgrad=False), domains=[None, SIGN]),
    Op("binary_cross_entropy",
       lambda x, y, w=None, reduction="mean": FN.binary_cross_entropy(x, y, w,
                                                                       reduction=reduction),
       loss_samples(extra=[S(T((2, 3), f64), T((2, 3), f64), T((3,), f64, domain="pos",
                                                                grad=False), reduction="mean")]),
       domains=[PROB, PROB]),
    Op("binary_cross_entropy_with_logits",
       lambda x, y, w=None, pw=None, reduction="mean": FN.binary_cross_entropy_with_logits(
           x, y, w, reduction=reduction, pos_weight=pw),
       loss_samples(extra=[
           S(T((2, 3), f64), T((2, 3), f64), T((3,), f64, domain="pos", grad=False),
             reduction="mean"),
           S(T((2, 3), f64), T((2, 3), f64), T((3,), f64, domain="pos", grad=False),
             T((3,), f64, domain="pos", grad=False), reduction="sum")]),
       domains=[None, PROB]),
    Op("kl_div",
       lambda x, y, reduction, log_target=False: FN.kl_div(x, y, reduction=reduction,
                                                          log_target=log_target),
       loss_samples(extra=[S(T((2, 3), f64), T((2, 3), f64), reduction="batchmean"),
                           S(T((2, 3), f64), T((2, 3), f64, domain=None), reduction="sum",
                             log_target=True)]),
       domains=[None, PROB]),
    Op("poisson_nll_loss",
       lambda x, y, reduction, log_input=True, full=False: FN.poisson_nll_loss(
           x, y, log_input=log_input, full=full, reduction=reduction),
       loss_samples(extra=[
           S(T((2, 3), f64), T((2, 3), f64), reduction="mean", log_input=True, full=True),
           S(T((2, 3), f64, domain="pos"), T((2, 3), f64), reduction="sum", log_input=False,
             full=True)]),
       domains=[None, "pos"], node=False),
    Op("gaussian_nll_loss",
       lambda x, y, v, reduction, full=False: FN.gaussian_nll_loss(x, y, v, full=full,
                                                                   reduction=reduction),
       [S(T((2, 3), f32), T((2, 3), f32), T((2, 3), f32), reduction="mean"),
        S(T((2, 3), f64), T((2, 3), f64), T((2, 3), f64), reduction="none"),
        S(T((2, 3), f64, "t"), T((2, 3), f64), T((2, 1), f64), reduction="sum", full=True),
        S(T((2, 3), f64), T((2, 3), f64), T((2,), f64), reduction="mean"),
        S(T((2, 3), bf16), T((2, 3), bf16), T((2, 3), bf16), reduction="mean"),
        S(T((2, 3), f16), T((2, 3), f16), T((2, 3), f16), reduction="mean"),
        S(T((0, 3), f32), T((0, 3), f32), T((0, 3), f32), reduction="sum"),
        S(T((), f64), T((), f64), T((), f64), reduction="mean"),
        S(T((2, 3), f64), T((2, 3), f64), T((2, 3), f64, domain=[-1.0]), reduction="mean"),
        S(T((2, 3), f64), T((2, 3), f64), T((3, 3), f64), reduction="mean")],
       domains=[None, None, "pos"], node=False),
    Op("margin_ranking_loss",
       lambda x1, x2, y, reduction, margin=0.0: FN.margin_ranking_loss(x1, x2, y, margin=margin,
                                                                       reduction=reduction),
       [S(T((4,), f32), T((4,), f32), T((4,), f32), reduction="mean"),
        S(T((4,), f64), T((4,), f64), T((4,), f64), reduction="none"),
        S(T((2, 3), f64, "t"), T((2, 3), f64), T((2, 3), f64), reduction="sum", margin=0.5),
        S(T((4,), bf16), T((4,), bf16), T((4,), bf16), reduction="mean"),
        S(T((4,), f16), T((4,), f16), T((4,), f16), reduction="mean"),
        S(T((0,), f32), T((0,), f32), T((0,), f32), reduction="mean"),
        S(T((), f64), T((), f64), T((), f64), reduction="sum", margin=0.5),
        S(T((4,), f64), T((3,), f64), T((4,), f64), reduction="mean")],
       domains=["distinct", "odd", SIGN], kinks=True, node=False),
    Op("hinge_embedding_loss",
       lambda x, y, reduction, margin=1.0: FN.hinge_embedding_loss(x, y, margin=margin,
                                                                   reduction=reduction),
       loss_samples(tgrad=False, extra=[S(T((2, 3), f64), T((2, 3), f64, grad=False),
                                          reduction="mean", margin=0.5)]),
       domains=["odd", SIGN], node=False),
    Op("cosine_embedding_loss",
       lambda x1, x2, y, reduction, margin=0.0: FN.cosine_embedding_loss(
           x1, x2, y, margin=margin, reduction=reduction),
       [S(T((2, 3), f32), T((2, 3), f32), T((2,), f32, grad=False), reduction="mean"),
        S(T((3, 4), f64), T((3, 4), f64), T((3,), f64, grad=False), reduction="none"),
        S(T((3, 4), f64, "t"), T((3, 4), f64, "step"), T((3,), f64, grad=False),
          reduction="sum", margin=0.25),
        S(T((4,), f64), T((4,), f64), T((), f64, grad=False), reduction="mean"),
        S(T((2, 3), bf16), T((2, 3), bf16), T((2,), bf16, grad=False), reduction="mean"),
        S(T((2, 3), f16), T((2, 3), f16), T((2,), f16, grad=False), reduction="mean"),
        S(T((0, 3), f32), T((0, 3), f32), T((0,), f32, grad=False), reduction="sum"),
        S(T((2, 3), f64), T((2, 3), f64), T((3,), f64, grad=False), reduction="mean")],
       domains=["nonzero", "nonzero", SIGN], node=False),
    Op("triplet_margin_loss",
       lambda a, p, n, reduction, margin=1.0, p_norm=2.0, swap=False: FN.triplet_margin_loss(
           a, p, n, margin=margin, p=p_norm, swap=swap, reduction=reduction),
       [S(T((2, 3), f32), T((2, 3), f32), T((2, 3), f32), reduction="mean"),
        S(T((3, 4), f64), T((3, 4), f64), T((3, 4), f64), reduction="none"),
        S(T((3, 4), f64, "t"), T((3, 4), f64), T((3, 4), f64), reduction="sum", margin=2.0,
          p_norm=1.0, swap=True),
        S(T((4,), f64), T((4,), f64), T((4,), f64), reduction="mean", margin=3.0),
        S(T((2, 3), bf16), T((2, 3), bf16), T((2, 3), bf16), reduction="mean"),
        S(T((2, 3), f16), T((2, 3), f16), T((2, 3), f16), reduction="mean"),
        S(T((0, 3), f32), T((0, 3), f32), T((0, 3), f32), reduction="sum"),
        S(T((), f64), T((), f64), T((), f64), reduction="mean")],
       domains=["distinct", "odd", QUARTER], node=False),
    Op("triplet_margin_with_distance_loss",
       lambda a, p, n, reduction, margin=1.0, swap=False: FN.triplet_margin_with_distance_loss(
           a, p, n, margin=margin, swap=swap, reduction=reduction),
       [S(T((2, 3), f32), T((2, 3), f32), T((2, 3), f32), reduction="mean"),
        S(T((3, 4), f64), T((3, 4), f64), T((3, 4), f64), reduction="none", margin=2.0),
        S(T((3, 4), f64, "t"), T((3, 4), f64), T((3, 4), f64), reduction="sum", margin=2.0,
          swap=True),
        S(T((2, 3), bf16), T((2, 3), bf16), T((2, 3), bf16), reduction="mean"),
        S(T((0, 3), f32), T((0, 3), f32), T((0, 3), f32), reduction="sum"),
        S(T((), f64), T((), f64), T((), f64), reduction="mean")],
       domains=["distinct", "odd", QUARTER], node=False),
    Op("multi_margin_loss",
       lambda x, y, w=None, reduction="mean", p=1, margin=1.0: FN.multi_margin_loss(
           x, y, p=p, margin=margin, weight=w, reduction=reduction),
       [S(T((2, 3), f32), T((2,), i64, domain=cls(3)), reduction="mean"),
        S(T((4, 3), f64), T((4,), i64, domain=cls(3)), reduction="none", margin=0.53125),
        S(T((4, 3), f64, "t"), T((4,), i64, domain=cls(3)), reduction="sum", p=2),
        S(T((4, 3), f64), T((4,), i64, domain=cls(3)), T((3,), f64, domain="pos", grad=False),
          reduction="mean", margin=0.53125),
        S(T((3,), f64), T((), i64, domain=cls(3)), reduction="mean"),
        S(T((2, 3), bf16), T((2,), i64, domain=cls(3)), reduction="mean"),
        S(T((2, 3), f16), T((2,), i64, domain=cls(3)), reduction="mean"),
        S(T((0, 3), f32), T((0,), i64), reduction="none"),  # "sum": uninitialised in 1.13
        S(T((2, 3), f64), T((2,), i64, domain=[3]), reduction="mean"),
        S(T((2, 3), f64), T((2,), i64, domain=cls(3)), reduction="mean", p=3)],
       domains=[SMALL]),
    Op("multilabel_margin_loss",
       lambda x, y, reduction: FN.multilabel_margin_loss(x, y, reduction=reduction),
       [S(T((2, 4), f32), T((2, 4), i64), reduction="mean"),
        S(T((3, 4), f64), T((3, 4), i64), reduction="none"),
        S(T((3, 4), f64, "t"), T((3, 4), i64), reduction="sum"),
        S(T((4,), f64), T((4,), i64), reduction="mean"),
        S(T((2, 4), bf16), T((2, 4), i64), reduction="mean"),
        S(T((2, 4), f16), T((2, 4), i64), reduction="mean"),
        S(T((0, 4), f32), T((0, 4), i64), reduction="none"),  # "sum": uninitialised in 1.13
        S(T((), f64), T((), i64, domain=[0]), reduction="mean"),
        S(T((2, 4), f64), T((2, 3), i64), reduction="mean")],
       domains=[SMALL, [-1, 0, 1, 2, 3]]),
    Op("multilabel_soft_margin_loss",
       lambda x, y, w=None, reduction="mean": FN.multilabel_soft_margin_loss(
           x, y, weight=w, reduction=reduction),
       [S(T((2, 3), f32), T((2, 3), f32), reduction="mean"),
        S(T((3, 4), f64), T((3, 4), f64), reduction="none"),
        S(T((3, 4), f64, "t"), T((3, 4), f64), reduction="sum"),
        S(T((3, 4), f64), T((3, 4), f64), T((4,), f64, domain="pos"), reduction="mean"),
        S(T((2, 3), bf16), T((2, 3), bf16), reduction="mean"),
        S(T((2, 3), f16), T((2, 3), f16), reduction="mean"),
        S(T((0, 3), f32), T((0, 3), f32), reduction="sum"),
        S(T((), f64), T((), f64), reduction="mean")],
       domains=[None, [0.0, 1.0]], node=False),
    Op("nll_loss",
       lambda x, y, w=None, reduction="mean", ignore_index=-100: FN.nll_loss(
           x, y, w, ignore_index=ignore_index, reduction=reduction), nll_samples()),
    Op("cross_entropy",
       lambda x, y, w=None, reduction="mean", ignore_index=-100, label_smoothing=0.0:
       FN.cross_entropy(x, y, w, ignore_index=ignore_index, reduction=reduction,
                        label_smoothing=label_smoothing),
       nll_samples(extra=[
           S(T((4, 3), f64), T((4,), i64, domain=cls(3)), reduction="mean", ignore_index=-100,
             label_smoothing=0.2),
           S(T((4, 3), f64), T((4,), i64, domain=cls(3)), T((3,), f64, domain="pos",
                                                            grad=False),
             reduction="sum", ignore_index=1, label_smoothing=0.1),
           S(T((4, 3), f64), T((4, 3), f64, domain=PROB), reduction="mean", ignore_index=-100),
           S(T((2, 3, 2), f64), T((2, 3, 2), f64, domain=PROB), reduction="none",
             ignore_index=-100, label_smoothing=0.3),
           S(T((4, 3), f32), T((4, 3), f32, domain=PROB), T((3,), f32, domain="pos",
                                                            grad=False),
             reduction="mean", ignore_index=-100)]), node=False),
    Op("ctc_loss", ctc,
       [S(T((5, 2, 4), f32), T((2, 3), i64, domain=[1, 2, 3]), input_lengths=[5, 4],
          target_lengths=[3, 2], blank=0, reduction="mean", zero_infinity=False),
        S(T((5, 2, 4), f64), T((2, 3), i64, domain=[1, 2, 3]), input_lengths=[5, 5],
          target_lengths=[2, 3], blank=0, reduction="none", zero_infinity=False),
        S(T((4, 2, 3), f64), T((2, 2), i64, domain=[0, 1]), input_lengths=[4, 3],
          target_lengths=[2, 1], blank=2, reduction="sum", zero_infinity=False),
        S(T((5, 4), f64), T((3,), i64, domain=[1, 2, 3]), input_lengths=[5],
          target_lengths=[3], blank=0, reduction="mean", zero_infinity=False),
        S(T((5, 2, 4), f64), T((5,), i64, domain=[1, 2, 3]), input_lengths=[5, 4],
          target_lengths=[3, 2], blank=0, reduction="mean", zero_infinity=False),
        S(T((2, 2, 4), f64), T((2, 3), i64, domain=[1]), input_lengths=[2, 2],
          target_lengths=[3, 1], blank=0, reduction="none", zero_infinity=True),
        S(T((2, 2, 4), f64), T((2, 3), i64, domain=[1]), input_lengths=[2, 2],
          target_lengths=[3, 1], blank=0, reduction="none", zero_infinity=False,
          _gradcheck=False),  # infinite loss
        S(T((5, 0, 4), f32), T((0, 3), i64), input_lengths=[], target_lengths=[], blank=0,
          reduction="sum", zero_infinity=False),
        S(T((), f64), T((), i64), input_lengths=[], target_lengths=[], blank=0,
          reduction="sum", zero_infinity=False),
        S(T((5, 2, 4), f64), T((2, 3), i64, domain=[1, 2, 3]), input_lengths=[6, 4],
          target_lengths=[3, 2], blank=0, reduction="mean", zero_infinity=False)],
       gradgrad=False, node=False),  # PyTorch: ctc_loss_backward has no derivative
]


def bn_eval(x, rm, rv, w=None, b=None, eps=1e-5):
  return FN.batch_norm(x, rm, rv, w, b, training=False, eps=eps)


def bn_train(x, w=None, b=None, eps=1e-5):
  return FN.batch_norm(x, None, None, w, b, training=True, eps=eps)


def bn_stats(x, rm, rv, momentum):
  rm, rv = rm.clone(), rv.clone()
  FN.batch_norm(x, rm, rv, training=True, momentum=momentum)
  return torch.cat([rm, rv])


def norm_samples(c=3, n_groups=None):
  """(x [N, C, ...], weight [C], bias [C]) in several ranks, layouts and dtypes."""
  return [
      S(T((2, c, 4), f32), T((c,), f32), T((c,), f32)),
      S(T((2, c), f64), T((c,), f64), T((c,), f64)),
      S(T((2, c, 2, 2), f64, "t"), T((c,), f64), T((c,), f64)),
      S(T((3, c, 2), f64)),
      S(T((2, c, 4), bf16), T((c,), bf16), T((c,), bf16)),
      S(T((2, c, 4), f16), T((c,), f16), T((c,), f16)),
      S(T((0, c, 4), f32), T((c,), f32), T((c,), f32)),
      S(T((), f64)),
      S(T((2, c + 1, 4), f64), T((c,), f64), T((c,), f64)),
  ]


NORM = [
    Op("batch_norm_eval", bn_eval,
       [S(T((2, 3, 4), f32), T((3,), f32, grad=False), T((3,), f32, "contig", "pos", False),
          T((3,), f32), T((3,), f32)),
        S(T((2, 3), f64), T((3,), f64, grad=False), T((3,), f64, "contig", "pos", False),
          T((3,), f64), T((3,), f64), eps=0.1),
        S(T((2, 3, 2, 2), f64, "t"), T((3,), f64, grad=False),
          T((3,), f64, "contig", "pos", False), T((3,), f64), T((3,), f64)),
        S(T((2, 3, 2), f64), T((3,), f64, grad=False), T((3,), f64, "contig", "pos", False)),
        S(T((2, 3, 4), bf16), T((3,), bf16, grad=False), T((3,), bf16, "contig", "pos", False),
          T((3,), bf16), T((3,), bf16)),
        S(T((2, 3, 4), f16), T((3,), f16, grad=False), T((3,), f16, "contig", "pos", False),
          T((3,), f16), T((3,), f16)),
        S(T((0, 3, 4), f32), T((3,), f32, grad=False), T((3,), f32, "contig", "pos", False)),
        S(T((), f64), T((3,), f64, grad=False), T((3,), f64, "contig", "pos", False)),
        S(T((2, 4, 2), f64), T((3,), f64, grad=False), T((3,), f64, "contig", "pos", False))]),
    Op("batch_norm_train", bn_train,
       [S(T((2, 3, 4), f32), T((3,), f32), T((3,), f32)),
        S(T((4, 3), f64), T((3,), f64), T((3,), f64), eps=0.1),
        S(T((2, 3, 2, 2), f64, "t"), T((3,), f64), T((3,), f64)),
        S(T((3, 3, 2), f64)),
        S(T((2, 3, 4), bf16), T((3,), bf16), T((3,), bf16)),
        S(T((2, 3, 4), f16), T((3,), f16), T((3,), f16)),
        S(T((0, 3, 4), f32), T((3,), f32), T((3,), f32)),
        S(T((), f64)),
        S(T((1, 3), f64), T((3,), f64), T((3,), f64))]),  # one value per channel: error
    Op("batch_norm_stats", bn_stats,
       [S(T((2, 3, 4), f32), T((3,), f32), T((3,), f32, domain="pos"), momentum=0.2),
        S(T((4, 3), f64), T((3,), f64), T((3,), f64, domain="pos"), momentum=0.1),
        S(T((2, 3, 4), bf16), T((3,), bf16), T((3,), bf16, domain="pos"), momentum=0.5),
        S(T((0, 3), f32), T((3,), f32), T((3,), f32, domain="pos"), momentum=0.1),
        S(T((), f64), T((3,), f64), T((3,), f64, domain="pos"), momentum=0.1)], grad=False),
    Op("layer_norm",
       lambda x, w=None, b=None, normalized_shape=(), eps=1e-5: FN.layer_norm(
           x, normalized_shape, w, b, eps),
       [S(T((2, 3, 4), f32), T((4,), f32), T((4,), f32), normalized_shape=[4]),
        S(T((2, 3, 4), f64), T((3, 4), f64), T((3, 4), f64), normalized_shape=[3, 4]),
        S(T((3, 4), f64, "t"), T((4,), f64), T((4,), f64), normalized_shape=[4], eps=0.1),
        S(T((2, 3), f64), normalized_shape=[2, 3]),
        S(T((2, 4), bf16), T((4,), bf16), T((4,), bf16), normalized_shape=[4]),
        S(T((2, 4), f16), T((4,), f16), T((4,), f16), normalized_shape=[4]),
        S(T((0, 4), f32), T((4,), f32), T((4,), f32), normalized_shape=[4]),
        S(T((), f64), normalized_shape=[]),
        S(T((2, 4), f64), T((3,), f64), normalized_shape=[3])]),
    Op("group_norm",
       lambda x, w=None, b=None, num_groups=1, eps=1e-5: FN.group_norm(x, num_groups, w, b, eps),
       [S(T((2, 4, 3), f32), T((4,), f32), T((4,), f32), num_groups=2),
        S(T((2, 4, 3), f64), T((4,), f64), T((4,), f64), num_groups=2),
        S(T((2, 4, 2, 2), f64, "t"), T((4,), f64), T((4,), f64), num_groups=4, eps=0.1),
        S(T((3, 6), f64), num_groups=3),
        S(T((2, 4, 3), bf16), T((4,), bf16), T((4,), bf16), num_groups=2),
        S(T((2, 4, 3), f16), T((4,), f16), T((4,), f16), num_groups=2),
        S(T((0, 4, 3), f32), T((4,), f32), T((4,), f32), num_groups=2),
        S(T((), f64), num_groups=1),
        S(T((2, 4, 3), f64), num_groups=3)]),
    Op("instance_norm",
       lambda x, w=None, b=None, eps=1e-5: FN.instance_norm(x, weight=w, bias=b, eps=eps),
       [S(T((2, 3, 4), f32), T((3,), f32), T((3,), f32)),
        S(T((2, 3, 4), f64), T((3,), f64), T((3,), f64), eps=0.1),
        S(T((2, 3, 2, 2), f64, "t"), T((3,), f64), T((3,), f64)),
        S(T((1, 2, 3), f64)),
        S(T((2, 3, 4), bf16), T((3,), bf16), T((3,), bf16)),
        S(T((2, 3, 4), f16), T((3,), f16), T((3,), f16)),
        S(T((0, 3, 4), f32), T((3,), f32), T((3,), f32)),
        S(T((), f64)),
        S(T((2, 3, 1), f64))]),  # one value per instance: error
    Op("instance_norm_running",
       lambda x, rm, rv, eps=1e-5: FN.instance_norm(x, rm, rv, use_input_stats=False, eps=eps),
       [S(T((2, 3, 4), f32), T((3,), f32, grad=False), T((3,), f32, "contig", "pos", False)),
        S(T((2, 3, 4), f64), T((3,), f64, grad=False), T((3,), f64, "contig", "pos", False)),
        S(T((2, 3, 2), bf16), T((3,), bf16, grad=False), T((3,), bf16, "contig", "pos", False)),
        S(T((0, 3, 4), f32), T((3,), f32, grad=False), T((3,), f32, "contig", "pos", False)),
        S(T((), f64), T((3,), f64, grad=False), T((3,), f64, "contig", "pos", False))],
       node=False),
    Op("rms_norm",
       lambda x, w=None, normalized_shape=(), eps=None: rms_norm_reference(
           x, normalized_shape, w, eps),
       [S(T((2, 3, 4), f32), T((4,), f32), normalized_shape=[4]),
        S(T((2, 3, 4), f64), T((3, 4), f64), normalized_shape=[3, 4]),
        S(T((3, 4), f64, "t"), T((4,), f64), normalized_shape=[4], eps=0.1),
        S(T((2, 3), f64), normalized_shape=[3]),
        S(T((2, 4), bf16), T((4,), bf16), normalized_shape=[4]),
        S(T((0, 4), f32), T((4,), f32), normalized_shape=[4]),
        S(T((), f64), normalized_shape=[])], domains=["nonzero"], node=False),
    Op("local_response_norm",
       lambda x, size, alpha=1e-4, beta=0.75, k=1.0: FN.local_response_norm(x, size, alpha, beta,
                                                                            k),
       [S(T((2, 4, 3), f32), size=2),
        S(T((2, 4, 3), f64), size=3, alpha=0.5, beta=0.5, k=2.0),
        S(T((1, 4, 2, 3), f64, "t"), size=2, alpha=0.1),
        S(T((1, 3, 2, 2, 2), f64), size=3, alpha=0.2),
        S(T((2, 4, 3), bf16), size=2),
        S(T((0, 4, 3), f32), size=2),
        S(T((2, 4), f64), size=2),  # 2-d: error
        S(T((), f64), size=2)], node=False),
    Op("normalize",
       lambda x, p=2.0, dim=1, eps=1e-12: FN.normalize(x, p, dim, eps),
       [S(T((2, 3), f32)), S(T((2, 3), f64), p=1.0, dim=0), S(T((3, 2), f64, "t"), p=3.0, dim=-1),
        S(T((2, 3, 2), f64), dim=1, eps=0.5), S(T((2, 3), bf16)), S(T((2, 3), f16)),
        S(T((0, 3), f32)), S(T((), f64), dim=0), S(T((2, 3), f64), dim=2)],
       domains=["nonzero"], node=False),
]

EMBEDDING = [
    Op("embedding",
       lambda i, w, padding_idx=None, scale_grad_by_freq=False: FN.embedding(
           i, w, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq),
       [S(T((2, 3), i64, domain=cls(5)), T((5, 3), f32)),
        S(T((2, 3), i64, domain=cls(5)), T((5, 3), f64)),
        S(T((4,), i32, domain=cls(5)), T((3, 5), f64, "t")),
        S(T((2, 3), i64, domain=cls(5)), T((5, 2), f64), padding_idx=1),
        # scale_grad_by_freq divides the gradient by the index counts: not the derivative, so no
        # finite differences (PyTorch's own gradcheck would fail the same way)
        S(T((2, 3), i64, domain=cls(3)), T((5, 2), f64), scale_grad_by_freq=True,
          _gradcheck=False),
        S(T((2, 3), i64, domain=cls(5)), T((5, 2), f64), padding_idx=-2,
          scale_grad_by_freq=True, _gradcheck=False),
        S(T((), i64, domain=cls(5)), T((5, 3), f64)),
        S(T((0,), i64), T((5, 3), f32)),
        S(T((3,), i64, domain=cls(5)), T((5, 3), bf16)),
        S(T((3,), i64, domain=cls(5)), T((5, 3), f16)),
        S(T((3,), i64, domain=[5]), T((5, 3), f64)),  # index out of range
        S(T((3,), i64, domain=cls(5)), T((5,), f64))]),  # weight not 2-d
    Op("embedding_bag",
       lambda i, w, psw=None, offsets=None, mode="mean", include_last_offset=False,
       padding_idx=None: FN.embedding_bag(
           i, w, None if offsets is None else torch.tensor(offsets), mode=mode,
           per_sample_weights=psw, include_last_offset=include_last_offset,
           padding_idx=padding_idx),
       [S(T((6,), i64, domain=cls(5)), T((5, 3), f32), offsets=[0, 2, 5]),
        S(T((6,), i64, domain=cls(5)), T((5, 3), f64), offsets=[0, 2, 5], mode="sum"),
        S(T((6,), i64, domain=cls(5)), T((5, 3), f64), offsets=[0, 2, 2], mode="mean"),
        S(T((6,), i64, domain=cls(5)), T((5, 3), f64, domain="distinct"), offsets=[0, 4],
          mode="max"),
        S(T((2, 3), i64, domain=cls(5)), T((5, 3), f64)),
        S(T((2, 3), i64, domain=cls(5)), T((5, 3), f64, domain="distinct"), mode="max"),
        S(T((6,), i64, domain=cls(5)), T((5, 3), f64), T((6,), f64), offsets=[0, 3],
          mode="sum"),
        S(T((6,), i64, domain=cls(5)), T((5, 3), f64), offsets=[0, 2, 6],
          include_last_offset=True, mode="sum"),
        S(T((6,), i64, domain=cls(3)), T((5, 3), f64), offsets=[0, 3], padding_idx=1),
        S(T((6,), i32, domain=cls(5)), T((5, 3), bf16), offsets=[0, 2], mode="sum"),
        S(T((6,), i64, domain=cls(5)), T((5, 3), f16), offsets=[0, 2], mode="sum"),
        S(T((0,), i64), T((5, 3), f32), offsets=[0, 0]),
        S(T((), i64), T((5, 3), f64), offsets=[0]),
        S(T((6,), i64, domain=cls(5)), T((5, 3), f64), T((6,), f64), offsets=[0, 3],
          mode="mean")]),  # per_sample_weights need mode sum: error
    Op("one_hot", lambda i, num_classes=-1: FN.one_hot(i, num_classes),
       [S(T((2, 3), i64, domain=cls(4))), S(T((4,), i64, domain=cls(4)), num_classes=6),
        S(T((), i64, domain=cls(4)), num_classes=4), S(T((0,), i64), num_classes=3),
        S(T((3,), i64, domain=cls(4)), num_classes=2), S(T((3,), i32, domain=cls(4)))],
       grad=False),
    Op("cosine_similarity",
       lambda x1, x2, dim=1, eps=1e-8: FN.cosine_similarity(x1, x2, dim, eps),
       [S(T((2, 3), f32), T((2, 3), f32)), S(T((2, 3), f64), T((2, 3), f64), dim=0),
        S(T((3, 2), f64, "t"), T((1, 2), f64), dim=-1), S(T((2, 3, 2), f64), T((2, 3, 2), f64)),
        S(T((4,), f64), T((4,), f64), dim=0, eps=0.5),
        S(T((2, 3), bf16), T((2, 3), bf16)), S(T((2, 3), f16), T((2, 3), f16)),
        S(T((0, 3), f32), T((0, 3), f32)), S(T((), f64), T((), f64), dim=0),
        S(T((2, 3), f64), T((4, 3), f64))], domains=["nonzero", "nonzero"], node=False),
    Op("pairwise_distance",
       lambda x1, x2, p=2.0, eps=1e-6, keepdim=False: FN.pairwise_distance(x1, x2, p, eps,
                                                                           keepdim),
       [S(T((2, 3), f32), T((2, 3), f32)), S(T((2, 3), f64), T((2, 3), f64), p=1.0),
        S(T((3, 2), f64, "t"), T((1, 2), f64), p=3.0, keepdim=True),
        S(T((4,), f64), T((4,), f64), eps=0.1), S(T((2, 3), bf16), T((2, 3), bf16)),
        S(T((2, 3), f16), T((2, 3), f16)), S(T((0, 3), f32), T((0, 3), f32)),
        S(T((), f64), T((), f64)), S(T((2, 3), f64), T((4, 3), f64))],
       domains=["distinct", "odd"], node=False),
    Op("softmax_dtype", lambda x, dim, dtype: FN.softmax(x, dim, dtype=dtype),
       [S(T((2, 3), f32), dim=1, dtype=f64), S(T((2, 3), f64, "t"), dim=0, dtype=f64),
        S(T((2, 3), bf16), dim=1, dtype=f32), S(T((2, 3), f16), dim=-1, dtype=f32),
        S(T((0, 3), f32), dim=1, dtype=f64), S(T((), f64), dim=0, dtype=f32),
        S(T((2, 3, 2), f64), dim=1, dtype=f64)], node=False),
    Op("log_softmax_dtype", lambda x, dim, dtype: FN.log_softmax(x, dim, dtype=dtype),
       [S(T((2, 3), f32), dim=1, dtype=f64), S(T((2, 3), f64, "t"), dim=0, dtype=f64),
        S(T((2, 3), bf16), dim=1, dtype=f32), S(T((2, 3), f16), dim=-1, dtype=f32),
        S(T((0, 3), f32), dim=1, dtype=f64), S(T((), f64), dim=0, dtype=f32),
        S(T((2, 3, 2), f64), dim=1, dtype=f64)], node=False),
]


def conv(fn):
  """x, weight[, bias] and the convolution's keyword arguments."""
  return lambda x, w, b=None, **kw: fn(x, w, b, **kw)


def conv_samples(d):
  """d spatial dims: shapes [N, C, 4...] with 2x..x2 kernels; strides, padding, dilation,
  groups, string padding, dtypes, zero batch, errors."""
  sp, k = (4,) * d, (2,) * d
  k3 = (3,) * d
  return [
      S(T((1, 2) + sp, f32), T((3, 2) + k, f32), T((3,), f32)),
      S(T((2, 2) + sp, f64), T((3, 2) + k, f64), T((3,), f64), stride=2, padding=1),
      S(T((1, 2) + sp, f64, "t"), T((2, 2) + k, f64), dilation=2),
      S(T((1, 4) + sp, f64), T((4, 2) + k, f64), T((4,), f64), groups=2, padding=[1] * d),
      S(T((1, 2) + sp, f64), T((2, 2) + k3, f64), T((2,), f64), padding="same", dilation=1),
      S(T((1, 2) + sp, f64), T((2, 2) + k, f64), padding="valid"),
      S(T((1, 2) + sp, bf16), T((3, 2) + k, bf16), T((3,), bf16)),
      S(T((1, 2) + sp, f16), T((3, 2) + k, f16), T((3,), f16)),
      S(T((0, 2) + sp, f32), T((3, 2) + k, f32), T((3,), f32)),
      S(T((), f64), T((3, 2) + k, f64)),
      S(T((1, 3) + sp, f64), T((3, 2) + k, f64)),  # channel mismatch
  ]


def conv_transpose_samples(d):
  sp, k = (3,) * d, (2,) * d
  return [
      S(T((1, 2) + sp, f32), T((2, 3) + k, f32), T((3,), f32)),
      S(T((2, 2) + sp, f64), T((2, 3) + k, f64), T((3,), f64), stride=2, padding=1,
        output_padding=1),
      S(T((1, 2) + sp, f64, "t"), T((2, 2) + k, f64), dilation=2),
      S(T((1, 4) + sp, f64), T((4, 1) + k, f64), T((2,), f64), groups=2, stride=2),
      S(T((1, 2) + sp, bf16), T((2, 3) + k, bf16), T((3,), bf16)),
      S(T((1, 2) + sp, f16), T((2, 3) + k, f16), T((3,), f16)),
      S(T((0, 2) + sp, f32), T((2, 3) + k, f32), T((3,), f32)),
      S(T((), f64), T((2, 3) + k, f64)),
      S(T((1, 2) + sp, f64), T((2, 3) + k, f64), stride=2, output_padding=2),  # error
  ]


def pool_samples(d, max_pool):
  """[N, C, 4...] (d spatial dims) with kernels, strides, padding, ceil_mode and, for max pooling,
  dilation; for average pooling count_include_pad."""
  sp = (4,) * d
  n = 1 if d == 3 else 2  # inputs of at most 97 elements: "distinct" values, no ties
  s = [
      S(T((1, 2) + sp, f32), kernel_size=2),
      S(T((n, 1) + sp, f64), kernel_size=3, stride=2, padding=1),
      S(T((1, n) + sp, f64, "t"), kernel_size=[2] * d, stride=[1] * d),
      S(T((1, 1) + (5 if d < 3 else 4,) * d, f64), kernel_size=2, stride=2, ceil_mode=True),
      S(T((n,) + sp, f64), kernel_size=2, stride=1),  # no batch dim
      S(T((1, 2) + sp, bf16), kernel_size=2),
      S(T((1, 2) + sp, f16), kernel_size=2),
      S(T((0, 2) + sp, f32), kernel_size=2),
      S(T((), f64), kernel_size=2),
      S(T((1, 1) + sp, f64), kernel_size=2, padding=2),  # padding over half the kernel
  ]
  if max_pool:
    s.append(S(T((1, 1) + (5 if d < 3 else 4,) * d, f64), kernel_size=2, dilation=2, padding=1))
  else:
    s.append(S(T((1, 1) + (5,) * d, f64), kernel_size=3, stride=2, padding=1, ceil_mode=True,
               count_include_pad=False))
  return s


def adaptive_samples(d):
  n, m = (1, 4) if d == 3 else (2, 5)  # at most 97 elements: no ties for max
  return [
      S(T((1, 2) + (5,) * d, f32), output_size=[2] * d),
      S(T((n, 1) + (m,) * d, f64), output_size=[3] * d),
      S(T((1, n) + (4,) * d, f64, "t"), output_size=[4] * d),
      S(T((2,) + (3,) * d, f64), output_size=[1] * d),
      S(T((1, 2) + (4,) * d, bf16), output_size=[2] * d),
      S(T((1, 2) + (4,) * d, f16), output_size=[2] * d),
      S(T((0, 2) + (4,) * d, f32), output_size=[2] * d),
      S(T((), f64), output_size=[2] * d),
  ]


def values(t):
  return t[0] if isinstance(t, tuple) else t


CONV = [
    Op("conv1d", conv(torch.conv1d), conv_samples(1), node=False),
    Op("conv2d", conv(torch.conv2d), conv_samples(2), node=False),
    Op("conv3d", conv(torch.conv3d), conv_samples(3)[:4] + conv_samples(3)[6:], node=False),
    Op("conv_transpose1d", conv(torch.conv_transpose1d), conv_transpose_samples(1), node=False),
    Op("conv_transpose2d", conv(torch.conv_transpose2d), conv_transpose_samples(2), node=False),
    Op("conv_transpose3d", conv(torch.conv_transpose3d), conv_transpose_samples(3), node=False),
]

POOL = [
    Op("max_pool1d", FN.max_pool1d, pool_samples(1, True), domains=["distinct"], node=False),
    Op("max_pool2d", FN.max_pool2d, pool_samples(2, True), domains=["distinct"]),
    Op("max_pool3d", FN.max_pool3d, pool_samples(3, True), domains=["distinct"]),
    Op("max_pool2d_indices",
       lambda x, **kw: FN.max_pool2d(x, return_indices=True, **kw)[1],
       pool_samples(2, True), domains=["distinct"], grad=False),
    Op("avg_pool1d", FN.avg_pool1d, pool_samples(1, False), node=False),
    Op("avg_pool2d", FN.avg_pool2d,
       pool_samples(2, False) + [S(T((1, 1, 4, 4), f64), kernel_size=3, padding=1,
                                   divisor_override=2)]),
    Op("avg_pool3d", FN.avg_pool3d,
       pool_samples(3, False) + [S(T((1, 1, 3, 3, 3), f64), kernel_size=2, divisor_override=3)]),
    Op("adaptive_avg_pool1d", FN.adaptive_avg_pool1d, adaptive_samples(1), node=False),
    Op("adaptive_avg_pool2d", FN.adaptive_avg_pool2d, adaptive_samples(2), node=False),
    Op("adaptive_avg_pool3d", FN.adaptive_avg_pool3d, adaptive_samples(3), node=False),
    Op("adaptive_max_pool1d", FN.adaptive_max_pool1d, adaptive_samples(1),
       domains=["distinct"], node=False),
    Op("adaptive_max_pool2d", FN.adaptive_max_pool2d, adaptive_samples(2),
       domains=["distinct"]),
    Op("adaptive_max_pool3d", FN.adaptive_max_pool3d, adaptive_samples(3)[:4] +
       adaptive_samples(3)[6:], domains=["distinct"]),
    Op("lp_pool1d", lambda x, norm_type, kernel_size, stride=None, ceil_mode=False: FN.lp_pool1d(
        x, norm_type, kernel_size, stride, ceil_mode),
       [S(T((1, 2, 4), f32), norm_type=2.0, kernel_size=2),
        S(T((2, 1, 5), f64), norm_type=3.0, kernel_size=2, stride=1),
        S(T((1, 2, 5), f64, "t"), norm_type=1.5, kernel_size=2, stride=2, ceil_mode=True),
        S(T((1, 2, 4), bf16), norm_type=2.0, kernel_size=2),
        S(T((0, 2, 4), f32), norm_type=2.0, kernel_size=2),
        S(T((), f64), norm_type=2.0, kernel_size=2)], domains=["pos"], node=False),
    Op("lp_pool2d", lambda x, norm_type, kernel_size, stride=None, ceil_mode=False: FN.lp_pool2d(
        x, norm_type, kernel_size, stride, ceil_mode),
       [S(T((1, 2, 4, 4), f32), norm_type=2.0, kernel_size=2),
        S(T((2, 1, 3, 4), f64), norm_type=3.0, kernel_size=[2, 1], stride=1),
        S(T((1, 2, 5, 5), f64, "t"), norm_type=1.5, kernel_size=2, stride=2, ceil_mode=True),
        S(T((1, 2, 4, 4), bf16), norm_type=2.0, kernel_size=2),
        S(T((0, 2, 4, 4), f32), norm_type=2.0, kernel_size=2),
        S(T((), f64), norm_type=2.0, kernel_size=2)], domains=["pos"], node=False),
]


def pad_samples():
  s = []
  for mode in ["constant", "reflect", "replicate", "circular"]:
    kw = {"value": 1.5} if mode == "constant" else {}
    s += [S(T((1, 2, 4), f64), pad=[1, 2], mode=mode, **kw),
          S(T((1, 2, 3, 4), f64, "t"), pad=[1, 0, 2, 1], mode=mode, **kw),
          S(T((1, 1, 3, 3, 3), f64), pad=[1, 1, 0, 2, 1, 0], mode=mode, **kw),
          S(T((1, 2, 4), f32), pad=[2, 1], mode=mode, **kw),
          S(T((1, 2, 4), bf16), pad=[1, 1], mode=mode, **kw),
          S(T((1, 2, 4), f16), pad=[1, 1], mode=mode, **kw)]
  return s + [
      S(T((2, 3), f64), pad=[1, -1, 0, 2], mode="constant", value=0.0),  # negative pads crop
      S(T((2, 3), i64), pad=[1, 1], mode="constant", value=2.0),
      S(T((), f64), pad=[], mode="constant", value=0.0),
      S(T((0, 2, 3), f32), pad=[1, 1], mode="constant", value=0.0),
      S(T((1, 2, 3), f64), pad=[3, 0], mode="reflect"),  # reflect pad >= size: error
      S(T((0, 2, 3), f32), pad=[1, 1], mode="replicate"),
      S(T((1, 2, 3), f64), pad=[1, 1, 1], mode="constant", value=0.0),  # odd length: error
  ]


def interp(x, size=None, scale_factor=None, mode="nearest", align_corners=None,
           recompute_scale_factor=None):
  return FN.interpolate(x, size=size, scale_factor=scale_factor, mode=mode,
                        align_corners=align_corners,
                        recompute_scale_factor=recompute_scale_factor)


def interp_samples():
  s = [
      S(T((1, 2, 3), f32), size=[5], mode="nearest"),
      S(T((1, 2, 4), f64), scale_factor=[0.5], mode="nearest"),
      S(T((1, 2, 3, 2), f64, "t"), size=[4, 5], mode="nearest"),
      S(T((1, 1, 2, 2, 2), f64), scale_factor=[2.0, 1.5, 1.0], mode="nearest"),
      S(T((1, 2, 3), f64), size=[5], mode="linear", align_corners=False),
      S(T((1, 2, 3), f64), size=[5], mode="linear", align_corners=True),
      S(T((1, 2, 4), f64), scale_factor=[0.75], mode="linear", align_corners=False),
      S(T((1, 2, 3, 2), f64), size=[4, 3], mode="bilinear", align_corners=False),
      S(T((1, 2, 3, 2), f64, "t"), size=[3, 5], mode="bilinear", align_corners=True),
      S(T((1, 1, 3, 3), f64), scale_factor=[1.5, 2.0], mode="bilinear", align_corners=False),
      S(T((1, 1, 3, 3), f64), scale_factor=[1.5, 2.0], mode="bilinear", align_corners=False,
        recompute_scale_factor=True),
      S(T((1, 1, 3, 3), f64), size=[4, 5], mode="bicubic", align_corners=False),
      S(T((1, 1, 3, 3), f64), size=[5, 2], mode="bicubic", align_corners=True),
      S(T((1, 1, 2, 2, 2), f64), size=[3, 3, 3], mode="trilinear", align_corners=False),
      S(T((1, 1, 2, 2, 2), f64), size=[3, 2, 4], mode="trilinear", align_corners=True),
      S(T((1, 2, 3, 3), f32), size=[5, 4], mode="bilinear", align_corners=False),
      S(T((1, 2, 3, 3), bf16), size=[5, 4], mode="bilinear", align_corners=False),
      S(T((1, 2, 3, 3), bf16), size=[5, 4], mode="nearest"),
      S(T((1, 2, 3, 3), f16), size=[5, 4], mode="bilinear", align_corners=False),
      S(T((1, 2, 3, 3), f16), size=[5, 4], mode="nearest"),
      S(T((1, 2, 3, 3), f32), size=[5, 4], mode="bicubic", align_corners=False),
      S(T((0, 2, 3), f32), size=[5], mode="linear", align_corners=False),
      S(T((), f64), size=[2], mode="nearest"),
      S(T((1, 2, 3), f64), size=[4], mode="bilinear", align_corners=False),  # rank: error
  ]
  return s


MISC = [
    Op("pad", lambda x, pad, mode, value=None: FN.pad(x, pad, mode, value), pad_samples(),
       node=False),
    Op("interpolate", interp, interp_samples(), node=False),
    Op("pixel_shuffle", FN.pixel_shuffle,
       [S(T((1, 8, 2, 3), f32), upscale_factor=2), S(T((2, 4, 2, 2), f64), upscale_factor=2),
        S(T((1, 9, 2, 1), f64, "t"), upscale_factor=3), S(T((4, 1, 1), f64), upscale_factor=2),
        S(T((1, 4, 2, 2), i64), upscale_factor=2), S(T((1, 4, 2, 2), bf16), upscale_factor=2),
        S(T((0, 4, 2, 2), f32), upscale_factor=2), S(T((), f64), upscale_factor=2),
        S(T((1, 6, 2, 2), f64), upscale_factor=2)], node=False),
    Op("pixel_unshuffle", FN.pixel_unshuffle,
       [S(T((1, 2, 4, 6), f32), downscale_factor=2), S(T((2, 1, 4, 4), f64), downscale_factor=2),
        S(T((1, 1, 3, 6), f64, "t"), downscale_factor=3), S(T((1, 2, 2), f64),
                                                            downscale_factor=2),
        S(T((1, 2, 4, 4), u8), downscale_factor=2), S(T((1, 2, 4, 4), f16), downscale_factor=2),
        S(T((0, 2, 4, 4), f32), downscale_factor=2), S(T((), f64), downscale_factor=2),
        S(T((1, 2, 3, 4), f64), downscale_factor=2)], node=False),
    Op("unfold", lambda x, kernel_size, dilation=1, padding=0, stride=1: FN.unfold(
        x, kernel_size, dilation, padding, stride),
       [S(T((1, 2, 4, 4), f32), kernel_size=[2, 2]),
        S(T((2, 1, 4, 5), f64), kernel_size=[2, 3], stride=[2, 1], padding=[1, 0]),
        S(T((1, 2, 5, 4), f64, "t"), kernel_size=[2, 2], dilation=[2, 1]),
        S(T((2, 3, 3), f64), kernel_size=[2, 2]),
        S(T((1, 2, 4, 4), bf16), kernel_size=[2, 2]),
        S(T((1, 2, 4, 4), f16), kernel_size=[2, 2]),
        S(T((0, 2, 4, 4), f32), kernel_size=[2, 2]),
        S(T((), f64), kernel_size=[2, 2]),
        S(T((1, 2, 2, 2), f64), kernel_size=[3, 3])], node=False),
    Op("fold", lambda x, output_size, kernel_size, dilation=1, padding=0, stride=1: FN.fold(
        x, output_size, kernel_size, dilation, padding, stride),
       [S(T((1, 8, 9), f32), output_size=[4, 4], kernel_size=[2, 2]),
        S(T((2, 6, 9), f64), output_size=[4, 5], kernel_size=[2, 3], stride=[2, 1],
          padding=[1, 0]),
        S(T((1, 4, 6), f64, "t"), output_size=[5, 4], kernel_size=[2, 2], dilation=[2, 1],
          stride=[1, 2]),
        S(T((8, 9), f64), output_size=[4, 4], kernel_size=[2, 2]),
        S(T((1, 8, 9), bf16), output_size=[4, 4], kernel_size=[2, 2]),
        S(T((1, 8, 9), f16), output_size=[4, 4], kernel_size=[2, 2]),
        S(T((0, 8, 9), f32), output_size=[4, 4], kernel_size=[2, 2]),
        S(T((), f64), output_size=[4, 4], kernel_size=[2, 2]),
        S(T((1, 8, 8), f64), output_size=[4, 4], kernel_size=[2, 2])], node=False),
]

FUSED_ATTENTION_SAMPLES = [S(T((2, 3, 4), f32), T((2, 5, 4), f32), T((2, 5, 3), f32)),
    S(T((2, 3, 4), f64), T((2, 5, 4), f64), T((2, 5, 2), f64)),
    S(T((1, 2, 3, 4), f64, "t"), T((1, 2, 3, 4), f64), T((1, 2, 3, 4), f64),
      is_causal=True),
    S(T((2, 2, 5, 4), f64), T((2, 2, 3, 4), f64), T((2, 2, 3, 3), f64), is_causal=True,
      scale=0.7),
    S(T((2, 6, 4), f64, "t"), T((2, 6, 4), f64, "step"), T((2, 6, 4), f64), scale=0.3),
    S(T((2, 3, 8), bf16), T((2, 5, 8), bf16), T((2, 5, 8), bf16), is_causal=True),
    S(T((2, 3, 8), f16), T((2, 5, 8), f16), T((2, 5, 8), f16)),
    S(T((2, 0, 4), f32), T((2, 5, 4), f32), T((2, 5, 3), f32)),
    S(T((2, 3, 4), f64), T((2, 0, 4), f64), T((2, 0, 3), f64)),
    S(T((), f64), T((), f64), T((), f64)),
    S(T((3, 4), f64), T((3, 4), f64), T((3, 2), f64)),
    S(T((2, 3, 4), f64), T((3, 5, 4), f64), T((3, 5, 2), f64))]

ATTENTION = [
    Op("scaled_dot_product_attention", sdpa_reference,
       [S(T((2, 3, 4), f32), T((2, 5, 4), f32), T((2, 5, 3), f32)),
        S(T((2, 3, 4), f64), T((2, 5, 4), f64), T((2, 5, 2), f64)),
        S(T((1, 2, 3, 4), f64, "t"), T((1, 2, 3, 4), f64), T((1, 2, 3, 4), f64),
          is_causal=True),
        S(T((2, 3, 4), f64), T((2, 4, 4), f64), T((2, 4, 2), f64),
          T((3, 4), b8, domain=[True, True, True, False])),
        S(T((2, 3, 4), f64), T((2, 4, 4), f64), T((2, 4, 2), f64), T((2, 3, 4), f64)),
        S(T((3, 4), f64), T((3, 4), f64), T((3, 2), f64), scale=0.3),
        S(T((3, 4), f64), T((5, 4), f64), T((5, 2), f64), T((3, 5), f64), scale=0.5),
        S(T((2, 3, 4), bf16), T((2, 5, 4), bf16), T((2, 5, 3), bf16)),
        S(T((2, 3, 4), f16), T((2, 5, 4), f16), T((2, 5, 3), f16)),
        S(T((0, 3, 4), f32), T((0, 5, 4), f32), T((0, 5, 3), f32)),
        S(T((2, 0, 4), f32), T((2, 5, 4), f32), T((2, 5, 3), f32)),
        S(T((), f64), T((), f64), T((), f64)),
        S(T((2, 3, 4), f64), T((2, 5, 3), f64), T((2, 5, 3), f64))], node=False),
    Op("_scaled_dot_product_fused_attention", fused_attention_reference, FUSED_ATTENTION_SAMPLES,
       node=False),
    Op("_scaled_dot_product_fused_attention_logsumexp",
       lambda q, k, v, is_causal=False, scale=None: fused_attention_reference(
           q, k, v, is_causal, scale, lse=True), FUSED_ATTENTION_SAMPLES, grad=False, node=False),
]


def cat_outputs(t):
  return torch.cat([o.reshape(-1) for o in t]) if isinstance(t, tuple) else t


def cell_samples(gates, extra=()):
  """input [N, I], hidden [N, H] (two of them for LSTM), weights [gates*H, I] and
  [gates*H, H], biases [gates*H] (optional)."""
  g = gates * 2
  hs = 2 if gates == 4 else 1
  hid = lambda shape, dt, lay="contig": [T(shape, dt, lay)] * hs
  return [
      S(T((3, 4), f32), *hid((3, 2), f32), T((g, 4), f32), T((g, 2), f32), T((g,), f32),
        T((g,), f32)),
      S(T((3, 4), f64), *hid((3, 2), f64), T((g, 4), f64), T((g, 2), f64), T((g,), f64),
        T((g,), f64)),
      S(T((3, 4), f64, "t"), *hid((3, 2), f64, "t"), T((g, 4), f64), T((g, 2), f64, "step")),
      S(T((4,), f64), *hid((2,), f64), T((g, 4), f64), T((g, 2), f64), T((g,), f64),
        T((g,), f64)),
      S(T((3, 4), bf16), *hid((3, 2), bf16), T((g, 4), bf16), T((g, 2), bf16), T((g,), bf16),
        T((g,), bf16)),
      S(T((3, 4), f16), *hid((3, 2), f16), T((g, 4), f16), T((g, 2), f16), T((g,), f16),
        T((g,), f16)),
      S(T((0, 4), f32), *hid((0, 2), f32), T((g, 4), f32), T((g, 2), f32)),
      S(T((), f64), *hid((), f64), T((g, 4), f64), T((g, 2), f64)),
      S(T((3, 4), f64), *hid((3, 2), f64), T((g, 3), f64), T((g, 2), f64)),  # input size
  ] + list(extra)


RNN = [
    Op("lstm_cell", lambda x, h, c, wi, wh, bi=None, bh=None: cat_outputs(
        torch.lstm_cell(x, (h, c), wi, wh, bi, bh)), cell_samples(4)),
    Op("gru_cell", lambda x, h, wi, wh, bi=None, bh=None: torch.gru_cell(x, h, wi, wh, bi, bh),
       cell_samples(3), node=False),
    Op("rnn_tanh_cell",
       lambda x, h, wi, wh, bi=None, bh=None: torch.rnn_tanh_cell(x, h, wi, wh, bi, bh),
       cell_samples(1), node=False),
    Op("rnn_relu_cell",
       lambda x, h, wi, wh, bi=None, bh=None: torch.rnn_relu_cell(x, h, wi, wh, bi, bh),
       cell_samples(1), node=False, domains=["odd", "odd", "odd", "odd", "odd", "odd"]),
]

for op in LOSS + NORM + EMBEDDING + CONV + POOL + MISC + ATTENTION + RNN:
  op.upcast_bf16 = True
  op.bf16_ref32 = op.name in (
      "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
      "batch_norm_train", "layer_norm", "group_norm", "instance_norm", "rms_norm", "interpolate",
      "cosine_similarity", "scaled_dot_product_attention", "_scaled_dot_product_fused_attention",
      "_scaled_dot_product_fused_attention_logsumexp", "lstm_cell")
FAMILIES.update({"loss": LOSS, "normalization": NORM, "embedding": EMBEDDING, "conv": CONV,
                 "pool": POOL, "resample": MISC, "attention": ATTENTION, "rnn_cell": RNN})


# Spatial transformer ops. Grid values from the "odd" domain ((2k+1)/32) never map onto a pixel
# centre, an edge or a rounding boundary (for these sizes), where the samplers have kinks.
def grid_sampler_samples():
  s = []
  for mode in range(3):
    for padding in range(3):
      for align in (False, True):
        s.append(S(T((1, 2, 3, 4), f64), T((1, 2, 3, 2), f64, domain="odd"),
                   interpolation_mode=mode, padding_mode=padding, align_corners=align))
  return s + [
      S(T((2, 2, 3, 4), f32), T((2, 3, 2, 2), f32, domain="odd"), interpolation_mode=0,
        padding_mode=0, align_corners=False),
      S(T((1, 2, 4, 3), f64, "t"), T((1, 3, 2, 2), f64, "t", domain="odd"), interpolation_mode=2,
        padding_mode=1, align_corners=False),
      S(T((0, 2, 3, 4), f32), T((0, 2, 2, 2), f32, domain="odd"), interpolation_mode=0,
        padding_mode=0, align_corners=False),
      S(T((), f64), T((), f64), interpolation_mode=0, padding_mode=0, align_corners=False),
      S(T((2, 1, 3, 3), f64), T((1, 2, 2, 2), f64), interpolation_mode=0, padding_mode=0,
        align_corners=False),  # batch mismatch: error
  ]


def grid_sampler_3d_samples():
  s = []
  for mode in range(2):
    for padding in range(3):
      s.append(S(T((1, 2, 2, 3, 2), f64), T((1, 2, 1, 2, 3), f64, domain="odd"),
                 interpolation_mode=mode, padding_mode=padding, align_corners=padding == 1))
  return s + [
      S(T((2, 1, 2, 3, 2), f32), T((2, 1, 2, 2, 3), f32, domain="odd"), interpolation_mode=0,
        padding_mode=2, align_corners=True),
      S(T((0, 2, 2, 3, 2), f32), T((0, 1, 2, 2, 3), f32), interpolation_mode=0, padding_mode=0,
        align_corners=False),
      S(T((), f64), T((), f64), interpolation_mode=0, padding_mode=0, align_corners=False),
      S(T((1, 1, 2, 2, 2), f64), T((1, 1, 1, 2, 3), f64), interpolation_mode=2, padding_mode=0,
        align_corners=False),  # bicubic is 2-D only: error
  ]


VISION = [
    # PyTorch 1.13 has no derivative for grid_sampler_2d_backward: gradgrad off.
    Op("grid_sampler_2d", lambda x, g, interpolation_mode, padding_mode, align_corners:
       torch.grid_sampler_2d(x, g, interpolation_mode, padding_mode, align_corners),
       grid_sampler_samples(), gradgrad=False),
    Op("grid_sampler_3d", lambda x, g, interpolation_mode, padding_mode, align_corners:
       torch.grid_sampler_3d(x, g, interpolation_mode, padding_mode, align_corners),
       grid_sampler_3d_samples(), gradgrad=False),
    Op("affine_grid_generator", lambda t, size, align_corners:
       torch.affine_grid_generator(t, size, align_corners),
       [S(T((2, 2, 3), f64), size=[2, 3, 3, 4], align_corners=False),
        S(T((2, 2, 3), f64), size=[2, 1, 4, 2], align_corners=True),
        S(T((1, 3, 4), f64), size=[1, 2, 2, 3, 2], align_corners=False),
        S(T((1, 3, 4), f64), size=[1, 1, 3, 1, 2], align_corners=True),
        S(T((2, 2, 3), f32), size=[2, 3, 3, 4], align_corners=False),
        S(T((3, 2, 3), f64, "t"), size=[3, 1, 2, 2], align_corners=False),
        S(T((0, 2, 3), f32), size=[0, 1, 2, 2], align_corners=False),
        S(T((), f64), size=[1, 1, 2, 2], align_corners=False),
        S(T((2, 2, 3), f64), size=[1, 1, 2, 2], align_corners=False)]),  # batch mismatch: error
]
FAMILIES.update({"vision": VISION})


# ---------------------------------------------------------------- running PyTorch
def dtype_name(dt):
  return str(dt).replace("torch.", "")


def fmt_values(t, precise=False):
  """Flat values in logical order: the shortest decimal that round-trips in t's dtype (inputs,
  float32 and narrower), or 12 significant digits for float64 results (tolerance is 1e-7)."""
  t = t.detach().reshape(-1)
  if not t.dtype.is_floating_point:
    return [int(v) for v in t.tolist()]
  out = []
  for v in t.double().tolist():
    if math.isnan(v) or math.isinf(v) or v == 0:
      out.append(v)
    elif t.dtype == f64:
      out.append(v if precise else float("%.12g" % v))
    elif t.dtype == f16:
      out.append(float(repr(np.float16(v))))
    else:  # float32, bfloat16 (exact in float32)
      out.append(float(repr(np.float32(v))))
  return out


def build_input(spec, rng):
  base_shape, make_view = LAYOUTS[spec.layout](spec.shape)
  n = math.prod(base_shape)
  base = torch.tensor(draw(rng, n, spec.dtype, spec.domain), dtype=f64).to(spec.dtype)
  x = make_view(base.reshape(base_shape))
  assert x.shape == spec.shape
  rec = {"dtype": dtype_name(spec.dtype), "sizes": list(x.shape)}
  if spec.layout != "contig":  # omitted: contiguous strides, offset 0
    rec.update(strides=list(x.stride()), offset=x.storage_offset())
  if not spec.grad and spec.dtype.is_floating_point:
    rec["requires_grad"] = False
  rec["storage"] = fmt_values(base, precise=True)
  return x, rec


def kwarg_json(v):
  if isinstance(v, torch.dtype):
    return dtype_name(v)
  return list(v) if isinstance(v, tuple) else v


def run(op, inputs, kwargs, wrng, upcast, specs):
  """Runs op and returns (out, grads, weight). With upcast, float16 inputs are computed in float32
  and the result rounded; no gradients then, as float32 backward through an unrounded result is
  not what a float16 kernel computes (tanh's 1 - y*y amplifies y's rounding)."""
  xs = []
  # The dtype the float16 op would have produced: PyTorch's promotion of the original inputs.
  tensors = [x for x in inputs if isinstance(x, torch.Tensor)]
  result_dtype = f16
  if len(tensors) == 2:
    result_dtype = torch.result_type(tensors[0], tensors[1])
  elif len(tensors) == 1:
    result_dtype = tensors[0].dtype
  elif op.upcast_bf16:  # the nn families: the promotion of the float inputs
    floats = [x.dtype for x in tensors if x.is_floating_point()]
    result_dtype = floats[0] if floats else f16
    for d in floats[1:]:
      result_dtype = torch.promote_types(result_dtype, d)
  for x, spec in zip(inputs, specs):
    x = x.detach()
    if upcast and (x.dtype == f16 or (op.upcast_bf16 and x.dtype == bf16)):
      x = x.float()
    if op.grad and spec.grad and x.is_floating_point() and not upcast:
      x.requires_grad_(True)
    xs.append(x)
  out = op.fn(*xs, **kwargs)
  if upcast and out.is_floating_point():
    out = out.to(result_dtype if result_dtype.is_floating_point else f16)
  grads = w = None
  if out.requires_grad:
    w = torch.tensor([wrng.pick([k / 16 for k in range(8, 24)]) for _ in range(out.numel())],
                     dtype=f64).reshape(out.shape)
    diff = [x for x in xs if x.requires_grad]
    g = iter(torch.autograd.grad(out, diff, w.to(out.dtype), allow_unused=True))
    grads = [next(g) if x.requires_grad else None for x in xs]
  return out, grads, w


def make_sample(op, index, spec):
  rng = Rng("%s/%d" % (op.name, index))
  specs = []
  for k, t in enumerate(spec.inputs):
    domain = t.domain or (op.domains[k] if k < len(op.domains) else None)
    specs.append(T(t.shape, t.dtype, t.layout, domain, t.grad))
  built = [build_input(t, rng) for t in specs]
  inputs = [x for x, _ in built]
  names = "_".join(dtype_name(t.dtype) + ("" if t.layout == "contig" else "_" + t.layout)
                   for t in specs)
  rec = {"id": "%d_%s" % (index, names) if names else str(index), "inputs": [r for _, r in built],
         "kwargs": {k: kwarg_json(v) for k, v in spec.kwargs.items()}}
  if not rec["kwargs"]:
    del rec["kwargs"]
  wrng = Rng("%s/%d/w" % (op.name, index))
  try:
    if op.bf16_ref32 and any(t.dtype == bf16 for t in specs):
      raise RuntimeError("BFloat16: float32 reference")
    out, grads, w = run(op, inputs, spec.kwargs, wrng, upcast=False, specs=specs)
  except (RuntimeError, IndexError, ValueError) as e:
    lacks_bf16 = op.upcast_bf16 and "BFloat16" in str(e)
    if "not implemented for 'Half'" not in str(e) and not lacks_bf16:
      rec["error"] = str(e).split("\n")[0]
      return rec
    # PyTorch 1.13 lacks many float16 CPU kernels; float32 then rounding is what others compute.
    out, grads, w = run(op, inputs, spec.kwargs, wrng, upcast=True, specs=specs)
    rec["reference"] = "float32 upcast"
  rec["output"] = {"dtype": dtype_name(out.dtype), "sizes": list(out.shape),
                   "values": fmt_values(out)}
  if op.node and op.grad and any(x.is_floating_point() for x in inputs) and "reference" not in rec:
    rec["output"]["grad_fn"] = type(out.grad_fn).__name__ if out.grad_fn else None
  if op.strides:
    rec["output"]["strides"] = list(out.stride())
    same = out.storage().data_ptr() == inputs[0].storage().data_ptr()
    rec["output"]["alias"] = same if out.numel() > 0 else None  # empty storages all look alike
  special = any(t.domain == "special" for t in specs)
  if grads is not None and not special:
    rec["weight"] = fmt_values(w)
    rec["grads"] = [None if g is None else fmt_values(g) for g in grads]
    # Finite differences need float64 all the way and a smooth point (no division by zero).
    floats = [t.dtype for t in specs if t.dtype.is_floating_point] + [out.dtype]
    repeats = op.kinks and any(t.layout == "expand" for t in specs)
    if (all(d == f64 for d in floats) and all(t.domain != "zero" for t in specs) and
        not repeats and spec.gradcheck):
      rec["gradcheck"] = True
      if not op.gradgrad:
        rec["gradgradcheck"] = False
  return rec


def check_coverage(op, samples):
  """Every op needs a zero-size and a 0-dim input (or output, for factories), and a float64
  gradcheck if differentiable."""
  shapes = [t.shape for s in op.samples for t in s.inputs]
  shapes += [tuple(s["output"]["sizes"]) for s in samples if "output" in s]
  problems = []
  if not any(0 in s for s in shapes):
    problems.append(op.name + ": no zero-size sample")
  takes_tensors = any(s.inputs for s in op.samples)  # arange, eye... can't return 0-dim
  if takes_tensors and not any(s == () for s in shapes):
    problems.append(op.name + ": no 0-dim sample")
  if op.grad and not any(s.get("gradcheck") for s in samples):
    problems.append(op.name + ": no float64 gradcheck sample")
  return problems


def write_family(path, ops):
  problems = []
  lines = ['{"generated_by": "tools/gen_golden.py", "torch": "%s", "ops": [' % torch.__version__]
  for i, op in enumerate(ops):
    samples = [make_sample(op, k, s) for k, s in enumerate(op.samples)]
    problems += check_coverage(op, samples)
    head = {"name": op.name, "grad": op.grad, "check_strides": op.strides}
    lines.append(json.dumps(head, separators=(",", ":"))[:-1] + ',"samples":[')
    body = [json.dumps(s, separators=(",", ":")) for s in samples]
    lines.append(",\n".join(body))
    lines.append("]}" + ("," if i + 1 < len(ops) else ""))
  lines.append("]}")
  with open(path, "w") as f:
    f.write("\n".join(lines) + "\n")
  return problems


def main():
  warnings.filterwarnings("ignore")  # deprecation notices of the samples that probe them
  torch.set_num_threads(1)  # reductions in one fixed order
  root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "golden")
  os.makedirs(root, exist_ok=True)
  names = [op.name for ops in FAMILIES.values() for op in ops]
  dup = {n for n in names if names.count(n) > 1}
  assert not dup, "duplicate op names: %s" % dup
  problems = []
  for family, ops in FAMILIES.items():
    path = os.path.join(root, family + ".json")
    problems += write_family(path, ops)
    print("%-30s %3d ops %7d bytes" % (os.path.relpath(path), len(ops), os.path.getsize(path)))
  for p in problems:
    print("coverage:", p, file=sys.stderr)
  return 1 if problems else 0


if __name__ == "__main__":
  sys.exit(main())
