// src/cuda/cross_entropy.cu: the fused cross entropy (Note [Fused cross entropy]) against the CPU's
// log_softmax + nll_loss: reductions, class weights, ignore_index, bfloat16 logits under
// autocast, non-finite logits, out-of-range targets, double backward.
#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

namespace {
Tensor targets(int64_t n, int64_t c, int seed, int64_t ignore = -100) {
  torch::manual_seed(seed);
  Tensor t = torch::randint(0, c, {n}, torch::kLong);
  if (n > 3) {
    t.index_put_({1}, ignore);
    t.index_put_({n - 1}, ignore);
  }
  return t;
}

// Loss and the gradient of loss * w (a fixed random w of the loss's shape) with respect to x.
std::pair<Tensor, Tensor> loss_and_grad(const Tensor& x0, const Tensor& t, const Tensor& weight,
                                        int64_t reduction, int64_t ignore) {
  Tensor x = x0.detach().clone().requires_grad_();
  Tensor l = cross_entropy_loss(
      x, t, weight.defined() ? std::optional<Tensor>(weight) : std::optional<Tensor>(), reduction,
      ignore, 0.0);
  Tensor w = randn_as(l.sizes(), l.scalar_type(), 5).to(l.device());
  (l * w).sum().backward();
  return {l.detach(), x.grad()};
}
}  // namespace

TEST(CudaCrossEntropy, MatchesCompositeOnCpu) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble}) {
    for (int64_t c : {10, 700, 5000}) {  // one partial sweep, full sweeps, the unrolled loop
      const int64_t n = 9;
      Tensor x = values(dt, {n, c}, static_cast<int>(c));
      Tensor t = targets(n, c, 3);
      Tensor w = values(dt, {c}, 4).abs() + 0.5;
      for (int64_t red : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
        for (bool weighted : {false, true}) {
          Tensor wt = weighted ? w : Tensor();
          auto [lh, gh] = loss_and_grad(x, t, wt, red, -100);
          auto [ld, gd] =
              loss_and_grad(x.cuda(), t.cuda(), weighted ? w.cuda() : Tensor(), red, -100);
          const double tl = dt == kFloat ? 1e-5 : 1e-12;
          std::string what = std::string(toString(dt)) + " C " + std::to_string(c) + " red " +
                             std::to_string(red) + (weighted ? " weighted" : "");
          EXPECT_EQ(ld.scalar_type(), lh.scalar_type()) << what;
          EXPECT_TRUE(same(ld, lh, tl, tl)) << what;
          EXPECT_TRUE(same(gd, gh, tl, tl)) << what;
        }
      }
      // ignore_index that is a valid class.
      Tensor t2 = targets(n, c, 3, 2);
      auto [lh, gh] = loss_and_grad(x, t2, Tensor(), Reduction::Mean, 2);
      auto [ld, gd] = loss_and_grad(x.cuda(), t2.cuda(), Tensor(), Reduction::Mean, 2);
      EXPECT_TRUE(same(ld, lh, 1e-5, 1e-5));
      EXPECT_TRUE(same(gd, gh, 1e-5, 1e-5));
    }
  }
}

TEST(CudaCrossEntropy, Bfloat16LogitsUnderAutocastComputeInFloat) {
  EMBER_REQUIRE_CUDA();
  const int64_t n = 16, c = 3001;
  Tensor x = values(kBFloat16, {n, c}, 7);
  Tensor t = targets(n, c, 8);
  // Reference: the float computation on the (exactly) widened logits, gradient rounded once.
  auto [lh, gh] = loss_and_grad(x.to(kFloat), t, Tensor(), Reduction::Mean, -100);
  at::autocast::set_autocast_dtype(kCUDA, kBFloat16);
  at::autocast::set_autocast_enabled(kCUDA, true);
  Tensor xd = x.cuda().requires_grad_();
  Tensor l = cross_entropy_loss(xd, t.cuda(), std::nullopt, Reduction::Mean, -100, 0.0);
  at::autocast::set_autocast_enabled(kCUDA, false);
  at::autocast::clear_cache();
  EXPECT_EQ(l.scalar_type(), kFloat);
  Tensor w = randn_as(l.sizes(), kFloat, 5).cuda();
  (l * w).sum().backward();
  EXPECT_EQ(xd.grad().scalar_type(), kBFloat16);
  EXPECT_TRUE(same(l, lh, 1e-5, 1e-5));
  EXPECT_TRUE(same(xd.grad(), gh.to(kBFloat16), 1e-2, 1e-6));
  // Without autocast, 16-bit logits keep the composite (PyTorch rounds log_softmax there).
  auto [lb, gb] = loss_and_grad(x.cuda(), t.cuda(), Tensor(), Reduction::Mean, -100);
  EXPECT_EQ(lb.scalar_type(), kBFloat16);
}

