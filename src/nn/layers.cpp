#include "ember/nn/modules/layers.h"

#include <cmath>
#include <ostream>

#include "conv_util.h"
#include "ember/ember.h"
#include "ember/nn/init.h"
#include "src/amp/autocast_hook.h"

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
}  // namespace

// ---- functional ----

Tensor F::linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  EMBER_AUTOCAST(lower, lower, linear, input, weight, bias);
  // As PyTorch: one addmm for a batch of vectors with a bias (AddmmBackward0), else matmul + add.
  if (input.dim() == 2 && bias.defined()) return addmm(bias, input, weight.t());
  // Contiguous batches of vectors fold into one addmm too (PyTorch's _flatten_nd_linear), so the
  // bias goes into the product's epilogue.
  if (input.dim() >= 3 && bias.defined() && input.is_contiguous()) {
    DimVector out_shape(input.sizes());
    out_shape.back() = weight.size(0);
    return addmm(bias, input.view({-1, input.size(-1)}), weight.t()).view(out_shape);
  }
  Tensor y = input.dim() == 2 ? input.mm(weight.t()) : matmul(input, weight.t());
  return bias.defined() ? y + bias : y;
}
Tensor F::relu(const Tensor& input, const ReLUFuncOptions& options) {
  if (options.inplace()) {
    Tensor x = input;
    return x.relu_();
  }
  return input.relu();
}
Tensor F::dropout(const Tensor& input, const DropoutFuncOptions& options) {
  double p = options.p();
  EMBER_CHECK(p >= 0 && p <= 1,
              "[dropout] dropout probability has to be between 0 and 1, but "
              "got ",
              p);
  if (!options.training() || p == 0) return input;
  if (p == 1) return input * 0;
  // Keep mask scaled by 1/(1-p), drawn with bernoulli_(1-p) as PyTorch's CPU dropout.
  Tensor mask = empty(input.sizes(), input.options().requires_grad(false));
  {
    NoGradGuard ng;
    mask.bernoulli_(1 - p);
    mask.div_(1 - p);
  }
  if (options.inplace()) {
    Tensor x = input;
    return x.mul_(mask);
  }
  return input * mask;
}
Tensor F::flatten(const Tensor& input, int64_t start_dim, int64_t end_dim) {
  return input.flatten(start_dim, end_dim);
}
Tensor F::conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& o) {
  return detail::conv_nd<2>(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(),
                            o.groups());
}
Tensor F::max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& o) {
  return ember::max_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.dilation(),
                           o.ceil_mode());
}
Tensor F::avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& o) {
  return ember::avg_pool2d(input, o.kernel_size(), o.stride(), o.padding(), o.ceil_mode(),
                           o.count_include_pad(), o.divisor_override());
}
Tensor F::softmax(const Tensor& input, const SoftmaxFuncOptions& o) {
  return ember::softmax(input, o.dim(), o.dtype());
}
Tensor F::log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& o) {
  return ember::log_softmax(input, o.dim(), o.dtype());
}

// ---- modules ----

void IdentityImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Identity()"; }

LinearImpl::LinearImpl(const LinearOptions& options) : options(options) { reset(); }

