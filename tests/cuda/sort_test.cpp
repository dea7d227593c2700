// CUDA sort/argsort/topk/msort, nonzero and median/nanmedian (src/cuda/sort.cu) against the CPU
// kernels, element for element: the same order of ties (stable in both directions), NaN as the
// largest value, -0.0 tied with 0.0, the same indices; every dtype, odd shapes and strides.
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "cuda/cuda_test.h"

using namespace ember;

namespace {

const ScalarType kAllTypes[] = {kBool, kByte, kChar,  kShort,    kInt,
                                kLong, kHalf, kFloat, kBFloat16, kDouble};
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Values with many ties (halves in [-6, 6]); for floating dtypes, with specials mixed in at
// every `every`-th position (0: none): NaN, -NaN, -0.0, 0.0, inf, -inf.
Tensor values(ScalarType dt, IntArrayRef shape, int seed, int every = 0) {
  torch::manual_seed(seed);
  Tensor x = (torch::randn(shape, torch::kDouble) * 3).round() / 2;
  if (dt == kBool) return x.gt(0);
  if (dt == kByte) return x.abs().mul(2).to(dt);
  if (isIntegralType(dt, false)) return x.mul(2).to(dt);
  if (every > 0) {
    x = x.contiguous();
    double* p = x.data_ptr<double>();
    const double specials[] = {kNan, -kNan, -0.0, 0.0, kInf, -kInf, kNan};
    for (int64_t i = 0, j = seed; i < x.numel(); i += every, ++j) p[i] = specials[j % 7];
  }
  return x.to(dt);
}

// Exactly equal (bit for bit up to NaN payloads: the sign of zeros counts, NaN equals NaN).
::testing::AssertionResult same(const Tensor& d, const Tensor& h) {
  if (!d.is_cuda()) return ::testing::AssertionFailure() << "result is on " << d.device();
  Tensor a = d.cpu();
  if (a.dtype() != h.dtype())
    return ::testing::AssertionFailure()
           << "dtype " << toString(a.dtype()) << " vs " << toString(h.dtype());
  std::vector<int64_t> sa(a.sizes().begin(), a.sizes().end());
  std::vector<int64_t> sh(h.sizes().begin(), h.sizes().end());
  if (sa != sh)
    return ::testing::AssertionFailure() << "sizes " << a.sizes() << " vs " << h.sizes();
  Tensor x = a.to(kDouble).contiguous(), y = h.to(kDouble).contiguous();
  const double* p = x.data_ptr<double>();
  const double* q = y.data_ptr<double>();
  for (int64_t i = 0; i < x.numel(); ++i) {
    bool ok = (std::isnan(p[i]) && std::isnan(q[i])) ||
              (p[i] == q[i] && std::signbit(p[i]) == std::signbit(q[i]));
    if (!ok)
      return ::testing::AssertionFailure()
             << "element " << i << " (flat): cuda " << p[i] << " vs cpu " << q[i];
  }
  return ::testing::AssertionSuccess();
}

using MultiOp = std::function<std::vector<Tensor>(const Tensor&)>;

// Runs f on the CPU tensor and on its CUDA copy: the same results, or both throw.
void check(const MultiOp& f, const Tensor& h, const std::string& what) {
  std::vector<Tensor> expect;
  try {
    expect = f(h);
  } catch (const std::exception&) {
    EXPECT_THROW(f(h.cuda()), std::exception) << what;
    return;
  }
  std::vector<Tensor> got = f(h.cuda());
  ASSERT_EQ(got.size(), expect.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_TRUE(same(got[i], expect[i])) << what << " #" << i;
}

std::vector<Tensor> pair(const std::tuple<Tensor, Tensor>& t) {
  return {std::get<0>(t), std::get<1>(t)};
}

std::string label(ScalarType dt, IntArrayRef shape, const char* op) {
  std::ostringstream s;
  s << op << " " << toString(dt) << " " << shape;
  return s.str();
}

}  // namespace

TEST(CudaSort, SortArgsortTopkEveryDtype) {
  EMBER_REQUIRE_CUDA();
  const std::vector<std::vector<int64_t>> shapes = {{1},       {2},     {31},   {1000}, {70000},
                                                    {5000, 3}, {7, 33}, {3, 1}, {2, 0}, {0, 4}};
  for (ScalarType dt : kAllTypes) {
    for (const auto& shape : shapes) {
      Tensor h = values(dt, shape, static_cast<int>(shape.size() * 7 + shape[0] % 13), 5);
      for (bool desc : {false, true}) {
        std::string what = label(dt, shape, desc ? "descending" : "ascending");
        check([&](const Tensor& x) { return pair(x.sort(-1, desc)); }, h, what + " sort");
        check([&](const Tensor& x) { return pair(torch::sort(x, true, -1, desc)); }, h,
              what + " stable sort");
        check([&](const Tensor& x) { return std::vector<Tensor>{x.argsort(-1, desc)}; }, h,
              what + " argsort");
        const int64_t n = h.size(-1);
        for (int64_t k : {int64_t(0), std::min<int64_t>(1, n), std::min<int64_t>(5, n), n}) {
          check([&](const Tensor& x) { return pair(x.topk(k, -1, desc)); }, h,
                what + " topk " + std::to_string(k));
        }
      }
      check([&](const Tensor& x) { return std::vector<Tensor>{x.msort()}; }, h,
            label(dt, shape, "msort"));
    }
  }
}

TEST(CudaSort, SpecialValuesAndTies) {
  EMBER_REQUIRE_CUDA();
  const std::vector<double> v = {kNan, 1.0,  -0.0, 0.0,  kInf, -kInf, -kNan, 1.0,
                                 0.0,  -0.0, -2.5, kNan, 1.0,  -kInf, kInf,  -2.5};
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor h = torch::tensor(v, torch::kDouble).to(dt);
    for (bool desc : {false, true}) {
      std::string what = label(dt, h.sizes(), desc ? "descending" : "ascending");
      check([&](const Tensor& x) { return pair(x.sort(-1, desc)); }, h, what);
      check([&](const Tensor& x) { return pair(x.topk(6, -1, desc)); }, h, what + " topk");
      // Many rows of the same specials (the segmented path).
      check(
          [&](const Tensor& x) {
            return pair(x.expand({9, 16}).contiguous().sort(-1, desc));
          },
          h, what + " rows");
    }
    // All NaN, all equal.
    check([&](const Tensor& x) { return pair(x.sort()); }, torch::full({40}, kNan).to(dt),
          "all NaN");
    check([&](const Tensor& x) { return pair(x.sort(-1, true)); }, torch::zeros({40}).to(dt),
          "all zero");
  }
  // Integer extremes (signed keys).
  Tensor big = torch::tensor(std::vector<int64_t>{std::numeric_limits<int64_t>::max(), -1, 0,
                                                  std::numeric_limits<int64_t>::min(), 1, -1});
  for (bool desc : {false, true})
    check([&](const Tensor& x) { return pair(x.sort(-1, desc)); }, big, "int64 extremes");
  Tensor i8 = torch::tensor(std::vector<int64_t>{127, -128, 0, -1, 1, -128, 127}).to(kChar);
  for (bool desc : {false, true})
    check([&](const Tensor& x) { return pair(x.sort(-1, desc)); }, i8, "int8 extremes");
  Tensor u8 = torch::tensor(std::vector<int64_t>{255, 0, 128, 127, 1, 255}).to(kByte);
  for (bool desc : {false, true})
    check([&](const Tensor& x) { return pair(x.sort(-1, desc)); }, u8, "uint8 extremes");
}

