#include "ember/iter/tensor_iterator.h"

#include <gtest/gtest.h>

#include "support/gradcheck.h"

using namespace ember;

TEST(TypePromotion, PromoteTypesTable) {
  // torch.promote_types
  EXPECT_EQ(promoteTypes(kByte, kChar), kShort);
  EXPECT_EQ(promoteTypes(kByte, kLong), kLong);
  EXPECT_EQ(promoteTypes(kBool, kByte), kByte);
  EXPECT_EQ(promoteTypes(kInt, kFloat), kFloat);
  EXPECT_EQ(promoteTypes(kHalf, kBFloat16), kFloat);
  EXPECT_EQ(promoteTypes(kHalf, kLong), kHalf);
  EXPECT_EQ(promoteTypes(kBFloat16, kDouble), kDouble);
  EXPECT_EQ(promoteTypes(kShort, kInt), kInt);
  EXPECT_EQ(promoteTypes(kChar, kBool), kChar);
}

TEST(TypePromotion, ResultTypeCategories) {
  Tensor i = ones({2}, kInt);
  Tensor l0 = ones({}, kLong);
  Tensor d0 = ones({}, kDouble);
  Tensor u = ones({2}, kByte);
  EXPECT_EQ(result_type(i, l0), kInt);             // 0-dim of the same category does not win
  EXPECT_EQ(result_type(i, d0), kDouble);          // 0-dim of a higher category does
  EXPECT_EQ(result_type(i, Scalar(2.5)), kFloat);  // wrapped float -> default dtype
  EXPECT_EQ(result_type(u, Scalar(300)), kByte);
  EXPECT_EQ(result_type(ones({2}, kBool), Scalar(1)), kLong);
  EXPECT_EQ(result_type(ones({2}, kHalf), d0), kHalf);
  EXPECT_EQ((i * 0.9).dtype(), kFloat);
}

TEST(Iterator, BroadcastAndCoalesce) {
  Tensor a = arange(6, kFloat).view({2, 3});
  Tensor b = arange(3, kFloat);
  TensorIterator it = TensorIterator::binary_op(Tensor(), a, b, "add");
  EXPECT_EQ(it.numel(), 6);
  EXPECT_EQ(it.output().sizes(), IntArrayRef({2, 3}));
  EXPECT_THROW(TensorIterator::binary_op(Tensor(), a, arange(4, kFloat), "add"), Error);
  // Transposed input: the output is transposed too and both are walked in memory order as one
  // flat run (PyTorch's dimension reordering); mixed layouts are not one run.
  TensorIterator it2 = TensorIterator::unary_op(Tensor(), a.t(), "neg");
  EXPECT_TRUE(it2.is_contiguous());
  TensorIterator it3 = TensorIterator::binary_op(Tensor(), a.t(), ones({3, 2}), "add");
  EXPECT_FALSE(it3.is_contiguous());
  // A given output in another memory order (copy_ into empty_like of a transposed tensor, as a
  // cast with .to() does) is walked in that order: one run for permuted-dense operands.
  Tensor dst = empty_like(a.t());
  TensorIterator it4 = TensorIterator::unary_op(dst, a.t(), "neg");
  EXPECT_TRUE(it4.is_contiguous());
  Tensor h = empty_like(a.t(), kDouble);
  h.copy_(a.t());
  EXPECT_EQ(h.strides(), IntArrayRef(std::vector<int64_t>{1, 3}));
  EXPECT_TRUE(ember::testing::all_close(h, a.t().to(kDouble)));
  // A row-major slice keeps its order; an output with zero strides is not reordered.
  Tensor wide = zeros({2, 5}, kFloat);
  TensorIterator it5 = TensorIterator::unary_op(wide.slice(1, 1, 4), a, "neg");
  EXPECT_FALSE(it5.is_contiguous());
  wide.slice(1, 1, 4).copy_(a);
  EXPECT_TRUE(ember::testing::all_close(wide.slice(1, 1, 4), a));
}

TEST(Iterator, OutputChecks) {
  Tensor a = ones({2, 3});
  Tensor small = ones({3});
  // In-place whose broadcast would resize self.
  EXPECT_THROW(small.add_(a), Error);
  // Output with internal overlap (expanded).
  Tensor e = zeros({1}).expand({4});
  EXPECT_THROW(add_out(e, ones({4}), ones({4})), Error);
  // Output partially overlapping an input.
  Tensor base = arange(8, kFloat);
  Tensor lo = base.view({2, 4}).select(0, 0);                // elements 0..3
  Tensor mid = base.view({8}).reshape({2, 4}).select(0, 1);  // elements 4..7: no overlap
  EXPECT_NO_THROW(add_out(mid, lo, lo));
  Tensor shifted = make_view(base, {4}, {1}, 2);  // elements 2..5 overlap lo
  EXPECT_THROW(add_out(shifted, lo, lo), Error);
  // Exactly aliased in place is fine.
  EXPECT_NO_THROW(add_out(lo, lo, lo));
  // out= of a dtype the result cannot be cast to.
  Tensor li = zeros({3}, kLong);
  EXPECT_THROW(add_out(li, ones({3}), ones({3})), Error);
  // out= of another float dtype is resized and written through a cast.
  Tensor od = zeros({0}, kDouble);
  add_out(od, ones({3}), ones({3}));
  EXPECT_EQ(od.sizes(), IntArrayRef({3}));
  EXPECT_EQ(od.sum().item<double>(), 6.0);
}

