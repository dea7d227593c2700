// Factories. See include/ember/ops/factory.h.
#include "ember/ops/factory.h"

#include <cmath>

#include "ember/autograd/grad_mode.h"
#include "ember/core/parallel.h"
#include "src/core/cuda_hooks.h"
#include "src/iter/strides.h"

namespace ember {

namespace {
// TensorOptions().pinned_memory(true): CPU tensors only, as PyTorch.
void check_pinned(const TensorOptions& o, const char* op) {
  EMBER_CHECK(!o.pinned_memory() || o.device().is_cpu(), "[", op,
              "] Only dense CPU tensors can be pinned");
}

// Every caller passes a tensor it has just made (and filled): its version starts at 0. A
// factory that did not allocate page-locked memory itself copies into it when asked to.
Tensor finish(Tensor t, const TensorOptions& o) {
  if (o.pinned_memory() && !t.is_pinned()) {
    check_pinned(o, "factory");
    t = t.pin_memory();
  }
  t.unsafeGetTensorImpl()->storage()->reset_version();
  if (o.requires_grad()) {
    EMBER_CHECK(isFloatingType(t.dtype()),
                "[factory] Only Tensors of floating point dtype can require gradients");
    t.requires_grad_(true);
  }
  return t;
}
// Factories that write elements from the host build a CPU tensor and copy it to the device.
TensorOptions host_options(const TensorOptions& o) {
  return o.device(Device(kCPU)).requires_grad(false);
}
Tensor to_device(const Tensor& t, const TensorOptions& o) { return finish(t.to(o.device()), o); }
TensorOptions like_options(const Tensor& self, const TensorOptions& o) {
  return o.merge_in(TensorOptions().dtype(self.dtype()).device(self.device()));
}

// A contiguous tensor in page-locked host memory, or on `device`.
Tensor alloc_tensor(IntArrayRef size, ScalarType dtype, Device device, bool pinned) {
  if (!pinned) return make_tensor(size, dtype, device);
  EMBER_CHECK(device.is_cpu(), "[empty] Only dense CPU tensors can be pinned");
  const int64_t n = checked_numel(size, "empty");
  auto storage = make_intrusive<StorageImpl>(static_cast<size_t>(n) * element_size(dtype),
                                             detail::cuda_pinned_allocator(), device);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), dtype, size, IntArrayRef(), 0));
}

// A fresh tensor (not a view) with the given strides over just enough storage.
Tensor strided_tensor(IntArrayRef size, IntArrayRef stride, ScalarType dtype, Device device,
                      bool pinned = false) {
  int64_t extent = 1;
  for (size_t i = 0; i < size.size(); ++i) {
    EMBER_CHECK(stride[i] >= 0, "[empty_strided] negative strides are not supported");
    if (size[i] == 0) {
      extent = 0;
      break;
    }
    extent += (size[i] - 1) * stride[i];
  }
  Tensor t = alloc_tensor({extent}, dtype, device, pinned);
  t.unsafeGetTensorImpl()->set_sizes_and_strides(size, stride, 0);
  return t;
}

// PyTorch's get_channels_last_strides_2d/3d.
DimVector channels_last_strides(IntArrayRef s, MemoryFormat fmt, const char* op) {
  bool two_d = fmt == MemoryFormat::ChannelsLast;
  EMBER_CHECK(s.size() == (two_d ? 4u : 5u), "[", op, "] required rank ", two_d ? 4 : 5,
              " tensor to use ", two_d ? "channels_last" : "channels_last_3d", " format");
  DimVector st(s.size());
  size_t n = s.size();
  st[1] = 1;
  st[n - 1] = s[1];
  for (size_t d = n - 2; d >= 2; --d) st[d] = st[d + 1] * s[d + 1];
  st[0] = st[2] * s[2];
  return st;
}

Tensor empty_with_format(IntArrayRef size, ScalarType dtype, Device device, MemoryFormat fmt,
                         const char* op, bool pinned = false) {
  switch (fmt) {
    case MemoryFormat::Contiguous:
      return alloc_tensor(size, dtype, device, pinned);
    case MemoryFormat::ChannelsLast:
    case MemoryFormat::ChannelsLast3d:
      checked_numel(size, op);
      return strided_tensor(size, channels_last_strides(size, fmt, op), dtype, device, pinned);
    case MemoryFormat::Preserve:
      break;
  }
  EMBER_ERROR("[", op, "] unsupported memory format Preserve");
}
}  // namespace

