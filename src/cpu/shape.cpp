// CPU kernels of the shape family: accumulating strided scatter, flip, tril/triu masking.
#include <cstring>

#include "ember/core/parallel.h"
#include "src/kernels/shape.h"

namespace ember {
namespace {

// Calls f(dst_offset, linear_index) for each element of `sizes` in row-major order.
template <class F>
void for_each_index(IntArrayRef sizes, IntArrayRef strides, int64_t n, F&& f) {
  int64_t nd = static_cast<int64_t>(sizes.size());
  DimVector idx(nd);
  for (auto& v : idx) v = 0;
  int64_t off = 0;
  for (int64_t i = 0; i < n; ++i) {
    f(off, i);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++idx[d] < sizes[d]) {
        off += strides[d];
        break;
      }
      off -= strides[d] * (sizes[d] - 1);
      idx[d] = 0;
    }
  }
}

void strided_add_kernel(const Tensor& dst, const Tensor& src_in) {
  int64_t n = dst.numel();
  if (n == 0) return;
  Tensor src = src_in.contiguous();
  visit_all_types(dst.dtype(), "strided_add", [&]<class T>() {
    T* d = static_cast<T*>(dst.data_ptr());
    const T* s = static_cast<const T*>(src.data_ptr());
    for_each_index(dst.sizes(), dst.strides(), n, [&](int64_t off, int64_t i) {
      if constexpr (std::is_same_v<T, bool>) {
        d[off] = d[off] || s[i];
      } else {
        d[off] = static_cast<T>(opmath_t<T>(d[off]) + opmath_t<T>(s[i]));
      }
    });
  });
}

void flip_kernel(Tensor& out, const Tensor& self, const std::vector<bool>& flip) {
  int64_t n = self.numel();
  if (n == 0) return;
  // Reading through negated strides from the last element of each flipped dim reverses it.
  DimVector st(self.strides());
  int64_t start = 0;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (flip[d] && self.size(d) > 0) {
      start += (self.size(d) - 1) * st[d];
      st[d] = -st[d];
    }
  }
  size_t isz = self.element_size();
  const char* src = static_cast<const char*>(self.data_ptr()) + start * static_cast<int64_t>(isz);
  char* dst = static_cast<char*>(out.data_ptr());
  for_each_index(self.sizes(), st, n, [&](int64_t off, int64_t i) {
    std::memcpy(dst + i * static_cast<int64_t>(isz), src + off * static_cast<int64_t>(isz), isz);
  });
}

void tri_kernel(Tensor& self, int64_t diagonal, bool lower) {
  int64_t r = self.size(-2), c = self.size(-1);
  if (self.numel() == 0) return;
  int64_t batch = self.numel() / (r * c);
  size_t isz = self.element_size();
  char* base = static_cast<char*>(self.data_ptr());
  parallel_for(0, batch * r, 256, [&](int64_t b0, int64_t b1) {
    for (int64_t br = b0; br < b1; ++br) {
      int64_t i = br % r;
      char* row = base + br * c * static_cast<int64_t>(isz);
      // Zero bytes are zero (or false) in every dtype.
      if (lower) {
        int64_t from = std::max<int64_t>(0, std::min<int64_t>(c, i + diagonal + 1));
        std::memset(row + from * static_cast<int64_t>(isz), 0, static_cast<size_t>(c - from) * isz);
      } else {
        int64_t to = std::max<int64_t>(0, std::min<int64_t>(c, i + diagonal));
        std::memset(row, 0, static_cast<size_t>(to) * isz);
      }
    }
  });
}

}  // namespace

EMBER_DEFINE_STUB(strided_add_stub, strided_add_kernel);
EMBER_DEFINE_STUB(flip_stub, flip_kernel);
EMBER_DEFINE_STUB(tri_stub, tri_kernel);

}  // namespace ember
