// operator<< must print exactly as libtorch does. The expected text was printed by Debian's
// libtorch 1.13 for the same cases (tools/gen_print_golden.sh).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "ember/ember.h"

TEST(Print, MatchesLibtorch) {
  namespace NS = ember;
  std::ostringstream out;
#define P(x) out << (x) << "\n---\n"
#include "core/print_cases.inc"
#undef P
  std::ifstream f(EMBER_GOLDEN_DIR "/print_libtorch.txt");
  ASSERT_TRUE(f.good());
  std::stringstream expected;
  expected << f.rdbuf();
  EXPECT_EQ(out.str(), expected.str());
}

TEST(Print, UndefinedTensor) {
  std::ostringstream os;
  os << ember::Tensor();
  EXPECT_EQ(os.str(), "[ Tensor (undefined) ]");
}