void LinearImpl::reset() {
  weight = register_parameter("weight", empty({options.out_features(), options.in_features()}));
  bias = register_parameter("bias", options.bias() ? empty({options.out_features()}) : Tensor(),
                            options.bias());
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  // kaiming_uniform_(a=sqrt(5)) then bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)), as PyTorch.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::_calculate_fan_in_and_fan_out(weight);
    double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

void LinearImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Linear(in_features=" << options.in_features()
     << ", out_features=" << options.out_features()
     << ", bias=" << (options.bias() ? "true" : "false") << ")";
}

Tensor LinearImpl::forward(const Tensor& input) { return F::linear(input, weight, bias); }

// ---- convolution helpers (see conv_util.h) ----

namespace {
const char* padding_mode_name(const detail::conv_padding_mode_t& m) {
  if (std::holds_alternative<enumtype::kReflect>(m)) return "reflect";
  if (std::holds_alternative<enumtype::kReplicate>(m)) return "replicate";
  if (std::holds_alternative<enumtype::kCircular>(m)) return "circular";
  return "zeros";
}
}  // namespace

template <size_t D>
Tensor detail::conv_nd(const Tensor& input, const Tensor& weight, const Tensor& bias,
                       const ExpandingArray<D>& stride, const conv_padding_t<D>& padding,
                       const ExpandingArray<D>& dilation, int64_t groups) {
  ExpandingArray<D> pad(0);
  Tensor x = input;
  if (const auto* p = std::get_if<ExpandingArray<D>>(&padding)) {
    pad = *p;
  } else if (std::holds_alternative<enumtype::kSame>(padding)) {
    // 'same': total = dilation * (kernel - 1) split evenly; an odd total puts the extra element
    // on the right, by padding the input first (as PyTorch).
    EMBER_CHECK(weight.defined() && weight.dim() == static_cast<int64_t>(D) + 2, "[conv", D,
                "d] weight must be ", D + 2, "-D, got ", weight.defined() ? weight.dim() : 0, "-D");
    for (size_t i = 0; i < D; ++i)
      EMBER_CHECK(stride[i] == 1, "[conv", D,
                  "d] padding='same' is not supported for strided convolutions");
    std::vector<int64_t> extra(2 * D, 0);
    bool any = false;
    for (size_t i = 0; i < D; ++i) {
      const int64_t total = dilation[i] * (weight.size(static_cast<int64_t>(i) + 2) - 1);
      (*pad)[i] = total / 2;
      extra[2 * (D - 1 - i) + 1] = total % 2;
      any = any || total % 2;
    }
    if (any) x = ember::constant_pad_nd(input, extra, 0);
  }
  if constexpr (D == 1) return ember::conv1d(x, weight, bias, stride, pad, dilation, groups);
  if constexpr (D == 2) return ember::conv2d(x, weight, bias, stride, pad, dilation, groups);
  if constexpr (D == 3) return ember::conv3d(x, weight, bias, stride, pad, dilation, groups);
}

template <size_t D>
void detail::check_conv_options(const ConvOptions<D>& o) {
  EMBER_CHECK(o.groups() > 0, "[Conv", D, "d] groups must be a positive integer");
  EMBER_CHECK(o.in_channels() % o.groups() == 0, "[Conv", D,
              "d] in_channels must be divisible by groups");
  EMBER_CHECK(o.out_channels() % o.groups() == 0, "[Conv", D,
              "d] out_channels must be divisible by groups");
  if (std::holds_alternative<enumtype::kSame>(o.padding())) {
    for (size_t i = 0; i < D; ++i)
      EMBER_CHECK(o.stride()[i] == 1, "[Conv", D,
                  "d] padding='same' is not supported for strided convolutions");
  }
  if (const auto* pad = std::get_if<ExpandingArray<D>>(&o.padding())) {
    for (size_t i = 0; i < D; ++i)
      EMBER_CHECK((*pad)[i] >= 0, "[Conv", D, "d] padding must be non-negative, got ",
                  IntArrayRef(**pad));
  }
}

template <size_t D>
Tensor detail::conv_module_forward(const Tensor& input, const Tensor& weight, const Tensor& bias,
                                   const ConvOptions<D>& o) {
  if (std::holds_alternative<enumtype::kZeros>(o.padding_mode()))
    return conv_nd<D>(input, weight, bias, o.stride(), o.padding(), o.dilation(), o.groups());
  // F.pad takes (last dim left, last dim right, ...): PyTorch's
  // _reversed_padding_repeated_twice; "same" puts the odd extra element on the right.
  std::vector<int64_t> pad(2 * D, 0);
  for (size_t i = 0; i < D; ++i) {
    const size_t r = D - 1 - i;
    if (const auto* p = std::get_if<ExpandingArray<D>>(&o.padding())) {
      pad[2 * r] = pad[2 * r + 1] = (*p)[i];
    } else if (std::holds_alternative<enumtype::kSame>(o.padding())) {
      const int64_t total = o.dilation()[i] * (o.kernel_size()[i] - 1);
      pad[2 * r] = total / 2;
      pad[2 * r + 1] = total - total / 2;
    }
  }
  return conv_nd<D>(ember::pad(input, pad, padding_mode_name(o.padding_mode())), weight, bias,
                    o.stride(), ExpandingArray<D>(0), o.dilation(), o.groups());
}

template <size_t D>
void detail::print_conv(std::ostream& os, const ConvOptions<D>& o) {
  os << "torch::nn::Conv" << D << "d(" << o.in_channels() << ", " << o.out_channels()
     << ", kernel_size=";
  print_expanding(os, o.kernel_size()) << ", stride=";
  print_expanding(os, o.stride());
  if (std::holds_alternative<enumtype::kValid>(o.padding())) {
    os << ", padding='valid'";
  } else if (std::holds_alternative<enumtype::kSame>(o.padding())) {
    os << ", padding='same'";
  } else {
    const auto& p = std::get<ExpandingArray<D>>(o.padding());
    bool zero = true;
    for (size_t i = 0; i < D; ++i) zero = zero && p[i] == 0;
    if (!zero) print_expanding(os << ", padding=", p);
  }
  bool unit = true;
  for (size_t i = 0; i < D; ++i) unit = unit && o.dilation()[i] == 1;
  if (!unit) print_expanding(os << ", dilation=", o.dilation());
  if (o.groups() != 1) os << ", groups=" << o.groups();
  if (!o.bias()) os << ", bias=false";
  if (!std::holds_alternative<enumtype::kZeros>(o.padding_mode()))
    os << ", padding_mode=" << enumtype::get_enum_name(o.padding_mode());
  os << ")";
}

#define EMBER_CONV_HELPERS(D)                                                                 \
  template Tensor detail::conv_nd<D>(const Tensor&, const Tensor&, const Tensor&,             \
                                     const ExpandingArray<D>&, const conv_padding_t<D>&,      \
                                     const ExpandingArray<D>&, int64_t);                      \
  template Tensor detail::conv_module_forward<D>(const Tensor&, const Tensor&, const Tensor&, \
                                                 const ConvOptions<D>&);                      \
  template void detail::check_conv_options<D>(const ConvOptions<D>&);                         \
  template void detail::print_conv<D>(std::ostream&, const ConvOptions<D>&);
EMBER_CONV_HELPERS(1)
EMBER_CONV_HELPERS(2)
EMBER_CONV_HELPERS(3)
#undef EMBER_CONV_HELPERS

template <size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset() {
  const auto& o = options;
  detail::check_conv_options(o);
  DimVector shape{o.out_channels(), o.in_channels() / o.groups()};
  for (size_t i = 0; i < D; ++i) shape.push_back(o.kernel_size()[i]);
  weight = this->register_parameter("weight", empty(shape));
  bias =
      this->register_parameter("bias", o.bias() ? empty({o.out_channels()}) : Tensor(), o.bias());
  reset_parameters();
}

template <size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset_parameters() {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    auto [fan_in, fan_out] = init::_calculate_fan_in_and_fan_out(weight);
    double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
    init::uniform_(bias, -bound, bound);
  }
}

