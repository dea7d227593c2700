#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;

TEST(Tensor, FactoriesAndGeometry) {
  Tensor t = zeros({2, 3});
  EXPECT_EQ(t.dim(), 2);
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dtype(), kFloat);
  EXPECT_EQ(t.strides(), IntArrayRef({3, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_FALSE(t.t().is_contiguous());
  EXPECT_EQ(ones({3}, kLong).sum().item<int64_t>(), 3);
}

TEST(Tensor, PrintsLikeLibtorch) {
  std::ostringstream os;
  os << ones({3});
  EXPECT_EQ(os.str(), " 1\n 1\n 1\n[ CPUFloatType{3} ]");
  std::ostringstream os2;
  os2 << tensor({{1.5, 2.0}, {3.0, 4.25}});
  EXPECT_EQ(os2.str(), " 1.5000  2.0000\n 3.0000  4.2500\n[ CPUFloatType{2,2} ]");
}

// PyTorch's suggest_memory_format / is_non_overlapping_and_dense / is_contiguous(format).
TEST(Tensor, MemoryFormatQueries) {
  using V = std::vector<int64_t>;
  Tensor x = empty({2, 3, 4, 5}, MemoryFormat::ChannelsLast);
  EXPECT_EQ(x.strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_FALSE(x.is_contiguous());
  EXPECT_TRUE(x.is_contiguous(MemoryFormat::ChannelsLast));
  EXPECT_EQ(x.suggest_memory_format(), MemoryFormat::ChannelsLast);
  EXPECT_EQ(x.suggest_memory_format(true), MemoryFormat::ChannelsLast);
  EXPECT_TRUE(x.is_non_overlapping_and_dense());
  Tensor c = empty({2, 3, 4, 5});
  EXPECT_EQ(c.suggest_memory_format(), MemoryFormat::Contiguous);
  EXPECT_FALSE(c.is_contiguous(MemoryFormat::ChannelsLast));
  // N111: ambiguous, contiguous wins.
  EXPECT_EQ(empty({2, 1, 1, 1}).suggest_memory_format(), MemoryFormat::Contiguous);
  Tensor x3 = empty({2, 3, 4, 5, 6}, TensorOptions().memory_format(MemoryFormat::ChannelsLast3d));
  EXPECT_EQ(x3.strides(), IntArrayRef(V{360, 1, 90, 18, 3}));
  EXPECT_TRUE(x3.is_contiguous(MemoryFormat::ChannelsLast3d));
  EXPECT_EQ(x3.suggest_memory_format(), MemoryFormat::ChannelsLast3d);
  // A slice of a channels-last tensor still looks channels-last, but not exactly.
  Tensor xs = x.slice(2, 0, 4, 2);
  EXPECT_EQ(xs.suggest_memory_format(), MemoryFormat::ChannelsLast);
  EXPECT_EQ(xs.suggest_memory_format(true), MemoryFormat::Contiguous);
  EXPECT_FALSE(xs.is_non_overlapping_and_dense());
  EXPECT_TRUE(empty({4, 6}).t().is_non_overlapping_and_dense());
  EXPECT_TRUE(empty({4, 5, 6}).permute({2, 0, 1}).is_non_overlapping_and_dense());
  EXPECT_FALSE(empty({3, 1}).expand({3, 4}).is_non_overlapping_and_dense());
  EXPECT_FALSE(empty({6}).slice(0, 0, 6, 2).is_non_overlapping_and_dense());
  EXPECT_TRUE(empty({}).is_non_overlapping_and_dense());
  EXPECT_THROW(empty({2, 3}, MemoryFormat::ChannelsLast), Error);
  EXPECT_THROW(empty({2, 3}, MemoryFormat::Preserve), Error);
  EXPECT_THROW(x.contiguous(MemoryFormat::Preserve), Error);
}

// libtorch declares the in-place methods const (they write the data, not the handle), so code
// like p.grad().zero_() on the const Tensor& that grad() returns compiles.
TEST(Tensor, InplaceMethodsWorkOnConstTensors) {
  const Tensor t = zeros({3});
  t.add_(1).mul_(2);
  EXPECT_TRUE(ember::testing::all_close(t, full({3}, 2.0f)));
  const Tensor& r = t;
  r.copy_(ones({3}));
  r.clamp_(0, 0.5).neg_();
  EXPECT_TRUE(ember::testing::all_close(t, full({3}, -0.5f)));
  r.uniform_(2, 3);
  EXPECT_GE(t.min().item<float>(), 2.0f);
  r.zero_();
  EXPECT_EQ(t.sum().item<float>(), 0.0f);
  Tensor w = ones({2}, requires_grad());
  (w * 3).sum().backward();
  w.grad().zero_();
  EXPECT_EQ(w.grad().sum().item<float>(), 0.0f);
}
