// GEMM through OpenBLAS, split over ember's thread pool; large float GEMMs through ember's own
// AVX-512 kernel (gemm_avx512.cpp).
#include "src/cpu/blas.h"

#include <cblas.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <type_traits>

#include "ember/core/parallel.h"
#include "src/cpu/vec_math.h"

namespace ember {
namespace cpu {
namespace {

// Note [One thread pool]: OpenBLAS's pthread workers keep spinning (sched_yield) for a long while
// after each call, so on a small machine they compete with ember's pool for the cores that the
// next kernel needs. OpenBLAS therefore runs single-threaded and a large GEMM is cut into blocks
// of columns (or rows) of C, one OpenBLAS call per block, on ember's pool. With OpenBLAS's
// AVX-512 kernels (SkylakeX, Cooperlake) every element of C gets the same bits however C is
// cut, so the result does not depend on the thread count; its Haswell-family kernels (which
// OpenBLAS 0.3.21 also runs on Zen 2/3, and on Zen 5, which it does not know) round some
// elements differently when C is cut (24 x 1170 x 144 split at column 592: 1167 of 28080
// differ in the last bit), so there a thread count changes results by float rounding only.
// blas_split_invariant() says which case this machine is.
constexpr double kParallelFlops = 2e6;   // below this a GEMM runs on the calling thread
constexpr int64_t kMinBlock = 128;       // rows or columns of C per block, at least
constexpr int64_t kMinOwnDim = 64;       // m, n and k from which GEMMs run gemm_avx512
constexpr double kMinOwnMnk = 33554432;  // and m * n * k (2^25, 322^3)

// Sets OpenBLAS to one thread for the scope and restores what someone else had asked for.
class OneBlasThread {
 public:
  OneBlasThread() : prev_(openblas_get_num_threads()) {
    if (prev_ != 1) openblas_set_num_threads(1);
  }
  ~OneBlasThread() {
    if (prev_ != 1) openblas_set_num_threads(prev_);
  }
  OneBlasThread(const OneBlasThread&) = delete;
  OneBlasThread& operator=(const OneBlasThread&) = delete;

 private:
  int prev_;
};

template <class T>
void call(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  auto A = ta ? CblasTrans : CblasNoTrans;
  auto B = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, A, B, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
                static_cast<int>(ldc));
  } else {
    cblas_dgemm(CblasRowMajor, A, B, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k),
                alpha, a, static_cast<int>(lda), b, static_cast<int>(ldb), beta, c,
                static_cast<int>(ldc));
  }
}

}  // namespace

void blas_use_one_thread() { openblas_set_num_threads(1); }

bool blas_split_invariant() {
  std::string core = openblas_get_corename();
  std::transform(core.begin(), core.end(), core.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return core == "skylakex" || core == "cooperlake";
}

template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  // Note [AVX-512 GEMM], for large products: float 1024^3 at 2 threads 10.3 vs 11.85 ms
  // through OpenBLAS split by columns, 512^3 1.33-1.58 vs 1.55-1.77 ms, 1-2% at 1 thread;
  // double 1024^3 at 2 threads 21.6-21.9 vs 23.6-25.2 ms, at 1 thread the same. At 256^3 and on
  // the attention bmm's 128 x 128 x 64 matrices its packing and two parallel regions per block
  // cost more (2-thread sgemm 256: 285 vs 177 us), so those stay with OpenBLAS. From 2^25 the
  // Fashion-MNIST CNN's fc1 products (128 x 128 x 3136 and 128 x 3136 x 128) take it: its
  // train step at 2 threads 29.0-30.9 -> 28.4-29.5 ms; the MLP step's 128 x 512 x 784 about
  // the same either way.
  if (m >= kMinOwnDim && n >= kMinOwnDim && k >= kMinOwnDim &&
      static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) >= kMinOwnMnk &&
      vec::active_isa() == vec::Isa::Avx512) {
    gemm_avx512<T>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  OneBlasThread one;
  int64_t nt = in_parallel_region() ? 1 : get_num_threads();
  double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  int64_t big = std::max(m, n);
  if (nt == 1 || flops < kParallelFlops || big < 2 * kMinBlock) {
    call<T>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // Two blocks per thread (multiples of 16), so a thread that starts late gives its share away.
  int64_t grain = std::max(kMinBlock, (big + 2 * nt - 1) / (2 * nt) + 15) / 16 * 16;
  if (n >= m) {
    parallel_for(0, n, grain, [&](int64_t j0, int64_t j1) {
      call<T>(ta, tb, m, j1 - j0, k, alpha, a, lda, b + (tb ? j0 * ldb : j0), ldb, beta, c + j0,
              ldc);
    });
  } else {
    parallel_for(0, m, grain, [&](int64_t i0, int64_t i1) {
      call<T>(ta, tb, i1 - i0, n, k, alpha, a + (ta ? i0 : i0 * lda), lda, b, ldb, beta,
              c + i0 * ldc, ldc);
    });
  }
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                          const float*, int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                           const double*, int64_t, double, double*, int64_t);

}  // namespace cpu
}  // namespace ember
