// src/cpu/vec_math_avx2.cpp: the AVX2 + FMA table (8 floats or 4 doubles per register, compiled
// with -mavx2 -mfma): accuracy, special values, every length around the register width, in place,
// exp_shift_sum, and the scalar table's bits; skipped where the CPU lacks the ISA.
#include <gtest/gtest.h>

#include "cpu/vec_math_check.h"
#include "src/cpu/vec_math.h"

namespace ember::cpu::vec {
namespace {

#define EMBER_REQUIRE_ISA()                          \
  if (!isa_available(Isa::Avx2)) {                   \
    GTEST_SKIP() << "this CPU or build has no avx2"; \
  }

TEST(VecMathAvx2, Table) {
  EMBER_REQUIRE_ISA();
  ASSERT_NE(table_avx2(), nullptr);
  EXPECT_EQ(table_for(Isa::Avx2), table_avx2());
  EXPECT_STREQ(table_avx2()->name, "avx2");
}

TEST(VecMathAvx2, AccuracyInUlp) {
  EMBER_REQUIRE_ISA();
  check::accuracy<float>(*table_avx2());
  check::accuracy<double>(*table_avx2());
}

TEST(VecMathAvx2, SpecialValues) {
  EMBER_REQUIRE_ISA();
  check::special_values<float>(*table_avx2());
  check::special_values<double>(*table_avx2());
}

TEST(VecMathAvx2, LengthsAndAliasing) {
  EMBER_REQUIRE_ISA();
  check::lengths_and_aliasing<float>(*table_avx2());
  check::lengths_and_aliasing<double>(*table_avx2());
}

TEST(VecMathAvx2, ExpShiftSum) {
  EMBER_REQUIRE_ISA();
  check::exp_shift_sum<float>(*table_avx2());
  check::exp_shift_sum<double>(*table_avx2());
}

TEST(VecMathAvx2, SameBitsAsScalar) {
  EMBER_REQUIRE_ISA();
  check::same_bits_as<float>(*table_avx2(), *table_scalar());
  check::same_bits_as<double>(*table_avx2(), *table_scalar());
}

}  // namespace
}  // namespace ember::cpu::vec
