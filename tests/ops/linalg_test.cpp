// Matrix products and einsum: values vs PyTorch 1.13 (expressions in comments), gradients, errors.
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
// m1 = torch.arange(6.).reshape(2,3)-2; m2 = torch.arange(12.).reshape(3,4)*0.5
Tensor M1() { return arange(6, kDouble).reshape({2, 3}) - 2; }
Tensor M2() { return arange(12, kDouble).reshape({3, 4}) * 0.5; }
// B1 = torch.arange(12.).reshape(2,2,3); B2 = torch.arange(24.).reshape(2,3,4)-5
Tensor B1() { return arange(12, kDouble).reshape({2, 2, 3}); }
Tensor B2() { return arange(24, kDouble).reshape({2, 3, 4}) - 5; }
const std::vector<double> kBmm = {5,   8,   11,  14,  -4,  8,   20,  32,
                                  239, 260, 281, 302, 338, 368, 398, 428};
}  // namespace

TEST(Linalg, Mm) {
  // torch.arange(6).reshape(2,3).mm(torch.arange(12).reshape(3,4))
  Tensor r = arange(6).reshape({2, 3}).mm(arange(12).reshape({3, 4}));
  EXPECT_EQ(r.dtype(), kLong);
  EXPECT_TRUE(same(r, tensor({{20, 23, 26, 29}, {56, 68, 80, 92}})));
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kChar}) {
    Tensor a = arange(6, dt).reshape({3, 2});
    Tensor b = arange(6, dt).reshape({2, 3});
    EXPECT_TRUE(all_close(
        a.t().mm(b.t()),
        arange(6, kDouble).reshape({3, 2}).t().mm(arange(6, kDouble).reshape({2, 3}).t())))
        << toString(dt);
  }
  EXPECT_TRUE(throws_with(
      [] {
        mm(zeros({2, 3}), zeros({4, 5}));
      },
      "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"));
  EXPECT_THROW(mm(zeros({2, 3}), zeros({3, 2}, kDouble)), Error);
  EXPECT_THROW(mm(zeros({2, 3}, kBool), zeros({3, 2}, kBool)), Error);
  EXPECT_TRUE(same(mm(zeros({2, 0}), zeros({0, 3})), zeros({2, 3})));
  EXPECT_EQ(mm(zeros({0, 2}), zeros({2, 3})).sizes(), IntArrayRef({0, 3}));
  // Expanded (stride 0) operands take the loop path.
  Tensor e = tensor({1.0, 2.0}, kDouble).expand({3, 2});
  EXPECT_TRUE(all_close(e.mm(ones({2, 1}, kDouble)), full({3, 1}, 3.0, kDouble)));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].mm(x[1]); },
                            {ramp({2, 3}), ramp({3, 2})}));
}