TEST(CudaCrossEntropy, EdgeCases) {
  EMBER_REQUIRE_CUDA();
  // Non-finite logits: NaN and +inf rows give NaN as on the CPU; -inf entries add nothing.
  Tensor x = values(kFloat, {4, 600}, 9);
  x.index_put_({0, 5}, std::numeric_limits<double>::quiet_NaN());
  x.index_put_({1, 7}, std::numeric_limits<double>::infinity());
  x.index_put_({2, 9}, -std::numeric_limits<double>::infinity());
  Tensor t = torch::tensor(std::vector<int64_t>{1, 2, 3, 4});
  auto [lh, gh] = loss_and_grad(x, t, Tensor(), Reduction::None, -100);
  auto [ld, gd] = loss_and_grad(x.cuda(), t.cuda(), Tensor(), Reduction::None, -100);
  EXPECT_TRUE(matches_cpu(ld.isnan(), lh.isnan()));
  EXPECT_TRUE(matches_cpu(ld.nan_to_num(0, 0, 0), lh.nan_to_num(0, 0, 0), 1e-5, 1e-5));
  EXPECT_TRUE(matches_cpu(gd.isnan(), gh.isnan()));
  // Every target ignored: mean is NaN (0 / 0), gradients zero.
  Tensor all_ignored = torch::full({3}, -100, torch::kLong);
  Tensor y = values(kFloat, {3, 50}, 10);
  auto [la, ga] = loss_and_grad(y.cuda(), all_ignored.cuda(), Tensor(), Reduction::Mean, -100);
  auto [lc, gc] = loss_and_grad(y, all_ignored, Tensor(), Reduction::Mean, -100);
  EXPECT_TRUE(matches_cpu(la.isnan(), lc.isnan()));
  EXPECT_TRUE(matches_cpu(ga, gc));
  // Empty batch.
  Tensor e = torch::empty({0, 5}, torch::kCUDA);
  Tensor le = cross_entropy_loss(e, torch::empty({0}, torch::device(torch::kCUDA).dtype(kLong)),
                                 std::nullopt, Reduction::Sum, -100, 0.0);
  EXPECT_EQ(le.cpu().item<double>(), 0.0);
  // A target out of range raises (at the next synchronisation) and the device stays usable.
  std::string m = error_of([] {
    (void)cross_entropy_loss(torch::zeros({2, 5}, torch::kCUDA),
                             torch::tensor(std::vector<int64_t>{1, 12}).cuda(), std::nullopt,
                             Reduction::Mean, -100, 0.0);
    torch::cuda::synchronize();
  });
  EXPECT_NE(m.find("Target 12 is out of bounds"), std::string::npos) << m;
  EXPECT_EQ((torch::ones({3}, torch::kCUDA) * 2).sum().cpu().item<double>(), 6.0);
}

