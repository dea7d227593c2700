// BatchNorm{1,2,3}d, InstanceNorm{1,2,3}d and their functional forms.
#include "ember/nn/modules/batchnorm.h"

#include <ostream>

#include "ember/core/context.h"
#include "ember/nn/init.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"

namespace ember {
namespace nn {

namespace F = functional;

Tensor F::batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                     const BatchNormFuncOptions& o) {
  if (o.training()) {
    auto size = input.sizes();
    int64_t prods = size.empty() ? 1 : size[0];
    for (size_t i = 2; i < size.size(); ++i) prods *= size[i];
    EMBER_CHECK(prods != 1,
                "[batch_norm] Expected more than 1 value per channel when training, "
                "got input size ",
                size);
  }
  EMBER_CHECK(o.momentum().has_value(), "[batch_norm] momentum must be a number");
  return ember::batch_norm(input, o.weight(), o.bias(), running_mean, running_var, o.training(),
                           *o.momentum(), o.eps(), globalContext().userEnabledCuDNN());
}

Tensor F::instance_norm(const Tensor& input, const InstanceNormFuncOptions& o) {
  return ember::instance_norm(input, o.weight(), o.bias(), o.running_mean(), o.running_var(),
                              o.use_input_stats(), o.momentum(), o.eps(),
                              globalContext().userEnabledCuDNN());
}

template <size_t D, class Derived, class Options>
void NormImplBase<D, Derived, Options>::reset() {
  int64_t c = options.num_features();
  if (options.affine()) {
    weight = this->register_parameter("weight", empty({c}));
    bias = this->register_parameter("bias", empty({c}));
  } else {
    weight = this->register_parameter("weight", Tensor(), false);
    bias = this->register_parameter("bias", Tensor(), false);
  }
  if (options.track_running_stats()) {
    running_mean = this->register_buffer("running_mean", zeros({c}));
    running_var = this->register_buffer("running_var", ones({c}));
    num_batches_tracked = this->register_buffer("num_batches_tracked", zeros({}, kLong));
  } else {
    running_mean = this->register_buffer("running_mean", Tensor());
    running_var = this->register_buffer("running_var", Tensor());
    num_batches_tracked = this->register_buffer("num_batches_tracked", Tensor());
  }
  reset_parameters();
}

template <size_t D, class Derived, class Options>
void NormImplBase<D, Derived, Options>::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard ng;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

template <size_t D, class Derived, class Options>
void NormImplBase<D, Derived, Options>::reset_parameters() {
  reset_running_stats();
  if (options.affine()) {
    init::ones_(weight);
    init::zeros_(bias);
  }
}

template <size_t D, class Derived>
Tensor BatchNormImplBase<D, Derived>::forward(const Tensor& input) {
  this->_check_input_dim(input);
  const auto& o = this->options;
  double factor = o.momentum().value_or(0.0);
  if (this->is_training() && o.track_running_stats() && this->num_batches_tracked.defined()) {
    {
      NoGradGuard ng;
      this->num_batches_tracked.add_(1);
    }
    // Without momentum the running stats are a cumulative average over the batches seen.
    if (!o.momentum()) factor = 1.0 / this->num_batches_tracked.template item<double>();
  }
  return F::batch_norm(input, this->running_mean, this->running_var,
                       F::BatchNormFuncOptions()
                           .weight(this->weight)
                           .bias(this->bias)
                           .momentum(factor)
                           .eps(o.eps())
                           .training(this->is_training() || !o.track_running_stats()));
}

namespace {
// std::ostream's default float format, as libtorch prints options.
std::ostream& print_momentum(std::ostream& os, const std::optional<double>& m) {
  if (m) return os << *m;
  return os << "None";
}
}  // namespace

template <size_t D, class Derived>
void BatchNormImplBase<D, Derived>::pretty_print(std::ostream& os) const {
  const auto& o = this->options;
  os << std::boolalpha << "torch::nn::BatchNorm" << D << "d(" << o.num_features()
     << ", eps=" << o.eps() << ", momentum=";
  print_momentum(os, o.momentum());
  os << ", affine=" << o.affine() << ", track_running_stats=" << o.track_running_stats() << ")";
}

template <size_t D, class Derived>
Tensor InstanceNormImpl<D, Derived>::forward(const Tensor& input) {
  this->_check_input_dim(input);
  const auto& o = this->options;
  auto fo = F::InstanceNormFuncOptions()
                .running_mean(this->running_mean)
                .running_var(this->running_var)
                .weight(this->weight)
                .bias(this->bias)
                .use_input_stats(this->is_training() || !o.track_running_stats())
                .momentum(o.momentum())
                .eps(o.eps());
  if (input.dim() == static_cast<int64_t>(D) + 1) {
    return F::instance_norm(input.unsqueeze(0), fo).squeeze(0);
  }
  return F::instance_norm(input, fo);
}

template <size_t D, class Derived>
void InstanceNormImpl<D, Derived>::pretty_print(std::ostream& os) const {
  const auto& o = this->options;
  os << std::boolalpha << "torch::nn::InstanceNorm" << D << "d(" << o.num_features()
     << ", eps=" << o.eps() << ", momentum=" << o.momentum() << ", affine=" << o.affine()
     << ", track_running_stats=" << o.track_running_stats() << ")";
}

void BatchNorm1dImpl::_check_input_dim(const Tensor& input) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, "[BatchNorm1d] expected 2D or 3D input (got ",
              input.dim(), "D input)");
}
void BatchNorm2dImpl::_check_input_dim(const Tensor& input) {
  EMBER_CHECK(input.dim() == 4, "[BatchNorm2d] expected 4D input (got ", input.dim(), "D input)");
}
void BatchNorm3dImpl::_check_input_dim(const Tensor& input) {
  EMBER_CHECK(input.dim() == 5, "[BatchNorm3d] expected 5D input (got ", input.dim(), "D input)");
}
void InstanceNorm1dImpl::_check_input_dim(const Tensor& input) {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3,
              "[InstanceNorm1d] expected 2D or 3D input "
              "(got ",
              input.dim(), "D input)");
}
void InstanceNorm2dImpl::_check_input_dim(const Tensor& input) {
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "[InstanceNorm2d] expected 3D or 4D input "
              "(got ",
              input.dim(), "D input)");
}
void InstanceNorm3dImpl::_check_input_dim(const Tensor& input) {
  EMBER_CHECK(input.dim() == 4 || input.dim() == 5,
              "[InstanceNorm3d] expected 4D or 5D input "
              "(got ",
              input.dim(), "D input)");
}

template class NormImplBase<1, BatchNorm1dImpl, BatchNormOptions>;
template class NormImplBase<2, BatchNorm2dImpl, BatchNormOptions>;
template class NormImplBase<3, BatchNorm3dImpl, BatchNormOptions>;
template class BatchNormImplBase<1, BatchNorm1dImpl>;
template class BatchNormImplBase<2, BatchNorm2dImpl>;
template class BatchNormImplBase<3, BatchNorm3dImpl>;
template class NormImplBase<1, InstanceNorm1dImpl, InstanceNormOptions>;
template class NormImplBase<2, InstanceNorm2dImpl, InstanceNormOptions>;
template class NormImplBase<3, InstanceNorm3dImpl, InstanceNormOptions>;
template class InstanceNormImpl<1, InstanceNorm1dImpl>;
template class InstanceNormImpl<2, InstanceNorm2dImpl>;
template class InstanceNormImpl<3, InstanceNorm3dImpl>;

}  // namespace nn
}  // namespace ember
