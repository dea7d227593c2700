// src/ops/view_ops.cpp: narrow, slice, split, chunk, unbind, diagonal, movedim, as_strided,
// unfold, unflatten, swapaxes, squeeze(dims) — views of their input, values vs PyTorch 1.13.
#include <gtest/gtest.h>

#include <cstdint>
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
// a = torch.arange(12.).reshape(3,4); b = torch.arange(24.).reshape(2,3,4)
Tensor A() { return arange(12, kDouble).reshape({3, 4}); }
Tensor B() { return arange(24, kDouble).reshape({2, 3, 4}); }
}  // namespace

TEST(Shape, NarrowSlice) {
  Tensor a = A();
  // a[:, -3:100:2]
  Tensor s = a.slice(1, -3, 100, 2);
  EXPECT_TRUE(all_close(s, ref({1, 3, 5, 7, 9, 11}, {3, 2})));
  EXPECT_TRUE(s.is_alias_of(a));
  // a.narrow(1,-2,2)
  EXPECT_TRUE(all_close(a.narrow(1, -2, 2), ref({2, 3, 6, 7, 10, 11}, {3, 2})));
  EXPECT_EQ(a.slice(0, 5, 10).size(0), 0);
  EXPECT_EQ(a.slice(0, std::nullopt, -1).size(0), 2);
  EXPECT_EQ(a.slice(0, -100, 1).size(0), 1);
  EXPECT_EQ(narrow(a, 0, 1, 2).storage_offset(), 4);
  EXPECT_TRUE(
      throws_with([&] { a.narrow(1, 2, 2); },
                  "start (2) + length (2) exceeds dimension size (3)") ||
      throws_with([&] { a.narrow(1, 3, 2); }, "start (3) + length (2) exceeds dimension size (4)"));
  EXPECT_THROW(a.narrow(1, 0, -1), Error);
  EXPECT_THROW(a.slice(0, 0, 2, 0), Error);
  EXPECT_TRUE(throws_with([&] { a.slice(0, 0, 2, -1); }, "slice step must be positive"));
  EXPECT_THROW(tensor(1.0).narrow(0, 0, 1), Error);
  Tensor s2 = a.slice(0, 0, 2).slice(1, 1, 3).clone();
  // Views of views write through to the base.
  {
    NoGradGuard ng;
    a.narrow(0, 1, 1).fill_(-1);
  }
  EXPECT_EQ(a.select(0, 1).select(0, 2).item<double>(), -1.0);
  EXPECT_EQ(s2.select(0, 0).select(0, 0).item<double>(), 1.0);
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0].slice(1, 1, 4, 2); }, {ramp({3, 4})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) { return x[0].narrow(0, 1, 2) * x[0].narrow(0, 0, 2); },
      {ramp({3, 2})}));
  Tensor x = ramp({3, 4}).requires_grad_();
  EXPECT_EQ(x.narrow(0, 0, 1).grad_fn()->name(), "SliceBackward0");
  // Integer dtype and non-contiguous input.
  Tensor ai = arange(12, kInt).reshape({3, 4}).t();
  EXPECT_TRUE(
      same(ai.slice(0, 1, 3), arange(12, kInt).reshape({3, 4}).t().contiguous().slice(0, 1, 3)));
}

TEST(Shape, SplitChunkUnbind) {
  Tensor a = A();
  auto parts = a.split(3, 1);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[1].size(1), 1);
  EXPECT_TRUE(all_close(parts[1], ref({3, 7, 11}, {3, 1})));
  auto p2 = a.split({1, 2}, 0);
  ASSERT_EQ(p2.size(), 2u);
  EXPECT_TRUE(all_close(p2[1], ref({4, 5, 6, 7, 8, 9, 10, 11}, {2, 4})));
  EXPECT_EQ(split_with_sizes(a, {2, 0, 2}, 1)[1].size(1), 0);
  EXPECT_TRUE(throws_with([&] { a.split(-1); }, "split_size be non-negative"));
  EXPECT_TRUE(throws_with([&] { a.split_with_sizes({1, 1}); }, "sum exactly to 3"));
  auto c = a.chunk(3, 1);  // torch.arange(12.).reshape(3,4).chunk(3,1) -> sizes 2, 2
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].size(1), 2);
  EXPECT_TRUE(throws_with([&] { a.chunk(0); }, "chunk expects `chunks` to be greater than 0"));
  EXPECT_EQ(zeros({0, 2}).chunk(3).size(), 3u);
  auto u = a.unbind(1);
  ASSERT_EQ(u.size(), 4u);
  EXPECT_TRUE(all_close(u[2], ref({2, 6, 10}, {3})));
  EXPECT_THROW(tensor(1.0).unbind(), Error);
  Tensor x = ramp({4}).requires_grad_();
  EXPECT_EQ(x.split(2)[0].grad_fn()->name(), "SplitBackward0");
  EXPECT_EQ(x.unbind()[0].grad_fn()->name(), "UnbindBackward0");
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        auto p = x[0].split(2, 1);
        return p[0] * 2 + p[1].sum();
      },
      {ramp({2, 3})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        auto p = x[0].unbind(0);
        return p[0] * p[1];
      },
      {ramp({2, 3})}));
}

