// torch::nn::functional for convolutions, pooling, unpooling, padding and pixel shuffle, and the
// MaxUnpool / LPPool modules.
#include "ember/nn/modules/pooling.h"

#include <ostream>

#include "conv_util.h"
#include "ember/ember.h"
#include "ember/ops/unpool.h"

namespace ember {
namespace nn {

namespace F = functional;

namespace {
template <size_t D>
IntArrayRef ref(const ExpandingArray<D>& a) {
  return IntArrayRef(a->data(), D);
}
}  // namespace

// ---- convolutions ----

Tensor F::conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& o) {
  return detail::conv_nd<1>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(),
                            o.groups());
}
Tensor F::conv3d(const Tensor& input, const Tensor& weight, const Conv3dFuncOptions& o) {
  return detail::conv_nd<3>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(),
                            o.groups());
}
Tensor F::conv_transpose1d(const Tensor& input, const Tensor& weight,
                           const ConvTranspose1dFuncOptions& o) {
  return ember::conv_transpose1d(input, weight, o.bias(), ref(o.stride()), ref(o.padding()),
                                 ref(o.output_padding()), o.groups(), ref(o.dilation()));
}
Tensor F::conv_transpose2d(const Tensor& input, const Tensor& weight,
                           const ConvTranspose2dFuncOptions& o) {
  return ember::conv_transpose2d(input, weight, o.bias(), ref(o.stride()), ref(o.padding()),
                                 ref(o.output_padding()), o.groups(), ref(o.dilation()));
}
Tensor F::conv_transpose3d(const Tensor& input, const Tensor& weight,
                           const ConvTranspose3dFuncOptions& o) {
  return ember::conv_transpose3d(input, weight, o.bias(), ref(o.stride()), ref(o.padding()),
                                 ref(o.output_padding()), o.groups(), ref(o.dilation()));
}

// ---- pooling ----

Tensor F::max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& o) {
  return ember::max_pool1d(input, ref(o.kernel_size()), ref(o.stride()), ref(o.padding()),
                           ref(o.dilation()), o.ceil_mode());
}
Tensor F::max_pool3d(const Tensor& input, const MaxPool3dFuncOptions& o) {
  return ember::max_pool3d(input, ref(o.kernel_size()), ref(o.stride()), ref(o.padding()),
                           ref(o.dilation()), o.ceil_mode());
}
std::tuple<Tensor, Tensor> F::max_pool1d_with_indices(const Tensor& input,
                                                      const MaxPool1dFuncOptions& o) {
  return ember::max_pool1d_with_indices(input, ref(o.kernel_size()), ref(o.stride()),
                                        ref(o.padding()), ref(o.dilation()), o.ceil_mode());
}
std::tuple<Tensor, Tensor> F::max_pool2d_with_indices(const Tensor& input,
                                                      const MaxPool2dFuncOptions& o) {
  return ember::max_pool2d_with_indices(input, ref(o.kernel_size()), ref(o.stride()),
                                        ref(o.padding()), ref(o.dilation()), o.ceil_mode());
}
std::tuple<Tensor, Tensor> F::max_pool3d_with_indices(const Tensor& input,
                                                      const MaxPool3dFuncOptions& o) {
  return ember::max_pool3d_with_indices(input, ref(o.kernel_size()), ref(o.stride()),
                                        ref(o.padding()), ref(o.dilation()), o.ceil_mode());
}
Tensor F::avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& o) {
  return ember::avg_pool1d(input, ref(o.kernel_size()), ref(o.stride()), ref(o.padding()),
                           o.ceil_mode(), o.count_include_pad());
}
Tensor F::avg_pool3d(const Tensor& input, const AvgPool3dFuncOptions& o) {
  return ember::avg_pool3d(input, ref(o.kernel_size()), ref(o.stride()), ref(o.padding()),
                           o.ceil_mode(), o.count_include_pad(), o.divisor_override());
}

