// sum, mean, prod, all/any, count_nonzero, max/min/amax/amin/argmax/argmin, median.
// Expected values come from PyTorch 1.13 (the Python expression is in each comment).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
// A = torch.tensor([[1.5, -2., 3.], [0.5, 4., -1.]])
Tensor A(ScalarType dt = kFloat) { return tensor({{1.5, -2.0, 3.0}, {0.5, 4.0, -1.0}}, dt); }
// B = torch.arange(24).reshape(2, 3, 4)
Tensor B() { return arange(24).reshape({2, 3, 4}); }
Tensor D(std::initializer_list<double> v) { return tensor(std::vector<double>(v), kDouble); }
// Same dtype, shape and values.
::testing::AssertionResult same(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    return ::testing::AssertionFailure() << a.dtype() << " vs " << b.dtype();
  return all_close(a, b, 0, 0);
}
const double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

TEST(Sum, ValuesDtypesAndGrad) {
  EXPECT_TRUE(all_close(A().sum(), tensor(6.0)));
  EXPECT_TRUE(all_close(A().sum(1), tensor({2.5, 3.5})));
  EXPECT_EQ(B().sum(IntArrayRef{0, 2}, true).sizes(), IntArrayRef({1, 3, 1}));
  EXPECT_EQ(tensor({true, true, false}).sum().dtype(), kLong);
  EXPECT_EQ(tensor({1, 2}, kChar).sum().dtype(), kLong);
  // torch.tensor([100]*3, dtype=torch.int8).sum() -> 300 (accumulates in int64)
  EXPECT_EQ(full({3}, 100, kChar).sum().item<int64_t>(), 300);
  EXPECT_EQ(A().sum(kDouble).dtype(), kDouble);
  EXPECT_EQ(zeros({0, 3}).sum().item<double>(), 0.0);
  EXPECT_TRUE(all_close(zeros({0, 3}).sum(0), zeros({3})));
  // Half sums do not overflow in the accumulator: torch.full([1000], 60., dtype=half).sum() = 60000
  EXPECT_EQ(full({1000}, 60.0, kHalf).sum().item<double>(), 60000.0);
  EXPECT_TRUE(all_close(A().t().sum(1), tensor({2.0, 2.0, 2.0})));
  Tensor x = A(kDouble).requires_grad_();
  EXPECT_EQ(x.sum().grad_fn()->name(), "SumBackward0");
  EXPECT_EQ(x.sum(1).grad_fn()->name(), "SumBackward1");
  EXPECT_TRUE(gradcheck([](const variable_list& v) { return v[0].sum(IntArrayRef{1}); }, {A()}));
  EXPECT_THROW(A().sum(IntArrayRef{2}), ember::Error);
  EXPECT_THROW(A().sum(IntArrayRef{0, 0}), ember::Error);
  Tensor out = empty({0});
  sum_out(out, A(), IntArrayRef{0});
  EXPECT_TRUE(all_close(out, tensor({2.0, 2.0, 2.0})));
}

TEST(Mean, ValuesAndGrad) {
  EXPECT_TRUE(all_close(A().mean(), tensor(1.0)));
  EXPECT_TRUE(all_close(A().mean(0, true), tensor({{1.0, 1.0, 1.0}})));
  EXPECT_TRUE(std::isnan(zeros({0}).mean().item<double>()));
  EXPECT_THROW(B().mean(), ember::Error);
  // torch.arange(24).reshape(2,3,4).mean(dtype=torch.float64) -> 11.5
  EXPECT_EQ(B().mean(kDouble).item<double>(), 11.5);
  // A half mean whose sum overflows half: torch.full([2000], 60., dtype=half).mean() -> 60.
  EXPECT_EQ(full({2000}, 60.0, kHalf).mean().item<double>(), 60.0);
  Tensor x = A(kDouble).requires_grad_();
  EXPECT_EQ(x.mean().grad_fn()->name(), "MeanBackward0");
  EXPECT_EQ(x.mean(0).grad_fn()->name(), "MeanBackward1");
  EXPECT_TRUE(gradcheck([](const variable_list& v) { return v[0].mean(IntArrayRef{0}); }, {A()}));
}

