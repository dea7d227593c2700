// LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm, CrossMapLRN2d and their functional forms,
// plus F::normalize.
#include "ember/nn/modules/normalization.h"

#include <ostream>

#include "ember/nn/init.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"

namespace ember {
namespace nn {

namespace F = functional;

Tensor F::layer_norm(const Tensor& input, const LayerNormFuncOptions& o) {
  return ember::layer_norm(input, o.normalized_shape(), o.weight(), o.bias(), o.eps());
}
Tensor F::group_norm(const Tensor& input, const GroupNormFuncOptions& o) {
  return ember::group_norm(input, o.num_groups(), o.weight(), o.bias(), o.eps());
}
Tensor F::rms_norm(const Tensor& input, const RMSNormFuncOptions& o) {
  return ember::rms_norm(input, o.normalized_shape(), o.weight(), o.eps());
}

Tensor F::local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& o) {
  int64_t dim = input.dim();
  EMBER_CHECK(dim >= 3, "[local_response_norm] Expected 3D or higher dimensionality input (got ",
              dim, " dimensions)");
  EMBER_CHECK(o.size() > 0, "[local_response_norm] size must be positive, got ", o.size());
  int64_t size = o.size(), C = input.size(1);
  // Average of x^2 over a window of `size` channels, zero-padded as PyTorch's avg_pool.
  Tensor sq = input * input;
  DimVector before(input.sizes().begin(), input.sizes().end()), after = before;
  before[1] = size / 2;
  after[1] = (size - 1) / 2;
  Tensor padded = cat({zeros(before, sq.options()), sq, zeros(after, sq.options())}, 1);
  Tensor window = padded.narrow(1, 0, C);
  for (int64_t j = 1; j < size; ++j) window = window + padded.narrow(1, j, C);
  Tensor div = (window * (o.alpha() / static_cast<double>(size)) + o.k()).pow(o.beta());
  return input / div;
}

Tensor F::normalize(const Tensor& input, NormalizeFuncOptions o) {
  Tensor denom = input.norm(o.p(), IntArrayRef{o.dim()}, true).clamp_min(o.eps()).expand_as(input);
  if (o.out()) {
    Tensor out = *o.out();
    return div_out(out, input, denom);
  }
  return input / denom;
}

// ---- LayerNorm ----

LayerNormImpl::LayerNormImpl(const LayerNormOptions& options) : options(options) { reset(); }

void LayerNormImpl::reset() {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", ember::empty(IntArrayRef(options.normalized_shape())));
    bias = register_parameter("bias", ember::empty(IntArrayRef(options.normalized_shape())));
  } else {
    weight = register_parameter("weight", Tensor(), false);
    bias = register_parameter("bias", Tensor(), false);
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  if (!options.elementwise_affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

void LayerNormImpl::pretty_print(std::ostream& os) const {
  os << std::boolalpha << "torch::nn::LayerNorm(" << IntArrayRef(options.normalized_shape())
     << ", eps=" << options.eps() << ", elementwise_affine=" << options.elementwise_affine() << ")";
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return ember::layer_norm(input, options.normalized_shape(), weight, bias, options.eps());
}

// ---- RMSNorm ----

RMSNormImpl::RMSNormImpl(const RMSNormOptions& options) : options(options) { reset(); }

void RMSNormImpl::reset() {
  weight = options.elementwise_affine()
               ? register_parameter("weight", ember::empty(IntArrayRef(options.normalized_shape())))
               : register_parameter("weight", Tensor(), false);
  reset_parameters();
}

void RMSNormImpl::reset_parameters() {
  if (options.elementwise_affine()) init::ones_(weight);
}

void RMSNormImpl::pretty_print(std::ostream& os) const {
  os << std::boolalpha << "torch::nn::RMSNorm(" << IntArrayRef(options.normalized_shape())
     << ", eps=";
  if (options.eps()) {
    os << *options.eps();
  } else {
    os << "None";
  }
  os << ", elementwise_affine=" << options.elementwise_affine() << ")";
}

Tensor RMSNormImpl::forward(const Tensor& input) {
  return ember::rms_norm(input, options.normalized_shape(), weight, options.eps());
}

// ---- GroupNorm ----

GroupNormImpl::GroupNormImpl(const GroupNormOptions& options) : options(options) { reset(); }

void GroupNormImpl::reset() {
  EMBER_CHECK(options.num_groups() > 0 && options.num_channels() % options.num_groups() == 0,
              "[GroupNorm] num_channels must be divisible by num_groups");
  if (options.affine()) {
    weight = register_parameter("weight", empty({options.num_channels()}));
    bias = register_parameter("bias", empty({options.num_channels()}));
  } else {
    weight = register_parameter("weight", Tensor(), false);
    bias = register_parameter("bias", Tensor(), false);
  }
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (!options.affine()) return;
  init::ones_(weight);
  init::zeros_(bias);
}

void GroupNormImpl::pretty_print(std::ostream& os) const {
  os << std::boolalpha << "torch::nn::GroupNorm(" << options.num_groups() << ", "
     << options.num_channels() << ", eps=" << options.eps() << ", affine=" << options.affine()
     << ")";
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  return ember::group_norm(input, options.num_groups(), weight, bias, options.eps());
}

// ---- LocalResponseNorm, CrossMapLRN2d ----

void LocalResponseNormImpl::pretty_print(std::ostream& os) const {
  os << std::boolalpha << "torch::nn::LocalResponseNorm(" << options.size()
     << ", alpha=" << options.alpha() << ", beta=" << options.beta() << ", k=" << options.k()
     << ")";
}

Tensor LocalResponseNormImpl::forward(const Tensor& input) {
  return F::local_response_norm(input, options);
}

void CrossMapLRN2dImpl::pretty_print(std::ostream& os) const {
  os << std::boolalpha << "torch::nn::CrossMapLRN2d(" << options.size()
     << ", alpha=" << options.alpha() << ", beta=" << options.beta() << ", k=" << options.k()
     << ")";
}

Tensor CrossMapLRN2dImpl::forward(const Tensor& input) {
  EMBER_CHECK(input.dim() == 4, "[CrossMapLRN2d] Input must be 4D, but got ", input.dim(), "D");
  // The legacy running window of Lua torch, kept exactly (channel 0 is never dropped from it):
  // scale[c] = k + alpha / size * (sum of x^2 over the window of channel c).
  int64_t size = options.size(), C = input.size(1);
  int64_t pre_pad = (size - 1) / 2 + 1, crop = std::min(pre_pad, C);
  Tensor sq = input * input;
  std::vector<Tensor> scale;
  Tensor cur = zeros_like(sq.select(1, 0));
  for (int64_t c = 0; c < crop; ++c) cur = cur + sq.select(1, c);
  scale.push_back(cur);
  for (int64_t c = 1; c < C; ++c) {
    if (c < C - pre_pad + 1) cur = cur + sq.select(1, c + pre_pad - 1);
    if (c > pre_pad) cur = cur - sq.select(1, c - pre_pad);
    scale.push_back(cur);
  }
  Tensor s = stack(scale, 1) * (options.alpha() / static_cast<double>(size)) +
             static_cast<double>(options.k());
  return input * s.pow(-options.beta());
}

}  // namespace nn
}  // namespace ember