Tensor empty(IntArrayRef size, const TensorOptions& options,
             std::optional<MemoryFormat> memory_format) {
  EMBER_CHECK(!(memory_format && options.has_memory_format()),
              "[empty] Cannot set memory_format both in TensorOptions and explicit argument; "
              "please delete the redundant setter.");
  MemoryFormat fmt =
      memory_format.value_or(options.memory_format_opt().value_or(MemoryFormat::Contiguous));
  check_pinned(options, "empty");
  return finish(empty_with_format(size, options.dtype(), options.device(), fmt, "empty",
                                  options.pinned_memory()),
                options);
}

Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options) {
  EMBER_CHECK(size.size() == stride.size(), "[empty_strided] mismatch in length of strides (",
              stride.size(), ") and shape (", size.size(), ")");
  checked_numel(size, "empty_strided");
  check_pinned(options, "empty_strided");
  return finish(
      strided_tensor(size, stride, options.dtype(), options.device(), options.pinned_memory()),
      options);
}

Tensor full(IntArrayRef size, const Scalar& v, const TensorOptions& options) {
  TensorOptions o = options;
  if (!o.has_dtype()) {
    o = o.dtype(v.isFloatingPoint() ? get_default_dtype() : v.isBoolean() ? kBool : kLong);
  }
  check_pinned(o, "full");
  Tensor t = empty_with_format(size, o.dtype(), o.device(),
                               o.memory_format_opt().value_or(MemoryFormat::Contiguous), "full",
                               o.pinned_memory());
  t.fill_(v);
  return finish(t, o);
}

Tensor zeros(IntArrayRef size, const TensorOptions& options) {
  check_pinned(options, "zeros");
  Tensor t = empty_with_format(size, options.dtype(), options.device(),
                               options.memory_format_opt().value_or(MemoryFormat::Contiguous),
                               "zeros", options.pinned_memory());
  t.zero_();
  return finish(t, options);
}

Tensor ones(IntArrayRef size, const TensorOptions& options) {
  check_pinned(options, "ones");
  Tensor t = empty_with_format(size, options.dtype(), options.device(),
                               options.memory_format_opt().value_or(MemoryFormat::Contiguous),
                               "ones", options.pinned_memory());
  t.fill_(1);
  return finish(t, options);
}

Tensor scalar_tensor(const Scalar& s, const TensorOptions& options) {
  // As in PyTorch the dtype is the options' (else the default dtype), not inferred from s.
  return full({}, s, options.has_dtype() ? options : options.dtype(get_default_dtype()));
}

// PyTorch's empty_like: MemoryFormat::Preserve (the default) keeps the strides of a dense,
// non-overlapping input and otherwise makes a dense tensor with the input's order of dims.
Tensor empty_like(const Tensor& self, const TensorOptions& options,
                  std::optional<MemoryFormat> memory_format) {
  EMBER_CHECK(!(memory_format && options.has_memory_format()),
              "[empty_like] Cannot set memory_format both in TensorOptions and explicit "
              "argument; please delete the redundant setter.");
  TensorOptions o = like_options(self, options);
  MemoryFormat fmt =
      memory_format.value_or(options.memory_format_opt().value_or(MemoryFormat::Preserve));
  Tensor t;
  if (fmt != MemoryFormat::Preserve) {
    t = empty_with_format(self.sizes(), o.dtype(), o.device(), fmt, "empty_like");
  } else if (self.is_non_overlapping_and_dense()) {
    t = self.is_contiguous() ? make_tensor(self.sizes(), o.dtype(), o.device())
                             : strided_tensor(self.sizes(), self.strides(), o.dtype(), o.device());
  } else {
    // Not dense: a dense layout with the same order of dims (PyTorch's infer_dense_strides).
    const Tensor* in[] = {&self};
    DimVector st = infer_dense_strides(self.sizes(), in, 1);
    t = st.empty() ? make_tensor(self.sizes(), o.dtype(), o.device())
                   : strided_tensor(self.sizes(), st, o.dtype(), o.device());
  }
  return finish(t, o);
}
Tensor zeros_like(const Tensor& self, const TensorOptions& options,
                  std::optional<MemoryFormat> memory_format) {
  Tensor t = empty_like(self, options.requires_grad(false), memory_format);
  t.zero_();
  return finish(t, options);
}
Tensor ones_like(const Tensor& self, const TensorOptions& options,
                 std::optional<MemoryFormat> memory_format) {
  Tensor t = empty_like(self, options.requires_grad(false), memory_format);
  t.fill_(1);
  return finish(t, options);
}
Tensor full_like(const Tensor& self, const Scalar& v, const TensorOptions& options,
                 std::optional<MemoryFormat> memory_format) {
  TensorOptions o = options;
  Tensor t = empty_like(self, o.requires_grad(false), memory_format);
  t.fill_(v);
  return finish(t, options);
}

