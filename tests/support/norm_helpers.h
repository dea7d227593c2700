#pragma once
// Closed-form inputs shared with tools/gen_normalization_cases.py (seq, probe), and a golden
// vector reshaped into a tensor.
#include <vector>

#include "support/gradcheck.h"

namespace ember {
namespace testing {

inline int64_t numel_of(IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}
// sin(arange(n) * (0.7 + 0.1 * seed) + seed) * 2
inline Tensor seq(IntArrayRef shape, int seed, ScalarType dt = kDouble) {
  Tensor a = arange(numel_of(shape), kDouble);
  return ((a * (0.7 + 0.1 * seed) + static_cast<double>(seed)).sin() * 2).reshape(shape).to(dt);
}
// cos(arange(n) * 0.3): the weights of the scalar loss sum(out * probe).
inline Tensor probe(IntArrayRef shape, ScalarType dt = kDouble) {
  return (arange(numel_of(shape), kDouble) * 0.3).cos().reshape(shape).to(dt);
}
inline Tensor gold(const std::vector<double>& v, IntArrayRef shape) {
  return from_blob(const_cast<double*>(v.data()), {static_cast<int64_t>(v.size())}, kDouble)
      .clone()
      .reshape(shape);
}
// Gradients of sum(out * probe) with respect to xs (undefined where unused).
inline variable_list probe_grads(const Tensor& out, const variable_list& xs) {
  Tensor loss = (out * probe(out.sizes(), out.scalar_type())).sum();
  return autograd::grad({loss}, xs, {}, std::nullopt, false, true);
}
inline Tensor leaf(const Tensor& t) { return t.detach().clone().requires_grad_(true); }

}  // namespace testing
}  // namespace ember