TEST(Prod, Values) {
  EXPECT_EQ(A().prod().item<double>(), 18.0);                 // A.prod()
  EXPECT_TRUE(all_close(A().prod(1), tensor({-9.0, -2.0})));  // A.prod(1)
  EXPECT_TRUE(all_close(A().prod(0, true), tensor({{0.75, -8.0, -3.0}})));
  Tensor bp = B().prod(2);  // B.prod(2)
  EXPECT_EQ(bp.dtype(), kLong);
  EXPECT_TRUE(same(bp, tensor({{0, 840, 7920}, {32760, 93024, 212520}})));
  // torch.tensor([100]*3, dtype=torch.int8).prod() -> 1000000 (int64)
  EXPECT_EQ(full({3}, 100, kChar).prod().item<int64_t>(), 1000000);
  EXPECT_EQ(zeros({0}).prod().item<double>(), 1.0);
  EXPECT_TRUE(all_close(zeros({0, 3}).prod(0), ones({3})));
  EXPECT_EQ(tensor(2.5).prod(0).item<double>(), 2.5);
  EXPECT_TRUE(all_close(A().t().prod(0), tensor({-9.0, -2.0})));
  EXPECT_EQ(tensor({2.0, 3.0}, kBFloat16).prod().item<double>(), 6.0);
  Tensor out = empty({5});
  prod_out(out, A(), 1);
  EXPECT_TRUE(all_close(out, tensor({-9.0, -2.0})));
}

TEST(Prod, GradWithZeros) {
  // x = [[2,0,3],[0,0,4],[1,2,5]]; x.prod(1).sum().backward()
  Tensor x = tensor({{2.0, 0.0, 3.0}, {0.0, 0.0, 4.0}, {1.0, 2.0, 5.0}}).requires_grad_();
  x.prod(1).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), tensor({{0.0, 6.0, 0.0}, {0.0, 0.0, 0.0}, {10.0, 5.0, 2.0}})));
  Tensor y = tensor({2.0, 0.0, 3.0, 0.0, 5.0}).requires_grad_();
  EXPECT_EQ(y.prod().grad_fn()->name(), "ProdBackward0");
  EXPECT_EQ(y.prod(0).grad_fn()->name(), "ProdBackward1");
  y.prod().backward();
  EXPECT_TRUE(all_close(y.grad(), zeros({5})));
  auto f = [](const variable_list& v) { return v[0].prod(1); };
  auto g = [](const variable_list& v) { return v[0].prod(); };
  Tensor nz = tensor({{0.5, -1.5, 2.0}, {1.25, 0.75, -0.5}}, kDouble);
  EXPECT_TRUE(gradcheck(f, {nz}));
  EXPECT_TRUE(gradgradcheck(f, {nz}));
  EXPECT_TRUE(gradgradcheck(g, {nz}));
  // One and two zeros per row, second derivatives included.
  Tensor z = tensor({{0.0, -1.5, 2.0}, {0.0, 0.75, 0.0}}, kDouble);
  EXPECT_TRUE(gradcheck(f, {z}));
  EXPECT_TRUE(gradgradcheck(f, {z}));
  EXPECT_TRUE(gradgradcheck(g, {tensor({1.5, 0.0, 2.0}, kDouble)}));
}

