// src/cpu/shape.cpp: the accumulating strided add (view backwards), flip through negated strides,
// and tril/triu's row masking, against loops over the index space.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "cpu/kernel_check.h"
#include "ember/ember.h"
#include "src/kernels/shape.h"

using namespace ember;
using namespace ember::cpu_test;

namespace {

// dst viewed with overlapping strides (positions hit more than once accumulate), a zero stride,
// a transposed view and a plain one; every dtype family (bool adds as `or`).
TEST(CpuShape, StridedAddAccumulatesOverlaps) {
  struct View {
    std::vector<int64_t> size, stride;
    int64_t offset;
  };
  const std::vector<View> views = {{{4, 3}, {2, 1}, 0}, {{3, 4}, {0, 1}, 2},
                                   {{5, 2}, {1, 5}, 0}, {{2, 2, 2}, {4, 2, 1}, 1},
                                   {{10}, {1}, 0},      {{0, 3}, {3, 1}, 0}};
  for (ScalarType dt : {kFloat, kDouble, kHalf, kLong, kChar, kBool}) {
    for (const View& v : views) {
      Tensor base = (randn({12}) * 3).round().to(dt);
      Tensor src = (randn(v.size) * 3).round().to(dt);
      std::vector<double> want = values(base), sv = values(src);
      int64_t nd = static_cast<int64_t>(v.size.size()), n = src.numel();
      for (int64_t i = 0; i < n; ++i) {  // the i-th element of the view in row-major order
        int64_t off = v.offset, rest = i;
        for (int64_t d = nd - 1; d >= 0; --d) {
          off += rest % v.size[d] * v.stride[d];
          rest /= v.size[d];
        }
        want[off] = dt == kBool ? double(want[off] != 0 || sv[i] != 0) : want[off] + sv[i];
      }
      strided_add_stub.get(kCPU)(base.as_strided(v.size, v.stride, v.offset), src);
      EXPECT_TRUE(matches(base, want, 0)) << toString(dt) << " view of " << v.size.size() << "d";
    }
  }
}

// flip of every subset of dims, on contiguous and permuted inputs of each element size, against
// an index loop; 0-dim and zero-size inputs.
TEST(CpuShape, FlipEveryDimSubset) {
  for (ScalarType dt : {kBool, kChar, kHalf, kInt, kDouble}) {
    Tensor c = (randn({3, 4, 5}) * 50).round().to(dt);
    for (const Tensor& x : {c, c.permute({2, 0, 1})}) {
      std::vector<double> xv = values(x);
      const int64_t A = x.size(0), B = x.size(1), C = x.size(2);
      for (int mask = 0; mask < 8; ++mask) {
        std::vector<int64_t> dims;
        for (int64_t d = 0; d < 3; ++d)
          if (mask >> d & 1) dims.push_back(d);
        std::vector<double> want(xv.size());
        for (int64_t a = 0; a < A; ++a)
          for (int64_t b = 0; b < B; ++b)
            for (int64_t k = 0; k < C; ++k) {
              int64_t fa = mask & 1 ? A - 1 - a : a, fb = mask & 2 ? B - 1 - b : b,
                      fk = mask & 4 ? C - 1 - k : k;
              want[(a * B + b) * C + k] = xv[(fa * B + fb) * C + fk];
            }
        Tensor y = flip(x, dims);
        EXPECT_TRUE(y.is_contiguous());
        EXPECT_TRUE(matches(y, want, 0)) << toString(dt) << " mask " << mask;
      }
    }
  }
  EXPECT_TRUE(matches(flip(tensor(2.5), {}), {2.5}, 0));
  EXPECT_EQ(flip(zeros({0, 3}), {0, 1}).sizes(), IntArrayRef({0, 3}));
}

// tril/triu for diagonals on both sides and past the edges, wide, tall and 1x1 matrices, a batch
// of many rows split over threads, byte-sized and wider dtypes, in place and out of place.
TEST(CpuShape, TrilTriuMasks) {
  Threads threads(4);
  for (ScalarType dt : {kBool, kChar, kFloat, kDouble}) {
    for (auto [batch, r, c] :
         std::vector<std::array<int64_t, 3>>{{1, 4, 6}, {2, 6, 4}, {1, 1, 1}, {300, 3, 5}}) {
      Tensor x =
          dt == kBool ? ones({batch, r, c}, kBool) : (randn({batch, r, c}) * 5 + 20).round().to(dt);
      std::vector<double> xv = values(x);
      for (int64_t diag : {-7, -2, -1, 0, 1, 3, 8}) {
        for (bool lower : {true, false}) {
          std::vector<double> want(xv.size());
          for (int64_t i = 0; i < batch * r * c; ++i) {
            int64_t row = i / c % r, col = i % c;
            bool keep = lower ? col - row <= diag : col - row >= diag;
            want[i] = keep ? xv[i] : 0.0;
          }
          Tensor y = lower ? tril(x, diag) : triu(x, diag);
          Tensor z = x.clone();
          if (lower) {
            z.tril_(diag);
          } else {
            z.triu_(diag);
          }
          std::string at = std::string(toString(dt)) + " " + std::to_string(r) + "x" +
                           std::to_string(c) + " diag " + std::to_string(diag) +
                           (lower ? " tril" : " triu");
          EXPECT_TRUE(matches(y, want, 0)) << at;
          EXPECT_TRUE(matches(z, want, 0)) << at;
        }
      }
    }
  }
}

}  // namespace
