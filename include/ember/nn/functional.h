#pragma once
// torch::nn::functional for the layers ember has so far (losses: nn/functional/loss.h).
#include "ember/nn/functional/loss.h"
#include "ember/nn/functional/embedding.h"
#include "ember/nn/functional/normalization.h"
#include "ember/nn/functional/activation.h"
#include "ember/nn/functional/attention.h"
#include "ember/nn/functional/pooling.h"
#include "ember/nn/functional/distance.h"
#include "ember/nn/functional/dropout.h"
#include "ember/nn/functional/vision.h"
#include "ember/nn/options/layers.h"
#include "ember/ops/conv.h"

namespace ember {
namespace nn {
namespace functional {

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
Tensor relu(const Tensor& input, const ReLUFuncOptions& options = {});
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options = {});
Tensor flatten(const Tensor& input, int64_t start_dim = 1, int64_t end_dim = -1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);
Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options);
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options);

}  // namespace functional
}  // namespace nn
}  // namespace ember
