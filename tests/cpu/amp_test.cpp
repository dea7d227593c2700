// src/cpu/amp.cpp: the gradient scaler's kernels: unscale with the inf/NaN check (elementwise,
// split over threads) and the scale update.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

float found_after(std::vector<Tensor> grads, float inv, float found0 = 0) {
  Tensor found = full({1}, found0), inv_t = full({1}, inv);
  _amp_foreach_non_finite_check_and_unscale_(grads, found, inv_t);
  return found.item<float>();
}

// x * inv_scale in the dtype's compute type for every length, layout and dtype; nothing found
// in finite gradients.
TEST(CpuAmp, UnscaleMatchesReference) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    for (int64_t n : kSizes) {
      for (bool strided : {false, true}) {
        Tensor g = make(n, dt, -1000, 1000, strided);
        std::vector<double> want = each([](double v) { return v * 0.125f; }, g);
        Tensor t = g;  // unscaled in place, through the view
        EXPECT_EQ(found_after({t}, 0.125f), 0.f);
        EXPECT_TRUE(matches(g, want, dt == kDouble || dt == kFloat ? 0 : tol_for(dt)))
            << toString(dt) << " " << n << " " << strided;
      }
    }
  }
  // Not a power of two: the float product rounds once (x and inv are floats, the product is
  // exact in double).
  Tensor g = make(kSplit, kFloat, -3, 3);
  std::vector<double> want =
      each([](double v) { return static_cast<double>(static_cast<float>(v * 0.3f)); }, g);
  EXPECT_EQ(found_after({g}, 0.3f), 0.f);
  EXPECT_TRUE(matches(g, want, 0));
}

// One inf or NaN anywhere (also in the last element of a long gradient split over threads, or
// in a 16-bit gradient) sets found_inf; elements outside a strided view do not count and are not
// touched; a set found_inf stays set.
TEST(CpuAmp, NonFiniteCheck) {
  Threads threads(4);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    for (int64_t n : {int64_t(1), int64_t(17), kSplit}) {
      for (double bad : {kInf, -kInf, std::nan("")}) {
        for (int64_t at : {int64_t(0), n - 1}) {
          Tensor g = make(n, dt, -1, 1);
          g.select(0, at).fill_(bad);
          EXPECT_EQ(found_after({zeros({3}, dt), g}, 0.5f), 1.f) << toString(dt) << n << " " << at;
        }
      }
    }
  }
  Tensor base = ones({40});
  base.slice(0, 1, 40, 2).fill_(kInf);
  Tensor view = base.slice(0, 0, 40, 2);
  EXPECT_EQ(found_after({view}, 2.f), 0.f);
  EXPECT_TRUE(matches(view, std::vector<double>(20, 2.0), 0));
  EXPECT_TRUE(base.slice(0, 1, 40, 2).isinf().all().item<bool>());
  EXPECT_EQ(found_after({ones({5})}, 1.f, 1.f), 1.f);
}

// inv_scale == 1 leaves every element as it was, bit for bit (the NaN's payload, -0, 16-bit
// values), while still checking them.
TEST(CpuAmp, UnitInverseScaleKeepsBits) {
  Tensor g = tensor({-0.0, 1e-40, 3.0, -kInf}).to(kFloat);
  uint32_t payload = 0x7fc01234u;
  float nan_with_payload;
  std::memcpy(&nan_with_payload, &payload, 4);
  Tensor with_nan = cat({g, full({1}, nan_with_payload)});
  Tensor before = with_nan.clone();
  EXPECT_EQ(found_after({with_nan}, 1.f), 1.f);
  EXPECT_EQ(std::memcmp(with_nan.data_ptr(), before.data_ptr(), 5 * sizeof(float)), 0);
  Tensor h = make(100, kHalf, -60000, 60000), hb = h.clone();
  EXPECT_EQ(found_after({h}, 1.f), 0.f);
  EXPECT_TRUE(h.equal(hb));
}

// The scale update against the algorithm run in the test: backoff on a non-finite step (the
// tracker restarts), growth after growth_interval clean steps, the old scale kept where the
// grown one would overflow float.
TEST(CpuAmp, UpdateScaleSequence) {
  for (int64_t interval : {1, 3}) {
    Tensor scale = full({1}, 1024.f), tracker = zeros({1}, kInt);
    float s = 1024.f;
    int32_t t = 0;
    for (int step = 0; step < 60; ++step) {
      bool inf = step % 7 == 3 || step % 11 == 5;
      _amp_update_scale_(scale, tracker, full({1}, inf ? 1.f : 0.f), 1.5, 0.3, interval);
      if (inf) {
        s = static_cast<float>(s * 0.3);
        t = 0;
      } else if (++t == interval) {
        float grown = static_cast<float>(s * 1.5);
        if (std::isfinite(grown)) s = grown;
        t = 0;
      }
      ASSERT_EQ(scale.item<float>(), s) << "step " << step;
      ASSERT_EQ(tracker.item<int64_t>(), t) << "step " << step;
    }
  }
  Tensor big = full({1}, 2e38f), tr = zeros({1}, kInt);
  _amp_update_scale_(big, tr, zeros({1}), 2.0, 0.5, 1);
  EXPECT_EQ(big.item<float>(), 2e38f);
  EXPECT_EQ(tr.item<int64_t>(), 0);
}

}  // namespace
