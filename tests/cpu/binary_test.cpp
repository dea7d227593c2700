// src/cpu/binary.cpp: the binary kernels (arithmetic, comparisons, the division family, pow,
// min/max, logical, bitwise and shifts) on every dtype family and operand layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kNan = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

struct Op2 {
  const char* name;
  std::function<Tensor(const Tensor&, const Tensor&)> op;
  std::function<double(double, double)> ref;
  double lo, hi, blo, bhi;  // ranges of a and b
  double gap = 0;           // b kept this far from zero (quotients stay inside half's range)
};

// Python's floor division and remainder, exact for float inputs in long double.
double floor_div(double a, double b) {
  return static_cast<double>(std::floor(static_cast<long double>(a) / b));
}
double py_mod(double a, double b) {
  double m = std::fmod(a, b);
  return m != 0 && ((b < 0) != (m < 0)) ? m + b : m;
}

const std::vector<Op2>& float_ops() {
  static const std::vector<Op2> v = {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; },
       [](double a, double b) { return a + b; }, -10, 10, -10, 10},
      {"add_alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); },
       [](double a, double b) { return a + 2.5 * b; }, -10, 10, -10, 10},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; },
       [](double a, double b) { return a - b; }, -10, 10, -10, 10},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; },
       [](double a, double b) { return a * b; }, -10, 10, -10, 10},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; },
       [](double a, double b) { return a / b; }, -10, 10, 0.5, 10},
      {"floor_divide", [](const Tensor& a, const Tensor& b) { return floor_divide(a, b); },
       floor_div, -100, 100, -7, 7, 0.25},
      {"remainder", [](const Tensor& a, const Tensor& b) { return remainder(a, b); }, py_mod, -100,
       100, -7, 7, 0.25},
      {"fmod", [](const Tensor& a, const Tensor& b) { return fmod(a, b); },
       [](double a, double b) { return std::fmod(a, b); }, -100, 100, -7, 7, 0.25},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); },
       [](double a, double b) { return std::pow(a, b); }, 0.1, 4, -3, 3},
      {"atan2", [](const Tensor& a, const Tensor& b) { return atan2(a, b); },
       [](double a, double b) { return std::atan2(a, b); }, -3, 3, -3, 3},
      {"hypot", [](const Tensor& a, const Tensor& b) { return hypot(a, b); },
       [](double a, double b) { return std::hypot(a, b); }, -3, 3, -3, 3},
      {"copysign", [](const Tensor& a, const Tensor& b) { return copysign(a, b); },
       [](double a, double b) { return std::copysign(a, b); }, -3, 3, -3, 3},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); },
       [](double a, double b) { return std::max(a, b); }, -3, 3, -3, 3},
      {"fmin", [](const Tensor& a, const Tensor& b) { return fmin(a, b); },
       [](double a, double b) { return std::fmin(a, b); }, -3, 3, -3, 3},
      {"lt", [](const Tensor& a, const Tensor& b) { return a < b; },
       [](double a, double b) { return double(a < b); }, -3, 3, -3, 3},
      {"ge", [](const Tensor& a, const Tensor& b) { return a >= b; },
       [](double a, double b) { return double(a >= b); }, -3, 3, -3, 3},
  };
  return v;
}

