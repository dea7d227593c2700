#pragma once
// Normalization layers and embeddings as ATen declares them: batch_norm, layer_norm, group_norm,
// instance_norm, rms_norm (PyTorch 2.x), embedding, embedding_bag, embedding_renorm_.
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {

// (output, save_mean, save_invstd); the saved statistics are empty in evaluation mode. Training
// updates running_mean/running_var in place (momentum; running_var from the unbiased variance).
std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias,
                                                     const std::optional<Tensor>& running_mean,
                                                     const std::optional<Tensor>& running_var,
                                                     bool training, double momentum, double eps);
Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, bool training, double momentum,
                  double eps, bool cudnn_enabled);

// (output, mean, rstd); mean and rstd have the input's leading dims and size 1 elsewhere.
std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                     IntArrayRef normalized_shape,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, double eps);
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                  const std::optional<Tensor>& weight = {}, const std::optional<Tensor>& bias = {},
                  double eps = 1e-05, bool cudnn_enable = true);

// (output, mean [N, group], rstd [N, group]).
std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, int64_t N,
                                                     int64_t C, int64_t HxW, int64_t group,
                                                     double eps);
Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight = {},
                  const std::optional<Tensor>& bias = {}, double eps = 1e-05,
                  bool cudnn_enabled = true);

Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& weight,
                     const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                     const std::optional<Tensor>& running_var, bool use_input_stats,
                     double momentum, double eps, bool cudnn_enabled);

// x * rsqrt(mean(x^2 over normalized_shape) + eps) * weight; eps defaults to the dtype's epsilon.
Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape,
                const std::optional<Tensor>& weight = {}, std::optional<double> eps = std::nullopt);

// Rows of `weight` picked by `indices` (Long or Int): shape indices.sizes() + [D]. The rows
// equal to padding_idx get no gradient; scale_grad_by_freq divides by each index's count.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1,
                 bool scale_grad_by_freq = false, bool sparse = false);
// (output, offset2bag, bag_size, max_indices); mode 0 sum, 1 mean, 2 max.
std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag(
    const Tensor& weight, const Tensor& indices, const Tensor& offsets,
    bool scale_grad_by_freq = false, int64_t mode = 0, bool sparse = false,
    const std::optional<Tensor>& per_sample_weights = {}, bool include_last_offset = false);
std::tuple<Tensor, Tensor, Tensor, Tensor> embedding_bag(
    const Tensor& weight, const Tensor& indices, const Tensor& offsets, bool scale_grad_by_freq,
    int64_t mode, bool sparse, const std::optional<Tensor>& per_sample_weights,
    bool include_last_offset, std::optional<int64_t> padding_idx);
// Rescales, in place and without autograd, each row of self named in indices whose norm_type
// norm exceeds max_norm to norm max_norm.
Tensor& embedding_renorm_(Tensor& self, const Tensor& indices, double max_norm, double norm_type);

}  // namespace ember