TEST(Shape, DiagonalMovedim) {
  Tensor a = A();
  EXPECT_TRUE(all_close(a.diagonal(1), ref({1, 6, 11}, {3})));
  EXPECT_TRUE(all_close(a.diagonal(-1), ref({4, 9}, {2})));
  EXPECT_EQ(a.diagonal(5).size(0), 0);
  // b.diagonal(0,0,2)
  EXPECT_TRUE(all_close(B().diagonal(0, 0, 2), ref({0, 13, 4, 17, 8, 21}, {3, 2})));
  EXPECT_TRUE(throws_with([&] { a.diagonal(0, 0, 0); }, "diagonal dimensions cannot be identical"));
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0].diagonal(1, -1, 0); }, {ramp({3, 4})}));
  EXPECT_TRUE(
      gradgradcheck([](const variable_list& x) { return x[0].diagonal(-1) * x[0].diagonal(-1); },
                    {ramp({3, 3})}));
  // b.movedim([0,1],[2,0])
  Tensor m = B().movedim({0, 1}, {2, 0});
  EXPECT_EQ(m.sizes(), IntArrayRef({3, 4, 2}));
  EXPECT_TRUE(all_close(m.reshape({-1}).slice(0, 0, 4), ref({0, 12, 1, 13}, {4})));
  EXPECT_EQ(B().moveaxis(0, -1).sizes(), IntArrayRef({3, 4, 2}));
  EXPECT_TRUE(throws_with([&] { a.movedim({0, 0}, {0, 1}); }, "repeated dim in `source`"));
  EXPECT_THROW(a.movedim({0}, {0, 1}), Error);
  EXPECT_EQ(B().swapaxes(0, 2).sizes(), IntArrayRef({4, 3, 2}));
  EXPECT_EQ(swapdims(B(), 0, 1).sizes(), IntArrayRef({3, 2, 4}));
}

TEST(Shape, AsStridedUnfoldUnflatten) {
  Tensor a = A();
  // a.as_strided([2,2],[1,2],1)
  EXPECT_TRUE(all_close(a.as_strided({2, 2}, {1, 2}, 1), ref({1, 3, 2, 4}, {2, 2})));
  EXPECT_TRUE(throws_with([&] { a.as_strided({4, 4}, {4, 1}); }, "out of bounds for storage"));
  EXPECT_THROW(a.as_strided({2}, {-1}), Error);
  EXPECT_THROW(a.as_strided({1}, {1}, 12), Error);
  EXPECT_EQ(a.as_strided({0, 5}, {100, 100}, 12).numel(), 0);
  // Overlapping windows accumulate their gradients.
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].as_strided({3, 2}, {1, 1}, 0);
      },
      {ramp({4})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor v = x[0].as_strided({2, 2}, {1, 2}, 1);
        return v * v;
      },
      {ramp({2, 3})}));
  // torch.arange(7.).unfold(0,3,2)
  EXPECT_TRUE(
      all_close(arange(7, kDouble).unfold(0, 3, 2), ref({0, 1, 2, 2, 3, 4, 4, 5, 6}, {3, 3})));
  EXPECT_EQ(tensor(2.0).unfold(0, 1, 1).sizes(), IntArrayRef({1}));
  EXPECT_TRUE(
      throws_with([&] { a.unfold(1, 5, 1); }, "maximum size for tensor at dimension 1 is 4"));
  EXPECT_THROW(a.unfold(1, 2, 0), Error);
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0].unfold(1, 3, 1); }, {ramp({2, 5})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor u = x[0].unfold(0, 2, 1);
        return u * u;
      },
      {ramp({4})}));
  EXPECT_EQ(a.unflatten(1, {2, -1}).sizes(), IntArrayRef({3, 2, 2}));
  EXPECT_TRUE(throws_with(
      [&] {
        a.unflatten(1, {3, 2});
      },
      "don't multiply up to the size of dim 1"));
  EXPECT_EQ(zeros({1, 3, 1}).squeeze(IntArrayRef{0, 1}).sizes(), IntArrayRef({3, 1}));
}

