// CPU sort kernel (sort, argsort, topk): rows of a contiguous [rows, n] tensor.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "ember/core/parallel.h"
#include "src/kernels/index.h"

namespace ember {
namespace {

template <class M>
bool is_nan(M v) {
  if constexpr (std::is_floating_point_v<M>) {
    return std::isnan(v);
  } else {
    return false;
  }
}

void sort_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t k,
                 bool descending) {
  const int64_t n = in.dim() == 0 ? 1 : in.size(in.dim() - 1);
  const int64_t rows = n == 0 ? 0 : in.numel() / n;
  if (rows == 0 || k == 0) return;
  visit_all_types(in.dtype(), "sort", [&]<class T>() {
    using M = std::conditional_t<std::is_same_v<T, bool>, bool, opmath_t<T>>;
    const T* src = static_cast<const T*>(in.data_ptr());
    T* vo = static_cast<T*>(values.data_ptr());
    int64_t* io = indices.data_ptr<int64_t>();
    parallel_for(0, rows, std::max<int64_t>(1, 16384 / n), [&](int64_t b, int64_t e) {
      std::vector<int64_t> perm(n);
      std::vector<M> key(n);
      for (int64_t r = b; r < e; ++r) {
        const T* row = src + r * n;
        for (int64_t i = 0; i < n; ++i) key[i] = static_cast<M>(row[i]);
        std::iota(perm.begin(), perm.end(), int64_t{0});
        // NaN counts as the largest value; ties break by index so the result is stable.
        auto cmp = [&](int64_t a, int64_t c) {
          M x = key[a], y = key[c];
          bool xn = is_nan(x), yn = is_nan(y);
          if (xn || yn) {
            if (xn && yn) return a < c;
            return descending ? xn : yn;
          }
          if (x != y) return descending ? x > y : x < y;
          return a < c;
        };
        if (k < n) {
          std::partial_sort(perm.begin(), perm.begin() + k, perm.end(), cmp);
        } else {
          std::sort(perm.begin(), perm.end(), cmp);
        }
        for (int64_t i = 0; i < k; ++i) {
          vo[r * k + i] = row[perm[i]];
          io[r * k + i] = perm[i];
        }
      }
    });
  });
}

}  // namespace

EMBER_DEFINE_STUB(sort_stub, sort_kernel);

}  // namespace ember
