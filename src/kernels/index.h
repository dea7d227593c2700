#pragma once
// Kernels of the indexing family (gather/scatter, advanced indexing, masks, sort). The ops in
// src/ops/{index,indexing,scatter,sort}.cpp check arguments and shapes; kernels only move data.
// Index tensors reaching a kernel are int64; kernels still bounds-check every index they read.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {

enum class ScatterReduce : uint8_t { None, Add, Multiply };

// out[p] = self[p with coordinate `dim` replaced by index[p]]; p runs over index's shape.
using GatherFn = void (*)(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index);
// self[p with coordinate `dim` replaced by index[p]] (op)= src[p]; src has index's shape (any
// strides, may be expanded) and self's dtype.
using ScatterFn = void (*)(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                           ScatterReduce reduce);
// Advanced indexing over a [P, rest...] geometry: `src`/`dst` is a view of self whose first dim
// has stride 0, `offsets` ([P], int64) holds each index position's element offset into self.
using IndexFn = void (*)(const Tensor& out, const Tensor& src, const Tensor& offsets);
using IndexPutFn = void (*)(const Tensor& dst, const Tensor& offsets, const Tensor& values,
                            bool accumulate);
// offsets[p] = sum_k wrap(indices[k][p]) * strides[k]; indices are broadcast int64 tensors of one
// shape; dims/sizes name the indexed dims for error messages. An index out of range raises
// IndexError; `for_write` (index_put_): before anything is written. Otherwise a device backend
// may raise it later (Note [Deferred kernel errors]), its offset read as 0 meanwhile.
using IndexOffsetsFn = void (*)(const Tensor& offsets, TensorList indices, IntArrayRef sizes,
                                IntArrayRef strides, IntArrayRef dims, bool for_write);
// self (broadcast view) gets `value` where mask (same shape, bool) is true.
using MaskedFillFn = void (*)(const Tensor& self, const Tensor& mask, const Scalar& value);
// Coordinates of the nonzero elements of self, as a [n, ndim] int64 tensor.
using NonzeroFn = Tensor (*)(const Tensor& self);
// Sorts each row of the contiguous [rows, n] `in` and writes the first k of each row to the
// contiguous [rows, k] values/indices. NaN sorts as the largest value; ties keep index order.
using SortFn = void (*)(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t k,
                        bool descending);

EMBER_DECLARE_STUB(gather_stub, GatherFn);
EMBER_DECLARE_STUB(scatter_stub, ScatterFn);
EMBER_DECLARE_STUB(index_stub, IndexFn);
EMBER_DECLARE_STUB(index_put_stub, IndexPutFn);
EMBER_DECLARE_STUB(index_offsets_stub, IndexOffsetsFn);
EMBER_DECLARE_STUB(masked_fill_stub, MaskedFillFn);
EMBER_DECLARE_STUB(nonzero_stub, NonzeroFn);
EMBER_DECLARE_STUB(sort_stub, SortFn);

}  // namespace ember
