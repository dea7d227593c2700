// Ternary elementwise ops: where, clamp/clip, clamp_min/clamp_max, lerp, addcmul, addcdiv, and
// the closeness tests isclose/allclose/equal. Derivatives follow derivatives.yaml; each input's
// gradient is reduced back to its shape and dtype after broadcasting.
#include "ember/ops/ternary.h"

#include <cmath>
#include <functional>
#include <limits>

#include "ember/ops/reduce.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/ternary.h"
#include "src/ops/binary_impl.h"

namespace ember {
using namespace binary_detail;
namespace {

// Input i's gradient is only needed when n.needs_input_grad(i); formulas skip the others.
using Formula = std::function<variable_list(const Tensor& grad, const variable_list& saved,
                                            const autograd::FunctionNode& n)>;

// Records `node` on `r` with edges to `inputs` (undefined ones get none); `saved` are kept with
// version checks and handed to `f`.
void record(const Tensor& r, const char* node, std::initializer_list<Tensor> inputs,
            std::initializer_list<Tensor> saved, Formula f) {
  if (!autograd::any_requires_grad(inputs)) return;
  std::vector<DimVector> shapes;
  std::vector<ScalarType> dtypes;
  for (const auto& t : inputs) {
    shapes.emplace_back(t.defined() ? DimVector(t.sizes()) : DimVector());
    dtypes.push_back(t.defined() ? t.dtype() : kFloat);
  }
  size_t nsaved = saved.size();
  auto n = autograd::make_node(node, inputs,
                               [f = std::move(f), shapes, dtypes, nsaved](autograd::FunctionNode& n,
                                                                          const variable_list& g) {
                                 variable_list s;
                                 for (size_t i = 0; i < nsaved; ++i) s.push_back(n.saved(i));
                                 variable_list gr = f(g[0], s, n);
                                 gr.resize(shapes.size());
                                 for (size_t i = 0; i < gr.size(); ++i) {
                                   if (gr[i].defined() && n.needs_input_grad(i))
                                     gr[i] = autograd::sum_to(gr[i], shapes[i]).to(dtypes[i]);
                                 }
                                 return gr;
                               });
  autograd::set_history(r, n);
  for (const auto& t : saved) n->save(t);
}

Tensor zero_like_grad(const Tensor& grad) { return zeros({}, grad.options()); }
Tensor mask_grad(const Tensor& mask, const Tensor& grad) {
  return where(mask, grad, zero_like_grad(grad));
}

// ---- where ----

Tensor where_forward(const Tensor& cond, const Tensor& self, const Tensor& other,
                     const Tensor& out) {
  EMBER_CHECK(cond.dtype() == kBool || cond.dtype() == kByte,
              "[where] where expected condition to be a boolean tensor, but got a tensor with "
              "dtype ",
              toString(cond.dtype()));
  IterConfig c;
  c.op = "where";
  c.compute_dtype = result_type(self, other);
  // The CPU kernel reads the condition as bytes in place (no converted copy).
  if (cond.is_cpu() && self.is_cpu() && other.is_cpu()) c.keep_dtype = 1u;
  return run_kernel(c, where_stub, out, {bool_as_bytes(cond), self, other});
}

// ---- clamp ----

bool has(const std::optional<Tensor>& t) { return t && t->defined(); }

Tensor clamp_scalar_forward(const Tensor& self, const std::optional<Scalar>& min,
                            const std::optional<Scalar>& max, const Tensor& out, bool inplace,
                            const char* name) {
  EMBER_CHECK(min || max, "[", name, "] At least one of 'min' or 'max' must not be None");
  Tensor lo = min ? wrap(*min) : Tensor(), hi = max ? wrap(*max) : Tensor();
  ScalarType rt = result_type({self, lo, hi});
  if (min) check_scalar_fits(*min, rt, name);
  if (max) check_scalar_fits(*max, rt, name);
  IterConfig c;
  c.op = name;
  c.is_inplace = inplace;
  if (min && max) {
    Tensor r = run_kernel(c, clamp_scalar_stub, out, {self, lo, hi});
    // As PyTorch's clamp with two scalar bounds: a NaN bound makes every result NaN (a single
    // NaN bound, below, is ignored by max/min, as there).
    auto is_nan = [](const Scalar& s) { return s.isFloatingPoint() && std::isnan(s.toDouble()); };
    if (is_nan(*min) || is_nan(*max)) {
      NoGradGuard ng;
      r.fill_(std::numeric_limits<double>::quiet_NaN());
    }
    return r;
  }
  if (min) return run_kernel(c, clamp_min_scalar_stub, out, {self, lo});
  return run_kernel(c, clamp_max_scalar_stub, out, {self, hi});
}

Tensor clamp_tensor_forward(const Tensor& self, const std::optional<Tensor>& min,
                            const std::optional<Tensor>& max, const Tensor& out, bool inplace,
                            const char* name) {
  EMBER_CHECK(has(min) || has(max), "[", name, "] At least one of 'min' or 'max' must not be None");
  IterConfig c;
  c.op = name;
  c.is_inplace = inplace;
  if (has(min) && has(max)) return run_kernel(c, clamp_tensor_stub, out, {self, *min, *max});
  if (has(min)) return run_kernel(c, maximum_stub, out, {self, *min});
  return run_kernel(c, minimum_stub, out, {self, *max});
}

Tensor clamp_scalar_op(const Tensor& self, const std::optional<Scalar>& min,
                       const std::optional<Scalar>& max, const char* name, const char* node) {
  Tensor r = clamp_scalar_forward(self, min, max, Tensor(), false, name);
  record(r, node, {self}, {self},
         [min, max](const Tensor& grad, const variable_list& s, const autograd::FunctionNode&) {
           const Tensor& x = s[0];
           if (min && max) return variable_list{mask_grad(logical_and(x >= *min, x <= *max), grad)};
           if (min) return variable_list{mask_grad(x >= *min, grad)};
           return variable_list{mask_grad(x <= *max, grad)};
         });
  return r;
}

Tensor clamp_tensor_op(const Tensor& self, const std::optional<Tensor>& min,
                       const std::optional<Tensor>& max) {
  Tensor r = clamp_tensor_forward(self, min, max, Tensor(), false, "clamp");
  Tensor lo = has(min) ? *min : Tensor(), hi = has(max) ? *max : Tensor();
  record(r, "ClampBackward0", {self, lo, hi}, {self, lo, hi},
         [](const Tensor& grad, const variable_list& s, const autograd::FunctionNode& n) {
           const Tensor &x = s[0], &lo = s[1], &hi = s[2];
           variable_list g(3);
           if (lo.defined() && hi.defined()) {
             if (n.needs_input_grad(0)) g[0] = mask_grad(logical_and(x >= lo, x <= hi), grad);
             if (n.needs_input_grad(1)) g[1] = mask_grad(logical_and(x < lo, lo < hi), grad);
             if (n.needs_input_grad(2)) g[2] = mask_grad(logical_or(x > hi, hi < lo), grad);
           } else if (lo.defined()) {
             if (n.needs_input_grad(0)) g[0] = mask_grad(x >= lo, grad);
             if (n.needs_input_grad(1)) g[1] = mask_grad(x < lo, grad);
           } else {
             if (n.needs_input_grad(0)) g[0] = mask_grad(x <= hi, grad);
             if (n.needs_input_grad(2)) g[2] = mask_grad(x > hi, grad);
           }
           return g;
         });
  return r;
}

// clamp_min/clamp_max with a tensor bound: maximum/minimum, gradient to the side that was picked.
Tensor clamp_bound_tensor_op(const Tensor& self, const Tensor& bound, bool is_min) {
  Tensor r = clamp_tensor_forward(self, is_min ? bound : std::optional<Tensor>(),
                                  is_min ? std::optional<Tensor>() : bound, Tensor(), false,
                                  is_min ? "clamp_min" : "clamp_max");
  record(r, is_min ? "ClampMinBackward1" : "ClampMaxBackward1", {self, bound}, {self, bound},
         [is_min](const Tensor& grad, const variable_list& s, const autograd::FunctionNode& n) {
           const Tensor &x = s[0], &b = s[1];
           Tensor keep = is_min ? x >= b : x <= b;
           return variable_list{
               n.needs_input_grad(0) ? mask_grad(keep, grad) : Tensor(),
               n.needs_input_grad(1) ? mask_grad(logical_not(keep), grad) : Tensor()};
         });
  return r;
}

Tensor& inplace(Tensor& self, bool others_grad, const char* name,
                const std::function<Tensor(const Tensor&)>& compute,
                const std::function<void()>& direct) {
  return autograd::apply_inplace(self, others_grad, name, compute, direct);
}
bool needs_grad(const std::optional<Tensor>& t) { return has(t) && t->requires_grad(); }

// ---- lerp, addcmul, addcdiv ----

void check_lerp(const Tensor& self, const Tensor& end, const Tensor* weight) {
  EMBER_CHECK(self.dtype() == end.dtype(), "[lerp] expected dtype ", toString(self.dtype()),
              " for `end` but got dtype ", toString(end.dtype()));
  EMBER_CHECK(!weight || weight->dtype() == self.dtype(), "[lerp] expected dtype ",
              toString(self.dtype()), " for `weight` but got dtype ",
              weight ? toString(weight->dtype()) : "");
}
Tensor lerp_forward(const Tensor& self, const Tensor& end, const Scalar& w, const Tensor& out,
                    bool inplace) {
  check_lerp(self, end, nullptr);
  IterConfig c;
  c.op = "lerp";
  c.is_inplace = inplace;
  return run_kernel(c, lerp_scalar_stub, out, {self, end}, w);
}
Tensor lerp_forward(const Tensor& self, const Tensor& end, const Tensor& w, const Tensor& out,
                    bool inplace) {
  check_lerp(self, end, &w);
  IterConfig c;
  c.op = "lerp";
  c.is_inplace = inplace;
  return run_kernel(c, lerp_tensor_stub, out, {self, end, w});
}

Tensor addc_forward(bool is_div, const Tensor& self, const Tensor& t1, const Tensor& t2,
                    const Scalar& value, const Tensor& out, bool inplace) {
  EMBER_CHECK(!is_div || !(isIntegralType(t1.dtype(), true) && isIntegralType(t2.dtype(), true)),
              "[addcdiv] Integer division with addcdiv is no longer supported, and in a future "
              "release addcdiv will perform a true division of tensor1 and tensor2. The historic "
              "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
              "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
              "tensor2) for float inputs. The future addcdiv behavior is just the latter "
              "implementation: (input + value * tensor1 / tensor2), for all dtypes.");
  IterConfig c;
  c.op = is_div ? "addcdiv" : "addcmul";
  c.is_inplace = inplace;
  return run_kernel(c, is_div ? addcdiv_stub : addcmul_stub, out, {self, t1, t2}, value,
                    /*alpha_check=*/false);
}
Tensor addc_op(bool is_div, const Tensor& self, const Tensor& t1, const Tensor& t2,
               const Scalar& value) {
  Tensor r = addc_forward(is_div, self, t1, t2, value, Tensor(), false);
  record(
      r, is_div ? "AddcdivBackward0" : "AddcmulBackward0", {self, t1, t2}, {t1, t2},
      [is_div, value](const Tensor& grad, const variable_list& s, const autograd::FunctionNode& n) {
        const Tensor &a = s[0], &b = s[1];
        variable_list g{grad, Tensor(), Tensor()};
        if (n.needs_input_grad(1)) g[1] = is_div ? grad * value / b : grad * b * value;
        if (n.needs_input_grad(2)) g[2] = is_div ? -grad * value * a / (b * b) : grad * a * value;
        return g;
      });
  return r;
}

}  // namespace

// ---- where ----

Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other) {
  Tensor r = where_forward(condition, self, other, Tensor());
  record(r, "WhereBackward0", {condition, self, other}, {condition},
         [](const Tensor& grad, const variable_list& s, const autograd::FunctionNode& n) {
           Tensor z = zero_like_grad(grad);
           return variable_list{Tensor(), n.needs_input_grad(1) ? where(s[0], grad, z) : Tensor(),
                                n.needs_input_grad(2) ? where(s[0], z, grad) : Tensor()};
         });
  return r;
}
Tensor where(const Tensor& condition, const Scalar& self, const Tensor& other) {
  check_scalar_fits(self, result_type(self, other), "where");
  return where(condition, wrap(self), other);
}
Tensor where(const Tensor& condition, const Tensor& self, const Scalar& other) {
  check_scalar_fits(other, result_type(self, other), "where");
  return where(condition, self, wrap(other));
}
Tensor where(const Tensor& condition, const Scalar& self, const Scalar& other) {
  return where(condition, wrap(self), wrap(other));
}
Tensor& where_out(Tensor& out, const Tensor& condition, const Tensor& self, const Tensor& other) {
  check_out_no_grad("where", {self, other, out});
  where_forward(condition, self, other, out);
  return out;
}
Tensor Tensor::where(const Tensor& condition, const Tensor& other) const {
  return ::ember::where(condition, *this, other);
}
Tensor Tensor::where(const Tensor& condition, const Scalar& other) const {
  return ::ember::where(condition, *this, other);
}

