// index_select, index_add, index_copy, index_fill, take, one_hot. Each is a gather or scatter
// with the 1-D index expanded along `dim`; gradients use the same ops (double backward works).
#include "ember/autograd/function_node.h"
#include "ember/core/wrap_dim.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "src/amp/autocast_hook.h"
#include "src/ops/index_util.h"

namespace ember {

using namespace index_detail;  // NOLINT

namespace {

// Checks a 0-d/1-d index for `op` and returns it as int64, 1-d.
Tensor vector_index(const Tensor& index, const char* op) {
  EMBER_CHECK_INDEX(index.dim() <= 1, op, "(): Index is supposed to be a vector");
  Tensor i = to_long_index(index, op, true);
  return i.dim() == 0 ? i.reshape({1}) : i;
}

// `sizes` with size n at dim (the shape of the selected slices).
DimVector with_dim(IntArrayRef sizes, int64_t dim, int64_t n) {
  DimVector s(sizes);
  if (!s.empty()) s[dim] = n;
  return s;
}

// The 1-d index viewed along `dim` and expanded to `shape`.
Tensor expand_index(const Tensor& index, int64_t dim, IntArrayRef shape) {
  if (shape.empty()) return index.reshape({});
  DimVector v(shape.size(), 1);
  v[dim] = index.numel();
  return index.view(v).expand(shape);
}

// index_fill accepts negative indices: wrap them (and bounds-check) up front.
Tensor wrap_index(const Tensor& index, int64_t n, int64_t dim) {
  if (!index.is_cpu()) return wrap_index(index.cpu(), n, dim).to(index.device());
  Tensor out = index.clone();
  int64_t* p = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    EMBER_CHECK_INDEX(p[i] >= -n && p[i] < n, "index ", p[i], " is out of bounds for dimension ",
                      dim, " with size ", n);
    if (p[i] < 0) p[i] += n;
  }
  return out;
}

void check_source(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                  const Tensor& source) {
  EMBER_CHECK(source.dtype() == self.dtype(), "[", op, "] ", op, "(): self (",
              toString(self.dtype()), ") and source (", toString(source.dtype()),
              ") must have the same scalar type");
  int64_t ssize = source.dim() == 0 ? 1 : source.size(dim);
  EMBER_CHECK(index.numel() == ssize, "[", op, "] ", op, "(): Number of indices (", index.numel(),
              ") should be equal to source.size(dim): (", ssize, "), for dim: ", dim);
  EMBER_CHECK(std::max<int64_t>(source.dim(), 1) == std::max<int64_t>(self.dim(), 1), "[", op, "] ",
              op, "(): self and source must have the same number of dimensions");
  for (int64_t d = 0; d < source.dim(); ++d) {
    EMBER_CHECK(d == dim || source.size(d) == self.size(d), "[", op, "] ", op,
                "(): source and self must have the same size apart from dimension ", dim,
                ", got source ", source.sizes(), " and self ", self.sizes());
  }
}

// Writes `source` (shape: self with dim sized index.numel()) into self along dim.
void put_along(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source,
               ScatterReduce reduce) {
  Tensor src = source.dim() == 0 && self.dim() > 0 ? source.reshape({1}) : source;
  scatter_no_grad(self, dim, expand_index(index, dim, src.sizes()), src, reduce);
}

}  // namespace

