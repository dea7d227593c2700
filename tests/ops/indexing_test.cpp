// Python-style indexing (src/ops/indexing.cpp): TensorIndex, Slice, Tensor::index, index_put_,
// advanced indexing. Expected values come from PyTorch 1.13 (expression in each comment).
#include <gtest/gtest.h>

#include "support/gradcheck.h"
#include "torch/torch.h"

using namespace ember;
using namespace ember::indexing;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
Tensor x24() { return arange(24, kDouble).view({2, 3, 4}); }
Tensor longs(std::vector<int64_t> v) { return tensor(v); }
Tensor longs2d() { return tensor({{int64_t{0}, int64_t{5}}, {int64_t{11}, int64_t{-1}}}); }
}  // namespace

// ---- basic indexing ----

TEST(Index, BasicIndexingIsAView) {
  Tensor x = x24();
  // x[1, 1:, ::2] -> [[16, 18], [20, 22]]
  Tensor r = x.index({1, Slice(1, None), Slice(None, None, 2)});
  EXPECT_TRUE(all_close(r, tensor({{16.0, 18.0}, {20.0, 22.0}})));
  EXPECT_TRUE(r.is_alias_of(x));
  // x[..., 1] -> [[1, 5, 9], [13, 17, 21]]
  EXPECT_TRUE(all_close(x.index({"...", 1}), tensor({{1.0, 5.0, 9.0}, {13.0, 17.0, 21.0}})));
  EXPECT_TRUE(all_close(x.index({Ellipsis, 1}), x.index({"...", 1})));
  // x[None, ..., 0].shape == [1, 2, 3]
  EXPECT_EQ(x.index({None, Ellipsis, 0}).sizes(), IntArrayRef({1, 2, 3}));
  // x[-1, 1:, ::2] == x[1, 1:, ::2]; negative slice bounds clamp
  EXPECT_TRUE(all_close(x.index({-1, Slice(1, None), Slice(None, None, 2)}), r));
  EXPECT_EQ(x.index({Slice(-100, 100)}).sizes(), IntArrayRef({2, 3, 4}));
  EXPECT_EQ(x.index({Slice(2, 1)}).sizes(), IntArrayRef({0, 3, 4}));
  // x[:, ::INT64_MAX] keeps one row; x[:, INT64_MIN:] everything
  EXPECT_EQ(x.index({Slice(), Slice(None, None, INDEX_MAX)}).sizes(), IntArrayRef({2, 1, 4}));
  EXPECT_EQ(x.index({Slice(), Slice(INDEX_MIN, None)}).sizes(), IntArrayRef({2, 3, 4}));
  EXPECT_TRUE(all_close(x.index({Slice(), Slice(-2, None, 2)}), x.index({Slice(), Slice(1, 2)})));
  // x[True].shape == [1, 2, 3, 4], x[False].shape == [0, 2, 3, 4]
  EXPECT_EQ(x.index({true}).sizes(), IntArrayRef({1, 2, 3, 4}));
  EXPECT_EQ(x.index({false}).sizes(), IntArrayRef({0, 2, 3, 4}));
  // x[torch.tensor(1)].shape == [3, 4]
  EXPECT_EQ(x.index({tensor(int64_t{1})}).sizes(), IntArrayRef({3, 4}));
  EXPECT_TRUE(all_close(x[1][2], tensor({20.0, 21.0, 22.0, 23.0})));
  EXPECT_TRUE(all_close(x[-1][0][3], tensor(15.0)));
}