Tensor arange(const Scalar& end, const TensorOptions& options) {
  return arange(0, end, 1, options);
}
Tensor arange(const Scalar& start, const Scalar& end, const TensorOptions& options) {
  return arange(start, end, 1, options);
}
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step,
              const TensorOptions& options) {
  if (!options.device().is_cpu())
    return to_device(arange(start, end, step, host_options(options)), options);
  bool is_float = start.isFloatingPoint() || end.isFloatingPoint() || step.isFloatingPoint();
  ScalarType dt = options.has_dtype() ? options.dtype() : is_float ? get_default_dtype() : kLong;
  double s = start.toDouble(), e = end.toDouble(), st = step.toDouble();
  EMBER_CHECK(st != 0, "[arange] step must be nonzero");
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "[arange] unsupported range: ", s, " -> ", e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
              "[arange] upper bound and larger bound inconsistent with step sign");
  // Integral dtypes run in int64 as in PyTorch: floating bounds and step are truncated first
  // (arange(0, 2.5, 0.5, dtype=long) has step 0). int64 counts from the truncated bounds too.
  const bool int_dtype = isIntegralType(dt, false), int_range = int_dtype || !is_float;
  const int64_t ia = int_range ? start.toLong() : 0, ic = int_range ? step.toLong() : 0;
  EMBER_CHECK(!int_dtype || ic != 0, "[arange] step must be nonzero");
  double n;
  if (int_dtype && (!is_float || dt == kLong)) {
    // Integer ranges computed exactly.
    int64_t b = end.toLong();
    n = static_cast<double>((b - ia + ic - (ic > 0 ? 1 : -1)) / ic);
  } else {
    n = std::ceil((e - s) / st);
  }
  EMBER_CHECK(n >= 0 && n < 9e15, "[arange] invalid number of elements ", n);
  Tensor t = make_tensor({static_cast<int64_t>(n)}, dt, options.device());
  visit_numeric_types(dt, "arange", [&]<class T>() {
    T* p = t.data_ptr<T>();
    int64_t len = t.numel();
    if constexpr (std::is_integral_v<T>) {
      if (int_range) {
        for (int64_t i = 0; i < len; ++i) p[i] = static_cast<T>(ia + i * ic);
        return;
      }
    }
    for (int64_t i = 0; i < len; ++i) p[i] = static_cast<T>(static_cast<opmath_t<T>>(s + i * st));
  });
  return finish(t, options);
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps,
                const TensorOptions& options) {
  EMBER_CHECK(steps >= 0, "[linspace] number of steps must be non-negative");
  if (!options.device().is_cpu())
    return to_device(linspace(start, end, steps, host_options(options)), options);
  ScalarType dt = options.has_dtype() ? options.dtype() : get_default_dtype();
  Tensor t = make_tensor({steps}, dt, options.device());
  double a = start.toDouble(), b = end.toDouble();
  visit_numeric_types(dt, "linspace", [&]<class T>() {
    T* p = t.data_ptr<T>();
    if (steps == 1) {
      p[0] = static_cast<T>(a);
      return;
    }
    double step = (b - a) / static_cast<double>(steps - 1);
    // Symmetric evaluation as PyTorch: first half from the start, second half from the end.
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i) {
      double v = i < half ? a + step * static_cast<double>(i)
                          : b - step * static_cast<double>(steps - i - 1);
      if constexpr (std::is_integral_v<T>) {
        p[i] = static_cast<T>(static_cast<int64_t>(v));
      } else {
        p[i] = static_cast<T>(static_cast<opmath_t<T>>(v));
      }
    }
  });
  return finish(t, options);
}

Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base,
                const TensorOptions& options) {
  EMBER_CHECK(steps >= 0, "[logspace] number of steps must be non-negative");
  if (!options.device().is_cpu())
    return to_device(logspace(start, end, steps, base, host_options(options)), options);
  ScalarType dt = options.has_dtype() ? options.dtype() : get_default_dtype();
  Tensor t = make_tensor({steps}, dt, options.device());
  double a = start.toDouble(), b = end.toDouble();
  visit_numeric_types(dt, "logspace", [&]<class T>() {
    T* p = t.data_ptr<T>();
    double step = steps > 1 ? (b - a) / static_cast<double>(steps - 1) : 0;
    int64_t half = steps / 2;
    for (int64_t i = 0; i < steps; ++i) {
      double e = i < half ? a + step * static_cast<double>(i)
                          : b - step * static_cast<double>(steps - i - 1);
      p[i] = static_cast<T>(static_cast<opmath_t<T>>(std::pow(base, e)));
    }
  });
  return finish(t, options);
}

