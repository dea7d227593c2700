// Reduction CPU kernels over contiguous rows.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "ember/core/parallel.h"
#include "src/cpu/convert.h"
#include "src/kernels/reduce.h"

namespace ember {
namespace {

template <class T>
inline bool is_nan(T v) {
  if constexpr (is_float_v<T>) {
    auto x = static_cast<opmath_t<T>>(v);
    return x != x;
  } else {
    return false;
  }
}

// Rows per parallel chunk so each chunk holds about 32k elements.
inline int64_t grain(int64_t inner) {
  return std::max<int64_t>(1, 32768 / std::max<int64_t>(inner, 1));
}

// Integers accumulate in uint64 so overflow wraps (as in PyTorch) instead of being UB.
template <class T>
using SumAcc = std::conditional_t<is_float_v<T>, double, uint64_t>;

template <class T, class A>
T from_acc(A s) {
  if constexpr (std::is_same_v<T, bool>) {
    return s != 0;
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<int64_t>(s));
  } else {
    return static_cast<T>(s);
  }
}

// Sums with several accumulators so the compiler can vectorise; floats accumulate in double,
// which is at least as accurate as PyTorch's cascade sum.
template <class T, class A>
A sum_run(const T* p, int64_t n) {
  int64_t i = 0;
  A s = 0;
  if constexpr (std::is_same_v<T, float> && std::is_same_v<A, double>) {
    // 32 float lanes over a run of at most 1024 (sum_row's cascade): each lane adds 32 values,
    // then the lanes meet in double, like the first level of PyTorch's cascade sum.
    typedef float F8 __attribute__((vector_size(32)));
    F8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
    for (; i + 32 <= n; i += 32) {
      F8 x0, x1, x2, x3;
      std::memcpy(&x0, p + i, sizeof x0);
      std::memcpy(&x1, p + i + 8, sizeof x1);
      std::memcpy(&x2, p + i + 16, sizeof x2);
      std::memcpy(&x3, p + i + 24, sizeof x3);
      a0 += x0;
      a1 += x1;
      a2 += x2;
      a3 += x3;
    }
    for (int l = 0; l < 8; ++l)
      s += (static_cast<double>(a0[l]) + static_cast<double>(a1[l])) +
           (static_cast<double>(a2[l]) + static_cast<double>(a3[l]));
  } else {
    constexpr int kLanes = 8;
    A acc[kLanes] = {};
    for (; i + kLanes <= n; i += kLanes)
      for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<A>(p[i + l]);
    for (int l = 0; l < kLanes; ++l) s += acc[l];
  }
  for (; i < n; ++i) s += static_cast<A>(p[i]);
  return s;
}

// Pairwise over runs of 1024 (a cascade like PyTorch's), so double sums stay accurate too.
template <class T, class A>
A sum_row(const T* p, int64_t n) {
  constexpr int64_t kRun = 1024;
  if (!std::is_floating_point_v<A> || n <= kRun) return sum_run<T, A>(p, n);
  int64_t h = (n / 2 + kRun - 1) / kRun * kRun;
  return sum_row<T, A>(p, h) + sum_row<T, A>(p + h, n - h);
}

// Long rows are cut into fixed blocks (the result does not depend on the thread count) whose
// partial sums add up in order: the threads share a row, and the sum is a two-level cascade.
constexpr int64_t kSumBlock = 32768;

template <class T, class A>
void sum_rows(const T* src, T* dst, int64_t outer, int64_t inner) {
  if (outer >= get_num_threads() || inner < 2 * kSumBlock) {
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) dst[o] = from_acc<T>(sum_row<T, A>(src + o * inner, inner));
    });
    return;
  }
  int64_t nb = (inner + kSumBlock - 1) / kSumBlock;
  std::vector<A> part(static_cast<size_t>(outer * nb));
  parallel_for(0, outer * nb, 1, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / nb, j = t % nb * kSumBlock;
      part[static_cast<size_t>(t)] =
          sum_row<T, A>(src + o * inner + j, std::min(kSumBlock, inner - j));
    }
  });
  for (int64_t o = 0; o < outer; ++o) {
    A s = 0;
    for (int64_t j = 0; j < nb; ++j) s += part[static_cast<size_t>(o * nb + j)];
    dst[o] = from_acc<T>(s);
  }
}

