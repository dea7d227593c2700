#pragma once
// Shared by Conv1d/2d/3d and F::conv*d: padding variants (kValid/kSame/values), padding modes
// and libtorch's printing. Internal to src/nn.
#include <ostream>

#include "ember/nn/options/layers.h"

namespace ember {
namespace nn {
namespace detail {

// Runs ember::conv{D}d with a padding variant (values, "valid" or "same").
template <size_t D>
Tensor conv_nd(const Tensor& input, const Tensor& weight, const Tensor& bias,
               const ExpandingArray<D>& stride, const conv_padding_t<D>& padding,
               const ExpandingArray<D>& dilation, int64_t groups);
// A Conv module's forward: non-zeros padding modes pad the input first, as PyTorch.
template <size_t D>
Tensor conv_module_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                           const ConvOptions<D>& options);
template <size_t D>
void check_conv_options(const ConvOptions<D>& options);
template <size_t D>
void print_conv(std::ostream& os, const ConvOptions<D>& options);
// libtorch prints a one-element ExpandingArray as its value, others as [a, b, ...].
template <size_t D>
std::ostream& print_expanding(std::ostream& os, const ExpandingArray<D>& a) {
  if (D == 1) return os << a[0];
  os << "[";
  for (size_t i = 0; i < D; ++i) os << (i ? ", " : "") << a[i];
  return os << "]";
}

}  // namespace detail
}  // namespace nn
}  // namespace ember
