#pragma once
// Tensor: a cheap handle on a TensorImpl. The op methods are declared per op family in
// ember/core/tensor_methods/*.inc and implemented next to their free functions in src/ops.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "ember/core/generator.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor_impl.h"
#include "ember/core/tensor_options.h"

namespace ember {

class Tensor;
namespace autograd {
struct Node;
}
namespace indexing {
class TensorIndex;
}

using TensorList = ArrayRef<Tensor>;

// Strided element access for a known dtype and rank: t.accessor<float, 2>()[i][j].
template <class T, size_t N>
class TensorAccessor {
 public:
  TensorAccessor(T* data, const int64_t* sizes, const int64_t* strides)
      : data_(data), sizes_(sizes), strides_(strides) {}
  TensorAccessor<T, N - 1> operator[](int64_t i) const {
    return TensorAccessor<T, N - 1>(data_ + strides_[0] * i, sizes_ + 1, strides_ + 1);
  }
  int64_t size(int64_t d) const { return sizes_[d]; }
  int64_t stride(int64_t d) const { return strides_[d]; }
  T* data() const { return data_; }

 private:
  T* data_;
  const int64_t* sizes_;
  const int64_t* strides_;
};
template <class T>
class TensorAccessor<T, 1> {
 public:
  TensorAccessor(T* data, const int64_t* sizes, const int64_t* strides)
      : data_(data), sizes_(sizes), strides_(strides) {}
  T& operator[](int64_t i) const { return data_[strides_[0] * i]; }
  int64_t size(int64_t d) const { return sizes_[d]; }
  int64_t stride(int64_t d) const { return strides_[d]; }
  T* data() const { return data_; }

