#include "ember/nn/modules/conv.h"

#include <cmath>
#include <ostream>

#include "conv_util.h"
#include "ember/ember.h"
#include "ember/nn/init.h"

namespace ember {
namespace nn {

namespace {
// libtorch prints a one-element ExpandingArray as its value (kernel_size=3).
template <size_t D>
std::ostream& print_array(std::ostream& os, const ExpandingArray<D>& a) {
  if (D == 1) return os << a[0];
  os << "[";
  for (size_t i = 0; i < D; ++i) os << (i ? ", " : "") << a[i];
  return os << "]";
}
template <size_t D>
bool all_equal(const ExpandingArray<D>& a, int64_t v) {
  for (size_t i = 0; i < D; ++i)
    if (a[i] != v) return false;
  return true;
}
// kaiming_uniform_(a=sqrt(5)) then bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch.
void init_conv(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::_calculate_fan_in_and_fan_out(weight);
    double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}
const char* tf(bool b) { return b ? "true" : "false"; }
}  // namespace

// ---- Conv3d ----

Conv3dImpl::Conv3dImpl(Conv3dOptions options) : options(std::move(options)) { reset(); }

void Conv3dImpl::reset() {
  const auto& o = options;
  detail::check_conv_options(o);
  DimVector shape{o.out_channels(), o.in_channels() / o.groups()};
  for (size_t i = 0; i < 3; ++i) shape.push_back(o.kernel_size()[i]);
  weight = register_parameter("weight", empty(shape));
  bias = register_parameter("bias", o.bias() ? empty({o.out_channels()}) : Tensor(), o.bias());
  reset_parameters();
}
void Conv3dImpl::reset_parameters() { init_conv(weight, bias); }
Tensor Conv3dImpl::forward(const Tensor& input) {
  return detail::conv_module_forward<3>(input, weight, bias, options);
}
void Conv3dImpl::pretty_print(std::ostream& os) const { detail::print_conv(os, options); }

// ---- ConvTranspose ----

template <size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::reset() {
  const auto& o = options;
  EMBER_CHECK(o.groups() > 0, "[ConvTranspose] groups must be a positive integer");
  EMBER_CHECK(o.in_channels() % o.groups() == 0,
              "[ConvTranspose] in_channels must be divisible by groups");
  EMBER_CHECK(o.out_channels() % o.groups() == 0,
              "[ConvTranspose] out_channels must be divisible by groups");
  DimVector shape{o.in_channels(), o.out_channels() / o.groups()};
  for (size_t i = 0; i < D; ++i) shape.push_back(o.kernel_size()[i]);
  weight = this->register_parameter("weight", empty(shape));
  bias =
      this->register_parameter("bias", o.bias() ? empty({o.out_channels()}) : Tensor(), o.bias());
  reset_parameters();
}
template <size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::reset_parameters() {
  init_conv(weight, bias);
}
template <size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::pretty_print(std::ostream& os) const {
  const auto& o = options;
  os << "torch::nn::ConvTranspose" << D << "d(" << o.in_channels() << ", " << o.out_channels()
     << ", kernel_size=";
  print_array(os, o.kernel_size()) << ", stride=";
  print_array(os, o.stride());
  if (!all_equal(o.padding(), 0)) print_array(os << ", padding=", o.padding());
  if (!all_equal(o.dilation(), 1)) print_array(os << ", dilation=", o.dilation());
  if (!all_equal(o.output_padding(), 0)) print_array(os << ", output_padding=", o.output_padding());
  if (o.groups() != 1) os << ", groups=" << o.groups();
  if (!o.bias()) os << ", bias=false";
  os << ")";
}
template <size_t D, class Derived>
Tensor ConvTransposeNdImpl<D, Derived>::forward(
    const Tensor& input, const std::optional<std::vector<int64_t>>& output_size) {
  const auto& o = options;
  EMBER_CHECK(std::holds_alternative<enumtype::kZeros>(o.padding_mode()), "[ConvTranspose", D,
              "d] Only `zeros` padding mode is supported for ConvTranspose", D, "d");
  std::vector<int64_t> op(o.output_padding()->begin(), o.output_padding()->end());
  if (output_size) {
    std::vector<int64_t> want = *output_size;
    int64_t spatial = input.dim() - static_cast<int64_t>(D);
    if (want.size() == D + 2 ||
        (want.size() == D + 1 && input.dim() == static_cast<int64_t>(D) + 1))
      want.erase(want.begin(), want.end() - static_cast<int64_t>(D));
    EMBER_CHECK(want.size() == D, "[ConvTranspose", D, "d] ConvTranspose", D, "D: for ",
                input.dim(), "D input, output_size must have ", D, " or ", D + 2, " elements (got ",
                want.size(), ")");
    std::vector<int64_t> lo(D), hi(D);
    bool ok = true;
    for (size_t i = 0; i < D; ++i) {
      int64_t in = input.size(spatial + static_cast<int64_t>(i));
      lo[i] = (in - 1) * o.stride()[i] - 2 * o.padding()[i] +
              o.dilation()[i] * (o.kernel_size()[i] - 1) + 1;
      hi[i] = lo[i] + o.stride()[i] - 1;
      ok &= want[i] >= lo[i] && want[i] <= hi[i];
      op[i] = want[i] - lo[i];
    }
    EMBER_CHECK(ok, "[ConvTranspose", D, "d] requested an output size of ", IntArrayRef(want),
                ", but valid sizes range from ", IntArrayRef(lo), " to ", IntArrayRef(hi),
                " (for an input of ", input.sizes().slice(static_cast<size_t>(spatial)), ")");
  }
  IntArrayRef st(o.stride()->data(), D), pd(o.padding()->data(), D), dl(o.dilation()->data(), D);
  if constexpr (D == 1) {
    return ember::conv_transpose1d(input, weight, bias, st, pd, op, o.groups(), dl);
  } else if constexpr (D == 2) {
    return ember::conv_transpose2d(input, weight, bias, st, pd, op, o.groups(), dl);
  } else {
    return ember::conv_transpose3d(input, weight, bias, st, pd, op, o.groups(), dl);
  }
}
template class ConvTransposeNdImpl<1, ConvTranspose1dImpl>;
template class ConvTransposeNdImpl<2, ConvTranspose2dImpl>;
template class ConvTransposeNdImpl<3, ConvTranspose3dImpl>;

// ---- pooling ----

namespace {
template <size_t D>
void print_max_pool(std::ostream& os, const MaxPoolOptions<D>& o) {
  os << "torch::nn::MaxPool" << D << "d(kernel_size=";
  print_array(os, o.kernel_size()) << ", stride=";
  print_array(os, o.stride()) << ", padding=";
  print_array(os, o.padding()) << ", dilation=";
  print_array(os, o.dilation()) << ", ceil_mode=" << tf(o.ceil_mode()) << ")";
}
template <size_t D>
void print_avg_pool(std::ostream& os, const AvgPoolOptions<D>& o) {
  os << "torch::nn::AvgPool" << D << "d(kernel_size=";
  print_array(os, o.kernel_size()) << ", stride=";
  print_array(os, o.stride()) << ", padding=";
  print_array(os, o.padding()) << ")";
}
}  // namespace

Tensor MaxPool1dImpl::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}
std::tuple<Tensor, Tensor> MaxPool1dImpl::forward_with_indices(const Tensor& input) {
  const auto& o = options;
  return ember::max_pool1d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                        o.dilation(), o.ceil_mode());
}
void MaxPool1dImpl::pretty_print(std::ostream& os) const { print_max_pool(os, options); }
Tensor MaxPool3dImpl::forward(const Tensor& input) {
  return std::get<0>(forward_with_indices(input));
}
std::tuple<Tensor, Tensor> MaxPool3dImpl::forward_with_indices(const Tensor& input) {
  const auto& o = options;
  return ember::max_pool3d_with_indices(input, o.kernel_size(), o.stride(), o.padding(),
                                        o.dilation(), o.ceil_mode());
}
void MaxPool3dImpl::pretty_print(std::ostream& os) const { print_max_pool(os, options); }
Tensor AvgPool1dImpl::forward(const Tensor& input) {
  const auto& o = options;
  EMBER_CHECK(!o.divisor_override(), "[AvgPool1d] avg_pool1d has no divisor_override");
  return ember::avg_pool1d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad());
}
void AvgPool1dImpl::pretty_print(std::ostream& os) const { print_avg_pool(os, options); }
Tensor AvgPool3dImpl::forward(const Tensor& input) {
  const auto& o = options;
  return ember::avg_pool3d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad(), o.divisor_override());
}
void AvgPool3dImpl::pretty_print(std::ostream& os) const { print_avg_pool(os, options); }

