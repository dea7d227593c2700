#include "ember/nn/modules/attention.h"

#include <cmath>
#include <limits>

#include "ember/ember.h"
#include "ember/nn/init.h"

namespace ember {
namespace nn {

namespace F = functional;

namespace {
constexpr const char* kOp = "[multi_head_attention_forward]";

// Appends one zero (false) column to a mask's last dimension.
Tensor pad_one(const Tensor& m) {
  if (!m.defined()) return m;
  std::vector<int64_t> shape(m.sizes().begin(), m.sizes().end());
  shape.back() = 1;
  return cat({m, zeros(shape, m.options())}, -1);
}
Tensor to_bool_if_byte(const Tensor& m) {
  return m.defined() && m.scalar_type() == kByte ? m.to(kBool) : m;
}
}  // namespace

std::tuple<Tensor, Tensor> F::multi_head_attention_forward(
    const Tensor& query_in, const Tensor& key_in, const Tensor& value_in,
    const MultiheadAttentionForwardFuncOptions& o) {
  EMBER_CHECK(query_in.defined() && key_in.defined() && value_in.defined(), kOp,
              " query, key and value must be defined");
  EMBER_CHECK(query_in.dim() == 2 || query_in.dim() == 3, kOp,
              " query should be unbatched 2D or batched 3D tensor but received ", query_in.dim(),
              "-D query tensor");
  const bool batched = query_in.dim() == 3;
  EMBER_CHECK(key_in.dim() == query_in.dim() && value_in.dim() == query_in.dim(), kOp,
              " key and value should have the same number of dimensions as query (", query_in.dim(),
              "), got ", key_in.dim(), " and ", value_in.dim());
  Tensor query = batched ? query_in : query_in.unsqueeze(1);
  Tensor key = batched ? key_in : key_in.unsqueeze(1);
  Tensor value = batched ? value_in : value_in.unsqueeze(1);
  Tensor kpm = to_bool_if_byte(o.key_padding_mask());
  if (kpm.defined() && !batched) kpm = kpm.unsqueeze(0);
  Tensor attn_mask = to_bool_if_byte(o.attn_mask());

  const int64_t L = query.size(0), N = query.size(1), E = query.size(2), H = o.num_heads();
  EMBER_CHECK(E == o.embed_dim_to_check(), kOp, " was expecting embedding dimension of ",
              o.embed_dim_to_check(), ", but got ", E);
  EMBER_CHECK(H > 0 && E % H == 0, kOp, " embed_dim ", E, " not divisible by num_heads ", H);
  const int64_t hd = E / H;
  EMBER_CHECK(key.size(0) == value.size(0) && key.size(1) == value.size(1) && key.size(1) == N, kOp,
              " key and value must share their sequence length and batch size with the "
              "query's batch size ",
              N);
  if (kpm.defined())
    EMBER_CHECK(kpm.dim() == 2 && kpm.size(0) == N && kpm.size(1) == key.size(0), kOp,
                " expecting key_padding_mask shape of (", N, ", ", key.size(0), "), but got ",
                kpm.sizes());
  EMBER_CHECK(o.dropout_p() >= 0 && o.dropout_p() <= 1, kOp, " dropout_p must be in [0, 1]");

  // Input projections; the packed in_proj_weight is [W_q; W_k; W_v].
  std::vector<Tensor> b(3);
  if (o.in_proj_bias().defined()) b = o.in_proj_bias().chunk(3);
  Tensor q, k, v;
  if (!o.use_separate_proj_weight()) {
    EMBER_CHECK(o.in_proj_weight().defined() && o.in_proj_weight().dim() == 2 &&
                    o.in_proj_weight().size(0) == 3 * E,
                kOp, " in_proj_weight must be [3 * embed_dim, embed_dim]");
    auto w = o.in_proj_weight().chunk(3);
    q = linear(query, w[0], b[0]);
    k = linear(key, w[1], b[1]);
    v = linear(value, w[2], b[2]);
  } else {
    EMBER_CHECK(
        o.q_proj_weight().defined() && o.k_proj_weight().defined() && o.v_proj_weight().defined(),
        kOp, " use_separate_proj_weight is true but q/k/v_proj_weight are not all defined");
    q = linear(query, o.q_proj_weight(), b[0]);
    k = linear(key, o.k_proj_weight(), b[1]);
    v = linear(value, o.v_proj_weight(), b[2]);
  }

  if (attn_mask.defined()) {
    EMBER_CHECK(attn_mask.is_floating_point() || attn_mask.scalar_type() == kBool, kOp,
                " Only float, byte, and bool types are supported for attn_mask, not ",
                attn_mask.scalar_type());
    if (attn_mask.dim() == 2) {
      EMBER_CHECK(attn_mask.size(0) == L && attn_mask.size(1) == key.size(0), kOp,
                  " The shape of the 2D attn_mask is ", attn_mask.sizes(), ", but should be (", L,
                  ", ", key.size(0), ").");
      attn_mask = attn_mask.unsqueeze(0);
    } else {
      EMBER_CHECK(attn_mask.dim() == 3 && attn_mask.size(0) == N * H && attn_mask.size(1) == L &&
                      attn_mask.size(2) == key.size(0),
                  kOp, " The shape of the 3D attn_mask is ", attn_mask.sizes(), ", but should be (",
                  N * H, ", ", L, ", ", key.size(0), ").");
    }
  }
  if (o.bias_k().defined() && o.bias_v().defined()) {
    EMBER_CHECK(!o.static_k().defined() && !o.static_v().defined(), kOp,
                " bias cannot be added to static key/value.");
    k = cat({k, o.bias_k().repeat({1, N, 1})});
    v = cat({v, o.bias_v().repeat({1, N, 1})});
    attn_mask = pad_one(attn_mask);
    kpm = pad_one(kpm);
  } else {
    EMBER_CHECK(!o.bias_k().defined() && !o.bias_v().defined(), kOp,
                " bias_k and bias_v must be both defined or both undefined");
  }

  q = q.contiguous().view({L, N * H, hd}).transpose(0, 1);
  if (o.static_k().defined()) {
    EMBER_CHECK(
        o.static_k().dim() == 3 && o.static_k().size(0) == N * H && o.static_k().size(2) == hd, kOp,
        " expecting static_k of shape (", N * H, ", S, ", hd, ")");
    k = o.static_k();
  } else {
    k = k.contiguous().view({k.size(0), N * H, hd}).transpose(0, 1);
  }
  if (o.static_v().defined()) {
    EMBER_CHECK(
        o.static_v().dim() == 3 && o.static_v().size(0) == N * H && o.static_v().size(2) == hd, kOp,
        " expecting static_v of shape (", N * H, ", S, ", hd, ")");
    v = o.static_v();
  } else {
    v = v.contiguous().view({v.size(0), N * H, hd}).transpose(0, 1);
  }
  if (o.add_zero_attn()) {
    k = cat({k, zeros({N * H, 1, hd}, k.options())}, 1);
    v = cat({v, zeros({N * H, 1, hd}, v.options())}, 1);
    attn_mask = pad_one(attn_mask);
    kpm = pad_one(kpm);
  }
  const int64_t S = k.size(1);

  if (kpm.defined()) {
    EMBER_CHECK(kpm.scalar_type() == kBool, kOp, " key_padding_mask must be bool, got ",
                kpm.scalar_type());
    EMBER_CHECK(kpm.dim() == 2 && kpm.size(0) == N && kpm.size(1) == S, kOp,
                " expecting key_padding_mask shape of (", N, ", ", S, "), but got ", kpm.sizes());
    kpm = kpm.view({N, 1, 1, S}).expand({-1, H, -1, -1}).reshape({N * H, 1, S});
    if (!attn_mask.defined())
      attn_mask = kpm;
    else if (attn_mask.scalar_type() == kBool)
      attn_mask = attn_mask.logical_or(kpm);
    else
      attn_mask = attn_mask.masked_fill(kpm, -std::numeric_limits<double>::infinity());
  }
  if (attn_mask.defined() && attn_mask.scalar_type() == kBool)
    attn_mask = zeros(attn_mask.sizes(), q.options().requires_grad(false))
                    .masked_fill_(attn_mask, -std::numeric_limits<double>::infinity());

  // Scaled dot product over [N*H, L, hd] x [N*H, S, hd], as PyTorch 1.13 (q scaled first).
  q = q / std::sqrt(static_cast<double>(hd));
  Tensor scores = bmm(q, k.transpose(1, 2));
  if (attn_mask.defined()) scores = scores + attn_mask;
  Tensor attn = softmax(scores, -1);
  const double p = o.training() ? o.dropout_p() : 0.0;
  if (p > 0) attn = dropout(attn, DropoutFuncOptions().p(p).training(true));
  Tensor out = bmm(attn, v).transpose(0, 1).contiguous().view({L * N, E});
  out = linear(out, o.out_proj_weight(), o.out_proj_bias()).view({L, N, E});
  Tensor weights;
  if (o.need_weights()) {
    weights = attn.view({N, H, L, S});
    if (o.average_attn_weights()) weights = weights.sum(1) / static_cast<double>(H);
    if (!batched) weights = weights.squeeze(0);
  }
  if (!batched) out = out.squeeze(1);
  return {out, weights};
}

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& options)
    : options(options) {
  reset();
}

void MultiheadAttentionImpl::reset() {
  const auto& o = options;
  const int64_t E = o.embed_dim();
  EMBER_CHECK(E > 0 && o.num_heads() > 0,
              "[MultiheadAttention] embed_dim and num_heads must be positive, got ", E, " and ",
              o.num_heads());
  EMBER_CHECK(E % o.num_heads() == 0,
              "[MultiheadAttention] embed_dim must be divisible by "
              "num_heads");
  EMBER_CHECK(o.dropout() >= 0 && o.dropout() <= 1,
              "[MultiheadAttention] dropout must be in [0, 1], got ", o.dropout());
  _qkv_same_embed_dim = o.kdim() == E && o.vdim() == E;
  head_dim = E / o.num_heads();
  if (!_qkv_same_embed_dim) {
    q_proj_weight = register_parameter("q_proj_weight", empty({E, E}));
    k_proj_weight = register_parameter("k_proj_weight", empty({E, o.kdim()}));
    v_proj_weight = register_parameter("v_proj_weight", empty({E, o.vdim()}));
    in_proj_weight = register_parameter("in_proj_weight", Tensor(), false);
  } else {
    in_proj_weight = register_parameter("in_proj_weight", empty({3 * E, E}));
    q_proj_weight = register_parameter("q_proj_weight", Tensor(), false);
    k_proj_weight = register_parameter("k_proj_weight", Tensor(), false);
    v_proj_weight = register_parameter("v_proj_weight", Tensor(), false);
  }
  in_proj_bias = register_parameter("in_proj_bias", o.bias() ? empty({3 * E}) : Tensor(), o.bias());
  // Constructing out_proj draws its Linear init before _reset_parameters, as PyTorch.
  out_proj = register_module("out_proj", Linear(LinearOptions(E, E).bias(o.bias())));
  if (o.add_bias_kv()) {
    bias_k = register_parameter("bias_k", empty({1, 1, E}));
    bias_v = register_parameter("bias_v", empty({1, 1, E}));
  } else {
    bias_k = Tensor();
    bias_v = Tensor();
  }
  _reset_parameters();
}

void MultiheadAttentionImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::MultiheadAttention";
}

