// Reduction CPU kernels over contiguous rows.
#include "ember/core/parallel.h"
#include "src/kernels/reduce.h"

namespace ember {
namespace {

// Sums with several accumulators so the compiler can vectorise; floats accumulate in double,
// which is at least as accurate as PyTorch's cascade sum.
template <class T, class A>
A sum_row(const T* p, int64_t n) {
  constexpr int kLanes = 8;
  A acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += static_cast<A>(p[i + l]);
  A s = 0;
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  for (; i < n; ++i) s += static_cast<A>(p[i]);
  return s;
}

void sum_kernel(Tensor& out, const Tensor& in, int64_t outer, int64_t inner) {
  visit_all_types(out.dtype(), "sum", [&]<class T>() {
    const T* src = in.data_ptr<T>();
    T* dst = out.data_ptr<T>();
    using A = std::conditional_t<std::is_same_v<T, bool>, int64_t,
                                 std::conditional_t<is_float_v<T>, double, acc_t<T>>>;
    parallel_for(0, outer, std::max<int64_t>(1, 32768 / std::max<int64_t>(inner, 1)),
                 [&](int64_t b, int64_t e) {
                   for (int64_t o = b; o < e; ++o) {
                     A s = sum_row<T, A>(src + o * inner, inner);
                     if constexpr (std::is_same_v<T, bool>) {
                       dst[o] = s != 0;
                     } else {
                       dst[o] = static_cast<T>(s);
                     }
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

}  // namespace

EMBER_DEFINE_STUB(sum_stub, sum_kernel);
EMBER_DEFINE_STUB(all_stub, logical_reduce_kernel<true>);
EMBER_DEFINE_STUB(any_stub, logical_reduce_kernel<false>);

}  // namespace ember