#define EMBER_ADAPTIVE_AVG(D)                                                                  \
  Tensor AdaptiveAvgPool##D##dImpl::forward(const Tensor& input) {                             \
    return ember::adaptive_avg_pool##D##d(input, options.output_size());                       \
  }                                                                                            \
  void AdaptiveAvgPool##D##dImpl::pretty_print(std::ostream& os) const {                       \
    print_array(os << "torch::nn::AdaptiveAvgPool" #D "d(output_size=", options.output_size()) \
        << ")";                                                                                \
  }
#define EMBER_ADAPTIVE_MAX(D)                                                                  \
  Tensor AdaptiveMaxPool##D##dImpl::forward(const Tensor& input) {                             \
    return std::get<0>(forward_with_indices(input));                                           \
  }                                                                                            \
  std::tuple<Tensor, Tensor> AdaptiveMaxPool##D##dImpl::forward_with_indices(                  \
      const Tensor& input) {                                                                   \
    return ember::adaptive_max_pool##D##d(input, options.output_size());                       \
  }                                                                                            \
  void AdaptiveMaxPool##D##dImpl::pretty_print(std::ostream& os) const {                       \
    print_array(os << "torch::nn::AdaptiveMaxPool" #D "d(output_size=", options.output_size()) \
        << ")";                                                                                \
  }