// ---- clamp family ----

Tensor clamp(const Tensor& self, const std::optional<Scalar>& min,
             const std::optional<Scalar>& max) {
  return clamp_scalar_op(self, min, max, "clamp", "ClampBackward1");
}
Tensor clamp(const Tensor& self, const std::optional<Tensor>& min,
             const std::optional<Tensor>& max) {
  return clamp_tensor_op(self, min, max);
}
Tensor& clamp_(Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return inplace(
      self, false, "clamp_", [&](const Tensor& s) { return clamp(s, min, max); },
      [&] { clamp_scalar_forward(self, min, max, self, true, "clamp_"); });
}
Tensor& clamp_(Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  return inplace(
      self, needs_grad(min) || needs_grad(max), "clamp_",
      [&](const Tensor& s) { return clamp(s, min, max); },
      [&] { clamp_tensor_forward(self, min, max, self, true, "clamp_"); });
}
Tensor& clamp_out(Tensor& out, const Tensor& self, const std::optional<Scalar>& min,
                  const std::optional<Scalar>& max) {
  check_out_no_grad("clamp", {self, out});
  clamp_scalar_forward(self, min, max, out, false, "clamp");
  return out;
}
Tensor& clamp_out(Tensor& out, const Tensor& self, const std::optional<Tensor>& min,
                  const std::optional<Tensor>& max) {
  check_out_no_grad("clamp", {self, out, min.value_or(Tensor()), max.value_or(Tensor())});
  clamp_tensor_forward(self, min, max, out, false, "clamp");
  return out;
}
Tensor clip(const Tensor& self, const std::optional<Scalar>& min,
            const std::optional<Scalar>& max) {
  return clamp(self, min, max);
}
Tensor clip(const Tensor& self, const std::optional<Tensor>& min,
            const std::optional<Tensor>& max) {
  return clamp(self, min, max);
}
Tensor& clip_(Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return clamp_(self, min, max);
}
Tensor& clip_(Tensor& self, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  return clamp_(self, min, max);
}
Tensor& clip_out(Tensor& out, const Tensor& self, const std::optional<Scalar>& min,
                 const std::optional<Scalar>& max) {
  return clamp_out(out, self, min, max);
}
Tensor& clip_out(Tensor& out, const Tensor& self, const std::optional<Tensor>& min,
                 const std::optional<Tensor>& max) {
  return clamp_out(out, self, min, max);
}

