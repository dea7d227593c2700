#pragma once
// A strict, pull-style JSON reader (RFC 8259) for file headers that must be treated as hostile:
// no DOM (memory stays proportional to what the caller keeps), a nesting-depth limit, exact
// integers, UTF-8 checked, lone surrogates and raw control characters refused. Errors throw
// JsonError with the byte offset; callers add their own context. Internal to src/serialize.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ember {
namespace json {

class JsonError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
bool valid_utf8(std::string_view s);
// `s` as a JSON string literal, quoted and escaped as serde_json writes it.
std::string quote(std::string_view s);

class Reader {
 public:
  enum class Type { Object, Array, String, Number, Bool, Null };

  // `text` must outlive the reader.
  explicit Reader(std::string_view text, size_t max_depth = 64);

  // Type of the next value (skips whitespace); throws at end of input or on a bad character.
  Type peek();
  // Objects: begin_object(), then `while (next_member(key)) { read the value }`.
  void begin_object();
  bool next_member(std::string& key);
  // Arrays: begin_array(), then `while (next_element()) { read the value }`.
  void begin_array();
  bool next_element();

  std::string read_string();
  // A number token that is a non-negative integer without fraction or exponent, <= UINT64_MAX.
  uint64_t read_uint64();
  bool read_bool();
  void read_null();
  // Skips one value of any kind, iteratively (depth limit still applies).
  void skip_value();
  // Checks that only whitespace is left.
  void finish();

  size_t offset() const { return pos_; }
  size_t depth() const { return first_.size(); }

 private:
  [[noreturn]] void fail(const std::string& what) const;
  void skip_ws();
  void expect(char c, const char* what);
  void push();
  std::string_view number_token();
  bool next_in(char close);

  std::string_view s_;
  size_t pos_ = 0;
  size_t max_depth_;
  // Per open container: no member/element read yet.
  std::vector<bool> first_;
  std::vector<char> close_;
};

}  // namespace json
}  // namespace ember
