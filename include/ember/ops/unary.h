#pragma once
// Unary elementwise ops. Each has a functional form, an in-place form (name_) and an out= form
// (name_out), plus Tensor methods. Declared together with its gradient in src/ops/unary.cpp.
// logical_not and bitwise_not live with the logical ops in ember/ops/binary.h.
#include <optional>

#include "ember/core/tensor.h"

namespace ember {

// clang-format off
#define EMBER_UNARY_OPS(_) \
  _(neg) _(abs) _(exp) _(log) _(sqrt) _(sin) _(cos) _(tanh) _(sigmoid) _(relu) \
  _(sign) _(sgn) _(rsqrt) _(square) _(exp2) _(expm1) _(log2) _(log10) _(log1p) _(tan) _(asin) \
  _(acos) _(atan) _(sinh) _(cosh) _(asinh) _(acosh) _(atanh) _(erf) _(erfc) _(erfinv) _(floor) \
  _(ceil) _(round) _(trunc) _(frac) _(reciprocal) _(digamma) _(lgamma)
// clang-format on

#define EMBER_DECLARE_UNARY(name)  \
  Tensor name(const Tensor& self); \
  Tensor& name##_(Tensor& self);   \
  Tensor& name##_out(Tensor& out, const Tensor& self);
EMBER_UNARY_OPS(EMBER_DECLARE_UNARY)
#undef EMBER_DECLARE_UNARY

// PyTorch's aliases.
inline Tensor negative(const Tensor& self) { return neg(self); }
inline Tensor absolute(const Tensor& self) { return abs(self); }
inline Tensor fix(const Tensor& self) { return trunc(self); }
inline Tensor arcsin(const Tensor& self) { return asin(self); }
inline Tensor arccos(const Tensor& self) { return acos(self); }
inline Tensor arctan(const Tensor& self) { return atan(self); }
inline Tensor arcsinh(const Tensor& self) { return asinh(self); }
inline Tensor arccosh(const Tensor& self) { return acosh(self); }
inline Tensor arctanh(const Tensor& self) { return atanh(self); }

// Rounds half to even at `decimals` decimal places (negative: tens, hundreds...). Floats only.
Tensor round(const Tensor& self, int64_t decimals);
Tensor& round_(Tensor& self, int64_t decimals);
Tensor& round_out(Tensor& out, const Tensor& self, int64_t decimals);

// n-th derivative of digamma (n = 0: digamma), differentiable to any order.
Tensor polygamma(int64_t n, const Tensor& self);

// Returns self itself (an alias), as PyTorch; bool tensors are refused.
Tensor positive(const Tensor& self);

// NaN -> nan (default 0), +inf -> posinf, -inf -> neginf (defaults: the dtype's largest and
// lowest finite values). Integer and bool tensors are returned as a copy.
Tensor nan_to_num(const Tensor& self, std::optional<double> nan = std::nullopt,
                  std::optional<double> posinf = std::nullopt,
                  std::optional<double> neginf = std::nullopt);
Tensor& nan_to_num_(Tensor& self, std::optional<double> nan = std::nullopt,
                    std::optional<double> posinf = std::nullopt,
                    std::optional<double> neginf = std::nullopt);
Tensor& nan_to_num_out(Tensor& out, const Tensor& self, std::optional<double> nan = std::nullopt,
                       std::optional<double> posinf = std::nullopt,
                       std::optional<double> neginf = std::nullopt);

// Elementwise predicates with bool results (every dtype; integers are finite).
#define EMBER_UNARY_PREDICATES(_) _(isnan) _(isinf) _(isfinite) _(isposinf) _(isneginf) _(signbit)
#define EMBER_DECLARE_PREDICATE(name) Tensor name(const Tensor& self);
EMBER_UNARY_PREDICATES(EMBER_DECLARE_PREDICATE)
#undef EMBER_DECLARE_PREDICATE
Tensor& isnan_out(Tensor& out, const Tensor& self);
Tensor& isinf_out(Tensor& out, const Tensor& self);
Tensor& isposinf_out(Tensor& out, const Tensor& self);
Tensor& isneginf_out(Tensor& out, const Tensor& self);
Tensor& signbit_out(Tensor& out, const Tensor& self);

}  // namespace ember
