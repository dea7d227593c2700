// Normalization kernels: per-channel moments (two passes in double), the affine apply, layer
// norm's row apply, and embedding bags. Parallel over channels, rows or bags.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "ember/core/parallel.h"
#include "src/cpu/visit.h"
#include "src/kernels/normalization.h"

namespace ember {
namespace {

// Grain so that one task touches at least ~32k elements.
int64_t grain_for(int64_t per_item) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(per_item, 1));
}

void moments_kernel(const Tensor& x, int64_t outer, int64_t C, int64_t inner, Tensor& mean,
                    Tensor& var) {
  cpu::visit_float_or_double(x.dtype(), "native_batch_norm", [&]<class T>() {
    const T* px = x.data_ptr<T>();
    T* pm = mean.data_ptr<T>();
    T* pv = var.data_ptr<T>();
    int64_t count = outer * inner;
    parallel_for(0, C, grain_for(count), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double s = 0;
        for (int64_t o = 0; o < outer; ++o) {
          const T* p = px + (o * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) s += p[i];
        }
        double m =
            count > 0 ? s / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
        double ss = 0;
        for (int64_t o = 0; o < outer; ++o) {
          const T* p = px + (o * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) {
            double d = p[i] - m;
            ss += d * d;
          }
        }
        pm[c] = static_cast<T>(m);
        pv[c] = static_cast<T>(count > 0 ? ss / static_cast<double>(count) : m);
      }
    });
  });
}

void channel_affine_kernel(Tensor& y, const Tensor& x, int64_t outer, int64_t C, int64_t inner,
                           const Tensor& scale, const Tensor& shift) {
  cpu::visit_float_or_double(x.dtype(), "native_batch_norm", [&]<class T>() {
    const T* px = x.data_ptr<T>();
    T* py = y.data_ptr<T>();
    const T* sc = scale.data_ptr<T>();
    const T* sh = shift.data_ptr<T>();
    parallel_for(0, outer * C, grain_for(inner), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        int64_t c = r % C;
        T a = sc[c], b = sh[c];
        const T* src = px + r * inner;
        T* dst = py + r * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = src[i] * a + b;
      }
    });
  });
}

void row_norm_kernel(Tensor& y, Tensor& mean, Tensor& rstd, const Tensor& x, int64_t M, int64_t N,
                     const Tensor& weight, const Tensor& bias, double eps) {
  cpu::visit_float_or_double(x.dtype(), "native_layer_norm", [&]<class T>() {
    const T* px = x.data_ptr<T>();
    T* py = y.data_ptr<T>();
    T* pm = mean.data_ptr<T>();
    T* pr = rstd.data_ptr<T>();
    const T* pw = weight.defined() ? weight.data_ptr<T>() : nullptr;
    const T* pb = bias.defined() ? bias.data_ptr<T>() : nullptr;
    parallel_for(0, M, grain_for(N), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        const T* src = px + m * N;
        T* dst = py + m * N;
        // Two passes over a row that stays in cache, each with independent lanes so that the
        // double accumulation vectorises.
        constexpr int kLanes = 8;
        double acc[kLanes] = {};
        int64_t n = 0;
        for (; n + kLanes <= N; n += kLanes)
          for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<double>(src[n + l]);
        double s = 0;
        for (int l = 0; l < kLanes; ++l) s += acc[l];
        for (; n < N; ++n) s += src[n];
        double mu = N > 0 ? s / static_cast<double>(N) : std::numeric_limits<double>::quiet_NaN();
        double sq[kLanes] = {};
        for (n = 0; n + kLanes <= N; n += kLanes)
          for (int l = 0; l < kLanes; ++l) {
            double d = static_cast<double>(src[n + l]) - mu;
            sq[l] += d * d;
          }
        double ss = 0;
        for (int l = 0; l < kLanes; ++l) ss += sq[l];
        for (; n < N; ++n) {
          double d = src[n] - mu;
          ss += d * d;
        }
        double var = N > 0 ? ss / static_cast<double>(N) : mu;
        pm[m] = static_cast<T>(mu);
        pr[m] = static_cast<T>(1.0 / std::sqrt(var + eps));
        T r = pr[m], sh = static_cast<T>(-mu) * r;
        if (pw && pb) {
          for (n = 0; n < N; ++n) dst[n] = (src[n] * r + sh) * pw[n] + pb[n];
        } else if (pw) {
          for (n = 0; n < N; ++n) dst[n] = (src[n] * r + sh) * pw[n];
        } else if (pb) {
          for (n = 0; n < N; ++n) dst[n] = (src[n] * r + sh) + pb[n];
        } else {
          for (n = 0; n < N; ++n) dst[n] = src[n] * r + sh;
        }
      }
    });
  });
}

