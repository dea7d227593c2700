#pragma once
// Maps libtorch's namespaces (torch::, at::, c10::) onto ember.
#include "ember/core/ivalue.h"
#include "ember/cuda.h"
#include "ember/ember.h"

namespace torch {
using namespace ::ember;  // NOLINT
template <class T>
using optional = std::optional<T>;
using std::make_optional;
using std::nullopt;
namespace autograd {
using namespace ::ember::autograd;  // NOLINT
}
}  // namespace torch
namespace at {
using namespace ::ember;  // NOLINT
}
namespace c10 {
using namespace ::ember;  // NOLINT
using ::ember::IValue;
template <class T>
using optional = std::optional<T>;
constexpr auto nullopt = std::nullopt;
// c10::str(a, b, ...): the arguments streamed into one string (torch::str too).
template <class... Args>
std::string str(const Args&... args) {
  return ::ember::detail::str_cat(args...);
}
}  // namespace c10
namespace torch {
using ::c10::str;
}  // namespace torch
