#pragma once
// Shared by the reduction ops: which dims reduce, the output shape, and the input laid out as
// contiguous [outer, inner] rows with the reduced dims innermost.
#include <bitset>

#include "ember/core/tensor.h"
#include "ember/core/wrap_dim.h"

namespace ember {

struct ReducePlan {
  std::bitset<kMaxDims> mask;
  DimVector out_shape;       // with keepdim applied
  DimVector keepdim_shape;   // reduced dims as 1
  int64_t outer = 1;
  int64_t inner = 1;
  Tensor rows;               // [outer, inner], contiguous, dtype as requested
};

// dims empty (or nullopt) = all dims. `dtype` converts the input before reducing.
ReducePlan make_reduce_plan(const Tensor& self, OptionalIntArrayRef dims, bool keepdim,
                            ScalarType dtype, const char* op);

}  // namespace ember
