#include "ember/ops/attention.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <string>
#include <vector>

#include "ember/autograd/function_node.h"
#include "ember/core/generator.h"
#include "ember/ember.h"
#include "src/amp/autocast_hook.h"
#include "src/core/cuda_hooks.h"
#include "src/kernels/attention.h"

namespace ember {

// Note [Fused attention]
// scaled_dot_product_attention runs as one fused op,
// _scaled_dot_product_fused_attention, when the inputs suit the CUDA kernel (float16/bfloat16,
// head size 32, 64 or 128): FlashAttention-2's algorithm (src/cuda/flash_attention.cuh). Scores are
// made a block of keys at a time, softmax runs online (a running max and sum per query row), and
// only the output and each row's log-sum-exp (lse) are written, so memory is O(L) per head instead
// of the composite's O(L * S) weights, saved for backward. The backward recomputes the weights from
// q, k and lse. The CPU kernel (src/cpu/attention.cpp) computes the same quantities one row at a
// time; it is what the op database and the double-precision gradient checks run, and the
// reference the CUDA kernel is tested against. Double backward (create_graph) differentiates a
// composite formula of the same gradients. Dropout happens inside the kernels too (Note [Attention
// dropout] in src/kernels/philox.h): each weight's keep decision is a Philox word of (seed,
// offset, batch and head, query, key), drawn again by the backward, so no mask is stored; the
// seed and offset come from the device's generator (CUDA: its Philox state; CPU: a 64-bit draw
// from the CPU generator as the seed, offset 0) and are saved for backward. An attn_mask becomes
// an additive bias (a bool mask: 0 where true, -inf where false) that the kernels read at each
// weight's position through broadcast strides, so a [B, 1, 1, S] padding mask costs B * S
// floats; it takes no gradient (scaled_dot_product_attention keeps the composite for a mask that
// requires one). A row that the mask hides from every key gets output 0 and zero gradients, as
// PyTorch 2.5's scaled_dot_product_attention (its _safe_softmax), which the composite follows too.
namespace {

bool env_disables_fused_attention() {
  const char* e = std::getenv("EMBER_FUSED_ATTENTION");
  return e != nullptr && std::string(e) == "0";
}

// Whether scaled_dot_product_attention can take the fused path.
bool fused_attention_applies(const Tensor& q, const Tensor& k, const Tensor& v) {
  if (!q.is_cuda() || k.device() != q.device() || v.device() != q.device()) return false;
  if (q.dtype() != k.dtype() || q.dtype() != v.dtype()) return false;
  if (q.dtype() != kHalf && q.dtype() != kBFloat16) return false;
  if (q.dim() != k.dim() || q.dim() != v.dim() || (q.dim() != 4 && q.dim() != 3)) return false;
  for (int64_t d = 0; d + 2 < q.dim(); ++d) {
    if (k.size(d) != q.size(d) || v.size(d) != q.size(d)) return false;
    if (q.size(d) > 65535) return false;  // the kernel's grid: batches and heads up to 65535
  }
  const int64_t E = q.size(-1);
  if (v.size(-1) != E || (E != 32 && E != 64 && E != 128)) return false;
  if (q.size(-2) == 0 || k.size(-2) == 0) return false;
  return !env_disables_fused_attention();
}

// Whether attn_mask broadcasts to scores of shape `want` (without growing them).
bool broadcasts_to(const Tensor& mask, IntArrayRef want) {
  if (mask.dim() > static_cast<int64_t>(want.size())) return false;
  for (int64_t d = 1; d <= mask.dim(); ++d) {
    const int64_t m = mask.size(-d), w = want[want.size() - static_cast<size_t>(d)];
    if (m != w && m != 1) return false;
  }
  return true;
}

// Whether attn_mask broadcasts to q's [..., L, S] scores (the leading dimensions of q's).
bool mask_broadcasts(const Tensor& mask, const Tensor& q, const Tensor& k) {
  std::vector<int64_t> want(q.sizes().begin(), q.sizes().end() - 1);
  want.push_back(k.size(-2));
  return broadcasts_to(mask, want);
}

// Whether the fused op takes this mask (else the composite runs).
bool fused_mask_applies(const Tensor& mask, const Tensor& q, const Tensor& k) {
  if (mask.device() != q.device()) return false;
  if (mask.scalar_type() != kBool && !isFloatingType(mask.scalar_type())) return false;
  if (mask.requires_grad() && autograd::GradMode::is_enabled()) return false;
  return mask_broadcasts(mask, q, k);
}

// attn_mask as a term added to the scores: a bool mask as 0 where true and -inf where false (in
// dtype dt), a float one as it is (its gradient flows in the composite).
Tensor additive_mask(const Tensor& mask, ScalarType dt) {
  if (mask.scalar_type() != kBool) return mask;
  return zeros(mask.sizes(), TensorOptions(dt).device(mask.device()))
      .masked_fill(mask.logical_not(), -std::numeric_limits<double>::infinity());
}

// attn_mask as the kernels' bias: dtype dt, [B, H, L, S] through broadcast strides.
Tensor mask_bias(const Tensor& mask, ScalarType dt, int64_t B, int64_t H, int64_t L, int64_t S) {
  NoGradGuard ng;
  return additive_mask(mask, dt).to(dt).expand({B, H, L, S});
}

// Softmax over the last dimension with rows of only -inf at 0 (and a zero gradient), as
// PyTorch's _safe_softmax; only a mask can make such rows (the causal mask always leaves key 0).
Tensor safe_softmax(const Tensor& scores) {
  Tensor hidden = scores.isneginf().all(-1, true);
  return where(hidden, zeros({}, scores.options().requires_grad(false)),
               softmax(scores.masked_fill(hidden, 0.0), -1));
}

// t with a contiguous last dimension and 16-byte aligned rows (what the CUDA kernel loads).
Tensor rows_ready(const Tensor& t) {
  const int64_t e = static_cast<int64_t>(t.element_size());
  bool ok = t.stride(-1) == 1 || t.size(-1) == 1;
  if (ok && t.is_cuda()) {
    ok = reinterpret_cast<uintptr_t>(t.data_ptr()) % 16 == 0;
    for (int64_t d = 0; d + 1 < t.dim(); ++d) ok = ok && (t.stride(d) * e) % 16 == 0;
  }
  return ok ? t : t.clone(MemoryFormat::Contiguous);
}

// An uninitialised [B, H, n, E] tensor laid out like `like` when that is a transposed
// [B, n, H, E] view (as in multi-head attention code), so that the transpose back is free.
Tensor empty_rows_like(const Tensor& like, int64_t n, int64_t E, ScalarType dt) {
  const int64_t B = like.size(0), H = like.size(1);
  TensorOptions o = TensorOptions(dt).device(like.device());
  if (H > 1 && n > 1 && like.stride(1) < like.stride(2))
    return empty({B, n, H, E}, o).transpose(1, 2);
  return empty({B, H, n, E}, o);
}

// q k^T * s (+ bias, in the scores' dtype), with the future (key j > query i) at -inf when
// causal: the composite's scores.
Tensor scaled_scores(const Tensor& q, const Tensor& k, bool causal, double s,
                     const Tensor& bias = Tensor()) {
  Tensor scores = matmul(q, k.transpose(-2, -1)) * s;
  if (bias.defined()) scores = scores + bias.to(scores.scalar_type());
  if (!causal) return scores;
  Tensor keep = ones({q.size(-2), k.size(-2)}, q.options().dtype(kBool)).tril();
  return scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
}

// The dropout factors Z [B, H, L, S] (keep / (1 - p)) that the kernels draw, as a tensor of
// dtype dt on `device` (computed on the CPU: for double backward only).
Tensor dropout_factors(int64_t B, int64_t H, int64_t L, int64_t S, const AttentionDropout& d,
                       ScalarType dt, Device device) {
  Tensor z = empty({B, H, L, S}, TensorOptions(kDouble));
  attention_dropout_factors(z.data_ptr<double>(), B * H, L, S, d);
  return z.to(TensorOptions(dt).device(device));
}

// The gradients by a composite of differentiable ops (double backward); z: the dropout factors,
// or undefined.
variable_list fused_attention_backward_composite(const Tensor& g, const Tensor& q, const Tensor& k,
                                                 const Tensor& v, bool causal, double s,
                                                 const Tensor& z, const Tensor& bias) {
  Tensor P = bias.defined() ? safe_softmax(scaled_scores(q, k, causal, s, bias))
                            : softmax(scaled_scores(q, k, causal, s), -1);
  Tensor dP = matmul(g, v.transpose(-2, -1));
  Tensor PZ = P;
  if (z.defined()) {
    dP = dP * z;
    PZ = P * z;
  }
  Tensor dS = P * (dP - (dP * P).sum(-1, true));
  return {matmul(dS, k) * s, matmul(dS.transpose(-2, -1), q) * s, matmul(PZ.transpose(-2, -1), g)};
}

// The Philox seed and offset of one fused attention call with dropout on q's device.
AttentionDropout draw_dropout(double p, const Tensor& q) {
  AttentionDropout d;
  d.p = p;
  if (p == 0) return d;
  const int64_t B = q.size(0), H = q.size(1);
  if (q.is_cuda()) {
    const detail::PhiloxSeedOffset st =
        detail::cuda_philox_seed_offset(q.device().index(), static_cast<uint64_t>(B * H) * 64);
    d.seed = st.seed;
    d.offset = st.offset;
  } else {
    Generator& gen = default_generator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    d.seed = gen.get()->random64();
  }
  return d;
}

}  // namespace

std::tuple<Tensor, Tensor> _scaled_dot_product_fused_attention(
    const Tensor& query, const Tensor& key, const Tensor& value, bool is_causal,
    std::optional<double> scale, double dropout_p, const std::optional<Tensor>& attn_mask) {
  constexpr const char* op = "_scaled_dot_product_fused_attention";
  EMBER_CHECK(query.defined() && key.defined() && value.defined(), "[", op,
              "] query, key and value must be defined");
  EMBER_CHECK(query.dim() == key.dim() && query.dim() == value.dim() &&
                  (query.dim() == 3 || query.dim() == 4),
              "[", op, "] expects 3-D or 4-D query, key and value of the same rank, got ",
              query.sizes(), ", ", key.sizes(), " and ", value.sizes());
  if (query.dim() == 3) {
    auto [o, l] = _scaled_dot_product_fused_attention(query.unsqueeze(0), key.unsqueeze(0),
                                                      value.unsqueeze(0), is_causal, scale,
                                                      dropout_p, attn_mask);
    return {o.squeeze(0), l.squeeze(0)};
  }
  EMBER_CHECK(key.size(0) == query.size(0) && value.size(0) == query.size(0) &&
                  key.size(1) == query.size(1) && value.size(1) == query.size(1),
              "[", op, "] query, key and value must have the same batch and head sizes, got ",
              query.sizes(), ", ", key.sizes(), " and ", value.sizes());
  EMBER_CHECK(query.size(3) == key.size(3), "[", op,
              "] query and key must have the same embedding size, got ", query.size(3), " and ",
              key.size(3));
  EMBER_CHECK(key.size(2) == value.size(2), "[", op,
              "] key and value must have the same sequence length, got ", key.size(2), " and ",
              value.size(2));
  EMBER_CHECK(key.size(2) > 0, "[", op, "] needs at least one key");
  EMBER_CHECK(query.dtype() == key.dtype() && query.dtype() == value.dtype(), "[", op,
              "] query, key and value must have the same dtype, got ", toString(query.dtype()),
              ", ", toString(key.dtype()), " and ", toString(value.dtype()));
  EMBER_CHECK(isFloatingType(query.dtype()), "[", op, "] expects floating point inputs, got ",
              toString(query.dtype()));
  EMBER_CHECK(key.device() == query.device() && value.device() == query.device(), "[", op,
              "] query, key and value must be on the same device, got ", query.device(), ", ",
              key.device(), " and ", value.device());
  EMBER_CHECK(dropout_p >= 0 && dropout_p < 1, "[", op, "] dropout_p must be in [0, 1), got ",
              dropout_p);
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(3)));
  const int64_t B = query.size(0), H = query.size(1), L = query.size(2), Ev = value.size(3);
  Tensor bias;
  if (attn_mask.has_value() && attn_mask->defined()) {
    const Tensor& m = *attn_mask;
    EMBER_CHECK(m.scalar_type() == kBool || isFloatingType(m.scalar_type()), "[", op,
                "] attn_mask must be bool or floating point, got ", toString(m.scalar_type()));
    EMBER_CHECK(m.device() == query.device(), "[", op, "] attn_mask is on ", m.device(),
                " but query on ", query.device());
    EMBER_CHECK(mask_broadcasts(m, query, key), "[", op, "] attn_mask of shape ", m.sizes(),
                " does not broadcast to the scores' [", B, ", ", H, ", ", L, ", ", key.size(2),
                "]");
    EMBER_CHECK(!(m.requires_grad() && autograd::GradMode::is_enabled()), "[", op,
                "] attn_mask takes no gradient here (scaled_dot_product_attention computes one)");
    // The CPU kernel reads the bias in double, the CUDA one in float.
    bias = mask_bias(m, query.is_cuda() ? kFloat : kDouble, B, H, L, key.size(2));
  }
  const AttentionDropout drop = draw_dropout(dropout_p, query);
  // The CPU kernel runs float and double; half and bfloat16 compute in float there.
  const bool upcast = !query.is_cuda() && query.dtype() != kFloat && query.dtype() != kDouble;
  const ScalarType kdt = upcast ? kFloat : query.dtype();
  auto prep = [&](const Tensor& t) { return rows_ready(upcast ? t.to(kFloat) : t); };
  Tensor out, lse;
  {
    NoGradGuard ng;
    Tensor q = prep(query), k = prep(key), v = prep(value);
    out = empty_rows_like(query, L, Ev, kdt);
    lse = empty({B, H, L}, TensorOptions(kdt == kDouble ? kDouble : kFloat).device(query.device()));
    if (L > 0)
      fused_attention_stub.get(query.device().type())(q, k, v, out, lse, is_causal, s, drop, bias);
    if (upcast) out = out.to(query.dtype());
  }
  if (auto n = autograd::make_node(
          "ScaledDotProductFusedAttentionBackward0", {query, key, value},
          [is_causal, s, upcast, drop, bias](autograd::FunctionNode& n,
                                             const variable_list& g) -> variable_list {
            if (!g[0].defined()) return {Tensor(), Tensor(), Tensor()};
            Tensor q0 = n.saved(0), k0 = n.saved(1), v0 = n.saved(2);
            if (autograd::GradMode::is_enabled()) {
              Tensor z;
              if (drop.p > 0) {
                z = dropout_factors(q0.size(0), q0.size(1), q0.size(2), k0.size(2), drop,
                                    q0.scalar_type(), q0.device());
              }
              return fused_attention_backward_composite(g[0], q0, k0, v0, is_causal, s, z, bias);
            }
            Tensor o0 = n.saved(3), lse0 = n.saved(4);
            auto prep = [&](const Tensor& t) { return rows_ready(upcast ? t.to(kFloat) : t); };
            Tensor q = prep(q0), k = prep(k0), v = prep(v0), o = prep(o0), go = prep(g[0]);
            const ScalarType dt = q.dtype();
            Tensor gq = empty_rows_like(q0, q.size(2), q.size(3), dt);
            Tensor gk = empty_rows_like(k0, k.size(2), k.size(3), dt);
            Tensor gv = empty_rows_like(v0, v.size(2), v.size(3), dt);
            if (q.size(2) > 0) {
              fused_attention_backward_stub.get(q.device().type())(go, q, k, v, o, lse0, gq, gk, gv,
                                                                   is_causal, s, drop, bias);
            } else {
              gk.zero_();
              gv.zero_();
            }
            if (upcast) return {gq.to(q0.dtype()), gk.to(k0.dtype()), gv.to(v0.dtype())};
            return {gq, gk, gv};
          })) {
    autograd::set_history(out, n);
    n->save(query);
    n->save(key);
    n->save(value);
    n->save(out, /*is_output=*/true);
    n->save(lse);
  }
  return {out, lse};
}

Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const std::optional<Tensor>& attn_mask, double dropout_p,
                                    bool is_causal, std::optional<double> scale) {
  // PyTorch 2.x runs it in the autocast dtype on both devices.
  EMBER_AUTOCAST(lower, lower, scaled_dot_product_attention, query, key, value, attn_mask,
                 dropout_p, is_causal, scale);
  EMBER_CHECK(query.defined() && key.defined() && value.defined(),
              "[scaled_dot_product_attention] query, key and value must be defined");
  EMBER_CHECK(query.dim() >= 2 && key.dim() >= 2 && value.dim() >= 2,
              "[scaled_dot_product_attention] query, key and value must have at least 2 "
              "dimensions, got ",
              query.dim(), ", ", key.dim(), " and ", value.dim());
  EMBER_CHECK(query.size(-1) == key.size(-1),
              "[scaled_dot_product_attention] query and key must have the same embedding size, "
              "got ",
              query.size(-1), " and ", key.size(-1));
  EMBER_CHECK(key.size(-2) == value.size(-2),
              "[scaled_dot_product_attention] key and value must have the same sequence length, "
              "got ",
              key.size(-2), " and ", value.size(-2));
  EMBER_CHECK(dropout_p >= 0 && dropout_p <= 1,
              "[scaled_dot_product_attention] dropout_p must be in [0, 1], got ", dropout_p);
  const bool has_mask = attn_mask.has_value() && attn_mask->defined();
  EMBER_CHECK(!(is_causal && has_mask),
              "[scaled_dot_product_attention] Explicit attn_mask should not be set when "
              "is_causal=True");
  if (dropout_p < 1 && fused_attention_applies(query, key, value) &&
      (!has_mask || fused_mask_applies(*attn_mask, query, key))) {
    return std::get<0>(_scaled_dot_product_fused_attention(query, key, value, is_causal, scale,
                                                           dropout_p, attn_mask));
  }
  const double s = scale ? *scale : 1.0 / std::sqrt(static_cast<double>(query.size(-1)));
  Tensor scores = scaled_scores(query, key, is_causal, s);
  if (has_mask) {  // never together with is_causal (checked above)
    EMBER_CHECK(broadcasts_to(*attn_mask, scores.sizes()),
                "[scaled_dot_product_attention] attn_mask of shape ", attn_mask->sizes(),
                " does not broadcast to the attention weights' ", scores.sizes());
    // Added in the scores' dtype, as PyTorch's in-place add of the mask.
    scores = scores + additive_mask(*attn_mask, scores.scalar_type()).to(scores.scalar_type());
  }
  Tensor attn = has_mask ? safe_softmax(scores) : softmax(scores, -1);
  if (dropout_p > 0) {
    Tensor keep = empty(attn.sizes(), attn.options().requires_grad(false));
    {
      NoGradGuard ng;
      if (dropout_p < 1) {
        keep.bernoulli_(1 - dropout_p);
        keep.div_(1 - dropout_p);
      } else {
        keep.zero_();
      }
    }
    attn = attn * keep;
  }
  return matmul(attn, value);
}

}  // namespace ember
