#pragma once
// Ternary elementwise kernel stubs (where, clamp, lerp, addcmul, addcdiv). `value` carries the
// op's scalar argument (lerp weight, addcmul/addcdiv value); bounds and weights that are tensors
// or wrapped scalars arrive as iterator inputs.
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
using TernaryFn = void (*)(TensorIterator&, const Scalar& value);
// clang-format off
#define EMBER_TERNARY_STUBS(_) \
  _(where) _(clamp_scalar) _(clamp_min_scalar) _(clamp_max_scalar) _(clamp_tensor) \
  _(lerp_scalar) _(lerp_tensor) _(addcmul) _(addcdiv)
// clang-format on
#define EMBER_DECLARE_TERNARY_STUB(name) EMBER_DECLARE_STUB(name##_stub, TernaryFn);
EMBER_TERNARY_STUBS(EMBER_DECLARE_TERNARY_STUB)
#undef EMBER_DECLARE_TERNARY_STUB
}  // namespace ember
