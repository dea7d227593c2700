// src/ops/join.cpp: cat, stack, hstack/vstack/dstack, repeat, repeat_interleave, flip, roll,
// tril/triu, diag, diag_embed and their out= variants. Values vs PyTorch 1.13 (expressions in
// comments), gradients, dtypes, layouts, errors.
#include <gtest/gtest.h>

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

TEST(Shape, Cat) {
  // torch.cat([torch.tensor([[1,2]],dtype=torch.int32), torch.tensor([[0.5,1.5]])])
  Tensor c = cat({tensor({{1, 2}}, kInt), tensor({{0.5f, 1.5f}})});
  EXPECT_EQ(c.dtype(), kFloat);
  EXPECT_TRUE(all_close(c, ref({1, 2, 0.5, 1.5}, {2, 2})));
  // Legacy empty 1-D tensors are skipped.
  EXPECT_EQ(cat({zeros({0}), ones({2, 3})}, 1).sizes(), IntArrayRef({2, 3}));
  Tensor a = A();
  EXPECT_TRUE(all_close(cat({a.t(), a.t()}, -1).sum(std::vector<int64_t>{1}),
                        a.sum(std::vector<int64_t>{0}) * 2));
  EXPECT_TRUE(throws_with(
      [&] {
        cat({zeros({2, 3}), zeros({2, 4})}, 0);
      },
      "Sizes of tensors must match except in dimension 0. Expected size 3 but "
      "got size 4 for tensor number 1 in the list."));
  EXPECT_TRUE(throws_with(
      [&] {
        cat({zeros({2, 3}), zeros({2, 3, 1})});
      },
      "Tensors must have same number of dimensions: got 2 and 3"));
  EXPECT_TRUE(throws_with([&] { cat({tensor(1.0), tensor(2.0)}); }, "zero-dimensional tensor"));
  EXPECT_TRUE(throws_with([&] { cat(std::vector<Tensor>{}); }, "expected a non-empty list"));
  Tensor out = empty({0}, kDouble);
  cat_out(out, {a, a}, 1);
  EXPECT_EQ(out.sizes(), IntArrayRef({3, 8}));
  EXPECT_EQ(cat({zeros({2, 0}), zeros({2, 0})}, 1).sizes(), IntArrayRef({2, 0}));
  Tensor x = ramp({2, 2}).requires_grad_();
  EXPECT_EQ(cat({x, x}).grad_fn()->name(), "CatBackward0");
  // A skipped legacy empty input still gets its (empty) gradient.
  Tensor e = zeros({0}, kDouble).requires_grad_();
  cat({e, x}, 1).sum().backward();
  ASSERT_TRUE(e.grad().defined());
  EXPECT_EQ(e.grad().sizes(), IntArrayRef({0}));
  EXPECT_TRUE(all_close(x.grad(), ones({2, 2}, kDouble)));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return cat({x[0], x[1] * 2, x[0]}, 1);
      },
      {ramp({2, 3}), ramp({2, 1})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor c = cat({x[0], x[1]});
        return c * c;
      },
      {ramp({1, 3}), ramp({2, 3})}));
}

TEST(Shape, StackFamily) {
  Tensor s = stack({tensor({1, 2}), tensor({3, 4})}, 1);
  EXPECT_TRUE(same(s, tensor({{1, 3}, {2, 4}})));
  EXPECT_TRUE(throws_with(
      [&] {
        stack({zeros({2}), zeros({3})});
      },
      "stack expects each tensor to be equal size, but got [2] at entry 0 and "
      "[3] at entry 1"));
  EXPECT_THROW(stack(std::vector<Tensor>{}), Error);
  Tensor x = ramp({2}).requires_grad_();
  EXPECT_EQ(stack({x, x}).grad_fn()->name(), "StackBackward0");
  EXPECT_TRUE(same(hstack({tensor({1, 2}), tensor({3})}), tensor({1, 2, 3})));
  EXPECT_TRUE(same(vstack({tensor({1, 2}), tensor({3, 4})}), tensor({{1, 2}, {3, 4}})));
  // torch.dstack([torch.tensor([1,2]),torch.tensor([3,4])])
  EXPECT_TRUE(same(dstack({tensor({1, 2}), tensor({3, 4})}), tensor({{{1, 3}, {2, 4}}})));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        return stack({x[0], x[1] * x[0]}, -1);
      },
      {ramp({2, 2}), ramp({2, 2})}));
}

