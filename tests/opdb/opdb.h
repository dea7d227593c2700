#pragma once
// The op database: ember's side of tools/gen_golden.py. See tests/opdb/README.md.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ember/ember.h"
#include "opdb/json.h"

namespace ember {
namespace opdb {

// A sample's keyword arguments ("kwargs" in the golden file), read by name.
class Args {
 public:
  explicit Args(const Json* kwargs) : kwargs_(kwargs) {}
  int64_t i(std::string_view name) const { return get(name).integer(); }
  double d(std::string_view name) const { return get(name).number(); }
  bool b(std::string_view name) const { return get(name).boolean(); }
  std::vector<int64_t> ints(std::string_view name) const { return get(name).ints(); }
  std::vector<double> ds(std::string_view name) const { return get(name).numbers(); }
  // An int or a list of ints (kernel_size=2 or [2, 3]), as a list.
  std::vector<int64_t> int_list(std::string_view name) const;
  const std::string& s(std::string_view name) const { return get(name).string(); }
  // Present and not null (Python's None).
  bool has(std::string_view name) const;
  bool is_string(std::string_view name) const { return get(name).kind() == Json::Kind::String; }
  ScalarType dtype(std::string_view name) const;
  // Factory options from the "dtype" argument; null leaves the default dtype.
  TensorOptions options() const;
  // An int stays an int Scalar and a float a double one: they promote differently.
  Scalar scalar(std::string_view name) const;

 private:
  const Json& get(std::string_view name) const;
  const Json* kwargs_;
};

// "float32" -> kFloat (the golden files use Python's dtype names).
ScalarType parse_dtype(const std::string& name);

using X = const variable_list&;
using A = const Args&;

// One table entry's call: a lambda taking the inputs, or the inputs and the sample's arguments.
class OpFn {
 public:
  template <class F>
  OpFn(F f) {  // NOLINT: implicit, so table entries stay one line
    if constexpr (std::is_invocable_v<F, X, A>) {
      fn_ = std::move(f);
    } else {
      fn_ = [f = std::move(f)](X x, A) { return f(x); };
    }
  }
  Tensor operator()(X x, A a) const { return fn_(x, a); }

 private:
  std::function<Tensor(X, A)> fn_;
};

// Op name (as in tools/gen_golden.py) -> the ember call. Defined in op_table.cpp.
const std::map<std::string, OpFn>& op_table();

// "op/sample_id" -> why ember differs from PyTorch there. Defined in op_table.cpp.
const std::map<std::string, std::string>& known_failures();

// The same for the nn families (losses, normalization, conv/pool, attention, RNN cells):
// defined in op_table_nn.cpp. Op names must not repeat those of op_table().
const std::map<std::string, OpFn>& nn_op_table();
const std::map<std::string, std::string>& nn_known_failures();

}  // namespace opdb
}  // namespace ember