TEST(ViewOps, SliceNarrowEdgeCases) {
  Tensor a = A();
  // a.t()[1:4:2] -> [[1,5,9],[3,7,11]] on a non-contiguous input, still a view.
  Tensor s = a.t().slice(0, 1, 4, 2);
  EXPECT_TRUE(all_close(s, ref({1, 5, 9, 3, 7, 11}, {2, 3})));
  EXPECT_TRUE(s.is_alias_of(a));
  EXPECT_EQ(s.strides(), IntArrayRef({2, 4}));
  // a[:, 3:1].shape -> [3, 0]; a[:, :].shape unchanged.
  EXPECT_EQ(a.slice(1, 3, 1).sizes(), IntArrayRef({3, 0}));
  EXPECT_EQ(a.slice(1).sizes(), IntArrayRef({3, 4}));
  EXPECT_EQ(zeros({0, 2}).slice(0, 0, 5).sizes(), IntArrayRef({0, 2}));
  // a.narrow(1, -4, 1) -> [[0],[4],[8]]; torch refuses start -5 (out of range).
  EXPECT_TRUE(all_close(a.narrow(-1, -4, 1), ref({0, 4, 8}, {3, 1})));
  EXPECT_TRUE(throws_with([&] { a.narrow(1, -5, 1); }, "[narrow]"));
  EXPECT_TRUE(throws_with([&] { tensor(1.0).slice(0); },
                          "[slice] slice() cannot be applied to a 0-dim tensor."));
  EXPECT_TRUE(throws_with([&] { tensor(1.0).narrow(0, 0, 1); },
                          "[narrow] narrow() cannot be applied to a 0-dim tensor."));
  // Gradient of a strided slice of a transposed input: zeros where nothing was picked.
  Tensor x = ramp({3, 4}).requires_grad_();
  x.t().slice(0, 1, 4, 2).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), ref({0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, {3, 4})));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& v) { return v[0].t().slice(1, 0, 3, 2).pow(2); }, {ramp({3, 2})}));
}

TEST(ViewOps, SplitChunkUnbindEdgeCases) {
  Tensor a = A();
  // [t.shape for t in a.split(10, 1)] -> [[3, 4]]; torch.zeros(0).split(0) -> one [0] piece.
  auto big = a.split(10, 1);
  ASSERT_EQ(big.size(), 1u);
  EXPECT_EQ(big[0].sizes(), IntArrayRef({3, 4}));
  EXPECT_EQ(zeros({0}).split(0).size(), 1u);
  // torch: "split_size can only be 0 if dimension size is 0, but got dimension size of 3"
  EXPECT_TRUE(throws_with(
      [&] { a.split(0); },
      "[split] split_size can only be 0 if dimension size is 0, but got dimension size of 3"));
  EXPECT_TRUE(throws_with([&] { tensor(1.0).split(1); },
                          "[split] split expects at least a 1-dimensional tensor"));
  EXPECT_TRUE(throws_with(
      [&] {
        a.split_with_sizes({4, -1}, 1);
      },
      "[split_with_sizes] split_with_sizes expects split_sizes have only non-negative entries"));
  EXPECT_TRUE(throws_with([&] { tensor(1.0).split_with_sizes({1}); }, "[split_with_sizes]"));
  // Pieces of a transposed input are views with its strides.
  auto tp = a.t().split(3, 0);
  ASSERT_EQ(tp.size(), 2u);
  EXPECT_TRUE(all_close(tp[1], ref({3, 7, 11}, {1, 3})));
  EXPECT_TRUE(tp[1].is_alias_of(a));
  // [t.shape for t in torch.arange(6).chunk(4)] -> three [2]; arange(5).chunk(3) -> 2, 2, 1
  EXPECT_EQ(arange(6).chunk(4).size(), 3u);
  auto c3 = arange(5).chunk(3);
  ASSERT_EQ(c3.size(), 3u);
  EXPECT_EQ(c3[2].numel(), 1);
  EXPECT_EQ(arange(5).chunk(5).size(), 5u);
  EXPECT_EQ(B().chunk(2, -1).at(1).sizes(), IntArrayRef({2, 3, 2}));
  EXPECT_TRUE(throws_with([&] { tensor(1.0).chunk(2); },
                          "[chunk] chunk expects at least a 1-dimensional tensor"));
  auto u = B().unbind(-1);
  ASSERT_EQ(u.size(), 4u);
  EXPECT_TRUE(all_close(u[3], ref({3, 7, 11, 15, 19, 23}, {2, 3})));
  // Only some pieces used: the others' gradient is zero (one cat in backward).
  Tensor x = ramp({2, 5}).requires_grad_();
  auto ps = x.split_with_sizes({1, 3, 1}, 1);
  EXPECT_EQ(ps[0].grad_fn()->name(), "SplitWithSizesBackward0");
  (ps[1] * 2).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), ref({0, 2, 2, 2, 0, 0, 2, 2, 2, 0}, {2, 5})));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) { return v[0].chunk(2, 0)[1] * v[0].unbind(1)[2].unsqueeze(0); },
      {ramp({3, 3})}));
}

