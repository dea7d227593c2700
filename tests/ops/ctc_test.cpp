// src/ops/ctc.cpp: ctc_loss (alpha recursion for the loss, beta recursion for the gradient)
// against a brute-force sum over every alignment path; reductions, target layouts, blanks,
// infeasible inputs, dtypes, layouts, gradients and errors. The PyTorch-valued cases are in
// tests/nn/loss_test.cpp (LossCtc).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::has;

namespace {
constexpr int64_t T = 5, N = 4, C = 3;

// log_probs (T, N, C), rows normalised: ((arange(60) * 0.53).sin() * 1.7).log_softmax(-1)
Tensor log_probs() {
  return ((arange(T * N * C, kDouble) * 0.53).sin() * 1.7).reshape({T, N, C}).log_softmax(2);
}

// -log of the total probability of the length-`len` paths over C classes that collapse (merge
// repeats, then drop blanks) to `target`: every one of C^len paths is enumerated.
double brute_nll(const Tensor& lp, int64_t b, int64_t len, const std::vector<int64_t>& target,
                 int64_t blank) {
  double total = 0;
  int64_t paths = 1;
  for (int64_t t = 0; t < len; ++t) paths *= C;
  for (int64_t code = 0; code < paths; ++code) {
    std::vector<int64_t> path, decoded;
    for (int64_t t = 0, c = code; t < len; ++t, c /= C) path.push_back(c % C);
    double logp = 0;
    for (int64_t t = 0; t < len; ++t) {
      logp += lp.select(0, t).select(0, b).select(0, path[t]).item<double>();
      if (path[t] != blank && (t == 0 || path[t] != path[t - 1])) decoded.push_back(path[t]);
    }
    if (decoded == target) total += std::exp(logp);
  }
  return -std::log(total);
}

}  // namespace

TEST(Ctc, MatchesBruteForceOverPaths) {
  Tensor lp = log_probs();
  // A repeated label (needs a blank in between), an empty target, a full-length target.
  const std::vector<std::vector<int64_t>> targets = {{1, 2}, {1, 1}, {}, {2, 1, 2}};
  const std::vector<int64_t> il = {5, 4, 3, 5}, tl = {2, 2, 0, 3};
  Tensor padded = tensor({1, 2, 0, 1, 1, 0, 0, 0, 0, 2, 1, 2}).reshape({N, 3});
  Tensor flat = tensor({1, 2, 1, 1, 2, 1, 2});
  std::vector<double> want;
  for (int64_t b = 0; b < N; ++b) want.push_back(brute_nll(lp, b, il[b], targets[b], 0));
  Tensor none = ctc_loss(lp, padded, il, tl, 0, Reduction::None);
  EXPECT_EQ(none.dtype(), kDouble);
  EXPECT_TRUE(all_close(none, tensor(want), 1e-12, 1e-12));
  EXPECT_TRUE(
      all_close(ctc_loss(lp, flat, il, tl, 0, Reduction::None), tensor(want), 1e-12, 1e-12));
  // Mean divides each loss by its target length (at least 1), then averages.
  double mean = 0, sum = 0;
  for (int64_t b = 0; b < N; ++b) {
    mean += want[b] / static_cast<double>(std::max<int64_t>(tl[b], 1)) / N;
    sum += want[b];
  }
  EXPECT_NEAR(ctc_loss(lp, padded, il, tl).item<double>(), mean, 1e-12);
  EXPECT_NEAR(ctc_loss(lp, padded, il, tl, 0, Reduction::Sum).item<double>(), sum, 1e-12);
  // Length tensors of any integral dtype.
  EXPECT_NEAR(ctc_loss(lp, padded, tensor({5, 4, 3, 5}).to(kInt), tensor({2, 2, 0, 3}).to(kShort))
                  .item<double>(),
              mean, 1e-12);
}