Tensor clamp_min(const Tensor& self, const Scalar& min) {
  return clamp_scalar_op(self, min, std::nullopt, "clamp_min", "ClampMinBackward0");
}
Tensor clamp_min(const Tensor& self, const Tensor& min) {
  return clamp_bound_tensor_op(self, min, true);
}
Tensor clamp_max(const Tensor& self, const Scalar& max) {
  return clamp_scalar_op(self, std::nullopt, max, "clamp_max", "ClampMaxBackward0");
}
Tensor clamp_max(const Tensor& self, const Tensor& max) {
  return clamp_bound_tensor_op(self, max, false);
}
Tensor& clamp_min_(Tensor& self, const Scalar& min) {
  return inplace(
      self, false, "clamp_min_", [&](const Tensor& s) { return clamp_min(s, min); },
      [&] { clamp_scalar_forward(self, min, std::nullopt, self, true, "clamp_min_"); });
}
Tensor& clamp_min_(Tensor& self, const Tensor& min) {
  return inplace(
      self, min.requires_grad(), "clamp_min_", [&](const Tensor& s) { return clamp_min(s, min); },
      [&] { clamp_tensor_forward(self, min, std::nullopt, self, true, "clamp_min_"); });
}
Tensor& clamp_max_(Tensor& self, const Scalar& max) {
  return inplace(
      self, false, "clamp_max_", [&](const Tensor& s) { return clamp_max(s, max); },
      [&] { clamp_scalar_forward(self, std::nullopt, max, self, true, "clamp_max_"); });
}
Tensor& clamp_max_(Tensor& self, const Tensor& max) {
  return inplace(
      self, max.requires_grad(), "clamp_max_", [&](const Tensor& s) { return clamp_max(s, max); },
      [&] { clamp_tensor_forward(self, std::nullopt, max, self, true, "clamp_max_"); });
}
Tensor& clamp_min_out(Tensor& out, const Tensor& self, const Scalar& min) {
  check_out_no_grad("clamp_min", {self, out});
  clamp_scalar_forward(self, min, std::nullopt, out, false, "clamp_min");
  return out;
}
Tensor& clamp_min_out(Tensor& out, const Tensor& self, const Tensor& min) {
  check_out_no_grad("clamp_min", {self, min, out});
  clamp_tensor_forward(self, min, std::nullopt, out, false, "clamp_min");
  return out;
}
Tensor& clamp_max_out(Tensor& out, const Tensor& self, const Scalar& max) {
  check_out_no_grad("clamp_max", {self, out});
  clamp_scalar_forward(self, std::nullopt, max, out, false, "clamp_max");
  return out;
}
Tensor& clamp_max_out(Tensor& out, const Tensor& self, const Tensor& max) {
  check_out_no_grad("clamp_max", {self, max, out});
  clamp_tensor_forward(self, std::nullopt, max, out, false, "clamp_max");
  return out;
}

