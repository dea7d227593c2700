// clone, contiguous and to with memory formats (src/ops/copy.cpp). Strides from PyTorch 1.13.
#include <gtest/gtest.h>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using V = std::vector<int64_t>;

TEST(Copy, PreserveKeepsDenseStrides) {
  // p = torch.randn(4,5,6).permute(2,0,1): clone/to/empty_like/zeros_like keep (1, 30, 6)
  Tensor p = arange(120, kFloat).reshape({4, 5, 6}).permute({2, 0, 1});
  EXPECT_EQ(p.clone().strides(), IntArrayRef(V{1, 30, 6}));
  EXPECT_EQ(p.to(kDouble).strides(), IntArrayRef(V{1, 30, 6}));
  EXPECT_EQ(empty_like(p).strides(), IntArrayRef(V{1, 30, 6}));
  EXPECT_EQ(zeros_like(p).strides(), IntArrayRef(V{1, 30, 6}));
  EXPECT_EQ(ones_like(p).strides(), IntArrayRef(V{1, 30, 6}));
  EXPECT_EQ(full_like(p, 2).strides(), IntArrayRef(V{1, 30, 6}));
  EXPECT_TRUE(all_close(p.clone(), p));
  EXPECT_TRUE(all_close(p.to(kDouble), p));
  EXPECT_EQ(zeros_like(p).sum().item<float>(), 0.f);
  EXPECT_EQ(ones_like(p).sum().item<float>(), 120.f);
  // Explicit formats.
  EXPECT_EQ(p.clone(MemoryFormat::Contiguous).strides(), IntArrayRef(V{20, 5, 1}));
  EXPECT_EQ(empty_like(p, {}, MemoryFormat::Contiguous).strides(), IntArrayRef(V{20, 5, 1}));
  EXPECT_EQ(p.contiguous().strides(), IntArrayRef(V{20, 5, 1}));
  EXPECT_TRUE(all_close(p.contiguous(), p));
  // Not dense: a dense tensor with the same order of dims.
  Tensor s = arange(24, kFloat).reshape({4, 6}).slice(1, 0, 6, 2);
  EXPECT_EQ(s.clone().strides(), IntArrayRef(V{3, 1}));
  Tensor st = arange(24, kFloat).reshape({6, 4}).t().slice(1, 0, 6, 2);
  EXPECT_EQ(st.clone().strides(), IntArrayRef(V{1, 4}));
  EXPECT_TRUE(all_close(st.clone(), st));
  EXPECT_EQ(ones({3, 1}).expand({3, 4}).clone().strides(), IntArrayRef(V{4, 1}));
  Tensor x = empty({2, 3, 4, 5}, MemoryFormat::ChannelsLast);
  EXPECT_EQ(empty_like(x.slice(2, 0, 4, 2)).strides(), IntArrayRef(V{30, 1, 15, 3}));
  // Autograd through a preserving clone.
  Tensor l = arange(6, kDouble).reshape({2, 3}).requires_grad_();
  Tensor c = l.t().clone();
  EXPECT_EQ(c.strides(), IntArrayRef(V{1, 3}));
  (c * c).sum().backward();
  EXPECT_TRUE(all_close(l.grad(), 2 * l.detach()));
}

TEST(Copy, ChannelsLast) {
  Tensor a = arange(120, kFloat).reshape({2, 3, 4, 5});
  Tensor cl = a.contiguous(MemoryFormat::ChannelsLast);
  EXPECT_EQ(cl.strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_TRUE(all_close(cl, a));
  EXPECT_TRUE(cl.contiguous(MemoryFormat::ChannelsLast).is_same(cl));
  EXPECT_EQ(a.clone(MemoryFormat::ChannelsLast).strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_EQ(cl.clone().strides(), IntArrayRef(V{60, 1, 15, 3}));
  EXPECT_EQ(cl.contiguous().strides(), IntArrayRef(V{60, 20, 5, 1}));
  // to(memory_format): a (1,1,2,3) contiguous tensor is copied to channels-last strides.
  Tensor small = arange(6, kFloat).reshape({1, 1, 2, 3});
  Tensor sc = small.to(kFloat, false, false, MemoryFormat::ChannelsLast);
  EXPECT_EQ(sc.strides(), IntArrayRef(V{6, 1, 3, 1}));
  EXPECT_TRUE(cl.to(kFloat, false, false, MemoryFormat::ChannelsLast).is_same(cl));
  EXPECT_EQ(cl.to(kDouble).strides(), IntArrayRef(V{60, 1, 15, 3}));
  // N1H1: already channels-last contiguous, returned as is.
  Tensor n1h1 = empty({2, 1, 4, 1});
  EXPECT_TRUE(n1h1.contiguous(MemoryFormat::ChannelsLast).is_same(n1h1));
  EXPECT_THROW(arange(6, kFloat).contiguous(MemoryFormat::ChannelsLast), Error);
}