void embedding_kernel(Tensor& out, const Tensor& weight, const Tensor& indices) {
  const int64_t* idx = indices.data_ptr<int64_t>();
  const char* w = static_cast<const char*>(weight.data_ptr());
  char* o = static_cast<char*>(out.data_ptr());
  int64_t L = indices.numel();
  size_t row = static_cast<size_t>(weight.size(1) * weight.element_size());
  parallel_for(0, L, grain_for(static_cast<int64_t>(row)), [&](int64_t l0, int64_t l1) {
    for (int64_t l = l0; l < l1; ++l) std::memcpy(o + l * row, w + idx[l] * row, row);
  });
}

void channel_norm_backward_kernel(const Tensor& go, const Tensor& x, int64_t outer, int64_t C,
                                  int64_t inner, const Tensor& mean, const Tensor& invstd,
                                  const Tensor& weight, bool training, Tensor& gx, Tensor& gw,
                                  Tensor& gb) {
  cpu::visit_float_or_double(x.dtype(), "native_batch_norm_backward", [&]<class T>() {
    const T* pg = go.data_ptr<T>();
    const T* px = x.data_ptr<T>();
    const T* pm = mean.data_ptr<T>();
    const T* pi = invstd.data_ptr<T>();
    const T* pw = weight.defined() ? weight.data_ptr<T>() : nullptr;
    T* pgx = gx.defined() ? gx.data_ptr<T>() : nullptr;
    T* pgw = gw.defined() ? gw.data_ptr<T>() : nullptr;
    T* pgb = gb.defined() ? gb.data_ptr<T>() : nullptr;
    int64_t n = outer * inner;
    parallel_for(0, C, grain_for(2 * n), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double m = pm[c], is = pi[c], sg = 0, sgx = 0;
        for (int64_t o = 0; o < outer; ++o) {
          const T* g = pg + (o * C + c) * inner;
          const T* xv = px + (o * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) {
            sg += g[i];
            sgx += g[i] * (xv[i] - m);
          }
        }
        if (pgb) pgb[c] = static_cast<T>(sg);
        if (pgw) pgw[c] = static_cast<T>(sgx * is);
        if (!pgx) continue;
        double w = pw ? static_cast<double>(pw[c]) : 1.0;
        // training: gx = (g - mean(g) - (x - m) * is^2 * mean(g * (x - m))) * is * w
        double mg = training && n > 0 ? sg / static_cast<double>(n) : 0.0;
        double k = training && n > 0 ? sgx * is * is / static_cast<double>(n) : 0.0;
        double scale = is * w;
        for (int64_t o = 0; o < outer; ++o) {
          const T* g = pg + (o * C + c) * inner;
          const T* xv = px + (o * C + c) * inner;
          T* dst = pgx + (o * C + c) * inner;
          for (int64_t i = 0; i < inner; ++i) {
            dst[i] = static_cast<T>((g[i] - mg - (xv[i] - m) * k) * scale);
          }
        }
      }
    });
  });
}