TEST(Logical, AllAnyCountNonzero) {
  Tensor a = A();
  EXPECT_TRUE(same((a > 0).all(1), tensor({false, false})));       // (A > 0).all(1)
  EXPECT_TRUE(same((a > 2).any(0), tensor({false, true, true})));  // (A > 2).any(0)
  EXPECT_EQ((a > 2).any(0, true).sizes(), IntArrayRef({1, 3}));
  EXPECT_TRUE(same(all(zeros({0, 3}), 0), tensor({true, true, true})));
  EXPECT_EQ(any(zeros({0, 3}), 1).numel(), 0);
  // uint8 in, uint8 out: torch.tensor([[1, 0]], dtype=torch.uint8).all(1)
  Tensor u = tensor({{1, 0}}, kByte);
  EXPECT_EQ(u.all(1).dtype(), kByte);
  EXPECT_EQ(u.all().dtype(), kByte);
  EXPECT_EQ(a.t().any(0).sizes(), IntArrayRef({2}));
  EXPECT_TRUE(a.all().item<bool>());
  EXPECT_THROW(a.all(2), ember::Error);
  // torch.arange(24).reshape(2,3,4).count_nonzero() -> 23
  EXPECT_EQ(B().count_nonzero().item<int64_t>(), 23);
  // torch.count_nonzero(A > 0, 0) -> [2, 1, 1]
  EXPECT_TRUE(same(count_nonzero(a > 0, IntArrayRef{0}), tensor({2, 1, 1})));
  EXPECT_TRUE(same(a.count_nonzero(std::optional<int64_t>(1)), tensor({3, 3})));
  Tensor out = empty({1}, kBool);
  any_out(out, a > 3, 0);
  EXPECT_TRUE(same(out, tensor({false, true, false})));
}

TEST(MaxMin, GlobalAndAmax) {
  EXPECT_EQ(A().max().item<double>(), 4.0);   // A.max()
  EXPECT_EQ(A().min().item<double>(), -2.0);  // A.min()
  EXPECT_TRUE(all_close(A().amax(IntArrayRef{0}), tensor({1.5, 4.0, 3.0})));
  EXPECT_EQ(A().amin(IntArrayRef{0, 1}).item<double>(), -2.0);
  EXPECT_TRUE(same(B().amax(IntArrayRef{0, 2}), tensor({15, 19, 23})));  // B.amax([0,2])
  EXPECT_EQ(A().amax(IntArrayRef{1}, true).sizes(), IntArrayRef({2, 1}));
  EXPECT_TRUE(tensor({true, false}).max().item<bool>());
  EXPECT_EQ(tensor({3.0, -1.0}, kHalf).min().item<double>(), -1.0);
  EXPECT_TRUE(std::isnan(D({1, kNaN, 5}).max().item<double>()));
  EXPECT_EQ(tensor(3.0).amax(IntArrayRef{0}).item<double>(), 3.0);
  EXPECT_EQ(A().t().amax(IntArrayRef{0}).sizes(), IntArrayRef({2}));
  EXPECT_EQ(zeros({0, 3}).amax(IntArrayRef{1}).numel(), 0);
  EXPECT_THROW(zeros({0}).max(), ember::Error);
  EXPECT_THROW(zeros({0, 3}).amax(IntArrayRef{0}), ember::Error);
  EXPECT_THROW(zeros({0}).amin(), ember::Error);
  try {
    zeros({0}).max();
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Expected reduction dim to be specified"),
              std::string::npos);
  }
  // Ties share the gradient: z = [1,3,3,2]; z.amax().backward() -> [0, .5, .5, 0]
  Tensor z = tensor({1.0, 3.0, 3.0, 2.0}).requires_grad_();
  EXPECT_EQ(z.amax().grad_fn()->name(), "AmaxBackward0");
  EXPECT_EQ(z.max().grad_fn()->name(), "MaxBackward1");
  z.max().backward();
  EXPECT_TRUE(all_close(z.grad(), tensor({0.0, 0.5, 0.5, 0.0})));
  // Squared so that the second derivative (through the backward formula) is not zero.
  auto f = [](const variable_list& v) {
    return v[0].amax(IntArrayRef{1}).mul(v[0].amax(IntArrayRef{1}));
  };
  EXPECT_TRUE(gradcheck(f, {A()}));
  EXPECT_TRUE(gradgradcheck(f, {A()}));
  EXPECT_TRUE(gradcheck([](const variable_list& v) { return v[0].min(); }, {A()}));
  Tensor out = empty({0});
  amin_out(out, A(), IntArrayRef{1});
  EXPECT_TRUE(all_close(out, tensor({-2.0, -1.0})));
}

