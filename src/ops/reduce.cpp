// Reductions: sum, mean, prod, all, any, count_nonzero, max, min, amax, amin, argmax, argmin,
// median. Statistics (var, std, norm, logsumexp) are in reduce_stats.cpp, scans and softmax in
// softmax.cpp.
#include "ember/ops/reduce.h"
#include <limits>

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/shape.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/reduce.h"
#include "src/ops/out_util.h"
#include "src/ops/reduce_util.h"

namespace ember {

ReducePlan make_reduce_plan(const Tensor& self, OptionalIntArrayRef dims, bool keepdim,
                            ScalarType dtype, const char* op, bool allow_middle) {
  ReducePlan p;
  int64_t nd = self.dim();
  if (!dims || dims->empty()) {
    for (int64_t d = 0; d < nd; ++d) p.mask.set(d);
  } else {
    p.mask = dim_list_to_bitset(*dims, nd, op);
  }
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < nd; ++d) {
    if (!p.mask[d]) {
      perm.push_back(d);
      p.outer *= self.size(d);
      p.out_shape.push_back(self.size(d));
      p.keepdim_shape.push_back(self.size(d));
    } else {
      p.keepdim_shape.push_back(1);
    }
  }
  if (keepdim) p.out_shape = p.keepdim_shape;
  for (int64_t d = 0; d < nd; ++d) {
    if (p.mask[d]) {
      perm.push_back(d);
      p.inner *= self.size(d);
    }
  }
  NoGradGuard ng;
  Tensor x = self.dtype() == dtype ? self : self.to(dtype);
  if (x.is_contiguous()) {
    // One block [a, b) of reduced dims with kept dims after it: [outer, inner, kept_inner].
    int64_t a = 0;
    while (a < nd && !p.mask[a]) ++a;
    int64_t b = a;
    while (b < nd && p.mask[b]) ++b;
    bool block = b < nd;
    for (int64_t d = b; d < nd; ++d) block &= !p.mask[d];
    if (block && a < b) {
      int64_t before = 1, after = 1;
      for (int64_t d = 0; d < a; ++d) before *= self.size(d);
      for (int64_t d = b; d < nd; ++d) after *= self.size(d);
      if (allow_middle) {
        p.middle = true;
        p.outer = before;
        p.kept_inner = after;
        p.rows = x;
      } else {
        // A tiled transpose to [before, after, inner] rows; much faster than a strided copy.
        p.rows = make_tensor({p.outer, p.inner}, x.dtype(), x.device());
        if (x.numel() > 0) {
          transpose_middle_stub.get(x.device().type())(p.rows, x, before, p.inner, after, false);
        }
      }
      return p;
    }
  }
  bool identity = true;
  for (int64_t i = 0; i < nd; ++i) identity &= perm[i] == i;
  if (!identity) x = x.permute(perm);
  p.rows = x.contiguous();
  return p;
}

DimLayout make_dim_layout(const Tensor& self, int64_t dim) {
  DimLayout l;
  l.dim = maybe_wrap_dim(dim, self.dim());
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d < l.dim) l.outer *= self.size(d);
    if (d > l.dim) l.inner *= self.size(d);
  }
  l.n = self.dim() == 0 ? 1 : self.size(l.dim);
  return l;
}

Tensor& write_out(Tensor& out, const Tensor& result, const char* op) {
  EMBER_CHECK(
      !(autograd::GradMode::is_enabled() && (result.requires_grad() || out.requires_grad())), "[",
      op, "] ", op,
      "_out(): functions with out=... arguments don't support automatic "
      "differentiation, but one of the arguments requires grad.");
  EMBER_CHECK(out.device() == result.device(), "[", op, "] out tensor is on ", out.device(),
              " but the result is on ", result.device());
  if (out.sizes() != result.sizes()) out.resize_(result.sizes());
  out.copy_(result);
  return out;
}

void check_nonempty_reduction(const Tensor& self, const ReducePlan& p, bool all_dims,
                              const char* op) {
  if (self.numel() != 0) return;
  EMBER_CHECK(!all_dims, "[", op, "] ", op,
              "(): Expected reduction dim to be specified for "
              "input.numel() == 0. Specify the reduction dim with the 'dim' argument.");
  for (int64_t d = 0; d < self.dim(); ++d) {
    EMBER_CHECK_INDEX(!(p.mask[d] && self.size(d) == 0), "[", op, "] ", op,
                      "(): Expected reduction dim ", d, " to have non-zero size.");
  }
}

