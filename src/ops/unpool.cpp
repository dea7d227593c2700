#include "ember/ops/unpool.h"

#include "ember/autograd/function_node.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"

namespace ember {

namespace {

// Shared by 2-d and 3-d: D spatial dims, input of D + 1 (unbatched) or D + 2 dims.
Tensor max_unpool_nd(const Tensor& self, const Tensor& indices, IntArrayRef output_size, size_t D,
                     const char* op, const char* node) {
  EMBER_CHECK(self.defined() && indices.defined(), "[", op, "] input and indices must be defined");
  const int64_t nd = static_cast<int64_t>(D);
  EMBER_CHECK(self.dim() == nd + 1 || self.dim() == nd + 2, "[", op, "] Expected ", nd + 1, "D or ",
              nd + 2, "D tensor for input, but got ", self.dim(), "D with sizes ", self.sizes());
  EMBER_CHECK(indices.scalar_type() == kLong, "[", op,
              "] elements in indices should be type int64 but got: ", indices.scalar_type());
  EMBER_CHECK(self.sizes() == indices.sizes(), "[", op,
              "] Expected shape of indices to be same as that of the input tensor (", self.sizes(),
              ") but got indices tensor with shape: ", indices.sizes());
  EMBER_CHECK(output_size.size() == D, "[", op, "] There should be exactly ", D,
              " elements (depth, height, width) in output_size, but got ", output_size.size(),
              " elements.");
  int64_t plane = 1;
  for (int64_t s : output_size) {
    EMBER_CHECK(s >= 0, "[", op, "] output_size must be non-negative, got ", output_size);
    plane *= s;
  }
  for (int64_t d = self.dim() - nd; d < self.dim(); ++d)
    EMBER_CHECK(self.size(d) > 0, "[", op,
                "] Expected input to have non-zero size for non-batch "
                "dimensions, but got ",
                self.sizes());
  const int64_t lead = self.dim() - nd;  // batch and channel dims
  std::vector<int64_t> flat_shape(self.sizes().begin(), self.sizes().begin() + lead);
  std::vector<int64_t> out_shape = flat_shape;
  // The pooled plane's size, spelled out: -1 cannot be inferred when the batch is empty.
  int64_t in_plane = 1;
  for (int64_t d = lead; d < self.dim(); ++d) in_plane *= self.size(d);
  flat_shape.push_back(in_plane);
  out_shape.insert(out_shape.end(), output_size.begin(), output_size.end());
  Tensor idx = indices.reshape(flat_shape);
  if (idx.numel() > 0) {
    const int64_t lo = idx.min().item<int64_t>(), hi = idx.max().item<int64_t>();
    EMBER_CHECK(lo >= 0 && hi < plane, "[", op, "] Found an invalid max index: ", lo < 0 ? lo : hi,
                " (output volumes are of size ", IntArrayRef(output_size), ")");
  }
  std::vector<int64_t> plane_shape(self.sizes().begin(), self.sizes().begin() + lead);
  plane_shape.push_back(plane);
  Tensor out;
  {
    autograd::NoGradGuard ng;
    out = zeros(plane_shape, self.options())
              .scatter_(-1, idx, self.reshape(flat_shape))
              .view(out_shape);
  }
  if (auto n = autograd::make_node(node, {self},
                                   [in_shape = self.sizes().vec(), plane_shape](
                                       autograd::FunctionNode& n, const variable_list& g) {
                                     Tensor i = n.saved(0);
                                     std::vector<int64_t> gshape(plane_shape);
                                     return variable_list{
                                         g[0].reshape(gshape).gather(-1, i).view(in_shape)};
                                   })) {
    autograd::set_history(out, n);
    n->save(idx);
  }
  return out;
}

}  // namespace

Tensor max_unpool2d(const Tensor& self, const Tensor& indices, IntArrayRef output_size) {
  EMBER_AUTOCAST(fp32, none, max_unpool2d, self, indices, output_size);
  return max_unpool_nd(self, indices, output_size, 2, "max_unpool2d", "MaxUnpool2DBackward0");
}

Tensor max_unpool3d(const Tensor& self, const Tensor& indices, IntArrayRef output_size,
                    IntArrayRef stride, IntArrayRef padding) {
  EMBER_AUTOCAST(fp32, none, max_unpool3d, self, indices, output_size, stride, padding);
  EMBER_CHECK(stride.size() == 3,
              "[max_unpool3d] There should be exactly three elements "
              "(depth, height, width) in stride, but got: ",
              stride.size(), " elements.");
  EMBER_CHECK(padding.size() == 3,
              "[max_unpool3d] There should be exactly three elements "
              "(depth, height, width) in padding, but got: ",
              padding.size(), " elements.");
  for (int64_t s : stride)
    EMBER_CHECK(s > 0,
                "[max_unpool3d] strides should be greater than zero, but got stride: ", stride);
  return max_unpool_nd(self, indices, output_size, 3, "max_unpool3d", "MaxUnpool3DBackward0");
}

}  // namespace ember
