// src/cpu/activation.cpp: the activation kernels (one expression per element in the dtype's
// compute type; gelu/silu through the vector math tables), prelu, rrelu's noise, gelu_backward.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"
#include "src/cpu/vec_math.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();
const double kPi = 3.14159265358979323846;

double clip(double x, double lo, double hi) { return x < lo ? lo : (x > hi ? hi : x); }

struct Act {
  const char* name;
  std::function<Tensor(const Tensor&)> op;
  std::function<double(double)> ref;  // PyTorch's definition, in double
  double lo, hi;                      // input range
};

const std::vector<Act>& acts() {
  static const std::vector<Act> v = {
      {"gelu", [](const Tensor& x) { return gelu(x); },
       [](double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }, -6, 6},
      {"gelu_tanh", [](const Tensor& x) { return gelu(x, "tanh"); },
       [](double x) {
         return 0.5 * x * (1 + std::tanh(std::sqrt(2 / kPi) * (x + 0.044715 * x * x * x)));
       },
       -6, 6},
      {"silu", [](const Tensor& x) { return silu(x); },
       [](double x) { return x / (1 + std::exp(-x)); }, -20, 20},
      {"mish", [](const Tensor& x) { return mish(x); },
       [](double x) { return x * std::tanh(std::log1p(std::exp(x))); }, -10, 10},
      {"softplus", [](const Tensor& x) { return softplus(x, 2.0, 3.0); },
       [](double x) { return 2 * x > 3 ? x : std::log1p(std::exp(2 * x)) / 2; }, -5, 5},
      {"elu", [](const Tensor& x) { return elu(x, 0.5, 1.5, 2.0); },
       [](double x) { return 1.5 * (x > 0 ? x : 0.5 * (std::exp(2 * x) - 1)); }, -4, 4},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); },
       [](double x) { return x > 0 ? x : 0.2 * x; }, -4, 4},
      {"hardtanh", [](const Tensor& x) { return hardtanh(x, -1.0, 2.0); },
       [](double x) { return clip(x, -1, 2); }, -4, 4},
      {"hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); },
       [](double x) { return clip(x + 3, 0, 6) / 6; }, -5, 5},
      {"hardswish", [](const Tensor& x) { return hardswish(x); },
       [](double x) { return x * clip(x + 3, 0, 6) / 6; }, -5, 5},
      {"logit", [](const Tensor& x) { return logit(x, 0.25); },
       [](double x) {
         x = clip(x, 0.25, 0.75);
         return std::log(x / (1 - x));
       },
       0.01, 0.99},
      {"log_sigmoid", [](const Tensor& x) { return log_sigmoid(x); },
       [](double x) { return -std::log1p(std::exp(-x)); }, -20, 20},
      {"softshrink", [](const Tensor& x) { return softshrink(x, 0.5); },
       [](double x) { return x > 0.5 ? x - 0.5 : (x < -0.5 ? x + 0.5 : 0.0); }, -2, 2},
      {"hardshrink", [](const Tensor& x) { return hardshrink(x, 0.5); },
       [](double x) { return std::fabs(x) <= 0.5 ? 0.0 : x; }, -2, 2},
      {"threshold", [](const Tensor& x) { return threshold(x, 0.5, -9.0); },
       [](double x) { return x <= 0.5 ? -9.0 : x; }, -2, 2},
  };
  return v;
}

// Every activation, every floating dtype, lengths around the vector widths, contiguous and
// strided inputs, and a long input split over threads, against its definition in double.
TEST(CpuActivation, KernelsMatchDoubleReference) {
  manual_seed(1);
  Threads threads(4);
  for (const Act& a : acts()) {
    for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
      for (int64_t n : kSizes) {
        for (bool strided : {false, true}) {
          Tensor x = make(n, dt, a.lo, a.hi, strided);
          Tensor y = a.op(x);
          EXPECT_EQ(y.dtype(), dt);
          EXPECT_TRUE(matches(y, each(a.ref, x), 4 * tol_for(dt)))
              << a.name << " " << toString(dt) << " n=" << n << " strided=" << strided;
        }
      }
    }
    Tensor x = make(kSplit, kFloat, a.lo, a.hi);
    EXPECT_TRUE(matches(a.op(x), each(a.ref, x), 4 * tol_for(kFloat))) << a.name;
  }
}

