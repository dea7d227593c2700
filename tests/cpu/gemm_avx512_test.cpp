// src/cpu/gemm_avx512.cpp: the AVX-512 GEMM (Note [AVX-512 GEMM]) called directly against a
// double loop, float and double: every transpose combination, row strides wider than the operands,
// sizes that are not multiples of the 6 x 64 tile or of the k / row / column blocks, alpha and beta
// (beta 0 must not read C: NaN there stays out), at 1 and 3 threads with identical bits; skipped
// where the CPU lacks AVX-512.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "ember/ember.h"
#include "src/cpu/blas.h"
#include "src/cpu/vec_math.h"

using namespace ember;

namespace {

struct Case {
  int64_t m, n, k;
  bool ta, tb;
  int64_t pad;  // extra floats per stored row (ld = width + pad)
  float alpha, beta;
};

template <class T>
void check(const Case& s) {
  const ScalarType dt = std::is_same_v<T, float> ? kFloat : kDouble;
  // Stored A: m x k (or k x m when ta); stored B: k x n (or n x k when tb).
  const int64_t ar = s.ta ? s.k : s.m, ac = s.ta ? s.m : s.k;
  const int64_t br = s.tb ? s.n : s.k, bc = s.tb ? s.k : s.n;
  const int64_t lda = ac + s.pad, ldb = bc + s.pad, ldc = s.n + s.pad;
  Tensor a = randn({ar, lda}, dt), b = randn({br, ldb}, dt), c0 = randn({s.m, ldc}, dt);
  if (s.beta == 0.f) c0.fill_(std::nanf(""));
  const T* A = a.data_ptr<T>();
  const T* B = b.data_ptr<T>();
  std::vector<double> want(static_cast<size_t>(s.m * s.n));
  for (int64_t i = 0; i < s.m; ++i) {
    for (int64_t j = 0; j < s.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < s.k; ++p) {
        double x = s.ta ? A[p * lda + i] : A[i * lda + p];
        double y = s.tb ? B[j * ldb + p] : B[p * ldb + j];
        acc += x * y;
      }
      double cv = s.beta == 0.f ? 0.0 : double(s.beta) * c0.data_ptr<T>()[i * ldc + j];
      want[static_cast<size_t>(i * s.n + j)] = double(s.alpha) * acc + cv;
    }
  }
  std::string at = std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k) +
                   " ta=" + std::to_string(s.ta) + " tb=" + std::to_string(s.tb) +
                   " pad=" + std::to_string(s.pad) + (dt == kFloat ? " float" : " double");
  Tensor first;
  for (int nt : {1, 3}) {
    int prev = get_num_threads();
    set_num_threads(nt);
    Tensor c = c0.clone();
    cpu::gemm_avx512<T>(s.ta, s.tb, s.m, s.n, s.k, T(s.alpha), A, lda, B, ldb, T(s.beta),
                        c.data_ptr<T>(), ldc);
    set_num_threads(prev);
    const T* C = c.data_ptr<T>();
    const T* C0 = c0.data_ptr<T>();
    int64_t bad = 0, pad_changed = 0;
    const double eps = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    double tol = eps * std::sqrt(static_cast<double>(s.k)) * 4 * (std::fabs(s.alpha) + 1);
    for (int64_t i = 0; i < s.m; ++i) {
      for (int64_t j = 0; j < ldc; ++j) {
        T got = C[i * ldc + j];
        if (j >= s.n) {  // past the columns: untouched
          if (!(std::isnan(got) && std::isnan(C0[i * ldc + j])) && got != C0[i * ldc + j])
            ++pad_changed;
          continue;
        }
        double w = want[static_cast<size_t>(i * s.n + j)];
        if (!(std::fabs(got - w) <= tol * (1 + std::fabs(w)))) ++bad;
      }
    }
    EXPECT_EQ(bad, 0) << at << " threads=" << nt;
    EXPECT_EQ(pad_changed, 0) << at << " threads=" << nt;
    if (!first.defined()) {
      first = c;
    } else {
      EXPECT_TRUE(c.narrow(1, 0, s.n).equal(first.narrow(1, 0, s.n))) << at;
    }
  }
}

TEST(CpuGemmAvx512, MatchesDoubleLoop) {
  if (!cpu::vec::isa_available(cpu::vec::Isa::Avx512)) {
    GTEST_SKIP() << "this CPU or build has no AVX-512";
  }
  manual_seed(3);
  const std::vector<Case> cases = {
      {6, 64, 1, false, false, 0, 1.f, 0.f},        // one exact tile, k = 1
      {7, 65, 17, false, false, 0, 1.f, 0.f},       // one past each tile edge
      {100, 130, 1500, false, false, 3, 1.f, 0.f},  // two k blocks, strided rows
      {100, 130, 400, true, false, 0, 0.5f, 1.f},   // A transposed, beta 1
      {61, 200, 1025, false, true, 5, 1.f, 0.25f},  // B transposed, k one past a block
      {97, 70, 33, true, true, 2, -2.f, 0.f},       // both transposed
      {200, 16, 16, false, false, 0, 1.f, 0.f},     // A blocks of 24 rows, narrow C
      {16, 2100, 20, false, false, 1, 1.f, 0.5f},   // column blocks (1024 floats, 512 doubles)
      {1, 3, 5, false, false, 0, 1.f, 0.f},         // below a tile in every dimension
  };
  for (const Case& s : cases) {
    check<float>(s);
    check<double>(s);
  }
  // Double panels are 32 columns: one past.
  check<double>({13, 33, 40, false, true, 1, 1.f, 0.5f});
}

// alpha = 0 or k = 0: C = beta C, A and B unread (beta 0 gives zeros even over NaN).
TEST(CpuGemmAvx512, ZeroAlphaOrEmptyK) {
  if (!cpu::vec::isa_available(cpu::vec::Isa::Avx512)) {
    GTEST_SKIP() << "this CPU or build has no AVX-512";
  }
  std::vector<float> c(12, std::nanf(""));
  cpu::gemm_avx512<float>(false, false, 3, 4, 0, 1.f, nullptr, 1, nullptr, 4, 0.f, c.data(), 4);
  for (float v : c) EXPECT_EQ(v, 0.f);
  std::vector<float> d(12, 2.f);
  cpu::gemm_avx512<float>(false, false, 3, 4, 5, 0.f, nullptr, 5, nullptr, 4, 3.f, d.data(), 4);
  for (float v : d) EXPECT_EQ(v, 6.f);
}

}  // namespace