Tensor eye(int64_t n, const TensorOptions& options) { return eye(n, n, options); }
Tensor eye(int64_t n, int64_t m, const TensorOptions& options) {
  EMBER_CHECK(n >= 0, "[eye] n must be greater or equal to 0, got ", n);
  EMBER_CHECK(m >= 0, "[eye] m must be greater or equal to 0, got ", m);
  if (!options.device().is_cpu()) return to_device(eye(n, m, host_options(options)), options);
  Tensor t = zeros({n, m}, options.requires_grad(false));
  visit_all_types(t.dtype(), "eye", [&]<class T>() {
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = static_cast<T>(1);
  });
  return finish(t, options);
}

Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options) {
  return from_blob(data, sizes, contiguous_strides(sizes), options);
}

Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options) {
  EMBER_CHECK(sizes.size() == strides.size(), "[from_blob] sizes and strides differ in length");
  int64_t n = checked_numel(sizes, "from_blob");
  int64_t extent = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(strides[i] >= 0, "[from_blob] negative strides are not supported");
    if (sizes[i] > 0) extent += (sizes[i] - 1) * strides[i];
  }
  size_t nbytes = n == 0 ? 0 : static_cast<size_t>(extent + 1) * element_size(options.dtype());
  auto st = make_intrusive<StorageImpl>(data, nbytes, nullptr, options.device());
  Tensor t(make_intrusive<TensorImpl>(std::move(st), options.dtype(), sizes, strides, 0));
  return finish(t, options);
}

Tensor from_blob(void* data, IntArrayRef sizes, const std::function<void(void*)>& deleter,
                 const TensorOptions& options) {
  int64_t n = checked_numel(sizes, "from_blob");
  size_t nbytes = static_cast<size_t>(n) * element_size(options.dtype());
  auto st = make_intrusive<StorageImpl>(data, nbytes, deleter, options.device());
  Tensor t(make_intrusive<TensorImpl>(std::move(st), options.dtype(), sizes, IntArrayRef(), 0));
  return finish(t, options);
}

namespace detail {

TensorDataContainer::TensorDataContainer(std::initializer_list<TensorDataContainer> list) {
  elems_.assign(list.begin(), list.end());
  sizes_.push_back(static_cast<int64_t>(list.size()));
  if (list.size() == 0) {
    type_ = kFloat;
    return;
  }
  const auto& first = *list.begin();
  for (int64_t s : first.sizes()) sizes_.push_back(s);
  type_ = first.type_;
  for (const auto& e : list) {
    EMBER_CHECK(e.sizes() == first.sizes(),
                "[tensor] Expected all sub-lists to have sizes: ", first.sizes(),
                ", but got sub-list with sizes: ", e.sizes());
    EMBER_CHECK(e.type_ == type_,
                "[tensor] Expected all elements of the tensor to have the same "
                "scalar type: ",
                toString(type_), ", but got element of scalar type: ", toString(e.type_));
  }
}

TensorDataContainer::TensorDataContainer(const std::vector<bool>& v)
    : type_(kBool), from_vector_(true) {
  sizes_.push_back(static_cast<int64_t>(v.size()));
  for (bool x : v) elems_.emplace_back(x);
}

ScalarType TensorDataContainer::desired_dtype() const {
  if (from_vector_) return type_;
  if (type_ == kInt || type_ == kLong) return kLong;
  if (type_ == kFloat || type_ == kDouble) return get_default_dtype();
  return type_;
}

void TensorDataContainer::fill(Tensor& flat, int64_t& pos) const {
  if (is_scalar_) {
    visit_all_types(flat.dtype(), "tensor",
                    [&]<class T>() { flat.data_ptr<T>()[pos++] = scalar_.to<T>(); });
    return;
  }
  for (const auto& e : elems_) e.fill(flat, pos);
}

Tensor TensorDataContainer::convert(const TensorOptions& options) const {
  ScalarType dt = options.has_dtype() ? options.dtype() : desired_dtype();
  Tensor t = make_tensor(sizes_, dt, Device(kCPU));
  int64_t pos = 0;
  fill(t, pos);
  if (options.device() != Device(kCPU)) t = t.to(options.device());
  return finish(t, options);
}

}  // namespace detail

Tensor tensor(detail::TensorDataContainer data, const TensorOptions& options) {
  return data.convert(options);
}

}  // namespace ember
