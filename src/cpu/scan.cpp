// CPU kernels for cummax/cummin, logcumsumexp and the scatter-add/gather pair their gradients use.
// Layout: contiguous [outer, n, inner], the op running along n.
#include <cmath>
#include <limits>
#include <vector>

#include "ember/core/parallel.h"
#include "src/kernels/reduce.h"

namespace ember {
namespace {

inline int64_t grain(int64_t n, int64_t inner) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(n * inner, 1));
}

template <class T>
inline bool is_nan(T v) {
  if constexpr (is_float_v<T>) {
    return std::isnan(static_cast<float>(v));
  } else {
    return false;
  }
}

template <bool IsMax>
void cum_extremum_kernel(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer,
                         int64_t n, int64_t inner) {
  visit_all_types(in.dtype(), IsMax ? "cummax" : "cummin", [&]<class T>() {
    using M = opmath_t<T>;
    const T* src = in.data_ptr<T>();
    T* val = values.data_ptr<T>();
    int64_t* idx = indices.data_ptr<int64_t>();
    parallel_for(0, outer, grain(n, inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        for (int64_t j = 0; j < inner; ++j) {
          int64_t base = o * n * inner + j;
          T best = src[base];
          int64_t bi = 0;
          for (int64_t i = 0; i < n; ++i) {
            T x = src[base + i * inner];
            M xm = static_cast<M>(x), bm = static_cast<M>(best);
            if (is_nan(x) || (!is_nan(best) && (IsMax ? xm >= bm : xm <= bm))) {
              best = x;
              bi = i;
            }
            val[base + i * inner] = best;
            idx[base + i * inner] = bi;
          }
        }
      }
    });
  });
}

// log(exp(a) + exp(b)) without overflow; infinities of the same sign stay as they are.
inline double log_add_exp(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  double m = std::max(a, b);
  if (std::isinf(m)) return m;
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

void logcumsumexp_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                         bool reverse) {
  visit_floating_types(in.dtype(), "logcumsumexp", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, outer, grain(n, inner), [&](int64_t b, int64_t e) {
      std::vector<double> acc(static_cast<size_t>(inner));
      for (int64_t o = b; o < e; ++o) {
        std::fill(acc.begin(), acc.end(), -std::numeric_limits<double>::infinity());
        for (int64_t k = 0; k < n; ++k) {
          int64_t i = reverse ? n - 1 - k : k;
          const T* x = src + (o * n + i) * inner;
          T* y = dst + (o * n + i) * inner;
          for (int64_t j = 0; j < inner; ++j) {
            acc[j] = log_add_exp(acc[j], static_cast<double>(x[j]));
            y[j] = static_cast<T>(acc[j]);
          }
        }
      }
    });
  });
}

void scatter_gather_kernel(Tensor& out, const Tensor& src, const Tensor& index, int64_t outer,
                           int64_t n, int64_t inner, bool scatter) {
  const int64_t* ix = index.data_ptr<int64_t>();
  for (int64_t k = 0; k < index.numel(); ++k) {
    EMBER_CHECK_INDEX(ix[k] >= 0 && ix[k] < n, "[scatter_gather] index ", ix[k],
                      " is out of bounds for dimension with size ", n);
  }
  visit_all_types(src.dtype(), "scatter_gather", [&]<class T>() {
    const T* s = src.data_ptr<T>();
    T* d = out.data_ptr<T>();
    // Scatter writes collide across i, so each (o, j) column is one task.
    parallel_for(0, outer, grain(n, inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t j = 0; j < inner; ++j) {
            int64_t at = (o * n + i) * inner + j;
            int64_t other = (o * n + ix[at]) * inner + j;
            if (scatter) {
              if constexpr (std::is_same_v<T, bool>) {
                d[other] = d[other] || s[at];
              } else {
                d[other] = static_cast<T>(static_cast<opmath_t<T>>(d[other]) +
                                          static_cast<opmath_t<T>>(s[at]));
              }
            } else {
              d[at] = s[other];
            }
          }
        }
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(cummax_stub, cum_extremum_kernel<true>);
EMBER_DEFINE_STUB(cummin_stub, cum_extremum_kernel<false>);
EMBER_DEFINE_STUB(logcumsumexp_stub, logcumsumexp_kernel);
EMBER_DEFINE_STUB(scatter_gather_dim_stub, scatter_gather_kernel);

}  // namespace ember