int64_t reduced_count(const Tensor& self, OptionalIntArrayRef dims, const char* op) {
  if (!dims || dims->empty()) return self.numel();
  auto mask = dim_list_to_bitset(*dims, self.dim(), op);
  int64_t count = 1;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (mask[d]) count *= self.size(d);
  return count;
}

namespace {

// The reduced dims of a plan as a list for sum(dims, keepdim) in backward formulas; empty = all.
DimVector plan_dims(const ReducePlan& p, int64_t nd) {
  DimVector dims;
  for (int64_t d = 0; d < nd; ++d)
    if (p.mask[d]) dims.push_back(d);
  if (static_cast<int64_t>(dims.size()) == nd) dims.clear();
  return dims;
}

ScalarType int_to_long(const Tensor& self, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return isIntegralType(self.dtype(), true) ? kLong : self.dtype();
}

// Reduction without autograd: `stub` over the plan's rows into a fresh output of `out_dtype`.
Tensor reduce_raw(const Tensor& self, OptionalIntArrayRef dim, bool keepdim, ScalarType dtype,
                  const KernelStub<ReduceFn>& stub, const char* op, ReducePlan* plan = nullptr) {
  bool is_sum = &stub == &sum_stub;
  ReducePlan p = make_reduce_plan(self, dim, keepdim, dtype, op, /*allow_middle=*/is_sum);
  Tensor out = make_tensor(p.out_shape, dtype, self.device());
  if (p.middle) {
    if (out.numel() > 0) {
      sum_middle_stub.get(self.device().type())(out, p.rows, p.outer, p.inner, p.kept_inner, false);
    }
  } else if (p.outer > 0) {
    stub.get(self.device().type())(out, p.rows, p.outer, p.inner);
  }
  if (plan) *plan = std::move(p);
  return out;
}

Tensor sum_impl(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                std::optional<ScalarType> dtype, const char* node) {
  ReducePlan p;
  Tensor out = reduce_raw(self, dim, keepdim, int_to_long(self, dtype), sum_stub, "sum", &p);
  if (auto n = autograd::make_node(node, {self},
                                   [shape = DimVector(self.sizes()), kshape = p.keepdim_shape](
                                       autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{g[0].reshape(kshape).expand(shape)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

Tensor nansum_impl(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                   std::optional<ScalarType> dtype) {
  ReducePlan p;
  Tensor out = reduce_raw(self, dim, keepdim, int_to_long(self, dtype), nansum_stub, "nansum", &p);
  if (auto n = autograd::make_node(
          "NansumBackward0", {self},
          [kshape = p.keepdim_shape](autograd::FunctionNode& n, const variable_list& g) {
            Tensor x = n.saved(0);
            return variable_list{g[0].reshape(kshape) * (x == x).to(x.dtype())};
          })) {
    autograd::set_history(out, n);
    n->save(self);
  }
  return out;
}

Tensor mean_impl(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                 std::optional<ScalarType> dtype, const char* node) {
  ScalarType dt = dtype.value_or(self.dtype());
  EMBER_CHECK(isFloatingType(dt),
              "[mean] mean(): could not infer output dtype. Input dtype must "
              "be either a floating point or complex dtype. Got: ",
              toString(dt));
  int64_t count = reduced_count(self, dim, "mean");
  // 16-bit floats sum in float: their sum may overflow where the mean does not.
  ScalarType acc = dt == kHalf || dt == kBFloat16 ? kFloat : dt;
  ReducePlan p;
  Tensor out;
  {
    NoGradGuard ng;
    out = reduce_raw(self, dim, keepdim, acc, sum_stub, "mean", &p).div(static_cast<double>(count));
    if (acc != dt) out = out.to(dt);
  }
  if (auto n = autograd::make_node(node, {self},
                                   [shape = DimVector(self.sizes()), kshape = p.keepdim_shape,
                                    count](autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{g[0].reshape(kshape).expand(shape) /
                                                          static_cast<double>(count)};
                                   })) {
    autograd::set_history(out, n);
  }
  return out;
}

// d prod / d x_i = product of the other elements. Zeros are replaced by 1 (with derivative 0) in
// `others`; the zero values themselves (xz, numerically 0) are kept as factors so that double
// backward sees the right mixed derivatives for rows with one or two zeros.
Tensor prod_backward(const Tensor& grad, const Tensor& self, const Tensor& result,
                     IntArrayRef kshape, std::optional<int64_t> dim) {
  Tensor g = grad.reshape(kshape), r = result.reshape(kshape);
  Tensor zero = self == 0;
  bool has_zero;
  {
    NoGradGuard ng;
    has_zero = any(zero).item<bool>();
  }
  if (!has_zero) return g * r / self;
  ScalarType dt = self.dtype();
  Tensor zm = zero.to(dt);
  Tensor x1 = self * (1 - zm) + zm;
  auto row_sum = [&](const Tensor& t) {
    return dim ? t.sum(IntArrayRef{*dim}, true) : t.sum().reshape(kshape);
  };
  Tensor nz = row_sum(zm);
  Tensor xz = row_sum(self * zm);
  Tensor others = dim ? prod(x1, *dim, true) : prod(x1).reshape(kshape);
  Tensor one = (nz == 1).to(dt) * (zm + (1 - zm) * xz / x1);
  Tensor two = (nz == 2).to(dt) * zm * (xz - self);
  return g * others * ((nz == 0).to(dt) / x1 + one + two);
}

Tensor prod_impl(const Tensor& self, std::optional<int64_t> dim, bool keepdim,
                 std::optional<ScalarType> dtype) {
  ScalarType dt = int_to_long(self, dtype);
  ReducePlan p;
  Tensor out;
  if (dim) {
    out = reduce_raw(self, IntArrayRef{*dim}, keepdim, dt, prod_stub, "prod", &p);
  } else {
    out = reduce_raw(self, std::nullopt, false, dt, prod_stub, "prod", &p);
  }
  std::optional<int64_t> wd;
  if (dim) wd = maybe_wrap_dim(*dim, self.dim());
  if (self.dim() == 0) wd.reset();  // a 0-dim tensor reduces over everything
  if (auto n = autograd::make_node(
          dim ? "ProdBackward1" : "ProdBackward0", {self},
          [kshape = p.keepdim_shape, wd](autograd::FunctionNode& n, const variable_list& g) {
            return variable_list{prod_backward(g[0], n.saved(0), n.saved(1), kshape, wd)};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(out, true);
  }
  return out;
}

// Bool result, except that uint8 inputs give uint8 (as PyTorch).
Tensor logical_impl(const Tensor& self, std::optional<int64_t> dim, bool keepdim, bool is_all) {
  const char* op = is_all ? "all" : "any";
  ReducePlan p = dim ? make_reduce_plan(self, IntArrayRef{*dim}, keepdim, kBool, op)
                     : make_reduce_plan(self, std::nullopt, false, kBool, op);
  Tensor out = make_tensor(p.out_shape, kBool, self.device());
  if (p.outer > 0)
    (is_all ? all_stub : any_stub).get(self.device().type())(out, p.rows, p.outer, p.inner);
  return self.dtype() == kByte ? out.to(kByte) : out;
}

// Gradient of a reduction that picks one element per output: grad goes to the picked index.
Tensor value_selecting_backward(const Tensor& grad, int64_t dim, const Tensor& indices,
                                IntArrayRef sizes, bool keepdim) {
  if (sizes.empty()) return grad.reshape({});
  Tensor g = keepdim ? grad : grad.unsqueeze(dim);
  Tensor idx = keepdim ? indices : indices.unsqueeze(dim);
  DimVector ashape(sizes.size(), 1);
  ashape[dim] = sizes[dim];
  Tensor mask =
      arange(sizes[dim], TensorOptions().dtype(kLong).device(grad.device())).reshape(ashape) == idx;
  return mask.to(grad.dtype()) * g;
}

// Gradient of max/amax/median over all ties: shared evenly among the elements equal to the result.
Tensor evenly_distribute_backward(const Tensor& grad, const Tensor& self, const Tensor& result,
                                  IntArrayRef kshape, IntArrayRef dims) {
  Tensor r = result.reshape(kshape);
  ScalarType dt = self.dtype();
  Tensor mask = (self == r).to(dt) + self.isnan().to(dt) * r.isnan().to(dt);
  Tensor count = mask.sum(dims, /*keepdim=*/true);
  return mask * grad.reshape(kshape) / count;
}

Tensor extremum_all(const Tensor& self, IntArrayRef dim, bool keepdim, bool is_max, const char* op,
                    const char* node) {
  ReducePlan p = make_reduce_plan(self, dim, keepdim, self.dtype(), op);
  check_nonempty_reduction(self, p, dim.empty(), op);
  Tensor out = make_tensor(p.out_shape, self.dtype(), self.device());
  if (p.outer > 0)
    (is_max ? amax_stub : amin_stub).get(self.device().type())(out, p.rows, p.outer, p.inner);
  if (auto n = autograd::make_node(node, {self},
                                   [kshape = p.keepdim_shape, dims = plan_dims(p, self.dim())](
                                       autograd::FunctionNode& n, const variable_list& g) {
                                     return variable_list{evenly_distribute_backward(
                                         g[0], n.saved(0), n.saved(1), kshape, dims)};
                                   })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(out, true);
  }
  return out;
}

Tensor median_all(const Tensor& self, bool ignore_nan) {
  const char* op = ignore_nan ? "nanmedian" : "median";
  EMBER_CHECK(self.dtype() != kBool, "[", op, "] \"median_cpu\" not implemented for 'Bool'");
  const char* node = ignore_nan ? "NanmedianBackward0" : "MedianBackward0";
  if (self.numel() == 0) {
    EMBER_CHECK(self.is_floating_point(), "[", op, "] ", op, "() of an empty ",
                toString(self.dtype()), " tensor has no value");
    Tensor nan = full({}, std::numeric_limits<double>::quiet_NaN(), self.options());
    // PyTorch records the node here too; the (empty) input's gradient is empty.
    if (auto n =
            autograd::make_node(node, {self}, [](autograd::FunctionNode& n, const variable_list&) {
              return variable_list{zeros_like(n.saved(0))};
            })) {
      autograd::set_history(nan, n);
      n->save(self);
    }
    return nan;
  }
  ReducePlan p = make_reduce_plan(self, std::nullopt, false, self.dtype(), op);
  Tensor values = make_tensor({}, self.dtype(), self.device());
  Tensor indices = make_tensor({}, kLong, self.device());
  (ignore_nan ? nanmedian_dim_stub : median_dim_stub)
      .get(self.device().type())(values, indices, p.rows, 1, p.inner);
  if (auto n = autograd::make_node(
          node, {self},
          [kshape = p.keepdim_shape](autograd::FunctionNode& n, const variable_list& g) {
            return variable_list{
                evenly_distribute_backward(g[0], n.saved(0), n.saved(1), kshape, {})};
          })) {
    autograd::set_history(values, n);
    n->save(self);
    n->save(values, true);
  }
  return values;
}

std::tuple<Tensor, Tensor> select_dim(const Tensor& self, int64_t dim, bool keepdim,
                                      const KernelStub<ArgReduceFn>& stub, const char* op,
                                      const char* node) {
  int64_t d = maybe_wrap_dim(dim, self.dim());
  ReducePlan p = make_reduce_plan(self, IntArrayRef{d}, keepdim, self.dtype(), op);
  check_nonempty_reduction(self, p, false, op);
  Tensor values = make_tensor(p.out_shape, self.dtype(), self.device());
  Tensor indices = make_tensor(p.out_shape, kLong, self.device());
  if (p.outer > 0) stub.get(self.device().type())(values, indices, p.rows, p.outer, p.inner);
  if (auto n = autograd::make_node(node, {self},
                                   [d, indices, keepdim, sizes = DimVector(self.sizes())](
                                       autograd::FunctionNode&, const variable_list& g) {
                                     return variable_list{value_selecting_backward(g[0], d, indices,
                                                                                   sizes, keepdim)};
                                   })) {
    autograd::set_history(values, n);
  }
  return {values, indices};
}

Tensor arg_impl(const Tensor& self, std::optional<int64_t> dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  EMBER_CHECK(self.dtype() != kBool, "[", op, "] \"", op, "_cpu\" not implemented for 'Bool'");
  ReducePlan p = dim ? make_reduce_plan(self, IntArrayRef{*dim}, keepdim, self.dtype(), op)
                     : make_reduce_plan(self, std::nullopt, keepdim, self.dtype(), op);
  if (!dim) {
    EMBER_CHECK(self.numel() != 0, "[", op, "] ", op,
                "(): Expected reduction dim to be "
                "specified for input.numel() == 0.");
  }
  check_nonempty_reduction(self, p, false, op);
  Tensor indices = make_tensor(p.out_shape, kLong, self.device());
  Tensor values;
  if (p.outer > 0) {
    (is_max ? max_dim_stub : min_dim_stub)
        .get(self.device().type())(values, indices, p.rows, p.outer, p.inner);
  }
  return indices;
}

}  // namespace

// ---- sum, mean, prod ----
// sum, prod, cumsum, cumprod, softmax, log_softmax: CUDA autocast's fp32_set_opt_dtype (a 16-bit
// CUDA input without dtype= runs with dtype=float32); prod is also on CPU's float32 list.
Tensor sum(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
           std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fallthrough, fp32_set_opt_dtype, sum, self, dim, keepdim, dtype);
  return sum_impl(self, dim, keepdim, dtype, "SumBackward1");
}
Tensor sum(const Tensor& self, std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fallthrough, fp32_set_opt_dtype, sum, self, dtype);
  return sum_impl(self, std::nullopt, false, dtype, "SumBackward0");
}
Tensor& sum_out(Tensor& out, const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                std::optional<ScalarType> dtype) {
  return write_out(out, sum(self, dim, keepdim, dtype.value_or(int_to_long(self, out.dtype()))),
                   "sum");
}
Tensor mean(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
            std::optional<ScalarType> dtype) {
  return mean_impl(self, dim, keepdim, dtype, "MeanBackward1");
}
Tensor mean(const Tensor& self, std::optional<ScalarType> dtype) {
  return mean_impl(self, std::nullopt, false, dtype, "MeanBackward0");
}
Tensor& mean_out(Tensor& out, const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
                 std::optional<ScalarType> dtype) {
  return write_out(out, mean(self, dim, keepdim, dtype.value_or(out.dtype())), "mean");
}
Tensor prod(const Tensor& self, std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fp32, fp32_set_opt_dtype, prod, self, dtype);
  return prod_impl(self, std::nullopt, false, dtype);
}
Tensor prod(const Tensor& self, int64_t dim, bool keepdim, std::optional<ScalarType> dtype) {
  EMBER_AUTOCAST(fp32, fp32_set_opt_dtype, prod, self, dim, keepdim, dtype);
  return prod_impl(self, dim, keepdim, dtype);
}
Tensor& prod_out(Tensor& out, const Tensor& self, int64_t dim, bool keepdim,
                 std::optional<ScalarType> dtype) {
  return write_out(out, prod(self, dim, keepdim, dtype.value_or(out.dtype())), "prod");
}

// ---- logical ----
Tensor all(const Tensor& self) { return logical_impl(self, std::nullopt, false, true); }
Tensor all(const Tensor& self, int64_t dim, bool keepdim) {
  return logical_impl(self, dim, keepdim, true);
}
Tensor& all_out(Tensor& out, const Tensor& self, int64_t dim, bool keepdim) {
  return write_out(out, all(self, dim, keepdim), "all");
}
Tensor any(const Tensor& self) { return logical_impl(self, std::nullopt, false, false); }
Tensor any(const Tensor& self, int64_t dim, bool keepdim) {
  return logical_impl(self, dim, keepdim, false);
}
Tensor& any_out(Tensor& out, const Tensor& self, int64_t dim, bool keepdim) {
  return write_out(out, any(self, dim, keepdim), "any");
}
Tensor count_nonzero(const Tensor& self, IntArrayRef dim) {
  NoGradGuard ng;
  return sum(self.to(kBool), dim, false, kLong);
}
Tensor count_nonzero(const Tensor& self, std::optional<int64_t> dim) {
  if (dim) return count_nonzero(self, IntArrayRef{*dim});
  return count_nonzero(self, IntArrayRef{});
}

// ---- max, min, median ----
Tensor max(const Tensor& self) {
  return extremum_all(self, {}, false, true, "max", "MaxBackward1");
}
Tensor min(const Tensor& self) {
  return extremum_all(self, {}, false, false, "min", "MinBackward1");
}
Tensor amax(const Tensor& self, IntArrayRef dim, bool keepdim) {
  return extremum_all(self, dim, keepdim, true, "amax", "AmaxBackward0");
}
Tensor amin(const Tensor& self, IntArrayRef dim, bool keepdim) {
  return extremum_all(self, dim, keepdim, false, "amin", "AminBackward0");
}
Tensor& amax_out(Tensor& out, const Tensor& self, IntArrayRef dim, bool keepdim) {
  return write_out(out, amax(self, dim, keepdim), "amax");
}
Tensor& amin_out(Tensor& out, const Tensor& self, IntArrayRef dim, bool keepdim) {
  return write_out(out, amin(self, dim, keepdim), "amin");
}
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim) {
  return select_dim(self, dim, keepdim, max_dim_stub, "max", "MaxBackward0");
}
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim) {
  return select_dim(self, dim, keepdim, min_dim_stub, "min", "MinBackward0");
}
std::tuple<Tensor&, Tensor&> max_out(Tensor& max, Tensor& max_values, const Tensor& self,
                                     int64_t dim, bool keepdim) {
  auto [v, i] = ::ember::max(self, dim, keepdim);
  write_out(max, v, "max");
  write_out(max_values, i, "max");
  return {max, max_values};
}
std::tuple<Tensor&, Tensor&> min_out(Tensor& min, Tensor& min_indices, const Tensor& self,
                                     int64_t dim, bool keepdim) {
  auto [v, i] = ::ember::min(self, dim, keepdim);
  write_out(min, v, "min");
  write_out(min_indices, i, "min");
  return {min, min_indices};
}
Tensor argmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_impl(self, dim, keepdim, true);
}
Tensor argmin(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return arg_impl(self, dim, keepdim, false);
}
Tensor& argmax_out(Tensor& out, const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return write_out(out, argmax(self, dim, keepdim), "argmax");
}
Tensor& argmin_out(Tensor& out, const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  return write_out(out, argmin(self, dim, keepdim), "argmin");
}

Tensor median(const Tensor& self) { return median_all(self, false); }
std::tuple<Tensor, Tensor> median(const Tensor& self, int64_t dim, bool keepdim) {
  EMBER_CHECK(self.dtype() != kBool, "[median] \"median_out\" not implemented for 'Bool'");
  return select_dim(self, dim, keepdim, median_dim_stub, "median", "MedianBackward1");
}
Tensor nanmedian(const Tensor& self) { return median_all(self, true); }
std::tuple<Tensor, Tensor> nanmedian(const Tensor& self, int64_t dim, bool keepdim) {
  EMBER_CHECK(self.dtype() != kBool, "[nanmedian] \"median_out\" not implemented for 'Bool'");
  return select_dim(self, dim, keepdim, nanmedian_dim_stub, "nanmedian", "NanmedianBackward1");
}
std::tuple<Tensor, Tensor> aminmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  bool empty = self.numel() == 0 &&
               (!dim || self.dim() == 0 || self.size(maybe_wrap_dim(*dim, self.dim())) == 0);
  EMBER_CHECK(!empty,
              "[aminmax] aminmax(): cannot compute aminmax over an empty dimension as the "
              "operation has no identity.");
  if (!dim) {
    Tensor lo = amin(self), hi = amax(self);
    if (keepdim) {
      DimVector ones(self.dim(), 1);
      return {lo.reshape(ones), hi.reshape(ones)};
    }
    return {lo, hi};
  }
  return {amin(self, IntArrayRef{*dim}, keepdim), amax(self, IntArrayRef{*dim}, keepdim)};
}