TEST(ViewOps, DiagonalMovedimEdgeCases) {
  // b.diagonal(1, -1, 1) -> [[4, 9], [16, 21]]; b.transpose(0,2).diagonal(0,0,1) ->
  // [[0, 5, 10], [12, 17, 22]]
  EXPECT_TRUE(all_close(B().diagonal(1, -1, 1), ref({4, 9, 16, 21}, {2, 2})));
  Tensor bt = B().transpose(0, 2);
  Tensor d = bt.diagonal(0, 0, 1);
  EXPECT_TRUE(all_close(d, ref({0, 5, 10, 12, 17, 22}, {2, 3})));
  EXPECT_TRUE(d.is_alias_of(bt));
  // Writes through the diagonal land in the base.
  Tensor z = zeros({3, 3});
  {
    NoGradGuard ng;
    z.diagonal(-1).fill_(7);
  }
  EXPECT_TRUE(all_close(z, ref({0, 0, 0, 7, 0, 0, 0, 7, 0}, {3, 3})));
  // diagonal_backward scatters into zeros of the input shape.
  EXPECT_TRUE(all_close(diagonal_backward(tensor({1.0, 2.0}, kDouble), {2, 3}, 1, 0, 1),
                        ref({0, 1, 0, 0, 0, 2}, {2, 3})));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& v) { return v[0].transpose(0, 2).diagonal(1, 0, 1).pow(2); },
      {ramp({2, 3, 4})}));
  // b.movedim(-1, 0) == b.permute(2, 0, 1); a 0-dim tensor accepts dim 0 / -1.
  EXPECT_TRUE(same(B().movedim(-1, 0), B().permute({2, 0, 1})));
  EXPECT_TRUE(same(B().moveaxis({-1, 0}, {0, -1}), B().permute({2, 1, 0})));
  EXPECT_EQ(tensor(3.0).movedim(-1, 0).item<float>(), 3.f);
  // torch: "movedim: Invalid source or destination dims: source ([0] dims) should contain the
  // same number of dims as destination ([0, 1] dims)"; "repeated dim in `destination` ([1, 1])"
  EXPECT_TRUE(throws_with(
      [&] {
        A().movedim({0}, {0, 1});
      },
      "[movedim] movedim: Invalid source or destination dims: source ([0] dims) should contain the "
      "same number of dims as destination ([0, 1] dims)"));
  EXPECT_TRUE(throws_with(
      [&] {
        A().movedim({0, 1}, {1, 1});
      },
      "[movedim] movedim: repeated dim in `destination` ([1, 1])"));
  EXPECT_THROW(A().movedim(2, 0), Error);
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) {
        return v[0].movedim({0, 2}, {2, 1});
      },
      {ramp({2, 3, 4})}));
}

