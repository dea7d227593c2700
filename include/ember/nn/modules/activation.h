#pragma once
// Activation modules (libtorch's torch/nn/modules/activation.h, plus Python's Hardsigmoid and
// Hardswish). ReLU, Sigmoid, Tanh, Softmax and LogSoftmax are in modules/layers.h.
#include "ember/nn/functional.h"
#include "ember/nn/options/activation.h"
#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {

// A module whose only state is its options struct.
#define EMBER_ACTIVATION_MODULE(Name, Options, Input)                        \
  class Name##Impl : public Cloneable<Name##Impl> {                          \
   public:                                                                   \
    explicit Name##Impl(const Options& options_ = {}) : options(options_) {} \
    void reset() override {}                                                 \
    void pretty_print(std::ostream& os) const override;                      \
    Tensor forward(Input input);                                             \
    Options options;                                                         \
  };                                                                         \
  TORCH_MODULE(Name);

// A module without options.
#define EMBER_PLAIN_ACTIVATION_MODULE(Name)             \
  class Name##Impl : public Cloneable<Name##Impl> {     \
   public:                                              \
    void reset() override {}                            \
    void pretty_print(std::ostream& os) const override; \
    Tensor forward(const Tensor& input);                \
  };                                                    \
  TORCH_MODULE(Name);

EMBER_ACTIVATION_MODULE(ELU, ELUOptions, Tensor)
EMBER_ACTIVATION_MODULE(SELU, SELUOptions, Tensor)
EMBER_ACTIVATION_MODULE(Hardshrink, HardshrinkOptions, const Tensor&)
EMBER_ACTIVATION_MODULE(LeakyReLU, LeakyReLUOptions, Tensor)
EMBER_ACTIVATION_MODULE(ReLU6, ReLU6Options, Tensor)
EMBER_ACTIVATION_MODULE(RReLU, RReLUOptions, Tensor)
EMBER_ACTIVATION_MODULE(CELU, CELUOptions, Tensor)
EMBER_ACTIVATION_MODULE(GLU, GLUOptions, const Tensor&)
EMBER_ACTIVATION_MODULE(GELU, GELUOptions, const Tensor&)
EMBER_ACTIVATION_MODULE(Softplus, SoftplusOptions, const Tensor&)
EMBER_ACTIVATION_MODULE(Softshrink, SoftshrinkOptions, const Tensor&)
EMBER_ACTIVATION_MODULE(Hardsigmoid, HardsigmoidOptions, Tensor)
EMBER_ACTIVATION_MODULE(Hardswish, HardswishOptions, Tensor)
EMBER_PLAIN_ACTIVATION_MODULE(LogSigmoid)
EMBER_PLAIN_ACTIVATION_MODULE(SiLU)
EMBER_PLAIN_ACTIVATION_MODULE(Mish)
EMBER_PLAIN_ACTIVATION_MODULE(Softsign)
EMBER_PLAIN_ACTIVATION_MODULE(Tanhshrink)
EMBER_PLAIN_ACTIVATION_MODULE(Softmax2d)
#undef EMBER_ACTIVATION_MODULE
#undef EMBER_PLAIN_ACTIVATION_MODULE

class HardtanhImpl : public Cloneable<HardtanhImpl> {
 public:
  explicit HardtanhImpl(const HardtanhOptions& options_ = {});
  void reset() override;  // checks max_val > min_val
  void pretty_print(std::ostream& os) const override;
  Tensor forward(Tensor input);
  HardtanhOptions options;
};
TORCH_MODULE(Hardtanh);

class SoftminImpl : public Cloneable<SoftminImpl> {
 public:
  explicit SoftminImpl(int64_t dim) : options(dim) {}
  explicit SoftminImpl(const SoftminOptions& options_) : options(options_) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  SoftminOptions options;
};
TORCH_MODULE(Softmin);

// weight: num_parameters slopes, all `init`.
class PReLUImpl : public Cloneable<PReLUImpl> {
 public:
  explicit PReLUImpl(const PReLUOptions& options_ = {});
  void reset() override;
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  PReLUOptions options;
  Tensor weight;
};
TORCH_MODULE(PReLU);

class ThresholdImpl : public Cloneable<ThresholdImpl> {
 public:
  ThresholdImpl(double threshold, double value)
      : ThresholdImpl(ThresholdOptions(threshold, value)) {}
  explicit ThresholdImpl(const ThresholdOptions& options_) : options(options_) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(Tensor input);
  ThresholdOptions options;
};
TORCH_MODULE(Threshold);

}  // namespace nn
}  // namespace ember
