// nn::utils: gradient clipping and parameter/vector conversion against PyTorch 1.13.
#include "ember/nn/utils.h"

#include <gtest/gtest.h>

#include <limits>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {
std::vector<Tensor> make_params() {
  Tensor a = tensor({1.0, -2.0, 3.0}, dtype(kDouble).requires_grad(true));
  Tensor b = tensor({0.5, -4.0, 2.0, 0.25}, kDouble).view({2, 2}).detach().requires_grad_(true);
  a.mutable_grad() = tensor({0.3, -1.2, 2.5}, kDouble);
  b.mutable_grad() = tensor({-0.7, 4.0, 1.5, -0.2}, kDouble).view({2, 2});
  return {a, b};
}
Tensor grads(const std::vector<Tensor>& ps) {
  return cat({ps[0].grad().reshape({-1}), ps[1].grad().reshape({-1})});
}
}  // namespace

TEST(ClipGradNorm, MatchesPyTorch) {
  struct Case {
    double norm_type, total;
    std::vector<double> clipped;
  };
  const double inf = std::numeric_limits<double>::infinity();
  // torch.nn.utils.clip_grad_norm_([a, b], 1.5, norm_type)
  std::vector<Case> cases = {
      {2.0,
       5.15363949069005,
       {0.08731691719919465, -0.3492676687967786, 0.7276409766599555, -0.20373947346478752,
        1.1642255626559288, 0.4365845859959733, -0.058211278132796446}},
      {1.0,
       10.4,
       {0.04326922660872821, -0.17307690643491283, 0.3605768884060684, -0.10096152875369914,
        0.5769230214497094, 0.21634613304364103, -0.028846151072485473}},
      {3.0,
       4.398656614679648,
       {0.102303938933145, -0.40921575573258, 0.8525328244428751, -0.23870919084400502,
        1.3640525191086001, 0.511519694665725, -0.06820262595543002}},
      {inf,
       4.0,
       {0.11249997187500703, -0.4499998875000281, 0.9374997656250585, -0.2624999343750164,
        1.4999996250000938, 0.5624998593750352, -0.07499998125000469}},
      {0.5,
       59.79812899415305,
       {0.007525318936294499, -0.030101275745177996, 0.06271099113578749, -0.017559077518020497,
        0.10033758581725999, 0.037626594681472496, -0.005016879290863}},
  };
  for (const auto& c : cases) {
    auto ps = make_params();
    double total = nn::utils::clip_grad_norm_(ps, 1.5, c.norm_type);
    EXPECT_NEAR(total, c.total, 1e-12 * c.total) << "norm_type " << c.norm_type;
    EXPECT_TRUE(all_close(grads(ps), tensor(c.clipped, kDouble), 1e-12, 1e-15))
        << "norm_type " << c.norm_type;
  }
}

TEST(ClipGradNorm, NoClipSingleTensorAndFloat) {
  auto ps = make_params();
  EXPECT_NEAR(nn::utils::clip_grad_norm_(ps, 100.0), 5.15363949069005, 1e-12);
  EXPECT_TRUE(all_close(grads(ps), tensor({0.3, -1.2, 2.5, -0.7, 4.0, 1.5, -0.2}, kDouble), 0, 0));
  // float32, a single tensor: PyTorch gives 5.0 and [0.5999999046325684, 0.7999998331069946].
  Tensor a = tensor({1.0f, 2.0f}, requires_grad());
  a.mutable_grad() = tensor({3.0f, 4.0f});
  EXPECT_EQ(nn::utils::clip_grad_norm_(a, 1.0), 5.0);
  EXPECT_EQ(a.grad().dtype(), kFloat);
  EXPECT_EQ(a.grad()[0].item<float>(), 0.5999999046325684f);
  EXPECT_EQ(a.grad()[1].item<float>(), 0.7999998331069946f);
  // No gradients at all: 0, nothing touched.
  Tensor b = ones({2}, requires_grad());
  EXPECT_EQ(nn::utils::clip_grad_norm_({b}, 1.0), 0.0);
  EXPECT_FALSE(b.grad().defined());
}

TEST(ClipGradNorm, NonFinite) {
  auto ps = make_params();
  ps[0].mutable_grad() = tensor({1.0, std::numeric_limits<double>::infinity(), 0.0}, kDouble);
  try {
    nn::utils::clip_grad_norm_(ps, 1.0, 2.0, /*error_if_nonfinite=*/true);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("The total norm of order 2 for gradients from "
                                         "`parameters` is non-finite"),
              std::string::npos)
        << e.what();
  }
  // Gradients are left alone when it throws; without the flag they are scaled (by 0 here).
  EXPECT_EQ(ps[1].grad()[0][1].item<double>(), 4.0);
  EXPECT_TRUE(std::isinf(nn::utils::clip_grad_norm_(ps, 1.0)));
  EXPECT_EQ(ps[1].grad()[0][1].item<double>(), 0.0);
}

TEST(ClipGradValue, MatchesPyTorch) {
  auto ps = make_params();
  nn::utils::clip_grad_value_(ps, 1.0);
  EXPECT_TRUE(all_close(grads(ps), tensor({0.3, -1.0, 1.0, -0.7, 1.0, 1.0, -0.2}, kDouble), 0, 0));
  nn::utils::clip_grad_value_(ps[0], 0.5);
  EXPECT_TRUE(all_close(ps[0].grad(), tensor({0.3, -0.5, 0.5}, kDouble), 0, 0));
  Tensor b = ones({2}, requires_grad());
  nn::utils::clip_grad_value_({b}, 1.0);  // no gradient: nothing to do
  EXPECT_FALSE(b.grad().defined());
}

TEST(ConvertParameters, RoundTrip) {
  auto ps = make_params();
  Tensor v = nn::utils::parameters_to_vector(ps);
  EXPECT_TRUE(all_close(v, tensor({1.0, -2.0, 3.0, 0.5, -4.0, 2.0, 0.25}, kDouble), 0, 0));
  EXPECT_TRUE(v.requires_grad());
  Tensor w = arange(7, kDouble) * 2;
  nn::utils::vector_to_parameters(w, ps);
  EXPECT_TRUE(all_close(ps[0], tensor({0.0, 2.0, 4.0}, kDouble), 0, 0));
  EXPECT_TRUE(all_close(ps[1], tensor({6.0, 8.0, 10.0, 12.0}, kDouble).view({2, 2}), 0, 0));
  EXPECT_TRUE(ps[0].requires_grad());
  EXPECT_TRUE(ps[0].is_leaf());
  EXPECT_EQ(ps[1].sizes(), (std::vector<int64_t>{2, 2}));
  // The parameters now view the vector's storage, as in PyTorch.
  w.add_(1);
  EXPECT_EQ(ps[1][1][1].item<double>(), 13.0);
}

TEST(ConvertParameters, Errors) {
  auto ps = make_params();
  EXPECT_THROW(nn::utils::vector_to_parameters(zeros({6}, kDouble), ps), Error);
  EXPECT_THROW(nn::utils::vector_to_parameters(zeros({7, 1}, kDouble), ps), Error);
  EXPECT_THROW(nn::utils::vector_to_parameters(zeros({7}, kFloat), ps), Error);
}