void sum_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  visit_all_types(out.dtype(), "sum", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    sum_rows<T, SumAcc<T>>(src, dst, outer, inner);
  });
}

// out[o, j] = sum_r in[o, r, j]: a block of columns accumulates row by row, so each read is a
// contiguous run and the inner loop vectorises. Blocks are wide (whole rows where they fit) so the
// reads stream; floats add in float lanes over runs of kRowRun rows, then meet in double (like
// PyTorch's cascade), so the result does not depend on the block width or the thread count.
template <class T>
void sum_middle_typed(const T* src, T* dst, int64_t outer, int64_t n, int64_t inner) {
  using A = SumAcc<T>;
  constexpr bool kTwoLevel = std::is_same_v<T, float>;
  constexpr int64_t kRowRun = 64;
  constexpr int64_t kMaxBlock = 4096;
  int64_t nt = std::max(1, get_num_threads());
  // Enough blocks for every thread when outer alone can't feed them; multiples of 16 columns.
  int64_t per = outer >= nt ? inner : (inner * outer + nt - 1) / nt;
  int64_t block = std::clamp<int64_t>((per + 15) / 16 * 16, 16, kMaxBlock);
  int64_t nb = (inner + block - 1) / block;
  int64_t grain_tasks = std::max<int64_t>(1, 32768 / std::max<int64_t>(n * block, 1));
  parallel_for(0, outer * nb, grain_tasks, [&](int64_t b, int64_t e) {
    std::vector<A> acc(static_cast<size_t>(block));
    std::vector<float> facc(kTwoLevel ? static_cast<size_t>(block) : 0);
    for (int64_t t = b; t < e; ++t) {
      int64_t o = t / nb, j0 = (t % nb) * block;
      int64_t w = std::min(block, inner - j0);
      A* a = acc.data();
      std::fill(a, a + w, A(0));
      const T* base = src + o * n * inner + j0;
      if constexpr (kTwoLevel) {
        float* f = facc.data();
        for (int64_t r0 = 0; r0 < n; r0 += kRowRun) {
          int64_t r1 = std::min(n, r0 + kRowRun);
          std::memcpy(f, base + r0 * inner, sizeof(float) * static_cast<size_t>(w));
          for (int64_t r = r0 + 1; r < r1; ++r) {
            const float* x = base + r * inner;
#pragma GCC ivdep
            for (int64_t j = 0; j < w; ++j) f[j] += x[j];
          }
#pragma GCC ivdep
          for (int64_t j = 0; j < w; ++j) a[j] += static_cast<double>(f[j]);
        }
      } else {
        for (int64_t r = 0; r < n; ++r) {
          const T* x = base + r * inner;
          for (int64_t j = 0; j < w; ++j) a[j] += static_cast<A>(x[j]);
        }
      }
      T* y = dst + o * inner + j0;
      for (int64_t j = 0; j < w; ++j) y[j] = from_acc<T>(a[j]);
    }
  });
}

void sum_middle_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                       bool) {
  visit_all_types(out.dtype(), "sum", [&]<class T>() {
    sum_middle_typed<T>(in.data_ptr<T>(), out.data_ptr<T>(), outer, n, inner);
  });
}

void transpose_middle_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t n, int64_t inner,
                             bool) {
  auto run = [&]<class U>() {
    const U* src = static_cast<const U*>(in.data_ptr());
    U* dst = static_cast<U*>(out.data_ptr());
    constexpr int64_t kTile = 64;  // measured best of 8..128 for 4096x4096 floats
    int64_t tn = (n + kTile - 1) / kTile, tj = (inner + kTile - 1) / kTile;
    parallel_for(0, outer * tn * tj, 8, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        int64_t o = t / (tn * tj), r0 = (t / tj) % tn * kTile, j0 = t % tj * kTile;
        int64_t r1 = std::min(n, r0 + kTile), j1 = std::min(inner, j0 + kTile);
        // Through a local tile so that every cache line is read or written in one go: with
        // power-of-two strides the direct strided loop thrashes the cache sets.
        U tile[kTile][kTile];
        for (int64_t r = r0; r < r1; ++r)
          for (int64_t j = j0; j < j1; ++j) tile[j - j0][r - r0] = src[(o * n + r) * inner + j];
        for (int64_t j = j0; j < j1; ++j)
          for (int64_t r = r0; r < r1; ++r) dst[(o * inner + j) * n + r] = tile[j - j0][r - r0];
      }
    });
  };
  switch (in.element_size()) {
    case 1:
      run.template operator()<uint8_t>();
      break;
    case 2:
      run.template operator()<uint16_t>();
      break;
    case 4:
      run.template operator()<uint32_t>();
      break;
    case 8:
      run.template operator()<uint64_t>();
      break;
    default:
      EMBER_ERROR("[reduce] unsupported element size ", in.element_size());
  }
}