// Each floating kernel, each floating dtype, lengths around the vector widths, with both
// operands contiguous, strided, or one of them a broadcast scalar (a zero stride), and a long
// run split over threads, against the definition in double.
TEST(CpuBinary, FloatKernelsMatchDoubleReference) {
  manual_seed(2);
  Threads threads(4);
  for (const Op2& o : float_ops()) {
    for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
      for (int64_t n : kSizes) {
        for (int layout = 0; layout < 4; ++layout) {
          Tensor a = make(layout == 3 ? 1 : n, dt, o.lo, o.hi, layout == 1);
          Tensor b = make(layout == 2 ? 1 : n, dt, o.blo, o.bhi, layout == 1, o.gap);
          if (layout == 2) b = b.expand({n});
          if (layout == 3) a = a.expand({n});
          // The inputs are exact in dt; the kernel rounds in its compute type and to dt.
          double tol = 4 * tol_for(dt);
          EXPECT_TRUE(matches(o.op(a, b), each(o.ref, a, b), tol))
              << o.name << " " << toString(dt) << " n=" << n << " layout=" << layout;
        }
      }
    }
    Tensor a = make(kSplit, kDouble, o.lo, o.hi),
           b = make(kSplit, kDouble, o.blo, o.bhi, false, o.gap);
    EXPECT_TRUE(matches(o.op(a, b), each(o.ref, a, b), 1e-12)) << o.name;
  }
}

// Special operands, with PyTorch 1.13's float32 results (signs of zero included), e.g.
// torch.floor_divide(a, b) for a = [5, -5, 0, -0, 7.5, -7.5, 1, -1, inf, 1e-30, -1e-30, 3],
// b = [0, 0, 0, 3, -2, 2, inf, inf, 2, 3, 3, -0].
TEST(CpuBinary, DivisionFamilySpecialValues) {
  Tensor a = tensor({5., -5., 0., -0., 7.5, -7.5, 1., -1., kInf, 1e-30, -1e-30, 3.});
  Tensor b = tensor({0., 0., 0., 3., -2., 2., kInf, kInf, 2., 3., 3., -0.});
  EXPECT_TRUE(exactly(floor_divide(a, b),
                      {kInf, -kInf, kNan, -0., -4., -4., 0., -1., kNan, 0., -1., -kInf}));
  EXPECT_TRUE(exactly(div(a, b, "floor"),
                      {kInf, -kInf, kNan, -0., -4., -4., 0., -1., kNan, 0., -1., -kInf}));
  EXPECT_TRUE(exactly(div(a, b, "trunc"),
                      {kInf, -kInf, kNan, -0., -3., -3., 0., -0., kInf, 0., -0., -kInf}));
  EXPECT_TRUE(exactly(remainder(a, b), {kNan, kNan, kNan, -0., -0.5, 0.5, 1., kInf, kNan,
                                        1.0000000031710769e-30, 3., kNan}));
  EXPECT_TRUE(exactly(fmod(a, b), {kNan, kNan, kNan, -0., 1.5, -1.5, 1., -1., kNan,
                                   1.0000000031710769e-30, -1.0000000031710769e-30, kNan}));
  // maximum/minimum propagate NaN, fmax/fmin ignore it; comparisons with NaN are false.
  Tensor x = tensor({kNan, 1., kNan, -0.}), y = tensor({2., kNan, kNan, 0.});
  EXPECT_TRUE(exactly(maximum(x, y), {kNan, kNan, kNan, 0.}));
  EXPECT_TRUE(exactly(minimum(x, y), {kNan, kNan, kNan, 0.}));
  EXPECT_TRUE(exactly(fmax(x, y), {2., 1., kNan, 0.}));
  EXPECT_TRUE(exactly(fmin(x, y), {2., 1., kNan, 0.}));
  EXPECT_TRUE(exactly(x == y, {0, 0, 0, 1}));
  EXPECT_TRUE(exactly(x != y, {1, 1, 1, 0}));
  EXPECT_TRUE(exactly(x <= y, {0, 0, 0, 1}));
}

// Integer reference, wrapped to dt as two's complement.
double wrap(int64_t v, ScalarType dt) {
  switch (dt) {
    case kByte:
      return static_cast<uint8_t>(v);
    case kChar:
      return static_cast<int8_t>(v);
    case kShort:
      return static_cast<int16_t>(v);
    case kInt:
      return static_cast<int32_t>(v);
    default:
      return static_cast<double>(v);
  }
}

