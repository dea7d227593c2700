#pragma once
// Binary elementwise ops and C++ operators. Each op: functional, in-place (Tensor::name_),
// out= (name_out), Tensor and Scalar operands. Declarations with derivatives: arithmetic in
// src/ops/binary.cpp, logical/bitwise in src/ops/bitwise.cpp; CPU kernels in src/cpu/binary.cpp.
// Ternary ops (where, clamp, lerp, addcmul, addcdiv, isclose) are in ember/ops/ternary.h.
#include <optional>
#include <string_view>

#include "ember/core/tensor.h"

namespace ember {

Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor& add_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor& sub_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor rsub(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor mul(const Tensor& self, const Tensor& other);
Tensor mul(const Tensor& self, const Scalar& other);
Tensor& mul_out(Tensor& out, const Tensor& self, const Tensor& other);
Tensor div(const Tensor& self, const Tensor& other);
Tensor div(const Tensor& self, const Scalar& other);
Tensor& div_out(Tensor& out, const Tensor& self, const Tensor& other);
// rounding_mode: nullopt (true division), "trunc" or "floor". Integer x / 0 raises
// ZeroDivisionError with a rounding mode.
Tensor div(const Tensor& self, const Tensor& other, std::optional<std::string_view> rounding_mode);
Tensor div(const Tensor& self, const Scalar& other, std::optional<std::string_view> rounding_mode);
Tensor& div_out(Tensor& out, const Tensor& self, const Tensor& other,
                std::optional<std::string_view> rounding_mode);

// Aliases: subtract = sub, multiply = mul, divide/true_divide = div.
Tensor subtract(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor subtract(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor multiply(const Tensor& self, const Tensor& other);
Tensor multiply(const Tensor& self, const Scalar& other);
Tensor divide(const Tensor& self, const Tensor& other);
Tensor divide(const Tensor& self, const Scalar& other);
Tensor divide(const Tensor& self, const Tensor& other,
              std::optional<std::string_view> rounding_mode);
Tensor divide(const Tensor& self, const Scalar& other,
              std::optional<std::string_view> rounding_mode);
Tensor true_divide(const Tensor& self, const Tensor& other);
Tensor true_divide(const Tensor& self, const Scalar& other);

// Tensor-or-Scalar `other`, with in-place Tensor methods. floor_divide rounds toward -inf,
// remainder has Python's sign (of the divisor), fmod C's (of the dividend).
#define EMBER_DECLARE_BINARY(name)                      \
  Tensor name(const Tensor& self, const Tensor& other); \
  Tensor name(const Tensor& self, const Scalar& other); \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_DECLARE_BINARY(floor_divide)
EMBER_DECLARE_BINARY(remainder)
EMBER_DECLARE_BINARY(fmod)
EMBER_DECLARE_BINARY(copysign)
EMBER_DECLARE_BINARY(bitwise_and)
EMBER_DECLARE_BINARY(bitwise_or)
EMBER_DECLARE_BINARY(bitwise_xor)
EMBER_DECLARE_BINARY(bitwise_left_shift)
EMBER_DECLARE_BINARY(bitwise_right_shift)
#undef EMBER_DECLARE_BINARY
Tensor remainder(const Scalar& self, const Tensor& other);
Tensor bitwise_and(const Scalar& self, const Tensor& other);
Tensor bitwise_or(const Scalar& self, const Tensor& other);
Tensor bitwise_xor(const Scalar& self, const Tensor& other);
Tensor bitwise_left_shift(const Scalar& self, const Tensor& other);
Tensor bitwise_right_shift(const Scalar& self, const Tensor& other);

// Tensor-only binary ops. maximum/minimum propagate NaN, fmax/fmin ignore it.
#define EMBER_DECLARE_BINARY_TENSOR(name)               \
  Tensor name(const Tensor& self, const Tensor& other); \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_DECLARE_BINARY_TENSOR(atan2)
EMBER_DECLARE_BINARY_TENSOR(hypot)
EMBER_DECLARE_BINARY_TENSOR(maximum)
EMBER_DECLARE_BINARY_TENSOR(minimum)
EMBER_DECLARE_BINARY_TENSOR(fmax)
EMBER_DECLARE_BINARY_TENSOR(fmin)
// Logical ops: any dtype in (nonzero is true), bool out.
EMBER_DECLARE_BINARY_TENSOR(logical_and)
EMBER_DECLARE_BINARY_TENSOR(logical_or)
EMBER_DECLARE_BINARY_TENSOR(logical_xor)
#undef EMBER_DECLARE_BINARY_TENSOR
Tensor arctan2(const Tensor& self, const Tensor& other);
Tensor logical_not(const Tensor& self);
Tensor& logical_not_out(Tensor& out, const Tensor& self);
Tensor bitwise_not(const Tensor& self);
Tensor& bitwise_not_out(Tensor& out, const Tensor& self);

// pow: "Integers to negative integer powers are not allowed." for an integer tensor and a negative
// integer Scalar exponent. float_power computes in double.
Tensor pow(const Tensor& self, const Tensor& exponent);
Tensor pow(const Tensor& self, const Scalar& exponent);
Tensor pow(const Scalar& self, const Tensor& exponent);
Tensor& pow_out(Tensor& out, const Tensor& self, const Tensor& exponent);
Tensor& pow_out(Tensor& out, const Tensor& self, const Scalar& exponent);
Tensor& pow_out(Tensor& out, const Scalar& self, const Tensor& exponent);
Tensor float_power(const Tensor& self, const Tensor& exponent);
Tensor float_power(const Tensor& self, const Scalar& exponent);
Tensor float_power(const Scalar& self, const Tensor& exponent);
Tensor& float_power_out(Tensor& out, const Tensor& self, const Tensor& exponent);
Tensor& float_power_out(Tensor& out, const Tensor& self, const Scalar& exponent);

#define EMBER_DECLARE_COMPARE(name)                     \
  Tensor name(const Tensor& self, const Tensor& other); \
  Tensor name(const Tensor& self, const Scalar& other); \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other);
EMBER_DECLARE_COMPARE(eq)
EMBER_DECLARE_COMPARE(ne)
EMBER_DECLARE_COMPARE(lt)
EMBER_DECLARE_COMPARE(le)
EMBER_DECLARE_COMPARE(gt)
EMBER_DECLARE_COMPARE(ge)
#undef EMBER_DECLARE_COMPARE

// Operators.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator%(const Tensor& a, const Tensor& b);
Tensor operator%(const Tensor& a, const Scalar& b);
Tensor operator%(const Scalar& a, const Tensor& b);
Tensor operator&(const Tensor& a, const Tensor& b);
Tensor operator&(const Tensor& a, const Scalar& b);
Tensor operator&(const Scalar& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Tensor& b);
Tensor operator|(const Tensor& a, const Scalar& b);
Tensor operator|(const Scalar& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Tensor& b);
Tensor operator^(const Tensor& a, const Scalar& b);
Tensor operator^(const Scalar& a, const Tensor& b);
// Not in libtorch (which only has Tensor::__lshift__/__rshift__); shifts, as in Python.
Tensor operator<<(const Tensor& a, const Tensor& b);
Tensor operator<<(const Tensor& a, const Scalar& b);
Tensor operator>>(const Tensor& a, const Tensor& b);
Tensor operator>>(const Tensor& a, const Scalar& b);
Tensor operator!(const Tensor& a);  // logical_not
Tensor operator-(const Tensor& a);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Scalar& b);
Tensor operator==(const Scalar& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Scalar& b);
Tensor operator!=(const Scalar& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Scalar& b);
Tensor operator<(const Scalar& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Scalar& b);
Tensor operator<=(const Scalar& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Scalar& b);
Tensor operator>(const Scalar& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Scalar& b);
Tensor operator>=(const Scalar& a, const Tensor& b);

}  // namespace ember
