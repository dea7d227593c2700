#pragma once
// Binary kernel stubs (also the unary logical_not/bitwise_not). `alpha` is used by add/sub
// (out = a + alpha * b) and ignored by the others. Integer division kernels raise
// "ZeroDivisionError" after the loop instead of trapping.
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
using BinaryFn = void (*)(TensorIterator&, const Scalar& alpha);
// clang-format off
#define EMBER_BINARY_STUBS(_) \
  _(add) _(mul) _(div) _(eq) _(ne) _(lt) _(le) _(gt) _(ge) _(div_trunc) _(div_floor) \
  _(remainder) _(fmod) _(pow) _(atan2) _(maximum) _(minimum) _(fmax) _(fmin) _(hypot) \
  _(copysign) _(logical_and) _(logical_or) _(logical_xor) _(logical_not) _(bitwise_and) \
  _(bitwise_or) _(bitwise_xor) _(bitwise_not) _(left_shift) _(right_shift)
// clang-format on
#define EMBER_DECLARE_BINARY_STUB(name) EMBER_DECLARE_STUB(name##_stub, BinaryFn);
EMBER_BINARY_STUBS(EMBER_DECLARE_BINARY_STUB)
#undef EMBER_DECLARE_BINARY_STUB
}  // namespace ember