TEST(Ctc, BlankUnbatchedLayoutsAndDtypes) {
  Tensor lp = log_probs();
  // blank = 2, labels from {0, 1}.
  Tensor tg = tensor({0, 1, 1, 0, 0, 0, 1, 0}).reshape({N, 2});
  const std::vector<std::vector<int64_t>> targets = {{0, 1}, {1, 0}, {0}, {1, 0}};
  const std::vector<int64_t> il = {5, 5, 2, 3}, tl = {2, 2, 1, 2};
  std::vector<double> want;
  for (int64_t b = 0; b < N; ++b) want.push_back(brute_nll(lp, b, il[b], targets[b], 2));
  EXPECT_TRUE(all_close(ctc_loss(lp, tg, il, tl, 2, Reduction::None), tensor(want), 1e-12, 1e-12));
  // Non-contiguous log_probs: a (N, T, C) tensor transposed to (T, N, C).
  Tensor nt = lp.transpose(0, 1).contiguous().transpose(0, 1);
  ASSERT_FALSE(nt.is_contiguous());
  EXPECT_TRUE(all_close(ctc_loss(nt, tg, il, tl, 2, Reduction::None), tensor(want), 1e-12, 1e-12));
  // Float32 and bfloat16 inputs: the dynamic program runs in double, the result has the dtype.
  Tensor f = ctc_loss(lp.to(kFloat), tg, il, tl, 2, Reduction::None);
  EXPECT_EQ(f.dtype(), kFloat);
  EXPECT_TRUE(all_close(f.to(kDouble), tensor(want), 1e-5, 1e-5));
  Tensor h = ctc_loss(lp.to(kBFloat16), tg, il, tl, 2, Reduction::Sum);
  EXPECT_EQ(h.dtype(), kBFloat16);
  // Unbatched (T, C): 0-dim result; targets 1-D or (1, S).
  Tensor u = ctc_loss(lp.select(1, 1), tensor({1, 0}), {5}, {2}, 2, Reduction::None);
  EXPECT_EQ(u.dim(), 0);
  EXPECT_NEAR(u.item<double>(), want[1], 1e-12);
  EXPECT_NEAR(
      ctc_loss(lp.select(1, 1), tensor({{1, 0}}), {5}, {2}, 2, Reduction::None).item<double>(),
      want[1], 1e-12);
}

TEST(Ctc, InfeasibleAndEmptyInputs) {
  Tensor lp = log_probs();
  const double inf = std::numeric_limits<double>::infinity();
  // [1, 1] needs 3 frames; 0 frames fit only the empty target (probability 1).
  Tensor tg = tensor({1, 1, 1, 0, 0, 0, 2, 0}).reshape({N, 2});
  const std::vector<int64_t> il = {2, 0, 0, 3}, tl = {2, 1, 0, 1};
  Tensor none = ctc_loss(lp, tg, il, tl, 0, Reduction::None);
  EXPECT_EQ(none.select(0, 0).item<double>(), inf);
  EXPECT_EQ(none.select(0, 1).item<double>(), inf);
  EXPECT_EQ(none.select(0, 2).item<double>(), 0.0);
  EXPECT_NEAR(none.select(0, 3).item<double>(), brute_nll(lp, 3, 3, {2}, 0), 1e-12);
  Tensor x = lp.clone().requires_grad_();
  Tensor z = ctc_loss(x, tg, il, tl, 0, Reduction::Sum, true);
  EXPECT_NEAR(z.item<double>(), none.select(0, 3).item<double>(), 1e-12);
  // Only the feasible sample has a gradient, and it is finite.
  Tensor g = autograd::grad({z}, {x})[0];
  EXPECT_EQ(g.narrow(1, 0, 3).abs().sum().item<double>(), 0.0);
  EXPECT_TRUE(std::isfinite(g.sum().item<double>()));
  EXPECT_GT(g.select(1, 3).abs().sum().item<double>(), 0.0);
  // No batch at all.
  EXPECT_EQ(ctc_loss(zeros({T, 0, C}), zeros({0, 2}, kLong), IntArrayRef{}, IntArrayRef{}, 0,
                     Reduction::None)
                .sizes(),
            IntArrayRef({0}));
}

