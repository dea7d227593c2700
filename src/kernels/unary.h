#pragma once
// Unary kernel stubs: one per op, all with the same signature, plus a few taking scalar
// parameters (round with decimals, nan_to_num; the activations use the same signature).
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
using UnaryFn = void (*)(TensorIterator&);
// Up to three scalar parameters, in the order the op's signature gives them.
using UnaryScalarsFn = void (*)(TensorIterator&, double a, double b, double c);
// clang-format off
#define EMBER_UNARY_STUBS(_) \
  _(neg) _(abs) _(exp) _(log) _(sqrt) _(sin) _(cos) _(tanh) _(sigmoid) _(relu) \
  _(sign) _(sgn) _(rsqrt) _(square) _(exp2) _(expm1) _(log2) _(log10) _(log1p) _(tan) _(asin) \
  _(acos) _(atan) _(sinh) _(cosh) _(asinh) _(acosh) _(atanh) _(erf) _(erfc) _(erfinv) _(floor) \
  _(ceil) _(round) _(trunc) _(frac) _(reciprocal) _(digamma) _(lgamma) \
  _(isnan) _(isinf) _(isfinite) _(isposinf) _(isneginf) _(signbit)
// clang-format on
#define EMBER_DECLARE_UNARY_STUB(name) EMBER_DECLARE_STUB(name##_stub, UnaryFn);
EMBER_UNARY_STUBS(EMBER_DECLARE_UNARY_STUB)
#undef EMBER_DECLARE_UNARY_STUB
EMBER_DECLARE_STUB(round_decimals_stub, UnaryScalarsFn);  // a: decimals
EMBER_DECLARE_STUB(nan_to_num_stub, UnaryScalarsFn);      // a: nan, b: posinf, c: neginf
EMBER_DECLARE_STUB(polygamma_stub, UnaryScalarsFn);       // a: n
}  // namespace ember
