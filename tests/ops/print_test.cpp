// src/ops/print.cpp: ember::print / operator<< / Tensor::print() in libtorch's format. The core
// golden test (tests/core/print_test.cpp) covers the common layouts at linesize 80; these cases
// cover the rest: column splits at other line sizes, every integer dtype, scaled and scientific
// formats, non-contiguous inputs, and stream state. Expected text printed by Debian's libtorch
// 1.13 with at::print(os, x, linesize) for the same expressions.
#include <gtest/gtest.h>

#include <cmath>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include "ember/ember.h"

using namespace ember;

namespace {
struct Case {
  const char* name;
  Tensor t;
  int64_t linesize;
  const char* expected;
};
}  // namespace

TEST(PrintFormat, MatchesLibtorch) {
  const Case cases[] = {
      {"cols", ones({2, 5}) / 3, 30,
       "Columns 1 to 3 0.3333  0.3333  0.3333\n"
       " 0.3333  0.3333  0.3333\n"
       "\n"
       "Columns 4 to 5 0.3333  0.3333\n"
       " 0.3333  0.3333\n"
       "[ CPUFloatType{2,5} ]"},
      {"cols3d", arange(24, kFloat).view({2, 3, 4}) / 7, 30,
       "(1,.,.) = \n"
       " Columns 1 to 3  0.0000  0.1429  0.2857\n"
       "  0.5714  0.7143  0.8571\n"
       "  1.1429  1.2857  1.4286\n"
       "\n"
       "Columns 4 to 4  0.4286\n"
       "  1.0000\n"
       "  1.5714\n"
       "\n"
       "(2,.,.) = \n"
       " Columns 1 to 3  1.7143  1.8571  2.0000\n"
       "  2.2857  2.4286  2.5714\n"
       "  2.8571  3.0000  3.1429\n"
       "\n"
       "Columns 4 to 4  2.1429\n"
       "  2.7143\n"
       "  3.2857\n"
       "[ CPUFloatType{2,3,4} ]"},
      {"transposed", tensor({{1.5, 2.0}, {3.0, 4.25}}).t(), 80,
       " 1.5000  3.0000\n"
       " 2.0000  4.2500\n"
       "[ CPUFloatType{2,2} ]"},
      {"int32", tensor({1, -2, 3}).to(kInt), 80,
       " 1\n"
       "-2\n"
       " 3\n"
       "[ CPUIntType{3} ]"},
      {"int16", tensor({100, -2}).to(kShort), 80,
       " 100\n"
       "  -2\n"
       "[ CPUShortType{2} ]"},
      {"int8", tensor({-7, 5}).to(kChar), 80,
       "-7\n"
       " 5\n"
       "[ CPUCharType{2} ]"},
      {"uint8", tensor({255, 0}).to(kByte), 80,
       " 255\n"
       "   0\n"
       "[ CPUByteType{2} ]"},
      {"bigint", tensor({int64_t(10000000000), int64_t(1)}), 80,
       " 1.0000e+10\n"
       " 1.0000e+00\n"
       "[ CPULongType{2} ]"},
      {"fixedscale", tensor({1234567.5, 1000000.25}), 80,
       "1e+06 *\n"
       " 1.2346\n"
       " 1.0000\n"
       "[ CPUFloatType{2} ]"},
      {"smallscale", tensor({0.00012, 0.00034}), 80,
       "0.0001 *\n"
       " 1.2000\n"
       " 3.4000\n"
       "[ CPUFloatType{2} ]"},
      {"exp3digits", tensor({1e-120, 1.5}, kDouble), 80,
       " 1.0000e-120\n"
       "  1.5000e+00\n"
       "[ CPUDoubleType{2} ]"},
      {"allnan", tensor({std::nan(""), std::nan("")}), 80,
       "nan\n"
       "nan\n"
       "[ CPUFloatType{2} ]"},
      {"negative", tensor({-1.5, -200.25}), 80,
       "-1.5000\n"
       "-200.2500\n"
       "[ CPUFloatType{2} ]"},
      {"matscale", tensor({{1e6 + 0.5, 2e6}, {3e6, 4e6}}, kDouble), 80,
       "1e+06 *\n"
       " 1.0000  2.0000\n"
       "  3.0000  4.0000\n"
       "[ CPUDoubleType{2,2} ]"},
      {"empty3d", zeros({2, 0, 3}), 80, "[ CPUFloatType{2,0,3} ]"},
      {"bf16", tensor({0.5, 1.0}).to(kBFloat16), 80,
       " 0.5000\n"
       " 1.0000\n"
       "[ CPUBFloat16Type{2} ]"},
      {"int0d", tensor(int64_t(7)), 80,
       "7\n"
       "[ CPULongType{} ]"},
      {"bool0d", tensor(true), 80,
       "1\n"
       "[ CPUBoolType{} ]"},
      {"neginf", tensor({-double(INFINITY), 2.5, double(INFINITY)}), 80,
       "   -inf\n"
       " 2.5000\n"
       "    inf\n"
       "[ CPUFloatType{3} ]"},
  };
  for (const Case& c : cases) {
    std::ostringstream os;
    print(os, c.t, c.linesize);
    EXPECT_EQ(os.str(), c.expected) << c.name;
  }
}

TEST(PrintFormat, OperatorUsesLinesize80AndIgnoresGrad) {
  // 13 columns of width 7 need 104 characters: operator<< splits them as print(os, t, 80) does.
  Tensor t = ones({2, 13}) / 3;
  std::ostringstream a, b;
  a << t;
  print(b, t, 80);
  EXPECT_EQ(a.str(), b.str());
  EXPECT_NE(a.str().find("Columns 1 to 10"), std::string::npos);
  // libtorch: std::cout << torch::ones({2, 3}).requires_grad_() prints no grad information.
  std::ostringstream g;
  g << ones({2, 3}).requires_grad_();
  EXPECT_EQ(g.str(), " 1  1  1\n 1  1  1\n[ CPUFloatType{2,3} ]");
}

TEST(PrintFormat, RestoresStreamState) {
  // The stream's flags, precision and width are restored after printing (scientific, fixed
  // and integer layouts each change them).
  for (const Tensor& t : {tensor({1e-5, 2e5}), tensor({0.5, 1.25}), tensor({1, 2})}) {
    std::ostringstream os;
    os << std::setprecision(3) << std::hex;
    os << t;
    os << " " << 1.23456 << " " << 255;
    std::string s = os.str();
    EXPECT_EQ(s.substr(s.size() - 8), " 1.23 ff") << s;
  }
}

TEST(PrintFormat, TensorPrintMethod) {
  // libtorch: torch::ones({2,3}).print(); torch::zeros({}, kLong).print(); Tensor().print()
  // -> "[CPUFloatType [2, 3]]\n[CPULongType []]\n[UndefinedTensor]\n" on stderr
  std::stringstream ss;
  std::streambuf* old = std::cerr.rdbuf(ss.rdbuf());
  ones({2, 3}).print();
  zeros({}, kLong).print();
  Tensor().print();
  std::cerr.rdbuf(old);
  EXPECT_EQ(ss.str(), "[CPUFloatType [2, 3]]\n[CPULongType []]\n[UndefinedTensor]\n");
}
