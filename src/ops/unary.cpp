// Unary ops: each op is one EMBER_UNARY line carrying its PyTorch node name, dtype rule, what
// backward saves, and its derivative written with ember ops (so double backward works).
#include "ember/ops/unary.h"

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/ternary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/unary.h"
#include "src/ops/activation_util.h"

#include <limits>
#include <tuple>

namespace ember {
namespace {

enum class Kind : uint8_t { Same, Float };  // output dtype: input's, or float for integer input
enum Save : uint8_t { kSaveNone = 0, kSaveSelf = 1, kSaveResult = 2, kSaveBoth = 3 };
using Formula = Tensor (*)(const Tensor& grad, const Tensor& self, const Tensor& result);

struct UnaryDef {
  const char* name;
  const char* node;
  KernelStub<UnaryFn>* stub;
  Kind kind;
  uint8_t save;
  Formula formula;                     // nullptr: not differentiable
  const char* node_inplace = nullptr;  // in-place variant's node when PyTorch names it apart
};

Tensor forward(const UnaryDef& d, const Tensor& self, const Tensor& out, bool inplace) {
  IterConfig c;
  c.op = d.name;
  c.output = d.kind == Kind::Float ? OutputDtype::FloatOfCommon : OutputDtype::Common;
  c.is_inplace = inplace;
  TensorIterator it = TensorIterator::build(c, out, {self});
  if (it.numel() > 0) d.stub->get(self.device().type())(it);
  it.finish();
  return it.output();
}

// float16/bfloat16 gradients: the formula runs in float, as PyTorch's fused *_backward kernels
// do, and rounds once (1 - y*y in half precision loses most of its digits).
Tensor apply_formula(Formula f, const Tensor& g, const Tensor& s, const Tensor& r) {
  ScalarType dt = g.dtype();
  if (dt != kHalf && dt != kBFloat16) return f(g, s, r);
  auto up = [](const Tensor& t) { return t.defined() ? t.to(kFloat) : t; };
  return f(up(g), up(s), up(r)).to(dt);
}

Tensor unary_op(const UnaryDef& d, const Tensor& self, const char* node = nullptr) {
  Tensor r = forward(d, self, Tensor(), false);
  if (!d.formula) return r;
  if (auto n = autograd::make_node(
          node ? node : d.node, {self},
          [f = d.formula, save = d.save](autograd::FunctionNode& n, const variable_list& g) {
            Tensor s = save & kSaveSelf ? n.saved(0) : Tensor();
            Tensor r = save & kSaveResult ? n.saved(save & kSaveSelf ? 1 : 0) : Tensor();
            return variable_list{apply_formula(f, g[0], s, r)};
          })) {
    autograd::set_history(r, n);
    if (d.save & kSaveSelf) n->save(self);
    if (d.save & kSaveResult) n->save(r, /*is_output=*/true);
  }
  return r;
}

Tensor& unary_inplace(const UnaryDef& d, Tensor& self) {
  return autograd::apply_inplace(
      self, false, d.name, [&](const Tensor& s) { return unary_op(d, s, d.node_inplace); },
      [&] { forward(d, self, self, true); });
}

Tensor& unary_out(const UnaryDef& d, const Tensor& self, Tensor& out) {
  EMBER_CHECK(!(autograd::GradMode::is_enabled() && (self.requires_grad() || out.requires_grad())),
              "[", d.name, "] ", d.name,
              "_out(): functions with out=... arguments don't support "
              "automatic differentiation, but one of the arguments requires grad.");
  // PyTorch's unary_op (neg, abs, ...) never casts into out; unary_float_op (exp, ...) may.
  EMBER_CHECK(d.kind != Kind::Same || out.dtype() == self.dtype(), "[", d.name, "] Found dtype ",
              toString(out.dtype()), " but expected ", toString(self.dtype()));
  forward(d, self, out, false);
  return out;
}

}  // namespace

#define EMBER_UNARY_DEF(name, node, kind, save, formula, ...)                      \
  static const UnaryDef name##_def{                                                \
      #name,                                                                       \
      node,                                                                        \
      &name##_stub,                                                                \
      Kind::kind,                                                                  \
      save,                                                                        \
      [](const Tensor& grad, const Tensor& self, const Tensor& result) -> Tensor { \
        (void)grad, (void)self, (void)result;                                      \
        return formula;                                                            \
      } __VA_ARGS__};
