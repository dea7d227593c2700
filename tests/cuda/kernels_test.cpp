// src/cuda/kernels.cpp (+ unary.cu, the launches of src/cuda/elementwise.h): CUDA elementwise and
// reduction kernels against the CPU for every op and dtype: contiguous, broadcast, non-contiguous,
// misaligned, scalar operands, fill/zero, sum/mean.
#include <cmath>
#include <limits>

#include "cuda/cuda_test.h"

using namespace ember;
using ember::testing::matches_cpu;

namespace {
const ScalarType kFloats[] = {kFloat, kDouble, kHalf, kBFloat16};

double tol(ScalarType dt) { return dt == kHalf ? 2e-3 : dt == kBFloat16 ? 1e-2 : 1e-5; }

Tensor values(ScalarType dt, IntArrayRef shape, int seed) {
  torch::manual_seed(seed);
  Tensor x = torch::randn(shape, torch::kDouble) * 3;
  if (dt == kBool) return x.gt(0);
  if (dt == kByte) return x.abs().round().to(dt);
  if (isIntegralType(dt, false)) return x.round().to(dt);
  return x.to(dt);
}

// Layouts of an input for shape {8, 33}: contiguous, transposed, broadcast, sliced (misaligned).
std::vector<std::pair<Tensor, Tensor>> layouts(ScalarType dt, int seed) {
  std::vector<std::pair<Tensor, Tensor>> r;
  Tensor c = values(dt, {8, 33}, seed);
  r.emplace_back(c, c.cuda());
  Tensor t = values(dt, {33, 8}, seed + 1);
  r.emplace_back(t.t(), t.cuda().t());
  Tensor b = values(dt, {33}, seed + 2);
  r.emplace_back(b, b.cuda());
  Tensor s = values(dt, {8, 34}, seed + 3);
  r.emplace_back(s.narrow(1, 1, 33), s.cuda().narrow(1, 1, 33));
  return r;
}
}  // namespace

TEST(CudaKernels, FillAndZero) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kAllScalarTypes) {
    Tensor d = torch::empty({5, 7}, torch::device(torch::kCUDA).dtype(dt));
    d.fill_(1);
    EXPECT_TRUE(matches_cpu(d, torch::ones({5, 7}, dt))) << toString(dt);
    d.zero_();
    EXPECT_TRUE(matches_cpu(d, torch::zeros({5, 7}, dt))) << toString(dt);
    d.t().select(0, 2).fill_(1);  // strided fill
    Tensor h = torch::zeros({5, 7}, dt);
    h.t().select(0, 2).fill_(1);
    EXPECT_TRUE(matches_cpu(d, h)) << toString(dt);
  }
  EXPECT_TRUE(matches_cpu(torch::full({3}, 2.5, torch::device(torch::kCUDA).dtype(torch::kHalf)),
                          torch::full({3}, 2.5, torch::kHalf)));
}

TEST(CudaKernels, BinaryArithmeticAndComparisons) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kAllScalarTypes) {
    auto as = layouts(dt, 1), bs = layouts(dt, 11);
    for (size_t i = 0; i < as.size(); ++i) {
      const auto& [ha, da] = as[i];
      const auto& [hb, db] = bs[(i + 1) % bs.size()];
      std::string what = std::string(toString(dt)) + " layout " + std::to_string(i);
      double t = tol(dt);
      if (dt != kBool) {
        EXPECT_TRUE(matches_cpu(da + db, ha + hb, t, t)) << what;
        EXPECT_TRUE(matches_cpu(da - db, ha - hb, t, t)) << what;
        EXPECT_TRUE(matches_cpu(torch::add(da, db, 3), torch::add(ha, hb, 3), t, t)) << what;
        EXPECT_TRUE(matches_cpu(da * db, ha * hb, t, t)) << what;
        EXPECT_TRUE(matches_cpu(torch::maximum(da, db), torch::maximum(ha, hb))) << what;
        EXPECT_TRUE(matches_cpu(torch::minimum(da, db), torch::minimum(ha, hb))) << what;
      } else {
        EXPECT_TRUE(matches_cpu(da + db, ha + hb)) << what;
        EXPECT_TRUE(matches_cpu(da * db, ha * hb)) << what;
      }
      if (isFloatingType(dt)) {
        EXPECT_TRUE(matches_cpu(da / db, ha / hb, t, t)) << what;
      } else if (dt != kBool) {
        // True division promotes integers to float on both devices.
        EXPECT_TRUE(matches_cpu(da / (db.abs() + 1), ha / (hb.abs() + 1), 1e-5, 1e-5)) << what;
      }
      EXPECT_TRUE(matches_cpu(da.eq(db), ha.eq(hb))) << what;
      EXPECT_TRUE(matches_cpu(da.ne(db), ha.ne(hb))) << what;
      EXPECT_TRUE(matches_cpu(da.lt(db), ha.lt(hb))) << what;
      EXPECT_TRUE(matches_cpu(da.le(db), ha.le(hb))) << what;
      EXPECT_TRUE(matches_cpu(da.gt(db), ha.gt(hb))) << what;
      EXPECT_TRUE(matches_cpu(da.ge(db), ha.ge(hb))) << what;
    }
  }
}