void row_norm_backward_kernel(const Tensor& go, const Tensor& x, int64_t M, int64_t N,
                              const Tensor& mean, const Tensor& rstd, const Tensor& weight,
                              Tensor& gx, Tensor& gw, Tensor& gb) {
  cpu::visit_float_or_double(x.dtype(), "native_layer_norm_backward", [&]<class T>() {
    const T* pg = go.data_ptr<T>();
    const T* px = x.data_ptr<T>();
    const T* pm = mean.data_ptr<T>();
    const T* pr = rstd.data_ptr<T>();
    const T* pw = weight.defined() ? weight.data_ptr<T>() : nullptr;
    if (gx.defined()) {
      T* pgx = gx.data_ptr<T>();
      parallel_for(0, M, grain_for(2 * N), [&](int64_t m0, int64_t m1) {
        for (int64_t m = m0; m < m1; ++m) {
          const T* g = pg + m * N;
          const T* xv = px + m * N;
          double mu = pm[m], r = pr[m], a = 0, b = 0;
          for (int64_t n = 0; n < N; ++n) {
            double gh = pw ? g[n] * static_cast<double>(pw[n]) : g[n];
            a += gh;
            b += gh * (xv[n] - mu) * r;
          }
          a /= static_cast<double>(N);
          b /= static_cast<double>(N);
          T* dst = pgx + m * N;
          for (int64_t n = 0; n < N; ++n) {
            double gh = pw ? g[n] * static_cast<double>(pw[n]) : g[n];
            dst[n] = static_cast<T>(r * (gh - a - (xv[n] - mu) * r * b));
          }
        }
      });
    }
    if (!gw.defined() && !gb.defined()) return;
    T* pgw = gw.defined() ? gw.data_ptr<T>() : nullptr;
    T* pgb = gb.defined() ? gb.data_ptr<T>() : nullptr;
    // Column sums over the rows, parallel over blocks of columns.
    parallel_for(0, N, std::max<int64_t>(64, grain_for(M)), [&](int64_t n0, int64_t n1) {
      std::vector<double> sw(static_cast<size_t>(n1 - n0), 0.0), sb(sw.size(), 0.0);
      for (int64_t m = 0; m < M; ++m) {
        const T* g = pg + m * N;
        const T* xv = px + m * N;
        double mu = pm[m], r = pr[m];
        for (int64_t n = n0; n < n1; ++n) {
          sw[static_cast<size_t>(n - n0)] += g[n] * (xv[n] - mu) * r;
          sb[static_cast<size_t>(n - n0)] += g[n];
        }
      }
      for (int64_t n = n0; n < n1; ++n) {
        if (pgw) pgw[n] = static_cast<T>(sw[static_cast<size_t>(n - n0)]);
        if (pgb) pgb[n] = static_cast<T>(sb[static_cast<size_t>(n - n0)]);
      }
    });
  });
}

void group_norm_backward_kernel(const Tensor& go, const Tensor& x, int64_t N, int64_t C,
                                int64_t HxW, int64_t G, const Tensor& mean, const Tensor& rstd,
                                const Tensor& weight, Tensor& gx, Tensor& gw, Tensor& gb) {
  cpu::visit_float_or_double(x.dtype(), "native_group_norm_backward", [&]<class T>() {
    const T* pg = go.data_ptr<T>();
    const T* px = x.data_ptr<T>();
    const T* pm = mean.data_ptr<T>();
    const T* pr = rstd.data_ptr<T>();
    const T* pw = weight.defined() ? weight.data_ptr<T>() : nullptr;
    int64_t D = C / G;
    double cnt = static_cast<double>(D * HxW);
    if (gx.defined()) {
      T* pgx = gx.data_ptr<T>();
      parallel_for(0, N * G, grain_for(2 * D * HxW), [&](int64_t r0, int64_t r1) {
        for (int64_t row = r0; row < r1; ++row) {
          int64_t n = row / G, g = row % G;
          double mu = pm[row], r = pr[row], a = 0, b = 0;
          for (int64_t d = 0; d < D; ++d) {
            int64_t c = g * D + d;
            double w = pw ? static_cast<double>(pw[c]) : 1.0;
            const T* gp = pg + (n * C + c) * HxW;
            const T* xp = px + (n * C + c) * HxW;
            for (int64_t i = 0; i < HxW; ++i) {
              a += gp[i] * w;
              b += gp[i] * w * (xp[i] - mu) * r;
            }
          }
          a /= cnt;
          b /= cnt;
          for (int64_t d = 0; d < D; ++d) {
            int64_t c = g * D + d;
            double w = pw ? static_cast<double>(pw[c]) : 1.0;
            const T* gp = pg + (n * C + c) * HxW;
            const T* xp = px + (n * C + c) * HxW;
            T* dst = pgx + (n * C + c) * HxW;
            for (int64_t i = 0; i < HxW; ++i) {
              dst[i] = static_cast<T>(r * (gp[i] * w - a - (xp[i] - mu) * r * b));
            }
          }
        }
      });
    }
    if (!gw.defined() && !gb.defined()) return;
    T* pgw = gw.defined() ? gw.data_ptr<T>() : nullptr;
    T* pgb = gb.defined() ? gb.data_ptr<T>() : nullptr;
    parallel_for(0, C, grain_for(2 * N * HxW), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        double sw = 0, sb = 0;
        for (int64_t n = 0; n < N; ++n) {
          int64_t row = n * G + c / D;
          double mu = pm[row], r = pr[row];
          const T* gp = pg + (n * C + c) * HxW;
          const T* xp = px + (n * C + c) * HxW;
          for (int64_t i = 0; i < HxW; ++i) {
            sw += gp[i] * (xp[i] - mu) * r;
            sb += gp[i];
          }
        }
        if (pgw) pgw[c] = static_cast<T>(sw);
        if (pgb) pgb[c] = static_cast<T>(sb);
      }
    });
  });
}

