// src/ops/einsum.cpp: einsum (equation parsing, diagonals, implicit output, ellipsis broadcasting,
// left-to-right contraction by bmm). Values vs PyTorch 1.13 (expressions in comments) or naive
// loops, gradients, errors.
#include <gtest/gtest.h>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::ramp;
using ember::testing::ref;
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

// out[b, i, k] = sum_j a[b, i, j] * c[b, j, k], by loops over element accessors (any strides).
Tensor naive_bmm(const Tensor& a, const Tensor& c) {
  const int64_t B = a.size(0), I = a.size(1), J = a.size(2), K = c.size(2);
  Tensor out = zeros({B, I, K}, kDouble);
  auto av = a.to(kDouble).contiguous(), cv = c.to(kDouble).contiguous();
  const double* pa = av.data_ptr<double>();
  const double* pc = cv.data_ptr<double>();
  double* po = out.data_ptr<double>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < I; ++i)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t j = 0; j < J; ++j)
          po[(b * I + i) * K + k] += pa[(b * I + i) * J + j] * pc[(b * J + j) * K + k];
  return out;
}
}  // namespace

TEST(Linalg, Einsum) {
  EXPECT_TRUE(all_close(einsum("ij,jk->ik", {M1(), M2()}), M1().mm(M2())));
  // torch.einsum("ii->i", torch.arange(9.).reshape(3,3)), torch.einsum("ii", ...)
  Tensor sq = arange(9, kDouble).reshape({3, 3});
  EXPECT_TRUE(all_close(einsum("ii->i", {sq}), ref({0, 4, 8}, {3})));
  EXPECT_TRUE(all_close(einsum("ii", {sq}), tensor(12.0)));
  EXPECT_TRUE(all_close(einsum("...ij,...jk", {B1(), B2()}), ref(kBmm, {2, 2, 4})));
  EXPECT_TRUE(all_close(einsum("bij,bjk->bik", {B1(), B2()}), ref(kBmm, {2, 2, 4})));
  EXPECT_TRUE(
      all_close(einsum("i,j", {tensor({1.0, 2.0}, kDouble), tensor({3.0, 4.0, 5.0}, kDouble)}),
                ref({3, 4, 5, 6, 8, 10}, {2, 3})));
  // torch.einsum("ba,ca", m1, m1)
  EXPECT_TRUE(all_close(einsum("ba,ca", {M1(), M1()}), ref({5, -4, -4, 14}, {2, 2})));
  // torch.einsum("ij,jk,kl->il", m1, m2, torch.arange(8.).reshape(4,2))
  EXPECT_TRUE(all_close(einsum("ij,jk,kl->il", {M1(), M2(), arange(8, kDouble).reshape({4, 2})}),
                        ref({-66, -83, 276, 358}, {2, 2})));
  // torch.einsum("ijk->j", torch.arange(24.).reshape(2,3,4))
  EXPECT_TRUE(all_close(einsum("ijk->j", {arange(24, kDouble).reshape({2, 3, 4})}),
                        ref({60, 92, 124}, {3})));
  // torch.einsum("...j,j->...", torch.arange(6.).reshape(1,2,3), torch.tensor([1.,2,3]))
  EXPECT_TRUE(all_close(einsum("...j,j->...", {arange(6, kDouble).reshape({1, 2, 3}),
                                               tensor({1.0, 2.0, 3.0}, kDouble)}),
                        ref({8, 26}, {1, 2})));
  EXPECT_TRUE(all_close(einsum("ij,ij->ij", {M1(), M1()}), M1() * M1()));
  EXPECT_TRUE(all_close(einsum("ij->ji", {M1()}), M1().t()));
  EXPECT_TRUE(all_close(einsum(" i j , j k -> i k ", {M1(), M2()}), M1().mm(M2())));
  EXPECT_TRUE(throws_with(
      [] {
        einsum("ij,jk->ik", {zeros({2, 3}), zeros({2, 3})});
      },
      "subscript j has size 2 for operand 1 which does not broadcast with previously seen size 3"));
  EXPECT_TRUE(throws_with(
      [] {
        einsum("ij,jk", {zeros({2, 3})});
      },
      "fewer operands were provided"));
  EXPECT_TRUE(throws_with(
      [] {
        einsum("ij->k", {zeros({2, 3})});
      },
      "output subscript k does not appear in the equation for any input operand"));
  EXPECT_THROW(einsum("ijk", {zeros({2, 3})}), Error);
  EXPECT_THROW(einsum("i.j", {zeros({2, 3})}), Error);
  EXPECT_THROW(einsum("i1", {zeros({2, 3})}), Error);
  EXPECT_THROW(einsum("ij->ii", {zeros({2, 3})}), Error);
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        return einsum("bij,bjk->bik", {x[0], x[1]});
      },
      {ramp({2, 2, 3}), ramp({2, 3, 2})}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& x) {
        return einsum("ii,i->i", {x[0], x[1]});
      },
      {ramp({3, 3}), ramp({3})}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& x) {
        return einsum("...ij,jk->...k", {x[0], x[1]});
      },
      {ramp({2, 2, 3}), ramp({3, 2})}));
}