Tensor F::adaptive_avg_pool1d(const Tensor& input, const AdaptiveAvgPool1dFuncOptions& o) {
  return ember::adaptive_avg_pool1d(input, ref(o.output_size()));
}
Tensor F::adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& o) {
  return ember::adaptive_avg_pool2d(input, ref(o.output_size()));
}
Tensor F::adaptive_avg_pool3d(const Tensor& input, const AdaptiveAvgPool3dFuncOptions& o) {
  return ember::adaptive_avg_pool3d(input, ref(o.output_size()));
}
std::tuple<Tensor, Tensor> F::adaptive_max_pool1d_with_indices(
    const Tensor& input, const AdaptiveMaxPool1dFuncOptions& o) {
  return ember::adaptive_max_pool1d(input, ref(o.output_size()));
}
std::tuple<Tensor, Tensor> F::adaptive_max_pool2d_with_indices(
    const Tensor& input, const AdaptiveMaxPool2dFuncOptions& o) {
  return ember::adaptive_max_pool2d(input, ref(o.output_size()));
}
std::tuple<Tensor, Tensor> F::adaptive_max_pool3d_with_indices(
    const Tensor& input, const AdaptiveMaxPool3dFuncOptions& o) {
  return ember::adaptive_max_pool3d(input, ref(o.output_size()));
}
Tensor F::adaptive_max_pool1d(const Tensor& input, const AdaptiveMaxPool1dFuncOptions& o) {
  return std::get<0>(F::adaptive_max_pool1d_with_indices(input, o));
}
Tensor F::adaptive_max_pool2d(const Tensor& input, const AdaptiveMaxPool2dFuncOptions& o) {
  return std::get<0>(F::adaptive_max_pool2d_with_indices(input, o));
}
Tensor F::adaptive_max_pool3d(const Tensor& input, const AdaptiveMaxPool3dFuncOptions& o) {
  return std::get<0>(F::adaptive_max_pool3d_with_indices(input, o));
}

Tensor F::lp_pool1d(const Tensor& input, const LPPool1dFuncOptions& o) {
  return ember::lp_pool1d(input, o.norm_type(), ref(o.kernel_size()), ref(o.stride()),
                          o.ceil_mode());
}
Tensor F::lp_pool2d(const Tensor& input, const LPPool2dFuncOptions& o) {
  return ember::lp_pool2d(input, o.norm_type(), ref(o.kernel_size()), ref(o.stride()),
                          o.ceil_mode());
}

// ---- unpooling ----

std::vector<int64_t> F::_unpool_output_size(
    const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride, IntArrayRef padding,
    const std::optional<std::vector<int64_t>>& output_size) {
  const int64_t D = static_cast<int64_t>(kernel_size.size());
  EMBER_CHECK(input.defined() && input.dim() >= D, "[max_unpool", D, "d] input must have at least ",
              D, " dims, got ", input.defined() ? input.dim() : 0);
  std::vector<int64_t> def(D);
  for (int64_t d = 0; d < D; ++d)
    def[d] = (input.size(input.dim() - D + d) - 1) * stride[d] + kernel_size[d] - 2 * padding[d];
  if (!output_size) return def;
  std::vector<int64_t> want = *output_size;
  if (static_cast<int64_t>(want.size()) == D + 2) want.erase(want.begin(), want.begin() + 2);
  EMBER_CHECK(static_cast<int64_t>(want.size()) == D, "[max_unpool", D,
              "d] output_size should be a sequence containing ", D, " or ", D + 2,
              " elements, but it has a length of '", output_size->size(), "'");
  for (int64_t d = 0; d < D; ++d) {
    const int64_t lo = def[d] - stride[d], hi = def[d] + stride[d];
    EMBER_CHECK(lo < want[d] && want[d] < hi, "[max_unpool", D, "d] invalid output_size ",
                IntArrayRef(want), " (dim ", d, " must be between ", lo, " and ", hi, ")");
  }
  return want;
}

