#pragma once
// Dropout2d, Dropout3d, AlphaDropout, FeatureAlphaDropout (Dropout is in nn/modules/layers.h):
// identity in eval mode, libtorch's options and printing.
#include "ember/nn/functional/dropout.h"
#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {
namespace detail {
// libtorch's _DropoutNd: holds the options and checks p in reset().
template <class Derived>
class _DropoutNd : public Cloneable<Derived> {  // NOLINT(bugprone-reserved-identifier)
 public:
  explicit _DropoutNd(double p) : _DropoutNd(DropoutOptions().p(p)) {}
  explicit _DropoutNd(const DropoutOptions& options_ = {}) : options(options_) { reset(); }
  void reset() override {
    EMBER_CHECK(options.p() >= 0 && options.p() <= 1, "[", Derived::kName,
                "] dropout probability has to be between 0 and 1, but got ", options.p());
  }
  DropoutOptions options;
};
}  // namespace detail

class Dropout2dImpl : public detail::_DropoutNd<Dropout2dImpl> {
 public:
  using detail::_DropoutNd<Dropout2dImpl>::_DropoutNd;
  static constexpr const char* kName = "Dropout2d";
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& os) const override;
};
TORCH_MODULE(Dropout2d);

class Dropout3dImpl : public detail::_DropoutNd<Dropout3dImpl> {
 public:
  using detail::_DropoutNd<Dropout3dImpl>::_DropoutNd;
  static constexpr const char* kName = "Dropout3d";
  Tensor forward(Tensor input);
  void pretty_print(std::ostream& os) const override;
};
TORCH_MODULE(Dropout3d);

// As libtorch, forward never works in place (options.inplace is only printed).
class AlphaDropoutImpl : public detail::_DropoutNd<AlphaDropoutImpl> {
 public:
  using detail::_DropoutNd<AlphaDropoutImpl>::_DropoutNd;
  static constexpr const char* kName = "AlphaDropout";
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& os) const override;
};
TORCH_MODULE(AlphaDropout);

class FeatureAlphaDropoutImpl : public detail::_DropoutNd<FeatureAlphaDropoutImpl> {
 public:
  using detail::_DropoutNd<FeatureAlphaDropoutImpl>::_DropoutNd;
  static constexpr const char* kName = "FeatureAlphaDropout";
  Tensor forward(const Tensor& input);
  void pretty_print(std::ostream& os) const override;
};
TORCH_MODULE(FeatureAlphaDropout);

}  // namespace nn
}  // namespace ember
