#pragma once
// Shape and view ops. Views share storage with their input; reshape copies only when it must.
#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

Tensor view(const Tensor& self, IntArrayRef size);
Tensor reshape(const Tensor& self, IntArrayRef shape);
Tensor permute(const Tensor& self, IntArrayRef dims);
Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1);
Tensor t(const Tensor& self);
Tensor expand(const Tensor& self, IntArrayRef size, bool implicit = false);
Tensor unsqueeze(const Tensor& self, int64_t dim);
Tensor squeeze(const Tensor& self);
Tensor squeeze(const Tensor& self, int64_t dim);
Tensor flatten(const Tensor& self, int64_t start_dim = 0, int64_t end_dim = -1);
Tensor select(const Tensor& self, int64_t dim, int64_t index);
// Gradient of select: zeros of `input_sizes` with `grad` placed at `index` along `dim`.
Tensor select_backward(const Tensor& grad, IntArrayRef input_sizes, int64_t dim, int64_t index);

// Resolves a single -1 in `shape` for a tensor of `numel` elements.
DimVector infer_shape(IntArrayRef shape, int64_t numel, const char* op = "view");
// Strides viewing (sizes, strides) as `shape` without a copy, if possible.
std::optional<DimVector> compute_view_strides(IntArrayRef sizes, IntArrayRef strides,
                                              IntArrayRef shape);

}  // namespace ember