Tensor Tensor::clamp(const std::optional<Scalar>& min, const std::optional<Scalar>& max) const {
  return ::ember::clamp(*this, min, max);
}
Tensor Tensor::clamp(const std::optional<Tensor>& min, const std::optional<Tensor>& max) const {
  return ::ember::clamp(*this, min, max);
}
Tensor& Tensor::clamp_(const std::optional<Scalar>& min, const std::optional<Scalar>& max) const {
  return ::ember::clamp_(self(), min, max);
}
Tensor& Tensor::clamp_(const std::optional<Tensor>& min, const std::optional<Tensor>& max) const {
  return ::ember::clamp_(self(), min, max);
}
Tensor Tensor::clip(const std::optional<Scalar>& min, const std::optional<Scalar>& max) const {
  return ::ember::clamp(*this, min, max);
}
Tensor Tensor::clip(const std::optional<Tensor>& min, const std::optional<Tensor>& max) const {
  return ::ember::clamp(*this, min, max);
}
Tensor& Tensor::clip_(const std::optional<Scalar>& min, const std::optional<Scalar>& max) const {
  return ::ember::clamp_(self(), min, max);
}
Tensor& Tensor::clip_(const std::optional<Tensor>& min, const std::optional<Tensor>& max) const {
  return ::ember::clamp_(self(), min, max);
}
Tensor Tensor::clamp_min(const Scalar& min) const { return ::ember::clamp_min(*this, min); }
Tensor Tensor::clamp_min(const Tensor& min) const { return ::ember::clamp_min(*this, min); }
Tensor& Tensor::clamp_min_(const Scalar& min) const { return ::ember::clamp_min_(self(), min); }
Tensor& Tensor::clamp_min_(const Tensor& min) const { return ::ember::clamp_min_(self(), min); }
Tensor Tensor::clamp_max(const Scalar& max) const { return ::ember::clamp_max(*this, max); }
Tensor Tensor::clamp_max(const Tensor& max) const { return ::ember::clamp_max(*this, max); }
Tensor& Tensor::clamp_max_(const Scalar& max) const { return ::ember::clamp_max_(self(), max); }
Tensor& Tensor::clamp_max_(const Tensor& max) const { return ::ember::clamp_max_(self(), max); }

