#include "ember/nn/modules/upsampling.h"

#include <cmath>
#include <ostream>

#include "ember/ops/pooling.h"

namespace ember {
namespace nn {

namespace F = functional;

namespace {
template <size_t D>
std::ostream& print_array(std::ostream& os, const ExpandingArray<D>& a) {
  os << "[";
  for (size_t i = 0; i < D; ++i) os << (i ? ", " : "") << a[i];
  return os << "]";
}
template <class T>
std::ostream& print_vec(std::ostream& os, const std::vector<T>& a) {
  os << "[";
  for (size_t i = 0; i < a.size(); ++i) os << (i ? ", " : "") << a[i];
  return os << "]";
}
struct ModeName {
  const char* operator()(enumtype::kNearest) const { return "nearest"; }
  const char* operator()(enumtype::kLinear) const { return "linear"; }
  const char* operator()(enumtype::kBilinear) const { return "bilinear"; }
  const char* operator()(enumtype::kBicubic) const { return "bicubic"; }
  const char* operator()(enumtype::kTrilinear) const { return "trilinear"; }
};
}  // namespace

Tensor F::interpolate(const Tensor& input, const InterpolateFuncOptions& o) {
  const char* mode = std::visit(ModeName{}, o.mode());
  EMBER_CHECK(input.dim() >= 3 && input.dim() <= 5,
              "[interpolate] Input Error: Only 3D, 4D and "
              "5D input Tensors supported (got ",
              input.dim(),
              "D) for the modes: nearest | "
              "linear | bilinear | bicubic | trilinear (got ",
              mode, ")");
  size_t D = static_cast<size_t>(input.dim()) - 2;
  EMBER_CHECK(o.size().has_value() != o.scale_factor().has_value(),
              "[interpolate] only one of size or scale_factor should be defined");
  std::vector<int64_t> out;
  std::vector<double> scales;
  if (o.size()) {
    out = *o.size();
    if (out.size() == 1) out.resize(D, out[0]);
    EMBER_CHECK(out.size() == D,
                "[interpolate] Input and output must have the same number of "
                "spatial dimensions, but got input with spatial dimensions of ",
                input.sizes().slice(2), " and output size of ", IntArrayRef(*o.size()),
                ". Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size "
                "in (o1, o2, ...,oK) format.");
  } else {
    scales = *o.scale_factor();
    if (scales.size() == 1) scales.resize(D, scales[0]);
    EMBER_CHECK(scales.size() == D,
                "[interpolate] Input and scale_factor must have the same "
                "number of spatial dimensions, but got input with spatial dimensions of ",
                input.sizes().slice(2), " and scale_factor of shape ", scales.size(), ".");
    for (size_t i = 0; i < D; ++i)
      out.push_back(static_cast<int64_t>(
          std::floor(static_cast<double>(input.size(2 + static_cast<int64_t>(i))) * scales[i])));
    if (o.recompute_scale_factor().value_or(false)) scales.clear();
  }
  return ember::upsample(input, mode, out, o.align_corners(), scales);
}

Tensor F::fold(const Tensor& input, const FoldFuncOptions& o) {
  return ember::col2im(input, o.output_size(), o.kernel_size(), o.dilation(), o.padding(),
                       o.stride());
}
Tensor F::unfold(const Tensor& input, const UnfoldFuncOptions& o) {
  return ember::im2col(input, o.kernel_size(), o.dilation(), o.padding(), o.stride());
}

Tensor UpsampleImpl::forward(const Tensor& input) {
  return F::interpolate(input, F::InterpolateFuncOptions()
                                   .size(options.size())
                                   .scale_factor(options.scale_factor())
                                   .mode(options.mode())
                                   .align_corners(options.align_corners()));
}
void UpsampleImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Upsample(";
  if (options.scale_factor()) {
    print_vec(os << "scale_factor=", *options.scale_factor());
  } else if (options.size()) {
    print_vec(os << "size=", *options.size());
  }
  static const char* const kNames[] = {"kNearest", "kLinear", "kBilinear", "kBicubic",
                                       "kTrilinear"};
  os << ", mode=" << kNames[options.mode().index()] << ")";
}

Tensor FoldImpl::forward(const Tensor& input) { return F::fold(input, options); }
void FoldImpl::pretty_print(std::ostream& os) const {
  print_array(os << "torch::nn::Fold(output_size=", options.output_size());
  print_array(os << ", kernel_size=", options.kernel_size());
  print_array(os << ", dilation=", options.dilation());
  print_array(os << ", padding=", options.padding());
  print_array(os << ", stride=", options.stride()) << ")";
}
Tensor UnfoldImpl::forward(const Tensor& input) { return F::unfold(input, options); }
void UnfoldImpl::pretty_print(std::ostream& os) const {
  print_array(os << "torch::nn::Unfold(kernel_size=", options.kernel_size());
  print_array(os << ", dilation=", options.dilation());
  print_array(os << ", padding=", options.padding());
  print_array(os << ", stride=", options.stride()) << ")";
}

}  // namespace nn
}  // namespace ember
