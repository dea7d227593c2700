// gather, scatter (src / value / reduce), scatter_add, masked_fill, masked_select,
// masked_scatter, nonzero. Backward formulas use these same ops, so double backward works.
#include <cmath>

#include "ember/autograd/function_node.h"
#include "ember/core/wrap_dim.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "src/amp/autocast_hook.h"
#include "src/ops/binary_impl.h"
#include "src/ops/index_util.h"
#include "src/ops/out_util.h"

namespace ember {
namespace index_detail {

Tensor to_long_index(const Tensor& index, const char* op, bool allow_int) {
  ScalarType dt = index.dtype();
  EMBER_CHECK(dt == kLong || (allow_int && dt == kInt), "[", op, "] ", op,
              "(): Expected dtype int64 for index, but got ", toString(dt));
  return dt == kLong ? index : index.to(kLong);
}

Tensor at_least_1d(const Tensor& t) {
  if (!t.defined() || t.dim() > 0) return t;
  return make_view(t, {1}, {1}, t.storage_offset());
}

void check_gather_scatter(const char* op, const Tensor& self, int64_t dim, const Tensor& index,
                          const Tensor& src) {
  int64_t nd = std::max<int64_t>(self.dim(), 1);
  EMBER_CHECK(std::max<int64_t>(index.dim(), 1) == nd, "[", op,
              "] Index tensor must have the same number of dimensions as ",
              (src.defined() ? "self tensor" : "input tensor"));
  if (src.defined()) {
    EMBER_CHECK(std::max<int64_t>(src.dim(), 1) == nd, "[", op,
                "] Index tensor must have the same number of dimensions as src tensor");
  }
  if (index.numel() == 0) return;
  Tensor s = at_least_1d(self), i = at_least_1d(index), x = at_least_1d(src);
  for (int64_t d = 0; d < nd; ++d) {
    if (d != dim) {
      EMBER_CHECK(i.size(d) <= s.size(d), "[", op, "] Size does not match at dimension ", d,
                  " expected index ", index.sizes(), " to be smaller than self ", self.sizes(),
                  " apart from dimension ", dim);
    }
    if (x.defined()) {
      EMBER_CHECK(i.size(d) <= x.size(d), "[", op, "] Expected index ", index.sizes(),
                  " to be smaller than self ", self.sizes(), " apart from dimension ", dim,
                  " and to be smaller size than src ", src.sizes());
    }
  }
}

void scatter_no_grad(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                     ScatterReduce reduce) {
  if (index.numel() == 0) return;
  scatter_stub.get(self.device().type())(at_least_1d(self), dim, at_least_1d(index),
                                         at_least_1d(src), reduce);
}

}  // namespace index_detail

using namespace index_detail;  // NOLINT

// ---- gather ----

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index_in, bool) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor index = to_long_index(index_in, "gather", false);
  check_gather_scatter("gather", self, d, index, Tensor());
  Tensor out = make_tensor(index.sizes(), self.dtype(), self.device());
  if (index.numel() > 0) {
    gather_stub.get(self.device().type())(at_least_1d(out), at_least_1d(self), d,
                                          at_least_1d(index));
  }
  if (auto n = autograd::make_node("GatherBackward0", {self},
                                   [in = DimVector(self.sizes()), d, index](
                                       autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{
                                         scatter_add(zeros(in, g[0].options()), d, index, g[0])};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& gather_out(Tensor& out, const Tensor& self, int64_t dim, const Tensor& index,
                   bool sparse_grad) {
  check_out_no_grad("gather_out", {self, out});
  Tensor r = gather(self, dim, index, sparse_grad);
  out.resize_(r.sizes());
  out.copy_(r);
  return out;
}

// ---- scatter ----

namespace {

ScatterReduce parse_reduce(std::string_view reduce) {
  if (reduce == "add") return ScatterReduce::Add;
  if (reduce == "multiply") return ScatterReduce::Multiply;
  EMBER_ERROR("[scatter] reduce argument must be either add or multiply, got ", reduce);
}

enum class ScatterKind { Src, Value, Add, Reduce };

// Out-of-place scatter with autograd; `src` is a tensor of self's dtype (a value is expanded).
Tensor scatter_impl(const Tensor& self, int64_t dim, const Tensor& index_in, const Tensor& src,
                    ScatterKind kind, ScatterReduce reduce, const char* op) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  Tensor index = to_long_index(index_in, op, false);
  EMBER_CHECK(src.dtype() == self.dtype(), "[", op, "] ", op,
              "(): Expected self.dtype to be equal to src.dtype");
  check_gather_scatter(op, self, d, index, kind == ScatterKind::Value ? Tensor() : src);
  Tensor s = kind == ScatterKind::Value ? src.expand(index.sizes()) : src;
  Tensor out;
  {
    NoGradGuard ng;
    out = self.clone();
    scatter_no_grad(out, d, index, s, reduce);
  }
  const char* node = kind == ScatterKind::Src     ? "ScatterBackward0"
                     : kind == ScatterKind::Value ? "ScatterBackward1"
                     : kind == ScatterKind::Add   ? "ScatterAddBackward0"
                                                  : "NotImplemented";
  Tensor grad_src = kind == ScatterKind::Value ? Tensor() : src;
  if (auto n = autograd::make_node(
          node, {self, grad_src},
          [d, index, kind](autograd::FunctionNode& node, const variable_list& g) {
            // As in PyTorch 1.13, the reduce variants run forward but cannot be differentiated.
            EMBER_CHECK(kind != ScatterKind::Reduce,
                        "[scatter] derivative for aten::scatter is not implemented");
            variable_list r(2);
            if (node.needs_input_grad(0)) {
              r[0] = kind == ScatterKind::Add ? g[0] : scatter(g[0], d, index, Scalar(0));
            }
            if (node.needs_input_grad(1)) r[1] = gather(g[0], d, index);
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor value_tensor(const Tensor& self, const Scalar& v) {
  return scalar_to_tensor(v, self.device()).to(self.dtype());
}

}  // namespace

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_impl(self, dim, index, src, ScatterKind::Src, ScatterReduce::None, "scatter");
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  return scatter_impl(self, dim, index, value_tensor(self, value), ScatterKind::Value,
                      ScatterReduce::None, "scatter");
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
               std::string_view reduce) {
  return scatter_impl(self, dim, index, src, ScatterKind::Reduce, parse_reduce(reduce), "scatter");
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value,
               std::string_view reduce) {
  ScatterReduce r = parse_reduce(reduce);
  Tensor v = value_tensor(self, value).expand(index.sizes());
  return scatter_impl(self, dim, index, v, ScatterKind::Reduce, r, "scatter");
}
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  EMBER_AUTOCAST(fallthrough, promote, scatter_add, self, dim, index, src);
  return scatter_impl(self, dim, index, src, ScatterKind::Add, ScatterReduce::Add, "scatter_add");
}

namespace {
// In-place: the out-of-place op with autograd, or the kernel straight into self.
Tensor& scatter_inplace(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src,
                        ScatterKind kind, ScatterReduce reduce, const char* op) {
  return autograd::apply_inplace(
      self, kind != ScatterKind::Value && src.requires_grad(), op,
      [&](const Tensor& s) { return scatter_impl(s, dim, index, src, kind, reduce, op); },
      [&] {
        int64_t d = maybe_wrap_dim(dim, self.dim());
        Tensor idx = to_long_index(index, op, false);
        EMBER_CHECK(src.dtype() == self.dtype(), "[", op, "] ", op,
                    "(): Expected self.dtype to be equal to src.dtype");
        check_gather_scatter(op, self, d, idx, kind == ScatterKind::Value ? Tensor() : src);
        Tensor s = kind == ScatterKind::Value ? src.expand(idx.sizes()) : src;
        scatter_no_grad(self, d, idx, s, reduce);
      });
}
}  // namespace

Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) const {
  return scatter_inplace(self(), dim, index, src, ScatterKind::Src, ScatterReduce::None,
                         "scatter_");
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value) const {
  return scatter_inplace(self(), dim, index, value_tensor(self(), value), ScatterKind::Value,
                         ScatterReduce::None, "scatter_");
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src,
                         std::string_view reduce) const {
  return scatter_inplace(self(), dim, index, src, ScatterKind::Reduce, parse_reduce(reduce),
                         "scatter_");
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value,
                         std::string_view reduce) const {
  ScatterReduce r = parse_reduce(reduce);
  Tensor v = value_tensor(*this, value).expand(index.sizes());
  return scatter_inplace(self(), dim, index, v, ScatterKind::Reduce, r, "scatter_");
}
Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) const {
  return scatter_inplace(self(), dim, index, src, ScatterKind::Add, ScatterReduce::Add,
                         "scatter_add_");
}
Tensor Tensor::gather(int64_t dim, const Tensor& index, bool sparse_grad) const {
  return ::ember::gather(*this, dim, index, sparse_grad);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ::ember::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value) const {
  return ::ember::scatter(*this, dim, index, value);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src,
                       std::string_view reduce) const {
  return ::ember::scatter(*this, dim, index, src, reduce);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value,
                       std::string_view reduce) const {
  return ::ember::scatter(*this, dim, index, value, reduce);
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ::ember::scatter_add(*this, dim, index, src);
}

// ---- masks ----

namespace {

Tensor check_mask(const Tensor& mask, const char* op) {
  EMBER_CHECK(mask.dtype() == kBool || mask.dtype() == kByte, "[", op, "] ", op,
              " only supports boolean masks, but got mask with dtype ", toString(mask.dtype()));
  return mask.dtype() == kBool ? mask : mask.to(kBool);
}

void masked_fill_no_grad(const Tensor& self, const Tensor& mask, const Scalar& value) {
  if (self.numel() == 0) return;
  masked_fill_stub.get(self.device().type())(self, mask.expand(self.sizes()), value);
}

// A fill value must be representable in an integral tensor's dtype (c10's checked conversion).
void check_fill_value(const Scalar& value, ScalarType t, const char* op) {
  if (!isIntegralType(t, false)) return;
  if (!value.isFloatingPoint()) return binary_detail::check_scalar_fits(value, t, op);
  double v = value.toDouble();
  double lo = 0, hi = 0;
  const char* name = "";
  switch (t) {
    case kByte:
      lo = 0, hi = 255, name = "uint8_t";
      break;
    case kChar:
      lo = -128, hi = 127, name = "int8_t";
      break;
    case kShort:
      lo = -32768, hi = 32767, name = "int16_t";
      break;
    case kInt:
      lo = -2147483648.0, hi = 2147483647.0, name = "int32_t";
      break;
    default:
      lo = -9223372036854775808.0, hi = 9223372036854775807.0, name = "int64_t";
      break;
  }
  EMBER_CHECK(std::isfinite(v) && v >= lo && v <= hi, "[", op,
              "] value cannot be converted to type ", name, " without overflow");
}

Tensor masked_fill_impl(const Tensor& self, const Tensor& mask_in, const Scalar& value,
                        const Tensor& value_t) {
  Tensor mask = check_mask(mask_in, "masked_fill");
  check_fill_value(value, self.dtype(), "masked_fill");
  DimVector b = infer_size(self.sizes(), mask.sizes(), "masked_fill");
  Tensor out;
  {
    NoGradGuard ng;
    out = self.expand(b).clone();
    masked_fill_no_grad(out, mask, value);
  }
  if (auto n = autograd::make_node(
          value_t.defined() ? "MaskedFillBackward1" : "MaskedFillBackward0", {self, value_t},
          [mask, in = DimVector(self.sizes()),
           vdt = value_t.defined() ? value_t.dtype() : self.dtype()](autograd::FunctionNode& node,
                                                                     const variable_list& g) {
            variable_list r(2);
            if (node.needs_input_grad(0)) {
              r[0] = autograd::sum_to(masked_fill(g[0], mask, Scalar(0)), in);
            }
            if (node.needs_input_grad(1)) r[1] = masked_select(g[0], mask).sum().to(vdt);
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Scalar value_of(const Tensor& value) {
  EMBER_CHECK(value.dim() == 0,
              "[masked_fill] masked_fill_ only supports a 0-dimensional value "
              "tensor, but got tensor with ",
              value.dim(), " dimension(s).");
  return value.item();
}

}  // namespace

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  return masked_fill_impl(self, mask, value, Tensor());
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  return masked_fill_impl(self, mask, value_of(value), value);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& value) const {
  return ::ember::masked_fill(*this, mask, value);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Tensor& value) const {
  return ::ember::masked_fill(*this, mask, value);
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) const {
  Tensor m = check_mask(mask, "masked_fill_");
  m.expand(sizes());  // the mask must broadcast to self
  check_fill_value(value, dtype(), "masked_fill_");
  return autograd::apply_inplace(
      self(), false, "masked_fill_",
      [&](const Tensor& s) { return ::ember::masked_fill(s, m, value); },
      [&] { masked_fill_no_grad(*this, m, value); });
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Tensor& value) const {
  Tensor m = check_mask(mask, "masked_fill_");
  m.expand(sizes());
  Scalar v = value_of(value);
  return autograd::apply_inplace(
      self(), value.requires_grad(), "masked_fill_",
      [&](const Tensor& s) { return ::ember::masked_fill(s, m, value); },
      [&] { masked_fill_no_grad(*this, m, v); });
}

Tensor masked_select(const Tensor& self, const Tensor& mask_in) {
  Tensor mask = check_mask(mask_in, "masked_select");
  DimVector b = infer_size(self.sizes(), mask.sizes(), "masked_select");
  Tensor out;
  {
    NoGradGuard ng;
    DimVector b1 = b.empty() ? DimVector{1} : b;
    out = index_no_grad(self.expand(b).reshape(b1), {mask.expand(b).reshape(b1)});
  }
  if (auto n = autograd::make_node(
          "MaskedSelectBackward0", {self},
          [mask, b, in = DimVector(self.sizes())](autograd::FunctionNode&, const variable_list& g) {
            Tensor z = zeros(b, g[0].options());
            return variable_list{autograd::sum_to(masked_scatter(z, mask, g[0]), in)};
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor& masked_select_out(Tensor& out, const Tensor& self, const Tensor& mask) {
  check_out_no_grad("masked_select_out", {self, out});
  Tensor r = masked_select(self, mask);
  out.resize_(r.sizes());
  out.copy_(r);
  return out;
}

Tensor masked_scatter(const Tensor& self, const Tensor& mask_in, const Tensor& source) {
  Tensor mask = check_mask(mask_in, "masked_scatter");
  EMBER_CHECK(source.dtype() == self.dtype(),
              "[masked_scatter] masked_scatter: expected self and "
              "source to have same dtypes but got ",
              toString(self.dtype()), " and ", toString(source.dtype()));
  DimVector b = infer_size(self.sizes(), mask.sizes(), "masked_scatter");
  Tensor out;
  int64_t count = 0;
  {
    NoGradGuard ng;
    out = self.expand(b).clone(MemoryFormat::Contiguous);  // written through a flat view
    Tensor flat_pos = nonzero(mask.expand(b).reshape({-1}));
    count = flat_pos.size(0);
    EMBER_CHECK(source.numel() >= count,
                "[masked_scatter] Number of elements of source < number "
                "of ones in mask");
    if (count > 0) {
      Tensor vals = source.reshape({-1});
      vals = make_view(vals, {count}, {vals.stride(0)}, vals.storage_offset());
      index_put_no_grad(out.view({-1}), {flat_pos.select(1, 0)}, vals, false);
    }
  }
  if (auto n = autograd::make_node(
          "MaskedScatterBackward0", {self, source},
          [mask, count, in = DimVector(self.sizes()), ss = DimVector(source.sizes())](
              autograd::FunctionNode& node, const variable_list& g) {
            variable_list r(2);
            if (node.needs_input_grad(0)) {
              r[0] = autograd::sum_to(masked_fill(g[0], mask, Scalar(0)), in);
            }
            if (node.needs_input_grad(1)) {
              int64_t numel = 1;
              for (int64_t s : ss) numel *= s;
              Tensor pos = arange(count, TensorOptions(kLong).device(g[0].device()));
              r[1] = index_put(zeros({numel}, g[0].options()), {pos}, masked_select(g[0], mask))
                         .view(ss);
            }
            return r;
          })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor Tensor::masked_select(const Tensor& mask) const {
  return ::ember::masked_select(*this, mask);
}
Tensor Tensor::masked_scatter(const Tensor& mask, const Tensor& source) const {
  return ::ember::masked_scatter(*this, mask, source);
}
Tensor& Tensor::masked_scatter_(const Tensor& mask, const Tensor& source) const {
  check_mask(mask, "masked_scatter_").expand(sizes());
  return autograd::apply_inplace(
      self(), source.requires_grad(), "masked_scatter_",
      [&](const Tensor& s) { return ::ember::masked_scatter(s, mask, source); },
      [&] {
        Tensor r = ::ember::masked_scatter(this->detach(), mask, source);
        NoGradGuard ng;
        this->data().copy_(r);
      });
}

Tensor nonzero(const Tensor& self) { return nonzero_stub.get(self.device().type())(self); }
Tensor& nonzero_out(Tensor& out, const Tensor& self) {
  EMBER_CHECK(out.dtype() == kLong,
              "[nonzero_out] nonzero(): Expected out tensor to have scalar "
              "type Long but got scalar type",
              toString(out.dtype()));
  Tensor r = nonzero(self);
  out.resize_(r.sizes());
  out.copy_(r);
  return out;
}
Tensor argwhere(const Tensor& self) { return nonzero(self); }
std::vector<Tensor> nonzero_numpy(const Tensor& self) {
  if (self.dim() == 0) return nonzero_numpy(self.unsqueeze(0));
  Tensor nz = nonzero(self);
  std::vector<Tensor> out;
  for (int64_t d = 0; d < self.dim(); ++d) out.push_back(nz.select(1, d));
  return out;
}
Tensor Tensor::nonzero() const { return ::ember::nonzero(*this); }
Tensor Tensor::argwhere() const { return ::ember::nonzero(*this); }

// out= forms (structured in PyTorch: `out` must have self's dtype).
Tensor& scatter_out(Tensor& out, const Tensor& self, int64_t dim, const Tensor& index,
                    const Tensor& src) {
  out_util::check_no_grad("scatter", {self, src, out});
  return out_util::assign(out, scatter(self, dim, index, src), "scatter", /*exact=*/true);
}
Tensor& scatter_out(Tensor& out, const Tensor& self, int64_t dim, const Tensor& index,
                    const Scalar& value) {
  out_util::check_no_grad("scatter", {self, out});
  return out_util::assign(out, scatter(self, dim, index, value), "scatter", /*exact=*/true);
}
Tensor& scatter_out(Tensor& out, const Tensor& self, int64_t dim, const Tensor& index,
                    const Tensor& src, std::string_view reduce) {
  out_util::check_no_grad("scatter", {self, src, out});
  return out_util::assign(out, scatter(self, dim, index, src, reduce), "scatter", /*exact=*/true);
}
Tensor& scatter_out(Tensor& out, const Tensor& self, int64_t dim, const Tensor& index,
                    const Scalar& value, std::string_view reduce) {
  out_util::check_no_grad("scatter", {self, out});
  return out_util::assign(out, scatter(self, dim, index, value, reduce), "scatter",
                          /*exact=*/true);
}
Tensor& scatter_add_out(Tensor& out, const Tensor& self, int64_t dim, const Tensor& index,
                        const Tensor& src) {
  out_util::check_no_grad("scatter_add", {self, src, out});
  return out_util::assign(out, scatter_add(self, dim, index, src), "scatter_add", /*exact=*/true);
}

}  // namespace ember