TEST(Shape, RepeatInterleave) {
  // torch.tensor([[1,2],[3,4]]).repeat(2,1,3)
  Tensor r = tensor({{1, 2}, {3, 4}}).repeat({2, 1, 3});
  EXPECT_EQ(r.sizes(), IntArrayRef({2, 2, 6}));
  EXPECT_TRUE(same(r.select(0, 1).select(0, 1), tensor({3, 4, 3, 4, 3, 4})));
  EXPECT_TRUE(throws_with([&] { A().repeat({2}); }, "Number of dimensions of repeat dims"));
  EXPECT_EQ(A().repeat({0, 2}).sizes(), IntArrayRef({0, 8}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].t().repeat({2, 1, 2});
      },
      {ramp({2, 3})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor y = x[0].repeat({2, 2});
        return y * y;
      },
      {ramp({2, 2})}));
  // torch.tensor([[1,2],[3,4]]).repeat_interleave(torch.tensor([1,2]),0)
  Tensor m = tensor({{1, 2}, {3, 4}});
  EXPECT_TRUE(same(m.repeat_interleave(tensor({1, 2}), 0), tensor({{1, 2}, {3, 4}, {3, 4}})));
  EXPECT_TRUE(same(m.repeat_interleave(2), tensor({1, 1, 2, 2, 3, 3, 4, 4})));
  EXPECT_TRUE(same(repeat_interleave(tensor({1, 0, 2})), tensor({0, 2, 2})));
  EXPECT_TRUE(throws_with([&] { m.repeat_interleave(-1); }, "repeats can not be negative"));
  EXPECT_THROW(m.repeat_interleave(tensor({1, 2, 3}), 0), Error);
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].repeat_interleave(3, 1); },
                        {ramp({2, 2})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].repeat_interleave(tensor({2, 0, 1}), 0);
      },
      {ramp({3, 2})}));
}

TEST(Shape, FlipRoll) {
  // b.flip([0,2])
  Tensor f = B().flip({0, 2});
  EXPECT_TRUE(all_close(f.reshape({-1}).slice(0, 0, 5), ref({15, 14, 13, 12, 19}, {5})));
  EXPECT_TRUE(same(f.flip({2, 0}), B()));
  EXPECT_TRUE(same(arange(6, kByte).reshape({2, 3}).t().flip({0}),
                   tensor({{2, 5}, {1, 4}, {0, 3}}).to(kByte)));
  EXPECT_TRUE(throws_with([&] { A().flip({0, 0}); }, "appears multiple times"));
  EXPECT_EQ(zeros({0, 3}).flip({0}).sizes(), IntArrayRef({0, 3}));
  EXPECT_TRUE(
      gradgradcheck([](const variable_list& x) { return x[0].flip({1}) * x[0]; }, {ramp({2, 3})}));
  // a.roll([1,-1],[0,1]), a.roll(5)
  EXPECT_TRUE(
      all_close(A().roll({1, -1}, {0, 1}), ref({9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4}, {3, 4})));
  EXPECT_TRUE(all_close(A().roll(5), ref({7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6}, {3, 4})));
  EXPECT_TRUE(throws_with([&] { A().roll({1, 2}, {0}); }, "shifts and dimensions must align"));
  Tensor x = ramp({3}).requires_grad_();
  EXPECT_EQ(x.roll(1).grad_fn()->name(), "RollBackward0");
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].roll({2}, {1}) * x[0]; },
                            {ramp({2, 3})}));
}

