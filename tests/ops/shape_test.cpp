// Shape and view ops: values vs PyTorch 1.13 (expressions in comments), gradients, errors.
#include <gtest/gtest.h>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
Tensor ref(std::vector<double> v, IntArrayRef shape) { return tensor(v).reshape(shape); }
// a = torch.arange(12.).reshape(3,4); b = torch.arange(24.).reshape(2,3,4)
Tensor A() { return arange(12, kDouble).reshape({3, 4}); }
Tensor B() { return arange(24, kDouble).reshape({2, 3, 4}); }
// Non-trivial double inputs for gradchecks.
Tensor X(IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (arange(n, kDouble) * 0.37 - 1.1).reshape(shape);
}
// Same shape, dtype and values (Tensor::equal lives in another op family).
bool same(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && all_close(a, b, 0, 0);
}
bool throws_with(const std::function<void()>& f, const std::string& text) {
  try {
    f();
  } catch (const Error& e) {
    return std::string(e.what()).find(text) != std::string::npos;
  }
  return false;
}
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
      gradcheck([](const variable_list& x) { return x[0].slice(1, 1, 4, 2); }, {X({3, 4})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) { return x[0].narrow(0, 1, 2) * x[0].narrow(0, 0, 2); },
      {X({3, 2})}));
  Tensor x = X({3, 4}).requires_grad_();
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
  Tensor x = X({4}).requires_grad_();
  EXPECT_EQ(x.split(2)[0].grad_fn()->name(), "SplitBackward0");
  EXPECT_EQ(x.unbind()[0].grad_fn()->name(), "UnbindBackward0");
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        auto p = x[0].split(2, 1);
        return p[0] * 2 + p[1].sum();
      },
      {X({2, 3})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        auto p = x[0].unbind(0);
        return p[0] * p[1];
      },
      {X({2, 3})}));
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
      gradcheck([](const variable_list& x) { return x[0].diagonal(1, -1, 0); }, {X({3, 4})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) { return x[0].diagonal(-1) * x[0].diagonal(-1); }, {X({3, 3})}));
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
      {X({4})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor v = x[0].as_strided({2, 2}, {1, 2}, 1);
        return v * v;
      },
      {X({2, 3})}));
  // torch.arange(7.).unfold(0,3,2)
  EXPECT_TRUE(
      all_close(arange(7, kDouble).unfold(0, 3, 2), ref({0, 1, 2, 2, 3, 4, 4, 5, 6}, {3, 3})));
  EXPECT_EQ(tensor(2.0).unfold(0, 1, 1).sizes(), IntArrayRef({1}));
  EXPECT_TRUE(
      throws_with([&] { a.unfold(1, 5, 1); }, "maximum size for tensor at dimension 1 is 4"));
  EXPECT_THROW(a.unfold(1, 2, 0), Error);
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return x[0].unfold(1, 3, 1); }, {X({2, 5})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor u = x[0].unfold(0, 2, 1);
        return u * u;
      },
      {X({4})}));
  EXPECT_EQ(a.unflatten(1, {2, -1}).sizes(), IntArrayRef({3, 2, 2}));
  EXPECT_TRUE(throws_with(
      [&] {
        a.unflatten(1, {3, 2});
      },
      "don't multiply up to the size of dim 1"));
  EXPECT_EQ(zeros({1, 3, 1}).squeeze(IntArrayRef{0, 1}).sizes(), IntArrayRef({3, 1}));
}

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
  Tensor x = X({2, 2}).requires_grad_();
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
      {X({2, 3}), X({2, 1})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor c = cat({x[0], x[1]});
        return c * c;
      },
      {X({1, 3}), X({2, 3})}));
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
  Tensor x = X({2}).requires_grad_();
  EXPECT_EQ(stack({x, x}).grad_fn()->name(), "StackBackward0");
  EXPECT_TRUE(same(hstack({tensor({1, 2}), tensor({3})}), tensor({1, 2, 3})));
  EXPECT_TRUE(same(vstack({tensor({1, 2}), tensor({3, 4})}), tensor({{1, 2}, {3, 4}})));
  // torch.dstack([torch.tensor([1,2]),torch.tensor([3,4])])
  EXPECT_TRUE(same(dstack({tensor({1, 2}), tensor({3, 4})}), tensor({{{1, 3}, {2, 4}}})));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        return stack({x[0], x[1] * x[0]}, -1);
      },
      {X({2, 2}), X({2, 2})}));
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
      {X({2, 3})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor y = x[0].repeat({2, 2});
        return y * y;
      },
      {X({2, 2})}));
  // torch.tensor([[1,2],[3,4]]).repeat_interleave(torch.tensor([1,2]),0)
  Tensor m = tensor({{1, 2}, {3, 4}});
  EXPECT_TRUE(same(m.repeat_interleave(tensor({1, 2}), 0), tensor({{1, 2}, {3, 4}, {3, 4}})));
  EXPECT_TRUE(same(m.repeat_interleave(2), tensor({1, 1, 2, 2, 3, 3, 4, 4})));
  EXPECT_TRUE(same(repeat_interleave(tensor({1, 0, 2})), tensor({0, 2, 2})));
  EXPECT_TRUE(throws_with([&] { m.repeat_interleave(-1); }, "repeats can not be negative"));
  EXPECT_THROW(m.repeat_interleave(tensor({1, 2, 3}), 0), Error);
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0].repeat_interleave(3, 1); }, {X({2, 2})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].repeat_interleave(tensor({2, 0, 1}), 0);
      },
      {X({3, 2})}));
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
      gradgradcheck([](const variable_list& x) { return x[0].flip({1}) * x[0]; }, {X({2, 3})}));
  // a.roll([1,-1],[0,1]), a.roll(5)
  EXPECT_TRUE(
      all_close(A().roll({1, -1}, {0, 1}), ref({9, 10, 11, 8, 1, 2, 3, 0, 5, 6, 7, 4}, {3, 4})));
  EXPECT_TRUE(all_close(A().roll(5), ref({7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6}, {3, 4})));
  EXPECT_TRUE(throws_with([&] { A().roll({1, 2}, {0}); }, "shifts and dimensions must align"));
  Tensor x = X({3}).requires_grad_();
  EXPECT_EQ(x.roll(1).grad_fn()->name(), "RollBackward0");
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].roll({2}, {1}) * x[0]; },
                            {X({2, 3})}));
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
                            {X({2, 3, 3})}));
  // torch.tensor([1,2]).diag(1)
  EXPECT_TRUE(same(tensor({1, 2}).diag(1), tensor({{0, 1, 0}, {0, 0, 2}, {0, 0, 0}})));
  EXPECT_TRUE(all_close(A().diag(-1), ref({4, 9}, {2})));
  EXPECT_TRUE(throws_with([&] { zeros({2, 2, 2}).diag(); }, "matrix or a vector expected"));
  Tensor x = X({2}).requires_grad_();
  EXPECT_EQ(x.diag().grad_fn()->name(), "DiagBackward0");
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].diag(-1) * x[0].diag(-1); },
                            {X({3})}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].diag(1) * x[0].diag(1); },
                            {X({3, 4})}));
  // torch.tensor([[1.,2],[3,4]]).diag_embed(-1)
  Tensor de = tensor({{1.0, 2.0}, {3.0, 4.0}}).diag_embed(-1);
  EXPECT_EQ(de.sizes(), IntArrayRef({2, 3, 3}));
  EXPECT_EQ(de.select(0, 1).select(0, 2).select(0, 1).item<double>(), 4.0);
  EXPECT_TRUE(
      gradcheck([](const variable_list& x) { return x[0].diag_embed(1, 0, 2); }, {X({2, 2})}));
}

