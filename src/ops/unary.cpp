// Unary ops: each op is one EMBER_UNARY line carrying its PyTorch node name, dtype rule, what
// backward saves, and its derivative written with ember ops (so double backward works).
#include "ember/ops/unary.h"

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "src/kernels/unary.h"

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
  Formula formula;  // nullptr: not differentiable
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

Tensor unary_op(const UnaryDef& d, const Tensor& self) {
  Tensor r = forward(d, self, Tensor(), false);
  if (!d.formula) return r;
  if (auto n = autograd::make_node(d.node, {self},
                                   [f = d.formula, save = d.save](autograd::FunctionNode& n,
                                                                  const variable_list& g) {
                                     Tensor s = save & kSaveSelf ? n.saved(0) : Tensor();
                                     Tensor r = save & kSaveResult ? n.saved(save & kSaveSelf ? 1 : 0)
                                                                   : Tensor();
                                     return variable_list{f(g[0], s, r)};
                                   })) {
    autograd::set_history(r, n);
    if (d.save & kSaveSelf) n->save(self);
    if (d.save & kSaveResult) n->save(r, /*is_output=*/true);
  }
  return r;
}

Tensor& unary_inplace(const UnaryDef& d, Tensor& self) {
  return autograd::apply_inplace(
      self, false, d.name, [&](const Tensor& s) { return unary_op(d, s); },
      [&] { forward(d, self, self, true); });
}

Tensor& unary_out(const UnaryDef& d, const Tensor& self, Tensor& out) {
  EMBER_CHECK(!(autograd::GradMode::is_enabled() && (self.requires_grad() || out.requires_grad())),
              "[", d.name, "] ", d.name, "_out(): functions with out=... arguments don't support "
              "automatic differentiation, but one of the arguments requires grad.");
  forward(d, self, out, false);
  return out;
}

}  // namespace

#define EMBER_UNARY(name, node, kind, save, formula)                                            \
  static const UnaryDef name##_def{                                                             \
      #name, node, &name##_stub, Kind::kind, save,                                              \
      [](const Tensor& grad, const Tensor& self, const Tensor& result) -> Tensor {              \
        (void)grad, (void)self, (void)result;                                                   \
        return formula;                                                                         \
      }};                                                                                       \
  Tensor name(const Tensor& self) { return unary_op(name##_def, self); }                        \
  Tensor& name##_(Tensor& self) { return unary_inplace(name##_def, self); }                     \
  Tensor& name##_out(Tensor& out, const Tensor& self) { return unary_out(name##_def, self, out); } \
  Tensor Tensor::name() const { return ::ember::name(*this); }                                  \
  Tensor& Tensor::name##_() { return ::ember::name##_(*this); }

EMBER_UNARY(neg, "NegBackward0", Same, kSaveNone, -grad)
EMBER_UNARY(abs, "AbsBackward0", Same, kSaveSelf, grad * ((self > 0).to(self.dtype()) - (self < 0).to(self.dtype())))
EMBER_UNARY(exp, "ExpBackward0", Float, kSaveResult, grad * result)
EMBER_UNARY(log, "LogBackward0", Float, kSaveSelf, grad / self)
EMBER_UNARY(sqrt, "SqrtBackward0", Float, kSaveResult, grad / (result * 2))
EMBER_UNARY(sin, "SinBackward0", Float, kSaveSelf, grad * self.cos())
EMBER_UNARY(cos, "CosBackward0", Float, kSaveSelf, grad * -self.sin())
EMBER_UNARY(tanh, "TanhBackward0", Float, kSaveResult, grad * (1 - result * result))
EMBER_UNARY(sigmoid, "SigmoidBackward0", Float, kSaveResult, grad * result * (1 - result))
EMBER_UNARY(relu, "ReluBackward0", Same, kSaveResult, grad * (result > 0))

Tensor isnan(const Tensor& self) {
  IterConfig c;
  c.op = "isnan";
  c.output = OutputDtype::Bool;
  TensorIterator it = TensorIterator::build(c, Tensor(), {self});
  if (it.numel() > 0) isnan_stub.get(self.device().type())(it);
  return it.output();
}
Tensor Tensor::isnan() const { return ::ember::isnan(*this); }

}  // namespace ember
