// src/ops/shape_extra.cpp: tensor_split, h/v/dsplit, narrow_copy, rot90, fliplr/flipud,
// atleast_Nd and the in-place geometry ops t_/squeeze_/unsqueeze_ — values vs PyTorch 1.13.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::ramp;
using ember::testing::ref;
using ember::testing::same;
using ember::testing::throws_with;

namespace {
// a = torch.arange(12.).reshape(3,4)
Tensor A() { return arange(12, kDouble).reshape({3, 4}); }
}  // namespace

TEST(Shape, CompositeSplitsAndRotations) {
  Tensor a = A();
  // [t.shape for t in a.tensor_split(3,1)] -> [3,2], [3,1], [3,1]
  auto ts = a.tensor_split(3, 1);
  ASSERT_EQ(ts.size(), 3u);
  EXPECT_EQ(ts[0].size(1), 2);
  EXPECT_EQ(ts[2].size(1), 1);
  // torch.arange(7).tensor_split([1,5,9]) -> [0], [1,2,3,4], [5,6], []
  auto ti = arange(7).tensor_split({1, 5, 9});
  ASSERT_EQ(ti.size(), 4u);
  EXPECT_TRUE(same(ti[1], tensor({1, 2, 3, 4})));
  EXPECT_EQ(ti[3].numel(), 0);
  EXPECT_TRUE(throws_with([&] { a.tensor_split(0); }, "number of sections must be larger than 0"));
  EXPECT_TRUE(throws_with([&] { a.hsplit(3); }, "is not divisible by the split_size 3"));
  EXPECT_TRUE(
      throws_with([&] { arange(3).vsplit(1); }, "requires a tensor with at least 2 dimension"));
  EXPECT_EQ(a.vsplit(3).size(), 3u);
  EXPECT_EQ(zeros({2, 2, 4}).dsplit(std::vector<int64_t>{1}).at(1).size(2), 3);
  // a.rot90(1) and a.rot90(-1,[1,0]) -> [[3,7,11],[2,6,10],[1,5,9],[0,4,8]]
  Tensor expect = ref({3, 7, 11, 2, 6, 10, 1, 5, 9, 0, 4, 8}, {4, 3});
  EXPECT_TRUE(all_close(a.rot90(), expect));
  EXPECT_TRUE(all_close(a.rot90(-1, {1, 0}), expect));
  EXPECT_TRUE(all_close(a.rot90(2), a.flip({0, 1})));
  EXPECT_TRUE(throws_with([&] { a.rot90(1, {0, 0}); }, "expected rotation dims to be different"));
  EXPECT_TRUE(throws_with([&] { arange(3).fliplr(); }, "Input must be >= 2-d."));
  EXPECT_TRUE(all_close(a.flipud(), a.flip({0})));
  EXPECT_TRUE(all_close(a.narrow_copy(1, 1, 2), a.narrow(1, 1, 2)));
  EXPECT_FALSE(a.narrow_copy(1, 1, 2).is_alias_of(a));
  EXPECT_EQ(atleast_3d(tensor(1.0)).sizes(), IntArrayRef({1, 1, 1}));
  EXPECT_EQ(atleast_2d(zeros({3})).sizes(), IntArrayRef({1, 3}));
  Tensor g = zeros({1, 3, 1});
  g.squeeze_(0);
  EXPECT_EQ(g.sizes(), IntArrayRef({3, 1}));
  g.t_().unsqueeze_(0);
  EXPECT_EQ(g.sizes(), IntArrayRef({1, 1, 3}));
  g.squeeze_();
  EXPECT_EQ(g.sizes(), IntArrayRef({3}));
  Tensor r = zeros({1, 2}).requires_grad_();
  EXPECT_THROW(r.squeeze_(), Error);
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        auto p = x[0].tensor_split(2, 1);
        return p[0].rot90() * p[1].rot90(3).t();
      },
      {ramp({2, 4})}));
}

namespace {
// b = torch.arange(24.).reshape(2,3,4)
Tensor B() { return arange(24, kDouble).reshape({2, 3, 4}); }
}  // namespace

