// src/cpu/blas.cpp: GEMMs split into column or row blocks over the thread pool agree with a
// double-precision loop, for every transpose combination and for strided (ld > width) operands.
#include <gtest/gtest.h>

#include "ember/ember.h"

using namespace ember;

namespace {

Tensor ref_mm(const Tensor& a, const Tensor& b) {
  Tensor x = a.to(kDouble).contiguous(), y = b.to(kDouble).contiguous();
  int64_t m = x.size(0), k = x.size(1), n = y.size(1);
  Tensor out = zeros({m, n}, kDouble);
  const double* A = x.data_ptr<double>();
  const double* B = y.data_ptr<double>();
  double* C = out.data_ptr<double>();
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < n; ++j) C[i * n + j] += A[i * k + p] * B[p * n + j];
  return out;
}

TEST(CpuBlas, SplitGemmMatchesLoop) {
  int prev = get_num_threads();
  set_num_threads(2);
  struct S {
    int64_t m, k, n;
  };
  for (S s : {S{300, 70, 700}, S{700, 50, 300}, S{256, 256, 256}, S{33, 20, 1000}, S{5, 3, 2}}) {
    for (ScalarType dt : {kFloat, kDouble}) {
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          Tensor a = ta ? randn({s.k, s.m}, dt).t() : randn({s.m, s.k}, dt);
          Tensor b = tb ? randn({s.n, s.k}, dt).t() : randn({s.k, s.n}, dt);
          Tensor c = a.mm(b);
          double tol = dt == kFloat ? 1e-3 : 1e-10;
          EXPECT_TRUE(c.to(kDouble).allclose(ref_mm(a, b), tol, tol))
              << s.m << " " << s.k << " " << s.n << " " << ta << tb;
        }
      }
    }
  }
  // Operands with a row stride larger than their width (narrowed columns), and addmm's beta.
  Tensor big = randn({400, 600});
  Tensor a = big.narrow(1, 10, 300), b = randn({300, 500}).narrow(1, 0, 450);
  EXPECT_TRUE(a.mm(b).to(kDouble).allclose(ref_mm(a, b), 1e-3, 1e-3));
  Tensor bias = randn({400, 450});
  Tensor r = addmm(bias, a, b, 0.5, 2.0);
  EXPECT_TRUE(r.to(kDouble).allclose(bias.to(kDouble) * 0.5 + ref_mm(a, b) * 2.0, 1e-3, 1e-3));
  // 1 and 2 threads (whole GEMM vs column blocks) agree to rounding.
  Tensor x = randn({512, 300}), y = randn({300, 512});
  Tensor two = x.mm(y);
  set_num_threads(1);
  Tensor one = x.mm(y);
  set_num_threads(prev);
  EXPECT_TRUE(one.allclose(two, 1e-5, 1e-3)) << (one - two).abs().max().item<float>();
}

}  // namespace