 private:
  T* data_;
  const int64_t* sizes_;
  const int64_t* strides_;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(intrusive_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  Tensor(const Tensor&) = default;
  Tensor(Tensor&&) noexcept = default;
  // Assignment rebinds the handle, as in libtorch (t = other does not copy data).
  Tensor& operator=(const Tensor&) & = default;
  Tensor& operator=(Tensor&&) & noexcept = default;
  // Assignment to a temporary (t[0] = x, t.index(...) = v) copies values into it.
  Tensor& operator=(const Tensor& src) && { return copy_(src); }
  Tensor& operator=(Tensor&& src) && { return copy_(src); }
  Tensor& operator=(const Scalar& v) && { return fill_(v); }

  // ---- geometry and storage ----
  bool defined() const { return static_cast<bool>(impl_); }
  void reset() { impl_.reset(); }
  TensorImpl* unsafeGetTensorImpl() const { return impl_.get(); }
  // Gives up this handle's reference without decrementing it (see TensorIterator's borrowing).
  TensorImpl* unsafeReleaseTensorImpl() { return impl_.release(); }
  // A handle on t's impl that holds no reference: must be released with unsafeReleaseTensorImpl.
  static Tensor unsafe_borrow(const Tensor& t) {
    return Tensor(intrusive_ptr<TensorImpl>::reclaim(t.unsafeGetTensorImpl()));
  }
  const intrusive_ptr<TensorImpl>& getIntrusivePtr() const { return impl_; }
  IntArrayRef sizes() const { return impl()->sizes(); }
  IntArrayRef strides() const { return impl()->strides(); }
  int64_t size(int64_t dim) const;
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return impl()->dim(); }
  int64_t ndimension() const { return dim(); }
  int64_t numel() const { return impl()->numel(); }
  int64_t element_size() const { return static_cast<int64_t>(impl()->itemsize()); }
  int64_t itemsize() const { return element_size(); }
  size_t nbytes() const { return static_cast<size_t>(numel()) * impl()->itemsize(); }
  int64_t storage_offset() const { return impl()->storage_offset(); }
  ScalarType scalar_type() const { return impl()->dtype(); }
  ScalarType dtype() const { return impl()->dtype(); }
  Device device() const { return impl()->device(); }
  Layout layout() const { return kStrided; }
  TensorOptions options() const { return TensorOptions().dtype(dtype()).device(device()); }
  bool is_cpu() const { return device().is_cpu(); }
  bool is_cuda() const { return device().is_cuda(); }
  bool is_contiguous(MemoryFormat fmt = MemoryFormat::Contiguous) const;
  // ChannelsLast(3d) when the strides say so (PyTorch's rule), else Contiguous.
  MemoryFormat suggest_memory_format(bool channels_last_strides_exact_match = false) const;
  // Elements fill a block of memory without gaps or overlap, in some order of the dims.
  bool is_non_overlapping_and_dense() const;
  bool is_floating_point() const { return isFloatingType(dtype()); }
  bool is_signed() const { return isSignedType(dtype()); }
  bool is_complex() const { return false; }
  bool is_sparse() const { return false; }
  bool is_quantized() const { return false; }
  bool is_meta() const { return false; }
  bool is_mkldnn() const { return false; }
  bool is_nested() const { return false; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  bool is_alias_of(const Tensor& o) const;
  bool has_storage() const { return defined(); }
  const Storage& storage() const { return impl()->storage(); }
  size_t use_count() const { return impl_.use_count(); }
  std::string toString() const;  // "CPUFloatType"
  // Python-style repr for debugging: tensor([...], dtype=...)
  void print() const;

  void* data_ptr() const { return impl()->data(); }
  const void* const_data_ptr() const { return impl()->data(); }
  void* mutable_data_ptr() const { return impl()->data(); }
  template <class T>
  T* data_ptr() const;
  template <class T>
  const T* const_data_ptr() const {
    return data_ptr<T>();
  }
  template <class T>
  T* mutable_data_ptr() const {
    return data_ptr<T>();
  }
  Scalar item() const;
  template <class T>
  T item() const {
    return item().to<T>();
  }
  template <class T, size_t N>
  TensorAccessor<T, N> accessor() const& {
    check_accessor(N, scalar_type_of<std::remove_const_t<T>>);
    return TensorAccessor<T, N>(data_ptr<std::remove_const_t<T>>(), sizes().data(),
                                strides().data());
  }
  template <class T, size_t N>
  TensorAccessor<T, N> accessor() && = delete;

  // ---- autograd ----
  bool requires_grad() const;
  Tensor& requires_grad_(bool requires_grad = true) const;
  Tensor& set_requires_grad(bool requires_grad) { return requires_grad_(requires_grad); }
  // The accumulated gradient (undefined until backward reaches this leaf).
  const Tensor& grad() const;
  Tensor& mutable_grad();
  void set_grad(const Tensor& g);
  bool is_leaf() const;
  const std::shared_ptr<autograd::Node>& grad_fn() const;
  uint32_t output_nr() const;
  int64_t _version() const { return impl()->storage()->version(); }
  void bump_version() const { impl()->storage()->bump_version(); }
  void backward(const Tensor& gradient = {}, std::optional<bool> retain_graph = std::nullopt,
                bool create_graph = false,
                std::optional<std::vector<Tensor>> inputs = std::nullopt) const;
  void retain_grad() const;
  bool retains_grad() const;
  // Hook on the gradient flowing into this tensor; returning a defined tensor replaces it.
  template <class F>
  unsigned register_hook(F&& hook) const {
    if constexpr (std::is_void_v<std::invoke_result_t<F, const Tensor&>>) {
      return register_hook_impl([h = std::forward<F>(hook)](const Tensor& g) {
        h(g);
        return Tensor();
      });
    } else {
      return register_hook_impl(std::function<Tensor(const Tensor&)>(std::forward<F>(hook)));
    }
  }
  unsigned register_hook_impl(std::function<Tensor(const Tensor&)> hook) const;
  void remove_hook(unsigned pos) const;
  Tensor detach() const;
  Tensor& detach_() const;
  bool is_view() const;
  const Tensor& _base() const;
  // The same storage without autograd history (Python's .data).
  Tensor data() const;
  Tensor variable_data() const { return data(); }
  void set_data(const Tensor& new_data) const;
  std::string name() const { return ""; }

  // ---- copies, conversions ----
  Tensor& copy_(const Tensor& src, bool non_blocking = false) const;
  Tensor& fill_(const Scalar& value) const;
  Tensor& fill_(const Tensor& value) const;
  Tensor& zero_() const;
  Tensor clone(std::optional<MemoryFormat> fmt = std::nullopt) const;
  Tensor contiguous(MemoryFormat fmt = MemoryFormat::Contiguous) const;
  Tensor to(ScalarType dtype, bool non_blocking = false, bool copy = false,
            std::optional<MemoryFormat> fmt = std::nullopt) const;
  Tensor to(Device device, ScalarType dtype, bool non_blocking = false, bool copy = false,
            std::optional<MemoryFormat> fmt = std::nullopt) const;
  Tensor to(const TensorOptions& options, bool non_blocking = false, bool copy = false,
            std::optional<MemoryFormat> fmt = std::nullopt) const;
  Tensor to(const Tensor& other, bool non_blocking = false, bool copy = false,
            std::optional<MemoryFormat> fmt = std::nullopt) const;
  Tensor toType(ScalarType t) const { return to(t); }
  Tensor type_as(const Tensor& other) const { return to(other.dtype()); }
  Tensor cpu() const { return to(Device(kCPU)); }
  Tensor cuda() const { return to(Device(kCUDA, 0)); }
  Tensor float_() const { return to(kFloat); }
  Tensor double_() const { return to(kDouble); }
  Tensor half() const { return to(kHalf); }
  Tensor bfloat16() const { return to(kBFloat16); }
  Tensor long_() const { return to(kLong); }
  Tensor int_() const { return to(kInt); }
  Tensor bool_() const { return to(kBool); }
  Tensor& resize_(IntArrayRef size, std::optional<MemoryFormat> fmt = std::nullopt) const;
  Tensor& resize_as_(const Tensor& other) const;
  Tensor& set_(const Tensor& source) const;
  bool equal(const Tensor& other) const;
  bool allclose(const Tensor& other, double rtol = 1e-05, double atol = 1e-08,
                bool equal_nan = false) const;
  // Random fills (src/ops/random.cpp)
  Tensor& uniform_(double from = 0, double to = 1,
                   std::optional<Generator> gen = std::nullopt) const;
  Tensor& normal_(double mean = 0, double std = 1,
                  std::optional<Generator> gen = std::nullopt) const;
  Tensor& bernoulli_(double p = 0.5, std::optional<Generator> gen = std::nullopt) const;
  Tensor& bernoulli_(const Tensor& p, std::optional<Generator> gen = std::nullopt) const;
  Tensor& random_(int64_t from, std::optional<int64_t> to,
                  std::optional<Generator> gen = std::nullopt) const;
  Tensor& random_(int64_t to, std::optional<Generator> gen = std::nullopt) const;
  Tensor& exponential_(double lambd = 1, std::optional<Generator> gen = std::nullopt) const;
  Tensor bernoulli(std::optional<Generator> gen = std::nullopt) const;

#include "ember/core/tensor_methods/binary.inc"
#include "ember/core/tensor_methods/device.inc"
#include "ember/core/tensor_methods/index.inc"
#include "ember/core/tensor_methods/linalg.inc"
#include "ember/core/tensor_methods/reduce.inc"
#include "ember/core/tensor_methods/shape.inc"
#include "ember/core/tensor_methods/unary.inc"

 private:
  // The in-place methods are const, as libtorch's (they change the data, not this handle); their
  // bodies pass the tensor on to the ops that write it.
  Tensor& self() const { return const_cast<Tensor&>(*this); }
  TensorImpl* impl() const {
    if (EMBER_UNLIKELY(!impl_)) throw_undefined();
    return impl_.get();
  }
  [[noreturn]] static void throw_undefined();
  void check_accessor(size_t n, ScalarType t) const;
  intrusive_ptr<TensorImpl> impl_;
};

template <class T>
T* Tensor::data_ptr() const {
  if constexpr (!std::is_void_v<T>) {
    EMBER_CHECK(scalar_type_of<T> == dtype(), "[data_ptr] expected scalar type ",
                ::ember::toString(scalar_type_of<T>), " but found ", ::ember::toString(dtype()));
  }
  return static_cast<T*>(impl()->data());
}

using TensorVector = std::vector<Tensor>;
using variable_list = std::vector<Tensor>;
using tensor_list = std::vector<Tensor>;

// Prints like libtorch: values, then "[ CPUFloatType{2,3} ]".
std::ostream& operator<<(std::ostream& os, const Tensor& t);
std::ostream& print(std::ostream& os, const Tensor& t, int64_t linesize = 80);

// A tensor over fresh storage; `sizes` validated (non-negative, no overflow).
Tensor make_tensor(IntArrayRef sizes, ScalarType dtype, Device device = Device(kCPU));
// A view sharing `base`'s storage with new geometry (no autograd wiring).
Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t offset);
// A 0-dim tensor holding `s`, flagged as a wrapped number for type promotion.
Tensor scalar_to_tensor(const Scalar& s, Device device = Device(kCPU));
Tensor wrapped_scalar_tensor(const Scalar& s, Device device = Device(kCPU));

}  // namespace ember