TEST(MaxMin, DimWithIndices) {
  auto [v, i] = A().max(1);  // A.max(1)
  EXPECT_TRUE(all_close(v, tensor({3.0, 4.0})));
  EXPECT_TRUE(same(i, tensor({2, 1})));
  auto [mv, mi] = min(A(), 0, true);  // A.min(0, keepdim=True)
  EXPECT_TRUE(all_close(mv, tensor({{0.5, -2.0, -1.0}})));
  EXPECT_TRUE(same(mi, tensor({{1, 0, 1}})));
  // First occurrence on ties, NaN wins: torch.tensor([1.,3,3,2]).max(0) -> (3, 1)
  EXPECT_EQ(std::get<1>(tensor({1.0, 3.0, 3.0, 2.0}).max(0)).item<int64_t>(), 1);
  auto [nv, ni] = D({1, kNaN, 5, kNaN}).max(0);
  EXPECT_TRUE(std::isnan(nv.item<double>()));
  EXPECT_EQ(ni.item<int64_t>(), 1);
  auto [bv, bi] = B().max(1);
  EXPECT_TRUE(same(bi, full({2, 4}, 2, kLong)));
  EXPECT_TRUE(same(bv, tensor({{8, 9, 10, 11}, {20, 21, 22, 23}})));
  auto [tv, ti] = A().t().max(0);
  EXPECT_TRUE(same(ti, tensor({2, 1})));
  auto [sv, si] = tensor(2.0).max(0);
  EXPECT_EQ(si.item<int64_t>(), 0);
  auto [ev, ei] = zeros({0, 3}).max(1);
  EXPECT_EQ(ev.sizes(), IntArrayRef({0}));
  EXPECT_THROW(zeros({0, 3}).max(0), ember::Error);
  EXPECT_THROW(A().max(2), ember::Error);
  // Gradient goes to the returned index only: z.max(0)[0].backward() -> [0, 1, 0, 0]
  Tensor z = tensor({1.0, 3.0, 3.0, 2.0}).requires_grad_();
  EXPECT_EQ(std::get<0>(z.max(0)).grad_fn()->name(), "MaxBackward0");
  std::get<0>(z.max(0)).backward();
  EXPECT_TRUE(all_close(z.grad(), tensor({0.0, 1.0, 0.0, 0.0})));
  auto f = [](const variable_list& v) {
    Tensor m = std::get<0>(v[0].min(0));
    return m * m;
  };
  auto fk = [](const variable_list& v) { return std::get<0>(v[0].max(1, true)); };
  EXPECT_TRUE(gradcheck(f, {A()}));
  EXPECT_TRUE(gradgradcheck(f, {A()}));
  EXPECT_TRUE(gradcheck(fk, {A()}));
  Tensor ov = empty({0}), oi = empty({0}, kLong);
  max_out(ov, oi, A(), 1);
  EXPECT_TRUE(same(oi, tensor({2, 1})));
}

TEST(MaxMin, Argmax) {
  EXPECT_EQ(A().argmax().item<int64_t>(), 4);                   // A.argmax()
  EXPECT_TRUE(same(A().argmin(1), tensor({1, 2})));             // A.argmin(1)
  EXPECT_TRUE(same(A().argmax(0, true), tensor({{0, 1, 0}})));  // A.argmax(0, True)
  EXPECT_EQ(A().argmax(std::nullopt, true).sizes(), IntArrayRef({1, 1}));
  EXPECT_EQ(tensor({2, 1, 1, 5}).argmin().item<int64_t>(), 1);  // first of the ties
  EXPECT_EQ(D({1, kNaN, 0}).argmin().item<int64_t>(), 1);
  EXPECT_EQ(A().t().argmax().item<int64_t>(), 3);  // A.t().argmax(): flat index of the view
  EXPECT_EQ(tensor({1, 7, 3}, kShort).argmax().item<int64_t>(), 1);
  EXPECT_THROW(zeros({0}).argmax(), ember::Error);
  EXPECT_THROW(zeros({0, 2}).argmin(0), ember::Error);
  Tensor out = empty({0}, kLong);
  argmax_out(out, A(), 1);
  EXPECT_TRUE(same(out, tensor({2, 1})));
}