TEST(CudaKernels, ScalarsAndPromotion) {
  EMBER_REQUIRE_CUDA();
  Tensor h = values(kFloat, {4, 5}, 3);
  Tensor d = h.cuda();
  EXPECT_TRUE(matches_cpu(d * 0.5, h * 0.5));
  EXPECT_TRUE(matches_cpu(d + 2, h + 2));
  EXPECT_TRUE(matches_cpu(2 - d, 2 - h));
  EXPECT_TRUE(matches_cpu(d.gt(0.25), h.gt(0.25)));
  Tensor hi = values(kInt, {4, 5}, 4);
  EXPECT_TRUE(matches_cpu(hi.cuda() * 0.5, hi * 0.5));  // int * float scalar -> float
  EXPECT_TRUE(matches_cpu(hi.cuda() + d, hi + h));      // int + float -> float
  EXPECT_TRUE(matches_cpu(d.to(kHalf) + d.to(kDouble), h.to(kHalf) + h.to(kDouble)));
  Tensor x = d.clone();
  x.add_(d, 2);
  x.mul_(torch::tensor(0.5f));
  EXPECT_TRUE(matches_cpu(x, (h + h * 2) * 0.5));
  std::string m = error_of([&] { hi.cuda().mul_(0.5); });
  EXPECT_NE(m.find("can't be cast"), std::string::npos) << m;
  // 0-dim CUDA tensors and empty tensors.
  EXPECT_TRUE(matches_cpu(torch::tensor(2.0).cuda() * d, h * 2));
  EXPECT_TRUE(matches_cpu(torch::empty({0, 3}, torch::kCUDA) + 1, torch::empty({0, 3}) + 1));
}