template class ConvNdImpl<1, Conv1dImpl>;
template class ConvNdImpl<2, Conv2dImpl>;

Conv1dImpl::Conv1dImpl(Conv1dOptions options) : ConvNdImpl(std::move(options)) { reset(); }
Conv2dImpl::Conv2dImpl(Conv2dOptions options) : ConvNdImpl(std::move(options)) { reset(); }

Tensor Conv1dImpl::forward(const Tensor& input) {
  return detail::conv_module_forward<1>(input, weight, bias, options);
}
Tensor Conv2dImpl::forward(const Tensor& input) {
  return detail::conv_module_forward<2>(input, weight, bias, options);
}
void Conv1dImpl::pretty_print(std::ostream& os) const { detail::print_conv(os, options); }
void Conv2dImpl::pretty_print(std::ostream& os) const { detail::print_conv(os, options); }

Tensor MaxPool2dImpl::forward(const Tensor& input) { return F::max_pool2d(input, options); }
std::tuple<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return ember::max_pool2d_with_indices(input, options.kernel_size(), options.stride(),
                                        options.padding(), options.dilation(), options.ceil_mode());
}
void MaxPool2dImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::MaxPool2d(kernel_size=";
  print_array(os, options.kernel_size());
  os << ", stride=";
  print_array(os, options.stride());
  os << ", padding=";
  print_array(os, options.padding());
  os << ", dilation=";
  print_array(os, options.dilation());
  os << ", ceil_mode=" << (options.ceil_mode() ? "true" : "false") << ")";
}

Tensor AvgPool2dImpl::forward(const Tensor& input) { return F::avg_pool2d(input, options); }
void AvgPool2dImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::AvgPool2d(kernel_size=";
  print_array(os, options.kernel_size());
  os << ", stride=";
  print_array(os, options.stride());
  os << ", padding=";
  print_array(os, options.padding());
  os << ")";
}

Tensor FlattenImpl::forward(const Tensor& input) {
  return input.flatten(options.start_dim(), options.end_dim());
}
void FlattenImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Flatten(start_dim=" << options.start_dim() << ", end_dim=" << options.end_dim()
     << ")";
}

DropoutImpl::DropoutImpl(const DropoutOptions& options) : options(options) { reset(); }
void DropoutImpl::reset() {
  EMBER_CHECK(options.p() >= 0 && options.p() <= 1,
              "[Dropout] dropout probability has to be "
              "between 0 and 1, but got ",
              options.p());
}
Tensor DropoutImpl::forward(Tensor input) {
  return F::dropout(
      input,
      DropoutFuncOptions().p(options.p()).training(is_training()).inplace(options.inplace()));
}
void DropoutImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Dropout(p=" << options.p()
     << ", inplace=" << (options.inplace() ? "true" : "false") << ")";
}

Tensor ReLUImpl::forward(Tensor input) { return F::relu(input, options); }
void ReLUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::ReLU(" << (options.inplace() ? "inplace=true" : "") << ")";
}
Tensor SigmoidImpl::forward(const Tensor& input) { return input.sigmoid(); }
void SigmoidImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Sigmoid()"; }
Tensor TanhImpl::forward(const Tensor& input) { return input.tanh(); }
void TanhImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Tanh()"; }
Tensor SoftmaxImpl::forward(const Tensor& input) { return ember::softmax(input, options.dim()); }
void SoftmaxImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Softmax(dim=" << options.dim() << ")";
}
Tensor LogSoftmaxImpl::forward(const Tensor& input) {
  return ember::log_softmax(input, options.dim());
}
void LogSoftmaxImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::LogSoftmax(dim=" << options.dim() << ")";
}

}  // namespace nn
}  // namespace ember