// ---- index_select ----

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index_in) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor index = vector_index(index_in, "index_select");
  DimVector shape = with_dim(self.sizes(), d, index.numel());
  Tensor out = make_tensor(shape, self.dtype(), self.device());
  if (out.numel() > 0) {
    gather_stub.get(self.device().type())(at_least_1d(out), at_least_1d(self), d,
                                          at_least_1d(expand_index(index, d, shape)));
  }
  if (auto n = autograd::make_node("IndexSelectBackward0", {self},
                                   [in = DimVector(self.sizes()), d, index](
                                       autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{
                                         index_add(zeros(in, g[0].options()), d, index, g[0])};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& index_select_out(Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  check_out_no_grad("index_select_out", {self, out});
  Tensor r = index_select(self, dim, index);
  out.resize_(r.sizes());
  out.copy_(r);
  return out;
}

// ---- index_add / index_copy ----

namespace {

void index_add_no_grad(const Tensor& self, int64_t d, const Tensor& index, const Tensor& source,
                       const Scalar& alpha) {
  Tensor src = source;
  if (!alpha.equal(1)) src = source.mul(alpha).to(self.dtype());
  put_along(self, d, index, src, ScatterReduce::Add);
}

}  // namespace

Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& source,
                 const Scalar& alpha) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor index = vector_index(index_in, "index_add");
  check_source("index_add", self, d, index, source);
  Tensor out;
  {
    NoGradGuard ng;
    out = self.clone();
    index_add_no_grad(out, d, index, source, alpha);
  }
  if (auto n = autograd::make_node("IndexAddBackward0", {self, source},
                                   [d, index, alpha, ss = DimVector(source.sizes())](
                                       autograd::FunctionNode& node, const variable_list& g) {
                                     variable_list r(2);
                                     if (node.needs_input_grad(0)) r[0] = g[0];
                                     if (node.needs_input_grad(1)) {
                                       r[1] = index_select(g[0], d, index).reshape(ss);
                                       if (!alpha.equal(1)) r[1] = r[1].mul(alpha);
                                     }
                                     return r;
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& source) {
  EMBER_AUTOCAST(promote, none, index_copy, self, dim, index_in, source);
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor index = vector_index(index_in, "index_copy");
  check_source("index_copy", self, d, index, source);
  Tensor out;
  {
    NoGradGuard ng;
    out = self.clone();
    put_along(out, d, index, source, ScatterReduce::None);
  }
  if (auto n = autograd::make_node("IndexCopyBackward0", {self, source},
                                   [d, index, ss = DimVector(source.sizes())](
                                       autograd::FunctionNode& node, const variable_list& g) {
                                     variable_list r(2);
                                     if (node.needs_input_grad(0))
                                       r[0] = index_fill(g[0], d, index, Scalar(0));
                                     if (node.needs_input_grad(1))
                                       r[1] = index_select(g[0], d, index).reshape(ss);
                                     return r;
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

// ---- index_fill ----

namespace {

void index_fill_no_grad(const Tensor& self, int64_t d, const Tensor& index, const Scalar& v) {
  Tensor val = scalar_to_tensor(v, self.device()).to(self.dtype());
  DimVector shape = with_dim(self.sizes(), d, index.numel());
  put_along(self, d, index, val.expand(shape), ScatterReduce::None);
}

Tensor index_fill_impl(const Tensor& self, int64_t dim, const Tensor& index_in, const Scalar& v,
                       const Tensor& value_t) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor index =
      wrap_index(vector_index(index_in, "index_fill"), self.dim() == 0 ? 1 : self.size(d), d);
  Tensor out;
  {
    NoGradGuard ng;
    out = self.clone();
    index_fill_no_grad(out, d, index, v);
  }
  if (auto n = autograd::make_node(
          value_t.defined() ? "IndexFillBackward1" : "IndexFillBackward0", {self, value_t},
          [d, index, vdt = value_t.defined() ? value_t.dtype() : self.dtype()](
              autograd::FunctionNode& node, const variable_list& g) {
            variable_list r(2);
            if (node.needs_input_grad(0)) r[0] = index_fill(g[0], d, index, Scalar(0));
            if (node.needs_input_grad(1)) r[1] = index_select(g[0], d, index).sum().to(vdt);
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Scalar fill_value(const Tensor& value) {
  EMBER_CHECK(value.dim() == 0,
              "[index_fill] index_fill_ only supports a 0-dimensional value "
              "tensor, but got tensor with ",
              value.dim(), " dimension(s).");
  return value.item();
}

}  // namespace

Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  return index_fill_impl(self, dim, index, value, Tensor());
}
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  return index_fill_impl(self, dim, index, fill_value(value), value);
}

// ---- take ----

Tensor take(const Tensor& self, const Tensor& index) {
  EMBER_CHECK(index.dtype() == kLong, "[take] take(): Expected a long tensor for index, but got ",
              toString(index.dtype()));
  Tensor out;
  {
    NoGradGuard ng;
    Tensor flat = index_no_grad(self.reshape({-1}), {index.reshape({-1})});
    // Same storage, new shape, but not a view: the result owns its memory.
    out = Tensor(
        make_intrusive<TensorImpl>(flat.storage(), flat.dtype(), index.sizes(), IntArrayRef(), 0));
  }
  if (auto n = autograd::make_node(
          "TakeBackward0", {self},
          [in = DimVector(self.sizes()), numel = self.numel(), index](autograd::FunctionNode&,
                                                                      const variable_list& g) {
            Tensor z = zeros({numel}, g[0].options());
            return variable_list{
                index_put(z, {index.reshape({-1})}, g[0].reshape({-1}), true).view(in)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& take_out(Tensor& out, const Tensor& self, const Tensor& index) {
  check_out_no_grad("take_out", {self, out});
  Tensor r = take(self, index);
  out.resize_(r.sizes());
  out.copy_(r);
  return out;
}

// ---- put / take_along_dim ----

namespace {
Tensor check_put(const Tensor& self, const Tensor& index, const Tensor& source, const char* op) {
  EMBER_CHECK(index.dtype() == kLong, "[", op, "] ", op,
              "(): Expected a long tensor for index, but got ", toString(index.dtype()));
  EMBER_CHECK(source.dtype() == self.dtype(), "[", op, "] ", op,
              "(): self and source expected to have the same dtype, but got self.dtype = ",
              toString(self.dtype()), " and source.dtype = ", toString(source.dtype()));
  EMBER_CHECK_INDEX(index.numel() == source.numel(), op,
                    "(): Expected source and index to have the same number of elements, but got "
                    "source.numel() = ",
                    source.numel(), ", index.numel() = ", index.numel());
  return index.reshape({-1});
}
// Writes into self's elements in flattened (row-major) order; self must be contiguous.
void put_no_grad(const Tensor& self, const Tensor& flat_index, const Tensor& source,
                 bool accumulate) {
  Tensor flat = make_view(self, {self.numel()}, {1}, self.storage_offset());
  index_put_no_grad(flat, {flat_index}, source.reshape({-1}), accumulate);
}
}  // namespace

Tensor put(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  Tensor flat_index = check_put(self, index, source, "put");
  Tensor out;
  {
    NoGradGuard ng;
    out = self.clone(MemoryFormat::Contiguous);  // put_no_grad writes in row-major order
    put_no_grad(out, flat_index, source, accumulate);
  }
  if (auto n = autograd::make_node(
          "PutBackward0", {self, source},
          [index, accumulate, ss = DimVector(source.sizes())](autograd::FunctionNode& node,
                                                              const variable_list& g) {
            variable_list r(2);
            if (node.needs_input_grad(0)) {
              r[0] = accumulate ? g[0] : put(g[0], index, zeros(ss, g[0].options()), false);
            }
            if (node.needs_input_grad(1)) r[1] = take(g[0], index).reshape(ss);
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor take_along_dim(const Tensor& self, const Tensor& indices, std::optional<int64_t> dim) {
  EMBER_CHECK(indices.dtype() == kLong,
              "[take_along_dim] torch.take_along_dim(): dtype of "
              "indices should be Long but got ",
              toString(indices.dtype()));
  if (!dim) return gather(self.reshape({-1}), 0, indices.reshape({-1}));
  // As PyTorch (its dim is wrapped without treating a 0-dim input as 1-dim).
  EMBER_CHECK_INDEX(self.dim() > 0, "[take_along_dim] Dimension specified as ", *dim,
                    " but tensor has no dimensions");
  EMBER_CHECK(self.dim() == indices.dim(),
              "[take_along_dim] torch.take_along_dim(): input and "
              "indices should have the same number of dimensions, but got ",
              self.dim(), " dimensions for input, and ", indices.dim(), " dimensions for indices");
  int64_t d = maybe_wrap_dim(*dim, self.dim());
  DimVector self_sizes = with_dim(self.sizes(), d, indices.dim() == 0 ? 1 : indices.size(d));
  DimVector b = infer_size(self_sizes, indices.sizes(), "take_along_dim");
  DimVector self_b = with_dim(b, d, self.dim() == 0 ? 1 : self.size(d));
  return gather(self.expand(self_b), d, indices.expand(b));
}

// ---- one_hot ----

Tensor one_hot(const Tensor& self, int64_t num_classes) {
  EMBER_CHECK(self.dtype() == kLong, "[one_hot] one_hot is only applicable to index tensor.");
  NoGradGuard ng;
  Tensor s = self.contiguous();
  Tensor host = s.cpu();  // the class range is checked on the host
  const int64_t* p = host.data_ptr<int64_t>();
  if (s.numel() == 0) {
    EMBER_CHECK(num_classes > 0,
                "[one_hot] Can not infer total number of classes from empty "
                "tensor.");
  } else {
    int64_t mn = p[0], mx = p[0];
    for (int64_t i = 1; i < s.numel(); ++i) {
      mn = std::min(mn, p[i]);
      mx = std::max(mx, p[i]);
    }
    EMBER_CHECK(mn >= 0, "[one_hot] Class values must be non-negative.");
    if (num_classes == -1) num_classes = mx + 1;
    EMBER_CHECK(mx < num_classes, "[one_hot] Class values must be smaller than num_classes.");
  }
  DimVector shape(self.sizes());
  shape.push_back(num_classes);
  Tensor out = zeros(shape, TensorOptions(kLong).device(self.device()));
  if (s.numel() > 0) {
    Tensor one = scalar_to_tensor(1, self.device()).to(kLong);
    Tensor idx = s.unsqueeze(-1);
    scatter_no_grad(out, out.dim() - 1, idx, one.expand(idx.sizes()), ScatterReduce::None);
  }
  return out;
}

// ---- Tensor methods ----

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const {
  return ::ember::index_select(*this, dim, index);
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source,
                         const Scalar& alpha) const {
  return ::ember::index_add(*this, dim, index, source, alpha);
}
Tensor& Tensor::index_add_(int64_t dim, const Tensor& index, const Tensor& source,
                           const Scalar& alpha) const {
  return autograd::apply_inplace(
      self(), source.requires_grad(), "index_add_",
      [&](const Tensor& s) { return ::ember::index_add(s, dim, index, source, alpha); },
      [&] {
        int64_t d = maybe_wrap_dim(dim, this->dim());
        Tensor idx = vector_index(index, "index_add_");
        check_source("index_add_", *this, d, idx, source);
        index_add_no_grad(*this, d, idx, source, alpha);
      });
}
Tensor Tensor::index_copy(int64_t dim, const Tensor& index, const Tensor& source) const {
  return ::ember::index_copy(*this, dim, index, source);
}
Tensor& Tensor::index_copy_(int64_t dim, const Tensor& index, const Tensor& source) const {
  return autograd::apply_inplace(
      self(), source.requires_grad(), "index_copy_",
      [&](const Tensor& s) { return ::ember::index_copy(s, dim, index, source); },
      [&] {
        int64_t d = maybe_wrap_dim(dim, this->dim());
        Tensor idx = vector_index(index, "index_copy_");
        check_source("index_copy_", *this, d, idx, source);
        put_along(*this, d, idx, source, ScatterReduce::None);
      });
}
Tensor Tensor::index_fill(int64_t dim, const Tensor& index, const Scalar& value) const {
  return ::ember::index_fill(*this, dim, index, value);
}
Tensor Tensor::index_fill(int64_t dim, const Tensor& index, const Tensor& value) const {
  return ::ember::index_fill(*this, dim, index, value);
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, const Scalar& value) const {
  return autograd::apply_inplace(
      self(), false, "index_fill_",
      [&](const Tensor& s) { return ::ember::index_fill(s, dim, index, value); },
      [&] {
        int64_t d = maybe_wrap_dim(dim, this->dim());
        Tensor idx =
            wrap_index(vector_index(index, "index_fill_"), this->dim() == 0 ? 1 : size(d), d);
        index_fill_no_grad(*this, d, idx, value);
      });
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, const Tensor& value) const {
  Scalar v = fill_value(value);
  return autograd::apply_inplace(
      self(), value.requires_grad(), "index_fill_",
      [&](const Tensor& s) { return ::ember::index_fill(s, dim, index, value); },
      [&] { index_fill_(dim, index, v); });
}
Tensor Tensor::take(const Tensor& index) const { return ::ember::take(*this, index); }
Tensor Tensor::put(const Tensor& index, const Tensor& source, bool accumulate) const {
  return ::ember::put(*this, index, source, accumulate);
}
Tensor& Tensor::put_(const Tensor& index, const Tensor& source, bool accumulate) const {
  return autograd::apply_inplace(
      self(), source.requires_grad(), "put_",
      [&](const Tensor& s) { return ::ember::put(s, index, source, accumulate); },
      [&] {
        Tensor flat_index = check_put(*this, index, source, "put_");
        if (is_contiguous()) {
          put_no_grad(*this, flat_index, source, accumulate);
        } else {
          Tensor tmp = contiguous();
          put_no_grad(tmp, flat_index, source, accumulate);
          this->data().copy_(tmp);
        }
      });
}
Tensor Tensor::take_along_dim(const Tensor& indices, std::optional<int64_t> dim) const {
  return ::ember::take_along_dim(*this, indices, dim);
}

}  // namespace ember