// Every integer dtype: wrapping add/mul (an alpha too), the division family with Python's
// rounding, pow, bitwise ops and shifts past the width, on contiguous, strided and broadcast
// operands.
TEST(CpuBinary, IntegerKernelsWrapAndMatchReference) {
  Threads threads(4);
  using I2 = std::function<int64_t(int64_t, int64_t)>;
  struct IntOp {
    const char* name;
    std::function<Tensor(const Tensor&, const Tensor&)> op;
    I2 ref;
    bool nonzero_b;
  };
  auto ifloor = [](int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  };
  const std::vector<IntOp> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b, 3); },
       [](int64_t a, int64_t b) { return a + 3 * b; }, false},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b * b; },
       [](int64_t a, int64_t b) { return a * b * b; }, false},
      {"floor_divide", [](const Tensor& a, const Tensor& b) { return floor_divide(a, b); }, ifloor,
       true},
      {"div_trunc", [](const Tensor& a, const Tensor& b) { return div(a, b, "trunc"); },
       [](int64_t a, int64_t b) { return a / b; }, true},
      {"remainder", [](const Tensor& a, const Tensor& b) { return remainder(a, b); },
       [=](int64_t a, int64_t b) { return a - ifloor(a, b) * b; }, true},
      {"fmod", [](const Tensor& a, const Tensor& b) { return fmod(a, b); },
       [](int64_t a, int64_t b) { return a % b; }, true},
      {"bitwise_xor", [](const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); },
       [](int64_t a, int64_t b) { return a ^ b; }, false},
      {"bitwise_and", [](const Tensor& a, const Tensor& b) { return bitwise_and(a, b); },
       [](int64_t a, int64_t b) { return a & b; }, false},
      {"gt", [](const Tensor& a, const Tensor& b) { return a > b; },
       [](int64_t a, int64_t b) { return int64_t(a > b); }, false},
  };
  for (ScalarType dt : {kByte, kChar, kShort, kInt, kLong}) {
    int64_t lo = dt == kByte ? 0 : -120;
    for (const IntOp& o : ops) {
      for (int64_t n : {int64_t(1), int64_t(15), int64_t(100), kSplit}) {
        for (int layout = 0; layout < 3; ++layout) {
          if (n == kSplit && (layout != 0 || dt != kInt)) continue;  // one long run is enough
          Tensor a = randint(lo, 120, {layout == 1 ? 2 * n : n}, TensorOptions(dt));
          Tensor b = randint(lo, 120, {layout == 1 ? 2 * n : n}, TensorOptions(dt));
          if (o.nonzero_b) b = where(b == 0, ones_like(b) * 7, b);
          if (layout == 1) a = a.slice(0, 0, 2 * n, 2), b = b.slice(0, 0, 2 * n, 2);
          if (layout == 2) b = b.slice(0, 0, 1).expand({n});
          std::vector<double> av = values(a), bv = values(b), want(av.size());
          for (size_t i = 0; i < av.size(); ++i) {
            want[i] = wrap(o.ref(static_cast<int64_t>(av[i]), static_cast<int64_t>(bv[i])),
                           std::string(o.name) == "gt" ? kLong : dt);
          }
          EXPECT_TRUE(matches(o.op(a, b), want, 0))
              << o.name << " " << toString(dt) << " n=" << n << " layout=" << layout;
        }
      }
    }
  }
  // Shifts by a negative amount or at least the width: 0 to the left, the sign fill to the right.
  Tensor v = tensor({-5, 5, -5, 5, 3, -1}).to(kChar), s = tensor({-1, 8, 7, 7, 2, 100}).to(kChar);
  EXPECT_TRUE(exactly(bitwise_left_shift(v, s), {0, 0, -128, -128, 12, 0}));
  EXPECT_TRUE(exactly(bitwise_right_shift(v, s), {-1, 0, -1, 0, 0, -1}));
  Tensor l = tensor({int64_t(1), int64_t(-8)}), ls = tensor({int64_t(63), int64_t(64)});
  EXPECT_TRUE(exactly(bitwise_left_shift(l, ls), {-9223372036854775808.0, 0}));
  EXPECT_TRUE(exactly(bitwise_right_shift(l, ls), {0, -1}));
  // Integer pow by squaring wraps; negative exponents give 0 except for bases 1 and -1.
  Tensor base = tensor(
      {int64_t(3), int64_t(-2), int64_t(1), int64_t(-1), int64_t(-1), int64_t(2), int64_t(0)});
  Tensor ex = tensor(
      {int64_t(40), int64_t(63), int64_t(-5), int64_t(-3), int64_t(-4), int64_t(-1), int64_t(0)});
  EXPECT_TRUE(exactly(pow(base, ex),
                      {static_cast<double>(static_cast<int64_t>(uint64_t(12157665459056928801ull))),
                       -9223372036854775808.0, 1, -1, 1, 0, 1}));
  EXPECT_TRUE(exactly(pow(tensor({200, 3}).to(kByte), tensor({2, 5}).to(kByte)), {64, 243}));
}

