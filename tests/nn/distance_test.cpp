// CosineSimilarity / PairwiseDistance modules (src/nn/distance.cpp) against PyTorch 1.13 (values
// from /usr/bin/python3), printing as libtorch, gradients.
#include "ember/nn/modules/distance.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {
Tensor mk(std::vector<int64_t> shape, double a) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return arange(n, kDouble).mul(a).sin().reshape(shape);
}
std::string str(const nn::Module& m) {
  std::ostringstream os;
  m.pretty_print(os);
  return os.str();
}
}  // namespace

TEST(CosineSimilarityModule, MatchesPyTorch) {
  Tensor a = mk({2, 3, 4}, 0.37), b = mk({2, 3, 4}, 0.8) + 0.5;
  nn::CosineSimilarity cs;
  EXPECT_TRUE(all_close(cs(a, b).flatten(),
                        tensor({0.5994709701235461, -0.026118352197051525, -0.06816276668632049,
                                0.05486300969211416, -0.33882092871962544, -0.024798915209475886,
                                0.24540115851846395, 0.6085392422870413})));
  nn::CosineSimilarity cs2(nn::CosineSimilarityOptions().dim(2).eps(0.1));
  EXPECT_EQ(cs2(a, b).sizes(), IntArrayRef({2, 3}));
  EXPECT_TRUE(all_close(cs2(a, b).flatten(),
                        tensor({0.9180038603938041, -0.22271233132983873, -0.7703389525750866,
                                0.39202473334881405, 0.48060518037090366, -0.4956553335233901})));
  EXPECT_EQ(str(*cs), "torch::nn::CosineSimilarity(dim=1, eps=1e-08)");
  EXPECT_EQ(str(*cs2), "torch::nn::CosineSimilarity(dim=2, eps=0.1)");
  auto f = [&](const variable_list& v) { return cs2(v[0], v[1]); };
  EXPECT_TRUE(ember::testing::gradcheck(f, {a, b}));
  EXPECT_THROW(cs(a, mk({3, 3, 4}, 0.1)), Error);
}

TEST(PairwiseDistanceModule, MatchesPyTorch) {
  Tensor a = mk({2, 3, 4}, 0.37), b = mk({2, 3, 4}, 0.8) + 0.5;
  nn::PairwiseDistance pd;
  EXPECT_TRUE(all_close(pd(a, b).flatten(),
                        tensor({1.319716560030288, 1.9726892441361303, 3.1647853369649703,
                                1.6363604661540925, 2.075845823664928, 2.2132821559692175})));
  nn::PairwiseDistance pd2(nn::PairwiseDistanceOptions().p(1.5).eps(1e-3).keepdim(true));
  EXPECT_EQ(pd2(a, b).sizes(), IntArrayRef({2, 3, 1}));
  EXPECT_TRUE(all_close(pd2(a, b).flatten(),
                        tensor({1.60758835564026, 2.4192866532064294, 3.845687208558465,
                                1.9734895304544058, 2.5282842655600315, 2.723355975707043})));
  EXPECT_EQ(str(*pd), "torch::nn::PairwiseDistance(p=2, eps=1e-06, keepdim=false)");
  EXPECT_EQ(str(*pd2), "torch::nn::PairwiseDistance(p=1.5, eps=0.001, keepdim=true)");
  auto f = [&](const variable_list& v) { return pd2(v[0], v[1]); };
  EXPECT_TRUE(ember::testing::gradcheck(f, {a, b}));
  // Cloned modules keep their options.
  auto c = std::dynamic_pointer_cast<nn::PairwiseDistanceImpl>(pd2->clone());
  ASSERT_TRUE(c);
  EXPECT_EQ(c->options.p(), 1.5);
}
