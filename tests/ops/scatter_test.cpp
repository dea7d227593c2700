// gather, scatter(_add), masked ops, nonzero (src/ops/scatter.cpp) and cross-op checks.
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

TEST(Gather, Values) {
  // x.gather(1, [[0,3],[1,1],[2,0]])
  Tensor g = longs2({{0, 3}, {1, 1}, {2, 0}});
  EXPECT_TRUE(all_close(x12().gather(1, g), tensor({{0.0f, 3.0f}, {5.0f, 5.0f}, {10.0f, 8.0f}})));
  // x.gather(0, [[2,1,0,2]])
  EXPECT_TRUE(
      all_close(x12().gather(0, longs2({{2, 1, 0, 2}})), tensor({{8.0f, 5.0f, 2.0f, 11.0f}})));
  EXPECT_TRUE(all_close(x12().t().gather(0, longs2({{1, 0, 2}})), tensor({{1.0f, 4.0f, 10.0f}})));
  EXPECT_TRUE(all_close(tensor(3.0).gather(0, tensor(int64_t{0})), tensor(3.0)));
  EXPECT_EQ(x12().gather(1, empty({3, 0}, kLong)).sizes(), IntArrayRef({3, 0}));
  for (ScalarType dt : {kHalf, kBool, kByte, kLong}) {
    EXPECT_TRUE(all_close(x12().to(dt).gather(1, g), x12().gather(1, g).to(dt)));
  }
  Tensor out = empty({0});
  gather_out(out, x12(), 1, g);
  EXPECT_TRUE(all_close(out, x12().gather(1, g)));
}

TEST(Gather, ErrorsAndGrad) {
  EXPECT_TRUE(throws_with([] { x12().gather(1, longs2({{4}})); },
                          "index 4 is out of bounds for dimension 1 with size 4"));
  EXPECT_TRUE(throws_with([] { x12().gather(1, longs2({{-1}})); },
                          "index -1 is out of bounds for dimension 1 with size 4"));
  EXPECT_THROW(x12().gather(1, longs({0})), Error);              // wrong ndim
  EXPECT_THROW(x12().gather(1, longs2({{0}}).to(kInt)), Error);  // int32
  EXPECT_THROW(x12().gather(1, zeros({4, 1}, kLong)), Error);    // size 4 > 3 on dim 0
  Tensor a = arange(12, kDouble).view({3, 4}) * 0.1;
  auto f = [](const variable_list& v) {
    return v[0].gather(1, longs2({{0, 3}, {1, 1}, {2, 0}})).exp();
  };
  EXPECT_TRUE(gradcheck(f, {a}));
  EXPECT_TRUE(gradgradcheck(f, {a}));
  Tensor b = a.clone().requires_grad_();
  EXPECT_EQ(b.gather(0, longs2({{0}})).grad_fn()->name(), "GatherBackward0");
}

