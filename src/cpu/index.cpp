// CPU kernels of the indexing family: gather/scatter, advanced indexing, masked fill, nonzero.
// They walk arbitrary strides with a small N-d counter (no copies of non-contiguous inputs).
#include <array>
#include <cstring>

#include "ember/core/parallel.h"
#include "src/cpu/convert.h"
#include "src/kernels/index.h"

namespace ember {
namespace {

// Calls f(offsets) for every coordinate of `sizes`, where offsets[k] is the element offset of
// operand k (strides[k] are element strides, one per dim).
template <size_t K, class F>
void nd_loop(IntArrayRef sizes, const std::array<IntArrayRef, K>& strides, F&& f) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  std::array<int64_t, K> off{};
  for (int64_t s : sizes)
    if (s == 0) return;
  if (nd == 0) {
    f(off);
    return;
  }
  DimVector counter(nd, 0);
  const int64_t inner = sizes[nd - 1];
  std::array<int64_t, K> istride;
  for (size_t k = 0; k < K; ++k) istride[k] = strides[k][nd - 1];
  while (true) {
    std::array<int64_t, K> o = off;
    for (int64_t i = 0; i < inner; ++i) {
      f(o);
      for (size_t k = 0; k < K; ++k) o[k] += istride[k];
    }
    int64_t d = nd - 2;
    for (; d >= 0; --d) {
      if (++counter[d] < sizes[d]) {
        for (size_t k = 0; k < K; ++k) off[k] += strides[k][d];
        break;
      }
      for (size_t k = 0; k < K; ++k) off[k] -= strides[k][d] * (sizes[d] - 1);
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

// nd_loop split over dim 0 on the thread pool; only for kernels whose writes never collide.
template <size_t K, class F>
void nd_loop_parallel(IntArrayRef sizes, const std::array<IntArrayRef, K>& strides, F&& f) {
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  if (sizes.size() < 1 || numel < 32768 || sizes[0] < 2) return nd_loop<K>(sizes, strides, f);
  const int64_t inner = numel / sizes[0];
  parallel_for(0, sizes[0], std::max<int64_t>(1, 32768 / std::max<int64_t>(inner, 1)),
               [&](int64_t b, int64_t e) {
                 DimVector part(sizes);
                 part[0] = e - b;
                 nd_loop<K>(part, strides, [&](std::array<int64_t, K> off) {
                   for (size_t k = 0; k < K; ++k) off[k] += b * strides[k][0];
                   f(off);
                 });
               });
}

[[noreturn]] void out_of_bounds(int64_t idx, int64_t dim, int64_t size) {
  detail::throw_index_error(
      detail::str_cat("index ", idx, " is out of bounds for dimension ", dim, " with size ", size));
}

// Data movement only depends on the element size.
template <class F>
void visit_by_size(ScalarType t, F&& f) {
  switch (element_size(t)) {
    case 1:
      return f.template operator()<uint8_t>();
    case 2:
      return f.template operator()<uint16_t>();
    case 4:
      return f.template operator()<uint32_t>();
    case 8:
      return f.template operator()<uint64_t>();
    default:
      EMBER_ERROR("[index] unsupported dtype ", toString(t));
  }
}

DimVector strides_without(const Tensor& t, int64_t dim) {
  DimVector s(t.strides());
  if (t.dim() > 0) s[dim] = 0;
  return s;
}

// index_select's pattern: self and out contiguous, the index a 1-d vector expanded along `dim`.
// Each selected slice is then one block of `inner` contiguous elements: a memcpy per block.
bool gather_slices(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  if (self.dim() == 0 || !self.is_contiguous() || !out.is_contiguous()) return false;
  if (index.dim() != self.dim()) return false;
  for (int64_t d = 0; d < index.dim(); ++d) {
    if (d == dim) continue;
    if (index.size(d) != self.size(d) || (index.size(d) != 1 && index.stride(d) != 0)) return false;
  }
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= self.size(d);
  for (int64_t d = dim + 1; d < self.dim(); ++d) inner *= self.size(d);
  if (inner < 16) return false;  // the element loop is as fast for short slices
  const int64_t size = self.size(dim), n = index.size(dim), istride = index.stride(dim);
  const int64_t* ip = index.data_ptr<int64_t>();
  for (int64_t k = 0; k < n; ++k) {
    int64_t i = ip[k * istride];
    if (i < 0 || i >= size) out_of_bounds(i, dim, size);
  }
  const size_t bytes = static_cast<size_t>(inner) * self.element_size();
  const auto* s = static_cast<const char*>(self.data_ptr());
  auto* o = static_cast<char*>(out.data_ptr());
  int64_t grain = std::max<int64_t>(1, static_cast<int64_t>(262144 / bytes));
  parallel_for(0, outer * n, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      int64_t on = t / n, k = t % n;
      std::memcpy(o + static_cast<size_t>(t) * bytes,
                  s + static_cast<size_t>(on * size + ip[k * istride]) * bytes, bytes);
    }
  });
  return true;
}

void gather_kernel(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  if (gather_slices(out, self, dim, index)) return;
  const int64_t size = self.dim() == 0 ? 1 : self.size(dim);
  const int64_t dstride = self.dim() == 0 ? 0 : self.stride(dim);
  DimVector ss = strides_without(self, dim);
  const int64_t* ip = index.data_ptr<int64_t>();
  visit_by_size(self.dtype(), [&]<class T>() {
    T* o = static_cast<T*>(out.data_ptr());
    const T* s = static_cast<const T*>(self.data_ptr());
    nd_loop_parallel<3>(index.sizes(), {out.strides(), index.strides(), IntArrayRef(ss)},
                        [&](const std::array<int64_t, 3>& off) {
                          int64_t i = ip[off[1]];
                          if (i < 0 || i >= size) out_of_bounds(i, dim, size);
                          o[off[0]] = s[off[2] + i * dstride];
                        });
  });
}

template <class T>
T combine(T a, T b, ScatterReduce r) {
  using M = std::conditional_t<std::is_same_v<T, bool>, bool, opmath_t<T>>;
  if constexpr (std::is_same_v<T, bool>) {
    return r == ScatterReduce::Add ? (a || b) : (a && b);
  } else {
    M x = static_cast<M>(a), y = static_cast<M>(b);
    return r == ScatterReduce::Add ? static_cast<T>(x + y) : static_cast<T>(x * y);
  }
}

void scatter_kernel(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                    ScatterReduce reduce) {
  const int64_t size = self.dim() == 0 ? 1 : self.size(dim);
  const int64_t dstride = self.dim() == 0 ? 0 : self.stride(dim);
  DimVector ss = strides_without(self, dim);
  const int64_t* ip = index.data_ptr<int64_t>();
  // Validate every index first so that an in-place scatter never stops half-way.
  nd_loop<1>(index.sizes(), {index.strides()}, [&](const std::array<int64_t, 1>& off) {
    int64_t i = ip[off[0]];
    if (i < 0 || i >= size) out_of_bounds(i, dim, size);
  });
  visit_all_types(self.dtype(), "scatter", [&]<class T>() {
    T* d = static_cast<T*>(self.data_ptr());
    const T* s = static_cast<const T*>(src.data_ptr());
    nd_loop<3>(index.sizes(), {IntArrayRef(ss), index.strides(), src.strides()},
               [&](const std::array<int64_t, 3>& off) {
                 T& dst = d[off[0] + ip[off[1]] * dstride];
                 dst = reduce == ScatterReduce::None ? s[off[2]] : combine(dst, s[off[2]], reduce);
               });
  });
}

void index_kernel(const Tensor& out, const Tensor& src, const Tensor& offsets) {
  DimVector os(src.dim(), 0);
  if (src.dim() > 0) os[0] = offsets.stride(0);
  const int64_t* op = offsets.data_ptr<int64_t>();
  visit_by_size(src.dtype(), [&]<class T>() {
    T* o = static_cast<T*>(out.data_ptr());
    const T* s = static_cast<const T*>(src.data_ptr());
    nd_loop_parallel<3>(
        out.sizes(), {out.strides(), src.strides(), IntArrayRef(os)},
        [&](const std::array<int64_t, 3>& off) { o[off[0]] = s[off[1] + op[off[2]]]; });
  });
}

void index_put_kernel(const Tensor& dst, const Tensor& offsets, const Tensor& values,
                      bool accumulate) {
  DimVector os(dst.dim(), 0);
  if (dst.dim() > 0) os[0] = offsets.stride(0);
  const int64_t* op = offsets.data_ptr<int64_t>();
  visit_all_types(dst.dtype(), "index_put_", [&]<class T>() {
    T* d = static_cast<T*>(dst.data_ptr());
    const T* v = static_cast<const T*>(values.data_ptr());
    nd_loop<3>(values.sizes(), {dst.strides(), values.strides(), IntArrayRef(os)},
               [&](const std::array<int64_t, 3>& off) {
                 T& x = d[off[0] + op[off[2]]];
                 x = accumulate ? combine(x, v[off[1]], ScatterReduce::Add) : v[off[1]];
               });
  });
}

void index_offsets_kernel(const Tensor& offsets, TensorList indices, IntArrayRef sizes,
                          IntArrayRef strides, IntArrayRef dims, bool /*for_write: checked here*/) {
  int64_t* o = offsets.data_ptr<int64_t>();
  const int64_t n = offsets.numel();
  for (int64_t p = 0; p < n; ++p) o[p] = 0;
  for (size_t k = 0; k < indices.size(); ++k) {
    const int64_t* ip = indices[k].data_ptr<int64_t>();  // contiguous
    for (int64_t p = 0; p < n; ++p) {
      int64_t i = ip[p];
      if (i < -sizes[k] || i >= sizes[k]) out_of_bounds(i, dims[k], sizes[k]);
      if (i < 0) i += sizes[k];
      o[p] += i * strides[k];
    }
  }
}

void masked_fill_kernel(const Tensor& self, const Tensor& mask, const Scalar& value) {
  const bool* m = mask.data_ptr<bool>();
  visit_all_types(self.dtype(), "masked_fill", [&]<class T>() {
    T* d = static_cast<T*>(self.data_ptr());
    T v = value.isFloatingPoint() ? cpu::convert<T>(value.to<double>())
                                  : cpu::convert<T>(value.to<int64_t>());
    nd_loop<2>(self.sizes(), {self.strides(), mask.strides()},
               [&](const std::array<int64_t, 2>& off) {
                 if (m[off[1]]) d[off[0]] = v;
               });
  });
}

Tensor nonzero_kernel(const Tensor& self) {
  const int64_t nd = self.dim();
  std::vector<int64_t> coords;
  int64_t count = 0;
  visit_all_types(self.dtype(), "nonzero", [&]<class T>() {
    const T* s = static_cast<const T*>(self.data_ptr());
    int64_t flat = 0;
    // nd_loop visits in row-major order; recover coordinates from the running position.
    nd_loop<1>(self.sizes(), {self.strides()}, [&](const std::array<int64_t, 1>& off) {
      if (cpu::convert<bool>(s[off[0]])) {
        ++count;
        int64_t r = flat;
        size_t base = coords.size();
        coords.resize(base + nd);
        for (int64_t d = nd - 1; d >= 0; --d) {
          coords[base + d] = r % self.size(d);
          r /= self.size(d);
        }
      }
      ++flat;
    });
  });
  Tensor out = make_tensor({count, nd}, kLong);
  if (!coords.empty()) std::memcpy(out.data_ptr(), coords.data(), coords.size() * sizeof(int64_t));
  return out;
}

}  // namespace

EMBER_DEFINE_STUB(gather_stub, gather_kernel);
EMBER_DEFINE_STUB(scatter_stub, scatter_kernel);
EMBER_DEFINE_STUB(index_stub, index_kernel);
EMBER_DEFINE_STUB(index_put_stub, index_put_kernel);
EMBER_DEFINE_STUB(index_offsets_stub, index_offsets_kernel);
EMBER_DEFINE_STUB(masked_fill_stub, masked_fill_kernel);
EMBER_DEFINE_STUB(nonzero_stub, nonzero_kernel);

}  // namespace ember