// NaN, +-inf and the sign of zero as PyTorch 1.13 gives them (float32), e.g.
// torch.nn.functional.mish(torch.tensor([nan, inf, -inf, -0., 0.])).
TEST(CpuActivation, SpecialValuesMatchPyTorch) {
  struct Want {
    const char* name;
    std::vector<double> y;
  };
  const std::vector<Want> want = {
      {"gelu", {kNan, kInf, kNan, 0.0, 0.0}},
      {"silu", {kNan, kInf, kNan, -0.0, 0.0}},
      {"mish", {kNan, kInf, kNan, -0.0, 0.0}},
      {"leaky_relu", {kNan, kInf, -kInf, -0.0, 0.0}},
      {"hardsigmoid", {kNan, 1.0, 0.0, 0.5, 0.5}},
      {"hardswish", {kNan, kInf, kNan, -0.0, 0.0}},
      {"log_sigmoid", {kNan, 0.0, -kInf, -0.6931471824645996, -0.6931471824645996}},
      {"softshrink", {0.0, kInf, -kInf, 0.0, 0.0}},
      {"hardshrink", {kNan, kInf, -kInf, 0.0, 0.0}},
      {"threshold", {kNan, kInf, -9.0, -9.0, -9.0}},
  };
  Tensor x = tensor({kNan, kInf, -kInf, -0.0, 0.0});
  for (const Want& w : want) {
    for (const Act& a : acts()) {
      if (std::string(a.name) != w.name) continue;
      EXPECT_TRUE(exactly(a.op(x), w.y)) << w.name;
    }
  }
  // softplus / elu at the infinities: torch gives [inf, 0.] and [inf, -1.].
  EXPECT_TRUE(matches(softplus(tensor({kInf, -kInf})), {kInf, 0.0}, 0));
  EXPECT_TRUE(matches(elu(tensor({kInf, -kInf})), {kInf, -1.0}, 0));
}

// gelu and silu run through the vector math tables: the same values on every ISA, in place
// (the table's output aliasing its input) and out of place, contiguous and strided.
TEST(CpuActivation, VectorisedGeluSiluOnEveryIsa) {
  using cpu::vec::Isa;
  Isa prev = cpu::vec::active_isa();
  Tensor x = make(1000, kFloat, -8, 8, true);
  Tensor want = gelu(x.contiguous());
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
    if (!cpu::vec::isa_available(isa)) continue;
    cpu::vec::set_active_isa(isa);
    for (int64_t n : kSizes) {
      Tensor xs = x.slice(0, 0, n);
      EXPECT_TRUE(matches(gelu(xs), values(want.slice(0, 0, n)), 4e-7)) << n;
      Tensor inplace = xs.clone();
      gelu_(inplace);
      EXPECT_TRUE(inplace.equal(gelu(xs.contiguous()))) << n;
      Tensor s = xs.to(kDouble);
      silu_(s);
      EXPECT_TRUE(matches(s, each([](double v) { return v / (1 + std::exp(-v)); }, xs), 1e-14));
    }
  }
  cpu::vec::set_active_isa(prev);
}

// The clamp-like kernels take every numeric dtype: integer parameters truncate, as Scalar::to.
TEST(CpuActivation, IntegerHardtanhAndThreshold) {
  for (ScalarType dt : {kChar, kShort, kInt, kLong}) {
    for (int64_t n : {int64_t(9), int64_t(17), kSplit}) {
      Tensor x = randint(-50, 50, {n}, TensorOptions(dt));
      Tensor xs = randint(-50, 50, {2 * n}, TensorOptions(dt)).slice(0, 0, 2 * n, 2);
      for (const Tensor& in : {x, xs}) {
        EXPECT_TRUE(
            matches(hardtanh(in, -7, 20), each([](double v) { return clip(v, -7, 20); }, in), 0))
            << toString(dt);
        EXPECT_TRUE(
            matches(threshold(in, 3, -1), each([](double v) { return v <= 3 ? -1 : v; }, in), 0))
            << toString(dt);
      }
    }
  }
  Tensor u = tensor({0, 5, 200}).to(kByte);
  EXPECT_TRUE(matches(hardtanh(u, 2, 100), {2, 5, 100}, 0));
}

// prelu's two-input kernel: a weight per channel (a strided operand) and a single weight (a
// broadcast one), in every floating dtype.
TEST(CpuActivation, PreluChannelAndSharedWeight) {
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    for (int64_t n : {int64_t(1), int64_t(17), int64_t(100)}) {
      Tensor x = (randn({3, 5, n}) * 3).to(dt), w = (rand({5}) - 0.5).to(dt);
      Tensor y = prelu(x, w);
      Tensor xd = x.to(kDouble), wd = w.to(kDouble).reshape({5, 1});
      Tensor want = where(xd > 0, xd, xd * wd);
      EXPECT_TRUE(matches(y, values(want), tol_for(dt))) << toString(dt) << " " << n;
      Tensor w1 = w.slice(0, 0, 1);
      EXPECT_TRUE(
          matches(prelu(x, w1), values(where(xd > 0, xd, xd * w1.to(kDouble))), tol_for(dt)));
    }
  }
}