// Note [Pitched logits gradient]: with C >= 1024 classes whose rows are not 16-byte aligned, the
// gradient comes in rows padded to 16 bytes (zeros in the padding) and feeds the lm-head's
// products as it is; logits that are a slice of wider rows are read in place.
TEST(CudaCrossEntropy, PitchedGradientFeedsTheLmHead) {
  EMBER_REQUIRE_CUDA();
  const int64_t n = 33, d = 64;
  for (ScalarType dt : {kFloat, kBFloat16}) {
    for (int64_t c : {1027, 3001, 2048}) {  // pitched, pitched, aligned already
      const bool bf16 = dt == kBFloat16;
      std::string what = std::string(toString(dt)) + " C " + std::to_string(c);
      Tensor x = (values(kFloat, {n, d}, 31) * 0.1).to(dt);
      Tensor w = (values(kFloat, {c, d}, 32) * 0.1).to(dt);
      Tensor t = targets(n, c, 33);
      // Reference in double on the CPU: the float computation of the rounded inputs.
      Tensor xr = x.to(kDouble).requires_grad_(), wr = w.to(kDouble).requires_grad_();
      Tensor lr = cross_entropy_loss(xr.mm(wr.t()), t, std::nullopt, Reduction::Sum, -100, 0.0);
      lr.backward();
      if (bf16) {
        at::autocast::set_autocast_dtype(kCUDA, kBFloat16);
        at::autocast::set_autocast_enabled(kCUDA, true);
      }
      Tensor xd = x.cuda().requires_grad_(), wd = w.cuda().requires_grad_();
      Tensor logits = xd.mm(wd.t());
      Tensor l = cross_entropy_loss(logits, t.cuda(), std::nullopt, Reduction::Sum, -100, 0.0);
      if (bf16) {
        at::autocast::set_autocast_enabled(kCUDA, false);
        at::autocast::clear_cache();
      }
      Tensor g = torch::autograd::grad({l}, {logits}, {}, true)[0];
      const int64_t per16 = 16 / static_cast<int64_t>(g.element_size());
      const int64_t ld = (c + per16 - 1) / per16 * per16;
      EXPECT_EQ(g.sizes(), logits.sizes()) << what;
      EXPECT_EQ(g.stride(1), 1) << what;
      EXPECT_EQ(g.stride(0), ld) << what;
      if (ld > c) {
        Tensor rows = g.as_strided({n, ld}, {ld, 1});
        EXPECT_TRUE(matches_cpu(rows.narrow(1, c, ld - c), torch::zeros({n, ld - c}).to(dt), 0, 0))
            << what;
      }
      l.backward();
      const double tl = bf16 ? 3e-2 : 1e-4;
      EXPECT_TRUE(same(l, lr.to(kFloat), tl, tl)) << what;
      EXPECT_TRUE(same(xd.grad().to(kDouble), xr.grad(), tl, tl)) << what;
      EXPECT_TRUE(same(wd.grad().to(kDouble), wr.grad(), tl, tl)) << what;
      EXPECT_TRUE(wd.grad().is_contiguous()) << what;
    }
  }
  // Logits that are a slice of wider rows: read in place, the same loss and gradient.
  Tensor wide = values(kFloat, {9, 1030}, 34);
  Tensor t = targets(9, 1027, 35);
  auto [lh, gh] =
      loss_and_grad(wide.narrow(1, 1, 1027).contiguous(), t, Tensor(), Reduction::Sum, -100);
  Tensor wd = wide.cuda().narrow(1, 1, 1027).detach().requires_grad_();
  Tensor ld = cross_entropy_loss(wd, t.cuda(), std::nullopt, Reduction::Sum, -100, 0.0);
  Tensor wl = randn_as(ld.sizes(), ld.scalar_type(), 5).cuda();
  (ld * wl).sum().backward();
  EXPECT_TRUE(same(ld, lh, 1e-5, 1e-5));
  EXPECT_TRUE(same(wd.grad(), gh, 1e-5, 1e-5));
}

TEST(CudaCrossEntropy, DoubleBackward) {
  EMBER_REQUIRE_CUDA();
  Tensor x0 = values(kDouble, {5, 13}, 11);
  Tensor t = targets(5, 13, 12);
  Tensor w = values(kDouble, {13}, 13).abs() + 0.5;
  Tensor v = values(kDouble, {5, 13}, 14);
  auto second = [&](const Tensor& x0d, const Tensor& td, const Tensor& wd, const Tensor& vd) {
    Tensor x = x0d.clone().requires_grad_();
    Tensor l = cross_entropy_loss(x, td, wd, Reduction::Mean, -100, 0.0);
    Tensor g = torch::autograd::grad({l}, {x}, {}, true, true)[0];
    (g * vd).sum().backward();
    return std::make_pair(g.detach(), x.grad());
  };
  auto [gh, hh] = second(x0, t, w, v);
  auto [gd, hd] = second(x0.cuda(), t.cuda(), w.cuda(), v.cuda());
  EXPECT_TRUE(same(gd, gh, 1e-12, 1e-12));
  EXPECT_TRUE(same(hd, hh, 1e-10, 1e-12));
}