TEST(ShapeExtra, TensorSplitEdgeCases) {
  // torch.arange(7).tensor_split([5,2]) -> [0..4], [], [2..6] (indices need not increase)
  auto p = arange(7).tensor_split({5, 2});
  ASSERT_EQ(p.size(), 3u);
  EXPECT_TRUE(same(p[0], tensor({0, 1, 2, 3, 4})));
  EXPECT_EQ(p[1].numel(), 0);
  EXPECT_TRUE(same(p[2], tensor({2, 3, 4, 5, 6})));
  // [t.shape for t in torch.arange(5).tensor_split(7)] -> five [1], two [0]
  auto q = arange(5).tensor_split(7);
  ASSERT_EQ(q.size(), 7u);
  for (size_t i = 0; i < q.size(); ++i) EXPECT_EQ(q[i].numel(), i < 5 ? 1 : 0);
  // b.tensor_split(3, -1) -> [2,3,2], [2,3,1], [2,3,1], views of b on a transposed input too.
  Tensor bt = B().transpose(0, 2);  // [4, 3, 2]
  auto r = B().tensor_split(3, -1);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].sizes(), IntArrayRef({2, 3, 2}));
  EXPECT_TRUE(all_close(r[2], B().narrow(2, 3, 1)));
  auto rt = bt.tensor_split(3, 0);
  EXPECT_TRUE(rt[1].is_alias_of(bt));
  EXPECT_TRUE(same(rt[1], B().narrow(2, 2, 1).transpose(0, 2)));
  EXPECT_EQ(zeros({0, 2}).tensor_split(2).at(1).sizes(), IntArrayRef({0, 2}));
  // torch: "tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims"
  EXPECT_TRUE(throws_with([] { tensor(1.0).tensor_split(2); },
                          "[tensor_split] tensor_split expected at least a 1-dimensional"));
  EXPECT_TRUE(throws_with([] { tensor(1.0).tensor_split({1}); }, "[tensor_split]"));
  EXPECT_TRUE(throws_with([] { zeros({4}).tensor_split(-1); },
                          "number of sections must be larger than 0, got -1"));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        auto s = x[0].tensor_split({1, 3}, 1);
        return s[0] * 2 + s[2].sum() - s[1].sum(1, true);
      },
      {ramp({2, 4})}));
}

TEST(ShapeExtra, HVDSplit) {
  // torch.arange(6).hsplit(3) -> [0,1], [2,3], [4,5] (1-d splits dim 0)
  auto h = arange(6).hsplit(3);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_TRUE(same(h[2], tensor({4, 5})));
  auto hi = A().hsplit(std::vector<int64_t>{1, 3});
  ASSERT_EQ(hi.size(), 3u);
  EXPECT_TRUE(all_close(hi[1], A().narrow(1, 1, 2)));
  auto vi = A().vsplit(std::vector<int64_t>{2});
  EXPECT_TRUE(all_close(vi[1], ref({8, 9, 10, 11}, {1, 4})));
  auto d = B().dsplit(2);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_TRUE(all_close(d[1], B().narrow(2, 2, 2)));
  EXPECT_TRUE(d[1].is_alias_of(d[0]));
  // torch: "torch.hsplit attempted to split along dimension 1, but the size of the dimension 4 is
  // not divisible by the split_size 0!"
  EXPECT_TRUE(throws_with([] { A().hsplit(0); },
                          "[hsplit] torch.hsplit attempted to split along dimension 1, but the "
                          "size of the dimension 4 is not divisible by the split_size 0!"));
  // torch: "torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with 2
  // dimensions!"
  EXPECT_TRUE(throws_with(
      [] {
        zeros({2, 2}).dsplit(2);
      },
      "[dsplit] torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with 2 "
      "dimensions!"));
  EXPECT_TRUE(throws_with([] { zeros({2, 2}).dsplit(std::vector<int64_t>{1}); }, "[dsplit]"));
  EXPECT_TRUE(throws_with([] { tensor(1.0).hsplit(1); }, "[hsplit]"));
  EXPECT_TRUE(throws_with([] { B().vsplit(3); }, "[vsplit]"));
}