// ---- lerp ----

Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight) {
  Tensor r = lerp_forward(self, end, weight, Tensor(), false);
  double w = weight.toDouble();
  record(r, "LerpBackward0", {self, end}, {},
         [w](const Tensor& grad, const variable_list&, const autograd::FunctionNode&) {
           return variable_list{grad * (1 - w), grad * w};
         });
  return r;
}
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight) {
  Tensor r = lerp_forward(self, end, weight, Tensor(), false);
  record(r, "LerpBackward1", {self, end, weight}, {self, end, weight},
         [](const Tensor& grad, const variable_list& s, const autograd::FunctionNode& n) {
           return variable_list{n.needs_input_grad(0) ? grad * (1 - s[2]) : Tensor(),
                                n.needs_input_grad(1) ? grad * s[2] : Tensor(),
                                n.needs_input_grad(2) ? grad * (s[1] - s[0]) : Tensor()};
         });
  return r;
}
Tensor& lerp_out(Tensor& out, const Tensor& self, const Tensor& end, const Scalar& weight) {
  check_out_no_grad("lerp", {self, end, out});
  lerp_forward(self, end, weight, out, false);
  return out;
}
Tensor& lerp_out(Tensor& out, const Tensor& self, const Tensor& end, const Tensor& weight) {
  check_out_no_grad("lerp", {self, end, weight, out});
  lerp_forward(self, end, weight, out, false);
  return out;
}
Tensor Tensor::lerp(const Tensor& end, const Scalar& weight) const {
  return ::ember::lerp(*this, end, weight);
}
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const {
  return ::ember::lerp(*this, end, weight);
}
Tensor& Tensor::lerp_(const Tensor& end, const Scalar& weight) const {
  return inplace(
      self(), end.requires_grad(), "lerp_",
      [&](const Tensor& s) { return ::ember::lerp(s, end, weight); },
      [&] { lerp_forward(*this, end, weight, *this, true); });
}
Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight) const {
  return inplace(
      self(), end.requires_grad() || weight.requires_grad(), "lerp_",
      [&](const Tensor& s) { return ::ember::lerp(s, end, weight); },
      [&] { lerp_forward(*this, end, weight, *this, true); });
}

