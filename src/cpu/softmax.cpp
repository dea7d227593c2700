// CPU kernels along one dim of a contiguous [outer, n, inner] tensor: cumsum, cumprod, softmax,
// log_softmax. The inner dim is the fast one, so the loops over it vectorise.
#include <cmath>
#include <limits>
#include <vector>

#include "ember/core/parallel.h"
#include "src/kernels/reduce.h"

namespace ember {
namespace {

// Floats accumulate in double; integers in uint64 so overflow wraps instead of being UB.
template <class T>
using ScanAcc = std::conditional_t<is_float_v<T>, double, uint64_t>;

template <class T, class A>
T scan_cast(A s) {
  if constexpr (std::is_same_v<T, bool>) {
    return s != 0;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<int64_t>(s));
  } else {
    return static_cast<T>(s);
  }
}

template <bool IsProd>
void scan_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                 bool reverse) {
  visit_all_types(in.dtype(), IsProd ? "cumprod" : "cumsum", [&]<class T>() {
    using A = ScanAcc<T>;
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(n * inner, 1));
    parallel_for(0, outer, grain, [&](int64_t b, int64_t e) {
      std::vector<A> acc(static_cast<size_t>(inner));
      for (int64_t o = b; o < e; ++o) {
        std::fill(acc.begin(), acc.end(), A(IsProd ? 1 : 0));
        for (int64_t k = 0; k < n; ++k) {
          int64_t i = reverse ? n - 1 - k : k;
          const T* x = src + (o * n + i) * inner;
          T* y = dst + (o * n + i) * inner;
          for (int64_t j = 0; j < inner; ++j) {
            if constexpr (IsProd) {
              acc[j] *= static_cast<A>(x[j]);
            } else {
              acc[j] += static_cast<A>(x[j]);
            }
            y[j] = scan_cast<T>(acc[j]);
          }
        }
      }
    });
  });
}

// exp(x - max) / sum (or x - max - log(sum) for the log form), in float for 16-bit inputs.
template <bool IsLog>
void softmax_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner, bool) {
  visit_floating_types(in.dtype(), IsLog ? "log_softmax" : "softmax", [&]<class T>() {
    using M = opmath_t<T>;
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(n * inner, 1));
    parallel_for(0, outer, grain, [&](int64_t b, int64_t e) {
      std::vector<M> mx(static_cast<size_t>(inner)), sum(static_cast<size_t>(inner));
      for (int64_t o = b; o < e; ++o) {
        const T* x = src + o * n * inner;
        T* y = dst + o * n * inner;
        std::fill(mx.begin(), mx.end(), -std::numeric_limits<M>::infinity());
        std::fill(sum.begin(), sum.end(), M(0));
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < inner; ++j) {
            M v = static_cast<M>(x[i * inner + j]);
            // NaN sticks so the whole slice becomes NaN, as in PyTorch.
            if (v > mx[j] || std::isnan(v)) mx[j] = std::isnan(mx[j]) ? mx[j] : v;
          }
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < inner; ++j) {
            M d = static_cast<M>(x[i * inner + j]) - mx[j];
            M ex = std::exp(d);
            sum[j] += ex;
            if constexpr (!IsLog && std::is_same_v<T, M>) y[i * inner + j] = ex;
          }
        for (int64_t i = 0; i < n; ++i)
          for (int64_t j = 0; j < inner; ++j) {
            if constexpr (IsLog) {
              M d = static_cast<M>(x[i * inner + j]) - mx[j];
              y[i * inner + j] = static_cast<T>(d - std::log(sum[j]));
            } else if constexpr (std::is_same_v<T, M>) {
              y[i * inner + j] /= sum[j];
            } else {
              M d = static_cast<M>(x[i * inner + j]) - mx[j];
              y[i * inner + j] = static_cast<T>(std::exp(d) / sum[j]);
            }
          }
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(cumsum_stub, scan_kernel<false>);
EMBER_DEFINE_STUB(cumprod_stub, scan_kernel<true>);
EMBER_DEFINE_STUB(softmax_stub, softmax_kernel<false>);
EMBER_DEFINE_STUB(log_softmax_stub, softmax_kernel<true>);

}  // namespace ember
