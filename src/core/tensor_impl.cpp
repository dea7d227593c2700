#include "ember/core/tensor_impl.h"

#include "ember/autograd/node.h"
#include "ember/core/error.h"

namespace ember {

DimVector contiguous_strides(IntArrayRef sizes) {
  DimVector st(sizes.size());
  int64_t s = 1;
  for (int64_t i = static_cast<int64_t>(sizes.size()) - 1; i >= 0; --i) {
    st[i] = s;
    s *= std::max<int64_t>(sizes[i], 1);
  }
  return st;
}

int64_t checked_numel(IntArrayRef sizes, const char* op) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : sizes) {
    EMBER_CHECK(s >= 0, "[", op, "] Trying to create tensor with negative dimension ", s, ": ",
                sizes);
    overflow |= __builtin_mul_overflow(n, s, &n);
  }
  EMBER_CHECK(!overflow && n <= (int64_t(1) << 48), "[", op, "] tensor of shape ", sizes,
              " has too many elements");
  return n;
}

TensorImpl::TensorImpl(Storage storage, ScalarType dtype, IntArrayRef sizes, IntArrayRef strides,
                       int64_t offset)
    : storage_(std::move(storage)), dtype_(dtype) {
  set_sizes_and_strides(sizes, strides, offset);
}

TensorImpl::~TensorImpl() = default;

void TensorImpl::set_sizes_and_strides(IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  sizes_ = DimVector(sizes);
  if (strides.empty() && !sizes.empty()) {
    strides_ = contiguous_strides(sizes);
  } else {
    strides_ = DimVector(strides);
  }
  storage_offset_ = offset;
  refresh();
}

void TensorImpl::set_sizes_contiguous(IntArrayRef sizes) {
  sizes_ = DimVector(sizes);
  strides_ = contiguous_strides(sizes);
  refresh();
}

void TensorImpl::refresh() {
  int64_t n = 1;
  for (int64_t s : sizes_) n *= s;
  numel_ = n;
  // Contiguous: strides match row-major, ignoring dims of size 1.
  bool c = true;
  int64_t expected = 1;
  for (int64_t i = static_cast<int64_t>(sizes_.size()) - 1; i >= 0; --i) {
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) {
      c = false;
      break;
    }
    expected *= sizes_[i];
  }
  is_contiguous_ = c || n == 0;
}

autograd::AutogradMeta& TensorImpl::ensure_autograd_meta() {
  if (!autograd_meta_) autograd_meta_ = std::make_unique<autograd::AutogradMeta>();
  return *autograd_meta_;
}

void TensorImpl::clear_autograd_meta() { autograd_meta_.reset(); }

}  // namespace ember
