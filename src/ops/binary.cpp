// Binary ops: each is a BinaryDef (node name, dtype rule, derivative w.r.t. both inputs) plus its
// variants. Gradients are reduced back to each input's shape and dtype after broadcasting.
#include "ember/ops/binary.h"

#include "ember/autograd/function_node.h"
#include "ember/ops/factory.h"
#include "ember/ops/unary.h"
#include "src/kernels/binary.h"

namespace ember {
namespace {

using Formula = variable_list (*)(const Tensor& grad, const Tensor& self, const Tensor& other,
                                  const Scalar& alpha);
enum Save : uint8_t { kSaveNone = 0, kSaveSelf = 1, kSaveOther = 2, kSaveBoth = 3 };

struct BinaryDef {
  const char* name;
  const char* node;
  KernelStub<BinaryFn>* stub;
  OutputDtype output;
  uint8_t save;
  Formula formula;  // nullptr: not differentiable
};

Tensor forward(const BinaryDef& d, const Tensor& self, const Tensor& other, const Scalar& alpha,
               const Tensor& out, bool inplace) {
  IterConfig c;
  c.op = d.name;
  c.output = d.output;
  c.is_inplace = inplace;
  TensorIterator it = TensorIterator::build(c, out, {self, other});
  if (it.numel() > 0) d.stub->get(it.operand(1).device().type())(it, alpha);
  it.finish();
  return it.output();
}

Tensor binary_op(const BinaryDef& d, const Tensor& self, const Tensor& other,
                 const Scalar& alpha = 1) {
  Tensor r = forward(d, self, other, alpha, Tensor(), false);
  if (!d.formula) return r;
  if (auto n = autograd::make_node(
          d.node, {self, other},
          [f = d.formula, save = d.save, alpha, s_shape = DimVector(self.sizes()),
           o_shape = DimVector(other.sizes()), s_dt = self.dtype(),
           o_dt = other.dtype()](autograd::FunctionNode& n, const variable_list& g) {
            Tensor s = save & kSaveSelf ? n.saved(0) : Tensor();
            Tensor o = save & kSaveOther ? n.saved(save & kSaveSelf ? 1 : 0) : Tensor();
            variable_list gr = f(g[0], s, o, alpha);
            if (gr[0].defined() && n.needs_input_grad(0))
              gr[0] = autograd::sum_to(gr[0], s_shape).to(s_dt);
            if (gr[1].defined() && n.needs_input_grad(1))
              gr[1] = autograd::sum_to(gr[1], o_shape).to(o_dt);
            return gr;
          })) {
    autograd::set_history(r, n);
    if (d.save & kSaveSelf) n->save(self);
    if (d.save & kSaveOther) n->save(other);
  }
  return r;
}

Tensor& binary_inplace(const BinaryDef& d, Tensor& self, const Tensor& other,
                       const Scalar& alpha = 1) {
  return autograd::apply_inplace(
      self, other.requires_grad(), d.name,
      [&](const Tensor& s) { return binary_op(d, s, other, alpha); },
      [&] { forward(d, self, other, alpha, self, true); });
}

Tensor& binary_out(const BinaryDef& d, Tensor& out, const Tensor& self, const Tensor& other,
                   const Scalar& alpha = 1) {
  EMBER_CHECK(!(autograd::GradMode::is_enabled() &&
                (self.requires_grad() || other.requires_grad() || out.requires_grad())),
              "[", d.name, "] ", d.name, "_out(): functions with out=... arguments don't "
              "support automatic differentiation, but one of the arguments requires grad.");
  forward(d, self, other, alpha, out, false);
  return out;
}

Tensor wrap(const Scalar& s) { return wrapped_scalar_tensor(s); }

#define EMBER_FORMULA(...)                                                             \
  [](const Tensor& grad, const Tensor& self, const Tensor& other,                      \
     const Scalar& alpha) -> variable_list {                                           \
    (void)grad, (void)self, (void)other, (void)alpha;                                  \
    return __VA_ARGS__;                                                                \
  }

const BinaryDef add_def{"add", "AddBackward0", &add_stub, OutputDtype::Common, kSaveNone,
                        EMBER_FORMULA({grad, alpha.equal(1) ? grad : grad * alpha})};
const BinaryDef sub_def{"sub", "SubBackward0", &add_stub, OutputDtype::Common, kSaveNone,
                        EMBER_FORMULA({grad, grad * alpha})};
const BinaryDef mul_def{"mul", "MulBackward0", &mul_stub, OutputDtype::Common, kSaveBoth,
                        EMBER_FORMULA({grad * other, grad * self})};
const BinaryDef div_def{"div", "DivBackward0", &div_stub, OutputDtype::FloatOfCommon, kSaveBoth,
                        EMBER_FORMULA({grad / other, -grad * self / (other * other)})};

void check_sub(const Tensor& self, const Tensor& other) {
  EMBER_CHECK(self.dtype() != kBool && other.dtype() != kBool,
              "[sub] Subtraction, the `-` operator, with a bool tensor is not supported. If you "
              "are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
}

}  // namespace

Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return binary_op(add_def, self, other, alpha);
}
Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return add(self, wrap(other), alpha);
}
Tensor& add_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return binary_out(add_def, out, self, other, alpha);
}
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_sub(self, other);
  return binary_op(sub_def, self, other, -alpha);
}
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return sub(self, wrap(other), alpha);
}
Tensor& sub_out(Tensor& out, const Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_sub(self, other);
  return binary_out(sub_def, out, self, other, -alpha);
}
Tensor rsub(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return sub(other, self, alpha);
}
Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return sub(wrap(other), self, alpha);
}
Tensor mul(const Tensor& self, const Tensor& other) { return binary_op(mul_def, self, other); }
Tensor mul(const Tensor& self, const Scalar& other) { return mul(self, wrap(other)); }
Tensor& mul_out(Tensor& out, const Tensor& self, const Tensor& other) {
  return binary_out(mul_def, out, self, other);
}
Tensor div(const Tensor& self, const Tensor& other) { return binary_op(div_def, self, other); }
Tensor div(const Tensor& self, const Scalar& other) { return div(self, wrap(other)); }
Tensor& div_out(Tensor& out, const Tensor& self, const Tensor& other) {
  return binary_out(div_def, out, self, other);
}