TEST(Shape, TrilTriuDiag) {
  EXPECT_TRUE(all_close(A().tril(1), ref({0, 1, 0, 0, 4, 5, 6, 0, 8, 9, 10, 11}, {3, 4})));
  EXPECT_TRUE(all_close(A().triu(-1), ref({0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11}, {3, 4})));
  EXPECT_TRUE(same(A().t().tril(), A().t().contiguous().tril()));
  Tensor inf = full({2, 2}, static_cast<double>(INFINITY));
  EXPECT_EQ(inf.triu().select(0, 1).select(0, 0).item<double>(),
            0.0);  // zeroing, not multiplying by a mask
  EXPECT_TRUE(same(ones({2, 2}, kBool).tril(), tensor({{true, false}, {true, true}})));
  Tensor t = A().clone();
  t.tril_(-1);
  EXPECT_TRUE(same(t, A().tril(-1)));
  Tensor tv = A().t();
  tv.triu_();
  EXPECT_TRUE(same(tv, A().t().triu()));
  EXPECT_THROW(zeros({3}).tril(), Error);
  Tensor o = empty({0}, kDouble);
  triu_out(o, A(), 1);
  EXPECT_TRUE(same(o, A().triu(1)));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].tril(-1) * x[0].triu(); },
                            {ramp({2, 3, 3})}));
  // torch.tensor([1,2]).diag(1)
  EXPECT_TRUE(same(tensor({1, 2}).diag(1), tensor({{0, 1, 0}, {0, 0, 2}, {0, 0, 0}})));
  EXPECT_TRUE(all_close(A().diag(-1), ref({4, 9}, {2})));
  EXPECT_TRUE(throws_with([&] { zeros({2, 2, 2}).diag(); }, "matrix or a vector expected"));
  Tensor x = ramp({2}).requires_grad_();
  EXPECT_EQ(x.diag().grad_fn()->name(), "DiagBackward0");
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].diag(-1) * x[0].diag(-1); },
                            {ramp({3})}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].diag(1) * x[0].diag(1); },
                            {ramp({3, 4})}));
  // torch.tensor([[1.,2],[3,4]]).diag_embed(-1)
  Tensor de = tensor({{1.0, 2.0}, {3.0, 4.0}}).diag_embed(-1);
  EXPECT_EQ(de.sizes(), IntArrayRef({2, 3, 3}));
  EXPECT_EQ(de.select(0, 1).select(0, 2).select(0, 1).item<double>(), 4.0);
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0].diag_embed(1, 0, 2); }, {ramp({2, 2})}));
}

TEST(Shape, OutVariants) {
  Tensor o = empty({0}, kDouble);
  flip_out(o, A(), {1});
  EXPECT_TRUE(all_close(o, A().flip({1})));
  roll_out(o, A(), {1}, {0});
  EXPECT_TRUE(all_close(o, A().roll({1}, {0})));
  diag_out(o, A(), 0);
  EXPECT_TRUE(all_close(o, ref({0, 5, 10}, {3})));
  vstack_out(o, {A(), A()});
  EXPECT_EQ(o.sizes(), IntArrayRef({6, 4}));
  Tensor f = empty({0}, kFloat);
  stack_out(f, {A(), A()}, 2);  // double -> float is a valid cast for out=
  EXPECT_EQ(f.sizes(), IntArrayRef({3, 4, 2}));
  Tensor i = empty({0}, kInt);
  EXPECT_THROW(cat_out(i, {A(), A()}), Error);  // float can't be cast to int
  EXPECT_THROW(flip_out(i, A(), {0}), Error);
}