TEST(Iterator, ZeroSizeAndZeroDim) {
  Tensor z = ones({0, 3});
  EXPECT_EQ((z + 1).sizes(), IntArrayRef({0, 3}));
  Tensor s = ones({});
  EXPECT_EQ((s + ones({2})).sizes(), IntArrayRef({2}));
  EXPECT_EQ((s + s).dim(), 0);
}

TEST(Iterator, LargeParallelMatchesSerial) {
  Tensor a = arange(1 << 20, kFloat);
  Tensor b = a.view({1024, 1024}).t();  // strided
  set_num_threads(2);
  Tensor c = (b + 1).sum();
  set_num_threads(1);
  Tensor d = (b + 1).sum();
  EXPECT_EQ(c.item<float>(), d.item<float>());
  set_num_threads(2);
}

// Outputs follow the inputs' layout (PyTorch 1.13's TensorIterator; values from .stride()).
TEST(Iterator, OutputStridesFollowInputs) {
  using V = std::vector<int64_t>;
  Tensor a = arange(6, kFloat).reshape({2, 3});
  Tensor b = arange(6, kFloat).reshape({2, 3}) * 2;
  Tensor tt = a.t() + b.t();
  EXPECT_EQ(tt.strides(), IntArrayRef(V{1, 3}));
  EXPECT_TRUE(ember::testing::all_close(tt, (a + b).t()));
  EXPECT_EQ((a.t() + ones({3, 2})).strides(), IntArrayRef(V{1, 3}));
  EXPECT_EQ((ones({3, 2}) + a.t()).strides(), IntArrayRef(V{2, 1}));
  EXPECT_EQ(a.t().exp().strides(), IntArrayRef(V{1, 3}));
  // channels-last inputs
  Tensor x = arange(120, kFloat).reshape({2, 3, 4, 5}).contiguous(MemoryFormat::ChannelsLast);
  EXPECT_EQ(x.strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_EQ((x + x).strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_EQ((x * 2).strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_EQ((x + ones({2, 3, 4, 5})).strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_EQ((ones({2, 3, 4, 5}) + x).strides(), IntArrayRef(V{60, 20, 5, 1}));
  EXPECT_EQ((x + ones({3, 1, 1})).strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_TRUE(ember::testing::all_close((x + x).contiguous(),
                                        arange(120, kFloat).reshape({2, 3, 4, 5}) * 2));
  // permuted, sliced (not dense), expanded and broadcast inputs
  Tensor p = arange(120, kFloat).reshape({4, 5, 6}).permute({2, 0, 1});
  EXPECT_EQ((p + 1).strides(), IntArrayRef(V{1, 30, 6}));
  Tensor s = arange(24, kFloat).reshape({4, 6}).slice(1, 0, 6, 2);
  EXPECT_EQ((s + 1).strides(), IntArrayRef(V{3, 1}));
  Tensor st = arange(24, kFloat).reshape({6, 4}).t().slice(1, 0, 6, 2);
  EXPECT_EQ(st.strides(), IntArrayRef(V{1, 8}));
  EXPECT_EQ((st + 1).strides(), IntArrayRef(V{1, 4}));
  EXPECT_EQ((ones({3, 1}).expand({3, 4}) + 1).strides(), IntArrayRef(V{4, 1}));
  EXPECT_EQ((ones({3, 1}) + ones({1, 4})).strides(), IntArrayRef(V{4, 1}));
  EXPECT_EQ((ones({4, 3}).t() + ones({3, 1})).strides(), IntArrayRef(V{1, 3}));
  // The first input with a clear order decides.
  Tensor q = arange(24, kFloat).reshape({2, 3, 4}).transpose(0, 2);
  Tensor r = ones({4, 3, 2});
  EXPECT_EQ((q + r).strides(), IntArrayRef(V{1, 4, 12}));
  EXPECT_EQ((r + q).strides(), IntArrayRef(V{6, 2, 1}));
  EXPECT_TRUE(ember::testing::all_close(q + r, q.contiguous() + 1));
  EXPECT_EQ(where(a.t() > 1, a.t(), zeros({}, kFloat)).strides(), IntArrayRef(V{1, 3}));
}