TEST(Median, GlobalAndDim) {
  // torch.tensor([3.,1,4,1,5,9]).median() -> 3. (lower median)
  EXPECT_EQ(tensor({3.0, 1.0, 4.0, 1.0, 5.0, 9.0}).median().item<double>(), 3.0);
  EXPECT_EQ(tensor({5, 2, 8}).median().item<int64_t>(), 5);
  EXPECT_TRUE(std::isnan(D({1, kNaN, 2}).median().item<double>()));
  EXPECT_TRUE(std::isnan(zeros({0}).median().item<double>()));
  // torch.tensor([[3.,1,4,2],[5,9,2,6]]).median(1) -> values [2, 5], indices [3, 0]
  Tensor m = tensor({{3.0, 1.0, 4.0, 2.0}, {5.0, 9.0, 2.0, 6.0}});
  auto [v, i] = m.median(1);
  EXPECT_TRUE(all_close(v, tensor({2.0, 5.0})));
  EXPECT_TRUE(same(i, tensor({3, 0})));
  auto [tv, ti] = m.t().median(0, true);
  EXPECT_EQ(tv.sizes(), IntArrayRef({1, 2}));
  EXPECT_TRUE(same(ti, tensor({{3, 0}})));
  EXPECT_THROW(zeros({0, 3}).median(0), ember::Error);
  Tensor x = m.to(kDouble).requires_grad_();
  EXPECT_EQ(x.median().grad_fn()->name(), "MedianBackward0");
  EXPECT_EQ(std::get<0>(x.median(1)).grad_fn()->name(), "MedianBackward1");
  auto f = [](const variable_list& v) {
    Tensor m = std::get<0>(v[0].median(1));
    return m * m;
  };
  EXPECT_TRUE(gradcheck(f, {m}));
  EXPECT_TRUE(gradgradcheck(f, {m}));
  EXPECT_TRUE(gradcheck([](const variable_list& v) { return v[0].median(); }, {m}));
}

// The call forms libtorch programs use compile and mean what they mean in libtorch.
TEST(Reduce, LibtorchCallForms) {
  Tensor a = A();
  EXPECT_TRUE(all_close(a.sum(1), tensor({2.5, 3.5})));  // int -> one dim, not a dangling ref
  EXPECT_TRUE(all_close(a.sum({0, 1}), tensor(6.0)));
  EXPECT_TRUE(all_close(a.sum(0, true), tensor({{2.0, 2.0, 2.0}})));
  EXPECT_TRUE(all_close(a.mean({1}), tensor({2.5 / 3, 3.5 / 3})));
  EXPECT_TRUE(all_close(std::get<0>(a.max(1)), tensor({3.0, 4.0})));
  EXPECT_TRUE(all_close(std::get<0>(max(a, 1, true)), tensor({{3.0}, {4.0}})));
  EXPECT_TRUE(all_close(a.amax(1), tensor({3.0, 4.0})));
  EXPECT_TRUE(same(a.argmax(1), tensor({2, 1})));
  EXPECT_TRUE(all_close(a.prod(1), tensor({-9.0, -2.0})));
  EXPECT_TRUE(all_close(a.logsumexp(1), tensor({3.2069070, 4.0362697})));
  EXPECT_TRUE(all_close(a.norm(1, {1}), tensor({6.5, 5.5})));
  EXPECT_TRUE(all_close(a.var(IntArrayRef{0}), tensor({0.5, 18.0, 8.0})));
  // As in libtorch, a lone int or {int} picks the `bool unbiased` overload: a.var(0) and
  // a.var({0}) are the biased variance over everything.
  EXPECT_NEAR(a.var(0).item<double>(), 26.5 / 6, 1e-6);
  EXPECT_NEAR(a.var({0}).item<double>(), 26.5 / 6, 1e-6);
  EXPECT_TRUE(all_close(a.std({1}, true, true).reshape({2}), a.var(IntArrayRef{1}).sqrt()));
  EXPECT_TRUE(same(a.gt(0).all(1), tensor({false, false})));
  EXPECT_TRUE(all_close(a.cumsum(1).select(1, 2), tensor({2.5, 3.5})));
}

