#include "ember/nn/modules/transformer.h"

#include <limits>
#include <ostream>

#include "ember/ember.h"
#include "ember/nn/init.h"

namespace ember {
namespace nn {

namespace {

// Saves the default generator's state and restores it on exit: cloning a layer (which re-runs
// reset() and so draws an initialisation that is then overwritten) leaves the stream untouched,
// as Python's copy.deepcopy does.
class RngStateGuard {
 public:
  RngStateGuard() : g_(default_generator().get()) {
    std::lock_guard<std::mutex> lock(g_->mutex);
    engine_ = g_->engine;
    d_ = g_->next_double_normal;
    f_ = g_->next_float_normal;
  }
  ~RngStateGuard() {
    std::lock_guard<std::mutex> lock(g_->mutex);
    g_->engine = engine_;
    g_->next_double_normal = d_;
    g_->next_float_normal = f_;
  }
  RngStateGuard(const RngStateGuard&) = delete;
  RngStateGuard& operator=(const RngStateGuard&) = delete;

 private:
  GeneratorImpl* g_;
  std::mt19937 engine_;
  std::optional<double> d_;
  std::optional<float> f_;
};

Tensor apply_activation(const activation_t& a, const Tensor& x) {
  if (std::holds_alternative<enumtype::kReLU>(a)) return relu(x);
  if (std::holds_alternative<enumtype::kGELU>(a)) return gelu(x);
  const auto& f = std::get<std::function<Tensor(const Tensor&)>>(a);
  EMBER_CHECK(static_cast<bool>(f),
              "[Transformer] activation should be kGELU, kReLU, or a callable");
  return f(x);
}

template <class O>
void check_layer_options(const O& o, const char* op) {
  EMBER_CHECK(o.d_model() > 0 && o.nhead() > 0, "[", op,
              "] d_model and nhead must be positive, got ", o.d_model(), " and ", o.nhead());
  EMBER_CHECK(o.d_model() % o.nhead() == 0, "[", op, "] d_model (", o.d_model(),
              ") must be divisible by nhead (", o.nhead(), ")");
  EMBER_CHECK(o.dim_feedforward() > 0, "[", op, "] dim_feedforward must be positive, got ",
              o.dim_feedforward());
  EMBER_CHECK(o.dropout() >= 0 && o.dropout() <= 1, "[", op, "] dropout must be in [0, 1], got ",
              o.dropout());
}

template <class O>
MultiheadAttention make_attention(const O& o) {
  return MultiheadAttention(MultiheadAttentionOptions(o.d_model(), o.nhead())
                                .dropout(o.dropout())
                                .batch_first(o.batch_first()));
}
template <class O>
LayerNorm make_norm(const O& o) {
  return LayerNorm(LayerNormOptions({o.d_model()}).eps(o.layer_norm_eps()));
}
// A layer of Transformer's default encoder or decoder.
template <class LayerOptions>
LayerOptions layer_options(const TransformerOptions& o) {
  return LayerOptions(o.d_model(), o.nhead())
      .dim_feedforward(o.dim_feedforward())
      .dropout(o.dropout())
      .activation(o.activation())
      .layer_norm_eps(o.layer_norm_eps())
      .batch_first(o.batch_first())
      .norm_first(o.norm_first());
}

}  // namespace

// ---- TransformerEncoderLayer ----

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(
    const TransformerEncoderLayerOptions& options_)
    : options(options_) {
  reset();
}

void TransformerEncoderLayerImpl::reset() {
  const auto& o = options;
  check_layer_options(o, "TransformerEncoderLayer");
  self_attn = register_module("self_attn", make_attention(o));
  linear1 = register_module("linear1", Linear(o.d_model(), o.dim_feedforward()));
  dropout = register_module("dropout", Dropout(o.dropout()));
  linear2 = register_module("linear2", Linear(o.dim_feedforward(), o.d_model()));
  norm1 = register_module("norm1", make_norm(o));
  norm2 = register_module("norm2", make_norm(o));
  dropout1 = register_module("dropout1", Dropout(o.dropout()));
  dropout2 = register_module("dropout2", Dropout(o.dropout()));
}

void TransformerEncoderLayerImpl::reset_parameters() {
  self_attn->_reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
}

void TransformerEncoderLayerImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::TransformerEncoderLayerImpl";
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask,
                                            const Tensor& src_key_padding_mask) {
  EMBER_CHECK(src.defined() && (src.dim() == 2 || src.dim() == 3),
              "[TransformerEncoderLayer] src must be a 2-D (unbatched) or 3-D tensor, got ",
              src.defined() ? src.dim() : 0, "-D");
  auto sa = [&](const Tensor& x) {
    return dropout1(std::get<0>(self_attn(x, x, x, src_key_padding_mask, false, src_mask)));
  };
  auto ff = [&](const Tensor& x) {
    return dropout2(linear2(dropout(apply_activation(options.activation(), linear1(x)))));
  };
  Tensor x = src;
  if (options.norm_first()) {
    x = x + sa(norm1(x));
    return x + ff(norm2(x));
  }
  x = norm1(x + sa(x));
  return norm2(x + ff(x));
}

// ---- TransformerDecoderLayer ----

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(
    const TransformerDecoderLayerOptions& options_)
    : options(options_) {
  reset();
}

void TransformerDecoderLayerImpl::reset() {
  const auto& o = options;
  check_layer_options(o, "TransformerDecoderLayer");
  self_attn = register_module("self_attn", make_attention(o));
  multihead_attn = register_module("multihead_attn", make_attention(o));
  linear1 = register_module("linear1", Linear(o.d_model(), o.dim_feedforward()));
  dropout = register_module("dropout", Dropout(o.dropout()));
  linear2 = register_module("linear2", Linear(o.dim_feedforward(), o.d_model()));
  norm1 = register_module("norm1", make_norm(o));
  norm2 = register_module("norm2", make_norm(o));
  norm3 = register_module("norm3", make_norm(o));
  dropout1 = register_module("dropout1", Dropout(o.dropout()));
  dropout2 = register_module("dropout2", Dropout(o.dropout()));
  dropout3 = register_module("dropout3", Dropout(o.dropout()));
}

void TransformerDecoderLayerImpl::reset_parameters() {
  self_attn->_reset_parameters();
  multihead_attn->_reset_parameters();
  linear1->reset_parameters();
  linear2->reset_parameters();
  norm1->reset_parameters();
  norm2->reset_parameters();
  norm3->reset_parameters();
}

void TransformerDecoderLayerImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::TransformerDecoderLayerImpl";
}

