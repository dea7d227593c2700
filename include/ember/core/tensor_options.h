#pragma once
// TensorOptions: dtype, device, layout, requires_grad, memory format and pinned memory for
// factories (c10::TensorOptions).
#include <optional>

#include "ember/core/device.h"
#include "ember/core/scalar_type.h"

namespace ember {

enum class Layout : int8_t { Strided = 0 };
constexpr Layout kStrided = Layout::Strided;

enum class MemoryFormat : int8_t { Contiguous, Preserve, ChannelsLast, ChannelsLast3d };

class TensorOptions {
 public:
  TensorOptions() = default;
  /* implicit */ TensorOptions(ScalarType t) { dtype_ = t; }
  /* implicit */ TensorOptions(Device d) { device_ = d; }
  /* implicit */ TensorOptions(DeviceType d) { device_ = Device(d); }
  /* implicit */ TensorOptions(Layout) {}
  /* implicit */ TensorOptions(MemoryFormat f) { memory_format_ = f; }

  TensorOptions dtype(std::optional<ScalarType> t) const {
    TensorOptions r = *this;
    r.dtype_ = t;
    return r;
  }
  template <class T>
  TensorOptions dtype() const {
    return dtype(scalar_type_of<T>);
  }
  TensorOptions device(std::optional<Device> d) const {
    TensorOptions r = *this;
    r.device_ = d;
    return r;
  }
  TensorOptions device_index(DeviceIndex i) const { return device(Device(kCUDA, i)); }
  TensorOptions layout(std::optional<Layout>) const { return *this; }
  TensorOptions requires_grad(std::optional<bool> r) const {
    TensorOptions o = *this;
    o.requires_grad_ = r;
    return o;
  }
  TensorOptions memory_format(std::optional<MemoryFormat> f) const {
    TensorOptions o = *this;
    o.memory_format_ = f;
    return o;
  }
  // Page-locked host memory (CPU tensors of a build with CUDA and a device; c10's pinned_memory).
  TensorOptions pinned_memory(std::optional<bool> p) const {
    TensorOptions o = *this;
    o.pinned_memory_ = p;
    return o;
  }

  ScalarType dtype() const { return dtype_ ? *dtype_ : get_default_dtype(); }
  std::optional<ScalarType> dtype_opt() const { return dtype_; }
  bool has_dtype() const { return dtype_.has_value(); }
  Device device() const { return device_ ? *device_ : Device(kCPU); }
  std::optional<Device> device_opt() const { return device_; }
  bool has_device() const { return device_.has_value(); }
  Layout layout() const { return kStrided; }
  bool requires_grad() const { return requires_grad_.value_or(false); }
  std::optional<bool> requires_grad_opt() const { return requires_grad_; }
  bool has_requires_grad() const { return requires_grad_.has_value(); }
  std::optional<MemoryFormat> memory_format_opt() const { return memory_format_; }
  bool has_memory_format() const { return memory_format_.has_value(); }
  bool pinned_memory() const { return pinned_memory_.value_or(false); }
  std::optional<bool> pinned_memory_opt() const { return pinned_memory_; }

  // Fill unset fields from `o`.
  TensorOptions merge_in(const TensorOptions& o) const {
    TensorOptions r = *this;
    if (!r.dtype_) r.dtype_ = o.dtype_;
    if (!r.device_) r.device_ = o.device_;
    if (!r.requires_grad_) r.requires_grad_ = o.requires_grad_;
    if (!r.memory_format_) r.memory_format_ = o.memory_format_;
    if (!r.pinned_memory_) r.pinned_memory_ = o.pinned_memory_;
    return r;
  }

 private:
  std::optional<ScalarType> dtype_;
  std::optional<Device> device_;
  std::optional<bool> requires_grad_;
  std::optional<MemoryFormat> memory_format_;
  std::optional<bool> pinned_memory_;
};

inline TensorOptions dtype(ScalarType t) { return TensorOptions().dtype(t); }
template <class T>
inline TensorOptions dtype() {
  return TensorOptions().dtype(scalar_type_of<T>);
}
inline TensorOptions device(Device d) { return TensorOptions().device(d); }
inline TensorOptions layout(Layout l) { return TensorOptions().layout(l); }
inline TensorOptions requires_grad(bool r = true) { return TensorOptions().requires_grad(r); }
inline TensorOptions memory_format(MemoryFormat f) { return TensorOptions().memory_format(f); }

std::ostream& operator<<(std::ostream& os, const TensorOptions& o);

}  // namespace ember
