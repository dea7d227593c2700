#pragma once
// Reduction kernels work on a [outer, inner] contiguous view prepared by src/ops/reduce.cpp:
// each of the `outer` rows of `inner` elements reduces to one output element.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {
// out: contiguous [outer] of the output dtype; in: contiguous [outer, inner] of the input dtype.
using ReduceFn = void (*)(Tensor& out, const Tensor& in, int64_t outer, int64_t inner);
EMBER_DECLARE_STUB(sum_stub, ReduceFn);
EMBER_DECLARE_STUB(all_stub, ReduceFn);
EMBER_DECLARE_STUB(any_stub, ReduceFn);
}  // namespace ember
