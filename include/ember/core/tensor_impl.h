#pragma once
// TensorImpl: sizes, strides and offset into a shared Storage, plus a dtype. Autograd state
// (requires_grad, grad, grad_fn) lives in an AutogradMeta allocated only when needed.
#include <memory>

#include "ember/core/array_ref.h"
#include "ember/core/scalar_type.h"
#include "ember/core/storage.h"

namespace ember {

namespace autograd {
struct AutogradMeta;
}

class TensorImpl : public RefCounted {
 public:
  TensorImpl(Storage storage, ScalarType dtype, IntArrayRef sizes, IntArrayRef strides,
             int64_t offset);
  ~TensorImpl() override;

  IntArrayRef sizes() const { return sizes_; }
  IntArrayRef strides() const { return strides_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return numel_; }
  int64_t storage_offset() const { return storage_offset_; }
  ScalarType dtype() const { return dtype_; }
  size_t itemsize() const { return element_size(dtype_); }
  bool is_contiguous() const { return is_contiguous_; }
  const Storage& storage() const { return storage_; }
  Device device() const { return storage_->device(); }
  // Address of element 0 (storage base + offset * itemsize).
  void* data() const {
    return static_cast<char*>(storage_->data()) + storage_offset_ * static_cast<int64_t>(itemsize());
  }

  // Replace the geometry (views, resize). Strides empty => contiguous.
  void set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides, int64_t offset);
  void set_sizes_contiguous(IntArrayRef sizes);
  void set_storage(Storage s) { storage_ = std::move(s); }
  void set_dtype(ScalarType t) { dtype_ = t; }

  bool is_wrapped_number() const { return wrapped_number_; }
  void set_wrapped_number(bool w) { wrapped_number_ = w; }

  // For views: the tensor whose storage this views (kept alive, as PyTorch's _base).
  const intrusive_ptr<TensorImpl>& view_base() const { return view_base_; }
  void set_view_base(intrusive_ptr<TensorImpl> b) { view_base_ = std::move(b); }

  // Autograd's view tracking (PyTorch's DifferentiableViewMeta): views made by view ops record
  // how they were created, and the version of the shared counter their grad_fn was built at, so
  // an in-place op on the view or its base can rewrite the history (see src/autograd/views.cpp).
  enum class ViewCreation : uint8_t { None, Default, NoGradMode, MultiOutput };
  ViewCreation view_creation() const { return view_creation_; }
  bool is_autograd_view() const { return view_creation_ != ViewCreation::None; }
  void set_view_creation(ViewCreation c) { view_creation_ = c; }
  uint32_t view_version() const { return view_version_; }
  void set_view_version(uint32_t v) { view_version_ = v; }
  uint32_t view_output_nr() const { return view_output_nr_; }
  void set_view_output_nr(uint32_t n) { view_output_nr_ = n; }

  autograd::AutogradMeta* autograd_meta() const { return autograd_meta_.get(); }
  // Creates the AutogradMeta on first use.
  autograd::AutogradMeta& ensure_autograd_meta();
  void clear_autograd_meta();

 private:
  void refresh();
  Storage storage_;
  DimVector sizes_;
  DimVector strides_;
  int64_t storage_offset_ = 0;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool is_contiguous_ = true;
  bool wrapped_number_ = false;
  ViewCreation view_creation_ = ViewCreation::None;
  uint32_t view_version_ = 0;
  uint32_t view_output_nr_ = 0;
  intrusive_ptr<TensorImpl> view_base_;
  std::unique_ptr<autograd::AutogradMeta> autograd_meta_;
};

// Contiguous strides for `sizes` (row-major).
DimVector contiguous_strides(IntArrayRef sizes);
// Product of sizes, checking for negative sizes and int64 overflow; `op` names the caller.
int64_t checked_numel(IntArrayRef sizes, const char* op);

}  // namespace ember
