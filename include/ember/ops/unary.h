#pragma once
// Unary elementwise ops. Each has a functional form, an in-place form (name_) and an out= form
// (name_out), plus Tensor methods. Declared together with its gradient in src/ops/unary.cpp.
#include "ember/core/tensor.h"

namespace ember {

#define EMBER_UNARY_OPS(_) \
  _(neg) _(abs) _(exp) _(log) _(sqrt) _(sin) _(cos) _(tanh) _(sigmoid) _(relu)

#define EMBER_DECLARE_UNARY(name)    \
  Tensor name(const Tensor& self);   \
  Tensor& name##_(Tensor& self);     \
  Tensor& name##_out(Tensor& out, const Tensor& self);
EMBER_UNARY_OPS(EMBER_DECLARE_UNARY)
#undef EMBER_DECLARE_UNARY

// Elementwise predicates with bool results.
Tensor isnan(const Tensor& self);

}  // namespace ember
