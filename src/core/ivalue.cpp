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

// The object kinds live in obj_, constructed in place; these are their only users.
using ListPtr = std::shared_ptr<GenericList>;
using TuplePtr = std::shared_ptr<Tuple>;
using DictPtr = std::shared_ptr<GenericDict>;
template <class T>
constexpr bool kFits = sizeof(T) <= 32 && alignof(T) <= 8;
static_assert(kFits<std::string> && kFits<Tensor> && kFits<std::vector<Tensor>> && kFits<ListPtr> &&
              kFits<TuplePtr> && kFits<DictPtr>);

// Calls f(static type tag) with a null pointer of the object type stored under tag t.
template <class F>
void with_object_type(IValue::Tag t, F&& f) {
  switch (t) {
    case IValue::Tag::String:
      f(static_cast<std::string*>(nullptr));
      break;
    case IValue::Tag::Tensor:
      f(static_cast<Tensor*>(nullptr));
      break;
    case IValue::Tag::TensorList:
      f(static_cast<std::vector<Tensor>*>(nullptr));
      break;
    case IValue::Tag::GenericList:
      f(static_cast<ListPtr*>(nullptr));
      break;
    case IValue::Tag::Tuple:
      f(static_cast<TuplePtr*>(nullptr));
      break;
    case IValue::Tag::GenericDict:
      f(static_cast<DictPtr*>(nullptr));
      break;
    default:
      break;
  }
}

IValue::IValue(std::string v) : tag_(Tag::String) { new (obj_) std::string(std::move(v)); }
IValue::IValue(const char* v) : tag_(Tag::String) { new (obj_) std::string(v); }
IValue::IValue(Tensor v) : tag_(Tag::Tensor) { new (obj_) Tensor(std::move(v)); }
IValue::IValue(std::vector<Tensor> v) : tag_(Tag::TensorList) {
  new (obj_) std::vector<Tensor>(std::move(v));
}
IValue::IValue(GenericList v) : tag_(Tag::GenericList) {
  new (obj_) ListPtr(std::make_shared<GenericList>(std::move(v)));
}
IValue::IValue(std::shared_ptr<GenericList> v) : tag_(Tag::GenericList) {
  new (obj_) ListPtr(std::move(v));
}
IValue::IValue(std::shared_ptr<Tuple> v) : tag_(Tag::Tuple) { new (obj_) TuplePtr(std::move(v)); }
IValue::IValue(GenericDict v) : tag_(Tag::GenericDict) {
  new (obj_) DictPtr(std::make_shared<GenericDict>(std::move(v)));
}
IValue::IValue(std::shared_ptr<GenericDict> v) : tag_(Tag::GenericDict) {
  new (obj_) DictPtr(std::move(v));
}
IValue::IValue(const Scalar& s) {
  if (s.isFloatingPoint()) {
    tag_ = Tag::Double;
    d_ = s.toDouble();
  } else if (s.isBoolean()) {
    tag_ = Tag::Bool;
    b_ = s.toBool();
  } else {
    tag_ = Tag::Int;
    i_ = s.toLong();
  }
}

void IValue::copy_from(const IValue& other) {
  tag_ = other.tag_;
  if (tag_ >= Tag::String && tag_ <= Tag::GenericDict) {
    with_object_type(tag_, [&](auto* type) {
      using T = std::remove_pointer_t<decltype(type)>;
      new (obj_) T(*std::launder(reinterpret_cast<const T*>(other.obj_)));
    });
  } else {
    std::memcpy(obj_, other.obj_, sizeof(obj_));
  }
}
void IValue::move_from(IValue& other) noexcept {
  tag_ = other.tag_;
  if (tag_ >= Tag::String && tag_ <= Tag::GenericDict) {
    with_object_type(tag_, [&](auto* type) {
      using T = std::remove_pointer_t<decltype(type)>;
      new (obj_) T(std::move(*std::launder(reinterpret_cast<T*>(other.obj_))));
    });
    other.destroy();
  } else {
    std::memcpy(obj_, other.obj_, sizeof(obj_));
  }
  other.tag_ = Tag::None;  // a moved-from IValue is None, as in c10
}
void IValue::destroy() noexcept {
  with_object_type(tag_, [&](auto* type) {
    using T = std::remove_pointer_t<decltype(type)>;
    std::launder(reinterpret_cast<T*>(obj_))->~T();
  });
}

IValue::IValue(const IValue& other) { copy_from(other); }
IValue::IValue(IValue&& other) noexcept { move_from(other); }
IValue& IValue::operator=(const IValue& other) {
  if (this != &other) {
    IValue copy(other);  // a throwing copy leaves *this as it was
    *this = std::move(copy);
  }
  return *this;
}
IValue& IValue::operator=(IValue&& other) noexcept {
  if (this != &other) {
    // other may live inside what *this holds (v = v.toList()[0]): take it out first.
    IValue taken;
    taken.move_from(other);
    if (tag_ >= Tag::String && tag_ <= Tag::GenericDict) destroy();
    move_from(taken);
  }
  return *this;
}

const char* IValue::tag_name(Tag t) noexcept {
  static const char* names[] = {"None",   "Bool",        "Int",        "Double",
                                "String", "Tensor",      "TensorList", "GenericList",
                                "Tuple",  "GenericDict", "ScalarType", "Device"};
  const auto i = static_cast<size_t>(t);
  return i < sizeof(names) / sizeof(names[0]) ? names[i] : "Invalid";
}

void IValue::wrong_kind(Tag want) const {
  EMBER_ERROR("[IValue] expected ", tag_name(want), " but got ", tagKind());
}

bool IValue::is(const IValue& other) const {
  if (tag_ != other.tag_) return false;
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
