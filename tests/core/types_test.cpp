#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

// c10's checked_convert (PyTorch 1.13: torch.zeros(2, dtype=torch.int8).fill_(300) raises
// "value cannot be converted to type int8_t without overflow").
TEST(Types, ScalarOverflowIsAnError) {
  auto msg = [](auto f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(msg([] { (void)Scalar(300).to<int8_t>(); }),
            "value cannot be converted to type int8_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(127.9).to<int8_t>(); }),
            "value cannot be converted to type int8_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(-128.9).to<int8_t>(); }),
            "value cannot be converted to type int8_t without overflow");
  EXPECT_EQ(Scalar(-128.0).to<int8_t>(), -128);
  EXPECT_EQ(Scalar(127.5 - 0.5).to<int8_t>(), 127);
  // Negative integers wrap into unsigned types down to -max; negative doubles do not.
  EXPECT_EQ(Scalar(-1).to<uint8_t>(), 255);
  EXPECT_EQ(Scalar(-255).to<uint8_t>(), 1);
  EXPECT_EQ(msg([] { (void)Scalar(-256).to<uint8_t>(); }),
            "value cannot be converted to type uint8_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(-1.0).to<uint8_t>(); }),
            "value cannot be converted to type uint8_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(256.0).to<uint8_t>(); }),
            "value cannot be converted to type uint8_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(40000).to<int16_t>(); }),
            "value cannot be converted to type int16_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(int64_t(1) << 31).toInt(); }),
            "value cannot be converted to type int without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(1e10).to<int32_t>(); }),
            "value cannot be converted to type int without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(1e19).toLong(); }),
            "value cannot be converted to type int64_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(9.223372036854775808e18).toLong(); }),
            "value cannot be converted to type int64_t without overflow");
  EXPECT_EQ(Scalar(9.2e18).toLong(), int64_t(9200000000000000000));
  EXPECT_EQ(Scalar(-9.223372036854775808e18).toLong(), INT64_MIN);
  EXPECT_EQ(msg([] { (void)Scalar(std::numeric_limits<double>::infinity()).toLong(); }),
            "value cannot be converted to type int64_t without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(std::nan("")).toLong(); }),
            "value cannot be converted to type int64_t without overflow");
  // Floating types: finite values beyond the range overflow; inf and nan convert.
  EXPECT_EQ(msg([] { (void)Scalar(1e300).toFloat(); }),
            "value cannot be converted to type float without overflow");
  EXPECT_TRUE(std::isinf(Scalar(std::numeric_limits<double>::infinity()).toFloat()));
  EXPECT_TRUE(std::isnan(Scalar(std::nan("")).toFloat()));
  EXPECT_EQ(msg([] { (void)Scalar(65519.0).to<Half>(); }),
            "value cannot be converted to type at::Half without overflow");
  EXPECT_EQ(msg([] { (void)Scalar(70000).to<Half>(); }),
            "value cannot be converted to type at::Half without overflow");
  EXPECT_EQ(static_cast<float>(Scalar(65504.0).to<Half>()), 65504.0f);
  EXPECT_EQ(msg([] { (void)Scalar(1e39).to<BFloat16>(); }),
            "value cannot be converted to type at::BFloat16 without overflow");
  // bool takes anything.
  EXPECT_TRUE(Scalar(2.0).toBool());
  EXPECT_TRUE(Scalar(1e-50).toBool());
  EXPECT_TRUE(Scalar(-1).toBool());
  // Through ops: fill_, full, alpha.
  EXPECT_THROW(zeros({2}, kChar).fill_(300), Error);
  EXPECT_THROW(full({2}, 300, kChar), Error);
  EXPECT_THROW(zeros({2}, kFloat).fill_(1e300), Error);
  EXPECT_THROW(ones({2}, kChar).add(ones({2}, kChar), 300), Error);
  EXPECT_EQ(zeros({2}, kByte).fill_(-1)[0].item<int64_t>(), 255);
  // A wrapped number wraps like PyTorch's int8 + 300 == 45.
  EXPECT_EQ((ones({2}, kChar) + 300)[0].item<int64_t>(), 45);
}

// double -> bool is `x != 0` directly (1e-50 is true), not through float.
TEST(Types, DoubleToBoolConversion) {
  Tensor d = tensor({1e-50, 0.0, -0.0, std::nan("")}, kDouble);
  Tensor b = d.to(kBool);
  EXPECT_TRUE(b[0].item<bool>());
  EXPECT_FALSE(b[1].item<bool>());
  EXPECT_FALSE(b[2].item<bool>());
  EXPECT_TRUE(b[3].item<bool>());
  EXPECT_TRUE(zeros({1}, kBool).fill_(1e-50)[0].item<bool>());
  EXPECT_EQ(d.to(kFloat)[0].item<float>(), 0.0f);  // PyTorch: tensor([1e-50]).float() == 0
}

// libtorch's check macros (ember/core/error.h): c10's default message, the Error subclass each
// form raises, and the deprecated AT_ASSERT/AT_ERROR spellings older programs use.
TEST(Errors, LibtorchCheckMacros) {
  auto message = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  int x = 3;
  EXPECT_EQ(message([&] { TORCH_CHECK(x == 3, "fine"); }), "no error");
  EXPECT_EQ(message([&] { TORCH_CHECK(x == 2, "x is ", x, ", expected 2"); }),
            "x is 3, expected 2");
  EXPECT_EQ(message([&] { TORCH_CHECK(x == 2); }),
            "Expected x == 2 to be true, but got false.  (Could this error message be improved?  "
            "If so, please report an enhancement request to PyTorch.)");
  EXPECT_THROW(TORCH_CHECK_INDEX(x < 0, "index ", x), IndexError);
  EXPECT_THROW(TORCH_CHECK_VALUE(x < 0, "value"), ValueError);
  EXPECT_THROW(TORCH_CHECK_TYPE(x < 0, "type"), TypeError);
  EXPECT_THROW(TORCH_CHECK_NOT_IMPLEMENTED(x < 0, "later"), NotImplementedError);
  EXPECT_NE(message([&] { TORCH_INTERNAL_ASSERT(x == 4); }).find("x == 4"), std::string::npos);
  EXPECT_NE(message([&] { AT_ASSERT(x == 4); }).find("x == 4"), std::string::npos);
  EXPECT_EQ(message([&] { AT_ERROR("gone: ", 7); }), "gone: 7");
  TORCH_INTERNAL_ASSERT_DEBUG_ONLY(x == 3);
  ::testing::internal::CaptureStderr();
  for (int i = 0; i < 3; ++i) TORCH_WARN_ONCE("only once ", i);
  TORCH_WARN("twice");
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("Warning: only once 0"), std::string::npos);
  EXPECT_EQ(err.find("only once 1"), std::string::npos);
  EXPECT_NE(err.find("Warning: twice"), std::string::npos);
}