TEST(Index, BasicIndexingErrors) {
  Tensor x = x24();
  EXPECT_THROW(x[2], Error);  // index 2 is out of bounds for dimension 0 with size 2
  try {
    x.index({Slice(), 5});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index 5 is out of bounds for dimension 1 with size 3"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(x.index({0, 0, 0, 0}), Error);
  EXPECT_THROW(x.index({Ellipsis, 0, Ellipsis}), Error);
  EXPECT_THROW(x.index({Slice(0, 2, 0)}), Error);
  EXPECT_THROW(x.index({"..x"}), Error);
  EXPECT_THROW(tensor(1.0)[0], Error);
}

TEST(Index, BasicIndexingGrad) {
  Tensor a = arange(12, kDouble).view({3, 4});
  auto f = [](const variable_list& v) {
    return v[0].index({Slice(1, None), Slice(None, None, 2)}) * v[0].index({0, None, Slice(1, 3)});
  };
  EXPECT_TRUE(gradcheck(f, {a}));
  EXPECT_TRUE(gradgradcheck(f, {a}));
  Tensor b = a.clone().requires_grad_();
  EXPECT_EQ(b.index({Slice(1, 2)}).grad_fn()->name(), "SliceBackward0");
  EXPECT_EQ(b.index({1}).grad_fn()->name(), "SelectBackward0");
  EXPECT_EQ(b.index({None}).grad_fn()->name(), "UnsqueezeBackward0");
}

// ---- advanced indexing ----

TEST(Index, AdvancedIndexingShapes) {
  Tensor x = x24();
  // x[:, [0, 2], [1, 3]] -> [[1, 11], [13, 23]] (adjacent: stays in place)
  EXPECT_TRUE(all_close(x.index({Slice(), longs({0, 2}), longs({1, 3})}),
                        tensor({{1.0, 11.0}, {13.0, 23.0}})));
  // x[[0, 1], :, [1, 2]] -> [[1, 5, 9], [14, 18, 22]] (separated: moves to the front)
  EXPECT_TRUE(all_close(x.index({longs({0, 1}), Slice(), longs({1, 2})}),
                        tensor({{1.0, 5.0, 9.0}, {14.0, 18.0, 22.0}})));
  // x[1:, tensor([[0],[2]]), 1:3:2] -> [[[[13.]], [[21.]]]]
  Tensor r = x.index({Slice(1, None), tensor({{int64_t{0}}, {int64_t{2}}}), Slice(1, 3, 2)});
  EXPECT_EQ(r.sizes(), IntArrayRef({1, 2, 1, 1}));
  EXPECT_TRUE(all_close(r.reshape({-1}), tensor({13.0, 21.0})));
  // x[m] with m = [[T,F,T],[F,T,F]] -> rows 0, 2, 4 of x.view(6, 4)
  Tensor m = tensor({{true, false, true}, {false, true, false}});
  EXPECT_TRUE(all_close(x.index({m}), x.view({6, 4}).index({longs({0, 2, 4})})));
  EXPECT_TRUE(all_close(x[m], x.index({m})));
  // x[x > 20] -> [21, 22, 23]
  EXPECT_TRUE(all_close(x.index({x > 20}), tensor({21.0, 22.0, 23.0})));
  // Negative indices wrap; int32 index works; non-contiguous input
  EXPECT_TRUE(all_close(x[longs({-1})], x.index({Slice(1, 2)})));
  EXPECT_TRUE(all_close(x.index({tensor({1, 0})}), x.index({longs({1, 0})})));
  Tensor xt = x.transpose(0, 2);  // [4, 3, 2]
  EXPECT_TRUE(all_close(xt.index({longs({3}), longs({1}), longs({0})}), tensor({7.0})));
  // Zero-size index
  EXPECT_EQ(x.index({empty({0}, kLong)}).sizes(), IntArrayRef({0, 3, 4}));
  // dtypes
  for (ScalarType dt : {kFloat, kHalf, kBFloat16, kInt, kChar, kByte, kBool, kLong}) {
    Tensor y = arange(6).to(dt);
    EXPECT_TRUE(all_close(y.index({longs({5, 1})}), arange(6).index({longs({5, 1})}).to(dt)));
  }
}

TEST(Index, AdvancedIndexingErrors) {
  Tensor x = x24();
  try {
    x.index({longs({5})});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index 5 is out of bounds for dimension 0 with size 2"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(x.index({longs({-3})}), Error);
  EXPECT_THROW(x.index({tensor({true, false, true})}), Error);      // mask shape mismatch
  EXPECT_THROW(x.index({tensor({1.0})}), Error);                    // float index
  EXPECT_THROW(x.index({longs({0, 1}), longs({0, 1, 2})}), Error);  // not broadcastable
}

TEST(Index, AdvancedIndexingGrad) {
  Tensor a = arange(12, kDouble).view({3, 4});
  Tensor i = longs({0, 2, 0});
  // Nonlinear so that the second derivative exists (it runs IndexPutBackward0 -> index).
  auto f = [i](const variable_list& v) { return v[0].index({i, Slice(1, 3)}).exp(); };
  EXPECT_TRUE(gradcheck(f, {a}));
  EXPECT_TRUE(gradgradcheck(f, {a}));
  auto g = [](const variable_list& v) { return v[0].index({v[0] > 5.5}); };
  EXPECT_TRUE(gradcheck(g, {a}));
  Tensor b = a.clone().requires_grad_();
  Tensor y = b.index({i});
  EXPECT_EQ(y.grad_fn()->name(), "IndexBackward0");
  y.sum().backward();
  // grad of x[[0,2,0]].sum(): row 0 counted twice
  EXPECT_TRUE(all_close(b.grad().select(1, 0), tensor({2.0, 0.0, 1.0})));
}

// ---- index_put ----

TEST(Index, IndexPut) {
  // y[[0,2,0],[1,1,1]] = [1,2,3] -> last write wins: y[0,1] = 3, y[2,1] = 2
  Tensor y = zeros({3, 4});
  y.index_put_({longs({0, 2, 0}), longs({1, 1, 1})}, tensor({1.0f, 2.0f, 3.0f}));
  EXPECT_TRUE(all_close(y.select(1, 1), tensor({3.0, 0.0, 2.0})));
  // accumulate=True -> y[0,1] = 4
  Tensor z = zeros({3, 4});
  std::vector<std::optional<Tensor>> idx{longs({0, 2, 0}), longs({1, 1, 1})};
  z.index_put_(idx, tensor({1.0f, 2.0f, 3.0f}), true);
  EXPECT_TRUE(all_close(z.select(1, 1), tensor({4.0, 0.0, 2.0})));
  EXPECT_EQ(z.sum().item<double>(), 6.0);
  // y[1:, 1:3] = 5
  Tensor w = zeros({3, 4});
  w.index_put_({Slice(1, None), Slice(1, 3)}, 5);
  EXPECT_EQ(w.sum().item<double>(), 20.0);
  EXPECT_EQ(w[1][1].item<double>(), 5.0);
  EXPECT_EQ(w[0][1].item<double>(), 0.0);
  // mask assignment, broadcast value
  Tensor v = arange(6, kFloat);
  v.index_put_({v > 3}, 0);
  EXPECT_TRUE(all_close(v, tensor({0.0f, 1.0f, 2.0f, 3.0f, 0.0f, 0.0f})));
  // x[idx] = row (broadcast), int tensor
  Tensor q = zeros({3, 2}, kInt);
  q.index_put_({longs({2})}, tensor({7, 8}));
  EXPECT_TRUE(all_close(q[2], tensor({7, 8})));
  // t[0] = x via operator[] assignment
  Tensor r = zeros({2, 2});
  r[0] = tensor({1.0f, 2.0f});
  EXPECT_EQ(r.sum().item<double>(), 3.0);
  // out of place
  Tensor o = zeros({3}).index_put({longs({1})}, tensor({9.0f}));
  EXPECT_TRUE(all_close(o, tensor({0.0f, 9.0f, 0.0f})));
}

TEST(Index, IndexPutErrors) {
  Tensor x = arange(6.0).view({2, 3});
  // shape mismatch: value tensor of shape [2, 2] cannot be broadcast to indexing result [1, 3]
  EXPECT_THROW(x.index_put_({longs({0})}, ones({2, 2}, kDouble)), Error);
  EXPECT_THROW(x.index_put_({longs({3})}, 1.0), Error);
  std::vector<std::optional<Tensor>> idx{longs({0})};
  EXPECT_THROW(x.index_put_(idx, ones({3}, kDouble)), Error);  // dtype mismatch
}

TEST(Index, IndexPutGrad) {
  Tensor a = arange(12, kDouble).view({3, 4});
  Tensor v = tensor({{1.0, 2.0, 3.0, 4.0}, {5.0, 6.0, 7.0, 8.0}}, kDouble);
  std::vector<std::optional<Tensor>> idx{longs({2, 0})};
  for (bool acc : {false, true}) {
    auto f = [idx, acc](const variable_list& x) { return x[0].index_put(idx, x[1], acc) * x[0]; };
    EXPECT_TRUE(gradcheck(f, {a, v}));
    EXPECT_TRUE(gradgradcheck(f, {a, v}));
  }
  Tensor b = a.clone().requires_grad_();
  Tensor c = b * 2;
  c.index_put_(idx, v);
  EXPECT_EQ(c.grad_fn()->name(), "IndexPutBackward0");
  c.sum().backward();
  EXPECT_TRUE(all_close(b.grad().select(1, 0), tensor({0.0, 2.0, 0.0})));
}

TEST(Index, IndexPutSlicesGrad) {
  // y = x * 2; y[1:, 0] = v (CopySlices), then gradients flow to x (outside) and v (inside)
  Tensor x = arange(6, kDouble).view({3, 2}).requires_grad_();
  Tensor v = tensor({10.0, 20.0}, kDouble).requires_grad_();
  Tensor y = x * 2;
  y.index_put_({Slice(1, None), 0}, v);
  EXPECT_EQ(y.grad_fn()->name(), "torch::autograd::CopySlices");
  EXPECT_TRUE(all_close(y.select(1, 0), tensor({0.0, 10.0, 20.0})));
  (y * y).sum().backward();
  // d/dx = 2y * 2 = 8x outside the region, 0 inside (x[:,0] is 0 anyway); d/dv = 2v
  EXPECT_TRUE(all_close(x.grad(), tensor({{0.0, 8.0}, {0.0, 24.0}, {0.0, 40.0}}, kDouble)));
  EXPECT_TRUE(all_close(v.grad(), tensor({20.0, 40.0}, kDouble)));
  Tensor a = arange(6, kDouble).view({3, 2}) * 0.1;
  Tensor w = tensor({0.5, -0.5}, kDouble);
  auto f = [](const variable_list& t) {
    Tensor y = t[0] * t[0];
    y.index_put_({Slice(None, 2), Slice()}, t[1] * t[1]);
    y.index_put_({tensor({true, false, true}), 1}, t[1].index({0}));
    return y;
  };
  EXPECT_TRUE(gradcheck(f, {a, w}));
  EXPECT_TRUE(gradgradcheck(f, {a, w}));
}

TEST(Index, TorchNamespace) {
  // The libtorch spellings resolve through the compat layer.
  torch::Tensor x = torch::arange(6).view({2, 3});
  EXPECT_EQ(x.index({torch::indexing::Slice(), torch::indexing::None, 1}).sizes(),
            IntArrayRef({2, 1}));
  EXPECT_EQ(at::one_hot(x.view({-1}), 6).sizes(), IntArrayRef({6, 6}));
}

TEST(Index, ResultsOwnTheirMemory) {
  // Copying ops return fresh tensors, so in-place autograd ops on them are allowed.
  Tensor x = arange(12, kDouble).view({3, 4}).requires_grad_();
  Tensor i = longs({2, 0});
  for (Tensor y : {x.index({i}), x.index({Slice(), i}), x.take(longs2d()), x.masked_select(x > 3.0),
                   x.index_select(1, i), x.gather(0, longs({0, 1}).view({1, 2})),
                   std::get<0>(x.sort(0)), std::get<0>(x.topk(2, 0)), x.index_put({i}, x[0])}) {
    EXPECT_FALSE(y.is_view());
    y.mul_(2);
    y.sum().backward();
  }
}
