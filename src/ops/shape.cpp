// View ops: new geometry over the same storage, each with its backward.
#include "ember/ops/shape.h"

#include "ember/autograd/function_node.h"
#include "ember/core/wrap_dim.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "src/kernels/shape.h"
#include "src/ops/shape_util.h"

namespace ember {

Tensor make_autograd_view(const Tensor& self, IntArrayRef sizes, IntArrayRef strides,
                          int64_t offset, const char* node, autograd::BackwardFn fn) {
  Tensor v = make_view(self, sizes, strides, offset);
  if (auto n = autograd::make_node(node, {self}, std::move(fn))) autograd::set_history(v, n);
  autograd::track_view(v, self);
  return v;
}

Tensor view_scatter_backward(const Tensor& grad, IntArrayRef input_sizes, const char* node,
                             std::function<Tensor(const Tensor&)> view_fn) {
  Tensor out = zeros(input_sizes, grad.options());
  {
    NoGradGuard ng;
    Tensor v = view_fn(out);
    EMBER_CHECK(v.sizes() == grad.sizes(), "[", node, "] gradient of shape ", grad.sizes(),
                " does not match the view's shape ", v.sizes());
    strided_add_stub.get(out.device().type())(v, grad.to(out.dtype()));
  }
  if (auto n = autograd::make_node(node, {grad},
                                   [view_fn](autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{view_fn(g[0])};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

DimVector infer_shape(IntArrayRef shape, int64_t numel, const char* op) {
  DimVector out(shape);
  int64_t known = 1;
  int64_t infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(infer < 0, "[", op, "] only one dimension can be inferred");
      infer = static_cast<int64_t>(i);
    } else {
      EMBER_CHECK(shape[i] >= 0, "[", op, "] invalid shape dimension ", shape[i]);
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    EMBER_CHECK(known != 0 && numel % known == 0, "[", op, "] shape '", shape,
                "' is invalid for input of size ", numel);
    out[infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, "[", op, "] shape '", shape, "' is invalid for input of size ",
                numel);
  }
  return out;
}

std::optional<DimVector> compute_view_strides(IntArrayRef old_shape, IntArrayRef old_stride,
                                              IntArrayRef shape) {
  DimVector st(shape.size());
  if (old_shape.empty()) {
    for (auto& s : st) s = 1;
    return st;
  }
  int64_t numel = 1;
  for (int64_t s : old_shape) numel *= s;
  if (numel == 0) {
    if (old_shape == shape) return DimVector(old_stride);
    return contiguous_strides(shape);
  }
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk_base = old_stride.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t td = static_cast<int64_t>(old_shape.size()) - 1; td >= 0; --td) {
    tensor_numel *= old_shape[td];
    if (td == 0 || (old_shape[td - 1] != 1 && old_stride[td - 1] != tensor_numel * chunk_base)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        st[view_d] = view_numel * chunk_base;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (td > 0) {
        chunk_base = old_stride[td - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return st;
}

Tensor view(const Tensor& self, IntArrayRef size) {
  DimVector shape = infer_shape(size, self.numel(), "view");
  auto st = compute_view_strides(self.sizes(), self.strides(), shape);
  EMBER_CHECK(st.has_value(),
              "[view] view size is not compatible with input tensor's size and "
              "stride (at least one dimension spans across two contiguous subspaces). Use "
              ".reshape(...) instead.");
  return make_autograd_view(
      self, shape, *st, self.storage_offset(), "ViewBackward0",
      [in = DimVector(self.sizes())](autograd::FunctionNode&, const variable_list& g) {
        return variable_list{g[0].reshape(in)};
      });
}

Tensor reshape(const Tensor& self, IntArrayRef size) {
  DimVector shape = infer_shape(size, self.numel(), "reshape");
  if (compute_view_strides(self.sizes(), self.strides(), shape)) return view(self, shape);
  return view(self.clone(MemoryFormat::Contiguous), shape);
}

Tensor permute(const Tensor& self, IntArrayRef dims) {
  int64_t nd = self.dim();
  EMBER_CHECK(static_cast<int64_t>(dims.size()) == nd,
              "[permute] number of dims don't match in "
              "permute: input has ",
              nd, " dims but ", dims.size(), " were given");
  auto seen = dim_list_to_bitset(dims, nd, "permute");
  (void)seen;
  DimVector sz(nd), st(nd), inv(nd);
  for (int64_t i = 0; i < nd; ++i) {
    int64_t d = maybe_wrap_dim(dims[i], nd);
    sz[i] = self.size(d);
    st[i] = self.stride(d);
    inv[d] = i;
  }
  return make_autograd_view(self, sz, st, self.storage_offset(), "PermuteBackward0",
                            [inv](autograd::FunctionNode&, const variable_list& g) {
                              return variable_list{g[0].permute(inv)};
                            });
}

Tensor transpose(const Tensor& self, int64_t dim0, int64_t dim1) {
  int64_t nd = self.dim();
  int64_t a = maybe_wrap_dim(dim0, nd), b = maybe_wrap_dim(dim1, nd);
  DimVector sz(self.sizes()), st(self.strides());
  if (nd > 0) {
    std::swap(sz[a], sz[b]);
    std::swap(st[a], st[b]);
  }
  return make_autograd_view(self, sz, st, self.storage_offset(), "TransposeBackward0",
                            [a, b](autograd::FunctionNode&, const variable_list& g) {
                              return variable_list{g[0].transpose(a, b)};
                            });
}

Tensor t(const Tensor& self) {
  EMBER_CHECK(self.dim() <= 2, "[t] t() expects a tensor with <= 2 dimensions, but self is ",
              self.dim(), "D");
  DimVector sz(self.sizes()), st(self.strides());
  if (self.dim() == 2) {
    std::swap(sz[0], sz[1]);
    std::swap(st[0], st[1]);
  }
  return make_autograd_view(
      self, sz, st, self.storage_offset(), "TBackward0",
      [](autograd::FunctionNode&, const variable_list& g) { return variable_list{g[0].t()}; });
}

Tensor expand(const Tensor& self, IntArrayRef size, bool) {
  int64_t nd = static_cast<int64_t>(size.size());
  EMBER_CHECK(nd >= self.dim(), "[expand] the number of sizes provided (", nd,
              ") must be greater or equal to the number of dimensions in the tensor (", self.dim(),
              ")");
  DimVector sz(nd), st(nd);
  int64_t off = nd - self.dim();
  for (int64_t i = nd - 1; i >= 0; --i) {
    int64_t si = i - off;
    if (si >= 0) {
      int64_t cur = self.size(si);
      int64_t want = size[i] == -1 ? cur : size[i];
      EMBER_CHECK(cur == want || cur == 1, "[expand] The expanded size of the tensor (", want,
                  ") must match the existing size (", cur, ") at non-singleton dimension ", i,
                  ".  Target sizes: ", size, ".  Tensor sizes: ", self.sizes());
      sz[i] = want;
      st[i] = cur == want ? self.stride(si) : 0;
    } else {
      EMBER_CHECK(size[i] >= 0, "[expand] The expanded size of the tensor (", size[i],
                  ") isn't allowed in a leading, non-existing dimension ", i);
      sz[i] = size[i];
      st[i] = 0;
    }
  }
  return make_autograd_view(
      self, sz, st, self.storage_offset(), "ExpandBackward0",
      [in = DimVector(self.sizes())](autograd::FunctionNode&, const variable_list& g) {
        return variable_list{autograd::sum_to(g[0], in)};
      });
}

Tensor unsqueeze(const Tensor& self, int64_t dim) {
  int64_t d = maybe_wrap_dim(dim, self.dim() + 1);
  DimVector sz(self.sizes()), st(self.strides());
  int64_t s = d < self.dim() ? sz[d] * st[d] : 1;
  sz.insert(sz.begin() + d, 1);
  st.insert(st.begin() + d, s);
  return make_autograd_view(self, sz, st, self.storage_offset(), "UnsqueezeBackward0",
                            [d](autograd::FunctionNode&, const variable_list& g) {
                              return variable_list{g[0].squeeze(d)};
                            });
}

Tensor squeeze(const Tensor& self) {
  DimVector sz, st;
  for (int64_t i = 0; i < self.dim(); ++i) {
    if (self.size(i) != 1) {
      sz.push_back(self.size(i));
      st.push_back(self.stride(i));
    }
  }
  return make_autograd_view(
      self, sz, st, self.storage_offset(), "SqueezeBackward0",
      [in = DimVector(self.sizes())](autograd::FunctionNode&, const variable_list& g) {
        return variable_list{g[0].reshape(in)};
      });
}

Tensor squeeze(const Tensor& self, int64_t dim) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  if (self.dim() == 0 || self.size(d) != 1)
    return make_autograd_view(
        self, self.sizes(), self.strides(), self.storage_offset(), "SqueezeBackward1",
        [](autograd::FunctionNode&, const variable_list& g) { return variable_list{g[0]}; });
  DimVector sz(self.sizes()), st(self.strides());
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  return make_autograd_view(self, sz, st, self.storage_offset(), "SqueezeBackward1",
                            [d](autograd::FunctionNode&, const variable_list& g) {
                              return variable_list{g[0].unsqueeze(d)};
                            });
}

Tensor flatten(const Tensor& self, int64_t start_dim, int64_t end_dim) {
  int64_t nd = self.dim();
  if (nd == 0) return reshape(self, {1});
  int64_t a = maybe_wrap_dim(start_dim, nd), b = maybe_wrap_dim(end_dim, nd);
  EMBER_CHECK(a <= b, "[flatten] flatten() has invalid args: start_dim cannot come after end_dim");
  if (a == b) return self;
  DimVector shape;
  for (int64_t i = 0; i < a; ++i) shape.push_back(self.size(i));
  int64_t m = 1;
  for (int64_t i = a; i <= b; ++i) m *= self.size(i);
  shape.push_back(m);
  for (int64_t i = b + 1; i < nd; ++i) shape.push_back(self.size(i));
  return reshape(self, shape);
}

Tensor select(const Tensor& self, int64_t dim, int64_t index) {
  return select_impl(self, dim, index, "SelectBackward0");
}

Tensor select_impl(const Tensor& self, int64_t dim, int64_t index, const char* node) {
  EMBER_CHECK_INDEX(self.dim() > 0, "[select] select() cannot be applied to a 0-dim tensor.");
  int64_t d = maybe_wrap_dim(dim, self.dim());
  int64_t n = self.size(d);
  EMBER_CHECK_INDEX(index >= -n && index < n, "[select] index ", index,
                    " out of range for tensor of size ", self.sizes(), " at dimension ", d);
  int64_t i = index < 0 ? index + n : index;
  DimVector sz(self.sizes()), st(self.strides());
  int64_t off = self.storage_offset() + i * st[d];
  sz.erase(sz.begin() + d);
  st.erase(st.begin() + d);
  return make_autograd_view(
      self, sz, st, off, node,
      [in = DimVector(self.sizes()), d, i](autograd::FunctionNode&, const variable_list& g) {
        return variable_list{select_backward(g[0], in, d, i)};
      });
}

Tensor select_backward(const Tensor& grad, IntArrayRef input_sizes, int64_t dim, int64_t index) {
  Tensor out = make_tensor(input_sizes, grad.dtype(), grad.device());
  {
    NoGradGuard ng;
    out.zero_();
    select(out, dim, index).copy_(grad);
  }
  if (auto n = autograd::make_node("SelectBackwardBackward0", {grad},
                                   [dim, index](autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{g[0].select(dim, index)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor Tensor::select(int64_t dim, int64_t index) const {
  return ::ember::select(*this, dim, index);
}
Tensor Tensor::view(IntArrayRef size) const { return ::ember::view(*this, size); }
Tensor Tensor::reshape(IntArrayRef shape) const { return ::ember::reshape(*this, shape); }
Tensor Tensor::permute(IntArrayRef dims) const { return ::ember::permute(*this, dims); }
Tensor Tensor::transpose(int64_t a, int64_t b) const { return ::ember::transpose(*this, a, b); }
Tensor& Tensor::transpose_(int64_t a, int64_t b) const {
  Tensor r = ::ember::transpose(this->detach(), a, b);
  impl()->set_sizes_and_strides(r.sizes(), r.strides(), r.storage_offset());
  return self();
}
Tensor Tensor::t() const { return ::ember::t(*this); }
Tensor Tensor::expand(IntArrayRef size, bool implicit) const {
  return ::ember::expand(*this, size, implicit);
}
Tensor Tensor::unsqueeze(int64_t dim) const { return ::ember::unsqueeze(*this, dim); }
Tensor Tensor::squeeze() const { return ::ember::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return ::ember::squeeze(*this, dim); }
Tensor Tensor::flatten(int64_t a, int64_t b) const { return ::ember::flatten(*this, a, b); }

}  // namespace ember
