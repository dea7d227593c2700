// src/cpu/vec_math_scalar.cpp: the portable vector-math table (one lane at a time), used where the
// CPU has neither AVX2 nor AVX-512: accuracy, special values, lengths, in place, exp_shift_sum.
#include <gtest/gtest.h>

#include <cstring>

#include "cpu/vec_math_check.h"
#include "src/cpu/vec_math.h"

namespace ember::cpu::vec {
namespace {

TEST(VecMathScalar, TableIsAlwaysAvailable) {
  ASSERT_TRUE(isa_available(Isa::Scalar));
  ASSERT_NE(table_scalar(), nullptr);
  EXPECT_EQ(table_for(Isa::Scalar), table_scalar());
  EXPECT_STREQ(table_scalar()->name, "scalar");
}

TEST(VecMathScalar, AccuracyInUlp) {
  check::accuracy<float>(*table_scalar());
  check::accuracy<double>(*table_scalar());
}

TEST(VecMathScalar, SpecialValues) {
  check::special_values<float>(*table_scalar());
  check::special_values<double>(*table_scalar());
}

TEST(VecMathScalar, LengthsAndAliasing) {
  check::lengths_and_aliasing<float>(*table_scalar());
  check::lengths_and_aliasing<double>(*table_scalar());
}

TEST(VecMathScalar, ExpShiftSum) {
  check::exp_shift_sum<float>(*table_scalar());
  check::exp_shift_sum<double>(*table_scalar());
}

}  // namespace
}  // namespace ember::cpu::vec
