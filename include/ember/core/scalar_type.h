#pragma once
// The dtype table. Enumerator values match c10::ScalarType so that serialized files agree.
#include <cstdint>
#include <ostream>
#include <string_view>

#include "ember/core/error.h"
#include "ember/core/half.h"

namespace ember {

enum class ScalarType : int8_t {
  Byte = 0,
  Char = 1,
  Short = 2,
  Int = 3,
  Long = 4,
  Half = 5,
  Float = 6,
  Double = 7,
  Bool = 11,
  BFloat16 = 15,
  Undefined = 127,
};

constexpr ScalarType kByte = ScalarType::Byte;
constexpr ScalarType kChar = ScalarType::Char;
constexpr ScalarType kShort = ScalarType::Short;
constexpr ScalarType kInt = ScalarType::Int;
constexpr ScalarType kLong = ScalarType::Long;
constexpr ScalarType kHalf = ScalarType::Half;
constexpr ScalarType kFloat = ScalarType::Float;
constexpr ScalarType kDouble = ScalarType::Double;
constexpr ScalarType kBool = ScalarType::Bool;
constexpr ScalarType kBFloat16 = ScalarType::BFloat16;
constexpr ScalarType kUInt8 = ScalarType::Byte;
constexpr ScalarType kInt8 = ScalarType::Char;
constexpr ScalarType kInt16 = ScalarType::Short;
constexpr ScalarType kInt32 = ScalarType::Int;
constexpr ScalarType kInt64 = ScalarType::Long;
constexpr ScalarType kFloat16 = ScalarType::Half;
constexpr ScalarType kFloat32 = ScalarType::Float;
constexpr ScalarType kFloat64 = ScalarType::Double;

// Every dtype ember supports, in enum order.
constexpr ScalarType kAllScalarTypes[] = {kByte,  kChar,  kShort,  kInt,  kLong,
                                          kHalf,  kFloat, kDouble, kBool, kBFloat16};

template <class T>
struct CppTypeToScalarType;
#define EMBER_FORALL_SCALAR_TYPES(_) \
  _(uint8_t, Byte)                   \
  _(int8_t, Char)                    \
  _(int16_t, Short)                  \
  _(int32_t, Int)                    \
  _(int64_t, Long)                   \
  _(::ember::Half, Half)             \
  _(float, Float)                    \
  _(double, Double)                  \
  _(bool, Bool)                      \
  _(::ember::BFloat16, BFloat16)

#define EMBER_DEFINE_CPP_TO_ST(T, name)                                   \
  template <>                                                             \
  struct CppTypeToScalarType<T> {                                         \
    static constexpr ScalarType value = ScalarType::name;                 \
  };
EMBER_FORALL_SCALAR_TYPES(EMBER_DEFINE_CPP_TO_ST)
#undef EMBER_DEFINE_CPP_TO_ST

template <class T>
constexpr ScalarType scalar_type_of = CppTypeToScalarType<T>::value;

constexpr size_t element_size(ScalarType t) {
  switch (t) {
    case kByte: case kChar: case kBool: return 1;
    case kShort: case kHalf: case kBFloat16: return 2;
    case kInt: case kFloat: return 4;
    case kLong: case kDouble: return 8;
    default: return 0;
  }
}
constexpr bool isFloatingType(ScalarType t) {
  return t == kHalf || t == kFloat || t == kDouble || t == kBFloat16;
}
constexpr bool isIntegralType(ScalarType t, bool include_bool) {
  return t == kByte || t == kChar || t == kShort || t == kInt || t == kLong ||
         (include_bool && t == kBool);
}
constexpr bool isComplexType(ScalarType) { return false; }
constexpr bool isSignedType(ScalarType t) { return t != kByte && t != kBool; }
constexpr bool is_floating(ScalarType t) { return isFloatingType(t); }
constexpr bool is_integral(ScalarType t, bool include_bool = false) {
  return isIntegralType(t, include_bool);
}

// c10 spelling: "Float", "Long", ...
const char* toString(ScalarType t);
// Python spelling: "float32", "int64", ...
const char* dtype_name(ScalarType t);
std::ostream& operator<<(std::ostream& os, ScalarType t);

// PyTorch's promotion lattice (torch.promote_types).
ScalarType promoteTypes(ScalarType a, ScalarType b);
inline ScalarType promote_types(ScalarType a, ScalarType b) { return promoteTypes(a, b); }
// torch.can_cast: no category downgrade (float -> int, int -> bool).
bool canCast(ScalarType from, ScalarType to);
inline bool can_cast(ScalarType from, ScalarType to) { return canCast(from, to); }

// Default floating dtype (torch.set_default_dtype).
ScalarType get_default_dtype();
void set_default_dtype(ScalarType t);
inline ScalarType typeMetaToScalarType(ScalarType t) { return t; }

// Dispatch a templated lambda on a dtype: f.template operator()<T>().
#define EMBER_DTYPE_CASE(T, name) \
  case ScalarType::name:          \
    return f.template operator()<T>();

template <class F>
decltype(auto) visit_all_types(ScalarType t, const char* op, F&& f) {
  switch (t) {
    EMBER_FORALL_SCALAR_TYPES(EMBER_DTYPE_CASE)
    default: EMBER_ERROR("[", op, "] unsupported dtype ", toString(t));
  }
}
template <class F>
decltype(auto) visit_floating_types(ScalarType t, const char* op, F&& f) {
  switch (t) {
    EMBER_DTYPE_CASE(float, Float)
    EMBER_DTYPE_CASE(double, Double)
    EMBER_DTYPE_CASE(::ember::Half, Half)
    EMBER_DTYPE_CASE(::ember::BFloat16, BFloat16)
    default: EMBER_ERROR("[", op, "] \"", op, "\" not implemented for '", toString(t), "'");
  }
}
// Numeric types without bool.
template <class F>
decltype(auto) visit_numeric_types(ScalarType t, const char* op, F&& f) {
  switch (t) {
    EMBER_DTYPE_CASE(uint8_t, Byte)
    EMBER_DTYPE_CASE(int8_t, Char)
    EMBER_DTYPE_CASE(int16_t, Short)
    EMBER_DTYPE_CASE(int32_t, Int)
    EMBER_DTYPE_CASE(int64_t, Long)
    EMBER_DTYPE_CASE(float, Float)
    EMBER_DTYPE_CASE(double, Double)
    EMBER_DTYPE_CASE(::ember::Half, Half)
    EMBER_DTYPE_CASE(::ember::BFloat16, BFloat16)
    default: EMBER_ERROR("[", op, "] \"", op, "\" not implemented for '", toString(t), "'");
  }
}
template <class F>
decltype(auto) visit_integral_types(ScalarType t, const char* op, F&& f, bool include_bool) {
  switch (t) {
    EMBER_DTYPE_CASE(uint8_t, Byte)
    EMBER_DTYPE_CASE(int8_t, Char)
    EMBER_DTYPE_CASE(int16_t, Short)
    EMBER_DTYPE_CASE(int32_t, Int)
    EMBER_DTYPE_CASE(int64_t, Long)
    case ScalarType::Bool:
      if (include_bool) return f.template operator()<bool>();
      [[fallthrough]];
    default: EMBER_ERROR("[", op, "] \"", op, "\" not implemented for '", toString(t), "'");
  }
}

// Type used to accumulate / compute in for T (float for the 16-bit floats).
template <class T>
struct OpMath {
  using type = T;
};
template <>
struct OpMath<Half> {
  using type = float;
};
template <>
struct OpMath<BFloat16> {
  using type = float;
};
template <class T>
using opmath_t = typename OpMath<T>::type;

// Type used to accumulate sums of T (int64 for integers, double for float64...).
template <class T>
struct AccType {
  using type = std::conditional_t<std::is_integral_v<T>, int64_t, opmath_t<T>>;
};
template <class T>
using acc_t = typename AccType<T>::type;

template <class T>
constexpr bool is_reduced_float_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <class T>
constexpr bool is_float_v = std::is_floating_point_v<T> || is_reduced_float_v<T>;

}  // namespace ember
