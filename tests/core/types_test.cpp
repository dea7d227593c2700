#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"

using namespace ember;

TEST(Types, DeviceParsing) {
  EXPECT_EQ(Device("cpu"), Device(kCPU));
  EXPECT_EQ(Device("cuda:1").index(), 1);
  EXPECT_TRUE(Device("cuda").is_cuda());
  EXPECT_EQ(Device("cuda:2").str(), "cuda:2");
  EXPECT_THROW(Device("tpu"), Error);
  EXPECT_THROW(Device("cuda:x"), Error);
  EXPECT_THROW(Device("cuda:"), Error);
}

TEST(Types, ScalarConversions) {
  Scalar a = 2.5, b = int64_t(3), c = true;
  EXPECT_TRUE(a.isFloatingPoint());
  EXPECT_TRUE(b.isIntegral(false));
  EXPECT_TRUE(c.isBoolean());
  EXPECT_EQ(a.to<int>(), 2);
  EXPECT_EQ(b.toDouble(), 3.0);
  EXPECT_EQ(static_cast<float>(Scalar(1.5).to<Half>()), 1.5f);
}

TEST(Types, HalfAndBFloat16Rounding) {
  // Round to nearest even, overflow to inf, subnormals kept.
  EXPECT_EQ(Half(1.0f).x, 0x3c00);
  EXPECT_EQ(Half(65504.0f).x, 0x7bff);
  EXPECT_EQ(Half(65520.0f).x, 0x7c00);
  EXPECT_EQ(static_cast<float>(Half(5.96046448e-08f)), 5.96046448e-08f);
  EXPECT_EQ(BFloat16(1.0f).x, 0x3f80);
  EXPECT_EQ(static_cast<float>(BFloat16(3.14159f)), 3.140625f);
  EXPECT_TRUE(std::isnan(static_cast<float>(BFloat16(NAN))));
}

TEST(Types, DtypeNamesAndSizes) {
  EXPECT_STREQ(toString(kBFloat16), "BFloat16");
  EXPECT_STREQ(dtype_name(kLong), "torch.int64");
  EXPECT_EQ(element_size(kHalf), 2u);
  EXPECT_TRUE(canCast(kLong, kFloat));
  EXPECT_FALSE(canCast(kFloat, kLong));
  EXPECT_FALSE(canCast(kLong, kBool));
  EXPECT_THROW(set_default_dtype(kLong), Error);
}

TEST(Types, TensorOptionsHelpers) {
  auto o = dtype(kDouble).requires_grad(true);
  EXPECT_EQ(o.dtype(), kDouble);
  EXPECT_TRUE(o.requires_grad());
  Tensor t = zeros({2}, o);
  EXPECT_TRUE(t.requires_grad());
  EXPECT_THROW(zeros({2}, dtype(kLong).requires_grad(true)), Error);
  EXPECT_THROW(zeros({2}, device(Device(kCUDA, 0))), Error);
}