TEST(CudaSort, StridesMiddleDimAndGradients) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kLong, kHalf}) {
    Tensor h = values(dt, {4, 50, 6}, 3, 7);
    for (bool desc : {false, true}) {
      std::string what = label(dt, h.sizes(), desc ? "descending" : "ascending");
      check([&](const Tensor& x) { return pair(x.sort(1, desc)); }, h, what + " dim 1");
      check([&](const Tensor& x) { return pair(x.sort(0, desc)); }, h, what + " dim 0");
      check([&](const Tensor& x) { return pair(x.transpose(0, 2).sort(-1, desc)); }, h,
            what + " transposed");
      check([&](const Tensor& x) { return pair(x.slice(1, 1, 50, 3).sort(1, desc)); }, h,
            what + " strided slice");
      check([&](const Tensor& x) { return pair(x.topk(7, 1, desc)); }, h, what + " topk dim 1");
      check([&](const Tensor& x) { return std::vector<Tensor>{x.argsort(1, desc)}; }, h,
            what + " argsort dim 1");
    }
  }
  // 0-dim input.
  check([](const Tensor& x) { return pair(x.sort()); }, torch::tensor(2.5), "0-dim sort");
  check([](const Tensor& x) { return pair(x.topk(1)); }, torch::tensor(2.5), "0-dim topk");
  // Gradients of sort and topk through the selected indices.
  Tensor h = values(kDouble, {5, 9}, 11);
  for (bool desc : {false, true}) {
    Tensor w = torch::randn({5, 9}, torch::kDouble);
    Tensor hx = h.clone().requires_grad_();
    Tensor dx = h.cuda().requires_grad_();
    (std::get<0>(hx.sort(1, desc)) * w).sum().backward();
    (std::get<0>(dx.sort(1, desc)) * w.cuda()).sum().backward();
    EXPECT_TRUE(same(dx.grad(), hx.grad())) << "sort grad";
    Tensor hy = h.clone().requires_grad_();
    Tensor dy = h.cuda().requires_grad_();
    (std::get<0>(hy.topk(3, 0, desc)) * w.narrow(0, 0, 3)).sum().backward();
    (std::get<0>(dy.topk(3, 0, desc)) * w.narrow(0, 0, 3).cuda()).sum().backward();
    EXPECT_TRUE(same(dy.grad(), hy.grad())) << "topk grad";
  }
}

