#pragma once
// IValue: a tagged value as c10::IValue: None, bool, int, double, string, Tensor, list of tensors,
// the containers a checkpoint holds (generic lists, tuples and insertion-ordered dicts), and the
// dtype and device objects a checkpoint may name (torch.float32, torch.device('cuda', 1)).
// Containers have reference semantics (copies of an IValue share them), as in c10.
#include <iosfwd>
#include <memory>
#include <new>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

class IValue;
using GenericList = std::vector<IValue>;
struct Tuple;
class GenericDict;

class IValue {
 public:
  // The kinds, in the order tagKind() names them.
  enum class Tag : uint8_t {
    None,
    Bool,
    Int,
    Double,
    String,
    Tensor,
    TensorList,
    GenericList,
    Tuple,
    GenericDict,
    ScalarType,
    Device
  };

  IValue() noexcept {}
  IValue(const IValue& other);
  IValue(IValue&& other) noexcept;
  IValue& operator=(const IValue& other);
  IValue& operator=(IValue&& other) noexcept;
  ~IValue() {
    if (tag_ >= Tag::String && tag_ <= Tag::GenericDict) destroy();
  }

  IValue(bool v) : tag_(Tag::Bool) { b_ = v; }
  template <class T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  IValue(T v) : tag_(Tag::Int) {
    i_ = static_cast<int64_t>(v);
  }
  IValue(double v) : tag_(Tag::Double) { d_ = v; }
  IValue(float v) : tag_(Tag::Double) { d_ = static_cast<double>(v); }
  IValue(std::string v);
  IValue(const char* v);
  IValue(Tensor v);
  IValue(std::vector<Tensor> v);
  IValue(GenericList v);
  IValue(std::shared_ptr<GenericList> v);
  IValue(std::shared_ptr<Tuple> v);
  IValue(GenericDict v);
  IValue(std::shared_ptr<GenericDict> v);
  IValue(ScalarType v) : tag_(Tag::ScalarType) { st_ = v; }
  IValue(Device v) : tag_(Tag::Device) {
    dev_.type = v.type();
    dev_.index = v.index();
  }
  IValue(const Scalar& s);

  Tag tag() const noexcept { return tag_; }
  bool isNone() const { return tag_ == Tag::None; }
  bool isBool() const { return tag_ == Tag::Bool; }
  bool isInt() const { return tag_ == Tag::Int; }
  bool isDouble() const { return tag_ == Tag::Double; }
  bool isString() const { return tag_ == Tag::String; }
  bool isTensor() const { return tag_ == Tag::Tensor; }
  bool isTensorList() const { return tag_ == Tag::TensorList; }
  bool isList() const { return tag_ == Tag::GenericList; }
  bool isTuple() const { return tag_ == Tag::Tuple; }
  bool isGenericDict() const { return tag_ == Tag::GenericDict; }
  bool isScalarType() const { return tag_ == Tag::ScalarType; }
  bool isDevice() const { return tag_ == Tag::Device; }

  bool toBool() const {
    expect(Tag::Bool);
    return b_;
  }
  int64_t toInt() const {
    expect(Tag::Int);
    return i_;
  }
  double toDouble() const {
    if (isInt()) return static_cast<double>(i_);
    expect(Tag::Double);
    return d_;
  }
  const std::string& toStringRef() const { return object<std::string>(Tag::String); }
  const Tensor& toTensor() const { return object<Tensor>(Tag::Tensor); }
  const std::vector<Tensor>& toTensorList() const {
    return object<std::vector<Tensor>>(Tag::TensorList);
  }
  // Containers: the references stay valid while any IValue shares the container.
  GenericList& toList() const { return *object<std::shared_ptr<GenericList>>(Tag::GenericList); }
  const std::shared_ptr<Tuple>& toTuple() const {
    return object<std::shared_ptr<Tuple>>(Tag::Tuple);
  }
  GenericDict& toGenericDict() const {
    return *object<std::shared_ptr<GenericDict>>(Tag::GenericDict);
  }
  // As in c10, an Int holding a ScalarType's code converts too.
  ScalarType toScalarType() const {
    if (isInt()) return static_cast<ScalarType>(i_);
    expect(Tag::ScalarType);
    return st_;
  }
  Device toDevice() const {
    expect(Tag::Device);
    return Device(dev_.type, dev_.index);
  }
  const char* tagKind() const noexcept { return tag_name(tag_); }
  static const char* tag_name(Tag t) noexcept;

  // Identity of containers and tensors, value equality otherwise (c10's `is`).
  bool is(const IValue& other) const;

 private:
  // Tagged storage instead of std::variant: the copy, move and destroy of the object kinds live in
  // ivalue.cpp, so a program including <torch/torch.h> doesn't instantiate them.
  void expect(Tag want) const {
    if (tag_ != want) wrong_kind(want);
  }
  [[noreturn]] void wrong_kind(Tag want) const;
  template <class T>
  const T& object(Tag want) const {
    expect(want);
    return *std::launder(reinterpret_cast<const T*>(obj_));
  }
  void copy_from(const IValue& other);
  void move_from(IValue& other) noexcept;
  void destroy() noexcept;

  Tag tag_ = Tag::None;
  union {
    bool b_;
    int64_t i_;
    double d_;
    ScalarType st_;
    struct {
      DeviceType type;
      DeviceIndex index;
    } dev_;
    // std::string, Tensor, std::vector<Tensor> or a shared_ptr to a container (ivalue.cpp).
    alignas(8) unsigned char obj_[32];
  };
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