// ---- addcmul, addcdiv ----

// addcmul, addcdiv: CUDA autocast's promote list.
Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  EMBER_AUTOCAST(fallthrough, promote, addcmul, self, t1, t2, value);
  return addc_op(false, self, t1, t2, value);
}
Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, const Scalar& value) {
  EMBER_AUTOCAST(fallthrough, promote, addcdiv, self, t1, t2, value);
  return addc_op(true, self, t1, t2, value);
}
Tensor& addcmul_out(Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2,
                    const Scalar& value) {
  check_out_no_grad("addcmul", {self, t1, t2, out});
  addc_forward(false, self, t1, t2, value, out, false);
  return out;
}
Tensor& addcdiv_out(Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2,
                    const Scalar& value) {
  check_out_no_grad("addcdiv", {self, t1, t2, out});
  addc_forward(true, self, t1, t2, value, out, false);
  return out;
}
Tensor Tensor::addcmul(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  return ::ember::addcmul(*this, t1, t2, value);
}
Tensor Tensor::addcdiv(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  return ::ember::addcdiv(*this, t1, t2, value);
}
Tensor& Tensor::addcmul_(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  return inplace(
      self(), t1.requires_grad() || t2.requires_grad(), "addcmul_",
      [&](const Tensor& s) { return addc_op(false, s, t1, t2, value); },
      [&] { addc_forward(false, *this, t1, t2, value, *this, true); });
}
Tensor& Tensor::addcdiv_(const Tensor& t1, const Tensor& t2, const Scalar& value) const {
  return inplace(
      self(), t1.requires_grad() || t2.requires_grad(), "addcdiv_",
      [&](const Tensor& s) { return addc_op(true, s, t1, t2, value); },
      [&] { addc_forward(true, *this, t1, t2, value, *this, true); });
}

