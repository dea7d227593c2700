// Helpers shared by the op tests (tests/ops): literal reference tensors, deterministic inputs for
// gradchecks, exact comparisons, element lists and checks of an ember::Error's message.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "support/error_of.h"
#include "support/gradcheck.h"

namespace ember {
namespace testing {

// A double tensor of the given shape from literal values (PyTorch's numbers in the tests).
inline Tensor ref(std::vector<double> v, IntArrayRef shape) { return tensor(v).reshape(shape); }

// Non-trivial double inputs for gradchecks: element i is scale * i - 1.1.
inline Tensor ramp(IntArrayRef shape, double scale = 0.37) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (arange(n, kDouble) * scale - 1.1).reshape(shape);
}

// Same dtype, shape and values, bit for bit (Tensor::equal is tested by its own op family).
inline bool same(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.sizes() == b.sizes() && all_close(a, b, 0, 0);
}

// The elements of t as int64 / as bools (t must be bool), in order.
inline std::vector<int64_t> ints(const Tensor& t) {
  Tensor c = t.to(kLong).contiguous();
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + c.numel());
}
inline std::vector<bool> bools(const Tensor& t) {
  EXPECT_EQ(t.dtype(), kBool);
  std::vector<bool> out;
  for (int64_t v : ints(t)) out.push_back(v != 0);
  return out;
}

// all_close under a name that does not clash with the op ember::allclose.
inline ::testing::AssertionResult near(const Tensor& actual, const Tensor& expected) {
  return all_close(actual, expected);
}

inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Whether f throws an ember::Error whose message contains text.
inline bool throws_with(const std::function<void()>& f, const std::string& text) {
  try {
    f();
  } catch (const Error& e) {
    return has(e.what(), text);
  }
  return false;
}

}  // namespace testing
}  // namespace ember