// ---- NaN-ignoring sums ----
Tensor nansum(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
              std::optional<ScalarType> dtype) {
  return nansum_impl(self, dim, keepdim, dtype);
}
Tensor nanmean(const Tensor& self, OptionalIntArrayRef dim, bool keepdim,
               std::optional<ScalarType> dtype) {
  EMBER_CHECK(self.is_floating_point(),
              "[nanmean] nanmean(): expected input to have floating "
              "point dtype but got ",
              toString(self.dtype()));
  Tensor count = (self == self).sum(dim, keepdim);
  return nansum(self, dim, keepdim, dtype) / count;
}

// ---- Tensor methods ----
Tensor Tensor::sum(std::optional<ScalarType> dt) const { return ::ember::sum(*this, dt); }
Tensor Tensor::sum(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dt) const {
  return ::ember::sum(*this, dim, keepdim, dt);
}
Tensor Tensor::mean(std::optional<ScalarType> dt) const { return ::ember::mean(*this, dt); }
Tensor Tensor::mean(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dt) const {
  return ::ember::mean(*this, dim, keepdim, dt);
}
Tensor Tensor::prod(std::optional<ScalarType> dt) const { return ::ember::prod(*this, dt); }
Tensor Tensor::prod(int64_t dim, bool keepdim, std::optional<ScalarType> dt) const {
  return ::ember::prod(*this, dim, keepdim, dt);
}
Tensor Tensor::all() const { return ::ember::all(*this); }
Tensor Tensor::all(int64_t dim, bool keepdim) const { return ::ember::all(*this, dim, keepdim); }
Tensor Tensor::any() const { return ::ember::any(*this); }
Tensor Tensor::any(int64_t dim, bool keepdim) const { return ::ember::any(*this, dim, keepdim); }
Tensor Tensor::count_nonzero(IntArrayRef dim) const { return ::ember::count_nonzero(*this, dim); }
Tensor Tensor::count_nonzero(std::optional<int64_t> dim) const {
  return ::ember::count_nonzero(*this, dim);
}
Tensor Tensor::max() const { return ::ember::max(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const {
  return ::ember::max(*this, dim, keepdim);
}
Tensor Tensor::min() const { return ::ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const {
  return ::ember::min(*this, dim, keepdim);
}
Tensor Tensor::amax(IntArrayRef dim, bool keepdim) const {
  return ::ember::amax(*this, dim, keepdim);
}
Tensor Tensor::amin(IntArrayRef dim, bool keepdim) const {
  return ::ember::amin(*this, dim, keepdim);
}
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const {
  return ::ember::argmax(*this, dim, keepdim);
}
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const {
  return ::ember::argmin(*this, dim, keepdim);
}
Tensor Tensor::median() const { return ::ember::median(*this); }
Tensor Tensor::nanmedian() const { return ::ember::nanmedian(*this); }
std::tuple<Tensor, Tensor> Tensor::nanmedian(int64_t dim, bool keepdim) const {
  return ::ember::nanmedian(*this, dim, keepdim);
}
std::tuple<Tensor, Tensor> Tensor::aminmax(std::optional<int64_t> dim, bool keepdim) const {
  return ::ember::aminmax(*this, dim, keepdim);
}
Tensor Tensor::nansum(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dt) const {
  return ::ember::nansum(*this, dim, keepdim, dt);
}
Tensor Tensor::nanmean(OptionalIntArrayRef dim, bool keepdim, std::optional<ScalarType> dt) const {
  return ::ember::nanmean(*this, dim, keepdim, dt);
}
std::tuple<Tensor, Tensor> Tensor::median(int64_t dim, bool keepdim) const {
  return ::ember::median(*this, dim, keepdim);
}

// out= forms: count_nonzero and the global median cast into `out` (PyTorch's generated wrappers
// copy); median over a dim wants values of self's dtype and int64 indices.
Tensor& count_nonzero_out(Tensor& out, const Tensor& self, IntArrayRef dim) {
  out_util::check_no_grad("count_nonzero", {self, out});
  return out_util::assign(out, count_nonzero(self, dim), "count_nonzero", /*exact=*/false);
}
Tensor& count_nonzero_out(Tensor& out, const Tensor& self, std::optional<int64_t> dim) {
  out_util::check_no_grad("count_nonzero", {self, out});
  return out_util::assign(out, count_nonzero(self, dim), "count_nonzero", /*exact=*/false);
}
Tensor& median_out(Tensor& out, const Tensor& self) {
  out_util::check_no_grad("median", {self, out});
  return out_util::assign(out, median(self), "median", /*exact=*/false);
}
std::tuple<Tensor&, Tensor&> median_out(Tensor& values, Tensor& indices, const Tensor& self,
                                        int64_t dim, bool keepdim) {
  out_util::check_no_grad("median", {self, values, indices});
  auto [v, i] = median(self, dim, keepdim);
  out_util::assign(values, v, "median", /*exact=*/true);
  out_util::assign(indices, i, "median", /*exact=*/true);
  return {values, indices};
}

}  // namespace ember