TEST(NanReductions, NansumNanmeanNanmedian) {
  // x = [[1,nan,3,2],[nan]*4,[nan,5,4,nan]]
  Tensor x = D({1, kNaN, 3, 2, kNaN, kNaN, kNaN, kNaN, kNaN, 5, 4, kNaN}).reshape({3, 4});
  EXPECT_EQ(x.nansum().item<double>(), 15.0);               // x.nansum()
  EXPECT_TRUE(all_close(x.nansum(1), D({6, 0, 9})));        // x.nansum(1)
  EXPECT_TRUE(all_close(x.nanmean(1), D({2, kNaN, 4.5})));  // x.nanmean(1)
  EXPECT_EQ(x.nanmean().item<double>(), 3.0);               // x.nanmean()
  EXPECT_EQ(x.nanmedian().item<double>(), 3.0);             // x.nanmedian()
  EXPECT_TRUE(std::isnan(D({kNaN, kNaN}).nanmedian().item<double>()));
  auto [v, i] = x.nanmedian(1);  // values [2, nan, 4], indices [3, -, 2]
  EXPECT_TRUE(all_close(v, D({2, kNaN, 4})));
  EXPECT_EQ(i.select(0, 0).item<int64_t>(), 3);
  EXPECT_EQ(i.select(0, 2).item<int64_t>(), 2);
  Tensor ni = tensor({1, 2}).nansum();  // torch.tensor([1, 2]).nansum() -> 3 (int64)
  EXPECT_TRUE(same(ni, tensor(int64_t{3})));
  EXPECT_THROW(tensor({1, 2}).nanmean(), ember::Error);
  EXPECT_EQ(x.t().nansum(0).sizes(), IntArrayRef({3}));
  Tensor y = D({1, kNaN, 3}).requires_grad_();
  Tensor s = y.nansum();
  EXPECT_EQ(s.grad_fn()->name(), "NansumBackward0");
  s.backward();
  EXPECT_TRUE(all_close(y.grad(), D({1, 0, 1})));
  EXPECT_EQ(y.nanmedian().grad_fn()->name(), "NanmedianBackward0");
  auto f = [](const variable_list& t) {
    return t[0].nansum(IntArrayRef{1}) * t[0].nanmean(IntArrayRef{1});
  };
  EXPECT_TRUE(gradcheck(f, {A()}));
  EXPECT_TRUE(gradgradcheck(f, {A()}));
}

