#pragma once
// torch::nn::functional normalization: batch_norm, instance_norm, layer_norm, group_norm,
// rms_norm, local_response_norm, normalize.
#include "ember/nn/options/batchnorm.h"
#include "ember/nn/options/normalization.h"
#include "ember/ops/normalization.h"

namespace ember {
namespace nn {
namespace functional {

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options = {});
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);
Tensor rms_norm(const Tensor& input, const RMSNormFuncOptions& options);
Tensor local_response_norm(const Tensor& input, const LocalResponseNormFuncOptions& options);
Tensor normalize(const Tensor& input, NormalizeFuncOptions options = {});

}  // namespace functional
}  // namespace nn
}  // namespace ember
