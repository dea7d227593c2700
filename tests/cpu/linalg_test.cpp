// src/cpu/linalg.cpp: the GEMM kernels: BLAS for float/double operands with a unit stride
// (row-major or transposed), a plain loop for the other layouts and dtypes, and the batched
// split (a GEMM per thread, or each GEMM over the threads).
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"
#include "src/kernels/linalg.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

// beta * c + alpha * a @ b in double (c may be empty: beta ignored).
std::vector<double> naive(const Tensor& a, const Tensor& b, const std::vector<double>& c,
                          double beta, double alpha) {
  std::vector<double> av = values(a), bv = values(b);
  int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  std::vector<double> out(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p) s += av[i * k + p] * bv[p * n + j];
      out[i * n + j] = alpha * s + (c.empty() ? 0.0 : beta * c[i * n + j]);
    }
  return out;
}

// An [r, c] operand in one of the layouts the kernel tells apart: row-major, transposed,
// rows of a wider matrix (ld > c), every other row and column (no unit stride: the loop).
Tensor operand(int64_t r, int64_t c, ScalarType dt, int layout) {
  auto vals = [dt](std::vector<int64_t> s) { return (randn(s) * 2).round().to(dt); };
  switch (layout) {
    case 1:
      return vals({c, r}).t();
    case 2:
      return vals({r, c + 5}).narrow(1, 2, c);
    case 3:
      return vals({2 * r, 2 * c}).slice(0, 0, 2 * r, 2).slice(1, 0, 2 * c, 2);
    default:
      return vals({r, c});
  }
}

// mm and addmm on every dtype (float/double through BLAS or the loop, the others through the
// loop), every pair of layouts, shapes with 1 and odd sizes; integer-valued inputs make the
// products exact, so float results must match exactly.
TEST(CpuLinalg, GemmLayoutsAndDtypes) {
  manual_seed(8);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong, kChar}) {
    for (auto [m, k, n] : std::vector<std::array<int64_t, 3>>{
             {1, 1, 1}, {7, 17, 1}, {1, 9, 33}, {17, 8, 9}, {33, 3, 16}}) {
      for (int la = 0; la < 4; ++la) {
        for (int lb = 0; lb < 4; ++lb) {
          Tensor a = operand(m, k, dt, la), b = operand(k, n, dt, lb);
          std::string at = std::string(toString(dt)) + " " + std::to_string(m) + "x" +
                           std::to_string(k) + "x" + std::to_string(n) + " layouts " +
                           std::to_string(la) + std::to_string(lb);
          // int8 products overflow and wrap; keep to values that fit
          if (dt == kChar) a = a.clamp(-2, 2), b = b.clamp(-2, 2);
          double tol = dt == kHalf ? 1e-3 : (dt == kBFloat16 ? 8e-3 : 0);
          EXPECT_TRUE(matches(mm(a, b), naive(a, b, {}, 0, 1), tol)) << at;
          Tensor c = operand(m, n, dt, 0);
          double beta = dt == kChar ? 1 : 2, alpha = dt == kChar ? 1 : 3;
          if (dt == kChar) c = c.clamp(-2, 2);
          EXPECT_TRUE(
              matches(addmm(c, a, b, beta, alpha), naive(a, b, values(c), beta, alpha), tol))
              << at;
        }
      }
    }
  }
}

// beta = 0 never reads the output (NaN there does not leak), on the BLAS path, the loop and
// for k = 0; k = 0 with beta != 0 scales the output.
TEST(CpuLinalg, BetaZeroIgnoresOutput) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ScalarType dt : {kFloat, kDouble, kHalf}) {
    for (int64_t k : {0, 5}) {
      Tensor a = operand(4, k, dt, 0), b = operand(k, 3, dt, 1);
      Tensor out = full({4, 3}, nan, dt);
      gemm_stub.get(kCPU)(out, a, b, 0, 1);
      EXPECT_TRUE(matches(out, naive(a, b, {}, 0, 1), 0)) << toString(dt) << " k=" << k;
      Tensor c = full({4, 3}, 2.0, dt);
      gemm_stub.get(kCPU)(c, a, b, 1.5, 1);
      EXPECT_TRUE(matches(c, naive(a, b, std::vector<double>(12, 2.0), 1.5, 1), 0));
    }
  }
  Tensor p = ones({2, 2}, kBool), q = ones({2, 2}, kBool), o = empty({2, 2}, kBool);
  try {
    gemm_stub.get(kCPU)(o, p, q, 0, 1);
    ADD_FAILURE() << "bool GEMM did not throw";
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[mm]"), std::string::npos) << e.what();
  }
}

// mv and dot pass [n, 1] views (one column, any row stride) to the kernel: strided vectors too.
TEST(CpuLinalg, VectorShapedOperands) {
  for (ScalarType dt : {kFloat, kDouble, kLong}) {
    Tensor m = operand(9, 17, dt, 1), v = operand(1, 34, dt, 0).view({-1}).slice(0, 0, 34, 2);
    EXPECT_TRUE(matches(mv(m, v), naive(m, v.unsqueeze(1), {}, 0, 1), 0)) << toString(dt);
    Tensor w = operand(1, 34, dt, 0).view({-1}).slice(0, 1, 34, 2);
    EXPECT_TRUE(matches(dot(v, w), naive(v.unsqueeze(0), w.unsqueeze(1), {}, 0, 1), 0));
  }
}

// Many small GEMMs run one per thread; two large ones each split over the threads; transposed
// batches and the loop's dtypes; an empty batch. The same bits at 1 and 4 threads.
TEST(CpuLinalg, BatchedGemm) {
  for (auto [nb, m, k, n] : std::vector<std::array<int64_t, 4>>{
           {37, 5, 7, 3}, {2, 70, 80, 90}, {3, 1, 1, 1}, {0, 3, 4, 5}}) {
    for (ScalarType dt : {kFloat, kDouble, kInt}) {
      Tensor a = (randn({nb, m, k}) * 2).round().to(dt);
      Tensor b = (randn({nb, n, k}) * 2).round().to(dt).transpose(1, 2);
      Tensor c = (randn({nb, m, n}) * 2).round().to(dt);
      Tensor first;
      for (int nt : {1, 4}) {
        Threads threads(nt);
        Tensor y = baddbmm(c, a, b, 3, 2), z = bmm(a, b);
        ASSERT_EQ(y.sizes(), IntArrayRef({nb, m, n}));
        for (int64_t i = 0; i < nb; ++i) {
          Tensor ai = a.select(0, i), bi = b.select(0, i);
          EXPECT_TRUE(matches(y.select(0, i), naive(ai, bi, values(c.select(0, i)), 3, 2), 0))
              << nb << " " << toString(dt) << " batch " << i;
          EXPECT_TRUE(matches(z.select(0, i), naive(ai, bi, {}, 0, 1), 0));
        }
        if (first.defined()) {
          EXPECT_TRUE(y.equal(first));
        }
        first = y;
      }
    }
  }
}

}  // namespace