void embedding_bag_kernel(Tensor& out, Tensor& max_indices, Tensor& bag_size, const Tensor& weight,
                          const Tensor& indices, const Tensor& offsets, const Tensor& psw,
                          const EmbeddingBagParams& p) {
  cpu::visit_float_or_double(weight.dtype(), "embedding_bag", [&]<class T>() {
    const T* w = weight.data_ptr<T>();
    const int64_t* idx = indices.data_ptr<int64_t>();
    const int64_t* off = offsets.data_ptr<int64_t>();
    const T* ps = psw.defined() ? psw.data_ptr<T>() : nullptr;
    T* o = out.data_ptr<T>();
    int64_t* mi = p.mode == 2 ? max_indices.data_ptr<int64_t>() : nullptr;
    int64_t* bs = bag_size.data_ptr<int64_t>();
    int64_t B = out.size(0), D = out.size(1);
    parallel_for(0, B, grain_for(D * 8), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        int64_t s = off[b], e = off[b + 1];
        T* row = o + b * D;
        std::fill(row, row + D, T(0));
        int64_t* mrow = mi ? mi + b * D : nullptr;
        if (mrow) std::fill(mrow, mrow + D, int64_t(-1));
        int64_t n = 0;
        for (int64_t k = s; k < e; ++k) {
          int64_t r = idx[k];
          if (r == p.padding_idx) continue;
          const T* src = w + r * D;
          if (mrow) {
            for (int64_t d = 0; d < D; ++d) {
              // PyTorch's rule: the first value, then only greater ones (a NaN wins only as the
              // bag's first value, and then stays).
              if (mrow[d] < 0 || src[d] > row[d]) {
                row[d] = src[d];
                mrow[d] = r;
              }
            }
          } else {
            T sc = ps ? ps[k] : T(1);
            for (int64_t d = 0; d < D; ++d) row[d] += sc * src[d];
          }
          ++n;
        }
        if (p.mode == 1 && n > 0) {
          for (int64_t d = 0; d < D; ++d) row[d] /= static_cast<T>(n);
        }
        bs[b] = n;
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(norm_moments_stub, moments_kernel);
EMBER_DEFINE_STUB(channel_norm_backward_stub, channel_norm_backward_kernel);
EMBER_DEFINE_STUB(cudnn_batch_norm_stub, nullptr);  // CUDA only
EMBER_DEFINE_STUB(cudnn_batch_norm_backward_stub, nullptr);
EMBER_DEFINE_STUB(row_norm_backward_stub, row_norm_backward_kernel);
EMBER_DEFINE_STUB(group_norm_backward_stub, group_norm_backward_kernel);
EMBER_DEFINE_STUB(channel_affine_stub, channel_affine_kernel);
EMBER_DEFINE_STUB(row_norm_stub, row_norm_kernel);
EMBER_DEFINE_STUB(embedding_stub, embedding_kernel);
EMBER_DEFINE_STUB(embedding_bag_stub, embedding_bag_kernel);

}  // namespace ember
