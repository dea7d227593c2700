// Transforms: Lambda, BatchLambda, Collate, Stack, TensorLambda, Normalize.
#include <gtest/gtest.h>

#include "ember/ember.h"

using namespace ember;
using namespace ember::data;

TEST(Transforms, LambdaAndBatchLambda) {
  transforms::Lambda<int> twice([](int x) { return 2 * x; });
  EXPECT_EQ(twice.apply(4), 8);
  EXPECT_EQ(twice.apply_batch({1, 2, 3}), std::vector<int>({2, 4, 6}));
  transforms::BatchLambda<std::vector<int>, int> sum([](std::vector<int> v) {
    int s = 0;
    for (int x : v) s += x;
    return s;
  });
  EXPECT_EQ(sum.apply_batch({1, 2, 3}), 6);
  transforms::Collate<Example<>> first([](std::vector<Example<>> e) { return e.front(); });
  auto ex = first.apply_batch({{ones(2), tensor(int64_t{1})}, {zeros(2), tensor(int64_t{2})}});
  EXPECT_EQ(ex.target.item<int64_t>(), 1);
}

TEST(Transforms, Stack) {
  std::vector<Example<>> batch;
  for (int i = 0; i < 3; ++i) batch.push_back({full({2, 2}, i), tensor(int64_t{i})});
  auto out = transforms::Stack<>().apply_batch(batch);
  EXPECT_EQ(out.data.sizes(), IntArrayRef({3, 2, 2}));
  EXPECT_TRUE(out.target.equal(tensor({0, 1, 2})));
  EXPECT_EQ(out.data[2][1][1].item<float>(), 2.0f);

  std::vector<TensorExample> plain = {ones(3), zeros(3)};
  TensorExample stacked = transforms::Stack<TensorExample>().apply_batch(plain);
  Tensor& as_tensor = stacked;
  EXPECT_EQ(as_tensor.sizes(), IntArrayRef({2, 3}));
}

TEST(Transforms, TensorLambda) {
  transforms::TensorLambda<> add_one([](Tensor t) { return t + 1; });
  auto out = add_one.apply({zeros(2), tensor(int64_t{7})});
  EXPECT_TRUE(out.data.equal(ones(2)));
  EXPECT_EQ(out.target.item<int64_t>(), 7);
}

TEST(Transforms, NormalizeMatchesTorchvision) {
  // One channel: (x - 0.5) / 0.25.
  transforms::Normalize<> one(0.5, 0.25);
  auto out = one.apply({full({1, 2, 2}, 1.0), tensor(int64_t{0})});
  EXPECT_EQ(out.data.sizes(), IntArrayRef({1, 2, 2}));
  EXPECT_FLOAT_EQ(out.data[0][1][1].item<float>(), 2.0f);
  // Per channel, as torchvision.transforms.Normalize([0.1, 0.2, 0.3], [1, 2, 4]).
  transforms::Normalize<> three({0.1, 0.2, 0.3}, {1.0, 2.0, 4.0});
  Tensor x = arange(12, kFloat).view({3, 2, 2});
  Tensor y = three(x);
  EXPECT_EQ(y.sizes(), IntArrayRef({3, 2, 2}));
  EXPECT_FLOAT_EQ(y[0][0][1].item<float>(), (1.0f - 0.1f) / 1.0f);
  EXPECT_FLOAT_EQ(y[1][1][0].item<float>(), (6.0f - 0.2f) / 2.0f);
  EXPECT_FLOAT_EQ(y[2][1][1].item<float>(), (11.0f - 0.3f) / 4.0f);
  // The whole-batch form gives the same values, also for inputs of fewer dims.
  Tensor b = rand({4, 3, 2, 2});
  auto stacked = three.apply_stacked({b, arange(4)});
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(stacked.data[i].equal(three(b[i])));
  Tensor flat = rand({4, 2, 2});
  auto flat_out = one.apply_stacked({flat, arange(4)});
  EXPECT_EQ(flat_out.data.sizes(), IntArrayRef({4, 1, 2, 2}));
  EXPECT_TRUE(flat_out.data[3].equal(one(flat[3])));
  EXPECT_TRUE(one.can_apply_stacked());
}
