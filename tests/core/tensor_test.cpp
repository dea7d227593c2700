#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"

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

TEST(Tensor, HugeSizesThrow) {
  EXPECT_THROW(empty({int64_t(1) << 40, int64_t(1) << 40}), Error);
  EXPECT_THROW(empty({-1}), Error);
}

TEST(Tensor, PrintsLikeLibtorch) {
  std::ostringstream os;
  os << ones({3});
  EXPECT_EQ(os.str(), " 1\n 1\n 1\n[ CPUFloatType{3} ]");
  std::ostringstream os2;
  os2 << tensor({{1.5, 2.0}, {3.0, 4.25}});
  EXPECT_EQ(os2.str(), " 1.5000  2.0000\n 3.0000  4.2500\n[ CPUFloatType{2,2} ]");
}
