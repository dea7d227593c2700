// nn::init: PyTorch's formulas (torch/nn/init.py), drawing in the same order so that seeded
// programs get PyTorch's initial weights.
#include "ember/nn/init.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/ember.h"

namespace ember {
namespace nn {
namespace init {

namespace {
struct GainVisitor {
  double param;
  double operator()(enumtype::kLinear) const { return 1; }
  double operator()(enumtype::kConv1D) const { return 1; }
  double operator()(enumtype::kConv2D) const { return 1; }
  double operator()(enumtype::kConv3D) const { return 1; }
  double operator()(enumtype::kConvTranspose1D) const { return 1; }
  double operator()(enumtype::kConvTranspose2D) const { return 1; }
  double operator()(enumtype::kConvTranspose3D) const { return 1; }
  double operator()(enumtype::kSigmoid) const { return 1; }
  double operator()(enumtype::kTanh) const { return 5.0 / 3; }
  double operator()(enumtype::kReLU) const { return std::sqrt(2.0); }
  double operator()(enumtype::kLeakyReLU) const { return std::sqrt(2.0 / (1 + param * param)); }
  double operator()(enumtype::kSELU) const { return 3.0 / 4; }
};

int64_t fan(const Tensor& t, FanModeType mode) {
  auto [in, out] = _calculate_fan_in_and_fan_out(t);
  return std::holds_alternative<enumtype::kFanIn>(mode) ? in : out;
}
}  // namespace

double calculate_gain(NonlinearityType nonlinearity, double param) {
  return std::visit(GainVisitor{param}, nonlinearity);
}

std::tuple<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor) {
  EMBER_CHECK(tensor.dim() >= 2,
              "[init] Fan in and fan out can not be computed for tensor with "
              "fewer than 2 dimensions");
  int64_t receptive = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive *= tensor.size(d);
  return {tensor.size(1) * receptive, tensor.size(0) * receptive};
}

Tensor constant_(Tensor tensor, Scalar value) {
  NoGradGuard ng;
  return tensor.fill_(value);
}
Tensor ones_(Tensor tensor) { return constant_(tensor, 1); }
Tensor zeros_(Tensor tensor) { return constant_(tensor, 0); }

Tensor eye_(Tensor matrix) {
  EMBER_CHECK(matrix.dim() == 2, "[eye_] Only tensors with 2 dimensions are supported");
  NoGradGuard ng;
  return matrix.copy_(eye(matrix.size(0), matrix.size(1), matrix.options()));
}

Tensor dirac_(Tensor tensor, int64_t groups) {
  int64_t d = tensor.dim();
  EMBER_CHECK(d >= 3 && d <= 5, "[dirac_] Only tensors with 3, 4, or 5 dimensions are supported");
  EMBER_CHECK(groups > 0 && tensor.size(0) % groups == 0,
              "[dirac_] dim 0 must be divisible by groups");
  NoGradGuard ng;
  tensor.zero_();
  int64_t out_per = tensor.size(0) / groups;
  int64_t m = std::min(out_per, tensor.size(1));
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t i = 0; i < m; ++i) {
      Tensor t = tensor.select(0, g * out_per + i).select(0, i);
      while (t.dim() > 0) t = t.select(0, t.size(0) / 2);
      t.fill_(1);
    }
  }
  return tensor;
}

