// Embedding, EmbeddingBag and their functional forms.
#include "ember/nn/modules/embedding.h"

#include <ostream>

#include "ember/nn/init.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"

namespace ember {
namespace nn {

namespace F = functional;

namespace {

// libtorch's padding_idx normalisation: negative counts from the end; nullopt -> -1.
int64_t resolve_padding_idx(std::optional<int64_t> padding_idx, int64_t num) {
  if (!padding_idx) return -1;
  int64_t p = *padding_idx;
  if (p > 0) {
    EMBER_CHECK(p < num, "[embedding] Padding_idx must be within num_embeddings");
  } else if (p < 0) {
    EMBER_CHECK(p >= -num, "[embedding] Padding_idx must be within num_embedding");
    p += num;
  }
  return p;
}

void no_grad_renorm(const Tensor& weight, const Tensor& input, double max_norm, double norm_type) {
  NoGradGuard ng;
  Tensor w = weight;
  embedding_renorm_(w, input, max_norm, norm_type);
}

int64_t mode_code(const EmbeddingBagMode& mode) {
  if (std::holds_alternative<enumtype::kSum>(mode)) return 0;
  if (std::holds_alternative<enumtype::kMean>(mode)) return 1;
  return 2;
}

}  // namespace

Tensor F::embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& o) {
  int64_t pad = resolve_padding_idx(o.padding_idx(), weight.size(0));
  Tensor in = input;
  if (o.max_norm()) {
    in = in.contiguous();
    no_grad_renorm(weight, in, *o.max_norm(), o.norm_type());
  }
  return ember::embedding(weight, in, pad, o.scale_grad_by_freq(), o.sparse());
}

Tensor F::embedding_bag(const Tensor& input, const Tensor& weight,
                        const EmbeddingBagFuncOptions& o) {
  Tensor in = input, offsets = o.offsets(), psw = o.per_sample_weights();
  EMBER_CHECK(!psw.defined() || input.sizes() == psw.sizes(),
              "[embedding_bag] If "
              "per_sample_weights (",
              psw.sizes(),
              ") is not None, then it must have the same "
              "shape as the input (",
              input.sizes(), ")");
  if (in.dim() == 2) {
    EMBER_CHECK(!offsets.defined(),
                "[embedding_bag] if input is 2D, then offsets has to be None, "
                "as input is treated is a mini-batch of fixed length sequences.");
    offsets = arange(0, in.numel(), in.size(1), TensorOptions().dtype(in.dtype()).device(in.device()));
    in = in.reshape({in.numel()});
    if (psw.defined()) psw = psw.reshape({psw.numel()});
  } else {
    EMBER_CHECK(in.dim() == 1,
                "[embedding_bag] input has to be 1D or 2D Tensor, but got Tensor "
                "of dimension ",
                in.dim());
    EMBER_CHECK(offsets.defined(), "[embedding_bag] offsets has to be a 1D Tensor but got null");
    EMBER_CHECK(offsets.dim() == 1, "[embedding_bag] offsets has to be a 1D Tensor");
  }
  int64_t mode = mode_code(o.mode());
  if (mode == 2) {
    EMBER_CHECK(!o.scale_grad_by_freq(),
                "[embedding_bag] max mode does not support scaling the "
                "gradient by the frequency");
    EMBER_CHECK(!o.sparse(), "[embedding_bag] max mode does not support sparse weights");
  }
  if (o.max_norm()) no_grad_renorm(weight, in, *o.max_norm(), o.norm_type());
  std::optional<Tensor> ps;
  if (psw.defined()) ps = psw;
  return std::get<0>(ember::embedding_bag(weight, in, offsets, o.scale_grad_by_freq(), mode,
                                          o.sparse(), ps, o.include_last_offset(),
                                          o.padding_idx()));
}

Tensor F::one_hot(const Tensor& tensor, int64_t num_classes) {
  return ember::one_hot(tensor, num_classes);
}

// ---- Embedding ----

namespace {

// N(0, 1), then the padding row zeroed, as PyTorch's Embedding and EmbeddingBag.
void init_weight(Tensor& weight, std::optional<int64_t> padding_idx) {
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard ng;
    weight.select(0, *padding_idx).fill_(0);
  }
}

// Resolves a negative padding_idx and registers "weight": the given _weight (shape-checked) or
// a fresh one drawn by init_weight. Shared by Embedding and EmbeddingBag.
template <class Options>
Tensor make_weight(Module& m, Options& o, const char* op, const char* weight_name) {
  if (o.padding_idx()) o.padding_idx(resolve_padding_idx(o.padding_idx(), o.num_embeddings()));
  if (o._weight().defined()) {
    EMBER_CHECK(o._weight().sizes() == IntArrayRef({o.num_embeddings(), o.embedding_dim()}), "[",
                op, "] Shape of ", weight_name, " does not match num_embeddings and embedding_dim");
    return m.register_parameter("weight", o._weight());
  }
  Tensor w = m.register_parameter("weight", empty({o.num_embeddings(), o.embedding_dim()}));
  init_weight(w, o.padding_idx());
  return w;
}

}  // namespace

