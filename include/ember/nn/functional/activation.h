#pragma once
// torch::nn::functional activations with libtorch's FuncOptions (see
// torch/nn/functional/activation.h). relu, softmax and log_softmax are in ember/nn/functional.h.
#include "ember/nn/options/activation.h"
#include "ember/ops/activation.h"

namespace ember {
namespace nn {
namespace functional {

Tensor elu(Tensor input, const ELUFuncOptions& options = {});
Tensor selu(Tensor input, const SELUFuncOptions& options = {});
Tensor hardshrink(const Tensor& input, const HardshrinkFuncOptions& options = {});
Tensor hardtanh(Tensor input, const HardtanhFuncOptions& options = {});
Tensor leaky_relu(Tensor input, const LeakyReLUFuncOptions& options = {});
Tensor logsigmoid(const Tensor& input);
Tensor gumbel_softmax(const Tensor& logits, const GumbelSoftmaxFuncOptions& options = {});
Tensor softmin(const Tensor& input, const SoftminFuncOptions& options);
Tensor glu(const Tensor& input, const GLUFuncOptions& options = {});
Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {});
Tensor silu(const Tensor& input);
Tensor mish(const Tensor& input);
Tensor prelu(const Tensor& input, const Tensor& weight);
Tensor relu6(Tensor input, const ReLU6FuncOptions& options = {});
Tensor rrelu(Tensor input, const RReLUFuncOptions& options = {});
Tensor celu(Tensor input, const CELUFuncOptions& options = {});
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options = {});
Tensor softshrink(const Tensor& input, const SoftshrinkFuncOptions& options = {});
Tensor softsign(const Tensor& input);
Tensor tanhshrink(const Tensor& input);
Tensor threshold(Tensor input, const ThresholdFuncOptions& options);
// Python's F.hardsigmoid / F.hardswish (not in libtorch's C++ functional).
Tensor hardsigmoid(Tensor input, const HardsigmoidFuncOptions& options = {});
Tensor hardswish(Tensor input, const HardswishFuncOptions& options = {});

}  // namespace functional
}  // namespace nn
}  // namespace ember
