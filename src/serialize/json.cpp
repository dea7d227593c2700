// The strict JSON pull reader (see json.h).
#include "src/serialize/json.h"

namespace ember {
namespace json {

namespace {
// Offset of the first byte that starts an invalid sequence, or npos.
size_t utf8_error(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;  // continuation byte, overlong lead (c0, c1) or > f4
    }
    if (n - i < len) return i;
    for (size_t k = 1; k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff))) return i;
    if (cp >= 0xd800 && cp <= 0xdfff) return i;
    i += len;
  }
  return std::string_view::npos;
}
}  // namespace

bool valid_utf8(std::string_view s) { return utf8_error(s) == std::string_view::npos; }

std::string quote(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

Reader::Reader(std::string_view text, size_t max_depth) : s_(text), max_depth_(max_depth) {
  size_t bad = utf8_error(text);
  if (bad != std::string_view::npos) {
    pos_ = bad;
    fail("text is not valid UTF-8");
  }
}

void Reader::fail(const std::string& what) const {
  throw JsonError(what + " at byte " + std::to_string(pos_));
}

void Reader::skip_ws() {
  while (pos_ < s_.size()) {
    char c = s_[pos_];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
    ++pos_;
  }
}

void Reader::expect(char c, const char* what) {
  skip_ws();
  if (pos_ >= s_.size() || s_[pos_] != c) fail(std::string("expected ") + what);
  ++pos_;
}

Reader::Type Reader::peek() {
  skip_ws();
  if (pos_ >= s_.size()) fail("unexpected end of input (expected a value)");
  char c = s_[pos_];
  switch (c) {
    case '{':
      return Type::Object;
    case '[':
      return Type::Array;
    case '"':
      return Type::String;
    case 't':
    case 'f':
      return Type::Bool;
    case 'n':
      return Type::Null;
    default:
      if (c == '-' || (c >= '0' && c <= '9')) return Type::Number;
      fail("unexpected character (expected a value)");
  }
}

void Reader::push() {
  if (first_.size() >= max_depth_)
    fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
  first_.push_back(true);
}

void Reader::begin_object() {
  if (peek() != Type::Object) fail("expected an object");
  push();
  close_.push_back('}');
  ++pos_;
}

void Reader::begin_array() {
  if (peek() != Type::Array) fail("expected an array");
  push();
  close_.push_back(']');
  ++pos_;
}

bool Reader::next_in(char close) {
  if (close_.empty() || close_.back() != close) fail("reader misuse: not inside this container");
  skip_ws();
  if (pos_ >= s_.size()) fail("unexpected end of input (unterminated container)");
  if (s_[pos_] == close) {
    ++pos_;
    first_.pop_back();
    close_.pop_back();
    return false;
  }
  if (!first_.back()) {
    if (s_[pos_] != ',') fail(close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    ++pos_;
  }
  first_.back() = false;
  return true;
}

bool Reader::next_member(std::string& key) {
  if (!next_in('}')) return false;
  skip_ws();
  if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
  key = read_string();
  expect(':', "':' after an object key");
  return true;
}

bool Reader::next_element() { return next_in(']'); }

namespace {
int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}
}  // namespace

std::string Reader::read_string() {
  if (peek() != Type::String) fail("expected a string");
  ++pos_;
  std::string out;
  auto hex4 = [&]() -> uint32_t {
    if (s_.size() - pos_ < 4) fail("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      int d = hex_digit(s_[pos_ + static_cast<size_t>(k)]);
      if (d < 0) fail("bad hex digit in \\u escape");
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    pos_ += 4;
    return v;
  };
  while (true) {
    if (pos_ >= s_.size()) fail("unterminated string");
    char c = s_[pos_];
    if (c == '"') {
      ++pos_;
      return out;
    }
    if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
    if (c != '\\') {
      out += c;
      ++pos_;
      continue;
    }
    ++pos_;
    if (pos_ >= s_.size()) fail("unterminated escape");
    char e = s_[pos_++];
    switch (e) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp = hex4();
        if (cp >= 0xdc00 && cp <= 0xdfff) fail("lone trailing surrogate in \\u escape");
        if (cp >= 0xd800 && cp <= 0xdbff) {
          if (s_.size() - pos_ < 2 || s_[pos_] != '\\' || s_[pos_ + 1] != 'u')
            fail("lone leading surrogate in \\u escape");
          pos_ += 2;
          uint32_t lo = hex4();
          if (lo < 0xdc00 || lo > 0xdfff) fail("lone leading surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        append_utf8(out, cp);
        break;
      }
      default:
        --pos_;
        fail("invalid escape");
    }
  }
}

std::string_view Reader::number_token() {
  if (peek() != Type::Number) fail("expected a number");
  size_t start = pos_;
  auto digit = [&] { return pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9'; };
  if (s_[pos_] == '-') ++pos_;
  if (!digit()) fail("malformed number");
  if (s_[pos_] == '0') {
    ++pos_;
  } else {
    while (digit()) ++pos_;
  }
  if (pos_ < s_.size() && s_[pos_] == '.') {
    ++pos_;
    if (!digit()) fail("malformed number");
    while (digit()) ++pos_;
  }
  if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
    ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
    if (!digit()) fail("malformed number");
    while (digit()) ++pos_;
  }
  return s_.substr(start, pos_ - start);
}

uint64_t Reader::read_uint64() {
  size_t start = pos_;
  std::string_view tok = number_token();
  auto bad = [&](const char* why) {
    pos_ = start;
    skip_ws();
    fail(std::string("expected a non-negative integer, got ") + std::string(tok) + " (" + why +
         ")");
  };
  if (tok[0] == '-') bad("negative");
  if (tok.find_first_of(".eE") != std::string_view::npos) bad("not an integer");
  uint64_t v = 0;
  for (char c : tok) {
    auto d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) bad("too large");
    v = v * 10 + d;
  }
  return v;
}

bool Reader::read_bool() {
  if (peek() != Type::Bool) fail("expected true or false");
  if (s_.substr(pos_, 4) == "true") {
    pos_ += 4;
    return true;
  }
  if (s_.substr(pos_, 5) == "false") {
    pos_ += 5;
    return false;
  }
  fail("invalid literal");
}

void Reader::read_null() {
  if (peek() != Type::Null || s_.substr(pos_, 4) != "null") fail("expected null");
  pos_ += 4;
}

void Reader::skip_value() {
  size_t base = depth();
  std::string key;
  auto start_one = [&] {
    switch (peek()) {
      case Type::Object:
        begin_object();
        break;
      case Type::Array:
        begin_array();
        break;
      case Type::String:
        read_string();
        break;
      case Type::Number:
        number_token();
        break;
      case Type::Bool:
        read_bool();
        break;
      case Type::Null:
        read_null();
        break;
    }
  };
  start_one();
  while (depth() > base) {
    bool more = close_.back() == '}' ? next_member(key) : next_element();
    if (more) start_one();
  }
}

void Reader::finish() {
  if (!first_.empty()) fail("unterminated container");
  skip_ws();
  if (pos_ != s_.size()) fail("trailing characters after the JSON value");
}

}  // namespace json
}  // namespace ember
