#pragma once
// Activation kernel stubs. Scalar parameters come as (a, b, c) in the op's argument order:
// gelu (a: 1 for "tanh"), softplus (beta, threshold), elu (alpha, scale, input_scale),
// leaky_relu (slope), hardtanh (min, max), logit (eps, < 0 for none), softshrink/hardshrink
// (lambd), threshold (threshold, value). prelu takes (out, self, weight) broadcast.
#include "ember/core/generator.h"
#include "src/kernels/unary.h"

namespace ember {
// clang-format off
#define EMBER_ACTIVATION_STUBS(_) \
  _(gelu) _(silu) _(mish) _(softplus) _(elu) _(leaky_relu) _(hardtanh) _(hardsigmoid) \
  _(hardswish) _(logit) _(log_sigmoid) _(softshrink) _(hardshrink) _(threshold)
// clang-format on
#define EMBER_DECLARE_ACTIVATION_STUB(name) EMBER_DECLARE_STUB(name##_stub, UnaryScalarsFn);
EMBER_ACTIVATION_STUBS(EMBER_DECLARE_ACTIVATION_STUB)
#undef EMBER_DECLARE_ACTIVATION_STUB

// GELU's backward in one pass: out = grad * gelu'(self) over a (out, grad, self) iterator of one
// floating dtype, computed in float for the 16-bit types (a: 1 for "tanh").
EMBER_DECLARE_STUB(gelu_backward_stub, UnaryScalarsFn);
// threshold_backward in one pass: out = self <= a ? 0 : grad over a (out, grad, self) iterator of
// one floating dtype (NaN in self lets grad through, as PyTorch).
EMBER_DECLARE_STUB(threshold_backward_stub, UnaryScalarsFn);
// out = self > 0 ? self : weight * self, over a (out, self, weight) iterator.
EMBER_DECLARE_STUB(prelu_stub, UnaryFn);
// rrelu's training noise for a contiguous `self`, in element order: a uniform draw from
// [lower, upper) (PyTorch's double uniform) where self <= 0, else 1. noise has self's dtype.
using RreluNoiseFn = void (*)(Tensor& noise, const Tensor& self, double lower, double upper,
                              GeneratorImpl& gen);
EMBER_DECLARE_STUB(rrelu_noise_stub, RreluNoiseFn);
}  // namespace ember
