#pragma once
// MaxUnpool1d/2d/3d and LPPool1d/2d (functional forms in ember/nn/functional/pooling.h).
#include <optional>
#include <vector>

#include "ember/nn/any.h"
#include "ember/nn/functional/pooling.h"
#include "ember/nn/module.h"
#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {

template <size_t D, class Derived>
class MaxUnpoolImpl : public Cloneable<Derived> {
 public:
  MaxUnpoolImpl(ExpandingArray<D> kernel_size)  // NOLINT
      : MaxUnpoolImpl(MaxUnpoolOptions<D>(kernel_size)) {}
  explicit MaxUnpoolImpl(const MaxUnpoolOptions<D>& options_) : options(options_) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  // output_size: spatial sizes (or with batch and channel dims); default from the input's size.
  Tensor forward(const Tensor& input, const Tensor& indices,
                 const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
  FORWARD_HAS_DEFAULT_ARGS({2, AnyValue(std::optional<std::vector<int64_t>>())})
  MaxUnpoolOptions<D> options;
};

#define EMBER_MAX_UNPOOL(D)                                                  \
  class MaxUnpool##D##dImpl : public MaxUnpoolImpl<D, MaxUnpool##D##dImpl> { \
   public:                                                                   \
    using MaxUnpoolImpl<D, MaxUnpool##D##dImpl>::MaxUnpoolImpl;              \
  };                                                                         \
  TORCH_MODULE(MaxUnpool##D##d);
EMBER_MAX_UNPOOL(1)
EMBER_MAX_UNPOOL(2)
EMBER_MAX_UNPOOL(3)
#undef EMBER_MAX_UNPOOL

template <size_t D, class Derived>
class LPPoolImpl : public Cloneable<Derived> {
 public:
  LPPoolImpl(double norm_type, ExpandingArray<D> kernel_size)
      : LPPoolImpl(LPPoolOptions<D>(norm_type, kernel_size)) {}
  explicit LPPoolImpl(const LPPoolOptions<D>& options_) : options(options_) {}
  void reset() override {}
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input);
  LPPoolOptions<D> options;
};

#define EMBER_LP_POOL(D)                                            \
  class LPPool##D##dImpl : public LPPoolImpl<D, LPPool##D##dImpl> { \
   public:                                                          \
    using LPPoolImpl<D, LPPool##D##dImpl>::LPPoolImpl;              \
  };                                                                \
  TORCH_MODULE(LPPool##D##d);
EMBER_LP_POOL(1)
EMBER_LP_POOL(2)
#undef EMBER_LP_POOL

}  // namespace nn
}  // namespace ember
