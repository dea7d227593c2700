#pragma once
// Helpers shared by the indexing family's op files (src/ops/{index,indexing,scatter,sort}.cpp).
#include "ember/ops/index.h"
#include "src/kernels/index.h"

namespace ember {
namespace index_detail {

// Checks an index tensor's dtype (int64, or int32 when `allow_int`) and returns it as int64.
Tensor to_long_index(const Tensor& index, const char* op, bool allow_int = true);
// `t`, or `t` viewed as [1] when 0-dim, without autograd.
Tensor at_least_1d(const Tensor& t);
// gather/scatter shape rules; `src` may be undefined.
void check_gather_scatter(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                          const Tensor& src);
// In-place scatter without autograd (`src` has self's dtype; may be expanded).
void scatter_no_grad(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                     ScatterReduce reduce);
// Advanced indexing without autograd; `dst` is written in place.
Tensor index_no_grad(const Tensor& self, const std::vector<std::optional<Tensor>>& indices);
void index_put_no_grad(const Tensor& dst, const std::vector<std::optional<Tensor>>& indices,
                       const Tensor& values, bool accumulate);
// A view of `self` along `dim` (Python's start:stop:step, step > 0) with SliceBackward0.
Tensor slice_view(const Tensor& self, int64_t dim, std::optional<int64_t> start,
                  std::optional<int64_t> stop, int64_t step);
// Errors for out= variants when autograd is involved, as in PyTorch.
void check_out_no_grad(const char* op, std::initializer_list<Tensor> ts);

}  // namespace index_detail
}  // namespace ember
