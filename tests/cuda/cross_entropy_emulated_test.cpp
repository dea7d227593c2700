// cross_entropy.cu's kernels (src/cuda/cross_entropy_kernels.cuh) run on the CPU through the SIMT
// emulator of tests/support/simt.h (Note [Emulated kernels] in tests/README.md): per-row loss,
// weight and logsumexp, and the gradient written into rows padded to 16 bytes (Note [Pitched
// logits gradient]) with zeros in the padding, logits read from wider rows, class weights,
// ignore_index and an out-of-range target recorded; float and double against double. No GPU
// needed: this runs in CI.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <torch/torch.h>

// The emulator's CUDA names, then the kernels (this order: the emulator defines macros).
#include "support/simt.h"
// (keep)
#include "src/cuda/cross_entropy_kernels.cuh"

using namespace ember;

namespace {

constexpr simt::PlanLaunch emulated;

template <class T>
void check(int64_t N, int64_t C, int64_t ldx, int64_t ldg, bool weighted) {
  const ScalarType dt = std::is_same_v<T, float> ? kFloat : kDouble;
  const std::string what = std::string(toString(dt)) + " N " + std::to_string(N) + " C " +
                           std::to_string(C) + " ldx " + std::to_string(ldx) + " ldg " +
                           std::to_string(ldg) + (weighted ? " weighted" : "");
  torch::manual_seed(static_cast<uint64_t>(C + ldx));
  Tensor wide = (torch::randn({N, ldx}, kDouble) * 3).to(dt);
  Tensor x = wide.narrow(1, 0, C);
  Tensor t = torch::randint(0, C, {N}, kLong);
  const int64_t ignore = 3;
  if (N > 2) t.index_put_({1}, ignore);
  Tensor w = weighted ? (torch::rand({C}, kDouble) + 0.5).to(dt) : Tensor();
  Tensor loss = torch::full({N}, 7.0, dt), wsum = torch::full({N}, 7.0, dt),
         lse = torch::full({N}, 7.0, dt);
  Tensor error = torch::zeros({2}, kLong);
  cuda::ce::forward<T, T>(loss.data_ptr<T>(), wsum.data_ptr<T>(), lse.data_ptr<T>(),
                          wide.data_ptr<T>(), t.data_ptr<int64_t>(),
                          weighted ? w.data_ptr<T>() : nullptr, N, C, ldx, ignore,
                          error.data_ptr<int64_t>(), emulated);
  // Reference in double.
  Tensor xd = x.to(kDouble);
  Tensor lse_ref = torch::logsumexp(xd, {1});
  Tensor keep = t != ignore;
  Tensor tc = t.clamp(0, C - 1);
  Tensor wt = weighted ? w.to(kDouble).index_select(0, tc) : torch::ones({N}, kDouble);
  wt = torch::where(keep, wt, torch::zeros({N}, kDouble));
  Tensor picked = xd.gather(1, tc.unsqueeze(1)).squeeze(1);
  Tensor loss_ref = -wt * (picked - lse_ref);
  const double tol = dt == kFloat ? 1e-5 : 1e-12;
  EXPECT_TRUE(torch::allclose(lse.to(kDouble), lse_ref, tol, tol)) << what << ": lse";
  EXPECT_TRUE(torch::allclose(loss.to(kDouble), loss_ref, tol, tol)) << what << ": loss";
  EXPECT_TRUE(torch::allclose(wsum.to(kDouble), wt, tol, tol)) << what << ": wsum";
  EXPECT_EQ(error[0].item<int64_t>(), 0) << what;

  Tensor scale = (torch::rand({N}, kDouble) + 0.5).to(dt);
  Tensor grad_rows = torch::full({N, ldg}, 7.0, dt);
  cuda::ce::backward<T, T>(grad_rows.data_ptr<T>(), wide.data_ptr<T>(), t.data_ptr<int64_t>(),
                           lse.data_ptr<T>(), scale.data_ptr<T>(), N, C, ldx, ldg, emulated);
  // The kernel's formula for every row: an ignored row's zero comes from its zero scale (its
  // weight), which the op passes; here every row has a scale, so the formula shows everywhere.
  Tensor onehot = torch::zeros({N, C}, kDouble).scatter(1, tc.unsqueeze(1), 1.0);
  Tensor grad_ref = (torch::softmax(xd, 1) - onehot) * scale.to(kDouble).unsqueeze(1);
  EXPECT_TRUE(torch::allclose(grad_rows.narrow(1, 0, C).to(kDouble), grad_ref, tol, tol))
      << what << ": gradient";
  if (ldg > C) {
    EXPECT_TRUE(grad_rows.narrow(1, C, ldg - C).eq(0).all().item<bool>()) << what << ": padding";
  }
}

}  // namespace

TEST(CrossEntropyEmulated, RowsPaddingAndStrides) {
  check<float>(9, 10, 10, 12, false);  // a partial sweep; padded rows of 12
  check<float>(9, 1027, 1027, 1028, true);
  check<float>(5, 5000, 5003, 5004, false);  // the unrolled loop, logits from wider rows
  check<double>(9, 1027, 1030, 1028, true);
  check<double>(4, 700, 700, 700, false);
}

TEST(CrossEntropyEmulated, OutOfRangeTargetRecorded) {
  Tensor x = torch::randn({3, 20});
  Tensor t = torch::tensor(std::vector<int64_t>{1, 25, -4});
  Tensor loss = torch::zeros({3}), wsum = torch::zeros({3}), lse = torch::zeros({3});
  Tensor error = torch::zeros({2}, kLong);
  cuda::ce::forward<float, float>(loss.data_ptr<float>(), wsum.data_ptr<float>(),
                                  lse.data_ptr<float>(), x.data_ptr<float>(), t.data_ptr<int64_t>(),
                                  nullptr, 3, 20, 20, -100, error.data_ptr<int64_t>(), emulated);
  EXPECT_EQ(error[0].item<int64_t>(), 1);
  EXPECT_EQ(error[1].item<int64_t>(), 25);  // the first bad row's target (rows run in order here)
  EXPECT_EQ(loss[1].item<float>(), 0.f);
}