TEST(Linalg, BmmMvDotOuter) {
  EXPECT_TRUE(all_close(B1().bmm(B2()), ref(kBmm, {2, 2, 4})));
  EXPECT_TRUE(all_close(B1().to(kInt).bmm(B2().to(kInt)), ref(kBmm, {2, 2, 4})));
  // Many small matrices (parallel over the batch) vs a loop of mm.
  Tensor a = ramp({40, 3, 5}, 0.01), b = ramp({40, 5, 2}, 0.02);
  Tensor r = a.bmm(b.transpose(1, 2).contiguous().transpose(1, 2));
  EXPECT_TRUE(all_close(r.select(0, 37), a.select(0, 37).mm(b.select(0, 37))));
  EXPECT_TRUE(throws_with(
      [] {
        bmm(zeros({2, 2, 3}), zeros({2, 4, 5}));
      },
      "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [2, 4]."));
  EXPECT_TRUE(throws_with(
      [] {
        bmm(zeros({2, 3}), zeros({2, 3, 5}));
      },
      "batch1 must be a 3D tensor"));
  EXPECT_THROW(bmm(zeros({2, 2, 3}), zeros({2, 3, 5}, kDouble)), Error);
  EXPECT_EQ(bmm(zeros({0, 2, 3}), zeros({0, 3, 5})).sizes(), IntArrayRef({0, 2, 5}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].bmm(x[1]); },
                            {ramp({2, 2, 3}), ramp({2, 3, 2})}));
  // m1.mv(torch.tensor([1.,-1,2]))
  EXPECT_TRUE(all_close(M1().mv(tensor({1.0, -1.0, 2.0}, kDouble)), ref({-1, 5}, {2})));
  EXPECT_TRUE(
      all_close(M1().t().mv(tensor({1.0, 1.0}, kDouble).expand({2})), ref({-1, 1, 3}, {3})));
  EXPECT_TRUE(throws_with([] { mv(zeros({2, 3}), zeros({4})); }, "size mismatch, got 2, 2x3,4"));
  EXPECT_TRUE(throws_with(
      [] {
        mv(zeros({2, 3}), zeros({2, 3}));
      },
      "vector + matrix @ vector expected"));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return x[0].mv(x[1]); },
                            {ramp({2, 3}), ramp({3})}));
  Tensor d = tensor({1.0, 2.0, 3.0}, kDouble).dot(tensor({4.0, 5.0, 6.0}, kDouble));
  EXPECT_EQ(d.dim(), 0);
  EXPECT_EQ(d.item<double>(), 32.0);
  EXPECT_EQ(tensor({1, 2}).dot(tensor({3, 4})).item<int64_t>(), 11);
  EXPECT_TRUE(throws_with([] { dot(zeros({3}), zeros({4})); },
                          "inconsistent tensor size, expected tensor [3] and src [4]"));
  EXPECT_TRUE(
      throws_with([] { dot(zeros({3}), zeros({3}, kDouble)); },
                  "dot : expected both vectors to have same dtype, but found Float and Double"));
  EXPECT_TRUE(throws_with(
      [] {
        dot(zeros({2, 3}), zeros({3}));
      },
      "1D tensors expected, but got 2D and 1D"));
  EXPECT_EQ(dot(zeros({0}), zeros({0})).item<float>(), 0.0f);
  EXPECT_TRUE(
      gradgradcheck([](const variable_list& x) { return x[0].dot(x[1]); }, {ramp({3}), ramp({3})}));
  EXPECT_TRUE(
      all_close(vdot(tensor({1.0, 2.0}, kDouble), tensor({3.0, 4.0}, kDouble)), tensor(11.0)));
  // torch.outer(torch.tensor([1.,2]), torch.tensor([3.,4,5]))
  EXPECT_TRUE(all_close(outer(tensor({1.0, 2.0}, kDouble), tensor({3.0, 4.0, 5.0}, kDouble)),
                        ref({3, 4, 5, 6, 8, 10}, {2, 3})));
  EXPECT_TRUE(all_close(tensor({1.0}, kDouble).ger(tensor({2.0}, kDouble)), ref({2}, {1, 1})));
  EXPECT_TRUE(throws_with(
      [] {
        outer(zeros({2, 3}), zeros({3}));
      },
      "outer: Expected 1-D argument self"));
}

