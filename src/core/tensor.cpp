// Tensor's geometry accessors and the constructors of tensors and views.
#include "ember/core/tensor.h"

#include <algorithm>

#include "ember/core/wrap_dim.h"
#include "src/core/cuda_hooks.h"

namespace ember {

void Tensor::throw_undefined() { EMBER_ERROR("[Tensor] called a method on an undefined tensor"); }

int64_t Tensor::size(int64_t dim) const {
  int64_t d = maybe_wrap_dim(dim, this->dim(), false);
  return impl()->sizes()[d];
}

int64_t Tensor::stride(int64_t dim) const {
  int64_t d = maybe_wrap_dim(dim, this->dim(), false);
  return impl()->strides()[d];
}

bool Tensor::is_contiguous(MemoryFormat fmt) const {
  if (fmt == MemoryFormat::ChannelsLast || fmt == MemoryFormat::ChannelsLast3d) {
    int64_t nd = fmt == MemoryFormat::ChannelsLast ? 4 : 5;
    if (dim() != nd) return false;
    // channels-last: C is the fastest dim, then W, H(, D), then N.
    DimVector order;
    order.push_back(1);
    for (int64_t d = nd - 1; d >= 2; --d) order.push_back(d);
    order.push_back(0);
    int64_t expected = 1;
    for (int64_t d : order) {
      if (sizes()[d] == 1) continue;
      if (strides()[d] != expected) return false;
      expected *= sizes()[d];
    }
    return true;
  }
  return impl()->is_contiguous();
}

namespace {
// PyTorch's is_channels_last_strides_2d_s4 / _3d_s5: do the strides order the dims like
// channels-last (C fastest, then W, H(, D), then N)? Ambiguous cases fall back to contiguous.
bool strides_like_channels_last(IntArrayRef sizes, IntArrayRef strides, int64_t nd) {
  if (static_cast<int64_t>(sizes.size()) != nd || strides[1] == 0) return false;
  int64_t order[5] = {1, 3, 2, 0, 0};
  if (nd == 5) {
    order[1] = 4;
    order[2] = 3;
    order[3] = 2;
    order[4] = 0;
  }
  int64_t min = 0;
  for (int64_t i = 0; i < nd; ++i) {
    int64_t d = order[i];
    if (sizes[d] == 0 || strides[d] < min) return false;
    // N111 tensors (or N11W sliced on W) with identical strides stay contiguous.
    if (d == 0 && min == strides[1]) return false;
    min = strides[d];
    if (sizes[d] > 1) min *= sizes[d];
  }
  return true;
}
}  // namespace

MemoryFormat Tensor::suggest_memory_format(bool exact_match) const {
  IntArrayRef sz = sizes(), st = strides();
  if (strides_like_channels_last(sz, st, 4)) {
    if (!exact_match ||
        st == IntArrayRef(DimVector{sz[1] * sz[3] * sz[2], 1, sz[3] * sz[1], sz[1]}))
      return MemoryFormat::ChannelsLast;
  } else if (strides_like_channels_last(sz, st, 5)) {
    DimVector cl{0, 1, 0, 0, sz[1]};
    cl[3] = cl[4] * sz[4];
    cl[2] = cl[3] * sz[3];
    cl[0] = cl[2] * sz[2];
    if (!exact_match || st == IntArrayRef(cl)) return MemoryFormat::ChannelsLast3d;
  }
  return MemoryFormat::Contiguous;
}

bool Tensor::is_non_overlapping_and_dense() const {
  IntArrayRef sz = sizes(), st = strides();
  int64_t nd = dim();
  if (nd == 1) return sz[0] < 2 || st[0] == 1;
  if (impl()->is_contiguous()) return true;
  // Dims by increasing stride (size-1 dims last); each stride must be the product of the sizes
  // of the dims before it.
  DimVector perm(static_cast<size_t>(nd));
  for (int64_t i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  std::stable_sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    if (sz[a] < 2) return false;
    if (sz[b] < 2) return true;
    return st[a] < st[b];
  });
  int64_t expected = 1;
  for (int64_t d : perm) {
    if (sz[d] < 2) return true;
    if (st[d] != expected) return false;
    expected *= sz[d];
  }
  return true;
}

bool Tensor::is_alias_of(const Tensor& o) const {
  return defined() && o.defined() && storage().get() == o.storage().get();
}

std::string Tensor::toString() const {
  if (!defined()) return "UndefinedType";
  std::string dev = is_cuda() ? "CUDA" : "CPU";
  return dev + ::ember::toString(dtype()) + "Type";
}

void Tensor::check_accessor(size_t n, ScalarType t) const {
  EMBER_CHECK(static_cast<int64_t>(n) == dim(), "[accessor] TensorAccessor expected ", n,
              " dims but tensor has ", dim());
  EMBER_CHECK(t == dtype(), "[accessor] expected scalar type ", ::ember::toString(t), " but found ",
              ::ember::toString(dtype()));
}

Scalar Tensor::item() const {
  EMBER_CHECK(numel() == 1, "[item] a Tensor with ", numel(),
              " elements cannot be converted to Scalar");
  if (!is_cpu()) return to(Device(kCPU)).item();
  return visit_all_types(dtype(), "item", [&]<class T>() -> Scalar {
    return Scalar(*static_cast<const T*>(impl()->data()));
  });
}

Tensor make_tensor(IntArrayRef sizes, ScalarType dtype, Device device) {
  EMBER_CHECK(dtype != ScalarType::Undefined, "[empty] dtype is undefined");
  int64_t n = checked_numel(sizes, "empty");
  Allocator* alloc = device.is_cpu() ? cpu_allocator() : detail::cuda_allocator(device);
  size_t nbytes = static_cast<size_t>(n) * element_size(dtype);
  auto storage = make_intrusive<StorageImpl>(nbytes, alloc, device);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), dtype, sizes, IntArrayRef(), 0));
}

Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t offset) {
  auto impl = make_intrusive<TensorImpl>(base.storage(), base.dtype(), sizes, strides, offset);
  const auto& bi = base.getIntrusivePtr();
  impl->set_view_base(bi->view_base() ? bi->view_base() : bi);
  return Tensor(std::move(impl));
}

Tensor scalar_to_tensor(const Scalar& s, Device device) {
  if (!device.is_cpu()) return scalar_to_tensor(s, Device(kCPU)).to(device);  // written on the host
  Tensor t = make_tensor({}, s.type(), device);
  switch (s.tag()) {
    case Scalar::Tag::Double:
      *t.data_ptr<double>() = s.toDouble();
      break;
    case Scalar::Tag::Long:
      *t.data_ptr<int64_t>() = s.toLong();
      break;
    case Scalar::Tag::Bool:
      *t.data_ptr<bool>() = s.toBool();
      break;
  }
  return t;
}

Tensor wrapped_scalar_tensor(const Scalar& s, Device device) {
  Tensor t = scalar_to_tensor(s, device);
  t.unsafeGetTensorImpl()->set_wrapped_number(true);
  return t;
}

}  // namespace ember
