#include "opdb/json.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>

namespace ember {
namespace opdb {

class JsonParser {
 public:
  explicit JsonParser(std::string_view s) : s_(s) {}

  Json document() {
    Json v = value();
    skip_ws();
    if (pos_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("json: " + what + " at offset " + std::to_string(pos_));
  }
  void skip_ws() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool consume(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  void expect(char c) {
    skip_ws();
    if (pos_ >= s_.size() || s_[pos_] != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  Json value() {
    skip_ws();
    if (pos_ >= s_.size()) fail("unexpected end");
    Json v;
    char c = s_[pos_];
    if (c == '{') {
      v.kind_ = Json::Kind::Object;
      ++pos_;
      skip_ws();
      if (consume("}")) return v;
      do {
        skip_ws();
        std::string key = string_literal();
        expect(':');
        v.object_.emplace_back(std::move(key), value());
        skip_ws();
      } while (consume(","));
      expect('}');
    } else if (c == '[') {
      v.kind_ = Json::Kind::Array;
      ++pos_;
      skip_ws();
      if (consume("]")) return v;
      do {
        v.array_.push_back(value());
        skip_ws();
      } while (consume(","));
      expect(']');
    } else if (c == '"') {
      v.kind_ = Json::Kind::String;
      v.string_ = string_literal();
    } else if (consume("true")) {
      v.kind_ = Json::Kind::Bool;
      v.bool_ = true;
    } else if (consume("false")) {
      v.kind_ = Json::Kind::Bool;
    } else if (consume("null")) {
      v.kind_ = Json::Kind::Null;
    } else {
      v.kind_ = Json::Kind::Number;
      number(v);
    }
    return v;
  }

  void number(Json& v) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (consume("NaN")) {
      v.number_ = std::numeric_limits<double>::quiet_NaN();
    } else if (consume("Infinity")) {
      v.number_ = inf;
    } else if (consume("-Infinity")) {
      v.number_ = -inf;
    } else {
      size_t start = pos_;
      bool integer = true;
      while (pos_ < s_.size() &&
             std::string_view("+-0123456789.eE").find(s_[pos_]) != std::string_view::npos) {
        if (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E') integer = false;
        ++pos_;
      }
      if (pos_ == start) fail("unexpected character");
      std::string text(s_.substr(start, pos_ - start));
      char* end = nullptr;
      v.number_ = std::strtod(text.c_str(), &end);
      if (end != text.c_str() + text.size()) fail("bad number '" + text + "'");
      v.integer_ = integer;
    }
  }

  std::string string_literal() {
    if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string");
    ++pos_;
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated escape");
      char e = s_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          // Golden files are ASCII; anything else is kept as '?' (only messages use strings).
          if (pos_ + 4 > s_.size()) fail("short \\u escape");
          unsigned code =
              static_cast<unsigned>(std::stoul(std::string(s_.substr(pos_, 4)), nullptr, 16));
          pos_ += 4;
          out += code < 0x80 ? static_cast<char>(code) : '?';
          break;
        }
        default:
          out += e;  // \" \\ \/
      }
    }
    if (pos_ >= s_.size()) fail("unterminated string");
    ++pos_;
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

Json Json::parse(std::string_view text) { return JsonParser(text).document(); }

namespace {
[[noreturn]] void type_error(const char* want) {
  throw std::runtime_error(std::string("json: value is not ") + want);
}
}  // namespace

bool Json::boolean() const {
  if (kind_ != Kind::Bool) type_error("a bool");
  return bool_;
}
double Json::number() const {
  if (kind_ != Kind::Number) type_error("a number");
  return number_;
}
int64_t Json::integer() const {
  if (!is_integer()) type_error("an integer");
  return static_cast<int64_t>(number_);
}
const std::string& Json::string() const {
  if (kind_ != Kind::String) type_error("a string");
  return string_;
}
const std::vector<Json>& Json::items() const {
  if (kind_ != Kind::Array) type_error("an array");
  return array_;
}
size_t Json::size() const { return items().size(); }
const Json& Json::operator[](size_t i) const {
  if (i >= items().size()) throw std::runtime_error("json: array index out of range");
  return array_[i];
}
std::vector<int64_t> Json::ints() const {
  std::vector<int64_t> out;
  for (const Json& v : items()) out.push_back(v.integer());
  return out;
}
std::vector<double> Json::numbers() const {
  std::vector<double> out;
  for (const Json& v : items()) out.push_back(v.number());
  return out;
}
const std::vector<std::pair<std::string, Json>>& Json::members() const {
  if (kind_ != Kind::Object) type_error("an object");
  return object_;
}
const Json* Json::find(std::string_view key) const {
  for (const auto& [k, v] : members())
    if (k == key) return &v;
  return nullptr;
}
const Json& Json::operator[](std::string_view key) const {
  const Json* v = find(key);
  if (!v) throw std::runtime_error("json: missing key '" + std::string(key) + "'");
  return *v;
}

}  // namespace opdb
}  // namespace ember
