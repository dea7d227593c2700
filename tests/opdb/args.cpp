// Reading sample arguments and dtype names from the golden files.
#include <stdexcept>

#include "opdb/opdb.h"

namespace ember {
namespace opdb {

ScalarType parse_dtype(const std::string& name) {
  for (ScalarType t : kAllScalarTypes)
    if (dtype_name(t) == "torch." + name) return t;
  throw std::runtime_error("unknown dtype '" + name + "' in golden file");
}

const Json& Args::get(std::string_view name) const {
  const Json* v = kwargs_ ? kwargs_->find(name) : nullptr;
  if (!v) throw std::runtime_error("sample has no argument '" + std::string(name) + "'");
  return *v;
}

bool Args::has(std::string_view name) const {
  const Json* v = kwargs_ ? kwargs_->find(name) : nullptr;
  return v && !v->is_null();
}

std::vector<int64_t> Args::int_list(std::string_view name) const {
  const Json& v = get(name);
  if (v.kind() == Json::Kind::Number) return {v.integer()};
  return v.ints();
}

ScalarType Args::dtype(std::string_view name) const { return parse_dtype(get(name).string()); }

TensorOptions Args::options() const {
  const Json& v = get("dtype");
  return v.is_null() ? TensorOptions() : TensorOptions().dtype(parse_dtype(v.string()));
}

Scalar Args::scalar(std::string_view name) const {
  const Json& v = get(name);
  if (v.kind() == Json::Kind::Bool) return Scalar(v.boolean());
  if (v.is_integer()) return Scalar(v.integer());
  return Scalar(v.number());
}

}  // namespace opdb
}  // namespace ember