TEST(Scatter, Values) {
  // zeros(3,5).scatter(1, [[0,4],[1,1],[3,2]], src) -- duplicates: last write wins
  Tensor idx = longs2({{0, 4}, {1, 1}, {3, 2}});
  Tensor src = tensor({{1.0f, 2.0f, 9.0f}, {3.0f, 4.0f, 9.0f}, {5.0f, 6.0f, 9.0f}});
  Tensor r = zeros({3, 5}).scatter(1, idx, src);
  EXPECT_TRUE(all_close(r, tensor({{1.0f, 0.0f, 0.0f, 0.0f, 2.0f},
                                   {0.0f, 4.0f, 0.0f, 0.0f, 0.0f},
                                   {0.0f, 0.0f, 6.0f, 5.0f, 0.0f}})));
  // zeros(2,3).scatter(0, [[1,0,1]], 7.)
  EXPECT_TRUE(all_close(zeros({2, 3}).scatter(0, longs2({{1, 0, 1}}), 7.0),
                        tensor({{0.0f, 7.0f, 0.0f}, {7.0f, 0.0f, 7.0f}})));
  // ones(2,3).scatter_add(1, [[0,0,2],[1,1,1]], [[1,2,3],[4,5,6]])
  Tensor sa = ones({2, 3}).scatter_add(1, longs2({{0, 0, 2}, {1, 1, 1}}),
                                       tensor({{1.0f, 2.0f, 3.0f}, {4.0f, 5.0f, 6.0f}}));
  EXPECT_TRUE(all_close(sa, tensor({{4.0f, 1.0f, 4.0f}, {1.0f, 16.0f, 1.0f}})));
  // full((2,3),2.).scatter(1, [[0,0],[2,2]], [[3,4],[5,6]], reduce='multiply')
  Tensor two = full({2, 3}, 2.0f);
  EXPECT_TRUE(all_close(
      two.scatter(1, longs2({{0, 0}, {2, 2}}), tensor({{3.0f, 4.0f}, {5.0f, 6.0f}}), "multiply"),
      tensor({{24.0f, 2.0f, 2.0f}, {2.0f, 2.0f, 60.0f}})));
  // full((2,3),2.).scatter(1, [[0,0],[2,2]], 1.5, reduce='add')
  EXPECT_TRUE(all_close(two.scatter(1, longs2({{0, 0}, {2, 2}}), 1.5, "add"),
                        tensor({{5.0f, 2.0f, 2.0f}, {2.0f, 2.0f, 5.0f}})));
  EXPECT_THROW(two.scatter(1, longs2({{0}}), 1.5, "max"), Error);
  // in place, int and bool dtypes
  Tensor zi = zeros({4}, kInt);
  zi.scatter_(0, longs({3, 1}), tensor({5, 6}).to(kInt));
  EXPECT_THROW(zi.scatter_(0, longs({0}), tensor({5})), Error);  // Long src into Int
  EXPECT_TRUE(all_close(zi, tensor({0, 6, 0, 5})));
  EXPECT_EQ(zi.dtype(), kInt);
  Tensor zb = zeros({3}, kBool);
  zb.scatter_add_(0, longs({2, 2}), tensor({true, false}));
  EXPECT_TRUE(all_close(zb, tensor({false, false, true})));
  Tensor zh = zeros({3}, kHalf);
  zh.scatter_add_(0, longs({1, 1}), tensor({0.5, 0.25}).to(kHalf));
  EXPECT_TRUE(all_close(zh, tensor({0.0, 0.75, 0.0})));
  EXPECT_EQ(zeros({3, 0}).scatter(1, empty({3, 0}, kLong), 1.0).sizes(), IntArrayRef({3, 0}));
}

TEST(Scatter, ErrorsAndGrad) {
  EXPECT_TRUE(throws_with(
      [] {
        zeros({2, 3}).scatter(1, longs2({{3}}), 1.0);
      },
      "index 3 is out of bounds for dimension 1 with size 3"));
  EXPECT_THROW(zeros({2, 3}).scatter(1, longs2({{0}}), ones({1, 1}, kDouble)), Error);
  EXPECT_THROW(zeros({2, 3}).scatter(1, longs2({{0, 1}}), ones({1, 1})), Error);  // src too small
  Tensor a = arange(6, kDouble).view({2, 3}) * 0.1;
  Tensor s = arange(4, kDouble).view({2, 2}) * 0.2 + 0.1;
  Tensor idx = longs2({{2, 0}, {1, 2}});
  auto f = [idx](const variable_list& v) { return v[0].scatter(1, idx, v[1] * v[1]) * v[0]; };
  EXPECT_TRUE(gradcheck(f, {a, s}));
  EXPECT_TRUE(gradgradcheck(f, {a, s}));
  auto fa = [idx](const variable_list& v) { return v[0].scatter_add(1, idx, v[1]) * v[0]; };
  EXPECT_TRUE(gradcheck(fa, {a, s}));
  EXPECT_TRUE(gradgradcheck(fa, {a, s}));
  auto fv = [idx](const variable_list& v) { return v[0].scatter(1, idx, 2.0) * v[0]; };
  EXPECT_TRUE(gradcheck(fv, {a}));
  Tensor b = a.clone().requires_grad_();
  EXPECT_EQ(b.scatter(1, idx, s).grad_fn()->name(), "ScatterBackward0");
  EXPECT_EQ(b.scatter_add(1, idx, s).grad_fn()->name(), "ScatterAddBackward0");
  Tensor c = b * 1.0;
  c.scatter_(1, idx, 0.0);
  c.sum().backward();
  EXPECT_TRUE(all_close(b.grad(), tensor({{0.0, 1.0, 0.0}, {1.0, 0.0, 0.0}}, kDouble)));
}