TEST(Join, CatLayoutsDtypesAndAliasing) {
  // Transposed, expanded and contiguous pieces: each lands in its slice of the output.
  Tensor t = A().t();                                           // [4, 3], non-contiguous
  Tensor e = tensor({1.5, -2.0, 3.0}, kDouble).expand({2, 3});  // stride 0
  Tensor c = cat({t, e, ramp({1, 3})}, 0);
  EXPECT_EQ(c.sizes(), IntArrayRef({7, 3}));
  EXPECT_TRUE(same(c.narrow(0, 0, 4), t.contiguous()));
  EXPECT_TRUE(same(c.narrow(0, 4, 2), e.contiguous()));
  EXPECT_TRUE(same(c.narrow(0, 6, 1), ramp({1, 3})));
  Tensor c3 = cat({B(), B().narrow(1, 0, 1)}, -2);
  EXPECT_EQ(c3.sizes(), IntArrayRef({2, 4, 4}));
  EXPECT_TRUE(same(c3.narrow(1, 3, 1), B().narrow(1, 0, 1)));
  // torch.cat([int8 [1], uint8 [200], bool [True]]) -> int16 [1, 200, 1]
  Tensor p = cat({tensor({1}).to(kChar), tensor({200}).to(kByte), tensor({true})});
  EXPECT_TRUE(same(p, tensor({1, 200, 1}).to(kShort)));
  EXPECT_TRUE(same(cat({tensor({true}), tensor({false, true})}), tensor({true, false, true})));
  // torch.cat([torch.zeros(0), torch.zeros(0)], 3).shape -> [0]: dim is not even checked.
  EXPECT_EQ(cat({zeros({0}), zeros({0})}, 3).sizes(), IntArrayRef({0}));
  // The gradient of each input comes back in its own dtype.
  Tensor f = tensor({1.0f, 2.0f}).requires_grad_();
  Tensor d = tensor({3.0}, kDouble).requires_grad_();
  Tensor fd = cat({f, d});
  EXPECT_EQ(fd.dtype(), kDouble);
  (fd * tensor({1.0, 2.0, 3.0}, kDouble)).sum().backward();
  EXPECT_EQ(f.grad().dtype(), kFloat);
  EXPECT_TRUE(all_close(f.grad(), tensor({1.0f, 2.0f})));
  EXPECT_TRUE(all_close(d.grad(), tensor({3.0}, kDouble)));
  // out=: resized when its shape is wrong, refused when it aliases an input.
  Tensor out = zeros({5, 5}, kDouble);
  cat_out(out, {A(), A()}, 0);
  EXPECT_TRUE(same(out, cat({A(), A()})));
  Tensor x = zeros({2, 3});
  EXPECT_TRUE(throws_with(
      [&] {
        cat_out(x, {x, x});
      },
      "[cat] unsupported operation: the input tensors cannot refer to any of "
      "the output memory locations."));
  Tensor i = empty({0}, kLong);
  EXPECT_TRUE(
      throws_with([&] { cat_out(i, {A()}); },
                  "[cat] result type Double can't be cast to the desired output type Long"));
  EXPECT_TRUE(throws_with(
      [&] {
        cat({A(), Tensor()});
      },
      "[cat] tensor at position 1 is undefined"));
}

TEST(Join, StackAndHVDStack) {
  // torch.stack([tensor(1.), tensor(2.)]) -> [1., 2.]
  EXPECT_TRUE(same(stack({tensor(1.0), tensor(2.0)}), tensor({1.0f, 2.0f})));
  // Last position, as -1 or as dim(): stack of [3, 4] pieces -> [3, 4, 2].
  Tensor s = stack({A(), A().t().t() * 2}, 2);
  EXPECT_TRUE(same(s, stack({A(), A() * 2}, -1)));
  EXPECT_TRUE(same(s.select(2, 1), A() * 2));
  // Transposed pieces.
  EXPECT_TRUE(same(stack({A().t(), A().t()}, 0).select(0, 1), A().t().contiguous()));
  // torch.stack([torch.zeros(0,2)]*3, 1).shape -> [0, 3, 2]
  EXPECT_EQ(stack({zeros({0, 2}), zeros({0, 2}), zeros({0, 2})}, 1).sizes(),
            IntArrayRef({0, 3, 2}));
  EXPECT_THROW(stack({A(), A()}, 3), Error);
  Tensor ol = empty({0}, kLong);
  EXPECT_TRUE(throws_with(
      [&] {
        stack_out(ol, {tensor({1.0, 2.0})});
      },
      "[stack] result type Float can't be cast to the desired output type Long"));
  // torch.hstack([tensor(1.), tensor(2.)]) -> [1., 2.]; hstack([ones(2,1), zeros(2,2)])
  EXPECT_TRUE(same(hstack({tensor(1.0), tensor(2.0)}), tensor({1.0f, 2.0f})));
  EXPECT_TRUE(same(hstack({ones({2, 1}), zeros({2, 2})}),
                   tensor({{1.0f, 0.0f, 0.0f}, {1.0f, 0.0f, 0.0f}})));
  // torch.vstack([tensor([1,2]), tensor([[3,4],[5,6]])]) -> [[1,2],[3,4],[5,6]]
  EXPECT_TRUE(
      same(vstack({tensor({1, 2}), tensor({{3, 4}, {5, 6}})}), tensor({{1, 2}, {3, 4}, {5, 6}})));
  // torch.dstack([tensor([[1,2],[3,4]]), tensor([[5,6],[7,8]])]) -> [[[1,5],[2,6]],[[3,7],[4,8]]]
  EXPECT_TRUE(same(dstack({tensor({{1, 2}, {3, 4}}), tensor({{5, 6}, {7, 8}})}),
                   tensor({{{1, 5}, {2, 6}}, {{3, 7}, {4, 8}}})));
  EXPECT_THROW(vstack(std::vector<Tensor>{}), Error);
  EXPECT_THROW(dstack(std::vector<Tensor>{}), Error);
  EXPECT_TRUE(throws_with([] { hstack(std::vector<Tensor>{}); },
                          "[hstack] hstack expects a non-empty TensorList"));
  Tensor o = empty({0}, kDouble);
  hstack_out(o, {A(), A()});
  EXPECT_EQ(o.sizes(), IntArrayRef({3, 8}));
  dstack_out(o, {A(), A()});
  EXPECT_TRUE(same(o, stack({A(), A()}, 2)));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        return hstack({x[0], x[1]}) * vstack({x[0], x[0] * 2}).sum();
      },
      {ramp({2}), ramp({3})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return dstack({x[0], x[1].t()});
      },
      {ramp({2, 3}), ramp({3, 2})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return stack({x[0], x[1]});
      },
      {ramp({}), ramp({}) * 2}));
}