TEST(Linalg, AddFamily) {
  // torch.addmm(torch.tensor([1.,2,3,4]), m1, m2, beta=0.5, alpha=2)
  Tensor r = addmm(tensor({1.0, 2.0, 3.0, 4.0}, kDouble), M1(), M2(), 0.5, 2);
  EXPECT_TRUE(all_close(r, ref({-3.5, -6, -8.5, -11, 32.5, 39, 45.5, 52}, {2, 4})));
  // beta = 0 ignores NaN in self, as in PyTorch.
  Tensor nan = full({2, 4}, NAN, kDouble);
  EXPECT_TRUE(all_close(addmm(nan, M1(), M2(), 0, 1), M1().mm(M2())));
  EXPECT_TRUE(all_close(addmm(ones({2, 4}, kInt), M1().to(kInt), M2().to(kInt) * 2, 3, 1),
                        M1().mm(M2().to(kInt).to(kDouble) * 2) + 3));
  EXPECT_TRUE(throws_with(
      [] {
        addmm(zeros({2, 5}), zeros({2, 3}), zeros({4, 5}));
      },
      "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"));
  EXPECT_TRUE(throws_with(
      [] {
        addmm(zeros({2, 2}, kDouble), zeros({2, 3}), zeros({3, 2}));
      },
      "self and mat2 must have the same dtype"));
  Tensor s = ones({2, 4}, kDouble);
  s.addmm_(M1(), M2(), 0.5, 2);
  EXPECT_TRUE(all_close(s, ref({-3.5, -6, -8.5, -11, 32.5, 39, 45.5, 52}, {2, 4}) -
                               tensor({0.0, 0.5, 1.0, 1.5}, kDouble)));
  Tensor o = empty({0}, kDouble);
  addmm_out(o, zeros({1}, kDouble), M1(), M2());
  EXPECT_TRUE(all_close(o, M1().mm(M2())));
  EXPECT_TRUE(
      gradgradcheck([](const variable_list& x) { return addmm(x[0], x[1], x[2], 0.5, -1.5); },
                    {ramp({4}), ramp({2, 3}), ramp({3, 4})}));
  // torch.addmv(torch.tensor([1.,1]), m1, torch.tensor([1.,-1,2]), beta=2, alpha=3)
  EXPECT_TRUE(
      all_close(addmv(tensor({1.0, 1.0}, kDouble), M1(), tensor({1.0, -1.0, 2.0}, kDouble), 2, 3),
                ref({-1, 17}, {2})));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return addmv(x[0], x[1], x[2], 2, 3); },
                            {ramp({1}), ramp({2, 3}), ramp({3})}));
  // torch.baddbmm(torch.ones(2,4), B1, B2, beta=2, alpha=0.5)
  EXPECT_TRUE(all_close(
      baddbmm(ones({2, 4}, kDouble), B1(), B2(), 2, 0.5),
      ref({4.5, 6, 7.5, 9, 0, 6, 12, 18, 121.5, 132, 142.5, 153, 171, 186, 201, 216}, {2, 2, 4})));
  EXPECT_TRUE(
      gradgradcheck([](const variable_list& x) { return baddbmm(x[0], x[1], x[2], 2, 0.5); },
                    {ramp({2, 1}), ramp({2, 2, 3}), ramp({2, 3, 2})}));
  // torch.addbmm(torch.ones(2,4), B1, B2, beta=2, alpha=0.5)
  EXPECT_TRUE(all_close(addbmm(ones({2, 4}, kDouble), B1(), B2(), 2, 0.5),
                        ref({124, 136, 148, 160, 169, 190, 211, 232}, {2, 4})));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return addbmm(x[0], x[1], x[2], 2, 0.5); },
                            {ramp({2, 2}), ramp({3, 2, 3}), ramp({3, 3, 2})}));
  Tensor x = ramp({2, 2}).requires_grad_();
  EXPECT_EQ(addmm(x, x, x).grad_fn()->name(), "AddmmBackward0");
}