TEST(Einsum, ImplicitOutputOrderAndSummedLabels) {
  Tensor x = arange(6, kDouble).reshape({2, 3});
  // torch.einsum("bA", x).shape -> [3, 2]: upper case sorts before lower case.
  EXPECT_TRUE(all_close(einsum("bA", {x}), x.t()));
  // torch.einsum("iii->i", torch.arange(27.).reshape(3,3,3)) -> [0, 13, 26]
  EXPECT_TRUE(
      all_close(einsum("iii->i", {arange(27, kDouble).reshape({3, 3, 3})}), ref({0, 13, 26}, {3})));
  // torch.einsum("i,j->", [1,2], [3,4,5]) -> 36
  EXPECT_TRUE(
      all_close(einsum("i,j->", {tensor({1.0, 2.0}, kDouble), tensor({3.0, 4.0, 5.0}, kDouble)}),
                tensor(36.0, kDouble)));
  // torch.einsum("ij,k->i", x, [1,2]) -> [9, 36]: k is summed before the product.
  EXPECT_TRUE(all_close(einsum("ij,k->i", {x, tensor({1.0, 2.0}, kDouble)}), ref({9, 36}, {2})));
  // torch.einsum("...ij->ij", torch.arange(24.).reshape(2,3,4)): ellipsis dims are summed.
  Tensor b = arange(24, kDouble).reshape({2, 3, 4});
  EXPECT_TRUE(all_close(einsum("...ij->ij", {b}), b.sum(std::vector<int64_t>{0})));
  // torch.einsum("i...->...i", torch.zeros(2,3,4)).shape -> [3, 4, 2]
  EXPECT_TRUE(all_close(einsum("i...->...i", {b}), b.permute({1, 2, 0})));
  EXPECT_EQ(einsum("ij->", {x}).dim(), 0);
  EXPECT_EQ(einsum("ij->", {x}).item<double>(), 15.0);
}

TEST(Einsum, BroadcastAndNonContiguousAgainstLoops) {
  // Size-1 labels broadcast: torch.einsum("ij,ij->ij", ones(2,3), arange(3.).reshape(1,3))
  EXPECT_TRUE(
      all_close(einsum("ij,ij->ij", {ones({2, 3}, kDouble), arange(3, kDouble).reshape({1, 3})}),
                ref({0, 1, 2, 0, 1, 2}, {2, 3})));
  // A broadcast batch label in a contraction: [1, 2, 3] x [4, 3, 2] -> [4, 2, 2].
  Tensor a = ramp({1, 2, 3}), c = ramp({4, 3, 2}, 0.21);
  EXPECT_TRUE(all_close(einsum("bij,bjk->bik", {a, c}), naive_bmm(a.expand({4, 2, 3}), c)));
  // Ellipses of different ranks align to the right: [2, 1, 2, 3] with [4, 3, 2].
  Tensor e = einsum("...ij,...jk->...ik", {ramp({2, 1, 2, 3}), c});
  EXPECT_EQ(e.sizes(), IntArrayRef({2, 4, 2, 2}));
  EXPECT_TRUE(
      all_close(e.select(0, 1), naive_bmm(ramp({2, 1, 2, 3}).select(0, 1).expand({4, 2, 3}), c)));
  // Transposed and expanded (stride 0) operands.
  Tensor at = ramp({2, 3, 2}).transpose(1, 2);  // [2, 2, 3], non-contiguous
  Tensor ce = ramp({1, 3, 4}, 0.5).expand({2, 3, 4});
  EXPECT_FALSE(at.is_contiguous());
  EXPECT_TRUE(all_close(einsum("bij,bjk->bik", {at, ce}), naive_bmm(at, ce)));
  // Float32 and integer operands give the same numbers as the loops.
  EXPECT_TRUE(all_close(einsum("bij,bjk->bik", {at.to(kFloat), ce.to(kFloat)}).to(kDouble),
                        naive_bmm(at, ce), 1e-5, 1e-5));
  Tensor ia = arange(12).reshape({2, 3, 2}).transpose(1, 2), ic = arange(24).reshape({2, 3, 4});
  Tensor ir = einsum("bij,bjk->bik", {ia, ic});
  EXPECT_EQ(ir.dtype(), kLong);
  EXPECT_TRUE(all_close(ir.to(kDouble), naive_bmm(ia, ic), 0, 0));
  // torch.einsum("i,i->", int32 [1,2], int32 [3,4]).dtype -> torch.int32
  EXPECT_EQ(einsum("i,i->", {tensor({1, 2}, kInt), tensor({3, 4}, kInt)}).dtype(), kInt);
}

