// index_select, index_add, index_copy, index_fill, take, one_hot (src/ops/index.cpp).
// Expected values from PyTorch 1.13 (expression in each comment).
#include <gtest/gtest.h>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::throws_with;

namespace {
Tensor x12() { return arange(12, kFloat).view({3, 4}); }
Tensor longs(std::vector<int64_t> v) { return tensor(v); }
Tensor longs2(std::initializer_list<std::vector<int64_t>> rows) {
  std::vector<Tensor> r;
  for (const auto& v : rows) r.push_back(tensor(v).unsqueeze(0));
  Tensor out = r[0];
  for (size_t i = 1; i < r.size(); ++i) {
    Tensor n = empty({out.size(0) + 1, out.size(1)}, kLong);
    n.index_put_({indexing::Slice(0, out.size(0))}, out);
    n.index_put_({out.size(0)}, r[i].squeeze(0));
    out = n;
  }
  return out;
}
}  // namespace

TEST(IndexSelect, Values) {
  // x.index_select(1, [2,0,2])
  EXPECT_TRUE(all_close(x12().index_select(1, longs({2, 0, 2})),
                        tensor({{2.0f, 0.0f, 2.0f}, {6.0f, 4.0f, 6.0f}, {10.0f, 8.0f, 10.0f}})));
  // non-contiguous input, int32 index, 0-dim, zero-size
  EXPECT_TRUE(all_close(x12().t().index_select(0, tensor({1})), tensor({{1.0f, 5.0f, 9.0f}})));
  EXPECT_TRUE(all_close(tensor(5.0).index_select(0, longs({0})), tensor(5.0)));
  EXPECT_EQ(x12().index_select(0, empty({0}, kLong)).sizes(), IntArrayRef({0, 4}));
  for (ScalarType dt : {kDouble, kHalf, kBFloat16, kInt, kByte, kBool, kChar, kShort}) {
    Tensor y = x12().to(dt).index_select(0, longs({2, 1}));
    EXPECT_EQ(y.dtype(), dt);
    EXPECT_TRUE(all_close(y, x12().index_select(0, longs({2, 1})).to(dt)));
  }
  Tensor out = empty({0}, kFloat);
  index_select_out(out, x12(), 0, longs({1}));
  EXPECT_TRUE(all_close(out, tensor({{4.0f, 5.0f, 6.0f, 7.0f}})));
}

TEST(IndexSelect, ErrorsAndGrad) {
  EXPECT_TRUE(throws_with([] { x12().index_select(1, longs({4})); },
                          "index 4 is out of bounds for dimension 1 with size 4"));
  EXPECT_THROW(x12().index_select(1, longs({-1})), Error);
  EXPECT_THROW(x12().index_select(1, tensor({1.0})), Error);
  EXPECT_THROW(x12().index_select(1, longs2({{0}})), Error);
  EXPECT_THROW(x12().index_select(2, longs({0})), Error);
  Tensor a = arange(12, kDouble).view({3, 4});
  auto f = [](const variable_list& v) { return v[0].index_select(1, longs({2, 0, 2})).exp(); };
  EXPECT_TRUE(gradcheck(f, {a * 0.1}));
  EXPECT_TRUE(gradgradcheck(f, {a * 0.1}));
  Tensor b = a.clone().requires_grad_();
  EXPECT_EQ(b.index_select(0, longs({0})).grad_fn()->name(), "IndexSelectBackward0");
}

TEST(IndexAdd, ValuesGradErrors) {
  // zeros(3,4).index_add(1, [0,2,0], ones(3,3), alpha=2) -> rows [4, 0, 2, 0]
  Tensor r = zeros({3, 4}).index_add(1, longs({0, 2, 0}), ones({3, 3}), 2);
  EXPECT_TRUE(all_close(r[1], tensor({4.0f, 0.0f, 2.0f, 0.0f})));
  Tensor z = zeros({3, 4}, kInt);
  z.index_add_(0, longs({1}), ones({1, 4}, kInt));
  EXPECT_EQ(z.sum().item<int64_t>(), 4);
  EXPECT_TRUE(throws_with(
      [] {
        zeros({3, 2}).index_add(0, longs({0, 1}), ones({1, 2}));
      },
      "Number of indices (2) should be equal to source.size(dim): (1)"));
  EXPECT_THROW(zeros({3, 2}).index_add(0, longs({3}), ones({1, 2})), Error);
  EXPECT_THROW(zeros({3, 2}).index_add(0, longs({0}), ones({1, 2}, kDouble)), Error);
  Tensor a = arange(12, kDouble).view({3, 4}) * 0.1;
  Tensor s = ones({3, 2}, kDouble) * 0.3;
  auto f = [](const variable_list& v) {
    return v[0].index_add(1, longs({3, 3}), v[1] * v[1], 1.5) * v[0];
  };
  EXPECT_TRUE(gradcheck(f, {a, s}));
  EXPECT_TRUE(gradgradcheck(f, {a, s}));
}

