#pragma once
// Kernel signatures for copies and fills (declared once, defined per device).
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
using CopyFn = void (*)(TensorIterator&);
using FillFn = void (*)(TensorIterator&, const Scalar&);
EMBER_DECLARE_STUB(copy_stub, CopyFn);  // ops_[0] <- cast(ops_[1])
EMBER_DECLARE_STUB(fill_stub, FillFn);
}  // namespace ember