// ---- isclose, allclose, equal ----

Tensor isclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan) {
  EMBER_CHECK(self.dtype() == other.dtype(), "[isclose] ", toString(self.dtype()),
              " did not match ", toString(other.dtype()));
  EMBER_CHECK(rtol >= 0, "[isclose] rtol must be greater than or equal to zero, but got ", rtol);
  EMBER_CHECK(atol >= 0, "[isclose] atol must be greater than or equal to zero, but got ", atol);
  NoGradGuard ng;
  Tensor close = self == other;
  if (equal_nan && self.is_floating_point())
    close = logical_or(close, logical_and(self.isnan(), other.isnan()));
  if (rtol == 0 && atol == 0) return close;
  // Bool inputs are compared as numbers in the default float dtype, as in PyTorch.
  Tensor s = self.dtype() == kBool ? self.to(get_default_dtype()) : self;
  Tensor o = other.dtype() == kBool ? other.to(get_default_dtype()) : other;
  Tensor allowed = abs(mul(o, rtol)) + atol;
  Tensor actual = abs(s - o);
  // actual < inf is false for inf and NaN: only finite errors count.
  return logical_or(
      close, logical_and(actual < std::numeric_limits<double>::infinity(), actual <= allowed));
}
bool allclose(const Tensor& self, const Tensor& other, double rtol, double atol, bool equal_nan) {
  return isclose(self, other, rtol, atol, equal_nan).all().item<bool>();
}
bool equal(const Tensor& self, const Tensor& other) {
  EMBER_CHECK(self.device() == other.device(),
              "[equal] Expected all tensors to be on the same "
              "device, but found ",
              self.device(), " and ", other.device());
  if (self.sizes() != other.sizes()) return false;
  NoGradGuard ng;
  return eq(self, other).all().item<bool>();
}
Tensor Tensor::isclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return ::ember::isclose(*this, other, rtol, atol, equal_nan);
}
bool Tensor::allclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return ::ember::allclose(*this, other, rtol, atol, equal_nan);
}
bool Tensor::equal(const Tensor& other) const { return ::ember::equal(*this, other); }

}  // namespace ember