// Sum treating NaN as zero (integers have none).
void nansum_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  visit_all_types(out.dtype(), "nansum", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    using A = SumAcc<T>;
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* p = src + o * inner;
        A s = 0;
        for (int64_t i = 0; i < inner; ++i) {
          A v = static_cast<A>(p[i]);
          s += v == v ? v : A(0);
        }
        dst[o] = from_acc<T>(s);
      }
    });
  });
}

void prod_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  visit_all_types(out.dtype(), "prod", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    using A = SumAcc<T>;
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* p = src + o * inner;
        A s = 1;
        for (int64_t i = 0; i < inner; ++i) s *= static_cast<A>(p[i]);
        dst[o] = from_acc<T>(s);
      }
    });
  });
}

template <bool IsAll>
void logical_reduce_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  // Input already converted to bool by the op.
  const bool* src = in.data_ptr<bool>();
  bool* dst = out.data_ptr<bool>();
  for (int64_t o = 0; o < outer; ++o) {
    bool r = IsAll;
    const bool* p = src + o * inner;
    for (int64_t i = 0; i < inner; ++i) {
      if (IsAll ? !p[i] : p[i]) {
        r = !IsAll;
        break;
      }
    }
    dst[o] = r;
  }
}

// Index of the max (IsMax) or min of a non-empty row: first occurrence, first NaN wins.
template <bool IsMax, class T>
int64_t arg_row(const T* p, int64_t n) {
  using M = opmath_t<T>;
  int64_t best = 0;
  M bv = static_cast<M>(p[0]);
  if (is_nan(p[0])) return 0;
  for (int64_t i = 1; i < n; ++i) {
    M v = static_cast<M>(p[i]);
    if (is_nan(p[i])) return i;
    if (IsMax ? v > bv : v < bv) {
      bv = v;
      best = i;
    }
  }
  return best;
}

// Max (or min) of a non-empty row, NaN if it holds one. Branch-free lanes so it vectorises.
// float/double: explicit vectors; a lane takes x when x wins or is NaN, and a NaN lane stays NaN.
template <bool IsMax, class T>
T extremum_vec(const T* p, int64_t n) {
  typedef T V __attribute__((vector_size(32)));
  constexpr int64_t L = 32 / sizeof(T);
  V a0, a1;
  for (int64_t l = 0; l < L; ++l) a0[l] = a1[l] = p[0];
  int64_t i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    V x0, x1;
    std::memcpy(&x0, p + i, sizeof x0);
    std::memcpy(&x1, p + i + L, sizeof x1);
    if constexpr (IsMax) {
      a0 = ((x0 > a0) | (x0 != x0)) ? x0 : a0;
      a1 = ((x1 > a1) | (x1 != x1)) ? x1 : a1;
    } else {
      a0 = ((x0 < a0) | (x0 != x0)) ? x0 : a0;
      a1 = ((x1 < a1) | (x1 != x1)) ? x1 : a1;
    }
  }
  T m = p[0];
  auto take = [&m](T v) {
    if (v != v || (m == m && (IsMax ? v > m : v < m))) m = v;
  };
  for (int64_t l = 0; l < L; ++l) {
    take(a0[l]);
    take(a1[l]);
  }
  for (; i < n; ++i) take(p[i]);
  return m != m ? std::numeric_limits<T>::quiet_NaN() : m;
}