EMBER_ADAPTIVE_AVG(1)
EMBER_ADAPTIVE_AVG(2)
EMBER_ADAPTIVE_AVG(3)
EMBER_ADAPTIVE_MAX(1)
EMBER_ADAPTIVE_MAX(2)
EMBER_ADAPTIVE_MAX(3)

// ---- padding, pixel shuffle ----

#define EMBER_PAD(Name, op)                                                                     \
  Tensor Name##Impl::forward(const Tensor& input) {                                             \
    return ember::op(input, IntArrayRef(options.padding()->data(), options.padding()->size())); \
  }                                                                                             \
  void Name##Impl::pretty_print(std::ostream& os) const {                                       \
    print_array(os << "torch::nn::" #Name "(padding=", options.padding()) << ")";               \
  }
EMBER_PAD(ReflectionPad1d, reflection_pad1d)
EMBER_PAD(ReflectionPad2d, reflection_pad2d)
EMBER_PAD(ReflectionPad3d, reflection_pad3d)
EMBER_PAD(ReplicationPad1d, replication_pad1d)
EMBER_PAD(ReplicationPad2d, replication_pad2d)
EMBER_PAD(ReplicationPad3d, replication_pad3d)
EMBER_PAD(ZeroPad2d, constant_pad_nd)

#define EMBER_CONSTANT_PAD(D)                                                      \
  Tensor ConstantPad##D##dImpl::forward(const Tensor& input) {                     \
    return ember::constant_pad_nd(                                                 \
        input, IntArrayRef(options.padding()->data(), options.padding()->size()),  \
        options.value());                                                          \
  }                                                                                \
  void ConstantPad##D##dImpl::pretty_print(std::ostream& os) const {               \
    print_array(os << "torch::nn::ConstantPad" #D "d(padding=", options.padding()) \
        << ", value=" << options.value() << ")";                                   \
  }
EMBER_CONSTANT_PAD(1)
EMBER_CONSTANT_PAD(2)
EMBER_CONSTANT_PAD(3)

Tensor PixelShuffleImpl::forward(const Tensor& input) {
  return ember::pixel_shuffle(input, options.upscale_factor());
}
void PixelShuffleImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::PixelShuffle(upscale_factor=" << options.upscale_factor() << ")";
}
Tensor PixelUnshuffleImpl::forward(const Tensor& input) {
  return ember::pixel_unshuffle(input, options.downscale_factor());
}
void PixelUnshuffleImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::PixelUnshuffle(downscale_factor=" << options.downscale_factor() << ")";
}

}  // namespace nn
}  // namespace ember