Tensor TransformerDecoderLayerImpl::activation(const Tensor& input) {
  return apply_activation(options.activation(), input);
}

Tensor TransformerDecoderLayerImpl::forward(Tensor tgt, const Tensor& memory,
                                            const Tensor& tgt_mask, const Tensor& memory_mask,
                                            const Tensor& tgt_key_padding_mask,
                                            const Tensor& memory_key_padding_mask) {
  EMBER_CHECK(tgt.defined() && memory.defined() && (tgt.dim() == 2 || tgt.dim() == 3) &&
                  memory.dim() == tgt.dim(),
              "[TransformerDecoderLayer] tgt and memory must both be 2-D (unbatched) or 3-D");
  auto sa = [&](const Tensor& x) {
    return dropout1(std::get<0>(self_attn(x, x, x, tgt_key_padding_mask, false, tgt_mask)));
  };
  auto mha = [&](const Tensor& x) {
    return dropout2(std::get<0>(
        multihead_attn(x, memory, memory, memory_key_padding_mask, false, memory_mask)));
  };
  auto ff = [&](const Tensor& x) { return dropout3(linear2(dropout(activation(linear1(x))))); };
  Tensor x = std::move(tgt);
  if (options.norm_first()) {
    x = x + sa(norm1(x));
    x = x + mha(norm2(x));
    return x + ff(norm3(x));
  }
  x = norm1(x + sa(x));
  x = norm2(x + mha(x));
  return norm3(x + ff(x));
}

// ---- TransformerEncoder / TransformerDecoder ----

namespace detail {

template <class Derived, class Layer>
void TransformerStackImpl<Derived, Layer>::build(const Layer& layer, int64_t num_layers,
                                                 const AnyModule& final_norm, const char* op) {
  EMBER_CHECK(!layer.is_empty(), "[", op, "] the layer to stack is an empty module holder");
  EMBER_CHECK(num_layers >= 0, "[", op, "] num_layers must be non-negative, got ", num_layers);
  layers = this->register_module("layers", ModuleList());
  {
    RngStateGuard keep_stream;
    for (int64_t i = 0; i < num_layers; ++i) layers->push_back(layer->clone());
  }
  if (!final_norm.is_empty()) {
    RngStateGuard keep_stream;
    norm = final_norm.clone();
    this->register_module("norm", norm.ptr());
  } else {
    norm = AnyModule();
  }
}

template <class Derived, class Layer>
void TransformerStackImpl<Derived, Layer>::reset_parameters() {
  for (size_t i = 0; i < layers->size(); ++i) layers->template at<LayerImpl>(i).reset_parameters();
}

template class TransformerStackImpl<TransformerEncoderImpl, TransformerEncoderLayer>;
template class TransformerStackImpl<TransformerDecoderImpl, TransformerDecoderLayer>;

}  // namespace detail

