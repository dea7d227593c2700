#pragma once
// Vectorised math over contiguous float/double arrays: exp, log, tanh, erf, gelu, ... with own
// polynomial approximations (about 1 ulp, special values as std::), compiled once per ISA
// (vec_math_{scalar,avx2,avx512}.cpp) and picked at run time from cpuid. See Note [Vector math].
#include <cstdint>

namespace ember {
namespace cpu {
namespace vec {

enum class Isa { Scalar = 0, Avx2 = 1, Avx512 = 2 };

// clang-format off
#define EMBER_VEC_MATH_FNS(_) \
  _(exp) _(expm1) _(log) _(log1p) _(tanh) _(sigmoid) _(erf) _(gelu) _(gelu_tanh) _(silu)
// clang-format on
enum class Fn {
#define EMBER_VEC_ENUM(name) name,
  EMBER_VEC_MATH_FNS(EMBER_VEC_ENUM)
#undef EMBER_VEC_ENUM
      count
};
constexpr int kNumFns = static_cast<int>(Fn::count);

using MapF = void (*)(const float* x, float* y, int64_t n);
using MapD = void (*)(const double* x, double* y, int64_t n);
// y = exp(x - shift) and its sum (y may alias x).
using ExpSumF = float (*)(const float* x, float* y, int64_t n, float shift);
using ExpSumD = double (*)(const double* x, double* y, int64_t n, double shift);

// One ISA's functions; y may alias x (in place).
struct Table {
  const char* name;
  MapF f32[kNumFns];
  MapD f64[kNumFns];
  ExpSumF exp_shift_sum_f32;
  ExpSumD exp_shift_sum_f64;
};

// The ISAs this build and CPU can run; the one in use (best available, or $EMBER_SIMD=
// scalar|avx2|avx512 when that is available).
bool isa_available(Isa isa);
Isa active_isa();
// Test hook: switch every kernel to `isa` (must be available); returns the previous one.
Isa set_active_isa(Isa isa);
// The table of a given ISA (nullptr if unavailable) and of the active one.
const Table* table_for(Isa isa);
const Table& table();

template <class T>
inline void map(Fn fn, const T* x, T* y, int64_t n) {
  if constexpr (sizeof(T) == 4) {
    table().f32[static_cast<int>(fn)](x, y, n);
  } else {
    table().f64[static_cast<int>(fn)](x, y, n);
  }
}

template <class T>
inline T exp_shift_sum(const T* x, T* y, int64_t n, T shift) {
  if constexpr (sizeof(T) == 4) {
    return table().exp_shift_sum_f32(x, y, n, shift);
  } else {
    return table().exp_shift_sum_f64(x, y, n, shift);
  }
}

// Per-ISA tables (nullptr where the TU was built without that ISA).
const Table* table_scalar();
const Table* table_avx2();
const Table* table_avx512();

}  // namespace vec
}  // namespace cpu
}  // namespace ember