template <bool IsMax, class T>
T extremum_row(const T* p, int64_t n) {
  using M = opmath_t<T>;
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    return extremum_vec<IsMax, T>(p, n);
  } else if constexpr (std::is_same_v<T, bool>) {
    for (int64_t i = 0; i < n; ++i)
      if (p[i] == IsMax) return IsMax;
    return !IsMax;
  } else {
    constexpr int kLanes = 8;
    M acc[kLanes];
    bool nan[kLanes] = {};
    for (int l = 0; l < kLanes; ++l) acc[l] = static_cast<M>(p[0]);
    int64_t i = 0;
    for (; i + kLanes <= n; i += kLanes) {
      for (int l = 0; l < kLanes; ++l) {
        M v = static_cast<M>(p[i + l]);
        nan[l] |= v != v;
        acc[l] = (IsMax ? v > acc[l] : v < acc[l]) ? v : acc[l];
      }
    }
    M m = acc[0];
    bool any_nan = false;
    for (int l = 0; l < kLanes; ++l) {
      any_nan |= nan[l];
      m = (IsMax ? acc[l] > m : acc[l] < m) ? acc[l] : m;
    }
    for (; i < n; ++i) {
      M v = static_cast<M>(p[i]);
      any_nan |= v != v;
      m = (IsMax ? v > m : v < m) ? v : m;
    }
    if (any_nan) return static_cast<T>(std::numeric_limits<M>::quiet_NaN());
    return static_cast<T>(m);
  }
}

template <bool IsMax>
void extremum_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  visit_all_types(in.dtype(), IsMax ? "amax" : "amin", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) dst[o] = extremum_row<IsMax>(src + o * inner, inner);
    });
  });
}

// arg_row for float/double: the vectorised extremum, then the first element equal to it (or the
// first NaN) - the same index as the scalar scan, with the second pass over a row in cache.
template <bool IsMax, class T>
int64_t arg_row_fast(const T* p, int64_t n) {
  if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
    T m = extremum_vec<IsMax, T>(p, n);
    if (m != m) {
      for (int64_t i = 0; i < n; ++i)
        if (p[i] != p[i]) return i;
    }
    for (int64_t i = 0; i < n; ++i)
      if (p[i] == m) return i;
    return 0;
  } else {
    return arg_row<IsMax>(p, n);
  }
}

template <bool IsMax>
void arg_extremum_kernel(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer,
                         int64_t inner) {
  visit_all_types(in.dtype(), IsMax ? "max" : "min", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* val = values.defined() ? values.data_ptr<T>() : nullptr;
    int64_t* idx = indices.data_ptr<int64_t>();
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* p = src + o * inner;
        int64_t i = arg_row_fast<IsMax>(p, inner);
        idx[o] = i;
        if (val) val[o] = p[i];
      }
    });
  });
}

// Lower median of each row. With IgnoreNan the NaNs are left out (a row of only NaNs gives NaN
// at index 0); otherwise the first NaN is the result, as in PyTorch.
template <bool IgnoreNan>
void median_kernel(Tensor& values, Tensor& indices, const Tensor& in, int64_t outer,
                   int64_t inner) {
  visit_all_types(in.dtype(), IgnoreNan ? "nanmedian" : "median", [&]<class T>() {
    using M = opmath_t<T>;
    const T* src = in.data_ptr<T>();
    T* val = values.defined() ? values.data_ptr<T>() : nullptr;
    int64_t* idx = indices.data_ptr<int64_t>();
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      std::vector<int64_t> order;
      order.reserve(static_cast<size_t>(inner));
      for (int64_t o = b; o < e; ++o) {
        const T* p = src + o * inner;
        int64_t pick = -1;
        order.clear();
        for (int64_t i = 0; i < inner; ++i) {
          if (!is_nan(p[i])) {
            order.push_back(i);
          } else if (!IgnoreNan && pick < 0) {
            pick = i;
          }
        }
        if (pick < 0 && order.empty()) pick = 0;
        if (pick < 0) {
          auto kth = order.begin() + (static_cast<int64_t>(order.size()) - 1) / 2;
          std::nth_element(order.begin(), kth, order.end(), [p](int64_t a, int64_t c) {
            M va = static_cast<M>(p[a]), vc = static_cast<M>(p[c]);
            return va < vc || (va == vc && a < c);
          });
          pick = *kth;
        }
        idx[o] = pick;
        if (val) val[o] = p[pick];
      }
    });
  });
}

