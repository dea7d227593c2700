#include "ember/nn/modules/layers.h"

#include <cmath>
#include <ostream>

#include "ember/ember.h"
#include "ember/nn/init.h"

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
  EMBER_CHECK(p >= 0 && p <= 1, "[dropout] dropout probability has to be between 0 and 1, but "
              "got ", p);
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
  return ember::conv2d(input, weight, o.bias(), o.stride(), o.padding(), o.dilation(), o.groups());
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

template <size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset() {
  const auto& o = options;
  EMBER_CHECK(o.groups() > 0, "[Conv] groups must be a positive integer");
  EMBER_CHECK(o.in_channels() % o.groups() == 0, "[Conv] in_channels must be divisible by groups");
  EMBER_CHECK(o.out_channels() % o.groups() == 0,
              "[Conv] out_channels must be divisible by groups");
  DimVector shape{o.out_channels(), o.in_channels() / o.groups()};
  for (size_t i = 0; i < D; ++i) shape.push_back(o.kernel_size()[i]);
  weight = this->register_parameter("weight", empty(shape));
  bias = this->register_parameter("bias", o.bias() ? empty({o.out_channels()}) : Tensor(),
                                  o.bias());
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
  return ember::conv1d(input, weight, bias, options.stride(), options.padding(),
                       options.dilation(), options.groups());
}
Tensor Conv2dImpl::forward(const Tensor& input) {
  return ember::conv2d(input, weight, bias, options.stride(), options.padding(),
                       options.dilation(), options.groups());
}

template <size_t D>
void print_conv(std::ostream& os, const char* name, const ConvOptions<D>& o) {
  os << "torch::nn::" << name << "(" << o.in_channels() << ", " << o.out_channels()
     << ", kernel_size=";
  print_array(os, o.kernel_size());
  os << ", stride=";
  print_array(os, o.stride());
  if ((*o.padding())[0] != 0) {
    os << ", padding=";
    print_array(os, o.padding());
  }
  if ((*o.dilation())[0] != 1) {
    os << ", dilation=";
    print_array(os, o.dilation());
  }
  if (o.groups() != 1) os << ", groups=" << o.groups();
  if (!o.bias()) os << ", bias=false";
  os << ")";
}
void Conv1dImpl::pretty_print(std::ostream& os) const { print_conv(os, "Conv1d", options); }
void Conv2dImpl::pretty_print(std::ostream& os) const { print_conv(os, "Conv2d", options); }

Tensor MaxPool2dImpl::forward(const Tensor& input) { return F::max_pool2d(input, options); }
std::tuple<Tensor, Tensor> MaxPool2dImpl::forward_with_indices(const Tensor& input) {
  return ember::max_pool2d_with_indices(input, options.kernel_size(), options.stride(),
                                        options.padding(), options.dilation(),
                                        options.ceil_mode());
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
  EMBER_CHECK(options.p() >= 0 && options.p() <= 1, "[Dropout] dropout probability has to be "
              "between 0 and 1, but got ", options.p());
}
Tensor DropoutImpl::forward(Tensor input) {
  return F::dropout(input,
                    DropoutFuncOptions().p(options.p()).training(is_training()).inplace(
                        options.inplace()));
}
void DropoutImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Dropout(p=" << options.p() << ", inplace=" << (options.inplace() ? "true" : "false")
     << ")";
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
