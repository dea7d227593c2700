// Activation functionals and modules; printing follows libtorch's pretty_print.
#include "ember/nn/modules/activation.h"

#include <ostream>

#include "ember/ember.h"

namespace ember {
namespace nn {

namespace F = functional;

// ---- functional ----

Tensor F::elu(Tensor input, const ELUFuncOptions& o) {
  return o.inplace() ? ember::elu_(input, o.alpha()) : ember::elu(input, o.alpha());
}
Tensor F::selu(Tensor input, const SELUFuncOptions& o) {
  return o.inplace() ? ember::selu_(input) : ember::selu(input);
}
Tensor F::hardshrink(const Tensor& input, const HardshrinkFuncOptions& o) {
  return ember::hardshrink(input, o.lambda());
}
Tensor F::hardtanh(Tensor input, const HardtanhFuncOptions& o) {
  return o.inplace() ? ember::hardtanh_(input, o.min_val(), o.max_val())
                     : ember::hardtanh(input, o.min_val(), o.max_val());
}
Tensor F::leaky_relu(Tensor input, const LeakyReLUFuncOptions& o) {
  return o.inplace() ? ember::leaky_relu_(input, o.negative_slope())
                     : ember::leaky_relu(input, o.negative_slope());
}
Tensor F::logsigmoid(const Tensor& input) { return ember::log_sigmoid(input); }
Tensor F::gumbel_softmax(const Tensor& logits, const GumbelSoftmaxFuncOptions& o) {
  Tensor gumbels = -empty_like(logits).exponential_().log();  // ~Gumbel(0, 1)
  Tensor y_soft = ember::softmax((logits + gumbels) / o.tau(), o.dim());
  if (!o.hard()) return y_soft;
  // Straight through: one-hot forward, soft gradient.
  Tensor index = std::get<1>(y_soft.max(o.dim(), /*keepdim=*/true));
  Tensor y_hard = zeros_like(logits).scatter_(o.dim(), index, 1.0);
  return y_hard - y_soft.detach() + y_soft;
}
Tensor F::softmin(const Tensor& input, const SoftminFuncOptions& o) {
  return ember::softmax(-input, o.dim(), o.dtype());
}
Tensor F::glu(const Tensor& input, const GLUFuncOptions& o) { return ember::glu(input, o.dim()); }
Tensor F::gelu(const Tensor& input, const GELUFuncOptions& o) {
  return ember::gelu(input, o.approximate());
}
Tensor F::silu(const Tensor& input) { return ember::silu(input); }
Tensor F::mish(const Tensor& input) { return ember::mish(input); }
Tensor F::prelu(const Tensor& input, const Tensor& weight) { return ember::prelu(input, weight); }
Tensor F::relu6(Tensor input, const ReLU6FuncOptions& o) {
  return o.inplace() ? ember::relu6_(input) : ember::relu6(input);
}
Tensor F::rrelu(Tensor input, const RReLUFuncOptions& o) {
  return o.inplace() ? ember::rrelu_(input, o.lower(), o.upper(), o.training())
                     : ember::rrelu(input, o.lower(), o.upper(), o.training());
}
Tensor F::celu(Tensor input, const CELUFuncOptions& o) {
  return o.inplace() ? ember::celu_(input, o.alpha()) : ember::celu(input, o.alpha());
}
Tensor F::softplus(const Tensor& input, const SoftplusFuncOptions& o) {
  return ember::softplus(input, o.beta(), o.threshold());
}
Tensor F::softshrink(const Tensor& input, const SoftshrinkFuncOptions& o) {
  return ember::softshrink(input, o.lambda());
}
Tensor F::softsign(const Tensor& input) { return ember::softsign(input); }
Tensor F::tanhshrink(const Tensor& input) { return ember::tanhshrink(input); }
Tensor F::threshold(Tensor input, const ThresholdFuncOptions& o) {
  return o.inplace() ? ember::threshold_(input, o.threshold(), o.value())
                     : ember::threshold(input, o.threshold(), o.value());
}
Tensor F::hardsigmoid(Tensor input, const HardsigmoidFuncOptions& o) {
  return o.inplace() ? ember::hardsigmoid_(input) : ember::hardsigmoid(input);
}
Tensor F::hardswish(Tensor input, const HardswishFuncOptions& o) {
  return o.inplace() ? ember::hardswish_(input) : ember::hardswish(input);
}

// ---- modules ----

namespace {
// libtorch's ", inplace=true" suffix (nothing when false).
void print_inplace(std::ostream& os, bool inplace, bool first = false) {
  if (inplace) os << (first ? "" : ", ") << "inplace=true";
}
}  // namespace

Tensor ELUImpl::forward(Tensor input) { return F::elu(input, options); }
void ELUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::ELU(alpha=" << options.alpha();
  print_inplace(os, options.inplace());
  os << ")";
}
Tensor SELUImpl::forward(Tensor input) { return F::selu(input, options); }
void SELUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::SELU(";
  print_inplace(os, options.inplace(), true);
  os << ")";
}
Tensor HardshrinkImpl::forward(const Tensor& input) { return F::hardshrink(input, options); }
void HardshrinkImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Hardshrink(" << options.lambda() << ")";
}
HardtanhImpl::HardtanhImpl(const HardtanhOptions& options_) : options(options_) { reset(); }
void HardtanhImpl::reset() {
  EMBER_CHECK(options.max_val() > options.min_val(),
              "[Hardtanh] max_val must be greater than min_val");
}
Tensor HardtanhImpl::forward(Tensor input) { return F::hardtanh(input, options); }
void HardtanhImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Hardtanh(min_val=" << options.min_val() << ", max_val=" << options.max_val();
  print_inplace(os, options.inplace());
  os << ")";
}
Tensor LeakyReLUImpl::forward(Tensor input) { return F::leaky_relu(input, options); }
void LeakyReLUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::LeakyReLU(negative_slope=" << options.negative_slope();
  print_inplace(os, options.inplace());
  os << ")";
}
Tensor LogSigmoidImpl::forward(const Tensor& input) { return F::logsigmoid(input); }
void LogSigmoidImpl::pretty_print(std::ostream& os) const { os << "torch::nn::LogSigmoid()"; }
Tensor SoftminImpl::forward(const Tensor& input) {
  return F::softmin(input, F::SoftminFuncOptions(options.dim()));
}
void SoftminImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Softmin(dim=" << options.dim() << ")";
}
Tensor Softmax2dImpl::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "[Softmax2d] Softmax2d requires a 3D or 4D tensor as input, got ", input.dim(), "D");
  return ember::softmax(input, -3);
}
void Softmax2dImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Softmax2d()"; }
PReLUImpl::PReLUImpl(const PReLUOptions& options_) : options(options_) { reset(); }
void PReLUImpl::reset() {
  weight = register_parameter("weight", full({options.num_parameters()}, options.init()));
}
Tensor PReLUImpl::forward(const Tensor& input) { return F::prelu(input, weight); }
void PReLUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::PReLU(num_parameters=" << options.num_parameters() << ")";
}
Tensor ReLU6Impl::forward(Tensor input) { return F::relu6(input, options); }
void ReLU6Impl::pretty_print(std::ostream& os) const {
  os << "torch::nn::ReLU6(";
  print_inplace(os, options.inplace(), true);
  os << ")";
}
Tensor RReLUImpl::forward(Tensor input) {
  return F::rrelu(input, F::RReLUFuncOptions()
                             .lower(options.lower())
                             .upper(options.upper())
                             .training(is_training())
                             .inplace(options.inplace()));
}
void RReLUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::RReLU(lower=" << options.lower() << ", upper=" << options.upper();
  print_inplace(os, options.inplace());
  os << ")";
}
Tensor CELUImpl::forward(Tensor input) { return F::celu(input, options); }
void CELUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::CELU(alpha=" << options.alpha();
  print_inplace(os, options.inplace());
  os << ")";
}
Tensor GLUImpl::forward(const Tensor& input) { return F::glu(input, options); }
void GLUImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::GLU(dim=" << options.dim() << ")";
}
Tensor GELUImpl::forward(const Tensor& input) { return F::gelu(input, options); }
void GELUImpl::pretty_print(std::ostream& os) const { os << "torch::nn::GELU()"; }
Tensor SiLUImpl::forward(const Tensor& input) { return F::silu(input); }
void SiLUImpl::pretty_print(std::ostream& os) const { os << "torch::nn::SiLU()"; }
Tensor MishImpl::forward(const Tensor& input) { return F::mish(input); }
void MishImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Mish()"; }
Tensor SoftplusImpl::forward(const Tensor& input) { return F::softplus(input, options); }
void SoftplusImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Softplus(beta=" << options.beta() << ", threshold=" << options.threshold()
     << ")";
}
Tensor SoftshrinkImpl::forward(const Tensor& input) { return F::softshrink(input, options); }
void SoftshrinkImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Softshrink(" << options.lambda() << ")";
}
Tensor SoftsignImpl::forward(const Tensor& input) { return F::softsign(input); }
void SoftsignImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Softsign()"; }
Tensor TanhshrinkImpl::forward(const Tensor& input) { return F::tanhshrink(input); }
void TanhshrinkImpl::pretty_print(std::ostream& os) const { os << "torch::nn::Tanhshrink()"; }
Tensor ThresholdImpl::forward(Tensor input) { return F::threshold(input, options); }
void ThresholdImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Threshold(threshold=" << options.threshold() << ", value=" << options.value();
  print_inplace(os, options.inplace());
  os << ")";
}
Tensor HardsigmoidImpl::forward(Tensor input) { return F::hardsigmoid(input, options); }
void HardsigmoidImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Hardsigmoid(";
  print_inplace(os, options.inplace(), true);
  os << ")";
}
Tensor HardswishImpl::forward(Tensor input) { return F::hardswish(input, options); }
void HardswishImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Hardswish(";
  print_inplace(os, options.inplace(), true);
  os << ")";
}

}  // namespace nn
}  // namespace ember
