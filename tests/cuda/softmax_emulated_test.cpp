// softmax.cu's row kernels (src/cuda/softmax_rows.cuh) run on the CPU through the SIMT emulator of
// tests/support/simt.h (Note [Emulated kernels] in tests/README.md): the register kernels (float
// rows of a multiple of 4 up to 8192 values), the two-pass float4 kernel and the scalar kernel
// (float and double), softmax and log_softmax, rows with NaN, +inf and -inf, against double; the
// register kernels the same bits as the float4 kernel. No GPU needed: this runs in CI.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include <torch/torch.h>

// The emulator's CUDA names, then the kernels (this order: the emulator defines macros).
#include "support/simt.h"
// (keep)
#include "src/cuda/softmax_rows.cuh"

using namespace ember;

namespace {

constexpr simt::PlanLaunch emulated;

// Rows of x (float or double) through the plan; `regs` as EMBER_CUDA_SOFTMAX_REGS.
Tensor run(const Tensor& x, bool log, bool regs) {
  Tensor y = torch::full(x.sizes(), 7.0, x.scalar_type());
  const int64_t outer = x.size(0), n = x.size(1);
  if (x.scalar_type() == kFloat) {
    cuda::softmax_rows::rows<float, float>(y.data_ptr<float>(), x.data_ptr<float>(), outer, n, log,
                                           regs, emulated);
  } else {
    cuda::softmax_rows::rows<double, double>(y.data_ptr<double>(), x.data_ptr<double>(), outer, n,
                                             log, regs, emulated);
  }
  return y;
}

void check(int64_t outer, int64_t n, ScalarType dt) {
  torch::manual_seed(static_cast<uint64_t>(n));
  Tensor x = (torch::randn({outer, n}, kDouble) * 4).to(dt);
  const double inf = std::numeric_limits<double>::infinity();
  if (outer >= 4) {
    x.index_put_({1, n / 2}, std::numeric_limits<double>::quiet_NaN());
    x.index_put_({2, n - 1}, inf);
    x.index_put_({3, 0}, -inf);
  }
  for (bool log : {false, true}) {
    const std::string what = std::string(toString(dt)) + " " + std::to_string(outer) + "x" +
                             std::to_string(n) + (log ? " log_softmax" : " softmax");
    Tensor ref = log ? torch::log_softmax(x.to(kDouble), 1) : torch::softmax(x.to(kDouble), 1);
    Tensor got = run(x, log, true);
    EXPECT_TRUE(got.isnan().equal(ref.isnan())) << what << ": NaN pattern";
    const double tol = dt == kFloat ? 2e-6 : 1e-13;
    Tensor g = got.to(kDouble).nan_to_num(0, 0, 0), r = ref.nan_to_num(0, 0, 0);
    EXPECT_TRUE(torch::allclose(g, r, tol, tol))
        << what << ": max error " << (g - r).abs().max().item<double>();
    if (dt == kFloat) {
      Tensor two_pass = run(x, log, false);
      EXPECT_TRUE(got.nan_to_num(0, 0, 0).equal(two_pass.nan_to_num(0, 0, 0)))
          << what << ": register and two-pass kernels differ";
    }
  }
}

}  // namespace

TEST(SoftmaxRowsEmulated, MatchesDouble) {
  check(5, 4, kFloat);     // register kernel, 1 float4 per thread, most threads idle
  check(5, 1000, kFloat);  // 1 per thread
  check(3, 2052, kFloat);  // 2 per thread, the second for a few threads
  check(4, 4096, kFloat);  // 4 per thread
  check(4, 8192, kFloat);  // 8 per thread: the longest row held in registers
  check(4, 8196, kFloat);  // the two-pass float4 kernel
  check(4, 1001, kFloat);  // the scalar kernel
  check(4, 300, kDouble);  // the scalar kernel in double
}
