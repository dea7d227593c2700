#pragma once
// Binary kernel stubs. `alpha` is used by add/sub (out = a + alpha * b) and ignored by others.
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
using BinaryFn = void (*)(TensorIterator&, const Scalar& alpha);
#define EMBER_BINARY_STUBS(_) _(add) _(mul) _(div) _(eq) _(ne) _(lt) _(le) _(gt) _(ge)
#define EMBER_DECLARE_BINARY_STUB(name) EMBER_DECLARE_STUB(name##_stub, BinaryFn);
EMBER_BINARY_STUBS(EMBER_DECLARE_BINARY_STUB)
#undef EMBER_DECLARE_BINARY_STUB
}  // namespace ember