Tensor uniform_(Tensor tensor, double low, double high) {
  NoGradGuard ng;
  return tensor.uniform_(low, high);
}
Tensor normal_(Tensor tensor, double mean, double std) {
  NoGradGuard ng;
  return tensor.normal_(mean, std);
}

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b) {
  // Uniform in [cdf(a), cdf(b)], then the inverse CDF (erfinv), as torch.nn.init.
  auto norm_cdf = [](double x) { return (1. + std::erf(x / std::sqrt(2.))) / 2.; };
  NoGradGuard ng;
  double l = norm_cdf((a - mean) / std), u = norm_cdf((b - mean) / std);
  tensor.uniform_(2 * l - 1, 2 * u - 1);
  // erfinv through Newton steps on erf (float64 accuracy) — no erfinv op needed here.
  Tensor xc = tensor.to(kDouble, false, /*copy=*/true).contiguous().cpu();
  double* p = xc.data_ptr<double>();
  for (int64_t i = 0; i < xc.numel(); ++i) {
    double y = std::min(std::max(p[i], -1 + 1e-15), 1 - 1e-15);
    double w = -std::log((1 - y) * (1 + y)), z;
    // Giles' single-precision approximation as the starting point.
    if (w < 5) {
      w -= 2.5;
      z = 2.81022636e-08;
      for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087,
                       -0.00125372503, -0.00417768164, 0.246640727, 1.50140941})
        z = c + z * w;
    } else {
      w = std::sqrt(w) - 3;
      z = -0.000200214257;
      for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                       0.00943887047, 1.00167406, 2.83297682})
        z = c + z * w;
    }
    z *= y;
    for (int k = 0; k < 2; ++k) z -= (std::erf(z) - y) / (2 / std::sqrt(M_PI) * std::exp(-z * z));
    p[i] = std::min(std::max(z * std * std::sqrt(2.) + mean, a), b);
  }
  return tensor.copy_(xc);
}

Tensor xavier_uniform_(Tensor tensor, double gain) {
  auto [in, out] = _calculate_fan_in_and_fan_out(tensor);
  double std = gain * std::sqrt(2.0 / static_cast<double>(in + out));
  double a = std::sqrt(3.0) * std;
  return uniform_(tensor, -a, a);
}

Tensor xavier_normal_(Tensor tensor, double gain) {
  auto [in, out] = _calculate_fan_in_and_fan_out(tensor);
  double std = gain * std::sqrt(2.0 / static_cast<double>(in + out));
  return normal_(tensor, 0, std);
}

Tensor kaiming_uniform_(Tensor tensor, double a, FanModeType mode, NonlinearityType nonlinearity) {
  if (tensor.numel() == 0) return tensor;  // PyTorch warns and returns
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(tensor, mode)));
  double bound = std::sqrt(3.0) * std;
  return uniform_(tensor, -bound, bound);
}

Tensor kaiming_normal_(Tensor tensor, double a, FanModeType mode, NonlinearityType nonlinearity) {
  if (tensor.numel() == 0) return tensor;
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan(tensor, mode)));
  return normal_(tensor, 0, std);
}

Tensor orthogonal_(Tensor tensor, double gain) {
  EMBER_CHECK(tensor.dim() >= 2,
              "[orthogonal_] Only tensors with 2 or more dimensions are "
              "supported");
  NoGradGuard ng;
  int64_t rows = tensor.size(0), cols = tensor.numel() / rows;
  // PyTorch's draws: a [rows, cols] normal matrix in the tensor's dtype, transposed when wide, so
  // a seeded run gives PyTorch's very matrix.
  Tensor drawn = empty({rows, cols}, tensor.options()).normal_(0, 1);
  bool transposed = rows < cols;
  Tensor flat = (transposed ? drawn.t() : drawn).to(kDouble).contiguous();
  int64_t m = flat.size(0), n = flat.size(1);
  // Q of the QR decomposition with diag(R) > 0 (PyTorch's sign fix), by modified Gram-Schmidt on
  // the columns in double.
  double* q = flat.data_ptr<double>();
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double dot = 0;
      for (int64_t i = 0; i < m; ++i) dot += q[i * n + j] * q[i * n + k];
      for (int64_t i = 0; i < m; ++i) q[i * n + j] -= dot * q[i * n + k];
    }
    double norm = 0;
    for (int64_t i = 0; i < m; ++i) norm += q[i * n + j] * q[i * n + j];
    norm = std::sqrt(norm);
    for (int64_t i = 0; i < m; ++i) q[i * n + j] /= norm;
  }
  Tensor qt = transposed ? flat.t() : flat;
  return tensor.copy_((qt.contiguous() * gain).reshape(tensor.sizes()));
}

}  // namespace init
}  // namespace nn
}  // namespace ember