TEST(Shape, ReducedPrecisionAndEdgeCases) {
  for (ScalarType dt : {kHalf, kBFloat16, kBool, kChar, kShort}) {
    Tensor a = arange(6, kDouble).reshape({2, 3}).to(dt);
    Tensor c = cat({a, a.t().t()}, 1);
    EXPECT_EQ(c.dtype(), dt);
    EXPECT_TRUE(all_close(c.to(kDouble).narrow(1, 3, 3), a.to(kDouble))) << toString(dt);
    EXPECT_TRUE(all_close(a.flip({1}).to(kDouble), a.to(kDouble).flip({1}))) << toString(dt);
    EXPECT_TRUE(all_close(a.triu(1).to(kDouble), a.to(kDouble).triu(1))) << toString(dt);
    EXPECT_TRUE(all_close(a.repeat({2, 1}).to(kDouble), a.to(kDouble).repeat({2, 1})))
        << toString(dt);
    EXPECT_TRUE(all_close(a.diagonal().to(kDouble), a.to(kDouble).diagonal())) << toString(dt);
  }
  // Mixed dtypes promote: int64 + float16 -> float16, bool + int8 -> int8.
  EXPECT_EQ(cat({zeros({1}, kLong), zeros({1}, kHalf)}).dtype(), kHalf);
  EXPECT_EQ(stack({zeros({1}, kBool), zeros({1}, kChar)}).dtype(), kChar);
  // Zero-size inputs.
  Tensor z = zeros({0, 3});
  EXPECT_EQ(z.narrow(1, 1, 2).sizes(), IntArrayRef({0, 2}));
  EXPECT_EQ(z.diagonal().sizes(), IntArrayRef({0}));
  EXPECT_EQ(z.unfold(1, 2, 1).sizes(), IntArrayRef({0, 2, 2}));
  EXPECT_EQ(z.tril().sizes(), IntArrayRef({0, 3}));
  EXPECT_EQ(z.roll(1).sizes(), IntArrayRef({0, 3}));
  EXPECT_EQ(z.split(2, 1).size(), 2u);
  EXPECT_EQ(z.unbind(0).size(), 0u);
  EXPECT_EQ(zeros({0}).diag().sizes(), IntArrayRef({0, 0}));
  // 0-dim inputs.
  Tensor s = tensor(3.0);
  EXPECT_EQ(s.movedim(0, 0).dim(), 0);
  EXPECT_EQ(s.repeat({2}).sizes(), IntArrayRef({2}));
  EXPECT_EQ(s.flip({0}).item<double>(), 3.0);
  EXPECT_EQ(s.roll(1).item<double>(), 3.0);
  EXPECT_EQ(s.repeat_interleave(2).sizes(), IntArrayRef({2}));
  EXPECT_EQ(s.as_strided({2}, {0}).sizes(), IntArrayRef({2}));
  EXPECT_THROW(s.diagonal(), Error);
  EXPECT_THROW(s.slice(0, 0, 1), Error);
}

TEST(Shape, GradientsThroughNonContiguousViews) {
  // as_strided on a transposed input: the gradient lands where the storage elements live.
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return x[0].t().as_strided({2, 2}, {3, 1}, 1) * 1.5;
      },
      {X({2, 3})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        Tensor v = x[0].t().slice(0, 0, 3, 2).diagonal();
        return v * v;
      },
      {X({3, 4})}));
  // In-place tril_ on a non-leaf records TrilBackward0.
  Tensor x = X({3, 3}).requires_grad_();
  Tensor y = x * 2;
  y.tril_();
  EXPECT_EQ(y.grad_fn()->name(), "TrilBackward0");
  y.sum().backward();
  EXPECT_TRUE(all_close(x.grad(), ones({3, 3}, kDouble).tril() * 2));
  // Writes through a view are seen by the base (views share storage).
  Tensor base = zeros({2, 3});
  {
    NoGradGuard ng;
    base.unfold(1, 2, 1).select(1, 1).fill_(5);
  }
  EXPECT_TRUE(all_close(base, ref({0, 5, 5, 0, 5, 5}, {2, 3})));
  EXPECT_TRUE(base.as_strided({3}, {1}, 2).is_alias_of(base));
}

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
      {X({2, 4})}));
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
