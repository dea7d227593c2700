// Registers the CUDA indexing kernels (src/cuda/index.cu) in the stubs of src/kernels/index.h:
// builds each kernel's geometry from the tensors and turns a recorded out-of-bounds index into
// the CPU kernels' IndexError: at the next synchronisation for gather, scatter, embedding and
// advanced-indexing reads (Note [Deferred kernel errors]); at the call for index_put_'s offsets
// (it waits for the check before anything is written).
#include <cstring>

#include "ember/cuda/stream.h"
#include "ember/ops/factory.h"
#include "src/cpu/convert.h"
#include "src/cuda/elementwise.h"
#include "src/cuda/runtime.h"
#include "src/cuda/stubs.h"
#include "src/kernels/index.h"
#include "src/kernels/normalization.h"
#include "src/kernels/shape.h"

namespace ember::cuda {
namespace {
using detail::KernelErrorCheck;
using detail::resolve_device;

NdGeometry geometry(IntArrayRef sizes, std::initializer_list<IntArrayRef> strides, const char* op) {
  NdGeometry g;
  EMBER_CHECK(sizes.size() <= static_cast<size_t>(kMaxDims), "[", op,
              "] CUDA kernels support at most ", kMaxDims, " dimensions");
  g.ndim = static_cast<int>(sizes.size());
  g.numel = 1;
  for (int d = 0; d < g.ndim; ++d) {
    g.sizes[d] = sizes[static_cast<size_t>(d)];
    g.numel *= g.sizes[d];
  }
  int k = 0;
  for (IntArrayRef s : strides) {
    for (int d = 0; d < g.ndim; ++d) g.strides[k][d] = s[static_cast<size_t>(d)];
    ++k;
  }
  return g;
}

// PyTorch's IndexError for a record {flag, index, k}: index tensor k (of sizes/dims) held it.
::ember::detail::KernelErrorRaiser index_raiser(IntArrayRef sizes, IntArrayRef dims) {
  return [sizes = DimVector(sizes), dims = DimVector(dims)](const int64_t* e,
                                                            const std::string& note) {
    size_t k = static_cast<size_t>(e[2]);
    ::ember::detail::throw_index_error(
        ::ember::detail::str_cat("index ", e[1], " is out of bounds for dimension ", dims[k],
                                 " with size ", sizes[k], note));
  };
}

DeviceIndex index_of(const Tensor& t) { return resolve_device(t.device().index()); }

// Kernels read every operand on the device: a tensor elsewhere gets PyTorch's mixed-device error.
void check_devices(const char* op, const Tensor& self,
                   std::initializer_list<const Tensor*> others) {
  for (const Tensor* t : others) {
    EMBER_CHECK(!t->defined() || t->device() == self.device(), "[", op,
                "] Expected all tensors to be on the same device, but found at least two devices, ",
                self.device(), " and ", t->device(), "!");
  }
}

DimVector strides_without(const Tensor& t, int64_t dim) {
  DimVector s(t.strides());
  if (t.dim() > 0) s[static_cast<size_t>(dim)] = 0;
  return s;
}

void gather_cuda(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  check_devices("gather", self, {&out, &index});
  CUDAGuard guard(self.device());
  int64_t size = self.dim() == 0 ? 1 : self.size(dim);
  int64_t dstride = self.dim() == 0 ? 0 : self.stride(dim);
  DimVector ss = strides_without(self, dim);
  NdGeometry g =
      geometry(index.sizes(), {out.strides(), index.strides(), IntArrayRef(ss)}, "gather");
  g.stream = stream_of(self);
  KernelErrorCheck err(index_of(self), g.stream, "gather", index_raiser({size}, {dim}));
  launch_gather(g, out.data_ptr(), self.data_ptr(), index.data_ptr<int64_t>(), size, dstride,
                self.element_size(), err.ptr());
  err.launched();
}

void scatter_cuda(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                  ScatterReduce reduce) {
  check_devices("scatter", self, {&index, &src});
  CUDAGuard guard(self.device());
  EMBER_CHECK(reduce != ScatterReduce::Multiply,
              "[scatter] reduce='multiply' is not implemented on CUDA");
  int64_t size = self.dim() == 0 ? 1 : self.size(dim);
  int64_t dstride = self.dim() == 0 ? 0 : self.stride(dim);
  CUstream_st* stream = stream_of(self);
  if (!detail::deferred_kernel_errors()) {
    // Errors at the call: every index is checked first, so that the in-place scatter never stops
    // half-way (as the CPU). Deferred, the kernel skips and records bad indices (as PyTorch's
    // device asserts, the good ones may be written): embedding's and gather's backward (an
    // index_add / scatter_add into zeros) then need no wait.
    NdGeometry check =
        geometry(index.sizes(), {index.strides(), index.strides(), index.strides()}, "scatter");
    check.stream = stream;
    KernelErrorCheck first(index_of(self), stream, "scatter", index_raiser({size}, {dim}),
                           /*at_call=*/true);
    launch_check_index(check, index.data_ptr<int64_t>(), size, first.ptr());
    first.launched();
  }
  DimVector ss = strides_without(self, dim);
  NdGeometry g =
      geometry(index.sizes(), {IntArrayRef(ss), index.strides(), src.strides()}, "scatter");
  g.stream = stream;
  KernelErrorCheck err(index_of(self), stream, "scatter", index_raiser({size}, {dim}));
  launch_scatter(g, self.data_ptr(), index.data_ptr<int64_t>(), src.data_ptr(), size, dstride,
                 self.dtype(), reduce == ScatterReduce::Add, err.ptr());
  err.launched();
}

// The offsets' stride on the first dim (the index position), zero elsewhere.
DimVector offset_strides(const Tensor& t, const Tensor& offsets) {
  DimVector os(static_cast<size_t>(t.dim()), 0);
  if (t.dim() > 0) os[0] = offsets.stride(0);
  return os;
}

void index_cuda(const Tensor& out, const Tensor& src, const Tensor& offsets) {
  check_devices("index", src, {&out, &offsets});
  CUDAGuard guard(src.device());
  DimVector os = offset_strides(src, offsets);
  NdGeometry g = geometry(out.sizes(), {out.strides(), src.strides(), IntArrayRef(os)}, "index");
  g.stream = stream_of(src);
  launch_index(g, out.data_ptr(), src.data_ptr(), offsets.data_ptr<int64_t>(), src.element_size());
}

void index_put_cuda(const Tensor& dst, const Tensor& offsets, const Tensor& values,
                    bool accumulate) {
  check_devices("index_put_", dst, {&offsets, &values});
  CUDAGuard guard(dst.device());
  DimVector os = offset_strides(dst, offsets);
  NdGeometry g =
      geometry(dst.sizes(), {dst.strides(), values.strides(), IntArrayRef(os)}, "index_put_");
  g.stream = stream_of(dst);
  launch_index_put(g, dst.data_ptr(), offsets.data_ptr<int64_t>(), values.data_ptr(), dst.dtype(),
                   accumulate);
}

void index_offsets_cuda(const Tensor& offsets, TensorList indices, IntArrayRef sizes,
                        IntArrayRef strides, IntArrayRef dims, bool for_write) {
  CUDAGuard guard(offsets.device());
  std::vector<const int64_t*> ptrs;
  for (const Tensor& t : indices) {
    check_devices("index", offsets, {&t});
    ptrs.push_back(t.data_ptr<int64_t>());
  }
  CUstream_st* stream = stream_of(offsets);
  // index_put_ writes through the offsets: every index is checked before, at the call (a wait).
  // A read: a bad index's offset is 0 (in bounds) and its error deferred.
  KernelErrorCheck err(index_of(offsets), stream, for_write ? "index_put_" : "index",
                       index_raiser(sizes, dims), /*at_call=*/for_write);
  launch_index_offsets(offsets.data_ptr<int64_t>(), offsets.numel(), ptrs.data(), sizes.data(),
                       strides.data(), static_cast<int>(ptrs.size()), err.ptr(), stream);
  err.launched();
}

void masked_fill_cuda(const Tensor& self, const Tensor& mask, const Scalar& value) {
  check_devices("masked_fill", self, {&mask});
  CUDAGuard guard(self.device());
  uint64_t bits = 0;
  visit_all_types(self.dtype(), "masked_fill", [&]<class T>() {
    T v = value.isFloatingPoint() ? cpu::convert<T>(value.to<double>())
                                  : cpu::convert<T>(value.to<int64_t>());
    std::memcpy(&bits, &v, sizeof(T));
  });
  NdGeometry g =
      geometry(self.sizes(), {self.strides(), mask.strides(), mask.strides()}, "masked_fill");
  g.stream = stream_of(self);
  launch_masked_fill(g, self.data_ptr(), mask.data_ptr<bool>(), self.element_size(), bits);
}

// out [L, D] = weight[indices[l]]: a gather with the index broadcast along D.
void embedding_cuda(Tensor& out, const Tensor& weight, const Tensor& indices) {
  check_devices("embedding", weight, {&indices});
  CUDAGuard guard(weight.device());
  int64_t L = out.size(0), D = out.size(1);
  DimVector is{indices.stride(0), 0}, ws{0, weight.stride(1)};
  NdGeometry g =
      geometry(DimVector{L, D}, {out.strides(), IntArrayRef(is), IntArrayRef(ws)}, "embedding");
  g.stream = stream_of(weight);
  // The CPU kernel's message (src/ops/embedding.cpp), as an Error.
  const int64_t num = weight.size(0);
  KernelErrorCheck err(index_of(weight), g.stream, "embedding",
                       [num](const int64_t* e, const std::string& note) {
                         EMBER_ERROR("[embedding] index out of range in self: index ", e[1],
                                     " is out of bounds for dimension 0 with size ", num, note);
                       });
  launch_gather(g, out.data_ptr(), weight.data_ptr(), indices.data_ptr<int64_t>(), num,
                weight.stride(0), weight.element_size(), err.ptr());
  err.launched();
}

// A single zero offset on the device: lets the offset kernels copy or accumulate plainly.
Tensor zero_offset(Device d) { return zeros({1}, TensorOptions(kLong).device(d)); }

// out (contiguous) = self read through negated strides from the end of each flipped dim.
void flip_cuda(Tensor& out, const Tensor& self, const std::vector<bool>& flip) {
  CUDAGuard guard(self.device());
  if (self.numel() == 0) return;
  DimVector st(self.strides());
  int64_t start = 0;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (flip[static_cast<size_t>(d)] && self.size(d) > 0) {
      start += (self.size(d) - 1) * st[static_cast<size_t>(d)];
      st[static_cast<size_t>(d)] = -st[static_cast<size_t>(d)];
    }
  }
  DimVector none(static_cast<size_t>(self.dim()), 0);
  NdGeometry g =
      geometry(self.sizes(), {out.strides(), IntArrayRef(st), IntArrayRef(none)}, "flip");
  g.stream = stream_of(self);
  Tensor zero = zero_offset(self.device());
  const char* src = static_cast<const char*>(self.data_ptr()) + start * self.element_size();
  launch_index(g, out.data_ptr(), src, zero.data_ptr<int64_t>(), self.element_size());
}

void tri_cuda(Tensor& self, int64_t diagonal, bool lower) {
  CUDAGuard guard(self.device());
  int64_t r = self.size(-2), c = self.size(-1);
  if (self.numel() == 0) return;
  launch_tri(self.data_ptr(), self.numel() / (r * c), r, c, diagonal, lower, self.element_size(),
             stream_of(self));
}

// dst[i] += src[i] over dst's (possibly overlapping) strides: atomic adds.
void strided_add_cuda(const Tensor& dst, const Tensor& src_in) {
  check_devices("strided_add", dst, {&src_in});
  CUDAGuard guard(dst.device());
  if (dst.numel() == 0) return;
  Tensor src = src_in.contiguous();
  DimVector none(static_cast<size_t>(dst.dim()), 0);
  NdGeometry g =
      geometry(dst.sizes(), {dst.strides(), src.strides(), IntArrayRef(none)}, "strided_add");
  g.stream = stream_of(dst);
  Tensor zero = zero_offset(dst.device());
  launch_index_put(g, dst.data_ptr(), zero.data_ptr<int64_t>(), src.data_ptr(), dst.dtype(), true);
}

// Rows of the contiguous [rows, n] input (the op's copy with the sorted dim last).
void sort_cuda(const Tensor& values, const Tensor& indices, const Tensor& in_, int64_t k,
               bool descending) {
  check_devices("sort", in_, {&values, &indices});
  CUDAGuard guard(in_.device());
  Tensor in = in_.contiguous();
  const int64_t n = in.dim() == 0 ? 1 : in.size(in.dim() - 1);
  const int64_t rows = n == 0 ? 0 : in.numel() / n;
  if (rows == 0 || k == 0) return;
  launch_sort(values.data_ptr(), indices.data_ptr<int64_t>(), in.data_ptr(), in.dtype(), rows, n, k,
              descending, stream_of(in));
}

// [count, ndim] coordinates in row-major order; waits for the count (as PyTorch).
Tensor nonzero_cuda(const Tensor& self) {
  CUDAGuard guard(self.device());
  const int64_t nd = self.dim();
  EMBER_CHECK(nd <= kMaxDims, "[nonzero] CUDA kernels support at most ", kMaxDims, " dimensions");
  if (self.numel() == 0) return make_tensor({0, nd}, kLong, self.device());
  Tensor mask = self.to(kBool).contiguous();
  Tensor flat = make_tensor({self.numel()}, kLong, self.device());
  Tensor count = make_tensor({1}, kLong, self.device());
  CUstream_st* stream = stream_of(self);
  launch_nonzero_flat(mask.data_ptr<bool>(), mask.numel(), flat.data_ptr<int64_t>(),
                      count.data_ptr<int64_t>(), stream);
  const int64_t c = count.cpu().data_ptr<int64_t>()[0];
  Tensor out = make_tensor({c, nd}, kLong, self.device());
  NdGeometry g = geometry(self.sizes(), {}, "nonzero");
  g.stream = stream;
  launch_nonzero_coords(flat.data_ptr<int64_t>(), c, g, out.data_ptr<int64_t>());
  return out;
}

}  // namespace

void register_cuda_index_kernels() {
  reg(gather_stub, gather_cuda);
  reg(scatter_stub, scatter_cuda);
  reg(index_stub, index_cuda);
  reg(index_put_stub, index_put_cuda);
  reg(index_offsets_stub, index_offsets_cuda);
  reg(masked_fill_stub, masked_fill_cuda);
  reg(embedding_stub, embedding_cuda);
  reg(flip_stub, flip_cuda);
  reg(tri_stub, tri_cuda);
  reg(strided_add_stub, strided_add_cuda);
  reg(sort_stub, sort_cuda);
  reg(nonzero_stub, nonzero_cuda);
}

}  // namespace ember::cuda