TEST(NanReductions, AminmaxAndVectorNorm) {
  Tensor m = tensor({{1.0, 5.0}, {3.0, -2.0}});
  auto [lo, hi] = aminmax(m);  // torch.aminmax(m) -> (-2, 5)
  EXPECT_EQ(lo.item<double>(), -2.0);
  EXPECT_EQ(hi.item<double>(), 5.0);
  auto [lk, hk] = m.aminmax(1, true);  // torch.aminmax(m, dim=1, keepdim=True)
  EXPECT_TRUE(all_close(lk, tensor({{1.0}, {-2.0}})));
  EXPECT_TRUE(all_close(hk, tensor({{5.0}, {3.0}})));
  EXPECT_THROW(aminmax(zeros({0})), ember::Error);
  // torch.linalg.vector_norm(A, 2, dim=1), (..., inf), default over everything
  EXPECT_TRUE(
      all_close(linalg_vector_norm(A(), 2, IntArrayRef{1}), tensor({3.9051249, 4.1533117})));
  EXPECT_EQ(linalg_vector_norm(tensor({{3.0, -4.0}}), INFINITY).item<double>(), 4.0);
  EXPECT_NEAR(linalg_vector_norm(A()).item<double>(), 5.7008772, 1e-5);
  EXPECT_EQ(linalg_vector_norm(A(), 2, std::nullopt, false, kDouble).dtype(), kDouble);
  auto f = [](const variable_list& t) { return linalg_vector_norm(t[0], 3, IntArrayRef{0}); };
  EXPECT_TRUE(gradcheck(f, {A()}));
}

// Every dtype through the kernels: small non-negative integers are exact in all of them.
TEST(Reduce, AllDtypes) {
  // m = torch.tensor([[3, 1, 2], [0, 5, 4]]) (bool: m != 0)
  for (ScalarType dt : kAllScalarTypes) {
    SCOPED_TRACE(toString(dt));
    Tensor m = tensor({{3, 1, 2}, {0, 5, 4}}).to(dt);
    bool is_bool = dt == kBool;
    ScalarType acc = isIntegralType(dt, true) ? kLong : dt;
    EXPECT_EQ(m.sum().dtype(), acc);
    EXPECT_EQ(m.sum().item<double>(), is_bool ? 5.0 : 15.0);
    EXPECT_TRUE(all_close(m.sum(0), is_bool ? tensor({1, 2, 2}) : tensor({3, 6, 6})));
    EXPECT_TRUE(all_close(m.prod(1), is_bool ? tensor({1, 0}) : tensor({6, 0})));
    EXPECT_EQ(m.amax().dtype(), dt);
    EXPECT_EQ(m.amax().item<double>(), is_bool ? 1.0 : 5.0);
    EXPECT_EQ(m.min().item<double>(), 0.0);
    EXPECT_TRUE(same(std::get<1>(m.max(1)), is_bool ? tensor({0, 1}) : tensor({0, 1})));
    if (is_bool) {
      EXPECT_THROW(m.argmin(), Error);  // PyTorch has no bool argmin/argmax kernel
    } else {
      EXPECT_EQ(m.argmin().item<int64_t>(), 3);
    }
    EXPECT_TRUE(all_close(
        m.cumsum(1), is_bool ? tensor({{1, 2, 3}, {0, 1, 2}}) : tensor({{3, 4, 6}, {0, 5, 9}})));
    EXPECT_EQ(m.cumsum(1).dtype(), acc);
    EXPECT_TRUE(all_close(
        m.cumprod(0), is_bool ? tensor({{1, 1, 1}, {0, 1, 1}}) : tensor({{3, 1, 2}, {0, 5, 8}})));
    if (is_bool) {
      EXPECT_THROW(m.median(1), Error);  // PyTorch: "median_out" not implemented for 'Bool'
      EXPECT_THROW(m.median(), Error);
      EXPECT_THROW(m.topk(1), Error);
    } else {
      EXPECT_TRUE(all_close(std::get<0>(m.median(1)), tensor({2, 4})));
    }
    EXPECT_TRUE(same(m.count_nonzero(), tensor(int64_t{5})));
    EXPECT_TRUE(same(m.any(1), dt == kByte ? tensor({1, 1}, kByte) : tensor({true, true})));
    EXPECT_TRUE(
        same(m.all(0), dt == kByte ? tensor({0, 1, 1}, kByte) : tensor({false, true, true})));
    if (isFloatingType(dt)) {
      EXPECT_NEAR(m.mean().item<double>(), 2.5, 1e-6);
      EXPECT_NEAR(m.var().item<double>(), 3.5, 1e-2);
      EXPECT_NEAR(m.norm(1).item<double>(), 15.0, 1e-6);
      EXPECT_NEAR(m.softmax(1).sum().item<double>(), 2.0, 1e-2);
    }
  }
}