TEST(Masked, FillSelectScatter) {
  Tensor m = tensor({true, false, true, false});
  // x.masked_fill(m, -2.)
  Tensor f = x12().masked_fill(m, -2.0);
  EXPECT_TRUE(all_close(f[1], tensor({-2.0f, 5.0f, -2.0f, 7.0f})));
  Tensor g = x12().t().contiguous().t();
  g.masked_fill_(m, tensor(1.0f));
  EXPECT_TRUE(all_close(g[2], tensor({1.0f, 9.0f, 1.0f, 11.0f})));
  // x.masked_select(m)
  EXPECT_TRUE(all_close(x12().masked_select(m), tensor({0.0f, 2.0f, 4.0f, 6.0f, 8.0f, 10.0f})));
  // x.masked_scatter(m, arange(100, 110))
  Tensor s = x12().masked_scatter(m, arange(100, 110, kFloat));
  EXPECT_TRUE(all_close(s[2], tensor({104.0f, 9.0f, 105.0f, 11.0f})));
  EXPECT_TRUE(throws_with([&] { x12().masked_scatter(m, ones({2})); },
                          "Number of elements of source < number of ones in mask"));
  EXPECT_THROW(x12().masked_fill(tensor({true, false}), 1.0), Error);
  EXPECT_THROW(x12().masked_fill(tensor({1.0, 0.0, 1.0, 0.0}), 1.0), Error);
  EXPECT_THROW(x12().masked_fill(m, ones({1})), Error);
  Tensor i = zeros({2, 2}, kInt);
  i.masked_fill_(tensor({false, true}), 7);
  EXPECT_TRUE(all_close(i, tensor({{0, 7}, {0, 7}})));
  // 0-dim and broadcasting the input to the mask's shape
  EXPECT_TRUE(all_close(tensor(2.0).masked_select(tensor(true)), tensor({2.0})));
  EXPECT_EQ(tensor(2.0f).masked_fill(m, 0.0).sizes(), IntArrayRef({4}));
}

TEST(Masked, Grad) {
  Tensor m = tensor({true, false, true});
  Tensor a = arange(6, kDouble).view({2, 3}) * 0.1;
  auto f = [m](const variable_list& v) { return v[0].masked_fill(m, 0.5) * v[0]; };
  EXPECT_TRUE(gradcheck(f, {a}));
  EXPECT_TRUE(gradgradcheck(f, {a}));
  Tensor val = tensor(0.3, kDouble);
  auto fv = [m](const variable_list& v) { return v[0].masked_fill(m, v[1]) * v[0]; };
  EXPECT_TRUE(gradcheck(fv, {a, val}));
  auto fs = [m](const variable_list& v) { return v[0].masked_select(m).exp(); };
  EXPECT_TRUE(gradcheck(fs, {a}));
  EXPECT_TRUE(gradgradcheck(fs, {a}));
  Tensor src = arange(5, kDouble) * 0.2;
  auto fm = [m](const variable_list& v) { return v[0].masked_scatter(m, v[1]) * v[0]; };
  EXPECT_TRUE(gradcheck(fm, {a, src}));
  EXPECT_TRUE(gradgradcheck(fm, {a, src}));
  Tensor b = a.clone().requires_grad_();
  EXPECT_EQ(b.masked_fill(m, 1.0).grad_fn()->name(), "MaskedFillBackward0");
  EXPECT_EQ(b.masked_select(m).grad_fn()->name(), "MaskedSelectBackward0");
}