TEST(CudaKernels, UnaryFloatFamily) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : kFloats) {
    Tensor h = values(dt, {6, 17}, 5);
    Tensor hp = h.abs() + 0.5;  // positive, for log/sqrt
    Tensor hu = h.clamp(-0.9, 0.9);
    Tensor d = h.cuda(), dp = hp.cuda(), du = hu.cuda();
    double t = dt == kFloat ? 1e-5 : dt == kDouble ? 1e-12 : tol(dt);
    std::string what = toString(dt);
    EXPECT_TRUE(matches_cpu(-d, -h, t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.abs(), h.abs(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.relu(), h.relu(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.square(), h.square(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.sign(), h.sign(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.floor(), h.floor(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.ceil(), h.ceil(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.round(), h.round(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.trunc(), h.trunc(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.frac(), h.frac(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.exp(), h.exp(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.exp2(), h.exp2(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.expm1(), h.expm1(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(dp.log(), hp.log(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(dp.log2(), hp.log2(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(dp.log10(), hp.log10(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(dp.log1p(), hp.log1p(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(dp.sqrt(), hp.sqrt(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(dp.rsqrt(), hp.rsqrt(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(dp.reciprocal(), hp.reciprocal(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.sin(), h.sin(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.cos(), h.cos(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(du.tan(), hu.tan(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.tanh(), h.tanh(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.sigmoid(), h.sigmoid(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(du.asin(), hu.asin(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(du.acos(), hu.acos(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.atan(), h.atan(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(du.sinh(), hu.sinh(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(du.cosh(), hu.cosh(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.erf(), h.erf(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.erfc(), h.erfc(), t, t)) << what;
    // Non-contiguous input.
    EXPECT_TRUE(matches_cpu(d.t().exp(), h.t().exp(), t, t)) << what;
  }
  // Integer inputs: neg/abs keep the dtype, float ops promote.
  Tensor hi = values(kLong, {4, 4}, 9);
  EXPECT_TRUE(matches_cpu(-hi.cuda(), -hi));
  EXPECT_TRUE(matches_cpu(hi.cuda().abs(), hi.abs()));
  EXPECT_TRUE(matches_cpu(hi.cuda().exp(), hi.exp()));
}

TEST(CudaKernels, SumAndMean) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong, kBool}) {
    Tensor h = values(dt, {5, 6, 7}, 7);
    Tensor d = h.cuda();
    double t = isFloatingType(dt) ? tol(dt) * 10 : 0;
    std::string what = toString(dt);
    EXPECT_TRUE(matches_cpu(d.sum(), h.sum(), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.sum(0), h.sum(0), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.sum(1), h.sum(1), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.sum(2), h.sum(2), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.sum({0, 2}, true), h.sum({0, 2}, true), t, t)) << what;
    EXPECT_TRUE(matches_cpu(d.permute({2, 0, 1}).sum(1), h.permute({2, 0, 1}).sum(1), t, t))
        << what;
    if (isFloatingType(dt)) {
      EXPECT_TRUE(matches_cpu(d.mean(), h.mean(), t, t)) << what;
      EXPECT_TRUE(matches_cpu(d.mean({1}), h.mean({1}), t, t)) << what;
    }
  }
  // Long rows take the two-pass path.
  Tensor big = values(kFloat, {3, 300000}, 8);
  EXPECT_TRUE(matches_cpu(big.cuda().sum(1), big.sum(1), 1e-4, 1e-2));
  EXPECT_TRUE(matches_cpu(big.cuda().sum(), big.sum(), 1e-4, 1e-1));
  EXPECT_TRUE(matches_cpu(torch::ones({0, 4}, torch::kCUDA).sum(0), torch::zeros({4})));
}

TEST(CudaKernels, AutogradOnDevice) {
  EMBER_REQUIRE_CUDA();
  Tensor x =
      torch::randn({3, 4}, torch::device(torch::kCUDA).dtype(torch::kDouble)).requires_grad_(true);
  Tensor y = (x * x + x.exp()).sum();
  y.backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_TRUE(x.grad().is_cuda());
  Tensor xh = x.detach().cpu();
  EXPECT_TRUE(matches_cpu(x.grad(), xh * 2 + xh.exp(), 1e-10, 1e-10));
}

// Non-contiguous operands past 2^31 bytes are split into pieces 32-bit index math can address
// (GPT-2's [16384, 50257] float logits in cross_entropy's backward need it).
TEST(CudaKernels, LargeNonContiguousOperandsAreSplit) {
  EMBER_REQUIRE_CUDA();
  const int64_t n = 190'000'000;  // 3 x n floats = 2.28 GB
  torch::Tensor x = torch::arange(3, torch::TensorOptions(torch::kFloat).device(torch::kCUDA))
                        .view({3, 1})
                        .expand({3, n})
                        .contiguous();
  torch::Tensor y = x.t() * 2 + 1;  // [n, 3] from a transposed view
  ASSERT_EQ(y.sizes(), torch::IntArrayRef({n, 3}));
  torch::Tensor want = torch::tensor({1.f, 3.f, 5.f}).cuda();
  for (int64_t row : {int64_t{0}, int64_t{1}, n / 2, n - 2, n - 1}) {
    EXPECT_TRUE(torch::equal(y[row], want)) << row;
  }
  EXPECT_TRUE(torch::equal(y.amax(0), want));
  EXPECT_TRUE(torch::equal(y.amin(0), want));
}

// Reductions over few long columns or rows run in chunks (a bias gradient [16384, 768] -> [768],
// layer norm's weight gradient, a gradient's norm in clip_grad_norm_): same values as the CPU.
TEST(CudaKernels, TallAndLongReductionsInChunks) {
  EMBER_REQUIRE_CUDA();
  torch::manual_seed(3);
  torch::Tensor tall = torch::randn({20000, 37}, torch::kDouble);
  EXPECT_TRUE(ember::testing::matches_cpu(tall.cuda().sum(0), tall.sum(0), 1e-10, 1e-10));
  torch::Tensor tall_f = tall.to(torch::kFloat);
  EXPECT_TRUE(ember::testing::matches_cpu(tall_f.cuda().sum(0), tall_f.sum(0), 1e-4, 1e-3));
  torch::Tensor x = torch::randn({20000, 48}, torch::kDouble);
  torch::Tensor w = torch::randn({48}, torch::kDouble), b = torch::randn({48}, torch::kDouble);
  torch::Tensor g = torch::randn({20000, 48}, torch::kDouble);
  auto grads = [&](const torch::Tensor& xx, const torch::Tensor& ww, const torch::Tensor& bb,
                   const torch::Tensor& gg) {
    torch::Tensor wr = ww.detach().requires_grad_(), br = bb.detach().requires_grad_();
    torch::Tensor y = torch::layer_norm(xx, {48}, wr, br);
    return torch::autograd::grad({y}, {wr, br}, {gg});
  };
  auto cpu = grads(x, w, b, g);
  auto dev = grads(x.cuda(), w.cuda(), b.cuda(), g.cuda());
  EXPECT_TRUE(ember::testing::matches_cpu(dev[0], cpu[0], 1e-9, 1e-9));
  EXPECT_TRUE(ember::testing::matches_cpu(dev[1], cpu[1], 1e-9, 1e-9));
  torch::Tensor v = torch::randn({3'000'001}, torch::kDouble);
  v[1234567] = 40.0;
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {2.0, 1.0, 3.0, 0.0, inf, -inf}) {
    EXPECT_TRUE(ember::testing::matches_cpu(v.cuda().norm(p), v.norm(p), 1e-10, 1e-10)) << p;
  }
  torch::Tensor rows = torch::randn({3, 500'000}, torch::kDouble);
  EXPECT_TRUE(
      ember::testing::matches_cpu(rows.cuda().norm(2, {1}), rows.norm(2, {1}), 1e-10, 1e-10));
  v[7] = NAN;
  EXPECT_TRUE(std::isnan(v.cuda().norm(2).item<double>()));
  EXPECT_TRUE(std::isnan(v.cuda().norm(inf).item<double>()));
}
