// The dropout family (ember/ops/dropout.h) as composites of ember ops, as PyTorch's CPU path: the
// noise is drawn without autograd and multiplied in, so autograd records the multiply (and the
// add of alpha dropout's shift).
#include "ember/ops/dropout.h"

#include <cmath>
#include <vector>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"

namespace ember {
namespace {

// Note [Alpha dropout]: dropped units are set to SELU's negative saturation -alpha * scale, then
// a * x + b restores zero mean and unit variance: a = 1 / sqrt((alpha'^2 p + 1)(1 - p)),
// b = -a * alpha' * p (alpha' = SELU's alpha * scale). With the keep mask m:
// out = x * (m * a) + (m - 1) * alpha' * a + alpha' * a * p.
constexpr double kAlphaPrime = 1.7580993408473766;

Tensor dropout_impl(Tensor& self, double p, bool train, bool feature, bool alpha, bool inplace,
                    const char* op) {
  EMBER_CHECK(self.defined(), "[", op, "] input must be defined");
  EMBER_CHECK(p >= 0 && p <= 1, "[", op,
              "] dropout probability has to be between 0 and 1, but got ", p);
  if (p == 0 || !train || self.numel() == 0) return self;
  TensorOptions opts = self.options().requires_grad(false);
  if (p == 1) {
    Tensor zero = zeros(IntArrayRef{}, opts);
    return inplace ? self.mul_(zero) : self * zero;
  }
  std::vector<int64_t> shape(self.sizes().begin(), self.sizes().end());
  if (feature) {
    EMBER_CHECK(self.dim() >= 2, "[", op,
                "] Feature dropout requires at least 2 dimensions in the input, got ", self.dim(),
                " (shape ", self.sizes(), ")");
    for (size_t d = 2; d < shape.size(); ++d) shape[d] = 1;
  }
  Tensor noise = empty(shape, opts), shift;
  {
    NoGradGuard ng;
    noise.bernoulli_(1 - p);
    if (alpha) {
      double a = 1. / std::sqrt((kAlphaPrime * kAlphaPrime * p + 1) * (1 - p));
      shift = (noise - 1).mul_(kAlphaPrime * a).add_(kAlphaPrime * a * p);
      noise.mul_(a);
    } else {
      noise.div_(1 - p);
    }
  }
  if (inplace) {
    self.mul_(noise);
    return alpha ? self.add_(shift) : self;
  }
  Tensor out = self * noise;
  return alpha ? out.add_(shift) : out;
}

Tensor run(const Tensor& input, double p, bool train, bool feature, bool alpha, const char* op) {
  Tensor x = input;
  return dropout_impl(x, p, train, feature, alpha, false, op);
}

Tensor& run_(Tensor& self, double p, bool train, bool feature, bool alpha, const char* op) {
  dropout_impl(self, p, train, feature, alpha, true, op);
  return self;
}

}  // namespace

Tensor dropout(const Tensor& input, double p, bool train) {
  return run(input, p, train, false, false, "dropout");
}
Tensor& dropout_(Tensor& self, double p, bool train) {
  return run_(self, p, train, false, false, "dropout_");
}
Tensor feature_dropout(const Tensor& input, double p, bool train) {
  return run(input, p, train, true, false, "feature_dropout");
}
Tensor& feature_dropout_(Tensor& self, double p, bool train) {
  return run_(self, p, train, true, false, "feature_dropout_");
}
Tensor alpha_dropout(const Tensor& input, double p, bool train) {
  return run(input, p, train, false, true, "alpha_dropout");
}
Tensor& alpha_dropout_(Tensor& self, double p, bool train) {
  return run_(self, p, train, false, true, "alpha_dropout_");
}
Tensor feature_alpha_dropout(const Tensor& input, double p, bool train) {
  return run(input, p, train, true, true, "feature_alpha_dropout");
}
Tensor& feature_alpha_dropout_(Tensor& self, double p, bool train) {
  return run_(self, p, train, true, true, "feature_alpha_dropout_");
}

}  // namespace ember
