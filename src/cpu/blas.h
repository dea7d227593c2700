#pragma once
// GEMM through OpenBLAS on ember's own thread pool (see Note [One thread pool] in blas.cpp).
#include <cstdint>

namespace ember {
namespace cpu {

// Row-major C[m, n] = alpha op(A)[m, k] op(B)[k, n] + beta C, op = transpose when ta / tb;
// lda/ldb/ldc are the row strides of A, B, C as stored. Float and double.
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// GEMM with an AVX-512 register tile, parallel on ember's pool (gemm_avx512.cpp, Note [AVX-512
// GEMM]); the same contract as gemm, float and double. Only where vec::active_isa() is AVX-512.
template <class T>
void gemm_avx512(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                 int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// Makes OpenBLAS single-threaded (called when ember's pool is made or resized).
void blas_use_one_thread();

// Whether OpenBLAS's kernel on this machine gives each element of C the same bits however C is
// split into blocks (its AVX-512 kernels do), so gemm's results do not depend on the thread
// count (Note [One thread pool]).
bool blas_split_invariant();

}  // namespace cpu
}  // namespace ember