// Reducing leading or middle dims of a contiguous input reads it in place (ReducePlan's middle
// layout); a non-contiguous copy of the same values takes the transposing path.
TEST(Sum, MiddleLayoutMatchesGeneralPath) {
  Tensor x = arange(2 * 5 * 300, kDouble).reshape({2, 5, 300});
  Tensor nc = x.transpose(1, 2).contiguous().transpose(1, 2);
  ASSERT_FALSE(nc.is_contiguous());
  for (auto dims : {std::vector<int64_t>{0}, std::vector<int64_t>{1}, std::vector<int64_t>{0, 1}}) {
    EXPECT_TRUE(all_close(x.sum(dims), nc.sum(dims), 0, 0));
    EXPECT_TRUE(all_close(x.mean(dims, true), nc.mean(dims, true), 0, 0));
  }
  // torch.arange(24).reshape(2,3,4).sum(1)[1] -> [48, 51, 54, 57]
  EXPECT_TRUE(same(B().sum(1).select(0, 1), tensor({48, 51, 54, 57})));
  EXPECT_TRUE(same(B().sum(0, true, kInt).select(1, 2), tensor({{28, 30, 32, 34}}, kInt)));
  EXPECT_TRUE(all_close(zeros({0, 3}).sum(0), zeros({3})));
  EXPECT_EQ(zeros({3, 0}).sum(0).numel(), 0);
  EXPECT_TRUE(gradcheck([](const variable_list& v) { return v[0].sum(0); }, {A()}));
}

// Other reductions over leading/middle dims of contiguous inputs go through a tiled transpose;
// they must agree with the strided path for every element size.
TEST(Reduce, TransposedRowsMatchStridedPath) {
  std::vector<int64_t> vals(2 * 37 * 45);
  for (size_t i = 0; i < vals.size(); ++i) vals[i] = static_cast<int64_t>(i * 7919 % 97);
  Tensor base = tensor(vals).reshape({2, 37, 45});  // 0..96 with ties, exact in every dtype
  ASSERT_EQ(base.amax().item<int64_t>(), 96);
  for (ScalarType dt : {kByte, kShort, kInt, kLong, kFloat, kDouble, kHalf}) {
    SCOPED_TRACE(toString(dt));
    Tensor x = base.to(dt);
    Tensor nc = x.transpose(1, 2).contiguous().transpose(1, 2);
    for (int64_t d : {0, 1}) {
      EXPECT_TRUE(same(x.amax(d), nc.amax(d)));
      EXPECT_TRUE(same(std::get<1>(x.max(d)), std::get<1>(nc.max(d))));
      EXPECT_TRUE(same(x.argmin(d, true), nc.argmin(d, true)));
      EXPECT_TRUE(same(std::get<0>(x.median(d)), std::get<0>(nc.median(d))));
      EXPECT_TRUE(same(x.prod(d), nc.prod(d)));
    }
    EXPECT_TRUE(same(x.amin(IntArrayRef{0, 1}), nc.amin(IntArrayRef{0, 1})));
    if (isFloatingType(dt)) {
      EXPECT_TRUE(all_close(x.var(IntArrayRef{1}), nc.var(IntArrayRef{1})));
      EXPECT_TRUE(all_close(x.norm(2, IntArrayRef{0}), nc.norm(2, IntArrayRef{0})));
    }
  }
  // torch.arange(24).reshape(2,3,4).amax(1)[1] -> [20, 21, 22, 23]; .argmax(0)[2] -> [1,1,1,1]
  EXPECT_TRUE(same(B().amax(1).select(0, 1), tensor({20, 21, 22, 23})));
  EXPECT_TRUE(same(B().argmax(0).select(0, 2), tensor({1, 1, 1, 1})));
}
