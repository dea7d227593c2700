#pragma once
// Factories: empty, zeros, ones, full, arange, linspace, logspace, eye, tensor(...), from_blob,
// *_like. Random factories are in ember/ops/random.h.
#include <functional>
#include <initializer_list>
#include <optional>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

Tensor empty(IntArrayRef size, const TensorOptions& options = {},
             std::optional<MemoryFormat> memory_format = std::nullopt);
Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options = {});
Tensor zeros(IntArrayRef size, const TensorOptions& options = {});
Tensor ones(IntArrayRef size, const TensorOptions& options = {});
Tensor full(IntArrayRef size, const Scalar& fill_value, const TensorOptions& options = {});
Tensor scalar_tensor(const Scalar& s, const TensorOptions& options = {});
Tensor empty_like(const Tensor& self, const TensorOptions& options = {},
                  std::optional<MemoryFormat> memory_format = std::nullopt);
Tensor zeros_like(const Tensor& self, const TensorOptions& options = {},
                  std::optional<MemoryFormat> memory_format = std::nullopt);
Tensor ones_like(const Tensor& self, const TensorOptions& options = {},
                 std::optional<MemoryFormat> memory_format = std::nullopt);
Tensor full_like(const Tensor& self, const Scalar& fill_value, const TensorOptions& options = {},
                 std::optional<MemoryFormat> memory_format = std::nullopt);

Tensor arange(const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const TensorOptions& options = {});
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step,
              const TensorOptions& options = {});
Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps,
                const TensorOptions& options = {});
Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base = 10.0,
                const TensorOptions& options = {});
Tensor eye(int64_t n, const TensorOptions& options = {});
Tensor eye(int64_t n, int64_t m, const TensorOptions& options = {});

// Wraps memory the caller owns; `deleter` (if given) runs when the last tensor goes away.
Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides,
                 const TensorOptions& options = {});
Tensor from_blob(void* data, IntArrayRef sizes, const std::function<void(void*)>& deleter,
                 const TensorOptions& options = {});

namespace detail {
// The argument of tensor(...): a scalar, a (nested) braced list, or a vector. Braced lists of
// integers become int64 and of floating values the default dtype, as in libtorch; vectors keep
// their element type.
class TensorDataContainer {
 public:
  TensorDataContainer(bool v) : scalar_(v), type_(kBool), is_scalar_(true) {}
  TensorDataContainer(uint8_t v) : scalar_(v), type_(kByte), is_scalar_(true) {}
  TensorDataContainer(int8_t v) : scalar_(v), type_(kChar), is_scalar_(true) {}
  TensorDataContainer(int16_t v) : scalar_(v), type_(kShort), is_scalar_(true) {}
  TensorDataContainer(int32_t v) : scalar_(v), type_(kInt), is_scalar_(true) {}
  TensorDataContainer(int64_t v) : scalar_(v), type_(kLong), is_scalar_(true) {}
  TensorDataContainer(long long v) : scalar_(static_cast<int64_t>(v)), type_(kLong), is_scalar_(true) {}
  TensorDataContainer(float v) : scalar_(v), type_(kFloat), is_scalar_(true) {}
  TensorDataContainer(double v) : scalar_(v), type_(kDouble), is_scalar_(true) {}
  TensorDataContainer(Half v) : scalar_(v), type_(kHalf), is_scalar_(true) {}
  TensorDataContainer(BFloat16 v) : scalar_(v), type_(kBFloat16), is_scalar_(true) {}
  TensorDataContainer(std::initializer_list<TensorDataContainer> list);
  template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
  TensorDataContainer(const std::vector<T>& v) : type_(scalar_type_of<T>), from_vector_(true) {
    sizes_.push_back(static_cast<int64_t>(v.size()));
    for (const T& x : v) elems_.emplace_back(x);
  }
  TensorDataContainer(const std::vector<bool>& v);
  template <class T, class = std::enable_if_t<std::is_arithmetic_v<T>>>
  TensorDataContainer(ArrayRef<T> v) : TensorDataContainer(v.vec()) {}

  bool is_scalar() const { return is_scalar_; }
  ScalarType scalar_type() const { return type_; }
  IntArrayRef sizes() const { return sizes_; }
  // The dtype the tensor gets when options carry none.
  ScalarType desired_dtype() const;
  Tensor convert(const TensorOptions& options) const;
  void fill(Tensor& flat, int64_t& pos) const;

 private:
  Scalar scalar_;
  ScalarType type_ = ScalarType::Undefined;
  bool is_scalar_ = false;
  bool from_vector_ = false;
  DimVector sizes_;
  std::vector<TensorDataContainer> elems_;
};
}  // namespace detail

Tensor tensor(detail::TensorDataContainer data, const TensorOptions& options = {});

}  // namespace ember