TEST(CudaNonzero, EveryDtypeAndShape) {
  EMBER_REQUIRE_CUDA();
  const std::vector<std::vector<int64_t>> shapes = {
      {}, {1}, {0}, {3, 0, 2}, {37}, {6, 7}, {2, 3, 1, 4, 5}};
  auto nz = [](const Tensor& x) { return std::vector<Tensor>{x.nonzero()}; };
  for (ScalarType dt : kAllTypes) {
    for (const auto& shape : shapes) {
      Tensor h = values(dt, shape, 5, 4);
      check(nz, h, label(dt, shape, "nonzero"));
      check(nz, torch::zeros(shape).to(dt), label(dt, shape, "nonzero all-zero"));
      check(nz, torch::ones(shape).to(dt), label(dt, shape, "nonzero all-nonzero"));
    }
    Tensor h = values(dt, {5, 6, 7}, 9, 3);
    check(nz, h.transpose(0, 2), label(dt, h.sizes(), "nonzero transposed"));
    check(nz, h.slice(1, 0, 6, 2), label(dt, h.sizes(), "nonzero strided"));
    check(nz, h.select(2, 3), label(dt, h.sizes(), "nonzero select"));
    check(nz, h.slice(0, 0, 1).expand({4, 6, 7}), label(dt, h.sizes(), "nonzero expanded"));
  }
  // NaN counts as nonzero, -0.0 as zero.
  check(nz, torch::tensor(std::vector<double>{kNan, -0.0, 0.0, 1.0, -kNan}).to(kHalf), "NaN/-0");
  check(nz, torch::tensor(std::vector<double>{kNan, -0.0, 0.0, 1.0, -kNan}), "NaN/-0 double");
  // Large: over 2^20 elements, half nonzero, and a large all-nonzero one.
  Tensor big = values(kFloat, {int64_t(37) * 28342}, 13);  // 2^20 + 78
  check(nz, big, "large");
  check(nz, big.reshape({-1, 37}).ne(0.5), "large 2-D");
  check(nz, torch::ones({3, 1 << 19}, torch::kInt), "large all-nonzero");
  // The public variants on CUDA.
  Tensor d = values(kFloat, {4, 5}, 2).cuda();
  EXPECT_TRUE(same(d.argwhere(), values(kFloat, {4, 5}, 2).argwhere()));
}

