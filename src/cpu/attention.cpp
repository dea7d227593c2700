// Fused scaled dot product attention on the CPU (Note [Fused attention] in src/ops/attention.cpp):
// one query row at a time, scores and weights in double, so that no [L, S] matrix is kept. The
// backward is FlashAttention-2's: with D_i = dO_i . O_i and P_ij = exp(scale q_i . k_j - lse_i),
// dV_j = sum_i P_ij dO_i, dS_ij = P_ij (dO_i . v_j - D_i), dQ_i = scale sum_j dS_ij k_j and
// dK_j = scale sum_i dS_ij q_i. Parallel over (batch, head) pairs (and rows in the forward).
// Dropout (Note [Attention dropout] in src/kernels/philox.h) multiplies P_ij by Z_ij = keep_ij /
// (1 - p) in the output, so dV_j = sum_i P_ij Z_ij dO_i and dS_ij = P_ij (Z_ij dO_i . v_j - D_i);
// D_i = dO_i . O_i still (O_i = sum_j P_ij Z_ij v_j). An additive mask joins the scores; a row
// that it masks whole gets output 0 and lse +inf, so its P is 0 in the backward.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "ember/core/parallel.h"
#include "src/cpu/visit.h"
#include "src/kernels/attention.h"

namespace ember {
namespace {

// Element (b, h, i, 0) of a 4-D tensor with a contiguous last dimension.
template <class T>
struct Rows {
  T* p;
  int64_t sb, sh, si;
  Rows(const Tensor& t)  // NOLINT(google-explicit-constructor)
      : p(static_cast<T*>(const_cast<void*>(t.data_ptr()))),
        sb(t.stride(0)),
        sh(t.stride(1)),
        si(t.stride(2)) {}
  T* row(int64_t b, int64_t h, int64_t i) const { return p + b * sb + h * sh + i * si; }
};

template <class T>
double dot(const T* a, const T* b, int64_t n) {
  double s = 0;
  for (int64_t d = 0; d < n; ++d) s += static_cast<double>(a[d]) * static_cast<double>(b[d]);
  return s;
}

// Keys query i sees: all of them, or j <= i when causal.
int64_t keys_seen(int64_t i, int64_t S, bool causal) { return causal ? std::min(S, i + 1) : S; }

// The additive mask's (b, h, i, j) element (a double [B, H, L, S] view, 0 where broadcast), or 0.
struct Bias {
  const double* p = nullptr;
  int64_t sb = 0, sh = 0, si = 0, sj = 0;
  explicit Bias(const Tensor& t) {
    if (!t.defined()) return;
    p = t.data_ptr<double>();
    sb = t.stride(0);
    sh = t.stride(1);
    si = t.stride(2);
    sj = t.stride(3);
  }
  double operator()(int64_t b, int64_t h, int64_t i, int64_t j) const {
    return p ? p[b * sb + h * sh + i * si + j * sj] : 0.0;
  }
};

// Z_ij of pair bh: 1 / (1 - p) or 0, or 1 without dropout.
struct DropoutFactor {
  const AttentionDropout& d;
  uint32_t threshold = d.p > 0 ? attention_dropout_threshold(d.p) : 0;
  double scale = 1 / (1 - d.p);
  double operator()(int64_t bh, int64_t i, int64_t j) const {
    if (d.p == 0) return 1;
    return attention_dropout_keep(d.seed, d.offset, bh, i, j, threshold) ? scale : 0;
  }
};

void fused_attention_kernel(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& out,
                            Tensor& lse, bool causal, double scale, const AttentionDropout& dropout,
                            const Tensor& bias) {
  const DropoutFactor z{dropout};
  const Bias add(bias);
  cpu::visit_float_or_double(q.dtype(), "_scaled_dot_product_fused_attention", [&]<class T>() {
    const int64_t B = q.size(0), H = q.size(1), L = q.size(2), D = q.size(3);
    const int64_t S = k.size(2), Dv = v.size(3);
    Rows<T> Q(q), K(k), V(v), O(out);
    T* plse = lse.data_ptr<T>();
    parallel_for(0, B * H * L, std::max<int64_t>(1, 4096 / std::max<int64_t>(S * D, 1)),
                 [&](int64_t r0, int64_t r1) {
                   std::vector<double> p(static_cast<size_t>(S)), acc(static_cast<size_t>(Dv));
                   for (int64_t r = r0; r < r1; ++r) {
                     const int64_t b = r / (H * L), h = r / L % H, i = r % L;
                     const T* qi = Q.row(b, h, i);
                     const int64_t n = keys_seen(i, S, causal);
                     double m = -std::numeric_limits<double>::infinity();
                     for (int64_t j = 0; j < n; ++j) {
                       p[j] = scale * dot(qi, K.row(b, h, j), D) + add(b, h, i, j);
                       m = std::max(m, p[j]);
                     }
                     double l = 0;
                     std::fill(acc.begin(), acc.end(), 0.0);
                     T* oi = O.row(b, h, i);
                     if (m == -std::numeric_limits<double>::infinity()) {  // no key reaches it
                       for (int64_t d = 0; d < Dv; ++d) oi[d] = T(0);
                       plse[r] = static_cast<T>(std::numeric_limits<double>::infinity());
                       continue;
                     }
                     for (int64_t j = 0; j < n; ++j) {
                       const double w = std::exp(p[j] - m);
                       l += w;
                       const double wz = w * z(b * H + h, i, j);
                       if (wz == 0) continue;
                       const T* vj = V.row(b, h, j);
                       for (int64_t d = 0; d < Dv; ++d) acc[d] += wz * static_cast<double>(vj[d]);
                     }
                     for (int64_t d = 0; d < Dv; ++d) oi[d] = static_cast<T>(acc[d] / l);
                     plse[r] = static_cast<T>(m + std::log(l));
                   }
                 });
  });
}

void fused_attention_backward_kernel(const Tensor& grad_out, const Tensor& q, const Tensor& k,
                                     const Tensor& v, const Tensor& out, const Tensor& lse,
                                     Tensor& grad_q, Tensor& grad_k, Tensor& grad_v, bool causal,
                                     double scale, const AttentionDropout& dropout,
                                     const Tensor& bias) {
  const DropoutFactor z{dropout};
  const Bias add(bias);
  cpu::visit_float_or_double(q.dtype(), "_scaled_dot_product_fused_attention", [&]<class T>() {
    const int64_t B = q.size(0), H = q.size(1), L = q.size(2), D = q.size(3);
    const int64_t S = k.size(2), Dv = v.size(3);
    Rows<T> Q(q), K(k), V(v), O(out), G(grad_out), GQ(grad_q), GK(grad_k), GV(grad_v);
    const T* plse = lse.data_ptr<T>();
    parallel_for(0, B * H, 1, [&](int64_t p0, int64_t p1) {
      std::vector<double> gk(static_cast<size_t>(S * D)), gv(static_cast<size_t>(S * Dv));
      std::vector<double> gq(static_cast<size_t>(D));
      for (int64_t pair = p0; pair < p1; ++pair) {
        const int64_t b = pair / H, h = pair % H;
        std::fill(gk.begin(), gk.end(), 0.0);
        std::fill(gv.begin(), gv.end(), 0.0);
        for (int64_t i = 0; i < L; ++i) {
          const T* qi = Q.row(b, h, i);
          const T* gi = G.row(b, h, i);
          const double Di = dot(gi, O.row(b, h, i), Dv);
          const double li = static_cast<double>(plse[(b * H + h) * L + i]);
          std::fill(gq.begin(), gq.end(), 0.0);
          const int64_t n = keys_seen(i, S, causal);
          for (int64_t j = 0; j < n; ++j) {
            const T* kj = K.row(b, h, j);
            const double P = std::exp(scale * dot(qi, kj, D) + add(b, h, i, j) - li);
            const double Z = z(pair, i, j);
            const double dS = P * (Z * dot(gi, V.row(b, h, j), Dv) - Di);
            const double PZ = P * Z;
            for (int64_t d = 0; d < Dv; ++d) gv[j * Dv + d] += PZ * static_cast<double>(gi[d]);
            for (int64_t d = 0; d < D; ++d) {
              gq[d] += dS * static_cast<double>(kj[d]);
              gk[j * D + d] += dS * static_cast<double>(qi[d]);
            }
          }
          T* gqi = GQ.row(b, h, i);
          for (int64_t d = 0; d < D; ++d) gqi[d] = static_cast<T>(scale * gq[d]);
        }
        for (int64_t j = 0; j < S; ++j) {
          T* gkj = GK.row(b, h, j);
          T* gvj = GV.row(b, h, j);
          for (int64_t d = 0; d < D; ++d) gkj[d] = static_cast<T>(scale * gk[j * D + d]);
          for (int64_t d = 0; d < Dv; ++d) gvj[d] = static_cast<T>(gv[j * Dv + d]);
        }
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(fused_attention_stub, fused_attention_kernel);
EMBER_DEFINE_STUB(fused_attention_backward_stub, fused_attention_backward_kernel);

}  // namespace ember