TEST(Join, RepeatAndRepeatInterleaveEdgeCases) {
  // A transposed input: out[i][j] = t[i % 4][j % 3].
  Tensor t = A().t();
  Tensor r = t.repeat({2, 3});
  EXPECT_EQ(r.sizes(), IntArrayRef({8, 9}));
  for (int64_t i = 0; i < 8; ++i)
    for (int64_t j = 0; j < 9; ++j)
      EXPECT_EQ(r.select(0, i).select(0, j).item<double>(),
                t.select(0, i % 4).select(0, j % 3).item<double>());
  // torch.tensor(3.).repeat([]) -> tensor(3.); negative repeats are refused.
  EXPECT_EQ(tensor(3.0).repeat(IntArrayRef{}).dim(), 0);
  EXPECT_TRUE(throws_with(
      [] {
        tensor({1, 2}).repeat({-1, 2});
      },
      "[repeat] Trying to create tensor with negative dimension -1"));
  EXPECT_TRUE(same(tensor({true, false}).repeat({2}), tensor({true, false, true, false})));
  EXPECT_EQ(zeros({0, 2}).repeat({3, 1, 2}).sizes(), IntArrayRef({3, 0, 4}));
  Tensor m = tensor({{1, 2}, {3, 4}});
  // m.repeat_interleave(torch.tensor(2), dim=-1) -> [[1,1,2,2],[3,3,4,4]]
  EXPECT_TRUE(
      same(m.repeat_interleave(tensor(int64_t{2}), -1), tensor({{1, 1, 2, 2}, {3, 3, 4, 4}})));
  // m.repeat_interleave(torch.tensor([0,0]), dim=0).shape -> [0, 2]
  EXPECT_EQ(m.repeat_interleave(tensor({0, 0}), 0).sizes(), IntArrayRef({0, 2}));
  // torch.repeat_interleave(torch.tensor([2,1], dtype=torch.int32)) -> int32 [0, 0, 1]
  EXPECT_TRUE(same(repeat_interleave(tensor({2, 1}).to(kInt)), tensor({0, 0, 1}).to(kInt)));
  // One repeat is a copy, not a view of self.
  EXPECT_FALSE(m.repeat_interleave(1).is_alias_of(m));
  EXPECT_TRUE(throws_with([&] { m.repeat_interleave(2, 0, 3); },
                          "[repeat_interleave] allocated size does not match required size"));
  EXPECT_THROW(repeat_interleave(tensor({2, 1}), std::optional<int64_t>(4)), Error);
  EXPECT_TRUE(throws_with(
      [] {
        repeat_interleave(tensor({2, -1}));
      },
      "repeats can not be negative"));
  EXPECT_TRUE(throws_with([&] { m.repeat_interleave(tensor({1.0, 2.0})); }, "Long or Int"));
  EXPECT_TRUE(throws_with(
      [&] {
        m.repeat_interleave(tensor({{1, 2}}));
      },
      "repeats must be 0-dim or 1-dim tensor"));
  EXPECT_TRUE(throws_with([] { repeat_interleave(tensor({{1, 2}})); }, "only accept 1D vector"));
}