TEST(Ctc, GradientsThroughLogSoftmax) {
  // The gradient assumes normalised log_probs (as PyTorch's), so check it through log_softmax.
  Tensor raw = ((arange(T * N * C, kDouble) * 0.53).sin() * 1.7).reshape({T, N, C});
  Tensor tg = tensor({1, 2, 0, 1, 1, 0, 0, 0, 0, 2, 1, 2}).reshape({N, 3});
  for (int64_t r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    EXPECT_TRUE(gradcheck(
        [&](const variable_list& v) {
          return ctc_loss(v[0].log_softmax(2), tg, {5, 4, 3, 5}, {2, 2, 0, 3}, 0, r);
        },
        {raw}))
        << r;
  }
  EXPECT_TRUE(gradcheck(
      [&](const variable_list& v) {
        return ctc_loss(v[0].log_softmax(1), tensor({0, 1, 0}), {5}, {3}, 2, Reduction::None);
      },
      {raw.select(1, 2)}));
  Tensor x = log_probs().requires_grad_();
  EXPECT_EQ(ctc_loss(x, tg, {5, 4, 3, 5}, {2, 2, 0, 3}, 0, Reduction::None).grad_fn()->name(),
            "CtcLossBackward0");
}

TEST(Ctc, ErrorsNameTheOp) {
  Tensor lp = log_probs(), tg = tensor({1, 2, 1, 1, 0, 0, 2, 1}).reshape({N, 2});
  const std::vector<int64_t> il = {5, 5, 5, 5}, tl = {2, 2, 0, 2};
  auto err = [&](const std::function<void()>& f, const std::string& part) {
    std::string e = error_of(f);
    EXPECT_TRUE(has(e, "[ctc_loss]") && has(e, part)) << e;
  };
  err([&] { ctc_loss(lp.select(1, 0).select(1, 0), tensor({1}), {5}, {1}); },
      "Expected log_probs of shape (T, N, C) or (T, C), got [5]");
  err([&] { ctc_loss(lp.to(kLong), tg, il, tl); }, "\"ctc_loss\" not implemented for 'Long'");
  err([&] { ctc_loss(lp, tg, il, tl, 3); }, "blank must be in label range");
  err([&] { ctc_loss(lp, tg + 1, il, tl); }, "target label 3 is out of range [0, 3)");
  err(
      [&] {
        ctc_loss(lp, tg, {5, 6, 5, 5}, tl);
      },
      "Expected input_lengths to have value at most 5, but got value 6");
  err([&] { ctc_loss(lp, tg, il, {2, -1, 0, 2}); }, "target_lengths must be non-negative, got -1");
  err(
      [&] {
        ctc_loss(lp, tg, il, {2, 3, 0, 2});
      },
      "Expected tensor to have size at least 3 at dimension 1, but got size 2 for targets");
  err([&] { ctc_loss(lp, tensor({1, 2, 1}), il, tl); }, "fewer than the sum of target_lengths");
  err([&] { ctc_loss(lp, tg.to(kFloat), il, tl); }, "targets must be integral");
  err(
      [&] {
        ctc_loss(lp, tg.reshape({N, 1, 2}), il, tl);
      },
      "Expected targets of shape (N, S) or (sum(target_lengths))");
  err([&] { ctc_loss(lp, tg, {5, 5, 5}, tl); }, "input_lengths must be of size batch_size");
  err([&] { ctc_loss(lp, tg, il, {2, 2}); }, "target_lengths must be of size batch_size");
  err(
      [&] {
        ctc_loss(lp, tg, tensor({5.0, 5.0, 5.0, 5.0}), tensor({2, 2, 0, 2}));
      },
      "input_lengths must be integral");
  err([&] { ctc_loss(lp, tg, il, tl, 0, 7); }, "7 is not a valid value for reduction");
}
