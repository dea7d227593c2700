#pragma once
// Activation functions, as libtorch's at:: ops (names, arguments and defaults of
// ATen/ops/*.h). Each is declared with its gradient in src/ops/activation.cpp; the gradients are
// written with ember ops, so double backward works. torch::nn::functional wraps these with
// libtorch's FuncOptions (ember/nn/functional/activation.h).
#include <optional>
#include <string_view>

#include "ember/core/tensor.h"

namespace ember {

// approximate: "none" (erf) or "tanh".
Tensor gelu(const Tensor& self, std::string_view approximate = "none");
Tensor& gelu_(Tensor& self, std::string_view approximate = "none");
Tensor silu(const Tensor& self);
Tensor& silu_(Tensor& self);
Tensor mish(const Tensor& self);
Tensor& mish_(Tensor& self);
Tensor softplus(const Tensor& self, const Scalar& beta = 1, const Scalar& threshold = 20);
Tensor elu(const Tensor& self, const Scalar& alpha = 1, const Scalar& scale = 1,
           const Scalar& input_scale = 1);
Tensor& elu_(Tensor& self, const Scalar& alpha = 1, const Scalar& scale = 1,
             const Scalar& input_scale = 1);
Tensor selu(const Tensor& self);
Tensor& selu_(Tensor& self);
Tensor celu(const Tensor& self, const Scalar& alpha = 1.0);
Tensor& celu_(Tensor& self, const Scalar& alpha = 1.0);
Tensor leaky_relu(const Tensor& self, const Scalar& negative_slope = 0.01);
Tensor& leaky_relu_(Tensor& self, const Scalar& negative_slope = 0.01);
Tensor hardtanh(const Tensor& self, const Scalar& min_val = -1, const Scalar& max_val = 1);
Tensor& hardtanh_(Tensor& self, const Scalar& min_val = -1, const Scalar& max_val = 1);
Tensor relu6(const Tensor& self);
Tensor& relu6_(Tensor& self);
Tensor hardsigmoid(const Tensor& self);
Tensor& hardsigmoid_(Tensor& self);
Tensor hardswish(const Tensor& self);
Tensor& hardswish_(Tensor& self);
// log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given. Integers promote to float.
Tensor logit(const Tensor& self, std::optional<double> eps = std::nullopt);
Tensor& logit_(Tensor& self, std::optional<double> eps = std::nullopt);
Tensor log_sigmoid(const Tensor& self);
Tensor softshrink(const Tensor& self, const Scalar& lambd = 0.5);
Tensor hardshrink(const Tensor& self, const Scalar& lambd = 0.5);
// x > threshold ? x : value.
Tensor threshold(const Tensor& self, const Scalar& threshold, const Scalar& value);
Tensor& threshold_(Tensor& self, const Scalar& threshold, const Scalar& value);
// weight: one slope, or one per channel (dim 1 of self).
Tensor prelu(const Tensor& self, const Tensor& weight);
// First half of `dim` times sigmoid of the second half.
Tensor glu(const Tensor& self, int64_t dim = -1);
// Training: negative inputs scaled by a slope drawn uniformly from [lower, upper] per element
// (from `generator`); eval: by (lower + upper) / 2.
Tensor rrelu(const Tensor& self, const Scalar& lower = 0.125, const Scalar& upper = 1.0 / 3.0,
             bool training = false, std::optional<Generator> generator = std::nullopt);
Tensor& rrelu_(Tensor& self, const Scalar& lower = 0.125, const Scalar& upper = 1.0 / 3.0,
               bool training = false, std::optional<Generator> generator = std::nullopt);
// out= variants (libtorch's at::*_out): the kernel writes into `out`, resized to the input's
// shape. As in PyTorch, `out` must have the input's dtype except for celu, logit, threshold and
// glu, which cast into it (torch.can_cast). No autograd.
Tensor& gelu_out(Tensor& out, const Tensor& self, std::string_view approximate = "none");
Tensor& silu_out(Tensor& out, const Tensor& self);
Tensor& mish_out(Tensor& out, const Tensor& self);
Tensor& softplus_out(Tensor& out, const Tensor& self, const Scalar& beta = 1,
                     const Scalar& threshold = 20);
Tensor& elu_out(Tensor& out, const Tensor& self, const Scalar& alpha = 1, const Scalar& scale = 1,
                const Scalar& input_scale = 1);
Tensor& celu_out(Tensor& out, const Tensor& self, const Scalar& alpha = 1.0);
Tensor& leaky_relu_out(Tensor& out, const Tensor& self, const Scalar& negative_slope = 0.01);
Tensor& hardtanh_out(Tensor& out, const Tensor& self, const Scalar& min_val = -1,
                     const Scalar& max_val = 1);
Tensor& hardsigmoid_out(Tensor& out, const Tensor& self);
Tensor& hardswish_out(Tensor& out, const Tensor& self);
Tensor& logit_out(Tensor& out, const Tensor& self, std::optional<double> eps = std::nullopt);
Tensor& log_sigmoid_out(Tensor& out, const Tensor& self);
Tensor& softshrink_out(Tensor& out, const Tensor& self, const Scalar& lambd = 0.5);
Tensor& hardshrink_out(Tensor& out, const Tensor& self, const Scalar& lambd = 0.5);
Tensor& threshold_out(Tensor& out, const Tensor& self, const Scalar& threshold,
                      const Scalar& value);
Tensor& glu_out(Tensor& out, const Tensor& self, int64_t dim = -1);
// Composites (torch.nn.functional): x / (1 + |x|) and x - tanh(x).
Tensor softsign(const Tensor& self);
Tensor tanhshrink(const Tensor& self);

}  // namespace ember