// Two passes in double: mean, then the sum of squared deviations (stable, unlike E[x^2]-E[x]^2).
void var_kernel(Tensor& var, Tensor& mean, const Tensor& in, int64_t outer, int64_t inner,
                double correction, bool take_sqrt) {
  visit_floating_types(in.dtype(), "var", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* vo = var.data_ptr<T>();
    T* mo = mean.defined() ? mean.data_ptr<T>() : nullptr;
    double divisor = std::max(0.0, static_cast<double>(inner) - correction);
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* p = src + o * inner;
        double m = sum_row<T, double>(p, inner) / static_cast<double>(inner);
        double m2 = 0;
        for (int64_t i = 0; i < inner; ++i) {
          double d = static_cast<double>(p[i]) - m;
          m2 += d * d;
        }
        double v = m2 / divisor;
        vo[o] = static_cast<T>(take_sqrt ? std::sqrt(v) : v);
        if (mo) mo[o] = static_cast<T>(m);
      }
    });
  });
}

void norm_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner, double p) {
  visit_floating_types(in.dtype(), "norm", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* x = src + o * inner;
        double r = 0;
        if (std::isinf(p)) {
          r = p > 0 ? 0.0 : std::numeric_limits<double>::infinity();
          for (int64_t i = 0; i < inner; ++i) {
            double a = std::fabs(static_cast<double>(x[i]));
            if (std::isnan(a)) {
              r = a;
              break;
            }
            r = p > 0 ? std::max(r, a) : std::min(r, a);
          }
        } else if (p == 0) {
          for (int64_t i = 0; i < inner; ++i) r += static_cast<double>(x[i]) != 0 ? 1.0 : 0.0;
        } else if (p == 1) {
          for (int64_t i = 0; i < inner; ++i) r += std::fabs(static_cast<double>(x[i]));
        } else if (p == 2) {
          for (int64_t i = 0; i < inner; ++i)
            r += static_cast<double>(x[i]) * static_cast<double>(x[i]);
          r = std::sqrt(r);
        } else {
          for (int64_t i = 0; i < inner; ++i)
            r += std::pow(std::fabs(static_cast<double>(x[i])), p);
          r = std::pow(r, 1.0 / p);
        }
        dst[o] = static_cast<T>(r);
      }
    });
  });
}

// log(sum(exp(x - m))) + m with m the row max; an infinite max is not subtracted (as PyTorch).
void logsumexp_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  visit_floating_types(in.dtype(), "logsumexp", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    parallel_for(0, outer, grain(inner), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* x = src + o * inner;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t i = 0; i < inner; ++i) m = std::max(m, static_cast<double>(x[i]));
        if (std::isinf(m)) m = 0;
        double s = 0;
        for (int64_t i = 0; i < inner; ++i) s += std::exp(static_cast<double>(x[i]) - m);
        dst[o] = static_cast<T>(std::log(s) + m);
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(sum_stub, sum_kernel);
EMBER_DEFINE_STUB(sum_middle_stub, sum_middle_kernel);
EMBER_DEFINE_STUB(transpose_middle_stub, transpose_middle_kernel);
EMBER_DEFINE_STUB(prod_stub, prod_kernel);
EMBER_DEFINE_STUB(all_stub, logical_reduce_kernel<true>);
EMBER_DEFINE_STUB(any_stub, logical_reduce_kernel<false>);
EMBER_DEFINE_STUB(amax_stub, extremum_kernel<true>);
EMBER_DEFINE_STUB(amin_stub, extremum_kernel<false>);
EMBER_DEFINE_STUB(logsumexp_stub, logsumexp_kernel);
EMBER_DEFINE_STUB(max_dim_stub, arg_extremum_kernel<true>);
EMBER_DEFINE_STUB(min_dim_stub, arg_extremum_kernel<false>);
EMBER_DEFINE_STUB(median_dim_stub, median_kernel<false>);
EMBER_DEFINE_STUB(nanmedian_dim_stub, median_kernel<true>);
EMBER_DEFINE_STUB(nansum_stub, nansum_kernel);
EMBER_DEFINE_STUB(var_stub, var_kernel);
EMBER_DEFINE_STUB(norm_stub, norm_kernel);

}  // namespace ember
