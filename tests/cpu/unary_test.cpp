// src/cpu/unary.cpp: kernels through the vector math tables, on every layout and ISA.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "ember/ember.h"
#include "src/cpu/vec_math.h"

using namespace ember;

namespace {

// Unary kernels give bit-identical results on contiguous and strided inputs, on every ISA.
TEST(CpuKernels, UnaryLayoutsAndIsas) {
  using cpu::vec::Isa;
  Tensor x = randn({64, 33}) * 3;
  Isa prev = cpu::vec::active_isa();
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
    if (!cpu::vec::isa_available(isa)) continue;
    cpu::vec::set_active_isa(isa);
    for (auto f :
         {+[](const Tensor& t) { return t.exp(); }, +[](const Tensor& t) { return t.tanh(); },
          +[](const Tensor& t) { return gelu(t); }}) {
      Tensor a = f(x.t().contiguous()), b = f(x.t());
      EXPECT_TRUE(a.equal(b.contiguous()));
      EXPECT_TRUE(f(x.to(kHalf)).to(kFloat).allclose(f(x.to(kHalf).to(kFloat)), 1e-3, 1e-3));
    }
  }
  cpu::vec::set_active_isa(prev);
}

}  // namespace