TEST(Nonzero, Values) {
  // tensor([[0,1.5,0],[2,0,-1]]).nonzero() -> [[0,1],[1,0],[1,2]]
  Tensor nz = tensor({{0.0, 1.5, 0.0}, {2.0, 0.0, -1.0}}).nonzero();
  EXPECT_EQ(nz.dtype(), kLong);
  EXPECT_TRUE(all_close(nz, longs2({{0, 1}, {1, 0}, {1, 2}})));
  EXPECT_TRUE(all_close(tensor({{0.0, 1.5, 0.0}, {2.0, 0.0, -1.0}}).t().nonzero(),
                        longs2({{0, 1}, {1, 0}, {2, 1}})));
  EXPECT_EQ(tensor(3.0).nonzero().sizes(), IntArrayRef({1, 0}));
  EXPECT_EQ(tensor(0).nonzero().sizes(), IntArrayRef({0, 0}));
  EXPECT_EQ(zeros({0, 2}).nonzero().sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(tensor({true, false, true}).argwhere().sizes(), IntArrayRef({2, 1}));
}

TEST(Scatter, InPlaceErrorLeavesSelfUnchanged) {
  // PyTorch may write index 1 before failing on 5; ember validates first.
  Tensor x = zeros({3});
  EXPECT_TRUE(throws_with(
      [&] {
        x.scatter_(0, longs({1, 5}), 1.0);
      },
      "index 5 is out of bounds for dimension 0 with size 3"));
  EXPECT_EQ(x.sum().item<double>(), 0.0);
  EXPECT_THROW(x.index_add_(0, longs({0, 3}), ones({2})), Error);
  EXPECT_EQ(x.sum().item<double>(), 0.0);
}

TEST(IndexFamily, ExpandedAndTransposedInputs) {
  // Expanded (stride 0) inputs read correctly; a transposed self is written in place correctly.
  Tensor e = tensor({1.0f, 2.0f, 3.0f}).expand({2, 3});
  EXPECT_TRUE(
      all_close(e.gather(1, longs2({{2, 0}, {1, 1}})), tensor({{3.0f, 1.0f}, {2.0f, 2.0f}})));
  EXPECT_TRUE(all_close(e.index_select(0, longs({1})), tensor({{1.0f, 2.0f, 3.0f}})));
  EXPECT_TRUE(all_close(e.masked_fill(tensor({false, true, false}), 0.0),
                        tensor({{1.0f, 0.0f, 3.0f}, {1.0f, 0.0f, 3.0f}})));
  EXPECT_TRUE(
      all_close(std::get<0>(e.sort(1, true)), tensor({{3.0f, 2.0f, 1.0f}, {3.0f, 2.0f, 1.0f}})));
  EXPECT_TRUE(all_close(e.take(longs({5, 0})), tensor({3.0f, 1.0f})));
  Tensor base = zeros({3, 2});
  Tensor t = base.t();  // [2, 3] view
  t.scatter_(1, longs2({{2}, {0}}), 1.0);
  EXPECT_TRUE(all_close(base, tensor({{0.0f, 1.0f}, {0.0f, 0.0f}, {1.0f, 0.0f}})));
  t.index_put_({longs({1}), longs({2})}, tensor(5.0f));
  EXPECT_EQ(base[2][1].item<double>(), 5.0);
  t.index_fill_(1, longs({1}), -1.0);
  EXPECT_TRUE(all_close(base[1], tensor({-1.0f, -1.0f})));
  t.masked_fill_(tensor({true, false, false}), 7.0);
  EXPECT_TRUE(all_close(base[0], tensor({7.0f, 7.0f})));
}

TEST(IndexFamily, LargeInputsUseThreadPool) {
  // 300 x 200 crosses the parallel grain; out[r][c] = r * 200 + (7c mod 200).
  Tensor x = arange(60000, kDouble).view({300, 200});
  std::vector<int64_t> cols;
  for (int64_t c = 0; c < 200; ++c) cols.push_back((7 * c) % 200);
  Tensor idx = tensor(cols);
  Tensor expected = arange(300, kDouble).view({300, 1}) * 200 + idx.to(kDouble);
  EXPECT_TRUE(all_close(x.gather(1, idx.expand({300, 200})), expected));
  EXPECT_TRUE(all_close(x.index({indexing::Slice(), idx}), expected));
  EXPECT_TRUE(all_close(x.index_select(1, idx), expected));
  EXPECT_THROW(x.gather(1, full({300, 200}, 200, kLong)), Error);
}

TEST(Scatter, ReduceIsNotDifferentiable) {
  // x.scatter(1, idx, s, reduce='add') runs; backward raises "derivative ... not implemented"
  Tensor x = zeros({2, 3}).requires_grad_();
  Tensor y = x.scatter(1, longs2({{0, 1}, {1, 2}}), ones({2, 2}), "add");
  EXPECT_EQ(y.grad_fn()->name(), "NotImplemented");
  EXPECT_TRUE(all_close(y, tensor({{1.0f, 1.0f, 0.0f}, {0.0f, 1.0f, 1.0f}})));
  EXPECT_THROW(y.sum().backward(), Error);
}

TEST(IndexFamily, ZeroDimAndZeroSize) {
  // torch.tensor(1.).index_fill(0, [0], 5.) -> 5; .index_add(0, [0], tensor(2.)) -> 3;
  // .index_copy(0, [0], tensor(2.)) -> 2; .scatter_add(0, tensor(0), tensor(2.)) -> 3
  Tensor one = tensor(1.0f);
  EXPECT_EQ(one.index_fill(0, longs({0}), 5.0).item<float>(), 5.0f);
  EXPECT_EQ(one.index_add(0, longs({0}), tensor(2.0f)).item<float>(), 3.0f);
  EXPECT_EQ(one.index_copy(0, longs({0}), tensor(2.0f)).item<float>(), 2.0f);
  EXPECT_EQ(one.scatter_add(0, tensor(int64_t{0}), tensor(2.0f)).item<float>(), 3.0f);
  EXPECT_EQ(one.index_fill(0, longs({0}), 5.0).dim(), 0);
  // torch.tensor(1.).take([0, 0]) -> [1, 1]; x[None] -> [1]; x[...] -> []; x[tensor(True)] -> [1]
  EXPECT_TRUE(all_close(one.take(longs({0, 0})), tensor({1.0f, 1.0f})));
  EXPECT_EQ(one.index({indexing::None}).sizes(), IntArrayRef({1}));
  EXPECT_EQ(one.index({"..."}).sizes(), IntArrayRef({}));
  EXPECT_EQ(one.index({tensor(true)}).sizes(), IntArrayRef({1}));
  // zero-size
  EXPECT_EQ(zeros({0, 3}).index_add(1, longs({1}), zeros({0, 1})).sizes(), IntArrayRef({0, 3}));
  EXPECT_TRUE(
      all_close(zeros({2, 3}).index_add(1, empty({0}, kLong), zeros({2, 0})), zeros({2, 3})));
  EXPECT_EQ(zeros({0}).masked_fill(zeros({0}, kBool), 1.0).sizes(), IntArrayRef({0}));
  EXPECT_EQ(zeros({0}).masked_select(zeros({0}, kBool)).sizes(), IntArrayRef({0}));
  EXPECT_EQ(zeros({2, 0}).take(empty({0}, kLong)).sizes(), IntArrayRef({0}));
}

TEST(Masked, ValueTensorOfOtherDtype) {
  // A float32 value filled into a float64 tensor gets a float32 gradient.
  Tensor x = zeros({3}, kDouble).requires_grad_();
  Tensor v = tensor(2.0f).requires_grad_();
  Tensor y = x.masked_fill(tensor({true, false, true}), v);
  EXPECT_EQ(y.dtype(), kDouble);
  y.sum().backward();
  EXPECT_EQ(v.grad().dtype(), kFloat);
  EXPECT_EQ(v.grad().item<float>(), 2.0f);
  Tensor z = x.index_fill(0, tensor({int64_t{1}}), v);
  z.sum().backward();
  EXPECT_EQ(v.grad().item<float>(), 3.0f);
}