Tensor Tensor::add(const Tensor& o, const Scalar& a) const { return ::ember::add(*this, o, a); }
Tensor Tensor::add(const Scalar& o, const Scalar& a) const { return ::ember::add(*this, o, a); }
Tensor& Tensor::add_(const Tensor& o, const Scalar& a) { return binary_inplace(add_def, *this, o, a); }
Tensor& Tensor::add_(const Scalar& o, const Scalar& a) { return add_(wrap(o), a); }
Tensor Tensor::sub(const Tensor& o, const Scalar& a) const { return ::ember::sub(*this, o, a); }
Tensor Tensor::sub(const Scalar& o, const Scalar& a) const { return ::ember::sub(*this, o, a); }
Tensor& Tensor::sub_(const Tensor& o, const Scalar& a) {
  check_sub(*this, o);
  return binary_inplace(sub_def, *this, o, -a);
}
Tensor& Tensor::sub_(const Scalar& o, const Scalar& a) { return sub_(wrap(o), a); }
Tensor Tensor::mul(const Tensor& o) const { return ::ember::mul(*this, o); }
Tensor Tensor::mul(const Scalar& o) const { return ::ember::mul(*this, o); }
Tensor& Tensor::mul_(const Tensor& o) { return binary_inplace(mul_def, *this, o); }
Tensor& Tensor::mul_(const Scalar& o) { return mul_(wrap(o)); }
Tensor Tensor::div(const Tensor& o) const { return ::ember::div(*this, o); }
Tensor Tensor::div(const Scalar& o) const { return ::ember::div(*this, o); }
Tensor& Tensor::div_(const Tensor& o) { return binary_inplace(div_def, *this, o); }
Tensor& Tensor::div_(const Scalar& o) { return div_(wrap(o)); }

#define EMBER_COMPARE(name)                                                                    \
  static const BinaryDef name##_def{#name, "", &name##_stub, OutputDtype::Bool, kSaveNone,      \
                                    nullptr};                                                  \
  Tensor name(const Tensor& self, const Tensor& other) {                                      \
    return binary_op(name##_def, self, other);                                                 \
  }                                                                                            \
  Tensor name(const Tensor& self, const Scalar& other) { return name(self, wrap(other)); }     \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other) {                  \
    return binary_out(name##_def, out, self, other);                                           \
  }                                                                                            \
  Tensor Tensor::name(const Tensor& o) const { return ::ember::name(*this, o); }               \
  Tensor Tensor::name(const Scalar& o) const { return ::ember::name(*this, o); }               \
  Tensor& Tensor::name##_(const Tensor& o) {                                                   \
    Tensor r = ::ember::name(*this, o);                                                        \
    EMBER_CHECK(r.sizes() == sizes(), "[" #name "_] output with shape ", sizes(),              \
                " doesn't match the broadcast shape ", r.sizes());                             \
    NoGradGuard ng;                                                                            \
    return copy_(r);                                                                           \
  }                                                                                            \
  Tensor& Tensor::name##_(const Scalar& o) { return name##_(wrap(o)); }
EMBER_COMPARE(eq)
EMBER_COMPARE(ne)
EMBER_COMPARE(lt)
EMBER_COMPARE(le)
EMBER_COMPARE(gt)
EMBER_COMPARE(ge)

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, b); }
Tensor operator+(const Scalar& a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, b); }
Tensor operator-(const Scalar& a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, b); }
Tensor operator/(const Scalar& a, const Tensor& b) { return div(wrap(a), b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator==(const Tensor& a, const Scalar& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator!=(const Tensor& a, const Scalar& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<(const Tensor& a, const Scalar& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator<=(const Tensor& a, const Scalar& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>(const Tensor& a, const Scalar& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator>=(const Tensor& a, const Scalar& b) { return ge(a, b); }

}  // namespace ember
