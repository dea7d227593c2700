#pragma once
// IValue: a tagged value as c10::IValue: None, bool, int, double, string, Tensor, list of tensors,
// the containers a checkpoint holds (generic lists, tuples and insertion-ordered dicts), and the
// dtype and device objects a checkpoint may name (torch.float32, torch.device('cuda', 1)).
// Containers have reference semantics (copies of an IValue share them), as in c10.
#include <iosfwd>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

class IValue;
using GenericList = std::vector<IValue>;
struct Tuple;
class GenericDict;

class IValue {
 public:
  IValue() = default;
  IValue(bool v) : v_(v) {}
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  IValue(T v) : v_(static_cast<int64_t>(v)) {}
  IValue(double v) : v_(v) {}
  IValue(float v) : v_(static_cast<double>(v)) {}
  IValue(std::string v) : v_(std::move(v)) {}
  IValue(const char* v) : v_(std::string(v)) {}
  IValue(Tensor v) : v_(std::move(v)) {}
  IValue(std::vector<Tensor> v) : v_(std::move(v)) {}
  IValue(GenericList v);
  IValue(std::shared_ptr<GenericList> v) : v_(std::move(v)) {}
  IValue(std::shared_ptr<Tuple> v) : v_(std::move(v)) {}
  IValue(GenericDict v);
  IValue(std::shared_ptr<GenericDict> v) : v_(std::move(v)) {}
  IValue(ScalarType v) : v_(v) {}
  IValue(Device v) : v_(v) {}
  IValue(const Scalar& s) {
    if (s.isFloatingPoint()) {
      v_ = s.toDouble();
    } else if (s.isBoolean()) {
      v_ = s.toBool();
    } else {
      v_ = s.toLong();
    }
  }

  bool isNone() const { return v_.index() == 0; }
  bool isBool() const { return std::holds_alternative<bool>(v_); }
  bool isInt() const { return std::holds_alternative<int64_t>(v_); }
  bool isDouble() const { return std::holds_alternative<double>(v_); }
  bool isString() const { return std::holds_alternative<std::string>(v_); }
  bool isTensor() const { return std::holds_alternative<Tensor>(v_); }
  bool isTensorList() const { return std::holds_alternative<std::vector<Tensor>>(v_); }
  bool isList() const { return std::holds_alternative<std::shared_ptr<GenericList>>(v_); }
  bool isTuple() const { return std::holds_alternative<std::shared_ptr<Tuple>>(v_); }
  bool isGenericDict() const { return std::holds_alternative<std::shared_ptr<GenericDict>>(v_); }
  bool isScalarType() const { return std::holds_alternative<ScalarType>(v_); }
  bool isDevice() const { return std::holds_alternative<Device>(v_); }

  bool toBool() const { return get<bool>("Bool"); }
  int64_t toInt() const { return get<int64_t>("Int"); }
  double toDouble() const {
    if (isInt()) return static_cast<double>(toInt());
    return get<double>("Double");
  }
  const std::string& toStringRef() const { return get<std::string>("String"); }
  const Tensor& toTensor() const { return get<Tensor>("Tensor"); }
  const std::vector<Tensor>& toTensorList() const { return get<std::vector<Tensor>>("TensorList"); }
  // Containers: the references stay valid while any IValue shares the container.
  GenericList& toList() const { return *get<std::shared_ptr<GenericList>>("GenericList"); }
  const std::shared_ptr<Tuple>& toTuple() const { return get<std::shared_ptr<Tuple>>("Tuple"); }
  GenericDict& toGenericDict() const { return *get<std::shared_ptr<GenericDict>>("GenericDict"); }
  // As in c10, an Int holding a ScalarType's code converts too.
  ScalarType toScalarType() const {
    if (isInt()) return static_cast<ScalarType>(toInt());
    return get<ScalarType>("ScalarType");
  }
  Device toDevice() const { return get<Device>("Device"); }
  const char* tagKind() const {
    static const char* names[] = {"None",   "Bool",        "Int",        "Double",
                                  "String", "Tensor",      "TensorList", "GenericList",
                                  "Tuple",  "GenericDict", "ScalarType", "Device"};
    const size_t i = v_.index();
    return i < sizeof(names) / sizeof(names[0]) ? names[i] : "Invalid";
  }

  // Identity of containers and tensors, value equality otherwise (c10's `is`).
  bool is(const IValue& other) const;

 private:
  template <class T>
  const T& get(const char* want) const {
    const T* p = std::get_if<T>(&v_);
    EMBER_CHECK(p != nullptr, "[IValue] expected ", want, " but got ", tagKind());
    return *p;
  }
  std::variant<std::monostate, bool, int64_t, double, std::string, Tensor, std::vector<Tensor>,
               std::shared_ptr<GenericList>, std::shared_ptr<Tuple>, std::shared_ptr<GenericDict>,
               ScalarType, Device>
      v_;
};

struct Tuple {
  explicit Tuple(std::vector<IValue> elements) : elements_(std::move(elements)) {}
  static std::shared_ptr<Tuple> create(std::vector<IValue> elements) {
    return std::make_shared<Tuple>(std::move(elements));
  }
  const std::vector<IValue>& elements() const { return elements_; }
  size_t size() const { return elements_.size(); }

  std::vector<IValue> elements_;
};

// Insertion-ordered dict with keys None/bool/int/double/string compared as Python does
// (True == 1 == 1.0).
class GenericDict {
 public:
  class Entry {
   public:
    Entry(IValue k, IValue v) : key_(std::move(k)), value_(std::move(v)) {}
    const IValue& key() const { return key_; }
    const IValue& value() const { return value_; }
    IValue& value() { return value_; }

   private:
    friend class GenericDict;
    IValue key_, value_;
  };

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Sets key to value; an existing key keeps its position (as a Python dict).
  void insert_or_assign(IValue key, IValue value);
  bool contains(const IValue& key) const { return find(key) != nullptr; }
  const IValue* find(const IValue& key) const;
  const IValue& at(const IValue& key) const;
  std::vector<Entry>::const_iterator begin() const { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const { return entries_.end(); }

 private:
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> index_;
};

// Python's repr: None, True, 3, 1.5, 'str', [..], (x,), {k: v}, torch.float32,
// device(type='cuda', index=1); tensors print as Tensor does.
std::ostream& operator<<(std::ostream& os, const IValue& v);

}  // namespace ember
