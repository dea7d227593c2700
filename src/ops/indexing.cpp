// Python-style indexing: TensorIndex/Slice, Tensor::index, index_put_ and advanced indexing with
// index tensors and bool masks (result-shape rules of NumPy/PyTorch).
#include <algorithm>

#include "ember/autograd/function_node.h"
#include "ember/core/wrap_dim.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/ops/factory.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"
#include "src/ops/index_util.h"

namespace ember {

namespace indexing {

Slice::Slice(std::optional<int64_t> start_index, std::optional<int64_t> stop_index,
             std::optional<int64_t> step_index) {
  step_ = step_index.value_or(1);
  EMBER_CHECK(step_ != 0, "[Slice] slice step cannot be zero");
  start_ = start_index.value_or(step_ < 0 ? INDEX_MAX : 0);
  stop_ = stop_index.value_or(step_ < 0 ? INDEX_MIN : INDEX_MAX);
}

std::ostream& operator<<(std::ostream& os, const Slice& s) {
  return os << s.start() << ":" << s.stop() << ":" << s.step();
}

TensorIndex::TensorIndex(const char* str) : type_(TensorIndexType::Ellipsis) {
  EMBER_CHECK(std::string_view(str) == "...",
              "[TensorIndex] Expected \"...\" to represent an "
              "ellipsis index, but got \"",
              str, "\"");
}

std::ostream& operator<<(std::ostream& os, const TensorIndex& i) {
  if (i.is_none()) return os << "None";
  if (i.is_ellipsis()) return os << "...";
  if (i.is_integer()) return os << i.integer();
  if (i.is_boolean()) return os << (i.boolean() ? "true" : "false");
  if (i.is_slice()) return os << i.slice();
  return os << i.tensor();
}

}  // namespace indexing

namespace index_detail {

Tensor slice_backward(const Tensor& grad, IntArrayRef input_sizes, int64_t dim, int64_t start,
                      int64_t stop, int64_t step);

Tensor slice_view(const Tensor& self, int64_t dim, std::optional<int64_t> start_in,
                  std::optional<int64_t> stop_in, int64_t step) {
  EMBER_CHECK(self.dim() > 0, "[slice] slice() cannot be applied to a 0-dim tensor.");
  EMBER_CHECK(step > 0, "[slice] step must be greater than zero");
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  auto clamp = [n](int64_t v) {
    if (v < 0) v += n;
    return std::min(std::max<int64_t>(v, 0), n);
  };
  int64_t start = clamp(start_in.value_or(0));
  int64_t stop = std::max(clamp(stop_in.value_or(n)), start);
  DimVector sz(self.sizes()), st(self.strides());
  int64_t off = self.storage_offset() + (start < n ? start * st[d] : 0);
  sz[d] = stop == start ? 0 : (stop - start - 1) / step + 1;  // no overflow for huge steps
  if (sz[d] > 1) st[d] *= step;  // with one element the stride is irrelevant (and could overflow)
  Tensor v = make_view(self, sz, st, off);
  // A private copy of slice: the public slice/narrow ops belong to the shape family.
  if (auto node = autograd::make_node("SliceBackward0", {self},
                                      [in = DimVector(self.sizes()), d, start, stop, step](
                                          autograd::FunctionNode&, const variable_list& g) {
                                        return variable_list{
                                            slice_backward(g[0], in, d, start, stop, step)};
                                      })) {
    autograd::set_history(v, node);
  }
  autograd::track_view(v, self);
  return v;
}

Tensor slice_backward(const Tensor& grad, IntArrayRef input_sizes, int64_t dim, int64_t start,
                      int64_t stop, int64_t step) {
  Tensor out = zeros(input_sizes, grad.options());
  {
    NoGradGuard ng;
    slice_view(out, dim, start, stop, step).copy_(grad);
  }
  if (auto n = autograd::make_node(
          "SliceBackwardBackward0", {grad},
          [dim, start, stop, step](autograd::FunctionNode&, const variable_list& g) {
            return variable_list{slice_view(g[0], dim, start, stop, step)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

namespace {

// The indexed geometry of advanced indexing: every index position p (over the broadcast index
// shape) has an element offset into self; the non-indexed dims ("rest") are iterated as is.
struct AdvancedIndex {
  Tensor offsets;  // [P] int64
  std::vector<int64_t> bshape;
  std::vector<int64_t> rest_sizes, rest_strides;
  int64_t before = 0;  // where the index dims land in the result (0 when they move to the front)
  std::vector<int64_t> result_shape;
};

AdvancedIndex prepare(const Tensor& self, const std::vector<std::optional<Tensor>>& indices,
                      bool for_write) {
  // Per-dim long indices, masks expanded through nonzero.
  std::vector<Tensor> per_dim;
  for (const auto& oi : indices) {
    if (!oi.has_value() || !oi->defined()) {
      per_dim.emplace_back();
      continue;
    }
    const Tensor& t = *oi;
    ScalarType dt = t.dtype();
    if (dt == kBool || dt == kByte) {
      int64_t d0 = static_cast<int64_t>(per_dim.size());
      EMBER_CHECK_INDEX(d0 + t.dim() <= self.dim(), "too many indices for tensor of dimension ",
                        self.dim(), " (got ", d0 + t.dim(), ")");
      for (int64_t j = 0; j < t.dim(); ++j) {
        EMBER_CHECK_INDEX(t.size(j) == self.size(d0 + j), "The shape of the mask ", t.sizes(),
                          " at index ", j, " does not match the shape of the indexed tensor ",
                          self.sizes(), " at index ", d0 + j);
      }
      Tensor nz = nonzero(t);
      for (int64_t j = 0; j < t.dim(); ++j) per_dim.push_back(nz.select(1, j));
    } else {
      EMBER_CHECK_INDEX(dt == kLong || dt == kInt,
                        "tensors used as indices must be long, int, byte or bool tensors");
      per_dim.push_back(t.to(kLong));
    }
  }
  EMBER_CHECK_INDEX(static_cast<int64_t>(per_dim.size()) <= self.dim(),
                    "too many indices for tensor of dimension ", self.dim(), " (got ",
                    per_dim.size(), ")");
  AdvancedIndex a;
  std::vector<int64_t> adv;
  bool first = true;
  for (size_t d = 0; d < per_dim.size(); ++d) {
    if (!per_dim[d].defined()) continue;
    adv.push_back(static_cast<int64_t>(d));
    if (first) {
      a.bshape = per_dim[d].sizes().vec();
      first = false;
    } else {
      EMBER_CHECK_INDEX(
          [&] {
            try {
              a.bshape = infer_size(a.bshape, per_dim[d].sizes(), "index").vec();
              return true;
            } catch (const Error&) {
              return false;
            }
          }(),
          "shape mismatch: indexing tensors could not be broadcast together with shapes ",
          IntArrayRef(a.bshape), ", ", per_dim[d].sizes());
    }
  }
  EMBER_CHECK(!adv.empty(), "[index] at least one index tensor is required");
  bool adjacent = adv.back() - adv.front() + 1 == static_cast<int64_t>(adv.size());
  a.before = adjacent ? adv.front() : 0;
  std::vector<Tensor> idx;
  DimVector sizes, strides, dims;
  for (int64_t d : adv) {
    // Index tensors on the host may index a device tensor (as PyTorch): moved over first.
    idx.push_back(per_dim[d].expand(a.bshape).contiguous().to(self.device()));
    sizes.push_back(self.size(d));
    strides.push_back(self.stride(d));
    dims.push_back(d);
  }
  int64_t p = 1;
  for (int64_t s : a.bshape) p *= s;
  a.offsets = make_tensor({p}, kLong, self.device());
  index_offsets_stub.get(self.device().type())(a.offsets, idx, sizes, strides, dims, for_write);
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (std::find(adv.begin(), adv.end(), d) != adv.end()) continue;
    a.rest_sizes.push_back(self.size(d));
    a.rest_strides.push_back(self.stride(d));
  }
  a.result_shape.assign(a.rest_sizes.begin(), a.rest_sizes.begin() + a.before);
  a.result_shape.insert(a.result_shape.end(), a.bshape.begin(), a.bshape.end());
  a.result_shape.insert(a.result_shape.end(), a.rest_sizes.begin() + a.before, a.rest_sizes.end());
  return a;
}

// Permutation taking the [bshape..., rest...] layout to the result layout.
DimVector result_perm(const AdvancedIndex& a) {
  int64_t nb = static_cast<int64_t>(a.bshape.size());
  int64_t nr = static_cast<int64_t>(a.rest_sizes.size());
  DimVector perm;
  for (int64_t i = 0; i < a.before; ++i) perm.push_back(nb + i);
  for (int64_t i = 0; i < nb; ++i) perm.push_back(i);
  for (int64_t i = a.before; i < nr; ++i) perm.push_back(nb + i);
  return perm;
}

// A [P, rest...] view of `t` whose first dim (stride 0) is addressed through the offsets.
Tensor pr_view(const Tensor& t, const AdvancedIndex& a) {
  std::vector<int64_t> sz{a.offsets.numel()}, st{0};
  sz.insert(sz.end(), a.rest_sizes.begin(), a.rest_sizes.end());
  st.insert(st.end(), a.rest_strides.begin(), a.rest_strides.end());
  return make_view(t, sz, st, t.storage_offset());
}

}  // namespace

Tensor index_no_grad(const Tensor& self, const std::vector<std::optional<Tensor>>& indices) {
  AdvancedIndex a = prepare(self, indices, /*for_write=*/false);
  std::vector<int64_t> br(a.bshape);
  br.insert(br.end(), a.rest_sizes.begin(), a.rest_sizes.end());
  // The kernel writes through a [P, rest...] view; the result itself is never a view.
  Tensor out = make_tensor(br, self.dtype(), self.device());
  Tensor src = pr_view(self, a);
  index_stub.get(self.device().type())(
      make_view(out, src.sizes(), contiguous_strides(src.sizes()), 0), src, a.offsets);
  if (a.before == 0) return out;
  DimVector perm = result_perm(a);
  return out.permute(perm).clone(MemoryFormat::Contiguous);
}

void index_put_no_grad(const Tensor& dst, const std::vector<std::optional<Tensor>>& indices,
                       const Tensor& values, bool accumulate) {
  AdvancedIndex a = prepare(dst, indices, /*for_write=*/true);
  EMBER_CHECK(values.dtype() == dst.dtype(),
              "[index_put_] Index put requires the source and "
              "destination dtypes match, got ",
              toString(dst.dtype()), " for the destination and ", toString(values.dtype()),
              " for the source.");
  bool ok = true;
  try {
    ok = infer_size(values.sizes(), a.result_shape, "index_put_") == IntArrayRef(a.result_shape);
  } catch (const Error&) {
    ok = false;
  }
  EMBER_CHECK(ok, "[index_put_] shape mismatch: value tensor of shape ", values.sizes(),
              " cannot be broadcast to indexing result of shape ", IntArrayRef(a.result_shape));
  NoGradGuard ng;
  Tensor v = values.to(dst.device()).expand(a.result_shape);  // a host 0-dim value may fill
  // Back to the [bshape..., rest...] order, then [P, rest...].
  DimVector perm = result_perm(a), inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inv[perm[i]] = static_cast<int64_t>(i);
  v = v.permute(inv);
  std::vector<int64_t> pr{a.offsets.numel()};
  pr.insert(pr.end(), a.rest_sizes.begin(), a.rest_sizes.end());
  v = v.reshape(pr);
  index_put_stub.get(dst.device().type())(pr_view(dst, a), a.offsets, v, accumulate);
}

void check_out_no_grad(const char* op, std::initializer_list<Tensor> ts) {
  for (const auto& t : ts) {
    EMBER_CHECK(!(autograd::GradMode::is_enabled() && t.defined() && t.requires_grad()), "[", op,
                "] ", op,
                "(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad.");
  }
}

}  // namespace index_detail

using namespace index_detail;  // NOLINT

Tensor index(const Tensor& self, const std::vector<std::optional<Tensor>>& indices) {
  Tensor out;
  {
    NoGradGuard ng;
    out = index_no_grad(self, indices);
  }
  if (auto n = autograd::make_node(
          "IndexBackward0", {self},
          [in = DimVector(self.sizes()), indices](autograd::FunctionNode&, const variable_list& g) {
            return variable_list{index_put(zeros(in, g[0].options()), indices, g[0], true)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor index_put(const Tensor& self, const std::vector<std::optional<Tensor>>& indices,
                 const Tensor& values, bool accumulate) {
  EMBER_AUTOCAST(fallthrough, promote, index_put, self, indices, values, accumulate);
  Tensor out;
  {
    NoGradGuard ng;
    out = self.clone();
    index_put_no_grad(out, indices, values, accumulate);
  }
  if (auto n = autograd::make_node(
          "IndexPutBackward0", {self, values},
          [indices, accumulate, vs = DimVector(values.sizes())](autograd::FunctionNode& node,
                                                                const variable_list& g) {
            variable_list r(2);
            if (node.needs_input_grad(0)) {
              r[0] = accumulate ? g[0] : index_put(g[0], indices, zeros({}, g[0].options()));
            }
            if (node.needs_input_grad(1)) r[1] = autograd::sum_to(index(g[0], indices), vs);
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& index_put_(Tensor& self, const std::vector<std::optional<Tensor>>& indices,
                   const Tensor& values, bool accumulate) {
  return autograd::apply_inplace(
      self, values.requires_grad(), "index_put_",
      [&](const Tensor& s) { return index_put(s, indices, values, accumulate); },
      [&] { index_put_no_grad(self, indices, values, accumulate); });
}

namespace {

using indexing::TensorIndex;

void record(std::vector<std::optional<Tensor>>& out, int64_t& dim, const Tensor& t) {
  out.resize(static_cast<size_t>(dim), std::nullopt);
  out.push_back(t);
  ++dim;
}

int64_t checked_index(const Tensor& t, int64_t dim, int64_t i) {
  EMBER_CHECK_INDEX(t.dim() > 0,
                    "invalid index of a 0-dim tensor. Use `tensor.item()` in Python "
                    "or `tensor.item<T>()` in C++ to convert a 0-dim tensor to a number");
  int64_t n = t.size(dim);
  EMBER_CHECK_INDEX(i >= -n && i < n, "index ", i, " is out of bounds for dimension ", dim,
                    " with size ", n);
  return i;
}

// Applies ints, slices, None and Ellipsis as views; collects tensor indices per result dim.
Tensor apply_slicing(const Tensor& self, ArrayRef<TensorIndex> idx,
                     std::vector<std::optional<Tensor>>& tensors) {
  int64_t consumed = 0;
  bool seen_ellipsis = false;
  for (const auto& i : idx) {
    if (i.is_integer() || i.is_slice()) {
      ++consumed;
    } else if (i.is_tensor()) {
      ScalarType dt = i.tensor().dtype();
      consumed += (dt == kBool || dt == kByte) ? i.tensor().dim() : 1;
    } else if (i.is_ellipsis()) {
      EMBER_CHECK_INDEX(!seen_ellipsis, "an index can only have a single ellipsis ('...')");
      seen_ellipsis = true;
    }
  }
  EMBER_CHECK_INDEX(consumed <= self.dim(), "too many indices for tensor of dimension ",
                    self.dim());
  Tensor r = self;
  int64_t dim = 0;
  auto bool_index = [&](bool b) {
    r = r.unsqueeze(dim);
    record(tensors, dim, tensor({b}));
  };
  for (const auto& i : idx) {
    if (i.is_integer()) {
      r = r.select(dim, checked_index(r, dim, i.integer()));
    } else if (i.is_slice()) {
      r = slice_view(r, dim, i.slice().start(), i.slice().stop(), i.slice().step());
      ++dim;
    } else if (i.is_none()) {
      r = r.unsqueeze(dim);
      ++dim;
    } else if (i.is_ellipsis()) {
      dim += self.dim() - consumed;
    } else if (i.is_boolean()) {
      bool_index(i.boolean());
    } else {
      const Tensor& t = i.tensor();
      ScalarType dt = t.dtype();
      if (t.dim() == 0 && isIntegralType(dt, true)) {
        if (dt == kBool || dt == kByte) {
          bool_index(t.item<bool>());
        } else {
          r = r.select(dim, checked_index(r, dim, t.item<int64_t>()));
        }
      } else {
        record(tensors, dim, t);
      }
    }
  }
  return r;
}

}  // namespace

Tensor Tensor::index(ArrayRef<indexing::TensorIndex> indices) const {
  EMBER_CHECK(!indices.empty(),
              "[index] Passing an empty index list to Tensor::index() is not "
              "valid syntax");
  std::vector<std::optional<Tensor>> tensors;
  Tensor r = apply_slicing(*this, indices, tensors);
  if (tensors.empty()) return r;
  return ::ember::index(r, tensors);
}
Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> indices) const {
  return index(ArrayRef<indexing::TensorIndex>(indices));
}
Tensor Tensor::index(const std::vector<std::optional<Tensor>>& indices) const {
  return ::ember::index(*this, indices);
}

namespace {

// x[idx] = rhs out of place, with autograd ("CopySlices", as PyTorch names in-place writes through
// views). Its backward uses itself and Tensor::index, so double backward works.
Tensor put_indices(const Tensor& self, const std::vector<TensorIndex>& idx, const Tensor& rhs) {
  Tensor out;
  {
    NoGradGuard ng;
    out = self.clone();
    std::vector<std::optional<Tensor>> tensors;
    Tensor sliced = apply_slicing(out, idx, tensors);
    if (tensors.empty()) {
      // Expanded first: the shared iterator does not broadcast inputs to an in-place output.
      sliced.copy_(rhs.expand(sliced.sizes()));
    } else {
      index_put_no_grad(sliced, tensors, rhs.to(self.dtype()), false);
    }
  }
  if (auto n = autograd::make_node("torch::autograd::CopySlices", {self, rhs},
                                   [idx, rs = DimVector(rhs.sizes()), rdt = rhs.dtype()](
                                       autograd::FunctionNode& node, const variable_list& g) {
                                     variable_list r(2);
                                     if (node.needs_input_grad(0))
                                       r[0] = put_indices(g[0], idx, zeros({}, g[0].options()));
                                     if (node.needs_input_grad(1)) {
                                       r[1] = autograd::sum_to(g[0].index(idx), rs).to(rdt);
                                     }
                                     return r;
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

}  // namespace

Tensor& Tensor::index_put_(ArrayRef<indexing::TensorIndex> indices, const Tensor& rhs) const {
  EMBER_CHECK(!indices.empty(),
              "[index_put_] Passing an empty index list to Tensor::index_put_() "
              "is not valid syntax");
  if (autograd::GradMode::is_enabled() && (requires_grad() || rhs.requires_grad())) {
    std::vector<TensorIndex> idx(indices.begin(), indices.end());
    return autograd::apply_inplace(
        self(), rhs.requires_grad(), "index_put_",
        [&](const Tensor& s) { return put_indices(s, idx, rhs); }, [] {});
  }
  std::vector<std::optional<Tensor>> tensors;
  Tensor sliced = apply_slicing(*this, indices, tensors);
  if (tensors.empty()) {
    sliced.copy_(rhs.expand(sliced.sizes()));
  } else {
    ::ember::index_put_(sliced, tensors, rhs.dtype() == dtype() ? rhs : rhs.to(dtype()));
  }
  return self();
}
Tensor& Tensor::index_put_(ArrayRef<indexing::TensorIndex> indices, const Scalar& v) const {
  return index_put_(indices, scalar_to_tensor(v, device()).to(dtype()));
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices,
                           const Tensor& rhs) const {
  return index_put_(ArrayRef<indexing::TensorIndex>(indices), rhs);
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices,
                           const Scalar& v) const {
  return index_put_(ArrayRef<indexing::TensorIndex>(indices), v);
}
Tensor& Tensor::index_put_(const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                           bool accumulate) const {
  return ::ember::index_put_(self(), indices, values, accumulate);
}
Tensor Tensor::index_put(const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                         bool accumulate) const {
  return ::ember::index_put(*this, indices, values, accumulate);
}

Tensor Tensor::operator[](int64_t i) const { return select(0, checked_index(*this, 0, i)); }
Tensor Tensor::operator[](const Tensor& i) const { return index({indexing::TensorIndex(i)}); }
Tensor Tensor::operator[](const indexing::TensorIndex& i) const { return index({i}); }

}  // namespace ember
