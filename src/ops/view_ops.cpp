// More view ops: narrow, slice, split, chunk, unbind, diagonal, movedim, as_strided, unfold,
// unflatten, swapaxes. Each shares storage with its input; backward scatters into zeros.
#include <numeric>

#include "ember/core/wrap_dim.h"
#include "ember/ops/shape.h"
#include "src/ops/shape_util.h"

namespace ember {

namespace {
// slice() with the given node name (narrow and split record SliceBackward0 / SplitBackward0).
Tensor slice_impl(const Tensor& self, int64_t dim, std::optional<int64_t> start_opt,
                  std::optional<int64_t> end_opt, int64_t step, const char* node) {
  EMBER_CHECK_INDEX(self.dim() > 0, "[slice] slice() cannot be applied to a 0-dim tensor.");
  EMBER_CHECK(step > 0, "[slice] slice step must be positive");
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  int64_t start = start_opt.value_or(0);
  int64_t end = end_opt.value_or(INT64_MAX);
  // PyTorch clamps out-of-range bounds instead of failing.
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) {
    start = 0;
  } else if (start >= n) {
    start = n;
  }
  if (end < start) {
    end = start;
  } else if (end >= n) {
    end = n;
  }
  DimVector sz(self.sizes()), st(self.strides());
  int64_t off = self.storage_offset() + start * st[d];
  sz[d] = (end - start + step - 1) / step;
  st[d] *= step;
  return make_autograd_view(self, sz, st, off, node,
                            [in = DimVector(self.sizes()), d, start, end, step](
                                autograd::FunctionNode&, const variable_list& g) {
                              return variable_list{view_scatter_backward(
                                  g[0], in, "SliceBackwardBackward0", [=](const Tensor& t) {
                                    return ::ember::slice(t, d, start, end, step);
                                  })};
                            });
}

Tensor narrow_impl(const Tensor& self, int64_t dim, int64_t start, int64_t length,
                   const char* node) {
  EMBER_CHECK_INDEX(self.dim() > 0, "[narrow] narrow() cannot be applied to a 0-dim tensor.");
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  EMBER_CHECK_INDEX(start >= -n && start <= n,
                    "[narrow] start out of range (expected to be in "
                    "range of [",
                    -n, ", ", n, "], but got ", start, ")");
  if (start < 0) start += n;
  EMBER_CHECK(length >= 0 && start <= n - length, "[narrow] start (", start, ") + length (", length,
              ") exceeds dimension size (", n, ").");
  return slice_impl(self, d, start, start + length, 1, node);
}

// Pieces of `sizes` along d sharing one multi-output node `node`, as PyTorch's split: backward is
// one cat of the pieces' gradients (zeros where none flowed) instead of a full-size zero tensor
// per piece that the engine would then add up (an RNN splits its input into one piece per step).
std::vector<Tensor> split_views(const Tensor& self, int64_t d, IntArrayRef sizes,
                                const char* node) {
  std::vector<Tensor> out;
  out.reserve(sizes.size());
  DimVector sz(self.sizes());
  int64_t start = 0;
  for (int64_t s : sizes) {
    sz[d] = s;
    out.push_back(
        make_view(self, sz, self.strides(), self.storage_offset() + start * self.stride(d)));
    start += s;
  }
  if (auto n =
          autograd::make_node(node, {self}, [d](autograd::FunctionNode&, const variable_list& g) {
            return variable_list{cat(g, d)};
          })) {
    for (const Tensor& t : out) autograd::set_history(t, n);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    autograd::track_view(out[i], self);
    autograd::mark_multi_output_view(out[i], static_cast<uint32_t>(i));
  }
  return out;
}
}  // namespace

Tensor slice(const Tensor& self, int64_t dim, std::optional<int64_t> start,
             std::optional<int64_t> end, int64_t step) {
  return slice_impl(self, dim, start, end, step, "SliceBackward0");
}

Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length) {
  return narrow_impl(self, dim, start, length, "SliceBackward0");
}

std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim) {
  EMBER_CHECK(self.dim() != 0, "[split] split expects at least a 1-dimensional tensor");
  EMBER_CHECK(split_size >= 0,
              "[split] split expects split_size be non-negative, but got "
              "split_size=",
              split_size);
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  EMBER_CHECK(split_size != 0 || n == 0,
              "[split] split_size can only be 0 if dimension size is "
              "0, but got dimension size of ",
              n);
  int64_t num = split_size == 0 ? 1 : std::max<int64_t>((n + split_size - 1) / split_size, 1);
  DimVector sizes;
  for (int64_t i = 0; i < num; ++i)
    sizes.push_back(std::max<int64_t>(std::min(split_size, n - i * split_size), 0));
  return split_views(self, d, sizes, "SplitBackward0");
}

