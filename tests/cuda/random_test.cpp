// src/cuda/random.cu + random_fill.cpp: Philox fills (rand, randn, uniform_, exponential_,
// bernoulli_), reproducible per seed; dropout on the device.
#include <vector>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaRandom, PhiloxRandomFills) {
  EMBER_REQUIRE_CUDA();
  // Reproducible per seed, different from one fill to the next.
  torch::manual_seed(11);
  Tensor a = torch::rand({1000}, torch::kCUDA);
  Tensor a2 = torch::rand({1000}, torch::kCUDA);
  torch::manual_seed(11);
  Tensor b = torch::rand({1000}, torch::kCUDA);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, a2));
  EXPECT_TRUE(a.ge(0).all().item<bool>() && a.lt(1).all().item<bool>());
  // Moments of large fills, for each floating dtype.
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor n = torch::randn({1 << 20}, torch::device(torch::kCUDA).dtype(dt)).to(kDouble);
    EXPECT_NEAR(n.mean().item<double>(), 0, 0.01) << toString(dt);
    EXPECT_NEAR(n.std().item<double>(), 1, 0.01) << toString(dt);
    Tensor u = torch::empty({1 << 20}, torch::device(torch::kCUDA).dtype(dt)).uniform_(-2, 3);
    EXPECT_NEAR(u.to(kDouble).mean().item<double>(), 0.5, 0.02) << toString(dt);
    EXPECT_TRUE(u.ge(-2).all().item<bool>() && u.lt(3).all().item<bool>()) << toString(dt);
    Tensor e = torch::empty({1 << 20}, torch::device(torch::kCUDA).dtype(dt)).exponential_(2);
    EXPECT_NEAR(e.to(kDouble).mean().item<double>(), 0.5, 0.01) << toString(dt);
  }
  Tensor bern = torch::empty({1 << 20}, torch::kCUDA).bernoulli_(0.3);
  EXPECT_NEAR(bern.mean().item<double>(), 0.3, 0.005);
  Tensor probs = torch::tensor(std::vector<double>{0.0, 1.0, 0.5}).cuda();
  Tensor bt = torch::empty({3}, torch::kCUDA).bernoulli_(probs);
  EXPECT_EQ(bt[0].item<float>(), 0.0f);
  EXPECT_EQ(bt[1].item<float>(), 1.0f);
  // A non-contiguous target is filled too.
  Tensor nc = torch::zeros({8, 6}, torch::kCUDA).t();
  nc.normal_();
  EXPECT_TRUE(nc.ne(0).all().item<bool>());
  // Dropout on the device: the same mask for the same seed, about p of the values dropped.
  Tensor x = torch::ones({1 << 16}, torch::kCUDA);
  torch::manual_seed(5);
  Tensor d1 = torch::dropout(x, 0.25, true);
  torch::manual_seed(5);
  Tensor d2 = torch::dropout(x, 0.25, true);
  EXPECT_TRUE(torch::equal(d1, d2));
  EXPECT_NEAR(d1.eq(0).to(kDouble).mean().item<double>(), 0.25, 0.01);
  // An explicit CPU generator still draws on the host.
  Tensor hostdrawn = torch::randn({5}, make_generator(9), torch::kCUDA);
  EXPECT_TRUE(matches_cpu(hostdrawn, torch::randn({5}, make_generator(9))));
}