// rrelu's noise in training: x where x > 0, else x * u with u in [lower, upper], each element
// its own draw; in eval the slope is (lower + upper) / 2.
TEST(CpuActivation, RreluNoise) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = randn({1000}, dt);
    Tensor y = rrelu(x, 0.1, 0.3, /*training=*/true);
    std::vector<double> xv = values(x), yv = values(y);
    std::vector<double> slopes;
    for (size_t i = 0; i < xv.size(); ++i) {
      if (xv[i] > 0) {
        EXPECT_EQ(yv[i], xv[i]);
      } else {
        double s = yv[i] / xv[i];
        EXPECT_GE(s, 0.1 - 1e-6);
        EXPECT_LE(s, 0.3 + 1e-6);
        slopes.push_back(s);
      }
    }
    std::sort(slopes.begin(), slopes.end());
    ASSERT_GT(slopes.size(), 100u);
    EXPECT_GT(std::unique(slopes.begin(), slopes.end()) - slopes.begin(), 100);
    EXPECT_TRUE(matches(rrelu(x, 0.1, 0.3, false),
                        each([](double v) { return v > 0 ? v : 0.2 * v; }, x), tol_for(dt)));
  }
}

// threshold_backward (relu's and threshold's input gradient, one pass): self <= threshold ? 0 :
// grad, exactly (NaN in self lets grad through, the threshold itself gives 0, -0 gives 0), for
// float, double and the 16-bit types, contiguous and strided, and the same values as the
// formula with ember ops that double backward records.
TEST(CpuActivation, ThresholdBackwardKernel) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor x = tensor({-2.f, -0.f, 0.f, 0.5f, nan, 3.f, 1.f, -1.f}).to(dt);
    Tensor g = tensor({1.f, 2.f, 3.f, 4.f, 5.f, nan, 7.f, 8.f}).to(dt);
    Tensor xr = x.clone().requires_grad_();
    Tensor gx = autograd::grad({relu(xr)}, {xr}, {g})[0];
    // relu saves its result: max(x, 0) (NaN stays NaN, -0 becomes 0).
    std::vector<double> want = {0, 0, 0, 4, 5, nan, 7, 0};
    EXPECT_TRUE(exactly(gx, want)) << toString(dt);
    Tensor xt = x.clone().requires_grad_();
    Tensor gt = autograd::grad({threshold(xt, 0.5, -9.0)}, {xt}, {g})[0];
    std::vector<double> want_t = {0, 0, 0, 0, 5, nan, 7, 0};  // 0.5 <= 0.5: zero
    EXPECT_TRUE(exactly(gt, want_t)) << toString(dt);
  }
  for (int64_t n : {int64_t(7), int64_t(100), kSplit}) {
    Tensor x = make(2 * n, kFloat, -3, 3).requires_grad_();
    Tensor g = make(2 * n, kFloat, -1, 1).slice(0, 0, 2 * n, 2);  // strided grad
    Tensor y = relu(x.slice(0, 0, 2 * n, 2));
    Tensor gx = autograd::grad({y}, {x}, {g})[0].slice(0, 0, 2 * n, 2);
    Tensor want = where(y.detach() <= 0, 0, g);
    EXPECT_TRUE(gx.equal(want)) << n;
    // A recorded backward (create_graph) takes the formula; the same values.
    Tensor x2 = x.detach().slice(0, 0, 2 * n, 2).clone().requires_grad_();
    Tensor g2 = autograd::grad({relu(x2)}, {x2}, {g}, /*retain_graph=*/true,
                               /*create_graph=*/true)[0];
    EXPECT_TRUE(g2.detach().equal(want)) << n;
  }
}

// gelu_backward: g * d/dx gelu(x) (exact and tanh forms), against the derivative in double.
TEST(CpuActivation, GeluBackwardKernel) {
  for (bool approx : {false, true}) {
    for (ScalarType dt : {kFloat, kDouble}) {
      for (int64_t n : {int64_t(7), int64_t(100), kSplit}) {
        Tensor x = make(n, dt, -6, 6).requires_grad_();
        Tensor g = make(n, dt, -1, 1);
        Tensor y = gelu(x, approx ? "tanh" : "none");
        Tensor gx = autograd::grad({y}, {x}, {g})[0];
        auto d = [approx](double v) {
          if (!approx)
            return 0.5 * (1 + std::erf(v / std::sqrt(2.0))) +
                   v * std::exp(-v * v / 2) / std::sqrt(2 * kPi);
          double k = std::sqrt(2 / kPi), u = k * (v + 0.044715 * v * v * v), t = std::tanh(u);
          return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * k * (1 + 3 * 0.044715 * v * v);
        };
        EXPECT_TRUE(matches(gx, each([&](double v, double w) { return w * d(v); }, x.detach(), g),
                            4 * tol_for(dt)))
            << approx << " " << toString(dt) << " " << n;
      }
    }
  }
}

}  // namespace
