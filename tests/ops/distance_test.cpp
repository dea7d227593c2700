// cosine_similarity (src/ops/distance.cpp) against PyTorch 1.13 (values from /usr/bin/python3),
// gradcheck and gradgradcheck, errors.
#include "ember/ops/distance.h"

#include <gtest/gtest.h>

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
}  // namespace

TEST(CosineSimilarity, MatchesPyTorch) {
  Tensor a = mk({2, 3}, 0.37), b = mk({2, 3}, 0.8) + 0.5;
  EXPECT_TRUE(all_close(cosine_similarity(a, b), tensor({0.9507338715990912, 0.5895765318069223})));
  EXPECT_TRUE(all_close(cosine_similarity(a, b, 0, 0.5),
                        tensor({0.920210218604087, 0.6413961872428067, 0.42783336621730456})));
  EXPECT_EQ(cosine_similarity(a, b.select(0, 0)).sizes(), IntArrayRef({2}));  // broadcasts
  auto f = [](const variable_list& v) { return cosine_similarity(v[0], v[1]); };
  EXPECT_TRUE(ember::testing::gradcheck(f, {a, b}));
  EXPECT_TRUE(ember::testing::gradgradcheck(f, {a, b}));
  EXPECT_THROW(cosine_similarity(a, mk({4, 3}, 0.1)), Error);
  EXPECT_THROW(cosine_similarity(a, b, 2), Error);
}

TEST(CosineSimilarity, Functional) {
  namespace F = nn::functional;
  Tensor a = mk({2, 3}, 0.37), b = mk({2, 3}, 0.8) + 0.5;
  EXPECT_TRUE(F::cosine_similarity(a, b, F::CosineSimilarityFuncOptions().dim(0).eps(0.5))
                  .equal(cosine_similarity(a, b, 0, 0.5)));
  EXPECT_TRUE(F::pairwise_distance(a, b, F::PairwiseDistanceFuncOptions().p(1).keepdim(true))
                  .equal(pairwise_distance(a, b, 1, 1e-6, true)));
}