TEST(IndexCopyFill, ValuesGrad) {
  // zeros(3,4).index_copy(0, [2,0], arange(8).view(2,4))
  Tensor c = zeros({3, 4}).index_copy(0, longs({2, 0}), arange(8, kFloat).view({2, 4}));
  EXPECT_TRUE(all_close(c[0], tensor({4.0f, 5.0f, 6.0f, 7.0f})));
  EXPECT_TRUE(all_close(c[2], tensor({0.0f, 1.0f, 2.0f, 3.0f})));
  EXPECT_EQ(c[1].sum().item<double>(), 0.0);
  // x.index_fill(1, [-1, 0], -1)
  Tensor f = x12().index_fill(1, longs({-1, 0}), -1.0);
  EXPECT_TRUE(all_close(f[2], tensor({-1.0f, 9.0f, 10.0f, -1.0f})));
  Tensor g = x12();
  g.index_fill_(0, longs({1}), tensor(0.5f));
  EXPECT_TRUE(all_close(g[1], full({4}, 0.5f)));
  EXPECT_THROW(x12().index_fill(1, longs({4}), 1.0), Error);
  EXPECT_THROW(x12().index_fill(1, longs({0}), tensor({1.0f})), Error);
  EXPECT_THROW(zeros({3}).index_copy(0, longs({-1}), ones({1})), Error);
  Tensor a = arange(12, kDouble).view({3, 4}) * 0.1;
  Tensor s = ones({2, 4}, kDouble) * 0.3;
  auto fc = [](const variable_list& v) { return v[0].index_copy(0, longs({2, 0}), v[1]) * v[0]; };
  EXPECT_TRUE(gradcheck(fc, {a, s}));
  EXPECT_TRUE(gradgradcheck(fc, {a, s}));
  Tensor val = tensor(0.7, kDouble);
  auto ff = [](const variable_list& v) { return v[0].index_fill(1, longs({1}), v[1]) * v[0]; };
  EXPECT_TRUE(gradcheck(ff, {a, val}));
  EXPECT_TRUE(gradgradcheck(ff, {a, val}));
}

TEST(Take, ValuesGrad) {
  // x.take([[0,-1],[5,11]])
  EXPECT_TRUE(
      all_close(x12().take(longs2({{0, -1}, {5, 11}})), tensor({{0.0f, 11.0f}, {5.0f, 11.0f}})));
  // x.t().take([1,4]) -> [4, 5]
  EXPECT_TRUE(all_close(x12().t().take(longs({1, 4})), tensor({4.0f, 5.0f})));
  EXPECT_THROW(x12().take(longs({12})), Error);
  EXPECT_THROW(x12().take(tensor({1}).to(kInt)), Error);
  Tensor a = arange(6, kDouble).view({2, 3}) * 0.1;
  auto f = [](const variable_list& v) { return v[0].take(longs({0, 5, 0})).exp(); };
  EXPECT_TRUE(gradcheck(f, {a}));
  EXPECT_TRUE(gradgradcheck(f, {a}));
  EXPECT_EQ(a.clone().requires_grad_().take(longs({0})).grad_fn()->name(), "TakeBackward0");
}