std::vector<Tensor> split_with_sizes(const Tensor& self, IntArrayRef split_sizes, int64_t dim) {
  EMBER_CHECK(self.dim() != 0,
              "[split_with_sizes] split expects at least a 1-dimensional "
              "tensor");
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  int64_t total = 0;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0,
                "[split_with_sizes] split_with_sizes expects split_sizes have only "
                "non-negative entries, but got split_sizes=",
                split_sizes);
    total += s;
  }
  EMBER_CHECK(total == n,
              "[split_with_sizes] split_with_sizes expects split_sizes to sum exactly "
              "to ",
              n, " (input tensor's size at dimension ", d, "), but got split_sizes=", split_sizes);
  return split_views(self, d, split_sizes, "SplitWithSizesBackward0");
}

std::vector<Tensor> split(const Tensor& self, IntArrayRef split_sizes, int64_t dim) {
  return split_with_sizes(self, split_sizes, dim);
}

std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim) {
  EMBER_CHECK(self.dim() > 0, "[chunk] chunk expects at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "[chunk] chunk expects `chunks` to be greater than 0, got: ", chunks);
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  int64_t split_size = (n + chunks - 1) / chunks;
  if (split_size == 0 && n == 0) {
    // Empty dim: `chunks` empty pieces, as PyTorch.
    std::vector<int64_t> sizes(static_cast<size_t>(chunks), 0);
    return split_with_sizes(self, sizes, d);
  }
  return split(self, split_size, d);
}

std::vector<Tensor> unbind(const Tensor& self, int64_t dim) {
  int64_t d = maybe_wrap_dim(dim, self.dim(), false);
  std::vector<Tensor> out;
  for (int64_t i = 0; i < self.size(d); ++i) {
    out.push_back(select_impl(self, d, i, "UnbindBackward0"));
    autograd::mark_multi_output_view(out.back(), static_cast<uint32_t>(i));
  }
  return out;
}

Tensor diagonal(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2) {
  int64_t nd = self.dim();
  int64_t a = maybe_wrap_dim(dim1, nd), b = maybe_wrap_dim(dim2, nd);
  EMBER_CHECK(a != b, "[diagonal] diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  int64_t len = offset >= 0 ? std::min(self.size(a), self.size(b) - offset)
                            : std::min(self.size(a) + offset, self.size(b));
  len = std::max<int64_t>(len, 0);
  int64_t off = self.storage_offset();
  if (len > 0) off += offset >= 0 ? offset * self.stride(b) : -offset * self.stride(a);
  DimVector sz, st;
  for (int64_t i = 0; i < nd; ++i) {
    if (i == a || i == b) continue;
    sz.push_back(self.size(i));
    st.push_back(self.stride(i));
  }
  sz.push_back(len);
  st.push_back(self.stride(a) + self.stride(b));
  return make_autograd_view(self, sz, st, off, "DiagonalBackward0",
                            [in = DimVector(self.sizes()), offset, a, b](autograd::FunctionNode&,
                                                                         const variable_list& g) {
                              return variable_list{diagonal_backward(g[0], in, offset, a, b)};
                            });
}

Tensor diagonal_backward(const Tensor& grad, IntArrayRef input_sizes, int64_t offset, int64_t dim1,
                         int64_t dim2) {
  return view_scatter_backward(grad, input_sizes, "DiagonalBackwardBackward0",
                               [=](const Tensor& t) { return t.diagonal(offset, dim1, dim2); });
}

Tensor movedim(const Tensor& self, IntArrayRef source, IntArrayRef destination) {
  int64_t nd = self.dim();
  EMBER_CHECK(source.size() == destination.size(),
              "[movedim] movedim: Invalid source or "
              "destination dims: source (",
              source,
              " dims) should contain the same number of "
              "dims as destination (",
              destination, " dims)");
  std::vector<int64_t> src, dst;
  std::vector<bool> src_seen(static_cast<size_t>(std::max<int64_t>(nd, 1))),
      dst_seen(static_cast<size_t>(std::max<int64_t>(nd, 1)));
  for (size_t i = 0; i < source.size(); ++i) {
    int64_t s = maybe_wrap_dim(source[i], nd), t = maybe_wrap_dim(destination[i], nd);
    EMBER_CHECK(!src_seen[s], "[movedim] movedim: repeated dim in `source` (", source, ")");
    EMBER_CHECK(!dst_seen[t], "[movedim] movedim: repeated dim in `destination` (", destination,
                ")");
    src_seen[s] = dst_seen[t] = true;
    src.push_back(s);
    dst.push_back(t);
  }
  if (nd == 0) return self.view(self.sizes());
  std::vector<int64_t> order(static_cast<size_t>(nd), -1);
  for (size_t i = 0; i < src.size(); ++i) order[dst[i]] = src[i];
  // The other dims keep their relative order in the free slots.
  int64_t next = 0;
  for (auto& o : order) {
    if (o != -1) continue;
    while (src_seen[next]) ++next;
    o = next++;
  }
  return permute(self, order);
}

Tensor movedim(const Tensor& self, int64_t source, int64_t destination) {
  return movedim(self, IntArrayRef(source), IntArrayRef(destination));
}
Tensor moveaxis(const Tensor& self, IntArrayRef source, IntArrayRef destination) {
  return movedim(self, source, destination);
}
Tensor moveaxis(const Tensor& self, int64_t source, int64_t destination) {
  return movedim(self, source, destination);
}

Tensor as_strided(const Tensor& self, IntArrayRef size, IntArrayRef stride,
                  std::optional<int64_t> storage_offset) {
  EMBER_CHECK(size.size() == stride.size(),
              "[as_strided] mismatch in length of strides and "
              "shape");
  for (int64_t s : stride) {
    EMBER_CHECK(s >= 0,
                "[as_strided] as_strided: Negative strides are not supported at the "
                "moment, got strides: ",
                stride);
  }
  int64_t off = storage_offset.value_or(self.storage_offset());
  EMBER_CHECK(off >= 0, "[as_strided] Tensor: invalid storage offset ", off);
  int64_t numel = checked_numel(size, "as_strided");
  int64_t isz = self.element_size();
  int64_t storage_elems = static_cast<int64_t>(self.storage()->nbytes()) / isz;
  if (numel > 0) {
    // The last element reached must lie inside the storage: never read out of bounds.
    int64_t last = off;
    for (size_t i = 0; i < size.size(); ++i) {
      EMBER_CHECK(stride[i] == 0 || (size[i] - 1) <= (INT64_MAX - last) / stride[i],
                  "[as_strided] sizes ", size, " and strides ", stride, " overflow");
      last += (size[i] - 1) * stride[i];
    }
    EMBER_CHECK(last < storage_elems, "[as_strided] setStorage: sizes ", size, ", strides ", stride,
                ", storage offset ", off, ", and itemsize ", isz, " requiring a storage size of ",
                (last + 1) * isz, " are out of bounds for storage of size ", storage_elems * isz);
  }
  return make_autograd_view(
      self, size, stride, off, "AsStridedBackward0",
      [in_sz = DimVector(self.sizes()), in_st = DimVector(self.strides()),
       in_off = self.storage_offset(), sz = DimVector(size), st = DimVector(stride), off,
       storage_elems](autograd::FunctionNode&, const variable_list& g) {
        // Scatter into a flat image of the storage, then read the input's geometry back.
        Tensor flat =
            view_scatter_backward(g[0], {storage_elems}, "AsStridedBackwardBackward0",
                                  [=](const Tensor& t) { return t.as_strided(sz, st, off); });
        return variable_list{flat.as_strided(in_sz, in_st, in_off)};
      });
}

Tensor Tensor::unfold(int64_t dimension, int64_t size, int64_t step) const {
  int64_t nd = dim();
  int64_t d = maybe_wrap_dim(dimension, nd);
  int64_t max_size = nd == 0 ? 1 : this->size(d);
  EMBER_CHECK(size <= max_size, "[unfold] maximum size for tensor at dimension ", d, " is ",
              max_size, " but size is ", size);
  EMBER_CHECK(size >= 0, "[unfold] size is ", size, " but must be >= 0");
  EMBER_CHECK(step > 0, "[unfold] step is ", step, " but must be > 0");
  DimVector sz(sizes()), st(strides());
  if (nd == 0) {
    sz.push_back(size);
    st.push_back(1);
  } else {
    sz[d] = (this->size(d) - size) / step + 1;
    st[d] = step * stride(d);
    sz.push_back(size);
    st.push_back(stride(d));
  }
  return make_autograd_view(
      *this, sz, st, storage_offset(), "UnfoldBackward0",
      [in = DimVector(sizes()), d, size, step](autograd::FunctionNode&, const variable_list& g) {
        return variable_list{
            view_scatter_backward(g[0], in, "UnfoldBackwardBackward0",
                                  [=](const Tensor& t) { return t.unfold(d, size, step); })};
      });
}

Tensor unflatten(const Tensor& self, int64_t dim, IntArrayRef sizes) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  EMBER_CHECK(!sizes.empty(), "[unflatten] unflatten: sizes must be non-empty");
  DimVector inner;
  int64_t n = self.size(d);
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      EMBER_CHECK(infer < 0, "[unflatten] only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else {
      known *= sizes[i];
    }
    inner.push_back(sizes[i]);
  }
  if (infer >= 0 && known != 0 && n % known == 0) inner[infer] = n / known;
  EMBER_CHECK(infer >= 0 ? (known != 0 && n % known == 0) : known == n,
              "[unflatten] unflatten: Provided sizes ", sizes,
              " don't multiply up to the size of dim ", dim, " (", n, ") in the input tensor");
  DimVector shape;
  for (int64_t i = 0; i < d; ++i) shape.push_back(self.size(i));
  for (int64_t s : inner) shape.push_back(s);
  for (int64_t i = d + 1; i < self.dim(); ++i) shape.push_back(self.size(i));
  return self.view(shape);
}