TEST(ViewOps, AsStridedUnfoldUnflattenEdgeCases) {
  Tensor a = A();
  // a[1:].as_strided((2,), (1,)) -> [4., 5.]: the default offset is the view's own.
  EXPECT_TRUE(all_close(a.slice(0, 1).as_strided({2}, {1}), ref({4, 5}, {2})));
  // a.as_strided((2,3),(0,1)) -> [[0,1,2],[0,1,2]] (stride 0 repeats)
  EXPECT_TRUE(all_close(a.as_strided({2, 3}, {0, 1}), ref({0, 1, 2, 0, 1, 2}, {2, 3})));
  EXPECT_TRUE(throws_with(
      [&] {
        a.as_strided({2, 2}, {1});
      },
      "[as_strided] mismatch in length of strides and shape"));
  EXPECT_TRUE(throws_with([&] { a.as_strided({2}, {1}, -1); },
                          "[as_strided] Tensor: invalid storage offset -1"));
  EXPECT_TRUE(throws_with(
      [&] {
        a.as_strided({2, INT64_MAX / 2}, {INT64_MAX / 2, 4});
      },
      "[as_strided]"));
  Tensor x = ramp({2, 3}).requires_grad_();
  EXPECT_EQ(x.as_strided({2}, {1}).grad_fn()->name(), "AsStridedBackward0");
  // torch.arange(7).unfold(0, 2, 3) -> [[0,1],[3,4]]; torch.arange(3.).unfold(0,0,1).shape -> [4,
  // 0]
  EXPECT_TRUE(same(arange(7).unfold(0, 2, 3), tensor({{0, 1}, {3, 4}})));
  EXPECT_EQ(arange(3, kFloat).unfold(0, 0, 1).sizes(), IntArrayRef({4, 0}));
  // torch.tensor(2.).unfold(0, 0, 1).shape -> [0]
  EXPECT_EQ(tensor(2.0).unfold(0, 0, 1).sizes(), IntArrayRef({0}));
  // Unfolding a transposed input along dim 0: windows of a's columns.
  Tensor w = a.t().unfold(0, 2, 2);  // [2, 3, 2]
  EXPECT_TRUE(all_close(w.select(0, 1), ref({2, 3, 6, 7, 10, 11}, {3, 2})));
  EXPECT_TRUE(throws_with([&] { arange(3, kFloat).unfold(0, -1, 1); }, "[unfold]"));
  EXPECT_TRUE(throws_with([&] { arange(3, kFloat).unfold(0, 1, 0); },
                          "[unfold] step is 0 but must be > 0"));
  EXPECT_TRUE(gradgradcheck([](const variable_list& v) { return v[0].t().unfold(0, 2, 1).pow(2); },
                            {ramp({3, 3})}));
  // a.unflatten(-1, (2,2)).shape -> [3, 2, 2]; torch.zeros(0).unflatten(0, (-1, 2)).shape -> [0, 2]
  EXPECT_EQ(a.unflatten(-1, {2, 2}).sizes(), IntArrayRef({3, 2, 2}));
  EXPECT_EQ(zeros({0}).unflatten(0, {-1, 2}).sizes(), IntArrayRef({0, 2}));
  EXPECT_TRUE(throws_with(
      [&] {
        a.unflatten(1, {-1, -1});
      },
      "[unflatten] only one dimension can be inferred"));
  EXPECT_TRUE(
      throws_with([&] { a.unflatten(1, {}); }, "[unflatten] unflatten: sizes must be non-empty"));
  EXPECT_TRUE(throws_with([&] { zeros({0}).unflatten(0, {0, -1}); }, "[unflatten]"));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) {
        return v[0].t().unflatten(0, {2, 2});
      },
      {ramp({3, 4})}));
}

TEST(ViewOps, SwapaxesAndSqueezeDims) {
  Tensor t = zeros({2, 3});
  t.swapaxes_(0, 1);
  EXPECT_EQ(t.sizes(), IntArrayRef({3, 2}));
  t.swapdims_(-1, 0);
  EXPECT_EQ(t.sizes(), IntArrayRef({2, 3}));
  EXPECT_TRUE(same(swapaxes(B(), 0, -1), B().transpose(0, 2)));
  // squeeze(dims): only listed dims of size 1 go; negative dims wrap; the result is a view.
  Tensor z = zeros({1, 3, 1, 1});
  Tensor s = z.squeeze(IntArrayRef{-1, 1, 0});
  EXPECT_EQ(s.sizes(), IntArrayRef({3, 1}));
  EXPECT_TRUE(s.is_alias_of(z));
  EXPECT_EQ(tensor(2.0).squeeze(IntArrayRef{0}).dim(), 0);
  EXPECT_EQ(zeros({0, 1}).squeeze(IntArrayRef{0, 1}).sizes(), IntArrayRef({0}));
  EXPECT_TRUE(throws_with(
      [&] {
        z.squeeze(IntArrayRef{0, -4});
      },
      "[squeeze] dim 0 appears multiple times"));
  EXPECT_THROW(z.squeeze(IntArrayRef{4}), Error);
  Tensor x = ramp({1, 3}).requires_grad_();
  Tensor y = x.squeeze(IntArrayRef{0});
  EXPECT_EQ(y.grad_fn()->name(), "SqueezeBackward2");
  (y * tensor({1.0, 2.0, 3.0}, kDouble)).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), ref({1, 2, 3}, {1, 3})));
}
