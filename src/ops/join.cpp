// Shape ops that copy: cat, stack, hstack/vstack/dstack, repeat, repeat_interleave, flip, roll,
// tril/triu, diag, diag_embed. Each records its own node with a backward written in ember ops.
#include <numeric>

#include "ember/core/wrap_dim.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/shape.h"
#include "src/ops/out_util.h"
#include "src/ops/shape_util.h"

namespace ember {

namespace {
// Legacy behaviour kept by PyTorch: 1-D empty tensors are ignored by cat whatever their dims.
bool cat_skip(const Tensor& t) { return t.dim() == 1 && t.numel() == 0; }

// Checks cat's inputs; returns the output shape (dim wrapped into `*dim_out`).
DimVector cat_shape(TensorList ts, int64_t dim, int64_t* dim_out) {
  EMBER_CHECK(!ts.empty(), "[cat] torch.cat(): expected a non-empty list of Tensors");
  for (size_t i = 0; i < ts.size(); ++i) {
    EMBER_CHECK(ts[i].defined(), "[cat] tensor at position ", i, " is undefined");
    EMBER_CHECK(ts[i].dim() > 0, "[cat] zero-dimensional tensor (at position ", i,
                ") cannot be concatenated");
  }
  const Tensor* ref = nullptr;
  for (const auto& t : ts) {
    if (!cat_skip(t)) {
      ref = &t;
      break;
    }
  }
  if (!ref) {
    *dim_out = 0;
    return DimVector({0});
  }
  int64_t d = maybe_wrap_dim(dim, ref->dim());
  *dim_out = d;
  DimVector shape(ref->sizes());
  shape[d] = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    if (cat_skip(t)) continue;
    EMBER_CHECK(t.dim() == ref->dim(), "[cat] Tensors must have same number of dimensions: got ",
                ref->dim(), " and ", t.dim());
    for (int64_t k = 0; k < t.dim(); ++k) {
      if (k == d) continue;
      EMBER_CHECK(t.size(k) == ref->size(k),
                  "[cat] Sizes of tensors must match except in "
                  "dimension ",
                  d, ". Expected size ", ref->size(k), " but got size ", t.size(k),
                  " for tensor number ", i, " in the list.");
    }
    shape[d] += t.size(d);
  }
  return shape;
}

void cat_fill(Tensor& out, TensorList ts, int64_t d) {
  NoGradGuard ng;
  int64_t off = 0;
  for (const auto& t : ts) {
    if (cat_skip(t)) continue;
    if (t.size(d) > 0) out.narrow(d, off, t.size(d)).copy_(t);
    off += t.size(d);
  }
}

Tensor tri(const Tensor& self, int64_t diagonal, bool lower) {
  const char* op = lower ? "tril" : "triu";
  EMBER_CHECK(self.dim() >= 2, "[", op, "] ", op, ": input tensor must have at least 2 dimensions");
  Tensor out = make_tensor(self.sizes(), self.dtype(), self.device());
  {
    NoGradGuard ng;
    out.copy_(self);
  }
  tri_stub.get(out.device().type())(out, diagonal, lower);
  if (auto n =
          autograd::make_node(lower ? "TrilBackward0" : "TriuBackward0", {self},
                              [diagonal, lower](autograd::FunctionNode&, const variable_list& g) {
                                return variable_list{tri(g[0], diagonal, lower)};
                              })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& tri_(Tensor& self, int64_t diagonal, bool lower) {
  return autograd::apply_inplace(
      self, false, lower ? "tril_" : "triu_",
      [&](const Tensor& s) { return tri(s, diagonal, lower); },
      [&] {
        EMBER_CHECK(self.dim() >= 2, "[", lower ? "tril_" : "triu_",
                    "] input tensor must have at least 2 dimensions");
        if (self.is_contiguous()) {
          tri_stub.get(self.device().type())(self, diagonal, lower);
        } else {
          self.copy_(tri(self, diagonal, lower));
        }
      });
}

Tensor& tri_out(Tensor& out, const Tensor& self, int64_t diagonal, bool lower) {
  Tensor r = tri(self.detach(), diagonal, lower);
  if (out.sizes() != r.sizes()) out.resize_(r.sizes());
  out.copy_(r);
  return out;
}

std::vector<Tensor> map_atleast(TensorList ts, int64_t n) {
  std::vector<Tensor> out;
  for (const auto& t : ts)
    out.push_back(n == 1 ? atleast_1d(t) : n == 2 ? atleast_2d(t) : atleast_3d(t));
  return out;
}
}  // namespace

Tensor cat(TensorList tensors, int64_t dim) {
  EMBER_AUTOCAST(promote, promote, cat, tensors, dim);
  int64_t d = 0;
  DimVector shape = cat_shape(tensors, dim, &d);
  ScalarType dt = result_type(tensors);
  Tensor out = make_tensor(shape, dt, tensors[0].device());
  cat_fill(out, tensors, d);
  std::vector<DimVector> in_shapes;
  std::vector<ScalarType> in_types;
  for (const auto& t : tensors) {
    in_shapes.emplace_back(t.sizes());
    in_types.push_back(t.dtype());
  }
  if (auto n = autograd::make_node(
          "CatBackward0", tensors,
          [in_shapes, in_types, d](autograd::FunctionNode& n, const variable_list& g) {
            variable_list r;
            int64_t off = 0;
            for (size_t i = 0; i < in_shapes.size(); ++i) {
              bool skip = in_shapes[i].size() == 1 && in_shapes[i][0] == 0;
              if (skip || !n.needs_input_grad(i)) {
                r.push_back(skip && n.needs_input_grad(i)
                                ? zeros({0}, g[0].options().dtype(in_types[i]))
                                : Tensor());
                if (!skip) off += in_shapes[i][d];
                continue;
              }
              r.push_back(g[0].narrow(d, off, in_shapes[i][d]).to(in_types[i]));
              off += in_shapes[i][d];
            }
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& cat_out(Tensor& out, TensorList tensors, int64_t dim) {
  int64_t d = 0;
  DimVector shape = cat_shape(tensors, dim, &d);
  ScalarType dt = result_type(tensors);
  EMBER_CHECK(canCast(dt, out.dtype()), "[cat] result type ", toString(dt),
              " can't be cast to the desired output type ", toString(out.dtype()));
  for (const auto& t : tensors) {
    EMBER_CHECK(!out.is_alias_of(t) || out.numel() == 0,
                "[cat] unsupported operation: the input tensors cannot refer to any of the "
                "output memory locations.");
  }
  if (out.sizes() != IntArrayRef(shape)) out.resize_(shape);
  cat_fill(out, tensors, d);
  return out;
}

Tensor concat(TensorList tensors, int64_t dim) { return cat(tensors, dim); }
Tensor concatenate(TensorList tensors, int64_t dim) { return cat(tensors, dim); }

Tensor stack(TensorList tensors, int64_t dim) {
  EMBER_AUTOCAST(promote, promote, stack, tensors, dim);
  EMBER_CHECK(!tensors.empty(), "[stack] stack expects a non-empty TensorList");
  for (size_t i = 1; i < tensors.size(); ++i) {
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(),
                "[stack] stack expects each tensor to "
                "be equal size, but got ",
                tensors[0].sizes(), " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
  }
  int64_t d = maybe_wrap_dim(dim, tensors[0].dim() + 1);
  Tensor out;
  {
    NoGradGuard ng;
    std::vector<Tensor> parts;
    for (const auto& t : tensors) parts.push_back(t.unsqueeze(d));
    out = cat(parts, d);
  }
  std::vector<ScalarType> in_types;
  for (const auto& t : tensors) in_types.push_back(t.dtype());
  if (auto n = autograd::make_node(
          "StackBackward0", tensors,
          [in_types, d](autograd::FunctionNode& n, const variable_list& g) {
            variable_list r;
            for (size_t i = 0; i < in_types.size(); ++i) {
              r.push_back(n.needs_input_grad(i)
                              ? g[0].select(d, static_cast<int64_t>(i)).to(in_types[i])
                              : Tensor());
            }
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& stack_out(Tensor& out, TensorList tensors, int64_t dim) {
  Tensor r = stack(tensors, dim);
  EMBER_CHECK(canCast(r.dtype(), out.dtype()), "[stack] result type ", toString(r.dtype()),
              " can't be cast to the desired output type ", toString(out.dtype()));
  if (out.sizes() != r.sizes()) out.resize_(r.sizes());
  out.copy_(r.detach());
  return out;
}

Tensor hstack(TensorList tensors) {
  EMBER_CHECK(!tensors.empty(), "[hstack] hstack expects a non-empty TensorList");
  auto rep = map_atleast(tensors, 1);
  return cat(rep, rep[0].dim() == 1 ? 0 : 1);
}
Tensor vstack(TensorList tensors) {
  EMBER_CHECK(!tensors.empty(), "[vstack] vstack expects a non-empty TensorList");
  return cat(map_atleast(tensors, 2), 0);
}
Tensor dstack(TensorList tensors) {
  EMBER_CHECK(!tensors.empty(), "[dstack] dstack expects a non-empty TensorList");
  return cat(map_atleast(tensors, 3), 2);
}

Tensor Tensor::repeat(IntArrayRef repeats) const {
  int64_t nr = static_cast<int64_t>(repeats.size());
  EMBER_CHECK(nr >= dim(),
              "[repeat] Number of dimensions of repeat dims can not be smaller than "
              "number of dimensions of tensor");
  for (int64_t r : repeats)
    EMBER_CHECK(r >= 0,
                "[repeat] Trying to create tensor with negative "
                "dimension ",
                r, ": ", repeats);
  DimVector padded(static_cast<size_t>(nr - dim()), 1);
  for (int64_t s : sizes()) padded.push_back(s);
  DimVector target(static_cast<size_t>(nr));
  for (int64_t i = 0; i < nr; ++i) target[i] = padded[i] * repeats[i];
  Tensor out = make_tensor(target, dtype(), device());
  if (out.numel() > 0) {
    NoGradGuard ng;
    // View the output as [r0, s0, r1, s1, ...] and broadcast self over the r dims.
    Tensor src = reshape(padded);
    DimVector ost = contiguous_strides(target), vsz, vst, sst;
    for (int64_t i = 0; i < nr; ++i) {
      vsz.push_back(repeats[i]);
      vst.push_back(padded[i] * ost[i]);
      vsz.push_back(padded[i]);
      vst.push_back(ost[i]);
      sst.push_back(0);
      sst.push_back(src.stride(i));
    }
    Tensor dst = make_view(out, vsz, vst, 0);
    dst.copy_(make_view(src, vsz, sst, src.storage_offset()));
  }
  if (auto n = autograd::make_node("RepeatBackward0", {*this},
                                   [in = DimVector(sizes()), padded, rep = DimVector(repeats)](
                                       autograd::FunctionNode&, const variable_list& g) {
                                     DimVector inter;
                                     std::vector<int64_t> sum_dims;
                                     for (size_t i = 0; i < padded.size(); ++i) {
                                       sum_dims.push_back(static_cast<int64_t>(inter.size()));
                                       inter.push_back(rep[i]);
                                       inter.push_back(padded[i]);
                                     }
                                     Tensor r = g[0].reshape(inter);
                                     if (!sum_dims.empty()) r = r.sum(sum_dims);
                                     return variable_list{r.reshape(in)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  EMBER_CHECK(repeats >= 0, "[repeat_interleave] repeats can not be negative");
  Tensor in = dim ? self : self.flatten();
  int64_t d = dim ? maybe_wrap_dim(*dim, self.dim()) : 0;
  if (in.dim() == 0) in = in.reshape({1});
  DimVector esz(in.sizes());
  esz.insert(esz.begin() + d + 1, repeats);
  Tensor r = in.unsqueeze(d + 1).expand(esz).flatten(d, d + 1);
  if (output_size) {
    EMBER_CHECK(*output_size == r.size(d),
                "[repeat_interleave] allocated size does not match "
                "required size");
  }
  // flatten of the expanded view is still a view when repeats <= 1; the result must own its data.
  return r.is_alias_of(self) ? r.clone() : r;
}

Tensor repeat_interleave(const Tensor& self, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  EMBER_CHECK(!isFloatingType(repeats.dtype()) && repeats.dtype() != kBool,
              "[repeat_interleave] repeats has to be Long or Int tensor");
  EMBER_CHECK(repeats.dim() <= 1, "[repeat_interleave] repeats must be 0-dim or 1-dim tensor");
  Tensor in = dim ? self : self.flatten();
  int64_t d = dim ? maybe_wrap_dim(*dim, self.dim()) : 0;
  if (in.dim() == 0) in = in.reshape({1});
  Tensor reps = repeats.to(kLong).contiguous();
  if (reps.dim() == 0 || reps.numel() == 1) {
    return repeat_interleave(self, reps.reshape({-1}).select(0, 0).item<int64_t>(), dim,
                             output_size);
  }
  EMBER_CHECK(reps.size(0) == in.size(d),
              "[repeat_interleave] repeats must have the same size "
              "as input along dim");
  reps = reps.cpu();  // the counts are read on the host
  const int64_t* rp = reps.data_ptr<int64_t>();
  std::vector<Tensor> parts;
  int64_t total = 0;
  for (int64_t i = 0; i < reps.size(0); ++i) {
    EMBER_CHECK(rp[i] >= 0, "[repeat_interleave] repeats can not be negative");
    total += rp[i];
    if (rp[i] == 0) continue;
    DimVector esz(in.sizes());
    esz[d] = rp[i];
    parts.push_back(in.narrow(d, i, 1).expand(esz));
  }
  if (output_size) {
    EMBER_CHECK(*output_size == total,
                "[repeat_interleave] allocated size does not match "
                "required size");
  }
  if (parts.empty()) {
    DimVector sz(in.sizes());
    sz[d] = 0;
    return in.narrow(d, 0, 0).reshape(sz).clone();
  }
  return cat(parts, d);
}

Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size) {
  EMBER_CHECK(repeats.dim() == 1,
              "[repeat_interleave] repeat_interleave only accept 1D vector "
              "as repeat");
  EMBER_CHECK(repeats.dtype() == kLong || repeats.dtype() == kInt,
              "[repeat_interleave] repeats has to be Long or Int tensor");
  Tensor reps = repeats.to(kLong).contiguous().cpu();  // the counts are read on the host
  const int64_t* rp = reps.data_ptr<int64_t>();
  std::vector<int64_t> idx;
  for (int64_t i = 0; i < reps.numel(); ++i) {
    EMBER_CHECK(rp[i] >= 0, "[repeat_interleave] repeats can not be negative");
    for (int64_t k = 0; k < rp[i]; ++k) idx.push_back(i);
  }
  if (output_size) {
    EMBER_CHECK(*output_size == static_cast<int64_t>(idx.size()),
                "[repeat_interleave] allocated size does not match required size");
  }
  Tensor out = make_tensor({static_cast<int64_t>(idx.size())}, repeats.dtype(), repeats.device());
  NoGradGuard ng;
  for (size_t i = 0; i < idx.size(); ++i) out.select(0, static_cast<int64_t>(i)).fill_(idx[i]);
  return out;
}

Tensor flip(const Tensor& self, IntArrayRef dims) {
  auto seen = dim_list_to_bitset(dims, self.dim(), "flip");
  std::vector<bool> mask(static_cast<size_t>(self.dim()));
  for (int64_t i = 0; i < self.dim(); ++i) mask[i] = seen[i];
  Tensor out = make_tensor(self.sizes(), self.dtype(), self.device());
  flip_stub.get(self.device().type())(out, self, mask);
  if (auto n = autograd::make_node(
          "FlipBackward0", {self},
          [d = DimVector(dims)](autograd::FunctionNode&, const variable_list& g) {
            return variable_list{flip(g[0], d)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  EMBER_CHECK(!shifts.empty(), "[roll] `shifts` required");
  EMBER_CHECK(shifts.size() == dims.size() || (dims.empty() && shifts.size() == 1),
              "[roll] shifts and dimensions must align. shifts: ", shifts.size(),
              ", dims:", dims.size());
  Tensor out = make_tensor(self.sizes(), self.dtype(), self.device());
  {
    NoGradGuard ng;
    // No dims: roll the flattened tensor.
    Tensor r = dims.empty() ? self.reshape({-1}) : self;
    DimVector ds(dims);
    if (dims.empty()) ds.push_back(0);
    for (size_t i = 0; i < ds.size(); ++i) {
      int64_t d = maybe_wrap_dim(ds[i], r.dim());
      int64_t n = r.size(d);
      if (n == 0) continue;
      int64_t s = ((shifts[i] % n) + n) % n;
      if (s != 0) r = cat({r.narrow(d, n - s, s), r.narrow(d, 0, n - s)}, d);
    }
    out.copy_(r.view(self.sizes()));
  }
  if (auto n = autograd::make_node("RollBackward0", {self},
                                   [sh = DimVector(shifts), d = DimVector(dims)](
                                       autograd::FunctionNode&, const variable_list& g) {
                                     DimVector neg;
                                     for (int64_t s : sh) neg.push_back(-s);
                                     return variable_list{roll(g[0], neg, d)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor tril(const Tensor& self, int64_t diagonal) { return tri(self, diagonal, true); }
Tensor triu(const Tensor& self, int64_t diagonal) { return tri(self, diagonal, false); }
Tensor& tril_out(Tensor& out, const Tensor& self, int64_t diagonal) {
  return tri_out(out, self, diagonal, true);
}
Tensor& triu_out(Tensor& out, const Tensor& self, int64_t diagonal) {
  return tri_out(out, self, diagonal, false);
}

Tensor diag(const Tensor& self, int64_t diagonal) {
  EMBER_CHECK(self.dim() == 1 || self.dim() == 2, "[diag] matrix or a vector expected");
  Tensor out;
  {
    NoGradGuard ng;
    if (self.dim() == 1) {
      int64_t n = self.size(0) + (diagonal >= 0 ? diagonal : -diagonal);
      out = zeros({n, n}, self.options());
      out.diagonal(diagonal).copy_(self);
    } else {
      out = self.diagonal(diagonal).clone();
    }
  }
  if (auto n =
          autograd::make_node("DiagBackward0", {self},
                              [in = DimVector(self.sizes()), diagonal](autograd::FunctionNode&,
                                                                       const variable_list& g) {
                                if (in.size() == 1) return variable_list{g[0].diagonal(diagonal)};
                                return variable_list{diagonal_backward(g[0], in, diagonal, 0, 1)};
                              })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor diag_embed(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2) {
  int64_t nd = self.dim() + 1;
  int64_t a = maybe_wrap_dim(dim1, nd), b = maybe_wrap_dim(dim2, nd);
  EMBER_CHECK(a != b, "[diag_embed] diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  int64_t n = self.size(-1) + (offset >= 0 ? offset : -offset);
  DimVector shape;
  int64_t k = 0;
  for (int64_t i = 0; i < nd; ++i) {
    if (i == a || i == b) {
      shape.push_back(n);
    } else {
      shape.push_back(self.size(k++));
    }
  }
  Tensor out = zeros(shape, self.options());
  {
    NoGradGuard ng;
    out.diagonal(offset, a, b).copy_(self);
  }
  if (auto node =
          autograd::make_node("DiagEmbedBackward0", {self},
                              [offset, a, b](autograd::FunctionNode&, const variable_list& g) {
                                return variable_list{g[0].diagonal(offset, a, b)};
                              })) {
    autograd::set_history(out, node);
  }
  return out;
}

namespace {
// out= variants: computed without autograd, then cast-copied into `out` (resized if needed).
Tensor& write_out(Tensor& out, const Tensor& r, const char* op) {
  out_util::check_no_grad(op, {r, out});
  return out_util::assign(out, r, op, /*exact=*/false);
}
}  // namespace

Tensor& hstack_out(Tensor& out, TensorList tensors) {
  return write_out(out, hstack(tensors), "hstack");
}
Tensor& vstack_out(Tensor& out, TensorList tensors) {
  return write_out(out, vstack(tensors), "vstack");
}
Tensor& dstack_out(Tensor& out, TensorList tensors) {
  return write_out(out, dstack(tensors), "dstack");
}
Tensor& flip_out(Tensor& out, const Tensor& self, IntArrayRef dims) {
  return write_out(out, flip(self, dims), "flip");
}
Tensor& roll_out(Tensor& out, const Tensor& self, IntArrayRef shifts, IntArrayRef dims) {
  return write_out(out, roll(self, shifts, dims), "roll");
}
Tensor& diag_out(Tensor& out, const Tensor& self, int64_t diagonal) {
  return write_out(out, diag(self, diagonal), "diag");
}

Tensor Tensor::repeat_interleave(int64_t repeats, std::optional<int64_t> dim,
                                 std::optional<int64_t> output_size) const {
  return ::ember::repeat_interleave(*this, repeats, dim, output_size);
}
Tensor Tensor::repeat_interleave(const Tensor& repeats, std::optional<int64_t> dim,
                                 std::optional<int64_t> output_size) const {
  return ::ember::repeat_interleave(*this, repeats, dim, output_size);
}
Tensor Tensor::flip(IntArrayRef dims) const { return ::ember::flip(*this, dims); }
Tensor Tensor::roll(IntArrayRef shifts, IntArrayRef dims) const {
  return ::ember::roll(*this, shifts, dims);
}
Tensor Tensor::tril(int64_t diagonal) const { return ::ember::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return ::ember::triu(*this, diagonal); }
Tensor& Tensor::tril_(int64_t diagonal) const { return tri_(self(), diagonal, true); }
Tensor& Tensor::triu_(int64_t diagonal) const { return tri_(self(), diagonal, false); }
Tensor Tensor::diag(int64_t diagonal) const { return ::ember::diag(*this, diagonal); }
Tensor Tensor::diag_embed(int64_t offset, int64_t dim1, int64_t dim2) const {
  return ::ember::diag_embed(*this, offset, dim1, dim2);
}

}  // namespace ember
