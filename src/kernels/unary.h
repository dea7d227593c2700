#pragma once
// Unary kernel stubs: one per op, all with the same signature.
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
using UnaryFn = void (*)(TensorIterator&);
#define EMBER_UNARY_STUBS(_) _(neg) _(abs) _(exp) _(log) _(sqrt) _(sin) _(cos) _(tanh) _(sigmoid) _(relu)
#define EMBER_DECLARE_UNARY_STUB(name) EMBER_DECLARE_STUB(name##_stub, UnaryFn);
EMBER_UNARY_STUBS(EMBER_DECLARE_UNARY_STUB)
#undef EMBER_DECLARE_UNARY_STUB
}  // namespace ember
namespace ember {
EMBER_DECLARE_STUB(isnan_stub, UnaryFn);  // bool output
}
