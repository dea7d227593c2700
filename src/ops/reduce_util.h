#pragma once
// Shared by the reduction ops: which dims reduce, the output shape, and the input laid out as
// contiguous [outer, inner] rows with the reduced dims innermost.
#include <bitset>

#include "ember/core/tensor.h"
#include "ember/core/wrap_dim.h"

namespace ember {

struct ReducePlan {
  std::bitset<kMaxDims> mask;
  DimVector out_shape;      // with keepdim applied
  DimVector keepdim_shape;  // reduced dims as 1
  int64_t outer = 1;
  int64_t inner = 1;
  Tensor rows;  // [outer, inner], contiguous, dtype as requested
  // Middle layout: rows is [outer, inner, kept_inner] and the output [outer, kept_inner]. Used
  // when the reduced dims are one block of a contiguous input followed by kept dims, so that
  // e.g. x.sum(0) reads x in place instead of transposing it.
  bool middle = false;
  int64_t kept_inner = 1;
};

// dims empty (or nullopt) = all dims. `dtype` converts the input before reducing. With
// allow_middle the plan may use the middle layout (see ReducePlan).
ReducePlan make_reduce_plan(const Tensor& self, OptionalIntArrayRef dims, bool keepdim,
                            ScalarType dtype, const char* op, bool allow_middle = false);

// A contiguous tensor seen as [outer, n, inner] around `dim` (a 0-dim tensor is [1, 1, 1]).
struct DimLayout {
  int64_t dim = 0;
  int64_t outer = 1;
  int64_t n = 1;
  int64_t inner = 1;
};
DimLayout make_dim_layout(const Tensor& self, int64_t dim);

// Copies a computed result into an out= tensor (resized if its shape differs); refuses autograd.
Tensor& write_out(Tensor& out, const Tensor& result, const char* op);

// Errors for reductions without identity (max, argmax...) over empty input.
void check_nonempty_reduction(const Tensor& self, const ReducePlan& p, bool all_dims,
                              const char* op);

// Number of elements reduced into each output element.
int64_t reduced_count(const Tensor& self, OptionalIntArrayRef dims, const char* op);

}  // namespace ember
