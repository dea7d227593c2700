#pragma once
// 16-bit floating point storage types. Arithmetic happens in float: both convert implicitly to
// float and are constructed from float with round-to-nearest-even, as c10::Half / c10::BFloat16.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <ostream>

namespace ember {

namespace detail {
inline uint32_t f32_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}
inline float f32_from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint16_t f32_to_f16(float f) {
  uint32_t x = f32_bits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7fffffffu;
  if (ax >= 0x7f800000u) return static_cast<uint16_t>(sign | (ax > 0x7f800000u ? 0x7e00u : 0x7c00u));
  if (ax >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (ax < 0x38800000u) {                                                  // subnormal or zero
    float a = f32_from_bits(ax);
    // 2^-24 is the smallest subnormal; adding 0.5 in that unit rounds to nearest even via FP add.
    float r = a + 0.5f;
    return static_cast<uint16_t>(sign | (f32_bits(r) - f32_bits(0.5f)));
  }
  uint32_t mant_odd = (ax >> 13) & 1u;
  ax += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round to nearest even
  return static_cast<uint16_t>(sign | (ax >> 13));
}

inline float f16_to_f32(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    if (mant == 0) return f32_from_bits(sign);
    float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return f32_from_bits(sign | 0x7f800000u | (mant << 13));
  return f32_from_bits(sign | ((exp + 112) << 23) | (mant << 13));
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t x = f32_bits(f);
  if (std::isnan(f)) return 0x7fc0;
  uint32_t rounding_bias = ((x >> 16) & 1u) + 0x7fffu;
  return static_cast<uint16_t>((x + rounding_bias) >> 16);
}
inline float bf16_to_f32(uint16_t b) { return f32_from_bits(static_cast<uint32_t>(b) << 16); }
}  // namespace detail

struct alignas(2) Half {
  uint16_t x = 0;
  struct from_bits_t {};
  static constexpr from_bits_t from_bits() { return {}; }
  Half() = default;
  constexpr Half(uint16_t bits, from_bits_t) : x(bits) {}
  Half(float f) : x(detail::f32_to_f16(f)) {}
  operator float() const { return detail::f16_to_f32(x); }
};

struct alignas(2) BFloat16 {
  uint16_t x = 0;
  struct from_bits_t {};
  static constexpr from_bits_t from_bits() { return {}; }
  BFloat16() = default;
  constexpr BFloat16(uint16_t bits, from_bits_t) : x(bits) {}
  BFloat16(float f) : x(detail::f32_to_bf16(f)) {}
  operator float() const { return detail::bf16_to_f32(x); }
};

inline std::ostream& operator<<(std::ostream& os, Half h) { return os << static_cast<float>(h); }
inline std::ostream& operator<<(std::ostream& os, BFloat16 h) { return os << static_cast<float>(h); }

}  // namespace ember

namespace std {
template <>
class numeric_limits<ember::Half> {
 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr int digits = 11;
  static ember::Half lowest() { return {0xfbff, ember::Half::from_bits()}; }
  static ember::Half min() { return {0x0400, ember::Half::from_bits()}; }
  static ember::Half max() { return {0x7bff, ember::Half::from_bits()}; }
  static ember::Half epsilon() { return {0x1400, ember::Half::from_bits()}; }
  static ember::Half infinity() { return {0x7c00, ember::Half::from_bits()}; }
  static ember::Half quiet_NaN() { return {0x7e00, ember::Half::from_bits()}; }
};
template <>
class numeric_limits<ember::BFloat16> {
 public:
  static constexpr bool is_specialized = true;
  static constexpr bool is_signed = true;
  static constexpr bool is_integer = false;
  static constexpr bool has_infinity = true;
  static constexpr bool has_quiet_NaN = true;
  static constexpr int digits = 8;
  static ember::BFloat16 lowest() { return {0xff7f, ember::BFloat16::from_bits()}; }
  static ember::BFloat16 min() { return {0x0080, ember::BFloat16::from_bits()}; }
  static ember::BFloat16 max() { return {0x7f7f, ember::BFloat16::from_bits()}; }
  static ember::BFloat16 epsilon() { return {0x3c00, ember::BFloat16::from_bits()}; }
  static ember::BFloat16 infinity() { return {0x7f80, ember::BFloat16::from_bits()}; }
  static ember::BFloat16 quiet_NaN() { return {0x7fc0, ember::BFloat16::from_bits()}; }
};
}  // namespace std