TEST(Linalg, Matmul) {
  // torch.matmul(torch.arange(24.).reshape(2,1,3,4)*0.1, torch.arange(40.).reshape(5,4,2)*0.1)
  Tensor x = arange(24, kDouble).reshape({2, 1, 3, 4}) * 0.1;
  Tensor y = arange(40, kDouble).reshape({5, 4, 2}) * 0.1;
  Tensor r = matmul(x, y);
  EXPECT_EQ(r.sizes(), IntArrayRef({2, 5, 3, 2}));
  EXPECT_TRUE(all_close(r.reshape({-1}).slice(0, 0, 4), ref({0.28, 0.34, 0.76, 0.98}, {4})));
  EXPECT_TRUE(all_close(r.reshape({-1}).slice(0, -2), ref({30.2, 31.06}, {2})));
  // torch.matmul(torch.tensor([1.,2,3]), torch.arange(24.).reshape(2,3,4))
  EXPECT_TRUE(
      all_close(matmul(tensor({1.0, 2.0, 3.0}, kDouble), arange(24, kDouble).reshape({2, 3, 4})),
                ref({32, 38, 44, 50, 104, 110, 116, 122}, {2, 4})));
  EXPECT_TRUE(all_close(
      matmul(arange(24, kDouble).reshape({2, 3, 4}), tensor({1.0, 2.0, 3.0, 4.0}, kDouble)),
      ref({20, 60, 100, 140, 180, 220}, {2, 3})));
  EXPECT_EQ(matmul(zeros({2, 1, 4, 3}), zeros({3})).sizes(), IntArrayRef({2, 1, 4}));
  EXPECT_EQ(matmul(zeros({3}), zeros({3})).dim(), 0);
  EXPECT_EQ(matmul(zeros({3}), zeros({3, 2})).sizes(), IntArrayRef({2}));
  EXPECT_EQ(matmul(zeros({0, 2, 3}), zeros({3, 4})).sizes(), IntArrayRef({0, 2, 4}));
  EXPECT_TRUE(throws_with(
      [] {
        matmul(zeros({2, 3, 4}), zeros({5, 6}));
      },
      "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)"));
  EXPECT_THROW(matmul(zeros({3, 2, 3, 4}), zeros({2, 5, 6})), Error);
  EXPECT_THROW(matmul(zeros({3}), zeros({4})), Error);
  EXPECT_THROW(matmul(tensor(1.0), zeros({1})), Error);
  {
    // The result is not a view, so in-place ops with autograd work on it.
    Tensor a = ramp({2, 2, 2}).requires_grad_();
    Tensor m = matmul(a, ramp({2, 2}));
    EXPECT_FALSE(m.is_view());
    m.mul_(2);
    m.sum().backward();
    EXPECT_TRUE(
        all_close(a.grad().select(0, 0),
                  ramp({2, 2}).sum(std::vector<int64_t>{1}).unsqueeze(0).expand({2, 2}) * 2));
  }
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return matmul(x[0], x[1]); },
                            {ramp({2, 1, 2, 3}), ramp({3, 3, 2})}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return matmul(x[0], x[1]); },
                            {ramp({3}), ramp({2, 3, 2})}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return matmul(x[0], x[1]); },
                            {ramp({2, 2, 3}), ramp({3})}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return matmul(x[0], x[1]); },
                        {ramp({2, 3}), ramp({3})}));
  EXPECT_TRUE(gradcheck([](const variable_list& x) { return matmul(x[0], x[1]); },
                        {ramp({3}), ramp({3, 2})}));
}

TEST(Linalg, OutVariants) {
  Tensor o = empty({0}, kDouble);
  mv_out(o, M1(), tensor({1.0, -1.0, 2.0}, kDouble));
  EXPECT_TRUE(all_close(o, ref({-1, 5}, {2})));
  bmm_out(o, B1(), B2());
  EXPECT_TRUE(all_close(o, ref(kBmm, {2, 2, 4})));
  dot_out(o, tensor({1.0, 2.0}, kDouble), tensor({3.0, 4.0}, kDouble));
  EXPECT_EQ(o.dim(), 0);
  EXPECT_EQ(o.item<double>(), 11.0);
  matmul_out(o, B1(), B2());
  EXPECT_TRUE(all_close(o, ref(kBmm, {2, 2, 4})));
  // Aliasing the output with an input is safe: the result is computed first.
  Tensor sq = arange(4, kDouble).reshape({2, 2});
  mm_out(sq, sq, sq);
  EXPECT_TRUE(all_close(sq, ref({2, 3, 6, 11}, {2, 2})));
  Tensor wrong = empty({2, 2}, kFloat);
  EXPECT_THROW(mm_out(wrong, M1(), M2()), Error);
  Tensor g = M1().requires_grad_();
  EXPECT_THROW(mm_out(o, g, M2()), Error);
}

TEST(Linalg, IntegerScalarsTruncate) {
  // torch.addmm(torch.ones(2,2,dtype=torch.int)*3, ones, ones, beta=0.5, alpha=1.5) -> all 2
  Tensor i = ones({2, 2}, kInt);
  EXPECT_TRUE(all_close(addmm(i * 3, i, i, 0.5, 1.5), full({2, 2}, 2.0, kDouble)));
  EXPECT_TRUE(all_close(baddbmm(i.unsqueeze(0) * 3, i.unsqueeze(0), i.unsqueeze(0), 0.5, 1.5),
                        full({1, 2, 2}, 2.0, kDouble)));
}