TransformerEncoderImpl::TransformerEncoderImpl(TransformerEncoderOptions options_)
    : options(std::move(options_)) {
  reset();
}

void TransformerEncoderImpl::reset() {
  build(options.encoder_layer(), options.num_layers(), options.norm(), "TransformerEncoder");
}

void TransformerEncoderImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::TransformerEncoderImpl";
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const Tensor& src_mask,
                                       const Tensor& src_key_padding_mask) {
  return run(src, src_mask, src_key_padding_mask);
}

TransformerDecoderImpl::TransformerDecoderImpl(TransformerDecoderOptions options_)
    : options(std::move(options_)) {
  reset();
}

void TransformerDecoderImpl::reset() {
  build(options.decoder_layer(), options.num_layers(), options.norm(), "TransformerDecoder");
}

void TransformerDecoderImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::TransformerDecoderImpl";
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory,
                                       const Tensor& tgt_mask, const Tensor& memory_mask,
                                       const Tensor& tgt_key_padding_mask,
                                       const Tensor& memory_key_padding_mask) {
  return run(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

// ---- Transformer ----

TransformerImpl::TransformerImpl(TransformerOptions options_) : options(std::move(options_)) {
  reset();
}

void TransformerImpl::reset() {
  const auto& o = options;
  if (o.custom_encoder().is_empty()) {
    encoder = AnyModule(TransformerEncoder(
        TransformerEncoderOptions(layer_options<TransformerEncoderLayerOptions>(o),
                                  o.num_encoder_layers())
            .norm(AnyModule(make_norm(o)))));
  } else {
    encoder = o.custom_encoder().clone();
  }
  register_module("encoder", encoder.ptr());
  if (o.custom_decoder().is_empty()) {
    decoder = AnyModule(TransformerDecoder(
        TransformerDecoderOptions(layer_options<TransformerDecoderLayerOptions>(o),
                                  o.num_decoder_layers())
            .norm(AnyModule(make_norm(o)))));
  } else {
    decoder = o.custom_decoder().clone();
  }
  register_module("decoder", decoder.ptr());
  reset_parameters();
}

void TransformerImpl::reset_parameters() {
  for (auto& p : parameters())
    if (p.dim() > 1) init::xavier_uniform_(p);
}

void TransformerImpl::pretty_print(std::ostream& os) const { os << "torch::nn::TransformerImpl"; }

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask,
                                const Tensor& tgt_mask, const Tensor& memory_mask,
                                const Tensor& src_key_padding_mask,
                                const Tensor& tgt_key_padding_mask,
                                const Tensor& memory_key_padding_mask) {
  EMBER_CHECK(src.defined() && tgt.defined() && (src.dim() == 2 || src.dim() == 3) &&
                  tgt.dim() == src.dim(),
              "[Transformer] src and tgt should both have 3 dimensions (or 2 when unbatched), "
              "but got ",
              src.defined() ? src.dim() : 0, " and ", tgt.defined() ? tgt.dim() : 0);
  if (src.dim() == 3) {
    const int64_t bd = options.batch_first() ? 0 : 1;
    EMBER_CHECK(src.size(bd) == tgt.size(bd),
                "[Transformer] src and tgt should have equal batch size (at dim ", bd,
                "), but got ", src.size(bd), " and ", tgt.size(bd));
  }
  EMBER_CHECK(src.size(-1) == options.d_model() && tgt.size(-1) == options.d_model(),
              "[Transformer] src and tgt should have same feature size as d_model (at dim ",
              src.dim() - 1, "), but got ", src.size(-1), " and ", tgt.size(-1),
              " while d_model is ", options.d_model());
  Tensor memory = encoder.forward<Tensor>(src, src_mask, src_key_padding_mask);
  return decoder.forward<Tensor>(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask,
                                 memory_key_padding_mask);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t sz) {
  EMBER_CHECK(sz >= 0,
              "[generate_square_subsequent_mask] Input size must be non-negative to generate a "
              "valid square subsequent mask, but got ",
              sz);
  return triu(full({sz, sz}, -std::numeric_limits<float>::infinity()), 1);
}

}  // namespace nn
}  // namespace ember
