#pragma once
// Options of Transformer, TransformerEncoder/Decoder and their layers (libtorch's names and
// defaults) plus Python's layer_norm_eps, batch_first and norm_first, which libtorch 1.13 lacks.
#include <functional>
#include <variant>

#include "ember/core/arg.h"
#include "ember/core/tensor.h"
#include "ember/nn/any.h"
#include "ember/nn/init.h"

namespace ember {

namespace enumtype {
struct kGELU {};
}  // namespace enumtype
constexpr enumtype::kGELU kGELU{};

namespace nn {

using activation_t =
    std::variant<enumtype::kReLU, enumtype::kGELU, std::function<Tensor(const Tensor&)>>;

namespace detail {
struct EncoderLayerTag {};
struct DecoderLayerTag {};

// The options of TransformerEncoderLayer and TransformerDecoderLayer: the same fields, two types
// (as libtorch's two structs) told apart by Tag.
template <class Tag>
struct TransformerLayerOptions {
  /* implicit */ TransformerLayerOptions(int64_t d_model, int64_t nhead)  // NOLINT
      : d_model_(d_model), nhead_(nhead) {}
  TORCH_ARG(int64_t, d_model);
  TORCH_ARG(int64_t, nhead);
  TORCH_ARG(int64_t, dim_feedforward) = 2048;
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(activation_t, activation) = ember::kReLU;
  TORCH_ARG(double, layer_norm_eps) = 1e-5;
  // Inputs and output are [N, S, E] instead of [S, N, E].
  TORCH_ARG(bool, batch_first) = false;
  // LayerNorm before attention and feedforward (pre-norm) instead of after the residual add.
  TORCH_ARG(bool, norm_first) = false;
};
}  // namespace detail

using TransformerEncoderLayerOptions = detail::TransformerLayerOptions<detail::EncoderLayerTag>;
using TransformerDecoderLayerOptions = detail::TransformerLayerOptions<detail::DecoderLayerTag>;

struct TransformerOptions {
  TransformerOptions() = default;
  TransformerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  TransformerOptions(int64_t d_model, int64_t nhead, int64_t num_encoder_layers,
                     int64_t num_decoder_layers)
      : d_model_(d_model),
        nhead_(nhead),
        num_encoder_layers_(num_encoder_layers),
        num_decoder_layers_(num_decoder_layers) {}
  TORCH_ARG(int64_t, d_model) = 512;
  TORCH_ARG(int64_t, nhead) = 8;
  TORCH_ARG(int64_t, num_encoder_layers) = 6;
  TORCH_ARG(int64_t, num_decoder_layers) = 6;
  TORCH_ARG(int64_t, dim_feedforward) = 2048;
  TORCH_ARG(double, dropout) = 0.1;
  TORCH_ARG(activation_t, activation) = ember::kReLU;
  TORCH_ARG(AnyModule, custom_encoder);
  TORCH_ARG(AnyModule, custom_decoder);
  TORCH_ARG(double, layer_norm_eps) = 1e-5;
  TORCH_ARG(bool, batch_first) = false;
  TORCH_ARG(bool, norm_first) = false;
};

}  // namespace nn
}  // namespace ember
