#pragma once
// Reduction kernels work on a [outer, inner] contiguous view prepared by src/ops/reduce.cpp:
// each of the `outer` rows of `inner` elements reduces to one output element.
// Dim kernels (scans, softmax) work on a contiguous [outer, n, inner] tensor along the middle dim.
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"

namespace ember {
// out: contiguous [outer] of the output dtype; in: contiguous [outer, inner] of the input dtype.
using ReduceFn = void (*)(Tensor& out, const Tensor& in, int64_t outer, int64_t inner);
EMBER_DECLARE_STUB(sum_stub, ReduceFn);
EMBER_DECLARE_STUB(prod_stub, ReduceFn);
EMBER_DECLARE_STUB(nansum_stub, ReduceFn);  // NaN counts as 0
EMBER_DECLARE_STUB(all_stub, ReduceFn);
EMBER_DECLARE_STUB(any_stub, ReduceFn);
EMBER_DECLARE_STUB(amax_stub, ReduceFn);  // NaN propagates
EMBER_DECLARE_STUB(amin_stub, ReduceFn);
EMBER_DECLARE_STUB(logsumexp_stub, ReduceFn);  // in and out of one floating dtype

// values (in's dtype, may be undefined) and int64 indices of each row's max/min/lower median.
// Ties pick the first occurrence; a NaN wins (the first one).
using ArgReduceFn = void (*)(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer,
                             int64_t inner);
EMBER_DECLARE_STUB(max_dim_stub, ArgReduceFn);
EMBER_DECLARE_STUB(min_dim_stub, ArgReduceFn);
EMBER_DECLARE_STUB(median_dim_stub, ArgReduceFn);
EMBER_DECLARE_STUB(nanmedian_dim_stub, ArgReduceFn);  // NaNs left out

// Variance with divisor max(0, inner - correction) (sqrt'ed when take_sqrt); mean may be undefined.
using VarFn = void (*)(Tensor& var, Tensor& mean, const Tensor& in, int64_t outer, int64_t inner,
                       double correction, bool take_sqrt);
EMBER_DECLARE_STUB(var_stub, VarFn);

// Vector p-norm of each row (p may be 0, +-inf or any real).
using NormFn = void (*)(Tensor& out, const Tensor& in, int64_t outer, int64_t inner, double p);
EMBER_DECLARE_STUB(norm_stub, NormFn);

// out and in: contiguous [outer, n, inner]; the op runs along n (backwards when reverse).
using DimFn = void (*)(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                       bool reverse);
EMBER_DECLARE_STUB(cumsum_stub, DimFn);
EMBER_DECLARE_STUB(cumprod_stub, DimFn);
EMBER_DECLARE_STUB(softmax_stub, DimFn);
EMBER_DECLARE_STUB(log_softmax_stub, DimFn);
EMBER_DECLARE_STUB(logcumsumexp_stub, DimFn);
// Sum over the middle dim: out is contiguous [outer, inner] (see ReducePlan's middle layout).
EMBER_DECLARE_STUB(sum_middle_stub, DimFn);
// out[o, j, i] = in[o, i, j]: moves the middle dim innermost (any dtype, by element size).
EMBER_DECLARE_STUB(transpose_middle_stub, DimFn);

// Running max/min along n with the index where it was reached (ties and new NaNs move the index
// forward, as PyTorch); values and indices are contiguous [outer, n, inner] like in.
using CumExtremumFn = void (*)(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer,
                               int64_t n, int64_t inner);
EMBER_DECLARE_STUB(cummax_stub, CumExtremumFn);
EMBER_DECLARE_STUB(cummin_stub, CumExtremumFn);

// out, src and index (int64, values in [0, n)) are contiguous [outer, n, inner]. scatter:
// out[o, index[o,i,j], j] += src[o,i,j] (out zeroed first); gather: out[o,i,j] = src[o, index, j].
using DimIndexFn = void (*)(Tensor& out, const Tensor& src, const Tensor& index, int64_t outer,
                            int64_t n, int64_t inner, bool scatter);
EMBER_DECLARE_STUB(scatter_gather_dim_stub, DimIndexFn);
}  // namespace ember
