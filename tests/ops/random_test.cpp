// Seeded streams against PyTorch 1.13 (torch.manual_seed(0) then the same call).
#include "ember/ops/random.h"

#include <gtest/gtest.h>

#include "ember/ops/index.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using namespace ember::indexing;

TEST(Random, RandMatchesPyTorch) {
  manual_seed(0);
  EXPECT_TRUE(all_close(rand({3}), tensor({0.4963f, 0.7682f, 0.0885f}), 0, 1e-4));
  manual_seed(0);
  // torch.rand(3, dtype=torch.float64)
  EXPECT_TRUE(all_close(
      rand({3}, kDouble),
      tensor({0.9700530018065531, 0.707819864399788, 0.45938294312745087}, kDouble), 1e-15, 0));
  manual_seed(0);
  Tensor a = rand({2});
  Tensor b = randn({2});  // the stream continues across calls
  EXPECT_TRUE(all_close(a, tensor({0.4963f, 0.7682f}), 0, 1e-4));
  EXPECT_TRUE(all_close(b, tensor({-0.2905f, -1.0704f}), 0, 1e-4));
}

TEST(Random, RandnMatchesPyTorch) {
  manual_seed(0);
  EXPECT_TRUE(all_close(randn({3}),
                        tensor({1.5409960746765137f, -0.293428897857666f, -2.1787893772125244f}),
                        1e-6, 0));
  manual_seed(0);
  EXPECT_TRUE(all_close(
      randn({3}, kDouble),
      tensor({1.5409961082440433, -0.2934289057609464, -2.1787893820745574}, kDouble), 1e-14, 0));
  manual_seed(0);
  Tensor a = randn({20});  // blocks of 16 with the last block recomputed
  EXPECT_TRUE(all_close(a.index({Slice(0, 3)}),
                        tensor({-1.1258398294448853f, -1.152360200881958f, -0.2505785822868347f}),
                        1e-5, 1e-6));
  EXPECT_TRUE(all_close(
      a.index({Slice(16, None)}),
      tensor({0.9318265914916992f, 1.2590092420578003f, 2.0049805641174316f, 0.05373690277338028f}),
      1e-5, 1e-6));
  manual_seed(0);
  Tensor d = randn({16}, kDouble);
  EXPECT_TRUE(all_close(
      d.index({Slice(0, 3)}),
      tensor({-2.310411800234176, -0.3732508612577643, -1.0608166785462863}, kDouble), 1e-12, 0));
  EXPECT_TRUE(all_close(d.index({Slice(14, None)}),
                        tensor({0.07138847120511693, 0.3380174030507378}, kDouble), 1e-12, 1e-14));
  manual_seed(0);
  EXPECT_TRUE(all_close(empty({3}).normal_(2, 3),
                        tensor({6.622988224029541f, 1.119713306427002f, -4.536368370056152f}), 1e-6,
                        0));
}

TEST(Random, IntegerStreamsMatchPyTorch) {
  manual_seed(0);
  EXPECT_TRUE(all_close(randint(10, {5}), tensor({4, 9, 3, 0, 3}), 0, 0));
  EXPECT_TRUE(all_close(randint(3, 8, {4}), tensor({7, 5, 6, 5}), 0, 0));
  manual_seed(0);
  EXPECT_TRUE(all_close(randperm(8), tensor({4, 0, 7, 3, 2, 5, 1, 6}), 0, 0));
  manual_seed(0);
  EXPECT_TRUE(all_close(empty({5}).bernoulli_(0.5), tensor({0.0f, 0.0f, 1.0f, 0.0f, 0.0f}), 0, 0));
  manual_seed(0);
  EXPECT_TRUE(all_close(empty({3}).exponential_(),
                        tensor({3.508326292037964f, 1.2303847074508667f, 0.615044116973877f}), 1e-6,
                        0));
}

TEST(Random, GeneratorsAreIndependentAndStatisticsHold) {
  Generator g = make_generator(42);
  manual_seed(0);
  Tensor a = rand({4}, g);
  Tensor b = rand({4});
  manual_seed(0);
  EXPECT_TRUE(all_close(b, rand({4}), 0, 0));  // g did not advance the default generator
  g.set_current_seed(42);
  EXPECT_TRUE(all_close(a, rand({4}, g), 0, 0));
  manual_seed(1);
  Tensor n = randn({100000}, kDouble);
  EXPECT_NEAR(n.mean().item<double>(), 0.0, 0.02);
  EXPECT_NEAR((n * n).mean().item<double>(), 1.0, 0.02);
  Tensor u = rand({100000}, kDouble);
  EXPECT_NEAR(u.mean().item<double>(), 0.5, 0.01);
  Tensor e = empty({100000}, kDouble).exponential_(2.0);
  EXPECT_NEAR(e.mean().item<double>(), 0.5, 0.01);
  Tensor bern = empty({100000}, kDouble).bernoulli_(0.3);
  EXPECT_NEAR(bern.mean().item<double>(), 0.3, 0.01);
  Tensor h = randn({1000}, kHalf);
  EXPECT_EQ(h.dtype(), kHalf);
  EXPECT_NEAR(h.to(kFloat).mean().item<float>(), 0.0f, 0.15f);
}

TEST(Random, Errors) {
  EXPECT_THROW(rand({3}, kLong), Error);
  EXPECT_THROW(randint(5, 5, {2}), Error);
  EXPECT_THROW(randperm(-1), Error);
  EXPECT_THROW(empty({2}).bernoulli_(1.5), Error);
  EXPECT_THROW(empty({2}).normal_(0, -1), Error);
  Tensor leaf = zeros({2}, requires_grad());
  EXPECT_THROW(leaf.uniform_(), Error);
  Tensor probs = tensor({0.0, 1.0});
  EXPECT_TRUE(all_close(bernoulli(probs), tensor({0.0, 1.0}), 0, 0));
}
