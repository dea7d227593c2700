// src/cpu/vec_math_avx512.cpp: the AVX-512F table (16 floats or 8 doubles per register, compiled
// with -mavx512f): accuracy, special values, every length around the register width, in place,
// exp_shift_sum, and the scalar table's bits; skipped where the CPU lacks the ISA.
#include <gtest/gtest.h>

#include "cpu/vec_math_check.h"
#include "src/cpu/vec_math.h"

namespace ember::cpu::vec {
namespace {

#define EMBER_REQUIRE_ISA()                            \
  if (!isa_available(Isa::Avx512)) {                   \
    GTEST_SKIP() << "this CPU or build has no avx512"; \
  }

TEST(VecMathAvx512, Table) {
  EMBER_REQUIRE_ISA();
  ASSERT_NE(table_avx512(), nullptr);
  EXPECT_EQ(table_for(Isa::Avx512), table_avx512());
  EXPECT_STREQ(table_avx512()->name, "avx512");
}

TEST(VecMathAvx512, AccuracyInUlp) {
  EMBER_REQUIRE_ISA();
  check::accuracy<float>(*table_avx512());
  check::accuracy<double>(*table_avx512());
}

TEST(VecMathAvx512, SpecialValues) {
  EMBER_REQUIRE_ISA();
  check::special_values<float>(*table_avx512());
  check::special_values<double>(*table_avx512());
}

TEST(VecMathAvx512, LengthsAndAliasing) {
  EMBER_REQUIRE_ISA();
  check::lengths_and_aliasing<float>(*table_avx512());
  check::lengths_and_aliasing<double>(*table_avx512());
}

TEST(VecMathAvx512, ExpShiftSum) {
  EMBER_REQUIRE_ISA();
  check::exp_shift_sum<float>(*table_avx512());
  check::exp_shift_sum<double>(*table_avx512());
}

TEST(VecMathAvx512, SameBitsAsScalar) {
  EMBER_REQUIRE_ISA();
  check::same_bits_as<float>(*table_avx512(), *table_scalar());
  check::same_bits_as<double>(*table_avx512(), *table_scalar());
}

}  // namespace
}  // namespace ember::cpu::vec