TEST(Linalg, NodeNamesAndIntegerEinsum) {
  Tensor m = ramp({2, 2}).requires_grad_();
  Tensor v = ramp({2}).requires_grad_();
  Tensor b = ramp({1, 2, 2}).requires_grad_();
  EXPECT_EQ(m.mm(m).grad_fn()->name(), "MmBackward0");
  EXPECT_EQ(b.bmm(b).grad_fn()->name(), "BmmBackward0");
  EXPECT_EQ(m.mv(v).grad_fn()->name(), "MvBackward0");
  EXPECT_EQ(v.dot(v).grad_fn()->name(), "DotBackward0");
  EXPECT_EQ(addmv(v, m, v).grad_fn()->name(), "AddmvBackward0");
  EXPECT_EQ(baddbmm(b, b, b).grad_fn()->name(), "BaddbmmBackward0");
  EXPECT_EQ(addbmm(m, b, b).grad_fn()->name(), "AddbmmBackward0");
  EXPECT_EQ(matmul(b, m).grad_fn()->name(), "UnsafeViewBackward0");
  // Integer operands go through the loop kernel: torch.einsum("ij,jk->ik", arange(6).view(2,3),
  // arange(12).view(3,4)) == the mm above.
  Tensor r = einsum("ij,jk->ik", {arange(6).reshape({2, 3}), arange(12).reshape({3, 4})});
  EXPECT_EQ(r.dtype(), kLong);
  EXPECT_TRUE(same(r, tensor({{20, 23, 26, 29}, {56, 68, 80, 92}})));
  EXPECT_TRUE(same(einsum("i,i->", {arange(4, kInt), arange(4, kInt)}), tensor(14, kInt)));
  EXPECT_EQ(einsum("ij,jk->ik", {zeros({2, 0}), zeros({0, 3})}).sizes(), IntArrayRef({2, 3}));
}

TEST(Linalg, TensordotInnerKron) {
  // torch.tensordot(torch.arange(24.).reshape(2,3,4), torch.arange(12.).reshape(4,3)-3,
  //                 dims=([1,2],[1,0])) -> [242, 602]
  Tensor a = arange(24, kDouble).reshape({2, 3, 4});
  Tensor b = arange(12, kDouble).reshape({4, 3}) - 3;
  EXPECT_TRUE(all_close(tensordot(a, b, {1, 2}, {1, 0}), ref({242, 602}, {2})));
  EXPECT_EQ(tensordot(a, b, {}, {}).sizes(), IntArrayRef({2, 3, 4, 4, 3}));
  EXPECT_TRUE(throws_with(
      [&] {
        tensordot(a, b, {1}, {1, 0});
      },
      "both dimension lists should have same length"));
  EXPECT_TRUE(throws_with([&] { tensordot(a, b, {1}, {0}); },
                          "contracted dimensions need to match, but first has size 3 in dim 1 and "
                          "second has size 4 in dim 0"));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return tensordot(x[0], x[1], {0}, {1}); },
                            {ramp({2, 3}), ramp({3, 2})}));
  // torch.inner(torch.arange(6.).reshape(2,3), torch.tensor([1.,2,3])) -> [8, 26]
  EXPECT_TRUE(all_close(inner(arange(6, kDouble).reshape({2, 3}), tensor({1.0, 2.0, 3.0}, kDouble)),
                        ref({8, 26}, {2})));
  EXPECT_TRUE(all_close(tensor(2.0, kDouble).inner(ref({1, 2}, {2})), ref({2, 4}, {2})));
  EXPECT_TRUE(throws_with([] { inner(ones({2, 3}), ones({4})); }, "the last dimension must match"));
  // torch.kron(torch.tensor([[1,2],[3,4]]), torch.tensor([[0,1],[1,0]]))
  EXPECT_TRUE(same(kron(tensor({{1, 2}, {3, 4}}), tensor({{0, 1}, {1, 0}})),
                   tensor({{0, 1, 0, 2}, {1, 0, 2, 0}, {0, 3, 0, 4}, {3, 0, 4, 0}})));
  // torch.kron(torch.tensor([1,2]), torch.tensor([[1],[2]])) -> [[1,2],[2,4]]
  EXPECT_TRUE(same(tensor({1, 2}).kron(tensor({{1}, {2}})), tensor({{1, 2}, {2, 4}})));
  EXPECT_TRUE(gradgradcheck([](const variable_list& x) { return kron(x[0], x[1]); },
                            {ramp({2}), ramp({2, 2})}));
}
