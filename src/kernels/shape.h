#pragma once
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {
// dst[i] += src[i] over dst's index space, serially, so positions that dst's strides map to the
// same element (overlapping views) accumulate. src has dst's sizes and dtype.
using StridedAddFn = void (*)(const Tensor& dst, const Tensor& src);
EMBER_DECLARE_STUB(strided_add_stub, StridedAddFn);
// out (contiguous, self's sizes and dtype) = self reversed along the dims set in `flip`.
using FlipFn = void (*)(Tensor& out, const Tensor& self, const std::vector<bool>& flip);
EMBER_DECLARE_STUB(flip_stub, FlipFn);
// Zeroes, in a contiguous tensor of >= 2 dims, the elements above (lower=true, tril) or below
// (triu) the `diagonal`-th diagonal of each trailing matrix.
using TriFn = void (*)(Tensor& self, int64_t diagonal, bool lower);
EMBER_DECLARE_STUB(tri_stub, TriFn);
}  // namespace ember
