#pragma once
// IValue: a tagged value (None, bool, int, double, string, Tensor, list of tensors) as c10::IValue,
// for AutogradContext::saved_data and, later, checkpoint containers.
#include <string>
#include <variant>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

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

  bool toBool() const { return get<bool>("Bool"); }
  int64_t toInt() const { return get<int64_t>("Int"); }
  double toDouble() const {
    if (isInt()) return static_cast<double>(toInt());
    return get<double>("Double");
  }
  const std::string& toStringRef() const { return get<std::string>("String"); }
  const Tensor& toTensor() const { return get<Tensor>("Tensor"); }
  const std::vector<Tensor>& toTensorList() const { return get<std::vector<Tensor>>("TensorList"); }
  const char* tagKind() const {
    static const char* names[] = {"None", "Bool", "Int", "Double", "String", "Tensor", "TensorList"};
    return names[v_.index()];
  }

 private:
  template <class T>
  const T& get(const char* want) const {
    const T* p = std::get_if<T>(&v_);
    EMBER_CHECK(p != nullptr, "[IValue] expected ", want, " but got ", tagKind());
    return *p;
  }
  std::variant<std::monostate, bool, int64_t, double, std::string, Tensor, std::vector<Tensor>> v_;
};

}  // namespace ember
