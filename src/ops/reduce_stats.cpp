// Statistical reductions: var, std, var_mean, std_mean, norm, logsumexp.
#include <cmath>

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/reduce.h"
#include "src/ops/out_util.h"
#include "src/ops/reduce_util.h"

namespace ember {
namespace {

DimVector reduced_dims(const ReducePlan& p, int64_t nd) {
  DimVector dims;
  for (int64_t d = 0; d < nd; ++d)
    if (p.mask[d]) dims.push_back(d);
  return dims;
}

Tensor sign_of(const Tensor& x) { return (x > 0).to(x.dtype()) - (x < 0).to(x.dtype()); }

// t ** e for positive t, written with differentiable ops.
Tensor pow_pos(const Tensor& t, double e) { return (t.log() * e).exp(); }

// 1 where t == 0 so that dividing by the result stays finite; callers mask those entries.
Tensor nonzero_or_one(const Tensor& t) { return t + (t == 0).to(t.dtype()); }

Tensor var_backward(const Tensor& g, const Tensor& self, IntArrayRef dims, double divisor) {
  return g * (2.0 / divisor) * (self - self.mean(dims, true));
}

// var (or std when take_sqrt) and optionally the mean, with autograd on both results.
std::tuple<Tensor, Tensor> var_mean_impl(const Tensor& self, OptionalIntArrayRef dim,
                                         double correction, bool keepdim, bool take_sqrt,
                                         bool want_mean, const char* node) {
  const char* op = take_sqrt ? "std" : "var";
  EMBER_CHECK(isFloatingType(self.dtype()), "[", op,
              "] std and var only support floating point "
              "and complex dtypes");
  ReducePlan p = make_reduce_plan(self, dim, keepdim, self.dtype(), op);
  Tensor v = make_tensor(p.out_shape, self.dtype(), self.device());
  Tensor m = want_mean ? make_tensor(p.out_shape, self.dtype(), self.device()) : Tensor();
  if (p.outer > 0)
    var_stub.get(self.device().type())(v, m, p.rows, p.outer, p.inner, correction, take_sqrt);
  double divisor = std::max(0.0, static_cast<double>(p.inner) - correction);
  if (auto n = autograd::make_node(
          node, {self},
          [kshape = p.keepdim_shape, dims = reduced_dims(p, self.dim()), divisor, take_sqrt,
           want_mean, count = p.inner](autograd::FunctionNode& n, const variable_list& g) {
            Tensor x = n.saved(0);
            Tensor gv = g[0].reshape(kshape);
            if (take_sqrt) {
              Tensor r = n.saved(1).reshape(kshape);
              gv = gv / (nonzero_or_one(r) * 2) * (r != 0).to(r.dtype());
            }
            Tensor gi = var_backward(gv, x, dims, divisor);
            if (want_mean) gi = gi + g[1].reshape(kshape) / static_cast<double>(count);
            return variable_list{gi};
          })) {
    autograd::set_history(v, n);
    if (want_mean) autograd::set_history(m, n);
    n->save(self);
    if (take_sqrt) n->save(v, true);
  }
  return {v, m};
}

double correction_value(const std::optional<Scalar>& c) { return c ? c->toDouble() : 1.0; }

Tensor norm_backward(const Tensor& grad, const Tensor& self, const Tensor& result, double p,
                     IntArrayRef kshape, IntArrayRef dims) {
  ScalarType dt = self.dtype();
  Tensor g = grad.reshape(kshape), r = result.reshape(kshape);
  if (p == 0) return zeros_like(self);
  if (p == 1) return sign_of(self) * g;
  if (p == 2) return self * (g / nonzero_or_one(r)) * (r != 0).to(dt);
  if (std::isinf(p)) {
    // Shared evenly among the elements whose |x| is the norm.
    Tensor mask = (self.abs() == r).to(dt);
    return sign_of(self) * mask * (g / mask.sum(dims, true));
  }
  Tensor a = self.abs();
  Tensor ap = pow_pos(nonzero_or_one(a), p - 1) * (a != 0).to(dt);
  return sign_of(self) * ap * (g / pow_pos(nonzero_or_one(r), p - 1)) * (r != 0).to(dt);
}

Tensor norm_impl(const Tensor& self, const std::optional<Scalar>& p_opt, OptionalIntArrayRef dim,
                 bool keepdim, std::optional<ScalarType> dtype, const char* node) {
  EMBER_CHECK(isFloatingType(self.dtype()),
              "[norm] norm(): input dtype should be either "
              "floating point or complex. Got ",
              toString(self.dtype()), " instead.");
  ScalarType dt = dtype.value_or(self.dtype());
  EMBER_CHECK(isFloatingType(dt),
              "[norm] norm(): the desired output dtype should be either "
              "floating point or complex. Got ",
              toString(dt), " instead.");
  double p = p_opt ? p_opt->toDouble() : 2.0;
  ReducePlan plan = make_reduce_plan(self, dim, keepdim, dt, "norm");
  Tensor out = make_tensor(plan.out_shape, dt, self.device());
  if (plan.outer > 0)
    norm_stub.get(self.device().type())(out, plan.rows, plan.outer, plan.inner, p);
  if (auto n = autograd::make_node(
          node, {self},
          [p, kshape = plan.keepdim_shape, dims = reduced_dims(plan, self.dim())](
              autograd::FunctionNode& n, const variable_list& g) {
            return variable_list{norm_backward(g[0], n.saved(0), n.saved(1), p, kshape, dims)};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(out, true);
  }
  return out;
}

}  // namespace

Tensor var(const Tensor& self, bool unbiased) {
  return std::get<0>(
      var_mean_impl(self, std::nullopt, unbiased ? 1 : 0, false, false, false, "VarBackward0"));
}
Tensor var(const Tensor& self, OptionalIntArrayRef dim, bool unbiased, bool keepdim) {
  return std::get<0>(
      var_mean_impl(self, dim, unbiased ? 1 : 0, keepdim, false, false, "VarBackward0"));
}
Tensor var(const Tensor& self, OptionalIntArrayRef dim, const std::optional<Scalar>& correction,
           bool keepdim) {
  return std::get<0>(var_mean_impl(self, dim, correction_value(correction), keepdim, false, false,
                                   "VarBackward0"));
}
Tensor& var_out(Tensor& out, const Tensor& self, OptionalIntArrayRef dim, bool unbiased,
                bool keepdim) {
  return write_out(out, var(self, dim, unbiased, keepdim), "var");
}
Tensor std(const Tensor& self, bool unbiased) {
  return std::get<0>(
      var_mean_impl(self, std::nullopt, unbiased ? 1 : 0, false, true, false, "StdBackward0"));
}
Tensor std(const Tensor& self, OptionalIntArrayRef dim, bool unbiased, bool keepdim) {
  return std::get<0>(
      var_mean_impl(self, dim, unbiased ? 1 : 0, keepdim, true, false, "StdBackward0"));
}
Tensor std(const Tensor& self, OptionalIntArrayRef dim, const std::optional<Scalar>& correction,
           bool keepdim) {
  return std::get<0>(
      var_mean_impl(self, dim, correction_value(correction), keepdim, true, false, "StdBackward0"));
}
Tensor& std_out(Tensor& out, const Tensor& self, OptionalIntArrayRef dim, bool unbiased,
                bool keepdim) {
  return write_out(out, ::ember::std(self, dim, unbiased, keepdim), "std");
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, bool unbiased) {
  return var_mean_impl(self, std::nullopt, unbiased ? 1 : 0, false, false, true,
                       "VarMeanBackward0");
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, OptionalIntArrayRef dim, bool unbiased,
                                    bool keepdim) {
  return var_mean_impl(self, dim, unbiased ? 1 : 0, keepdim, false, true, "VarMeanBackward0");
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& self, OptionalIntArrayRef dim,
                                    const std::optional<Scalar>& correction, bool keepdim) {
  return var_mean_impl(self, dim, correction_value(correction), keepdim, false, true,
                       "VarMeanBackward0");
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, bool unbiased) {
  return var_mean_impl(self, std::nullopt, unbiased ? 1 : 0, false, true, true, "StdMeanBackward0");
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, OptionalIntArrayRef dim, bool unbiased,
                                    bool keepdim) {
  return var_mean_impl(self, dim, unbiased ? 1 : 0, keepdim, true, true, "StdMeanBackward0");
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& self, OptionalIntArrayRef dim,
                                    const std::optional<Scalar>& correction, bool keepdim) {
  return var_mean_impl(self, dim, correction_value(correction), keepdim, true, true,
                       "StdMeanBackward0");
}

// norm without dtype= is CUDA autocast's fp32_append_dtype: a 16-bit CUDA input runs as the
// dtype=float32 overload.
Tensor norm(const Tensor& self, const Scalar& p) {
  EMBER_AUTOCAST(fallthrough, fp32_append_dtype, norm, self, p);
  return norm_impl(self, p, {}, false, std::nullopt, "NormBackward0");
}
Tensor norm(const Tensor& self, const std::optional<Scalar>& p, ScalarType dtype) {
  return norm_impl(self, p, {}, false, dtype, "NormBackward2");
}
Tensor norm(const Tensor& self, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim) {
  EMBER_AUTOCAST(fallthrough, fp32_append_dtype, norm, self, p, dim, keepdim);
  return norm_impl(self, p, dim, keepdim, std::nullopt, "NormBackward1");
}
Tensor norm(const Tensor& self, const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim,
            ScalarType dtype) {
  return norm_impl(self, p, dim, keepdim, dtype, "NormBackward3");
}
Tensor linalg_vector_norm(const Tensor& self, const Scalar& ord, OptionalIntArrayRef dim,
                          bool keepdim, std::optional<ScalarType> dtype) {
  return norm_impl(self, ord, dim, keepdim, dtype, "LinalgVectorNormBackward0");
}
Tensor& norm_out(Tensor& out, const Tensor& self, const std::optional<Scalar>& p, IntArrayRef dim,
                 bool keepdim) {
  return write_out(out, norm(self, p, dim, keepdim), "norm");
}

Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim) {
  EMBER_AUTOCAST(fallthrough, fp32, logsumexp, self, dim, keepdim);
  ScalarType dt = isFloatingType(self.dtype()) ? self.dtype() : get_default_dtype();
  ReducePlan p = make_reduce_plan(self, dim, keepdim, dt, "logsumexp");
  Tensor out = make_tensor(p.out_shape, dt, self.device());
  if (p.outer > 0) logsumexp_stub.get(self.device().type())(out, p.rows, p.outer, p.inner);
  if (auto n = autograd::make_node(
          "LogsumexpBackward0", {self},
          [kshape = p.keepdim_shape](autograd::FunctionNode& n, const variable_list& g) {
            return variable_list{g[0].reshape(kshape) *
                                 (n.saved(0) - n.saved(1).reshape(kshape)).exp()};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(out, true);
  }
  return out;
}
Tensor& logsumexp_out(Tensor& out, const Tensor& self, IntArrayRef dim, bool keepdim) {
  return write_out(out, logsumexp(self, dim, keepdim), "logsumexp");
}

Tensor Tensor::var(bool unbiased) const { return ::ember::var(*this, unbiased); }
Tensor Tensor::var(OptionalIntArrayRef dim, bool unbiased, bool keepdim) const {
  return ::ember::var(*this, dim, unbiased, keepdim);
}
Tensor Tensor::var(OptionalIntArrayRef dim, const std::optional<Scalar>& correction,
                   bool keepdim) const {
  return ::ember::var(*this, dim, correction, keepdim);
}
Tensor Tensor::std(bool unbiased) const { return ::ember::std(*this, unbiased); }
Tensor Tensor::std(OptionalIntArrayRef dim, bool unbiased, bool keepdim) const {
  return ::ember::std(*this, dim, unbiased, keepdim);
}
Tensor Tensor::std(OptionalIntArrayRef dim, const std::optional<Scalar>& correction,
                   bool keepdim) const {
  return ::ember::std(*this, dim, correction, keepdim);
}
Tensor Tensor::norm(const Scalar& p) const { return ::ember::norm(*this, p); }
Tensor Tensor::norm(const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim) const {
  return ::ember::norm(*this, p, dim, keepdim);
}
Tensor Tensor::norm(const std::optional<Scalar>& p, IntArrayRef dim, bool keepdim,
                    ScalarType dtype) const {
  return ::ember::norm(*this, p, dim, keepdim, dtype);
}
Tensor Tensor::logsumexp(IntArrayRef dim, bool keepdim) const {
  return ::ember::logsumexp(*this, dim, keepdim);
}

// out= forms (PyTorch's generated wrappers: the results are cast-copied into out0 and out1).
namespace {
std::tuple<Tensor&, Tensor&> pair_out(Tensor& out0, Tensor& out1,
                                      const std::tuple<Tensor, Tensor>& r, const char* op) {
  out_util::assign(out0, std::get<0>(r), op, /*exact=*/false);
  out_util::assign(out1, std::get<1>(r), op, /*exact=*/false);
  return {out0, out1};
}
}  // namespace
std::tuple<Tensor&, Tensor&> var_mean_out(Tensor& out0, Tensor& out1, const Tensor& self,
                                          OptionalIntArrayRef dim,
                                          const std::optional<Scalar>& correction, bool keepdim) {
  out_util::check_no_grad("var_mean", {self, out0, out1});
  return pair_out(out0, out1, var_mean(self, dim, correction, keepdim), "var_mean");
}
std::tuple<Tensor&, Tensor&> std_mean_out(Tensor& out0, Tensor& out1, const Tensor& self,
                                          OptionalIntArrayRef dim,
                                          const std::optional<Scalar>& correction, bool keepdim) {
  out_util::check_no_grad("std_mean", {self, out0, out1});
  return pair_out(out0, out1, std_mean(self, dim, correction, keepdim), "std_mean");
}

}  // namespace ember