TEST(Einsum, ZeroSizeAndZeroDim) {
  // Contracting an empty label gives zeros, not garbage.
  Tensor z = einsum("ij,jk->ik", {ones({2, 0}), ones({0, 3})});
  EXPECT_TRUE(all_close(z, zeros({2, 3}), 0, 0));
  EXPECT_EQ(einsum("bij,bjk->bik", {ones({0, 2, 3}), ones({0, 3, 4})}).sizes(),
            IntArrayRef({0, 2, 4}));
  EXPECT_EQ(einsum("i,j->ij", {ones({0}), ones({3})}).sizes(), IntArrayRef({0, 3}));
  // 0-dim operands: "," with no subscripts is a product, "->" a copy.
  EXPECT_EQ(einsum(",->", {tensor(3.0), tensor(4.0)}).item<double>(), 12.0);
  EXPECT_TRUE(all_close(einsum(",i->i", {tensor(2.0, kDouble), tensor({1.0, 3.0}, kDouble)}),
                        ref({2, 6}, {2})));
  EXPECT_TRUE(
      all_close(einsum("...,...->...", {ramp({2, 3}), tensor(2.0, kDouble)}), ramp({2, 3}) * 2));
}

TEST(Einsum, ErrorsNameTheOp) {
  auto has = [](const std::string& msg, const std::string& part) {
    return msg.find("[einsum]") != std::string::npos && msg.find(part) != std::string::npos;
  };
  Tensor x = zeros({2, 3});
  // The messages below are PyTorch 1.13's.
  EXPECT_TRUE(has(error_of([&] {
                    einsum("ij", {x, x});
                  }),
                  "more operands were provided than specified in the equation"));
  EXPECT_TRUE(has(error_of([&] { einsum("i...j...", {x}); }), "more than one ellipsis"));
  EXPECT_TRUE(has(error_of([&] { einsum("ii", {x}); }),
                  "subscript i is repeated for operand 0 but the sizes don't match, 2 != 3"));
  EXPECT_TRUE(has(error_of([&] { einsum("ijk...", {x}); }),
                  "the number of subscripts in the equation (3) is more than the number of "
                  "dimensions (2) for operand 0"));
  EXPECT_TRUE(has(error_of([&] { einsum("ij->jj", {x}); }),
                  "output subscript j appears more than once in the output"));
  EXPECT_TRUE(has(error_of([&] { einsum("ij", std::vector<Tensor>{}); }),
                  "must provide at least one operand"));
  EXPECT_TRUE(has(error_of([&] { einsum("i.", {zeros({2})}); }), "not part of any ellipsis"));
  EXPECT_TRUE(has(error_of([&] { einsum("ij->i#", {x}); }), "invalid subscript given at index 5"));
  EXPECT_TRUE(has(error_of([&] {
                    einsum("...i,...i->...", {zeros({2, 3}), zeros({4, 3})});
                  }),
                  "subscript ... has size 4 for operand 1"));
}

TEST(Einsum, Gradients) {
  auto fn = [](const char* eq) { return [eq](const variable_list& x) { return einsum(eq, x); }; };
  // Both operands of a full contraction, a trace, an outer product and three operands.
  EXPECT_TRUE(gradgradcheck(fn("ij,ij->"), {ramp({2, 3}), ramp({2, 3}, 0.2)}));
  EXPECT_TRUE(gradgradcheck(fn("ii->"), {ramp({3, 3})}));
  EXPECT_TRUE(gradgradcheck(fn("i,j->ij"), {ramp({2}), ramp({3}, 0.6)}));
  EXPECT_TRUE(gradcheck(fn("i,ij,j->"), {ramp({2}), ramp({2, 3}, 0.2), ramp({3}, 0.6)}));
  // A broadcast batch label: the gradient of the size-1 operand is summed over the batch.
  EXPECT_TRUE(gradcheck(fn("bij,bjk->bik"), {ramp({1, 2, 3}), ramp({3, 3, 2}, 0.21)}));
  EXPECT_TRUE(gradcheck(fn("...ij,...jk->...ik"), {ramp({2, 1, 2, 3}), ramp({4, 3, 2}, 0.21)}));
}