EmbeddingImpl::EmbeddingImpl(EmbeddingOptions options) : options(std::move(options)) { reset(); }

void EmbeddingImpl::reset() { weight = make_weight(*this, options, "Embedding", "_weight"); }

void EmbeddingImpl::reset_parameters() { init_weight(weight, options.padding_idx()); }

void EmbeddingImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Embedding(num_embeddings=" << options.num_embeddings()
     << ", embedding_dim=" << options.embedding_dim();
  if (options.padding_idx()) os << ", padding_idx=" << *options.padding_idx();
  if (options.max_norm()) os << ", max_norm=" << *options.max_norm();
  if (options.norm_type() != 2) os << ", norm_type=" << options.norm_type();
  if (options.scale_grad_by_freq()) os << ", scale_grad_by_freq=true";
  if (options.sparse()) os << ", sparse=true";
  os << ")";
}

Tensor EmbeddingImpl::forward(const Tensor& input) {
  return F::embedding(input, weight,
                      F::EmbeddingFuncOptions()
                          .padding_idx(options.padding_idx())
                          .max_norm(options.max_norm())
                          .norm_type(options.norm_type())
                          .scale_grad_by_freq(options.scale_grad_by_freq())
                          .sparse(options.sparse()));
}

Embedding Embedding::from_pretrained(const Tensor& embeddings,
                                     const EmbeddingFromPretrainedOptions& o) {
  EMBER_CHECK(embeddings.dim() == 2,
              "[Embedding] Embeddings parameter is expected to be 2-dimensional");
  Embedding e(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                  ._weight(embeddings)
                  .padding_idx(o.padding_idx())
                  .max_norm(o.max_norm())
                  .norm_type(o.norm_type())
                  .scale_grad_by_freq(o.scale_grad_by_freq())
                  .sparse(o.sparse()));
  e->weight.set_requires_grad(!o.freeze());
  return e;
}

// ---- EmbeddingBag ----

EmbeddingBagImpl::EmbeddingBagImpl(EmbeddingBagOptions options) : options(std::move(options)) {
  reset();
}

void EmbeddingBagImpl::reset() { weight = make_weight(*this, options, "EmbeddingBag", "weight"); }

void EmbeddingBagImpl::reset_parameters() {
  // As PyTorch: the normal draw, then the padding row zeroed (libtorch 1.13 zeroes it first).
  init_weight(weight, options.padding_idx());
}

void EmbeddingBagImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::EmbeddingBag(num_embeddings=" << options.num_embeddings()
     << ", embedding_dim=" << options.embedding_dim();
  if (options.max_norm()) os << ", max_norm=" << *options.max_norm();
  if (options.norm_type() != 2) os << ", norm_type=" << options.norm_type();
  if (options.scale_grad_by_freq()) os << ", scale_grad_by_freq=true";
  if (options.sparse()) os << ", sparse=true";
  if (!std::holds_alternative<enumtype::kMean>(options.mode())) {
    os << ", mode=" << enumtype::get_enum_name(options.mode());
  }
  if (options.include_last_offset()) os << ", include_last_offset=true";
  if (options.padding_idx()) os << ", padding_idx=" << *options.padding_idx();
  os << ")";
}

Tensor EmbeddingBagImpl::forward(const Tensor& input, const Tensor& offsets,
                                 const Tensor& per_sample_weights) {
  return F::embedding_bag(input, weight,
                          F::EmbeddingBagFuncOptions()
                              .offsets(offsets)
                              .max_norm(options.max_norm())
                              .norm_type(options.norm_type())
                              .scale_grad_by_freq(options.scale_grad_by_freq())
                              .mode(options.mode())
                              .sparse(options.sparse())
                              .per_sample_weights(per_sample_weights)
                              .include_last_offset(options.include_last_offset())
                              .padding_idx(options.padding_idx()));
}

EmbeddingBag EmbeddingBag::from_pretrained(const Tensor& embeddings,
                                           const EmbeddingBagFromPretrainedOptions& o) {
  EMBER_CHECK(embeddings.dim() == 2,
              "[EmbeddingBag] Embeddings parameter is expected to be 2-dimensional");
  EmbeddingBag e(EmbeddingBagOptions(embeddings.size(0), embeddings.size(1))
                     ._weight(embeddings)
                     .max_norm(o.max_norm())
                     .norm_type(o.norm_type())
                     .scale_grad_by_freq(o.scale_grad_by_freq())
                     .mode(o.mode())
                     .sparse(o.sparse())
                     .include_last_offset(o.include_last_offset())
                     .padding_idx(o.padding_idx()));
  e->weight.set_requires_grad(!o.freeze());
  return e;
}

}  // namespace nn
}  // namespace ember