TEST(ShapeExtra, Rot90FlipAndNarrowCopy) {
  // b.rot90(1, [1, 2])[1] -> [[15,19,23],[14,18,22],[13,17,21],[12,16,20]]
  Tensor r = B().rot90(1, {1, 2});
  EXPECT_EQ(r.sizes(), IntArrayRef({2, 4, 3}));
  EXPECT_TRUE(
      all_close(r.select(0, 1), ref({15, 19, 23, 14, 18, 22, 13, 17, 21, 12, 16, 20}, {4, 3})));
  // k is taken mod 4: rot90(5) == rot90(1), rot90(-2) == flip both dims.
  EXPECT_TRUE(same(B().rot90(5, {1, 2}), r));
  EXPECT_TRUE(same(B().rot90(-2, {-2, -1}), B().flip({1, 2})));
  EXPECT_TRUE(same(B().rot90(4, {0, 2}), B()));
  // a.rot90(0) is a copy, not a view.
  Tensor a = A();
  EXPECT_FALSE(a.rot90(0).is_alias_of(a));
  // a.t().rot90(0).stride() -> (3, 1): a contiguous copy.
  EXPECT_EQ(A().t().rot90(0).strides(), IntArrayRef({3, 1}));
  EXPECT_TRUE(same(arange(6, kInt).reshape({2, 3}).t().rot90(),
                   arange(6, kInt).reshape({2, 3}).t().contiguous().rot90()));
  EXPECT_TRUE(throws_with([] { zeros({3}).rot90(); },
                          "[rot90] expected total dims >= 2, but got total dims = 1"));
  EXPECT_TRUE(throws_with(
      [] {
        zeros({2, 2}).rot90(1, {0, 1, 1});
      },
      "[rot90] expected total rotation dims == 2, but got dims = 3"));
  // b.fliplr()[0] -> rows of b[0] reversed; b.flipud()[0] -> b[1]
  EXPECT_TRUE(
      all_close(B().fliplr().select(0, 0), ref({8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3}, {3, 4})));
  EXPECT_TRUE(all_close(B().flipud().select(0, 0), B().select(0, 1)));
  EXPECT_TRUE(same(tensor({1, 2, 3}).flipud(), tensor({3, 2, 1})));
  EXPECT_TRUE(throws_with([] { tensor(1.0).flipud(); }, "[flipud] Input must be >= 1-d."));
  EXPECT_TRUE(throws_with([] { zeros({3}).fliplr(); }, "[fliplr] Input must be >= 2-d."));
  // narrow_copy on a transposed input: a contiguous copy of the narrowed view
  // (torch: a.t().narrow_copy(0,1,2).is_contiguous() -> True, stride (3, 1)).
  Tensor nc = A().t().narrow_copy(0, 1, 2);
  EXPECT_TRUE(same(nc, A().t().narrow(0, 1, 2)));
  EXPECT_EQ(nc.strides(), IntArrayRef({3, 1}));
  EXPECT_EQ(zeros({0, 3}).narrow_copy(1, 1, 2).sizes(), IntArrayRef({0, 2}));
  EXPECT_THROW(A().narrow_copy(1, 3, 2), Error);
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0].narrow_copy(1, 1, 2); }, {ramp({2, 3})}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].fliplr() * x[0].flipud(); },
                            {ramp({2, 2})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].rot90(3, {0, 2});
      },
      {ramp({2, 3, 2})}));
}

TEST(ShapeExtra, AtLeastAndInplaceGeometry) {
  // torch.atleast_1d(x) is x for 1-d; atleast_3d: [2,3] -> [2,3,1], [3] -> [1,3,1], 0-dim ->
  // [1,1,1]
  Tensor v = zeros({3});
  EXPECT_TRUE(atleast_1d(v).is_same(v));
  Tensor b = B();
  EXPECT_TRUE(atleast_3d(b).is_same(b));
  EXPECT_TRUE(atleast_2d(b).is_same(b));
  EXPECT_EQ(atleast_1d(tensor(2.0)).sizes(), IntArrayRef({1}));
  EXPECT_EQ(atleast_2d(tensor(2.0)).sizes(), IntArrayRef({1, 1}));
  EXPECT_EQ(atleast_2d(A()).sizes(), IntArrayRef({3, 4}));
  EXPECT_EQ(atleast_3d(zeros({2, 3})).sizes(), IntArrayRef({2, 3, 1}));
  EXPECT_EQ(atleast_3d(zeros({3})).sizes(), IntArrayRef({1, 3, 1}));
  EXPECT_EQ(atleast_3d(tensor(2.0)).item<float>(), 2.f);
  // In-place geometry keeps the storage and values.
  Tensor a = A();
  Tensor keep = a;
  a.t_();
  EXPECT_EQ(a.sizes(), IntArrayRef({4, 3}));
  EXPECT_TRUE(all_close(a, A().t()));
  EXPECT_TRUE(keep.is_same(a));
  Tensor one = zeros({3});
  one.t_();
  EXPECT_EQ(one.sizes(), IntArrayRef({3}));
  Tensor u = zeros({2, 3});
  u.unsqueeze_(-1);
  EXPECT_EQ(u.sizes(), IntArrayRef({2, 3, 1}));
  u.squeeze_(0);  // size 2: no-op
  EXPECT_EQ(u.sizes(), IntArrayRef({2, 3, 1}));
  u.squeeze_(-1);
  EXPECT_EQ(u.sizes(), IntArrayRef({2, 3}));
  // torch: "t_() expects a tensor with <= 2 dimensions, but self is 3D"
  EXPECT_TRUE(throws_with(
      [] {
        zeros({3, 3, 3}).t_();
      },
      "[t_] t_() expects a tensor with <= 2 dimensions, but self is 3D"));
  // Refused on a tensor that requires grad (its autograd is not implemented), allowed under
  // no_grad as in PyTorch: with torch.no_grad(): g.squeeze_() -> shape [2]
  Tensor g = zeros({1, 2}).requires_grad_();
  EXPECT_TRUE(throws_with([&] { g.unsqueeze_(0); }, "[unsqueeze_]"));
  EXPECT_TRUE(throws_with([&] { g.squeeze_(0); }, "[squeeze_]"));
  EXPECT_TRUE(throws_with([&] { g.t_(); }, "[t_]"));
  {
    NoGradGuard ng;
    g.squeeze_();
  }
  EXPECT_EQ(g.sizes(), IntArrayRef({2}));
}