#define EMBER_UNARY_WITH(hook, name, node, kind, save, formula, ...)                               \
  EMBER_UNARY_DEF(name, node, kind, save, formula, __VA_ARGS__)                                    \
  Tensor name(const Tensor& self) {                                                                \
    hook;                                                                                          \
    return unary_op(name##_def, self);                                                             \
  }                                                                                                \
  Tensor& name##_(Tensor& self) { return unary_inplace(name##_def, self); }                        \
  Tensor& name##_out(Tensor& out, const Tensor& self) { return unary_out(name##_def, self, out); } \
  Tensor Tensor::name() const { return ::ember::name(*this); }                                     \
  Tensor& Tensor::name##_() const { return ::ember::name##_(self()); }
#define EMBER_UNARY(name, ...) EMBER_UNARY_WITH((void)0, name, __VA_ARGS__)
// On CUDA autocast's float32 list (PyTorch 1.13: acos, asin, cosh, erfinv, exp, expm1, log,
// log10, log2, log1p, reciprocal, rsqrt, sinh, tan; the functional form only, as aten::exp):
// a 16-bit CUDA input runs in float32 and gives a float32 result. Not on CPU's lists.
#define EMBER_UNARY_FP32(name, ...) \
  EMBER_UNARY_WITH(EMBER_AUTOCAST(fallthrough, fp32, name, self), name, __VA_ARGS__)

// Zero gradient of the piecewise-constant ops (floor, sign, ...), as PyTorch.
#define ZERO zeros_like(grad)
constexpr double kLn2 = 0.69314718055994530942, kLn10 = 2.30258509299404568402;
constexpr double k2SqrtPi = 1.12837916709551257390, kSqrtPiHalf = 0.88622692545275801365;

// clang-format off
EMBER_UNARY(neg, "NegBackward0", Same, kSaveNone, -grad)
EMBER_UNARY(abs, "AbsBackward0", Same, kSaveSelf, grad * ((self > 0).to(self.dtype()) - (self < 0).to(self.dtype())))
EMBER_UNARY_FP32(exp, "ExpBackward0", Float, kSaveResult, grad * result)
EMBER_UNARY_FP32(log, "LogBackward0", Float, kSaveSelf, grad / self)
EMBER_UNARY(sqrt, "SqrtBackward0", Float, kSaveResult, grad / (result * 2))
EMBER_UNARY(sin, "SinBackward0", Float, kSaveSelf, grad * self.cos())
EMBER_UNARY(cos, "CosBackward0", Float, kSaveSelf, grad * -self.sin())
EMBER_UNARY(tanh, "TanhBackward0", Float, kSaveResult, grad * (1 - result * result))
EMBER_UNARY(sigmoid, "SigmoidBackward0", Float, kSaveResult, grad * result * (1 - result))
EMBER_UNARY(relu, "ReluBackward0", Same, kSaveResult, threshold_grad_fused(grad, result, 0))
EMBER_UNARY(sign, "SignBackward0", Same, kSaveNone, ZERO)
EMBER_UNARY(sgn, "SgnBackward0", Same, kSaveNone, ZERO)
EMBER_UNARY_FP32(rsqrt, "RsqrtBackward0", Float, kSaveResult, grad * result * result * result * -0.5)
EMBER_UNARY_DEF(square, "PowBackward0", Same, kSaveSelf, grad * self * 2)
EMBER_UNARY(exp2, "Exp2Backward0", Float, kSaveResult, grad * result * kLn2)
EMBER_UNARY_FP32(expm1, "Expm1Backward0", Float, kSaveResult, grad * (result + 1))
EMBER_UNARY_FP32(log2, "Log2Backward0", Float, kSaveSelf, grad / (self * kLn2))
EMBER_UNARY_FP32(log10, "Log10Backward0", Float, kSaveSelf, grad / (self * kLn10))
EMBER_UNARY_FP32(log1p, "Log1PBackward0", Float, kSaveSelf, grad / (self + 1))
EMBER_UNARY_FP32(tan, "TanBackward0", Float, kSaveResult, grad * (1 + result * result))
EMBER_UNARY_FP32(asin, "AsinBackward0", Float, kSaveSelf, grad * (1 - self * self).rsqrt())
EMBER_UNARY_FP32(acos, "AcosBackward0", Float, kSaveSelf, -grad * (1 - self * self).rsqrt())
EMBER_UNARY(atan, "AtanBackward0", Float, kSaveSelf, grad / (self * self + 1))
EMBER_UNARY_FP32(sinh, "SinhBackward0", Float, kSaveSelf, grad * self.cosh())
EMBER_UNARY_FP32(cosh, "CoshBackward0", Float, kSaveSelf, grad * self.sinh())
EMBER_UNARY(asinh, "AsinhBackward0", Float, kSaveSelf, grad * (self * self + 1).rsqrt(), , "AsinhBackward1")
EMBER_UNARY(acosh, "AcoshBackward0", Float, kSaveSelf, grad * (self * self - 1).rsqrt(), , "AcoshBackward1")
EMBER_UNARY(atanh, "AtanhBackward0", Float, kSaveSelf, grad / (1 - self * self), , "AtanhBackward1")
EMBER_UNARY(erf, "ErfBackward0", Float, kSaveSelf, grad * (-self * self).exp() * k2SqrtPi)
EMBER_UNARY(erfc, "ErfcBackward0", Float, kSaveSelf, grad * (-self * self).exp() * -k2SqrtPi)
EMBER_UNARY_FP32(erfinv, "ErfinvBackward0", Float, kSaveResult, grad * (result * result).exp() * kSqrtPiHalf)
EMBER_UNARY(floor, "FloorBackward0", Same, kSaveNone, ZERO)
EMBER_UNARY(ceil, "CeilBackward0", Same, kSaveNone, ZERO)
EMBER_UNARY(round, "RoundBackward0", Same, kSaveNone, ZERO)
EMBER_UNARY(trunc, "TruncBackward0", Same, kSaveNone, ZERO)
EMBER_UNARY(frac, "FracBackward0", Same, kSaveNone, grad)
EMBER_UNARY_FP32(reciprocal, "ReciprocalBackward0", Float, kSaveResult, -grad * result * result)
EMBER_UNARY(digamma, "DigammaBackward0", Float, kSaveSelf, grad * polygamma(1, self))
EMBER_UNARY(lgamma, "LgammaBackward0", Float, kSaveSelf, grad * self.digamma())
// clang-format on
#undef ZERO

// square: pow(self, 2) in PyTorch, so bool promotes to int64.
Tensor square(const Tensor& self) {
  return unary_op(square_def, self.dtype() == kBool ? self.to(kLong) : self);
}
Tensor& square_(Tensor& self) { return unary_inplace(square_def, self); }
Tensor& square_out(Tensor& out, const Tensor& self) {
  return unary_out(square_def, self.dtype() == kBool ? self.to(kLong) : self, out);
}
Tensor Tensor::square() const { return ::ember::square(*this); }
Tensor& Tensor::square_() const { return ::ember::square_(self()); }

namespace {
// Ops with scalar arguments: `stub(it, a, b, c)` computes, `formula(grad, self)` differentiates.
template <class F>
Tensor scalars_op(const char* name, const char* node, KernelStub<UnaryScalarsFn>& stub,
                  const Tensor& self, const Tensor& out, bool inplace, double a, double b, double c,
                  F formula) {
  IterConfig cfg;
  cfg.op = name;
  cfg.is_inplace = inplace;
  TensorIterator it = TensorIterator::build(cfg, out, {self});
  if (it.numel() > 0) stub.get(self.device().type())(it, a, b, c);
  it.finish();
  Tensor r = it.output();
  if (inplace || out.defined()) return r;
  if (auto n = autograd::make_node(node, {self},
                                   [formula](autograd::FunctionNode& n, const variable_list& g) {
                                     return variable_list{formula(g[0], n.saved(0))};
                                   })) {
    autograd::set_history(r, n);
    n->save(self);
  }
  return r;
}

void check_out(const char* name, const Tensor& self, const Tensor& out) {
  EMBER_CHECK(!(autograd::GradMode::is_enabled() && (self.requires_grad() || out.requires_grad())),
              "[", name, "] ", name,
              "_out(): functions with out=... arguments don't support "
              "automatic differentiation, but one of the arguments requires grad.");
  EMBER_CHECK(out.dtype() == self.dtype(), "[", name, "] Found dtype ", toString(out.dtype()),
              " but expected ", toString(self.dtype()));
}

auto round_grad = [](const Tensor& g, const Tensor&) { return zeros_like(g); };

// nan_to_num's defaults: 0, and the dtype's largest / lowest finite values.
std::tuple<double, double, double> nan_to_num_args(const Tensor& self, std::optional<double> nan,
                                                   std::optional<double> posinf,
                                                   std::optional<double> neginf) {
  double big = 0;
  switch (self.scalar_type()) {
    case kHalf:
      big = 65504.0;
      break;
    case kBFloat16:
      big = 3.3895313892515355e+38;
      break;
    case kFloat:
      big = std::numeric_limits<float>::max();
      break;
    default:
      big = std::numeric_limits<double>::max();
      break;
  }
  return {nan.value_or(0.0), posinf.value_or(big), neginf.value_or(-big)};
}
auto nan_to_num_grad = [](const Tensor& g, const Tensor& self) { return g * self.isfinite(); };
}  // namespace

Tensor round(const Tensor& self, int64_t decimals) {
  return scalars_op("round", "RoundBackward1", round_decimals_stub, self, Tensor(), false,
                    static_cast<double>(decimals), 0, 0, round_grad);
}
Tensor& round_(Tensor& self, int64_t decimals) {
  return autograd::apply_inplace(
      self, false, "round", [&](const Tensor& s) { return round(s, decimals); },
      [&] {
        scalars_op("round", "", round_decimals_stub, self, self, true,
                   static_cast<double>(decimals), 0, 0, round_grad);
      });
}
Tensor& round_out(Tensor& out, const Tensor& self, int64_t decimals) {
  check_out("round", self, out);
  scalars_op("round", "", round_decimals_stub, self, out, false, static_cast<double>(decimals), 0,
             0, round_grad);
  return out;
}
Tensor Tensor::round(int64_t decimals) const { return ::ember::round(*this, decimals); }
Tensor& Tensor::round_(int64_t decimals) const { return ::ember::round_(self(), decimals); }

Tensor nan_to_num(const Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  auto [a, b, c] = nan_to_num_args(self, nan, posinf, neginf);
  return scalars_op("nan_to_num", "NanToNumBackward0", nan_to_num_stub, self, Tensor(), false, a, b,
                    c, nan_to_num_grad);
}
Tensor& nan_to_num_(Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf) {
  // Not a structured binding: clang 14 (the fuzz build) can't capture those in a lambda.
  const auto args = nan_to_num_args(self, nan, posinf, neginf);
  return autograd::apply_inplace(
      self, false, "nan_to_num",
      [&](const Tensor& s) { return nan_to_num(s, nan, posinf, neginf); },
      [&] {
        scalars_op("nan_to_num", "", nan_to_num_stub, self, self, true, std::get<0>(args),
                   std::get<1>(args), std::get<2>(args), nan_to_num_grad);
      });
}
Tensor& nan_to_num_out(Tensor& out, const Tensor& self, std::optional<double> nan,
                       std::optional<double> posinf, std::optional<double> neginf) {
  check_out("nan_to_num", self, out);
  auto [a, b, c] = nan_to_num_args(self, nan, posinf, neginf);
  scalars_op("nan_to_num", "", nan_to_num_stub, self, out, false, a, b, c, nan_to_num_grad);
  return out;
}
Tensor Tensor::nan_to_num(std::optional<double> nan, std::optional<double> posinf,
                          std::optional<double> neginf) const {
  return ::ember::nan_to_num(*this, nan, posinf, neginf);
}
Tensor& Tensor::nan_to_num_(std::optional<double> nan, std::optional<double> posinf,
                            std::optional<double> neginf) const {
  return ::ember::nan_to_num_(self(), nan, posinf, neginf);
}

Tensor polygamma(int64_t n, const Tensor& self) {
  EMBER_CHECK(n >= 0, "[polygamma] polygamma(n, x) does not support negative n.");
  IterConfig cfg;
  cfg.op = "polygamma";
  cfg.output = OutputDtype::FloatOfCommon;
  TensorIterator it = TensorIterator::build(cfg, Tensor(), {self});
  if (it.numel() > 0) polygamma_stub.get(self.device().type())(it, static_cast<double>(n), 0, 0);
  it.finish();
  Tensor r = it.output();
  if (auto node = autograd::make_node("PolygammaBackward0", {self},
                                      [n](autograd::FunctionNode& nd, const variable_list& g) {
                                        return variable_list{g[0] * polygamma(n + 1, nd.saved(0))};
                                      })) {
    autograd::set_history(r, node);
    node->save(self);
  }
  return r;
}

Tensor positive(const Tensor& self) {
  EMBER_CHECK(self.dtype() != kBool,
              "[positive] The `+` operator, on a bool tensor is not "
              "supported.");
  return self;
}
Tensor Tensor::positive() const { return ::ember::positive(*this); }

namespace {
Tensor predicate(const char* name, KernelStub<UnaryFn>& stub, const Tensor& self,
                 const Tensor& out = Tensor()) {
  IterConfig c;
  c.op = name;
  c.output = OutputDtype::Bool;
  TensorIterator it = TensorIterator::build(c, out, {self});
  if (it.numel() > 0) stub.get(self.device().type())(it);
  it.finish();
  return it.output();
}
}  // namespace

#define EMBER_PREDICATE(name)                                                     \
  Tensor name(const Tensor& self) { return predicate(#name, name##_stub, self); } \
  Tensor Tensor::name() const { return ::ember::name(*this); }
EMBER_UNARY_PREDICATES(EMBER_PREDICATE)
#undef EMBER_PREDICATE

#define EMBER_PREDICATE_OUT(name)                          \
  Tensor& name##_out(Tensor& out, const Tensor& self) {    \
    EMBER_CHECK(out.dtype() == kBool,                      \
                "[" #name                                  \
                "] result type Bool can't be cast to the " \
                "desired output type ",                    \
                toString(out.dtype()));                    \
    predicate(#name, name##_stub, self, out);              \
    return out;                                            \
  }
EMBER_PREDICATE_OUT(isnan)
EMBER_PREDICATE_OUT(isinf)
EMBER_PREDICATE_OUT(isposinf)
EMBER_PREDICATE_OUT(isneginf)
EMBER_PREDICATE_OUT(signbit)
#undef EMBER_PREDICATE_OUT

}  // namespace ember
