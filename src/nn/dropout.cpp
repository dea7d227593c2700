// Dropout2d/3d, AlphaDropout, FeatureAlphaDropout modules and their functional forms
// (ember/nn/modules/dropout.h, ember/nn/functional/dropout.h).
#include "ember/nn/modules/dropout.h"

#include <ostream>

#include "ember/ops/shape.h"

namespace ember {
namespace nn {
namespace functional {
namespace impl {
namespace {

void check_p(double p, const char* op) {
  EMBER_CHECK(p >= 0 && p <= 1, "[", op,
              "] dropout probability has to be between 0 and 1, but got ", p);
}

// libtorch 1.13's _dropoutNd_helper: an input with one dim less than a batch is unbatched (its
// first dim is the channel) and gets a batch dim of 1 around feature_dropout.
Tensor dropout_nd(Tensor input, double p, bool training, bool inplace, int64_t batched_dim,
                  const char* op) {
  check_p(p, op);
  EMBER_CHECK(input.defined(), "[", op, "] input must be defined");
  bool batched = input.dim() == batched_dim;
  if (!batched) input = inplace ? input.unsqueeze_(0) : input.unsqueeze(0);
  Tensor result =
      inplace ? feature_dropout_(input, p, training) : feature_dropout(input, p, training);
  if (!batched) result = inplace ? result.squeeze_(0) : result.squeeze(0);
  return result;
}

}  // namespace

Tensor dropout2d(Tensor input, double p, bool training, bool inplace) {
  return dropout_nd(std::move(input), p, training, inplace, 4, "dropout2d");
}
Tensor dropout3d(Tensor input, double p, bool training, bool inplace) {
  return dropout_nd(std::move(input), p, training, inplace, 5, "dropout3d");
}
Tensor alpha_dropout(Tensor input, double p, bool training, bool inplace) {
  check_p(p, "alpha_dropout");
  return inplace ? alpha_dropout_(input, p, training) : ember::alpha_dropout(input, p, training);
}
Tensor feature_alpha_dropout(Tensor input, double p, bool training, bool inplace) {
  check_p(p, "feature_alpha_dropout");
  return inplace ? feature_alpha_dropout_(input, p, training)
                 : ember::feature_alpha_dropout(input, p, training);
}

}  // namespace impl

Tensor dropout2d(Tensor input, const Dropout2dFuncOptions& o) {
  return impl::dropout2d(std::move(input), o.p(), o.training(), o.inplace());
}
Tensor dropout3d(Tensor input, const Dropout3dFuncOptions& o) {
  return impl::dropout3d(std::move(input), o.p(), o.training(), o.inplace());
}
Tensor alpha_dropout(Tensor input, const AlphaDropoutFuncOptions& o) {
  return impl::alpha_dropout(std::move(input), o.p(), o.training(), o.inplace());
}
Tensor feature_alpha_dropout(Tensor input, const FeatureAlphaDropoutFuncOptions& o) {
  return impl::feature_alpha_dropout(std::move(input), o.p(), o.training(), o.inplace());
}

}  // namespace functional

namespace F = functional;

namespace {
void print_dropout(std::ostream& os, const char* name, const DropoutOptions& o) {
  os << "torch::nn::" << name << "(p=" << o.p() << ", inplace=" << (o.inplace() ? "true" : "false")
     << ")";
}
}  // namespace

Tensor Dropout2dImpl::forward(Tensor input) {
  return F::impl::dropout2d(std::move(input), options.p(), is_training(), options.inplace());
}
void Dropout2dImpl::pretty_print(std::ostream& os) const { print_dropout(os, kName, options); }

Tensor Dropout3dImpl::forward(Tensor input) {
  return F::impl::dropout3d(std::move(input), options.p(), is_training(), options.inplace());
}
void Dropout3dImpl::pretty_print(std::ostream& os) const { print_dropout(os, kName, options); }

Tensor AlphaDropoutImpl::forward(const Tensor& input) {
  return F::impl::alpha_dropout(input, options.p(), is_training(), false);
}
void AlphaDropoutImpl::pretty_print(std::ostream& os) const { print_dropout(os, kName, options); }

Tensor FeatureAlphaDropoutImpl::forward(const Tensor& input) {
  return F::impl::feature_alpha_dropout(input, options.p(), is_training(), false);
}
void FeatureAlphaDropoutImpl::pretty_print(std::ostream& os) const {
  print_dropout(os, kName, options);
}

}  // namespace nn
}  // namespace ember