TEST(OneHot, Values) {
  // one_hot([[0,2],[1,0]])
  Tensor o = one_hot(tensor({{int64_t{0}, int64_t{2}}, {int64_t{1}, int64_t{0}}}));
  EXPECT_EQ(o.sizes(), IntArrayRef({2, 2, 3}));
  EXPECT_TRUE(all_close(o[0][1], longs({0, 0, 1})));
  EXPECT_TRUE(all_close(one_hot(longs({3}), 5), longs2({{0, 0, 0, 1, 0}})));
  EXPECT_EQ(one_hot(empty({0}, kLong), 4).sizes(), IntArrayRef({0, 4}));
  EXPECT_TRUE(throws_with([] { one_hot(longs({3}), 3); },
                          "Class values must be smaller than num_classes."));
  EXPECT_TRUE(throws_with([] { one_hot(longs({-1}), 3); }, "Class values must be non-negative."));
  EXPECT_THROW(one_hot(empty({0}, kLong)), Error);
  EXPECT_THROW(one_hot(tensor({1.0})), Error);
}

TEST(Put, ValuesGrad) {
  Tensor x = arange(6, kFloat).view({2, 3});
  // x.put([0,5,0], [10,20,30]) -> [[30,1,2],[3,4,20]]; accumulate=True -> [[40,1,2],[3,4,25]]
  Tensor idx = longs({0, 5, 0});
  Tensor src = tensor({10.0f, 20.0f, 30.0f});
  EXPECT_TRUE(all_close(x.put(idx, src), tensor({{30.0f, 1.0f, 2.0f}, {3.0f, 4.0f, 20.0f}})));
  EXPECT_TRUE(all_close(x.put(idx, src, true), tensor({{40.0f, 1.0f, 2.0f}, {3.0f, 4.0f, 25.0f}})));
  // x.put([-1], [9.]) writes the last element; in place on a transposed tensor (row-major order
  // of the transposed view)
  EXPECT_EQ(x.put(longs({-1}), tensor({9.0f}))[1][2].item<float>(), 9.0f);
  Tensor base = zeros({3, 2});
  Tensor t = base.t();
  t.put_(longs({1}), tensor({7.0f}));
  EXPECT_EQ(base[1][0].item<float>(), 7.0f);
  EXPECT_THROW(x.put(longs({6}), tensor({9.0f})), Error);
  EXPECT_TRUE(throws_with(
      [&] {
        x.put(longs({1, 2}), tensor({9.0f}));
      },
      "Expected source and index to have the same number of elements"));
  EXPECT_THROW(x.put(tensor({1}).to(kInt), tensor({9.0f})), Error);
  Tensor a = arange(6, kDouble).view({2, 3}) * 0.1;
  Tensor s = tensor({0.5, -0.5}, kDouble);
  for (bool acc : {false, true}) {
    auto f = [acc](const variable_list& v) { return v[0].put(longs({4, 1}), v[1], acc) * v[0]; };
    EXPECT_TRUE(gradcheck(f, {a, s}));
    EXPECT_TRUE(gradgradcheck(f, {a, s}));
  }
}

TEST(TakeAlongDim, Values) {
  Tensor x = arange(6, kFloat).view({2, 3});
  // torch.take_along_dim(x, [[2],[0]], 1) -> [[2],[3]]
  EXPECT_TRUE(all_close(take_along_dim(x, tensor({{int64_t{2}}, {int64_t{0}}}), 1),
                        tensor({{2.0f}, {3.0f}})));
  // torch.take_along_dim(x, [[2,1,0]], 1) -> broadcast over rows: [[2,1,0],[5,4,3]]
  Tensor row = longs({2, 1, 0}).view({1, 3});
  EXPECT_TRUE(
      all_close(x.take_along_dim(row, 1), tensor({{2.0f, 1.0f, 0.0f}, {5.0f, 4.0f, 3.0f}})));
  // torch.take_along_dim(x, [5, 0]) -> [5, 0]
  EXPECT_TRUE(all_close(take_along_dim(x, longs({5, 0})), tensor({5.0f, 0.0f})));
  EXPECT_THROW(take_along_dim(x, row.to(kInt), 1), Error);
  EXPECT_THROW(take_along_dim(x, longs({2}), 1), Error);
  auto f = [row](const variable_list& v) { return v[0].take_along_dim(row, 1).exp(); };
  EXPECT_TRUE(gradcheck(f, {arange(6, kDouble).view({2, 3}) * 0.1}));
}
