// Arithmetic binary ops: each is a BinaryDef (node name, dtype rule, derivative w.r.t. both
// inputs, written with ember ops) plus its variants. Gradients are reduced back to each input's
// shape and dtype after broadcasting (see binary_impl.h). Formulas follow derivatives.yaml.
#include "ember/ops/binary.h"

#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/ops/binary_impl.h"

namespace ember {
using namespace binary_detail;
namespace {

// d/dself: exponent * self^(exponent-1), zero where exponent == 0 (also for self == 0).
Tensor pow_self_grad(const Tensor& grad, const Tensor& self, const Tensor& exponent) {
  // A Scalar exponent (a wrapped number) stays a double: `exponent - 1` on two wrapped numbers
  // would round to the default dtype (float32), as PyTorch's pow_backward avoids too.
  Tensor em1 = exponent.unsafeGetTensorImpl()->is_wrapped_number()
                   ? wrap(exponent.item().isFloatingPoint() ? Scalar(exponent.item<double>() - 1)
                                                            : Scalar(exponent.item<int64_t>() - 1))
                   : exponent - 1;
  Tensor g = grad * (exponent * pow(self, em1));
  return where(exponent == 0, zeros({}, g.options()), g);
}
// d/dexponent: result * log(self), zero where self == 0 and exponent >= 0.
Tensor pow_exponent_grad(const Tensor& grad, const Tensor& self, const Tensor& exponent,
                         const Tensor& result) {
  Tensor s = self.to(result_type(self, exponent));
  Tensor g = grad * (result * log(s));
  return where(logical_and(s == 0, exponent >= 0), zeros({}, g.options()), g);
}
// d/dself = sign(result) / sign(self), zero where self == 0; the sign source gets no gradient.
Tensor copysign_self_grad(const Tensor& grad, const Tensor& self, const Tensor& result) {
  Tensor ratio = result / self;
  return grad * where(self == 0, zeros({}, ratio.options()), ratio);
}
// maximum/minimum split the gradient in half on ties.
Tensor minmax_grad(const Tensor& grad, const Tensor& self, const Tensor& other, bool is_max,
                   bool for_self) {
  Tensor half = where(self == other, grad / 2, grad);
  Tensor loses = for_self == is_max ? self < other : self > other;
  return where(loses, zeros({}, half.options()), half);
}
// fmax/fmin: the gradient goes to the value picked (self on ties, the non-NaN one otherwise).
Tensor fminmax_grad(const Tensor& grad, const Tensor& self, const Tensor& other, bool is_max,
                    bool for_self) {
  Tensor self_wins = logical_or(is_max ? self >= other : self <= other, other.isnan());
  Tensor zero = zeros({}, grad.options());
  return for_self ? where(self_wins, grad, zero) : where(self_wins, zero, grad);
}

// The op table. Node names follow libtorch's C++ overloads (x + 2 is add.Scalar: AddBackward1);
// rounded division is piecewise constant (zero gradient).
using O = OutputDtype;
// clang-format off
const BinaryDef add_def{"add", "AddBackward0", &add_stub, O::Common, kSaveNone,
    EMBER_GRAD(grad),
    EMBER_GRAD(alpha.equal(1) ? grad : grad * alpha), "AddBackward1"};
const BinaryDef sub_def{"sub", "SubBackward0", &add_stub, O::Common, kSaveNone,
    EMBER_GRAD(grad),
    EMBER_GRAD(grad * alpha), "SubBackward1", "RsubBackward1"};
const BinaryDef mul_def{"mul", "MulBackward0", &mul_stub, O::Common, kSaveBoth,
    EMBER_GRAD(grad * other),
    EMBER_GRAD(grad * self), "MulBackward1"};
const BinaryDef div_def{"div", "DivBackward0", &div_stub, O::FloatOfCommon, kSaveBoth,
    EMBER_GRAD(grad / other),
    EMBER_GRAD(-grad * self / (other * other)), "DivBackward1"};
const BinaryDef div_trunc_def{"div", "DivBackward2", &div_trunc_stub, O::Common, kSaveNone,
    EMBER_GRAD(zeros_like(grad)),
    EMBER_GRAD(zeros_like(grad)), "DivBackward3"};
const BinaryDef div_floor_def{"div", "DivBackward2", &div_floor_stub, O::Common, kSaveNone,
    EMBER_GRAD(zeros_like(grad)),
    EMBER_GRAD(zeros_like(grad)), "DivBackward3"};
const BinaryDef floor_divide_def{"floor_divide", "", &div_floor_stub, O::Common, kSaveNone,
    nullptr, nullptr};
const BinaryDef remainder_def{"remainder", "RemainderBackward1", &remainder_stub, O::Common,
    kSaveBoth,
    EMBER_GRAD(grad),
    EMBER_GRAD(-grad * div(self, other, "floor")), "RemainderBackward0"};
const BinaryDef fmod_def{"fmod", "FmodBackward1", &fmod_stub, O::Common, kSaveBoth,
    EMBER_GRAD(grad),
    EMBER_GRAD(-grad * div(self, other, "trunc")), "FmodBackward0"};
const BinaryDef pow_def{"pow", "PowBackward1", &pow_stub, O::Common, kSaveBoth | kSaveResult,
    EMBER_GRAD(pow_self_grad(grad, self, other)),
    EMBER_GRAD(pow_exponent_grad(grad, self, other, result)), "PowBackward0", "PowBackward2"};
const BinaryDef atan2_def{"atan2", "Atan2Backward0", &atan2_stub, O::FloatOfCommon, kSaveBoth,
    EMBER_GRAD(grad * other / (self * self + other * other)),
    EMBER_GRAD(grad * -self / (self * self + other * other))};
const BinaryDef hypot_def{"hypot", "HypotBackward0", &hypot_stub, O::Common,
    kSaveBoth | kSaveResult,
    EMBER_GRAD(grad * self / result),
    EMBER_GRAD(grad * other / result)};
const BinaryDef copysign_def{"copysign", "CopysignBackward0", &copysign_stub, O::FloatOfCommon,
    kSaveBoth | kSaveResult,
    EMBER_GRAD(copysign_self_grad(grad, self, result)),
    EMBER_GRAD(zeros_like(other, grad.options())), "CopysignBackward1"};
const BinaryDef maximum_def{"maximum", "MaximumBackward0", &maximum_stub, O::Common, kSaveBoth,
    EMBER_GRAD(minmax_grad(grad, self, other, true, true)),
    EMBER_GRAD(minmax_grad(grad, self, other, true, false))};
const BinaryDef minimum_def{"minimum", "MinimumBackward0", &minimum_stub, O::Common, kSaveBoth,
    EMBER_GRAD(minmax_grad(grad, self, other, false, true)),
    EMBER_GRAD(minmax_grad(grad, self, other, false, false))};
const BinaryDef fmax_def{"fmax", "FmaxBackward0", &fmax_stub, O::Common, kSaveBoth,
    EMBER_GRAD(fminmax_grad(grad, self, other, true, true)),
    EMBER_GRAD(fminmax_grad(grad, self, other, true, false))};
const BinaryDef fmin_def{"fmin", "FminBackward0", &fmin_stub, O::Common, kSaveBoth,
    EMBER_GRAD(fminmax_grad(grad, self, other, false, true)),
    EMBER_GRAD(fminmax_grad(grad, self, other, false, false))};
// clang-format on

void check_sub(const Tensor& self, const Tensor& other) {
  EMBER_CHECK(self.dtype() != kBool && other.dtype() != kBool,
              "[sub] Subtraction, the `-` operator, with a bool tensor is not supported. If you "
              "are trying to invert a mask, use the `~` or `logical_not()` operator instead.");
}

const BinaryDef& div_mode_def(std::optional<std::string_view> mode) {
  if (!mode) return div_def;
  if (*mode == "trunc") return div_trunc_def;
  if (*mode == "floor") return div_floor_def;
  EMBER_ERROR("[div] div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '",
              *mode, "'");
}

void check_pow_scalar(const Tensor& self, const Scalar& exponent) {
  EMBER_CHECK(
      !(isIntegralType(self.dtype(), true) && exponent.isIntegral(true) && exponent.toLong() < 0),
      "[pow] Integers to negative integer powers are not allowed.");
}

}  // namespace

// ---- add, sub, mul, div ----

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
Tensor div(const Tensor& self, const Tensor& other, std::optional<std::string_view> mode) {
  return binary_op(div_mode_def(mode), self, other);
}
Tensor div(const Tensor& self, const Scalar& other, std::optional<std::string_view> mode) {
  return div(self, wrap(other), mode);
}
Tensor& div_out(Tensor& out, const Tensor& self, const Tensor& other,
                std::optional<std::string_view> mode) {
  return binary_out(div_mode_def(mode), out, self, other);
}

Tensor subtract(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return sub(self, other, alpha);
}
Tensor subtract(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return sub(self, other, alpha);
}
Tensor multiply(const Tensor& self, const Tensor& other) { return mul(self, other); }
Tensor multiply(const Tensor& self, const Scalar& other) { return mul(self, other); }
Tensor divide(const Tensor& self, const Tensor& other) { return div(self, other); }
Tensor divide(const Tensor& self, const Scalar& other) { return div(self, other); }
Tensor divide(const Tensor& self, const Tensor& other, std::optional<std::string_view> mode) {
  return div(self, other, mode);
}
Tensor divide(const Tensor& self, const Scalar& other, std::optional<std::string_view> mode) {
  return div(self, other, mode);
}
Tensor true_divide(const Tensor& self, const Tensor& other) { return div(self, other); }
Tensor true_divide(const Tensor& self, const Scalar& other) { return div(self, other); }

Tensor Tensor::add(const Tensor& o, const Scalar& a) const { return ::ember::add(*this, o, a); }
Tensor Tensor::add(const Scalar& o, const Scalar& a) const { return ::ember::add(*this, o, a); }
Tensor& Tensor::add_(const Tensor& o, const Scalar& a) const {
  return binary_inplace(add_def, self(), o, a);
}
Tensor& Tensor::add_(const Scalar& o, const Scalar& a) const { return add_(wrap(o), a); }
Tensor Tensor::sub(const Tensor& o, const Scalar& a) const { return ::ember::sub(*this, o, a); }
Tensor Tensor::sub(const Scalar& o, const Scalar& a) const { return ::ember::sub(*this, o, a); }
Tensor& Tensor::sub_(const Tensor& o, const Scalar& a) const {
  check_sub(*this, o);
  return binary_inplace(sub_def, self(), o, -a);
}
Tensor& Tensor::sub_(const Scalar& o, const Scalar& a) const { return sub_(wrap(o), a); }
Tensor Tensor::mul(const Tensor& o) const { return ::ember::mul(*this, o); }
Tensor Tensor::mul(const Scalar& o) const { return ::ember::mul(*this, o); }
Tensor& Tensor::mul_(const Tensor& o) const { return binary_inplace(mul_def, self(), o); }
Tensor& Tensor::mul_(const Scalar& o) const { return mul_(wrap(o)); }
Tensor Tensor::div(const Tensor& o) const { return ::ember::div(*this, o); }
Tensor Tensor::div(const Scalar& o) const { return ::ember::div(*this, o); }
Tensor& Tensor::div_(const Tensor& o) const { return binary_inplace(div_def, self(), o); }
Tensor& Tensor::div_(const Scalar& o) const { return div_(wrap(o)); }
Tensor Tensor::div(const Tensor& o, std::optional<std::string_view> m) const {
  return ::ember::div(*this, o, m);
}
Tensor Tensor::div(const Scalar& o, std::optional<std::string_view> m) const {
  return ::ember::div(*this, o, m);
}
Tensor& Tensor::div_(const Tensor& o, std::optional<std::string_view> m) const {
  return binary_inplace(div_mode_def(m), self(), o);
}
Tensor& Tensor::div_(const Scalar& o, std::optional<std::string_view> m) const {
  return div_(wrap(o), m);
}

// ---- Tensor x Tensor ops with Scalar overloads: name, name_, name_out, methods ----

// The functions and methods every Tensor x Tensor op with a Scalar overload has, in place aside.
#define EMBER_BINARY_FUNCTIONS(name)                                                       \
  Tensor name(const Tensor& self, const Tensor& other) {                                   \
    return binary_op(name##_def, self, other);                                             \
  }                                                                                        \
  Tensor name(const Tensor& self, const Scalar& other) { return name(self, wrap(other)); } \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other) {               \
    return binary_out(name##_def, out, self, other);                                       \
  }                                                                                        \
  Tensor Tensor::name(const Tensor& o) const { return ::ember::name(*this, o); }           \
  Tensor Tensor::name(const Scalar& o) const { return ::ember::name(*this, o); }           \
  Tensor& Tensor::name##_(const Scalar& o) const { return name##_(wrap(o)); }

#define EMBER_BINARY_VARIANTS(name) \
  EMBER_BINARY_FUNCTIONS(name)      \
  Tensor& Tensor::name##_(const Tensor& o) const { return binary_inplace(name##_def, self(), o); }
EMBER_BINARY_VARIANTS(floor_divide)
EMBER_BINARY_VARIANTS(remainder)
EMBER_BINARY_VARIANTS(fmod)
EMBER_BINARY_VARIANTS(copysign)
Tensor remainder(const Scalar& self, const Tensor& other) {
  return binary_op(remainder_def, wrap(self), other);
}

// Tensor-only ops (no Scalar overload in libtorch).
#define EMBER_BINARY_TENSOR_VARIANTS(name)                                   \
  Tensor name(const Tensor& self, const Tensor& other) {                     \
    return binary_op(name##_def, self, other);                               \
  }                                                                          \
  Tensor& name##_out(Tensor& out, const Tensor& self, const Tensor& other) { \
    return binary_out(name##_def, out, self, other);                         \
  }                                                                          \
  Tensor Tensor::name(const Tensor& o) const { return ::ember::name(*this, o); }
// atan2 is on CUDA autocast's promote list: 16-bit and float32 operands meet in float32.
Tensor atan2(const Tensor& self, const Tensor& other) {
  EMBER_AUTOCAST(fallthrough, promote, atan2, self, other);
  return binary_op(atan2_def, self, other);
}
Tensor& atan2_out(Tensor& out, const Tensor& self, const Tensor& other) {
  return binary_out(atan2_def, out, self, other);
}
Tensor Tensor::atan2(const Tensor& o) const { return ::ember::atan2(*this, o); }
EMBER_BINARY_TENSOR_VARIANTS(hypot)
EMBER_BINARY_TENSOR_VARIANTS(maximum)
EMBER_BINARY_TENSOR_VARIANTS(minimum)
EMBER_BINARY_TENSOR_VARIANTS(fmax)
EMBER_BINARY_TENSOR_VARIANTS(fmin)
Tensor& Tensor::atan2_(const Tensor& o) const { return binary_inplace(atan2_def, self(), o); }
Tensor& Tensor::hypot_(const Tensor& o) const { return binary_inplace(hypot_def, self(), o); }
Tensor arctan2(const Tensor& self, const Tensor& other) { return atan2(self, other); }
Tensor Tensor::arctan2(const Tensor& o) const { return ::ember::atan2(*this, o); }
Tensor& Tensor::arctan2_(const Tensor& o) const { return atan2_(o); }

// ---- pow, float_power ----

// pow's three functional overloads are on CUDA autocast's float32 list (not on CPU's).
Tensor pow(const Tensor& self, const Tensor& exponent) {
  EMBER_AUTOCAST(fallthrough, fp32, pow, self, exponent);
  return binary_op(pow_def, self, exponent);
}
Tensor pow(const Tensor& self, const Scalar& exponent) {
  EMBER_AUTOCAST(fallthrough, fp32, pow, self, exponent);
  check_pow_scalar(self, exponent);
  return binary_op(pow_def, self, wrap(exponent));
}
Tensor pow(const Scalar& self, const Tensor& exponent) {
  EMBER_AUTOCAST(fallthrough, fp32, pow, self, exponent);
  return binary_op(pow_def, wrap(self), exponent);
}
Tensor& pow_out(Tensor& out, const Tensor& self, const Tensor& exponent) {
  return binary_out(pow_def, out, self, exponent);
}
Tensor& pow_out(Tensor& out, const Tensor& self, const Scalar& exponent) {
  check_pow_scalar(self, exponent);
  return binary_out(pow_def, out, self, wrap(exponent));
}
Tensor& pow_out(Tensor& out, const Scalar& self, const Tensor& exponent) {
  return binary_out(pow_def, out, wrap(self), exponent);
}
Tensor Tensor::pow(const Tensor& e) const { return ::ember::pow(*this, e); }
Tensor Tensor::pow(const Scalar& e) const { return ::ember::pow(*this, e); }
Tensor& Tensor::pow_(const Tensor& e) const { return binary_inplace(pow_def, self(), e); }
Tensor& Tensor::pow_(const Scalar& e) const {
  check_pow_scalar(*this, e);
  return binary_inplace(pow_def, self(), wrap(e));
}

// float_power computes in double (PyTorch records the pow node of the double computation).
Tensor float_power(const Tensor& self, const Tensor& exponent) {
  return pow(self.to(kDouble), exponent.to(kDouble));
}
Tensor float_power(const Tensor& self, const Scalar& exponent) {
  return pow(self.to(kDouble), wrap(exponent.toDouble()));
}
Tensor float_power(const Scalar& self, const Tensor& exponent) {
  return pow(wrap(self.toDouble()), exponent.to(kDouble));
}
Tensor& float_power_out(Tensor& out, const Tensor& self, const Tensor& exponent) {
  return pow_out(out, self.to(kDouble), exponent.to(kDouble));
}
Tensor& float_power_out(Tensor& out, const Tensor& self, const Scalar& exponent) {
  return pow_out(out, self.to(kDouble), Scalar(exponent.toDouble()));
}
Tensor Tensor::float_power(const Tensor& e) const { return ::ember::float_power(*this, e); }
Tensor Tensor::float_power(const Scalar& e) const { return ::ember::float_power(*this, e); }
Tensor& Tensor::float_power_(const Tensor& e) const {
  EMBER_CHECK(dtype() == kDouble, "[float_power_] the base given to float_power_ has dtype ",
              ::ember::toString(dtype()), " but the operation's result requires dtype Double");
  return pow_(e.to(kDouble));
}
Tensor& Tensor::float_power_(const Scalar& e) const {
  EMBER_CHECK(dtype() == kDouble, "[float_power_] the base given to float_power_ has dtype ",
              ::ember::toString(dtype()), " but the operation's result requires dtype Double");
  return pow_(Scalar(e.toDouble()));
}

// ---- comparisons ----

#define EMBER_COMPARE(name)                                                              \
  static const BinaryDef name##_def{#name,     "",      &name##_stub, OutputDtype::Bool, \
                                    kSaveNone, nullptr, nullptr};                        \
  EMBER_BINARY_FUNCTIONS(name)                                                           \
  Tensor& Tensor::name##_(const Tensor& o) const {                                       \
    Tensor r = ::ember::name(*this, o);                                                  \
    EMBER_CHECK(r.sizes() == sizes(), "[" #name "_] output with shape ", sizes(),        \
                " doesn't match the broadcast shape ", r.sizes());                       \
    NoGradGuard ng;                                                                      \
    return copy_(r);                                                                     \
  }
EMBER_COMPARE(eq)
EMBER_COMPARE(ne)
EMBER_COMPARE(lt)
EMBER_COMPARE(le)
EMBER_COMPARE(gt)
EMBER_COMPARE(ge)

// ---- arithmetic operators ----

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
Tensor operator%(const Tensor& a, const Tensor& b) { return remainder(a, b); }
Tensor operator%(const Tensor& a, const Scalar& b) { return remainder(a, b); }
Tensor operator%(const Scalar& a, const Tensor& b) { return remainder(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator==(const Tensor& a, const Scalar& b) { return eq(a, b); }
Tensor operator==(const Scalar& a, const Tensor& b) { return eq(b, a); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator!=(const Tensor& a, const Scalar& b) { return ne(a, b); }
Tensor operator!=(const Scalar& a, const Tensor& b) { return ne(b, a); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<(const Tensor& a, const Scalar& b) { return lt(a, b); }
Tensor operator<(const Scalar& a, const Tensor& b) { return gt(b, a); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator<=(const Tensor& a, const Scalar& b) { return le(a, b); }
Tensor operator<=(const Scalar& a, const Tensor& b) { return ge(b, a); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>(const Tensor& a, const Scalar& b) { return gt(a, b); }
Tensor operator>(const Scalar& a, const Tensor& b) { return lt(b, a); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator>=(const Tensor& a, const Scalar& b) { return ge(a, b); }
Tensor operator>=(const Scalar& a, const Tensor& b) { return le(b, a); }

}  // namespace ember
