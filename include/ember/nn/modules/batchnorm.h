#pragma once
// BatchNorm{1,2,3}d and InstanceNorm{1,2,3}d: weight ones, bias zeros, buffers running_mean,
// running_var and num_batches_tracked (int64) under PyTorch's state_dict keys.
#include "ember/nn/functional/normalization.h"
#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {

// Parameters and running statistics shared by batch and instance norm.
template <size_t D, class Derived, class Options>
class NormImplBase : public Cloneable<Derived> {
 public:
  explicit NormImplBase(const Options& options) : options(options) {}
  void reset() override;
  void reset_running_stats();
  void reset_parameters();
  Options options;
  Tensor weight;
  Tensor bias;
  Tensor running_mean;
  Tensor running_var;
  Tensor num_batches_tracked;

 protected:
  virtual void _check_input_dim(const Tensor& input) = 0;
};

template <size_t D, class Derived>
class BatchNormImplBase : public NormImplBase<D, Derived, BatchNormOptions> {
 public:
  using NormImplBase<D, Derived, BatchNormOptions>::NormImplBase;
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& os) const override;
};

#define EMBER_BATCHNORM_MODULE(D, Name)                                                       \
  class Name##Impl : public BatchNormImplBase<D, Name##Impl> {                                \
   public:                                                                                    \
    explicit Name##Impl(const BatchNormOptions& options)                                      \
        : BatchNormImplBase<D, Name##Impl>(options) {                                         \
      this->reset();                                                                          \
    }                                                                                         \
    explicit Name##Impl(int64_t num_features) : Name##Impl(BatchNormOptions(num_features)) {} \
                                                                                              \
   protected:                                                                                 \
    void _check_input_dim(const Tensor& input) override;                                      \
  };                                                                                          \
  TORCH_MODULE(Name);
EMBER_BATCHNORM_MODULE(1, BatchNorm1d)
EMBER_BATCHNORM_MODULE(2, BatchNorm2d)
EMBER_BATCHNORM_MODULE(3, BatchNorm3d)
#undef EMBER_BATCHNORM_MODULE

template <size_t D, class Derived>
class InstanceNormImpl : public NormImplBase<D, Derived, InstanceNormOptions> {
 public:
  using NormImplBase<D, Derived, InstanceNormOptions>::NormImplBase;
  // Unbatched input ((D + 1)-dim) is normalized as a batch of one.
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& os) const override;
};

#define EMBER_INSTANCENORM_MODULE(D, Name)                                                       \
  class Name##Impl : public InstanceNormImpl<D, Name##Impl> {                                    \
   public:                                                                                       \
    explicit Name##Impl(const InstanceNormOptions& options)                                      \
        : InstanceNormImpl<D, Name##Impl>(options) {                                             \
      this->reset();                                                                             \
    }                                                                                            \
    explicit Name##Impl(int64_t num_features) : Name##Impl(InstanceNormOptions(num_features)) {} \
                                                                                                 \
   protected:                                                                                    \
    void _check_input_dim(const Tensor& input) override;                                         \
  };                                                                                             \
  TORCH_MODULE(Name);
EMBER_INSTANCENORM_MODULE(1, InstanceNorm1d)
EMBER_INSTANCENORM_MODULE(2, InstanceNorm2d)
EMBER_INSTANCENORM_MODULE(3, InstanceNorm3d)
#undef EMBER_INSTANCENORM_MODULE

}  // namespace nn
}  // namespace ember