TEST(Join, FlipRollTriDiagEdgeCases) {
  Tensor a = A();
  // a.flip([-1]); flipping no dims is a copy.
  EXPECT_TRUE(all_close(a.flip({-1}), ref({3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}, {3, 4})));
  EXPECT_TRUE(same(a.flip(IntArrayRef{}), a));
  EXPECT_FALSE(a.flip(IntArrayRef{}).is_alias_of(a));
  // a.roll([7,-9],[0,1]) -> shifts taken modulo the size
  EXPECT_TRUE(
      all_close(a.roll({7, -9}, {0, 1}), ref({9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4}, {3, 4})));
  // a.t().roll([1,1],[0,1])
  EXPECT_TRUE(
      all_close(a.t().roll({1, 1}, {0, 1}), ref({11, 3, 7, 8, 0, 4, 9, 1, 5, 10, 2, 6}, {4, 3})));
  EXPECT_TRUE(
      throws_with([&] { a.roll(IntArrayRef{}, IntArrayRef{}); }, "[roll] `shifts` required"));
  // torch.arange(18.).reshape(2,3,3).tril(-1): every matrix of the batch.
  EXPECT_TRUE(all_close(arange(18, kDouble).reshape({2, 3, 3}).tril(-1),
                        ref({0, 0, 0, 3, 0, 0, 6, 7, 0, 0, 0, 0, 12, 0, 0, 15, 16, 0}, {2, 3, 3})));
  EXPECT_TRUE(same(a.triu(5), zeros({3, 4}, kDouble)));
  EXPECT_TRUE(same(a.tril(-5), zeros({3, 4}, kDouble)));
  EXPECT_TRUE(same(a.tril(10), a));
  EXPECT_TRUE(same(arange(6).reshape({2, 3}).triu(), tensor({{0, 1, 2}, {0, 4, 5}})));
  EXPECT_TRUE(throws_with([] { zeros({3}).tril(); }, "[tril]"));
  EXPECT_TRUE(throws_with([] { zeros({3}).triu_(); }, "[triu_]"));
  EXPECT_THROW(tensor({1.0, 2.0}).requires_grad_().tril_(), Error);
  // torch.tensor([1.,2]).diag(-1) -> [[0,0,0],[1,0,0],[0,2,0]]
  EXPECT_TRUE(
      all_close(tensor({1.0, 2.0}, kDouble).diag(-1), ref({0, 0, 0, 1, 0, 0, 0, 2, 0}, {3, 3})));
  EXPECT_TRUE(all_close(a.t().diag(1), ref({4, 9}, {2})));
  // torch.tensor([[1.,2],[3,4]]).diag_embed(1, -1, 0)
  EXPECT_TRUE(all_close(tensor({{1.0, 2.0}, {3.0, 4.0}}, kDouble).diag_embed(1, -1, 0),
                        ref({0, 0, 0, 0, 0, 0, 1, 0, 0, 3, 0, 0, 0, 2, 0, 0, 4, 0}, {3, 2, 3})));
  EXPECT_TRUE(throws_with(
      [] {
        tensor({1.0, 2.0}).diag_embed(0, 0, -2);
      },
      "[diag_embed] diagonal dimensions cannot be identical 0, -2"));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].diag_embed(-1, -1, 0) * 2; },
                            {ramp({2, 3})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].t().roll({1, -2}, {0, 1});
      },
      {ramp({3, 4})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].t().flip({0, 1});
      },
      {ramp({3, 4})}));
}