void MultiheadAttentionImpl::_reset_parameters() {
  if (_qkv_same_embed_dim) {
    init::xavier_uniform_(in_proj_weight);
  } else {
    init::xavier_uniform_(q_proj_weight);
    init::xavier_uniform_(k_proj_weight);
    init::xavier_uniform_(v_proj_weight);
  }
  if (in_proj_bias.defined()) {
    init::constant_(in_proj_bias, 0.);
    init::constant_(out_proj->bias, 0.);
  }
  if (bias_k.defined()) init::xavier_normal_(bias_k);
  if (bias_v.defined()) init::xavier_normal_(bias_v);
}

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(
    const Tensor& query, const Tensor& key, const Tensor& value, const Tensor& key_padding_mask,
    bool need_weights, const Tensor& attn_mask, bool average_attn_weights) {
  const bool bf = options.batch_first() && query.dim() == 3;
  auto tr = [&](const Tensor& t) { return bf ? t.transpose(0, 1) : t; };
  F::MultiheadAttentionForwardFuncOptions fo(
      options.embed_dim(), options.num_heads(), in_proj_weight, in_proj_bias, bias_k, bias_v,
      options.add_zero_attn(), options.dropout(), out_proj->weight, out_proj->bias);
  fo.training(is_training())
      .key_padding_mask(key_padding_mask)
      .need_weights(need_weights)
      .attn_mask(attn_mask)
      .average_attn_weights(average_attn_weights);
  if (!_qkv_same_embed_dim)
    fo.use_separate_proj_weight(true)
        .q_proj_weight(q_proj_weight)
        .k_proj_weight(k_proj_weight)
        .v_proj_weight(v_proj_weight);
  auto [out, w] = F::multi_head_attention_forward(tr(query), tr(key), tr(value), fo);
  return {tr(out), w};
}

}  // namespace nn
}  // namespace ember
