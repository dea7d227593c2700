// CPU kernels along one dim of a contiguous [outer, n, inner] tensor: cumsum, cumprod, softmax,
// log_softmax. The inner dim is the fast one, so the loops over it vectorise.
#include <cmath>
#include <limits>
#include <vector>

#include "ember/core/parallel.h"
#include "src/cpu/vec_math.h"
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

// Contiguous rows (inner == 1) of float/double: max, then exp(x - max) into y with its sum in one
// vector-math sweep, then the scaling; NaN anywhere makes the row NaN, as in PyTorch.
template <bool IsLog, class T>
void softmax_rows(const T* src, T* dst, int64_t outer, int64_t n) {
  int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(n, 1));
  parallel_for(0, outer, grain, [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const T* x = src + o * n;
      T* y = dst + o * n;
      constexpr int kLanes = 8;
      T m[kLanes];
      bool nan = false;
      for (int l = 0; l < kLanes; ++l) m[l] = -std::numeric_limits<T>::infinity();
      int64_t i = 0;
      for (; i + kLanes <= n; i += kLanes)
        for (int l = 0; l < kLanes; ++l) {
          nan |= x[i + l] != x[i + l];
          m[l] = x[i + l] > m[l] ? x[i + l] : m[l];
        }
      T mx = -std::numeric_limits<T>::infinity();
      for (int l = 0; l < kLanes; ++l) mx = m[l] > mx ? m[l] : mx;
      for (; i < n; ++i) {
        nan |= x[i] != x[i];
        mx = x[i] > mx ? x[i] : mx;
      }
      if (nan) mx = std::numeric_limits<T>::quiet_NaN();
      T sum = cpu::vec::exp_shift_sum<T>(x, y, n, mx);
      if constexpr (IsLog) {
        T shift = mx + std::log(sum);
#pragma GCC ivdep
        for (int64_t k = 0; k < n; ++k) y[k] = x[k] - shift;
      } else {
        T inv = T(1) / sum;
#pragma GCC ivdep
        for (int64_t k = 0; k < n; ++k) y[k] *= inv;
      }
    }
  });
}

// exp(x - max) / sum (or x - max - log(sum) for the log form), in float for 16-bit inputs.
template <bool IsLog>
void softmax_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner, bool) {
  visit_floating_types(in.dtype(), IsLog ? "log_softmax" : "softmax", [&]<class T>() {
    using M = opmath_t<T>;
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    if constexpr (std::is_same_v<T, M>) {
      if (inner == 1) return softmax_rows<IsLog, T>(src, dst, outer, n);
    }
    int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(n * inner, 1));
    parallel_for(0, outer, grain, [&](int64_t b, int64_t e) {
      std::vector<M> mx(static_cast<size_t>(inner)), sum(static_cast<size_t>(inner)),
          ex(static_cast<size_t>(inner));
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
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t j = 0; j < inner; ++j) ex[j] = static_cast<M>(x[i * inner + j]) - mx[j];
          cpu::vec::map<M>(cpu::vec::Fn::exp, ex.data(), ex.data(), inner);
          for (int64_t j = 0; j < inner; ++j) {
            sum[j] += ex[j];
            if constexpr (!IsLog && std::is_same_v<T, M>) y[i * inner + j] = ex[j];
          }
        }
        for (int64_t j = 0; j < inner; ++j) ex[j] = IsLog ? std::log(sum[j]) : M(0);
        for (int64_t i = 0; i < n; ++i) {
          if constexpr (IsLog) {
            for (int64_t j = 0; j < inner; ++j)
              y[i * inner + j] = static_cast<T>(static_cast<M>(x[i * inner + j]) - mx[j] - ex[j]);
          } else if constexpr (std::is_same_v<T, M>) {
            for (int64_t j = 0; j < inner; ++j) y[i * inner + j] /= sum[j];
          } else {
            for (int64_t j = 0; j < inner; ++j) ex[j] = static_cast<M>(x[i * inner + j]) - mx[j];
            cpu::vec::map<M>(cpu::vec::Fn::exp, ex.data(), ex.data(), inner);
            for (int64_t j = 0; j < inner; ++j) y[i * inner + j] = static_cast<T>(ex[j] / sum[j]);
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
