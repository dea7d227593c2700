// sort, argsort, topk. Expected values from PyTorch 1.13 (expression in each comment).
#include <gtest/gtest.h>

#include <cmath>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
const double kNan = std::nan("");
Tensor nan_input() { return tensor({{3.0, kNan, 1.0, 3.0}, {2.0, -1.0, kNan, 0.0}}); }
Tensor longs(std::vector<int64_t> v) { return tensor(v); }
// [[a...], [b...]] as int64
Tensor longs2(std::vector<int64_t> a, std::vector<int64_t> b) {
  Tensor out = empty({2, static_cast<int64_t>(a.size())}, kLong);
  out[0] = longs(a);
  out[1] = longs(b);
  return out;
}
}  // namespace

TEST(Sort, NanAware) {
  // x.sort() with NaN: NaN sorts as the largest value
  auto [v, i] = nan_input().sort();
  EXPECT_TRUE(all_close(v, tensor({{1.0, 3.0, 3.0, kNan}, {-1.0, 0.0, 2.0, kNan}})));
  EXPECT_TRUE(all_close(i, longs2({2, 0, 3, 1}, {1, 3, 0, 2})));
  // x.sort(descending=True)
  auto [vd, id] = nan_input().sort(-1, true);
  EXPECT_TRUE(all_close(vd, tensor({{kNan, 3.0, 3.0, 1.0}, {kNan, 2.0, 0.0, -1.0}})));
  EXPECT_TRUE(all_close(id, longs2({1, 0, 3, 2}, {2, 0, 3, 1})));
  // x.sort(0)
  auto [v0, i0] = nan_input().sort(0);
  EXPECT_TRUE(all_close(v0, tensor({{2.0, -1.0, 1.0, 0.0}, {3.0, kNan, kNan, 3.0}})));
  EXPECT_TRUE(all_close(i0, longs2({1, 1, 0, 1}, {0, 0, 1, 0})));
  // x.argsort(dim=1, descending=True)
  EXPECT_TRUE(all_close(nan_input().argsort(1, true), longs2({1, 0, 3, 2}, {2, 0, 3, 1})));
  // non-contiguous input gives the same as its contiguous copy
  auto [vt, it] = nan_input().t().sort(0);
  EXPECT_TRUE(all_close(vt, v.t()));
  EXPECT_TRUE(all_close(it, i.t()));
}

TEST(Sort, StableAndDtypes) {
  // tensor([2,1,2,1,0]).sort(stable=True) -> indices [4, 1, 3, 0, 2]
  auto [v, i] = longs({2, 1, 2, 1, 0}).sort(true, 0, false);
  EXPECT_TRUE(all_close(v, longs({0, 1, 1, 2, 2})));
  EXPECT_TRUE(all_close(i, longs({4, 1, 3, 0, 2})));
  // ... descending=True -> indices [0, 2, 1, 3, 4]
  auto [vd, id] = sort(longs({2, 1, 2, 1, 0}), true, 0, true);
  EXPECT_TRUE(all_close(id, longs({0, 2, 1, 3, 4})));
  // tensor([True, False, True]).sort() -> [False, True, True], [1, 0, 2]
  auto [vb, ib] = tensor({true, false, true}).sort();
  EXPECT_TRUE(all_close(vb, tensor({false, true, true})));
  EXPECT_TRUE(all_close(ib, longs({1, 0, 2})));
  for (ScalarType dt : {kFloat, kHalf, kBFloat16, kInt, kChar, kByte, kShort}) {
    auto [vv, ii] = tensor({3.0, 1.0, 2.0}).to(dt).sort();
    EXPECT_EQ(vv.dtype(), dt);
    EXPECT_TRUE(all_close(vv, tensor({1.0, 2.0, 3.0}).to(dt)));
    EXPECT_TRUE(all_close(ii, longs({1, 2, 0})));
  }
  // 0-dim and zero-size
  auto [s, si] = tensor(4.0).sort();
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(si.item<int64_t>(), 0);
  auto [z, zi] = empty({2, 0}).sort();
  EXPECT_EQ(z.sizes(), IntArrayRef({2, 0}));
  EXPECT_EQ(zi.dtype(), kLong);
  EXPECT_THROW(tensor({1.0}).sort(1), Error);
}

