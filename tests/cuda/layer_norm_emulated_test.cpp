// layer_norm.cu's row kernels (src/cuda/layer_norm_rows.cuh) run on the CPU through the SIMT
// emulator of tests/support/simt.h (Note [Emulated kernels] in tests/README.md): forward (output,
// mean, rstd) and backward (input, weight and bias gradients, alone or together) for row lengths
// from 4 to 4096 values, with and without weight and bias, against layer norm in double; the
// parameter gradients the same bits on every run. No GPU needed: this runs in CI.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <torch/torch.h>

// The emulator's CUDA names, then the kernels (this order: the emulator defines macros).
#include "support/simt.h"
// (keep)
#include "src/cuda/layer_norm_rows.cuh"

using namespace ember;

namespace {

constexpr simt::PlanLaunch emulated;

float* ptr(Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }
const float* cptr(const Tensor& t) { return t.defined() ? t.data_ptr<float>() : nullptr; }

::testing::AssertionResult close(const Tensor& got, const Tensor& want, double tol) {
  const Tensor g = got.to(kDouble), w = want.to(kDouble);
  if (!g.isfinite().all().item<bool>()) return ::testing::AssertionFailure() << "non-finite values";
  const double err = (g - w).abs().max().item<double>();
  const double ref = w.abs().max().item<double>();
  if (err <= tol * std::max(ref, 1.0)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "max error " << err << " (max |ref| " << ref << ")";
}

void check(int64_t M, int64_t N, bool affine, int sms) {
  const std::string what = "M " + std::to_string(M) + " N " + std::to_string(N) +
                           (affine ? " affine" : "") + " sms " + std::to_string(sms);
  const double eps = 1e-5;
  torch::manual_seed(static_cast<uint64_t>(M * 7919 + N));
  Tensor x = torch::randn({M, N}) * 3 + 1, gy = torch::randn({M, N});
  Tensor w = affine ? torch::randn({N}) : Tensor(), b = affine ? torch::randn({N}) : Tensor();
  // Reference in double.
  Tensor xd = x.to(kDouble).requires_grad_();
  Tensor wd = affine ? w.to(kDouble).requires_grad_() : Tensor();
  Tensor bd = affine ? b.to(kDouble).requires_grad_() : Tensor();
  Tensor mu = xd.mean({-1}, true);
  Tensor rs = 1.0 / ((xd - mu).pow(2).mean({-1}, true) + eps).sqrt();
  Tensor yd = (xd - mu) * rs;
  if (affine) yd = yd * wd + bd;
  yd.backward(gy.to(kDouble));

  Tensor y = torch::full({M, N}, 7.0), mean = torch::full({M}, 7.0), rstd = torch::full({M}, 7.0);
  cuda::ln_rows::forward(ptr(y), ptr(mean), ptr(rstd), cptr(x), M, N, cptr(w), cptr(b), eps,
                         emulated);
  EXPECT_TRUE(close(y, yd.detach(), 2e-5)) << what << ": output";
  EXPECT_TRUE(close(mean, mu.detach().reshape({M}), 1e-5)) << what << ": mean";
  EXPECT_TRUE(close(rstd, rs.detach().reshape({M}), 1e-5)) << what << ": rstd";

  // Input gradient alone, then with the parameter gradients (twice: the same bits).
  Tensor gx = torch::full({M, N}, 7.0);
  cuda::ln_rows::backward(ptr(gx), nullptr, nullptr, cptr(gy), cptr(x), M, N, cptr(mean),
                          cptr(rstd), cptr(w), cuda::ln_rows::backward_blocks(M, false, sms),
                          nullptr, emulated);
  EXPECT_TRUE(close(gx, xd.grad(), 1e-4)) << what << ": grad input";
  if (!affine) return;
  Tensor first_gw, first_gb;
  for (bool with_gx : {true, false, true}) {
    Tensor gx2 = torch::full({M, N}, 7.0), gw = torch::full({N}, 7.0), gb = torch::full({N}, 7.0);
    const unsigned blocks = cuda::ln_rows::backward_blocks(M, true, sms);
    Tensor partial = torch::full({static_cast<int64_t>(blocks), 2 * N}, 7.0);
    cuda::ln_rows::backward(with_gx ? ptr(gx2) : nullptr, ptr(gw), ptr(gb), cptr(gy), cptr(x), M, N,
                            cptr(mean), cptr(rstd), cptr(w), blocks, ptr(partial), emulated);
    if (with_gx) {
      EXPECT_TRUE(gx2.equal(gx)) << what << ": grad input with the parameters'";
    }
    EXPECT_TRUE(close(gw, wd.grad(), 1e-4)) << what << ": grad weight";
    EXPECT_TRUE(close(gb, bd.grad(), 1e-4)) << what << ": grad bias";
    if (!first_gw.defined()) {
      first_gw = gw;
      first_gb = gb;
    } else {
      EXPECT_TRUE(gw.equal(first_gw) && gb.equal(first_gb)) << what << ": not run-to-run equal";
    }
  }
}

}  // namespace

TEST(LayerNormRowsEmulated, MatchesDouble) {
  check(37, 768, true, 2);  // GPT-2's width: 6 float4 per lane; rows in 3 walks of 4 blocks
  check(37, 768, false, 2);
  check(5, 4, true, 1);      // one float4, most lanes idle
  check(19, 1024, true, 3);  // the longest row: 8 float4 per lane
  check(40, 132, true, 64);  // 2 float4 per lane, the second only for lane 0; a block per 8 rows
  check(1, 1000, true, 1);
  check(9, 1000, false, 4);
  // Longer rows are not theirs (they would need more than 8 float4 per lane).
  EXPECT_TRUE(cuda::ln_rows::shape_fits(1, 1024));
  EXPECT_FALSE(cuda::ln_rows::shape_fits(1, 1028));
  EXPECT_FALSE(cuda::ln_rows::shape_fits(1, 4096));
  EXPECT_FALSE(cuda::ln_rows::shape_fits(1, 770));
  EXPECT_FALSE(cuda::ln_rows::shape_fits(0, 768));
}
