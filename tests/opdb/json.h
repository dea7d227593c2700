#pragma once
// A minimal JSON reader for the golden files (tests/golden/*.json). It accepts what Python's
// json module writes, including the NaN / Infinity / -Infinity literals that strict parsers
// refuse, so the op database needs no third-party dependency. Not a general-purpose library.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ember {
namespace opdb {

class Json {
 public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  // Throws std::runtime_error naming the offset of the first syntax error.
  static Json parse(std::string_view text);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::Null; }
  bool boolean() const;
  double number() const;
  // True for a number written without '.', exponent, NaN or Infinity (Python's int).
  bool is_integer() const { return kind_ == Kind::Number && integer_; }
  int64_t integer() const;
  const std::string& string() const;

  // Arrays.
  size_t size() const;
  const Json& operator[](size_t i) const;
  const std::vector<Json>& items() const;
  std::vector<int64_t> ints() const;
  std::vector<double> numbers() const;

  // Objects: operator[] throws on a missing key, find returns nullptr.
  const Json& operator[](std::string_view key) const;
  const Json* find(std::string_view key) const;
  const std::vector<std::pair<std::string, Json>>& members() const;

 private:
  friend class JsonParser;
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  bool integer_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> array_;
  std::vector<std::pair<std::string, Json>> object_;
};

}  // namespace opdb
}  // namespace ember