TEST(Topk, Values) {
  Tensor x = tensor({{1.0f, 5.0f, 3.0f, 4.0f}, {9.0f, 8.0f, 7.0f, 6.0f}});
  // x.topk(2)
  auto [v, i] = x.topk(2);
  EXPECT_TRUE(all_close(v, tensor({{5.0f, 4.0f}, {9.0f, 8.0f}})));
  EXPECT_TRUE(all_close(i, longs2({1, 3}, {0, 1})));
  // x.topk(2, dim=0, largest=False)
  auto [v0, i0] = x.topk(2, 0, false);
  EXPECT_TRUE(all_close(v0, x));
  EXPECT_TRUE(all_close(i0, longs2({0, 0, 0, 0}, {1, 1, 1, 1})));
  // NaN counts as the largest
  auto [vn, in] = tensor({1.0, kNan, 3.0}).topk(1);
  EXPECT_TRUE(std::isnan(vn.item<double>()));
  EXPECT_EQ(in.item<int64_t>(), 1);
  EXPECT_EQ(std::get<0>(x.topk(0)).sizes(), IntArrayRef({2, 0}));
  EXPECT_THROW(x.topk(5), Error);
  EXPECT_THROW(x.topk(-1), Error);
  auto [vi, ii] = topk(longs({4, 9, 1}), 2);
  EXPECT_TRUE(all_close(vi, longs({9, 4})));
}

TEST(Sort, Grad) {
  Tensor a = tensor({{0.3, -0.2, 0.9}, {0.1, 0.5, -0.7}}, kDouble);
  auto fs = [](const variable_list& v) { return std::get<0>(v[0].sort(1, true)).exp(); };
  EXPECT_TRUE(gradcheck(fs, {a}));
  EXPECT_TRUE(gradgradcheck(fs, {a}));
  auto ft = [](const variable_list& v) { return std::get<0>(v[0].topk(2, 0, false)).exp(); };
  EXPECT_TRUE(gradcheck(ft, {a}));
  EXPECT_TRUE(gradgradcheck(ft, {a}));
  Tensor b = a.clone().requires_grad_();
  EXPECT_EQ(std::get<0>(b.sort()).grad_fn()->name(), "SortBackward0");
  EXPECT_EQ(std::get<0>(b.topk(1)).grad_fn()->name(), "TopkBackward0");
  EXPECT_FALSE(std::get<1>(b.sort()).requires_grad());
  Tensor y = std::get<0>(b.topk(1, 1));
  y.sum().backward();
  EXPECT_TRUE(all_close(b.grad(), tensor({{0.0, 0.0, 1.0}, {0.0, 1.0, 0.0}}, kDouble)));
}

TEST(Sort, OutVariants) {
  Tensor v = empty({0}), i = empty({0}, kLong);
  sort_out(v, i, tensor({3.0f, 1.0f, 2.0f}), 0, true);
  EXPECT_TRUE(all_close(v, tensor({3.0f, 2.0f, 1.0f})));
  EXPECT_TRUE(all_close(i, longs({0, 2, 1})));
  topk_out(v, i, tensor({3.0f, 1.0f, 2.0f}), 1);
  EXPECT_TRUE(all_close(v, tensor({3.0f})));
  Tensor bad = empty({0}, kInt);
  EXPECT_THROW(sort_out(v, bad, tensor({1.0f})), Error);
  Tensor nz = empty({0}, kLong);
  nonzero_out(nz, tensor({0, 1, 1}));
  EXPECT_TRUE(all_close(nz.view({-1}), longs({1, 2})));
  Tensor t = empty({0});
  take_out(t, tensor({{1.0f, 2.0f}, {3.0f, 4.0f}}), longs({3, 0}));
  EXPECT_TRUE(all_close(t, tensor({4.0f, 1.0f})));
}

TEST(Sort, ZeroDim) {
  // torch.tensor(1.).topk(0) -> (tensor(1.), tensor(0))
  auto [v, i] = tensor(1.0).topk(0);
  EXPECT_EQ(v.item<double>(), 1.0);
  EXPECT_EQ(i.item<int64_t>(), 0);
  auto f = [](const variable_list& x) { return std::get<0>(x[0].sort()).exp(); };
  EXPECT_TRUE(gradcheck(f, {tensor(0.3, kDouble)}));
}

TEST(Sort, MsortAndNonzeroNumpy) {
  // torch.msort([[3,1],[2,4]]) -> [[2,1],[3,4]]
  EXPECT_TRUE(
      all_close(tensor({{3.0, 1.0}, {2.0, 4.0}}).msort(), tensor({{2.0, 1.0}, {3.0, 4.0}})));
  auto nz = nonzero_numpy(tensor({{0.0, 1.5}, {2.0, 0.0}}));
  ASSERT_EQ(nz.size(), 2u);
  EXPECT_TRUE(all_close(nz[0], longs({0, 1})));
  EXPECT_TRUE(all_close(nz[1], longs({1, 0})));
  EXPECT_EQ(nonzero_numpy(tensor(2.0)).size(), 1u);
}