// A zero divisor anywhere (the last element of a long tensor split over threads) raises the
// op's ZeroDivisionError for every integer kernel of the family.
TEST(CpuBinary, IntegerZeroDivisor) {
  Threads threads(4);
  Tensor a = ones({kSplit}, kInt), b = ones({kSplit}, kInt);
  b.select(0, kSplit - 1).fill_(0);
  auto expect = [](const std::function<void()>& f, const char* op) {
    try {
      f();
      ADD_FAILURE() << op << " did not throw";
    } catch (const ember::Error& e) {
      std::string msg = e.what();
      EXPECT_NE(msg.find(op), std::string::npos) << msg;
      EXPECT_NE(msg.find("ZeroDivisionError"), std::string::npos) << msg;
    }
  };
  expect([&] { (void)div(a, b, "trunc"); }, "div");
  expect([&] { (void)floor_divide(a, b); }, "floor_divide");
  expect([&] { (void)remainder(a, b); }, "remainder");
  expect([&] { (void)fmod(a, b); }, "fmod");
}

// Bool: add is `or` (with alpha `and` b), mul is `and`; logical ops read any nonzero byte as
// true, bitwise ops on bools give bools.
TEST(CpuBinary, BoolKernels) {
  Tensor p = tensor({true, true, false, false}), q = tensor({true, false, true, false});
  EXPECT_TRUE(exactly(p + q, {1, 1, 1, 0}));
  EXPECT_TRUE(exactly(add(p, q, false), {1, 1, 0, 0}));
  EXPECT_TRUE(exactly(p * q, {1, 0, 0, 0}));
  EXPECT_TRUE(exactly(bitwise_xor(p, q), {0, 1, 1, 0}));
  EXPECT_EQ(bitwise_xor(p, q).dtype(), kBool);
  Tensor two = zeros({3}, kBool);  // a bool whose byte is 2 (as a reinterpreted uint8 gives)
  static_cast<uint8_t*>(two.data_ptr())[0] = 2;
  static_cast<uint8_t*>(two.data_ptr())[1] = 2;
  Tensor one = tensor({true, false, true});
  EXPECT_TRUE(exactly(logical_and(two, one), {1, 0, 0}));
  EXPECT_TRUE(exactly(logical_xor(two, one), {0, 1, 1}));
  EXPECT_TRUE(exactly(bitwise_and(two, one), {1, 0, 0}));
  EXPECT_TRUE(exactly(logical_not(two), {0, 0, 1}));
  // Logical ops on numbers: nonzero (NaN included) is true.
  Tensor f = tensor({0.0, -0.0, kNan, 0.5});
  EXPECT_TRUE(exactly(logical_or(f, zeros({4})), {0, 0, 1, 1}));
}

}  // namespace
