#pragma once
// max_unpool2d / max_unpool3d: the partial inverse of max pooling. Each input value goes to the
// flat spatial position its index names in a zero output of `output_size`; gradient gathers back.
#include "ember/core/tensor.h"

namespace ember {

// self and indices [N, C, H, W] or [C, H, W]; output [.., output_size[0], output_size[1]].
Tensor max_unpool2d(const Tensor& self, const Tensor& indices, IntArrayRef output_size);
// self and indices [N, C, D, H, W] or [C, D, H, W]; stride and padding are checked as ATen does.
Tensor max_unpool3d(const Tensor& self, const Tensor& indices, IntArrayRef output_size,
                    IntArrayRef stride, IntArrayRef padding);

}  // namespace ember