Tensor F::max_unpool1d(const Tensor& input, const Tensor& indices,
                       const MaxUnpool1dFuncOptions& o) {
  auto size = _unpool_output_size(input, ref(o.kernel_size()), ref(o.stride()), ref(o.padding()),
                                  o.output_size());
  size.push_back(1);
  return ember::max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), size).squeeze(-1);
}
Tensor F::max_unpool2d(const Tensor& input, const Tensor& indices,
                       const MaxUnpool2dFuncOptions& o) {
  auto size = _unpool_output_size(input, ref(o.kernel_size()), ref(o.stride()), ref(o.padding()),
                                  o.output_size());
  return ember::max_unpool2d(input, indices, size);
}
Tensor F::max_unpool3d(const Tensor& input, const Tensor& indices,
                       const MaxUnpool3dFuncOptions& o) {
  auto size = _unpool_output_size(input, ref(o.kernel_size()), ref(o.stride()), ref(o.padding()),
                                  o.output_size());
  return ember::max_unpool3d(input, indices, size, ref(o.stride()), ref(o.padding()));
}

// ---- padding, pixel shuffle ----

Tensor F::pad(const Tensor& input, const PadFuncOptions& o) {
  const char* mode = std::visit(
      [](auto m) -> const char* {
        using M = decltype(m);
        if constexpr (std::is_same_v<M, enumtype::kReflect>) return "reflect";
        if constexpr (std::is_same_v<M, enumtype::kReplicate>) return "replicate";
        if constexpr (std::is_same_v<M, enumtype::kCircular>) return "circular";
        return "constant";
      },
      o.mode());
  const bool constant = std::holds_alternative<enumtype::kConstant>(o.mode());
  return ember::pad(input, o.pad(), mode,
                    constant ? std::optional<double>(o.value()) : std::nullopt);
}

Tensor F::pixel_shuffle(const Tensor& input, const PixelShuffleFuncOptions& o) {
  return ember::pixel_shuffle(input, o.upscale_factor());
}
Tensor F::pixel_unshuffle(const Tensor& input, const PixelUnshuffleFuncOptions& o) {
  return ember::pixel_unshuffle(input, o.downscale_factor());
}

// ---- modules ----

template <size_t D, class Derived>
Tensor MaxUnpoolImpl<D, Derived>::forward(const Tensor& input, const Tensor& indices,
                                          const std::optional<std::vector<int64_t>>& output_size) {
  F::MaxUnpoolFuncOptions<D> fo(options.kernel_size());
  fo.stride(options.stride()).padding(options.padding()).output_size(output_size);
  if constexpr (D == 1) return F::max_unpool1d(input, indices, fo);
  if constexpr (D == 2) return F::max_unpool2d(input, indices, fo);
  if constexpr (D == 3) return F::max_unpool3d(input, indices, fo);
}
template <size_t D, class Derived>
void MaxUnpoolImpl<D, Derived>::pretty_print(std::ostream& os) const {
  os << "torch::nn::MaxUnpool" << D << "d(kernel_size=";
  detail::print_expanding(os, options.kernel_size()) << ", stride=";
  detail::print_expanding(os, options.stride()) << ", padding=";
  detail::print_expanding(os, options.padding()) << ")";
}
template class MaxUnpoolImpl<1, MaxUnpool1dImpl>;
template class MaxUnpoolImpl<2, MaxUnpool2dImpl>;
template class MaxUnpoolImpl<3, MaxUnpool3dImpl>;

template <size_t D, class Derived>
Tensor LPPoolImpl<D, Derived>::forward(const Tensor& input) {
  if constexpr (D == 1) return F::lp_pool1d(input, options);
  if constexpr (D == 2) return F::lp_pool2d(input, options);
}
template <size_t D, class Derived>
void LPPoolImpl<D, Derived>::pretty_print(std::ostream& os) const {
  os << "torch::nn::LPPool" << D << "d(norm_type=" << options.norm_type() << ", kernel_size=";
  detail::print_expanding(os, options.kernel_size()) << ", stride=";
  detail::print_expanding(os, options.stride())
      << ", ceil_mode=" << (options.ceil_mode() ? "true" : "false") << ")";
}
template class LPPoolImpl<1, LPPool1dImpl>;
template class LPPoolImpl<2, LPPool2dImpl>;

}  // namespace nn
}  // namespace ember
