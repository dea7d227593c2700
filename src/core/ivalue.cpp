// IValue containers and Python-style printing (include/ember/core/ivalue.h).
#include "ember/core/ivalue.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ostream>

namespace ember {

namespace {

// Python hashes True, 1 and 1.0 alike; the key string gives them one slot.
std::string dict_key(const IValue& k) {
  std::string out;
  auto integer = [&](int64_t i) {
    out.push_back('i');
    out.append(std::to_string(i));
    return out;
  };
  if (k.isNone()) return "N";
  if (k.isBool()) return integer(k.toBool() ? 1 : 0);
  if (k.isInt()) return integer(k.toInt());
  if (k.isDouble()) {
    const double d = k.toDouble();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18)
      return integer(static_cast<int64_t>(d));
    char buf[9] = {'d'};
    std::memcpy(buf + 1, &d, 8);
    return std::string(buf, 9);
  }
  EMBER_CHECK(k.isString(), "[IValue] dict keys must be None, bool, int, double or string, got ",
              k.tagKind());
  out.push_back('s');
  out.append(k.toStringRef());
  return out;
}

void print_double(std::ostream& os, double d) {
  if (std::isnan(d)) {
    os << "nan";
    return;
  }
  if (std::isinf(d)) {
    os << (d < 0 ? "-inf" : "inf");
    return;
  }
  // Shortest round-trip digits, laid out as Python's repr does.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  const std::string_view s(buf, static_cast<size_t>(res.ptr - buf));
  const size_t e = s.find('e');
  int exp = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+'), s.data() + s.size(), exp);
  std::string digits;
  for (char c : s.substr(0, e))
    if (c != '.' && c != '-') digits.push_back(c);
  if (d < 0) os << '-';
  if (exp >= -4 && exp < 16) {
    const auto n = static_cast<int>(digits.size());
    if (exp < 0) {
      os << "0." << std::string(static_cast<size_t>(-exp - 1), '0') << digits;
    } else if (exp + 1 >= n) {
      os << digits << std::string(static_cast<size_t>(exp + 1 - n), '0') << ".0";
    } else {
      os << std::string_view(digits).substr(0, static_cast<size_t>(exp) + 1) << '.'
         << std::string_view(digits).substr(static_cast<size_t>(exp) + 1);
    }
  } else {
    os << digits[0];
    if (digits.size() > 1) os << '.' << std::string_view(digits).substr(1);
    char eb[16];
    std::snprintf(eb, sizeof(eb), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    os << eb;
  }
}

void print_string(std::ostream& os, const std::string& s) {
  const bool dq = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
  const char q = dq ? '"' : '\'';
  os << q;
  for (unsigned char c : s) {
    if (c == q || c == '\\') {
      os << '\\' << c;
    } else if (c == '\n') {
      os << "\\n";
    } else if (c == '\t') {
      os << "\\t";
    } else if (c == '\r') {
      os << "\\r";
    } else if (c < 0x20 || c == 0x7f) {
      char b[8];
      std::snprintf(b, sizeof(b), "\\x%02x", c);
      os << b;
    } else {
      os << c;
    }
  }
  os << q;
}

}  // namespace

IValue::IValue(GenericList v) : v_(std::make_shared<GenericList>(std::move(v))) {}
IValue::IValue(GenericDict v) : v_(std::make_shared<GenericDict>(std::move(v))) {}

bool IValue::is(const IValue& other) const {
  if (v_.index() != other.v_.index()) return false;
  if (isTensor()) return toTensor().unsafeGetTensorImpl() == other.toTensor().unsafeGetTensorImpl();
  if (isList()) return &toList() == &other.toList();
  if (isTuple()) return toTuple() == other.toTuple();
  if (isGenericDict()) return &toGenericDict() == &other.toGenericDict();
  if (isTensorList()) return false;
  if (isBool()) return toBool() == other.toBool();
  if (isInt()) return toInt() == other.toInt();
  if (isDouble()) return toDouble() == other.toDouble();
  if (isString()) return toStringRef() == other.toStringRef();
  if (isScalarType()) return toScalarType() == other.toScalarType();
  if (isDevice()) return toDevice() == other.toDevice();
  return true;  // None
}

void GenericDict::insert_or_assign(IValue key, IValue value) {
  std::string k = dict_key(key);
  auto it = index_.find(k);
  if (it != index_.end()) {
    entries_[it->second].value_ = std::move(value);
    return;
  }
  index_.emplace(std::move(k), entries_.size());
  entries_.emplace_back(std::move(key), std::move(value));
}

const IValue* GenericDict::find(const IValue& key) const {
  auto it = index_.find(dict_key(key));
  return it == index_.end() ? nullptr : &entries_[it->second].value();
}

const IValue& GenericDict::at(const IValue& key) const {
  const IValue* v = find(key);
  EMBER_CHECK(v != nullptr, "[GenericDict] key ", key, " not found");
  return *v;
}

std::ostream& operator<<(std::ostream& os, const IValue& v) {
  if (v.isNone()) return os << "None";
  if (v.isBool()) return os << (v.toBool() ? "True" : "False");
  if (v.isInt()) return os << v.toInt();
  if (v.isDouble()) {
    print_double(os, v.toDouble());
    return os;
  }
  if (v.isString()) {
    print_string(os, v.toStringRef());
    return os;
  }
  if (v.isTensor()) return os << v.toTensor();
  if (v.isScalarType()) return os << dtype_name(v.toScalarType());
  if (v.isDevice()) {
    const Device d = v.toDevice();
    os << "device(type='" << d.type() << "'";
    if (d.has_index()) os << ", index=" << static_cast<int>(d.index());
    return os << ")";
  }
  if (v.isTensorList()) {
    os << "[";
    const auto& l = v.toTensorList();
    for (size_t i = 0; i < l.size(); ++i) os << (i ? ", " : "") << l[i];
    return os << "]";
  }
  if (v.isList()) {
    os << "[";
    const auto& l = v.toList();
    for (size_t i = 0; i < l.size(); ++i) os << (i ? ", " : "") << l[i];
    return os << "]";
  }
  if (v.isTuple()) {
    const auto& e = v.toTuple()->elements();
    os << "(";
    for (size_t i = 0; i < e.size(); ++i) os << (i ? ", " : "") << e[i];
    return os << (e.size() == 1 ? ",)" : ")");
  }
  os << "{";
  bool first = true;
  for (const auto& e : v.toGenericDict()) {
    os << (first ? "" : ", ") << e.key() << ": " << e.value();
    first = false;
  }
  return os << "}";
}

}  // namespace ember