TEST(CudaMedian, MedianNanmedianRowsTiesAndNan) {
  EMBER_REQUIRE_CUDA();
  auto med = [](int64_t dim, bool keepdim, bool ignore_nan) {
    return [=](const Tensor& x) {
      return pair(ignore_nan ? x.nanmedian(dim, keepdim) : x.median(dim, keepdim));
    };
  };
  for (ScalarType dt : kAllTypes) {
    for (int64_t n : {1, 2, 3, 4, 7, 8, 1000}) {
      Tensor h = values(dt, {6, n}, static_cast<int>(n));
      if (isFloatingType(dt)) {
        // Row 1: one NaN; row 2: two NaNs; row 3: all NaN; row 4: -0.0/0.0 ties.
        Tensor x = h.to(kDouble).contiguous();
        double* p = x.data_ptr<double>();
        p[1 * n + n / 2] = kNan;
        p[2 * n + (n - 1)] = kNan;
        p[2 * n] = -kNan;
        for (int64_t i = 0; i < n; ++i) p[3 * n + i] = kNan;
        for (int64_t i = 0; i < n; ++i) p[4 * n + i] = i % 2 ? -0.0 : 0.0;
        h = x.to(dt);
      }
      for (bool ignore_nan : {false, true}) {
        std::string what = label(dt, h.sizes(), ignore_nan ? "nanmedian" : "median");
        check(med(1, false, ignore_nan), h, what + " dim 1");
        check(med(-1, true, ignore_nan), h, what + " keepdim");
        check(med(0, false, ignore_nan), h, what + " dim 0");
        check(med(0, true, ignore_nan), h.t(), what + " transposed");
        check(
            [=](const Tensor& x) {
              return std::vector<Tensor>{ignore_nan ? x.nanmedian() : x.median()};
            },
            h, what + " all");
        check(
            [=](const Tensor& x) {
              return std::vector<Tensor>{ignore_nan ? x.narrow(0, 0, 1).nanmedian()
                                                    : x.narrow(0, 0, 1).median()};
            },
            h, what + " all, no NaN");
      }
    }
  }
  // 0-dim and a [many, 3] shape.
  check(med(0, false, false), torch::tensor(1.5), "0-dim median");
  check(med(0, true, true), torch::tensor(kNan), "0-dim nanmedian");
  check(med(1, false, true), values(kFloat, {5000, 3}, 4, 5), "many short rows");
  check(med(0, false, false), values(kFloat, {70001}, 4, 11), "one long row");
}

TEST(CudaMedian, Gradients) {
  EMBER_REQUIRE_CUDA();
  Tensor h = values(kDouble, {5, 8}, 21, 9);
  for (bool ignore_nan : {false, true}) {
    for (int64_t dim : {0, 1}) {
      Tensor w = torch::randn({dim == 0 ? 8 : 5}, torch::kDouble);
      Tensor hx = h.clone().requires_grad_();
      Tensor dx = h.cuda().requires_grad_();
      auto hr = ignore_nan ? hx.nanmedian(dim) : hx.median(dim);
      auto dr = ignore_nan ? dx.nanmedian(dim) : dx.median(dim);
      // The gradient is w scattered to the picked indices (finite even where the value is NaN).
      (std::get<0>(hr) * w).sum().backward();
      (std::get<0>(dr) * w.cuda()).sum().backward();
      EXPECT_TRUE(same(dx.grad(), hx.grad())) << (ignore_nan ? "nanmedian" : "median") << dim;
    }
    Tensor hy = h.narrow(0, 0, 1).clone().requires_grad_();
    Tensor dy = h.narrow(0, 0, 1).cuda().requires_grad_();
    (ignore_nan ? hy.nanmedian() : hy.median()).backward();
    (ignore_nan ? dy.nanmedian() : dy.median()).backward();
    EXPECT_TRUE(same(dy.grad(), hy.grad())) << "full reduction";
  }
}