Tensor swapaxes(const Tensor& self, int64_t axis0, int64_t axis1) {
  return transpose(self, axis0, axis1);
}
Tensor swapdims(const Tensor& self, int64_t dim0, int64_t dim1) {
  return transpose(self, dim0, dim1);
}

Tensor squeeze(const Tensor& self, IntArrayRef dims) {
  auto seen = dim_list_to_bitset(dims, self.dim(), "squeeze");
  DimVector sz, st;
  for (int64_t i = 0; i < self.dim(); ++i) {
    if (seen[i] && self.size(i) == 1) continue;
    sz.push_back(self.size(i));
    st.push_back(self.stride(i));
  }
  return make_autograd_view(
      self, sz, st, self.storage_offset(), "SqueezeBackward2",
      [in = DimVector(self.sizes())](autograd::FunctionNode&, const variable_list& g) {
        return variable_list{g[0].reshape(in)};
      });
}

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  return ::ember::narrow(*this, dim, start, length);
}
Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
                     int64_t step) const {
  return ::ember::slice(*this, dim, start, end, step);
}
std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const {
  return ::ember::split(*this, split_size, dim);
}
std::vector<Tensor> Tensor::split(IntArrayRef split_sizes, int64_t dim) const {
  return ::ember::split(*this, split_sizes, dim);
}
std::vector<Tensor> Tensor::split_with_sizes(IntArrayRef split_sizes, int64_t dim) const {
  return ::ember::split_with_sizes(*this, split_sizes, dim);
}
std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const {
  return ::ember::chunk(*this, chunks, dim);
}
std::vector<Tensor> Tensor::unbind(int64_t dim) const { return ::ember::unbind(*this, dim); }
Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  return ::ember::diagonal(*this, offset, dim1, dim2);
}
Tensor Tensor::movedim(IntArrayRef source, IntArrayRef destination) const {
  return ::ember::movedim(*this, source, destination);
}
Tensor Tensor::movedim(int64_t source, int64_t destination) const {
  return ::ember::movedim(*this, source, destination);
}
Tensor Tensor::moveaxis(IntArrayRef source, IntArrayRef destination) const {
  return ::ember::movedim(*this, source, destination);
}
Tensor Tensor::moveaxis(int64_t source, int64_t destination) const {
  return ::ember::movedim(*this, source, destination);
}
Tensor Tensor::as_strided(IntArrayRef size, IntArrayRef stride,
                          std::optional<int64_t> storage_offset) const {
  return ::ember::as_strided(*this, size, stride, storage_offset);
}
Tensor Tensor::unflatten(int64_t dim, IntArrayRef sizes) const {
  return ::ember::unflatten(*this, dim, sizes);
}
Tensor Tensor::swapaxes(int64_t axis0, int64_t axis1) const { return transpose(axis0, axis1); }
Tensor Tensor::swapdims(int64_t dim0, int64_t dim1) const { return transpose(dim0, dim1); }
Tensor& Tensor::swapaxes_(int64_t axis0, int64_t axis1) const { return transpose_(axis0, axis1); }
Tensor& Tensor::swapdims_(int64_t dim0, int64_t dim1) const { return transpose_(dim0, dim1); }
Tensor Tensor::squeeze(IntArrayRef dims) const { return ::ember::squeeze(*this, dims); }

}  // namespace ember
