// Activation ops: each is one `act(...)` call giving PyTorch's node name, the kernel with its
// scalar parameters, and the derivative written with ember ops (so double backward works).
#include "ember/ops/activation.h"

#include <cmath>
#include <limits>

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/activation.h"
#include "src/ops/activation_util.h"
#include "src/ops/out_util.h"

namespace ember {
namespace {

struct Params {
  double a = 0, b = 0, c = 0;
};

Tensor act_forward(const char* name, KernelStub<UnaryScalarsFn>& stub, const Tensor& self,
                   const Tensor& out, bool inplace, Params p, bool float_out) {
  IterConfig cfg;
  cfg.op = name;
  cfg.output = float_out ? OutputDtype::FloatOfCommon : OutputDtype::Common;
  cfg.is_inplace = inplace;
  TensorIterator it = TensorIterator::build(cfg, out, {self});
  if (it.numel() > 0) stub.get(self.device().type())(it, p.a, p.b, p.c);
  it.finish();
  return it.output();
}

// float16/bfloat16 gradients run in float and round once, as PyTorch's fused *_backward
// kernels do.
template <class F>
Tensor in_float(const F& formula, const Tensor& grad, const Tensor& self) {
  ScalarType dt = grad.dtype();
  if (dt != kHalf && dt != kBFloat16) return formula(grad, self);
  return formula(grad.to(kFloat), self.to(kFloat)).to(dt);
}

// Runs the kernel and records `node`, whose gradient is formula(grad, self).
template <class F>
Tensor act(const char* name, const char* node, KernelStub<UnaryScalarsFn>& stub, const Tensor& self,
           Params p, F formula, bool float_out = false) {
  Tensor r = act_forward(name, stub, self, Tensor(), false, p, float_out);
  if (auto n = autograd::make_node(node, {self},
                                   [formula](autograd::FunctionNode& n, const variable_list& g) {
                                     return variable_list{in_float(formula, g[0], n.saved(0))};
                                   })) {
    autograd::set_history(r, n);
    n->save(self);
  }
  return r;
}

// In-place variant: with gradients, runs out of place on a copy (Note [In-place autograd]).
template <class F>
Tensor& act_(const char* name, const char* node, KernelStub<UnaryScalarsFn>& stub, Tensor& self,
             Params p, F formula) {
  return autograd::apply_inplace(
      self, false, name, [&](const Tensor& s) { return act(name, node, stub, s, p, formula); },
      [&] { act_forward(name, stub, self, self, true, p, false); });
}

// out= variant: the kernel writes into `out`, resized by TensorIterator. Most activations are
// structured unary ops in PyTorch, whose `out` must have the input's dtype; celu, logit and
// threshold cast into it (kCast).
enum OutDtype { kExact, kCast };
Tensor& act_out(const char* name, KernelStub<UnaryScalarsFn>& stub, const Tensor& self, Tensor& out,
                Params p, OutDtype rule = kExact, bool float_out = false) {
  out_util::check_no_grad(name, {self, out});
  EMBER_CHECK(rule == kCast || out.dtype() == self.dtype(), "[", name, "] Found dtype ",
              toString(out.dtype()), " but expected ", toString(self.dtype()));
  act_forward(name, stub, self, out, false, p, float_out);
  return out;
}

// Integer inputs of the clamp-like ops need parameters that fit their dtype (Scalar::to<T>).
void check_int_param(const char* op, const Tensor& self, double v) {
  if (self.is_floating_point() || self.dtype() == kBool) return;
  double lo = 0, hi = 0;
  switch (self.scalar_type()) {
    case kByte:
      lo = 0, hi = 255;
      break;
    case kChar:
      lo = -128, hi = 127;
      break;
    case kShort:
      lo = -32768, hi = 32767;
      break;
    case kInt:
      lo = -2147483648.0, hi = 2147483647.0;
      break;
    default:
      lo = -9.2233720368547758e18, hi = 9.2233720368547758e18;
      break;
  }
  EMBER_CHECK(v >= lo && v <= hi, "[", op, "] value cannot be converted to type ",
              toString(self.scalar_type()), " without overflow");
}

Tensor mask(const Tensor& m, const Tensor& like) { return m.to(like.dtype()); }

// ---------------------------------------------------------------- derivative formulas
constexpr double kSqrt1_2 = 0.70710678118654752440, kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kSqrt2OverPi = 0.79788456080286535588, kGeluC = 0.044715;
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

auto gelu_grad(bool tanh_approx) {
  return [tanh_approx](const Tensor& grad, const Tensor& x) {
    if (tanh_approx) {
      Tensor x2 = x * x;
      Tensor t = ((x + x2 * x * kGeluC) * kSqrt2OverPi).tanh();
      Tensor d_inner = (x2 * (3 * kGeluC) + 1) * kSqrt2OverPi;
      return grad * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * d_inner);
    }
    Tensor cdf = ((x * kSqrt1_2).erf() + 1) * 0.5;
    Tensor pdf = (x * x * -0.5).exp() * kInvSqrt2Pi;
    return grad * (cdf + x * pdf);
  };
}

// Whether an input gradient can take its one-pass kernel: no graph of the backward is being
// recorded (double backward needs the formula) and grad and self share a floating dtype and a
// device.
bool fused_backward_ok(const Tensor& grad, const Tensor& self) {
  return !autograd::GradMode::is_enabled() && grad.dtype() == self.dtype() &&
         isFloatingType(self.dtype()) && grad.device() == self.device();
}

// out = stub(grad, self; a) in one pass over a (out, grad, self) iterator.
Tensor fused_backward(KernelStub<UnaryScalarsFn>& stub, const char* op, const Tensor& grad,
                      const Tensor& self, double a) {
  IterConfig cfg;
  cfg.op = op;
  TensorIterator it = TensorIterator::build(cfg, Tensor(), {grad, self});
  if (it.numel() > 0) stub.get(self.device().type())(it, a, 0, 0);
  it.finish();
  return it.output();
}

}  // namespace

Tensor threshold_grad_fused(const Tensor& grad, const Tensor& self, double threshold) {
  // Devices without the kernel (CUDA) take the formula.
  if (!fused_backward_ok(grad, self) ||
      threshold_backward_stub.table[static_cast<int>(self.device().type())] == nullptr)
    return where(self <= threshold, 0, grad);
  return fused_backward(threshold_backward_stub, "threshold_backward", grad, self, threshold);
}

namespace {

// GELU's input gradient: one fused pass (PyTorch's gelu_backward kernel), or the differentiable
// formula when a graph of the backward is being recorded (double backward).
Tensor gelu_backward(const Tensor& grad, const Tensor& x, bool tanh_approx) {
  if (!fused_backward_ok(grad, x)) return in_float(gelu_grad(tanh_approx), grad, x);
  return fused_backward(gelu_backward_stub, "gelu_backward", grad, x, tanh_approx ? 1.0 : 0.0);
}
auto silu_grad = [](const Tensor& grad, const Tensor& x) {
  Tensor s = x.sigmoid();
  return grad * s * (1 + x * (1 - s));
};
auto mish_grad = [](const Tensor& grad, const Tensor& x) {
  Tensor t = softplus(x).tanh();
  return grad * (t + x * x.sigmoid() * (1 - t * t));
};
auto softplus_grad(double beta, double threshold) {
  return [beta, threshold](const Tensor& grad, const Tensor& x) {
    Tensor z = x * beta;
    return grad * where(z > threshold, ones_like(z), z.sigmoid());
  };
}
auto elu_grad(double alpha, double scale, double input_scale) {
  return [=](const Tensor& grad, const Tensor& x) {
    Tensor neg = (x * input_scale).exp() * (alpha * scale * input_scale);
    return grad * where(x > 0, full_like(x, scale), neg);
  };
}
auto leaky_relu_grad(double slope) {
  return [slope](const Tensor& grad, const Tensor& x) {
    return grad * where(x > 0, ones_like(x), full_like(x, slope));
  };
}
auto hardtanh_grad(double lo, double hi) {
  return [lo, hi](const Tensor& grad, const Tensor& x) {
    return grad * mask((x > lo).logical_and(x < hi), grad);
  };
}
auto hardsigmoid_grad = [](const Tensor& grad, const Tensor& x) {
  return grad * mask((x > -3).logical_and(x < 3), grad) / 6;
};
auto hardswish_grad = [](const Tensor& grad, const Tensor& x) {
  Tensor mid = x / 3 + 0.5;
  return grad * where(x < -3, zeros_like(x), where(x <= 3, mid, ones_like(x)));
};
auto logit_grad(double eps) {
  return [eps](const Tensor& grad, const Tensor& x) {
    if (eps < 0) {
      Tensor g = grad / (x * (1 - x));
      Tensor outside = (x < 0).logical_or(x > 1);
      return where(outside, full_like(g, std::numeric_limits<double>::quiet_NaN()), g);
    }
    // Clamped entries get zero; a safe x there keeps double backward free of 0 * inf.
    Tensor clamped = (x < eps).logical_or(x > 1 - eps);
    Tensor xs = where(clamped, full_like(x, 0.5), x);
    return where(clamped, zeros_like(grad), grad / (xs * (1 - xs)));
  };
}
auto log_sigmoid_grad = [](const Tensor& grad, const Tensor& x) { return grad * (-x).sigmoid(); };
auto shrink_grad(double lambd) {
  return [lambd](const Tensor& grad, const Tensor& x) {
    return grad * mask((x > lambd).logical_or(x < -lambd), grad);
  };
}
auto threshold_grad(double th) {
  return [th](const Tensor& grad, const Tensor& x) { return threshold_grad_fused(grad, x, th); };
}

double d(const Scalar& s) { return s.to<double>(); }

}  // namespace

// clang-format off
Tensor gelu(const Tensor& self, std::string_view approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh",
              "[gelu] approximate argument must be either none or tanh.");
  bool t = approximate == "tanh";
  Tensor r = act_forward("gelu", gelu_stub, self, Tensor(), false, {t ? 1.0 : 0.0}, false);
  if (auto n = autograd::make_node("GeluBackward0", {self},
                                   [t](autograd::FunctionNode& n, const variable_list& g) {
                                     return variable_list{gelu_backward(g[0], n.saved(0), t)};
                                   })) {
    autograd::set_history(r, n);
    n->save(self);
  }
  return r;
}
Tensor& gelu_(Tensor& self, std::string_view approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh",
              "[gelu] approximate argument must be either none or tanh.");
  bool t = approximate == "tanh";
  return act_("gelu_", "GeluBackward0", gelu_stub, self, {t ? 1.0 : 0.0}, gelu_grad(t));
}
Tensor silu(const Tensor& self) { return act("silu", "SiluBackward0", silu_stub, self, {}, silu_grad); }
Tensor& silu_(Tensor& self) { return act_("silu_", "SiluBackward0", silu_stub, self, {}, silu_grad); }
Tensor mish(const Tensor& self) { return act("mish", "MishBackward0", mish_stub, self, {}, mish_grad); }
Tensor& mish_(Tensor& self) { return act_("mish_", "MishBackward0", mish_stub, self, {}, mish_grad); }
Tensor softplus(const Tensor& self, const Scalar& beta, const Scalar& threshold) {
  EMBER_AUTOCAST(fallthrough, fp32, softplus, self, beta, threshold);
  return act("softplus", "SoftplusBackward0", softplus_stub, self, {d(beta), d(threshold)},
             softplus_grad(d(beta), d(threshold)));
}
Tensor elu(const Tensor& self, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return act("elu", "EluBackward0", elu_stub, self, {d(alpha), d(scale), d(input_scale)},
             elu_grad(d(alpha), d(scale), d(input_scale)));
}
Tensor& elu_(Tensor& self, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return act_("elu_", "EluBackward1", elu_stub, self, {d(alpha), d(scale), d(input_scale)},
              elu_grad(d(alpha), d(scale), d(input_scale)));
}
Tensor selu(const Tensor& self) {
  return act("selu", "EluBackward0", elu_stub, self, {kSeluAlpha, kSeluScale, 1.0},
             elu_grad(kSeluAlpha, kSeluScale, 1.0));
}
Tensor& selu_(Tensor& self) {
  return act_("selu_", "EluBackward1", elu_stub, self, {kSeluAlpha, kSeluScale, 1.0},
              elu_grad(kSeluAlpha, kSeluScale, 1.0));
}
Tensor celu(const Tensor& self, const Scalar& alpha) {
  EMBER_CHECK(d(alpha) != 0, "[celu] ZeroDivisionError: alpha cannot be 0 for CELU");
  return act("celu", "CeluBackward0", elu_stub, self, {d(alpha), 1.0, 1.0 / d(alpha)},
             elu_grad(d(alpha), 1.0, 1.0 / d(alpha)));
}
Tensor& celu_(Tensor& self, const Scalar& alpha) {
  EMBER_CHECK(d(alpha) != 0, "[celu] ZeroDivisionError: alpha cannot be 0 for CELU");
  return act_("celu_", "CeluBackward1", elu_stub, self, {d(alpha), 1.0, 1.0 / d(alpha)},
              elu_grad(d(alpha), 1.0, 1.0 / d(alpha)));
}
Tensor leaky_relu(const Tensor& self, const Scalar& slope) {
  return act("leaky_relu", "LeakyReluBackward0", leaky_relu_stub, self, {d(slope)}, leaky_relu_grad(d(slope)));
}
Tensor& leaky_relu_(Tensor& self, const Scalar& slope) {
  return act_("leaky_relu_", "LeakyReluBackward1", leaky_relu_stub, self, {d(slope)}, leaky_relu_grad(d(slope)));
}
// clang-format on

namespace {
void check_hardtanh(const Tensor& self, double lo, double hi) {
  EMBER_CHECK(self.dtype() != kByte || (lo >= 0 && hi >= 0),
              "[hardtanh] cannot do hardtanh on an unsigned type with negative limits");
  check_int_param("hardtanh", self, lo);
  check_int_param("hardtanh", self, hi);
}
}  // namespace

Tensor hardtanh(const Tensor& self, const Scalar& min_val, const Scalar& max_val) {
  check_hardtanh(self, d(min_val), d(max_val));
  return act("hardtanh", "HardtanhBackward0", hardtanh_stub, self, {d(min_val), d(max_val)},
             hardtanh_grad(d(min_val), d(max_val)));
}
Tensor& hardtanh_(Tensor& self, const Scalar& min_val, const Scalar& max_val) {
  check_hardtanh(self, d(min_val), d(max_val));
  return act_("hardtanh_", "HardtanhBackward0", hardtanh_stub, self, {d(min_val), d(max_val)},
              hardtanh_grad(d(min_val), d(max_val)));
}
Tensor relu6(const Tensor& self) { return hardtanh(self, 0, 6); }
Tensor& relu6_(Tensor& self) { return hardtanh_(self, 0, 6); }
Tensor hardsigmoid(const Tensor& self) {
  return act("hardsigmoid", "HardsigmoidBackward0", hardsigmoid_stub, self, {}, hardsigmoid_grad);
}
Tensor& hardsigmoid_(Tensor& self) {
  return act_("hardsigmoid_", "HardsigmoidBackward0", hardsigmoid_stub, self, {}, hardsigmoid_grad);
}
Tensor hardswish(const Tensor& self) {
  return act("hardswish", "HardswishBackward0", hardswish_stub, self, {}, hardswish_grad);
}
Tensor& hardswish_(Tensor& self) {
  return act_("hardswish_", "HardswishBackward0", hardswish_stub, self, {}, hardswish_grad);
}
Tensor logit(const Tensor& self, std::optional<double> eps) {
  double e = eps.value_or(-1.0);
  return act("logit", "LogitBackward0", logit_stub, self, {e}, logit_grad(e), /*float_out=*/true);
}
Tensor& logit_(Tensor& self, std::optional<double> eps) {
  double e = eps.value_or(-1.0);
  return act_("logit_", "LogitBackward0", logit_stub, self, {e}, logit_grad(e));
}
Tensor Tensor::logit(std::optional<double> eps) const { return ::ember::logit(*this, eps); }
Tensor& Tensor::logit_(std::optional<double> eps) const { return ::ember::logit_(self(), eps); }
Tensor log_sigmoid(const Tensor& self) {
  return act("log_sigmoid", "LogSigmoidBackward0", log_sigmoid_stub, self, {}, log_sigmoid_grad);
}
Tensor softshrink(const Tensor& self, const Scalar& lambd) {
  EMBER_CHECK(d(lambd) >= 0, "[softshrink] lambda must be greater or equal to 0, but found to be ",
              d(lambd), ".");
  return act("softshrink", "SoftshrinkBackward0", softshrink_stub, self, {d(lambd)},
             shrink_grad(d(lambd)));
}
Tensor hardshrink(const Tensor& self, const Scalar& lambd) {
  return act("hardshrink", "HardshrinkBackward0", hardshrink_stub, self, {d(lambd)},
             shrink_grad(d(lambd)));
}
Tensor Tensor::hardshrink(const Scalar& lambd) const { return ::ember::hardshrink(*this, lambd); }
Tensor threshold(const Tensor& self, const Scalar& threshold, const Scalar& value) {
  check_int_param("threshold", self, d(threshold));
  check_int_param("threshold", self, d(value));
  return act("threshold", "ThresholdBackward0", threshold_stub, self, {d(threshold), d(value)},
             threshold_grad(d(threshold)));
}
Tensor& threshold_(Tensor& self, const Scalar& threshold, const Scalar& value) {
  check_int_param("threshold", self, d(threshold));
  check_int_param("threshold", self, d(value));
  return act_("threshold_", "ThresholdBackward1", threshold_stub, self, {d(threshold), d(value)},
              threshold_grad(d(threshold)));
}

// ---------------------------------------------------------------- out= variants
Tensor& gelu_out(Tensor& out, const Tensor& self, std::string_view approximate) {
  EMBER_CHECK(approximate == "none" || approximate == "tanh",
              "[gelu] approximate argument must be either none or tanh.");
  return act_out("gelu", gelu_stub, self, out, {approximate == "tanh" ? 1.0 : 0.0});
}
Tensor& silu_out(Tensor& out, const Tensor& self) {
  return act_out("silu", silu_stub, self, out, {});
}
Tensor& mish_out(Tensor& out, const Tensor& self) {
  return act_out("mish", mish_stub, self, out, {});
}
Tensor& softplus_out(Tensor& out, const Tensor& self, const Scalar& beta, const Scalar& threshold) {
  return act_out("softplus", softplus_stub, self, out, {d(beta), d(threshold)});
}
Tensor& elu_out(Tensor& out, const Tensor& self, const Scalar& alpha, const Scalar& scale,
                const Scalar& input_scale) {
  return act_out("elu", elu_stub, self, out, {d(alpha), d(scale), d(input_scale)});
}
Tensor& celu_out(Tensor& out, const Tensor& self, const Scalar& alpha) {
  EMBER_CHECK(d(alpha) != 0, "[celu] ZeroDivisionError: alpha cannot be 0 for CELU");
  return act_out("celu", elu_stub, self, out, {d(alpha), 1.0, 1.0 / d(alpha)}, kCast);
}
Tensor& leaky_relu_out(Tensor& out, const Tensor& self, const Scalar& negative_slope) {
  return act_out("leaky_relu", leaky_relu_stub, self, out, {d(negative_slope)});
}
Tensor& hardtanh_out(Tensor& out, const Tensor& self, const Scalar& min_val,
                     const Scalar& max_val) {
  check_hardtanh(self, d(min_val), d(max_val));
  return act_out("hardtanh", hardtanh_stub, self, out, {d(min_val), d(max_val)});
}
Tensor& hardsigmoid_out(Tensor& out, const Tensor& self) {
  return act_out("hardsigmoid", hardsigmoid_stub, self, out, {});
}
Tensor& hardswish_out(Tensor& out, const Tensor& self) {
  return act_out("hardswish", hardswish_stub, self, out, {});
}
Tensor& logit_out(Tensor& out, const Tensor& self, std::optional<double> eps) {
  return act_out("logit", logit_stub, self, out, {eps.value_or(-1.0)}, kCast, /*float_out=*/true);
}
Tensor& log_sigmoid_out(Tensor& out, const Tensor& self) {
  return act_out("log_sigmoid", log_sigmoid_stub, self, out, {});
}
Tensor& softshrink_out(Tensor& out, const Tensor& self, const Scalar& lambd) {
  EMBER_CHECK(d(lambd) >= 0, "[softshrink] lambda must be greater or equal to 0, but found to be ",
              d(lambd), ".");
  return act_out("softshrink", softshrink_stub, self, out, {d(lambd)});
}
Tensor& hardshrink_out(Tensor& out, const Tensor& self, const Scalar& lambd) {
  return act_out("hardshrink", hardshrink_stub, self, out, {d(lambd)});
}
Tensor& threshold_out(Tensor& out, const Tensor& self, const Scalar& threshold,
                      const Scalar& value) {
  check_int_param("threshold", self, d(threshold));
  check_int_param("threshold", self, d(value));
  return act_out("threshold", threshold_stub, self, out, {d(threshold), d(value)}, kCast);
}
Tensor& glu_out(Tensor& out, const Tensor& self, int64_t dim) {
  out_util::check_no_grad("glu", {self, out});
  return out_util::assign(out, glu(self, dim), "glu", /*exact=*/false);
}

// ---------------------------------------------------------------- prelu, glu, rrelu
Tensor prelu(const Tensor& self, const Tensor& weight) {
  EMBER_AUTOCAST(none, lower, prelu, self, weight);
  EMBER_CHECK(weight.dim() <= 1,
              "[prelu] Expected `weight` to be a scalar or 1D tensor, but got "
              "ndim = ",
              weight.dim());
  int64_t channels = self.dim() >= 2 ? self.size(1) : 1;
  EMBER_CHECK(weight.numel() == 1 || weight.numel() == channels,
              "[prelu] Mismatch of parameter numbers and input channel size. Found parameter "
              "numbers = ",
              weight.numel(), " and channel size = ", channels, ".");
  EMBER_CHECK(self.dtype() == weight.dtype(), "[prelu] expected weight of dtype ",
              toString(self.dtype()), " but got ", toString(weight.dtype()));
  // Weight viewed to broadcast along dim 1: (C, 1, ..., 1).
  Tensor w = weight.reshape({-1});
  if (weight.numel() > 1) {
    std::vector<int64_t> shape(static_cast<size_t>(self.dim() - 1), 1);
    shape[0] = channels;
    w = w.reshape(shape);
  } else {
    w = w.reshape(std::vector<int64_t>{});
  }
  IterConfig cfg;
  cfg.op = "prelu";
  cfg.check_same_dtype = true;
  Tensor r;
  {
    TensorIterator it = TensorIterator::build(cfg, Tensor(), self, w);
    if (it.numel() > 0) prelu_stub.get(self.device().type())(it);
    it.finish();
    r = it.output();
  }
  std::vector<int64_t> wshape(weight.sizes().begin(), weight.sizes().end());
  if (auto n = autograd::make_node(
          "PreluBackward0", {self, weight},
          [wshape](autograd::FunctionNode& n, const variable_list& g) {
            Tensor x = n.saved(0), wb = n.saved(1);
            auto f = [&](const Tensor& grad, const Tensor& x, const Tensor& wb) {
              Tensor pos = mask(x > 0, grad);
              variable_list out(2);
              if (n.needs_input_grad(0)) out[0] = grad * (pos + (1 - pos) * wb);
              if (n.needs_input_grad(1))
                out[1] = autograd::sum_to(grad * x * (1 - pos), wb.sizes()).reshape(wshape);
              return out;
            };
            ScalarType dt = g[0].dtype();
            if (dt != kHalf && dt != kBFloat16) return f(g[0], x, wb);
            variable_list o = f(g[0].to(kFloat), x.to(kFloat), wb.to(kFloat));
            for (auto& t : o)
              if (t.defined()) t = t.to(dt);
            return o;
          })) {
    autograd::set_history(r, n);
    n->save(self);
    n->save(w);
  }
  return r;
}
Tensor Tensor::prelu(const Tensor& weight) const { return ::ember::prelu(*this, weight); }

Tensor glu(const Tensor& self, int64_t dim) {
  EMBER_CHECK(self.dim() > 0,
              "[glu] glu does not support scalars because halving size must be "
              "even");
  int64_t d = dim < 0 ? dim + self.dim() : dim;
  EMBER_CHECK(d >= 0 && d < self.dim(),
              "[glu] Dimension out of range (expected to be in range of [", -self.dim(), ", ",
              self.dim() - 1, "], but got ", dim, ")");
  int64_t n = self.size(d);
  EMBER_CHECK(n % 2 == 0, "[glu] Halving dimension must be even, but dimension ", d, " is size ",
              n);
  EMBER_CHECK(self.is_floating_point(), "[glu] \"glu\" not implemented for '",
              toString(self.scalar_type()), "'");
  Tensor r;
  {
    NoGradGuard ng;
    r = self.narrow(d, 0, n / 2) * self.narrow(d, n / 2, n / 2).sigmoid();
  }
  if (auto node = autograd::make_node(
          "GluBackward0", {self}, [d, n](autograd::FunctionNode& nd, const variable_list& g) {
            auto f = [&](const Tensor& grad, const Tensor& x) {
              Tensor a = x.narrow(d, 0, n / 2), s = x.narrow(d, n / 2, n / 2).sigmoid();
              return cat({grad * s, grad * a * s * (1 - s)}, d);
            };
            return variable_list{in_float(f, g[0], nd.saved(0))};
          })) {
    autograd::set_history(r, node);
    node->save(self);
  }
  return r;
}

namespace {
// rrelu as self * noise: the noise is a per-element slope (training) or (lower + upper) / 2 for
// negative inputs (eval), and the gradient is grad * noise, as PyTorch's rrelu_with_noise.
Tensor rrelu_noise(const Tensor& self, double lower, double upper, bool training,
                   const std::optional<Generator>& generator) {
  EMBER_CHECK(lower <= upper,
              "[rrelu] Lower bound should be less than or equal to the upper "
              "bound");
  EMBER_CHECK(self.is_floating_point(), "[rrelu] \"rrelu_with_noise\" not implemented for '",
              toString(self.scalar_type()), "'");
  NoGradGuard ng;
  if (!training) {
    Tensor x = self.detach();
    return where(x > 0, ones_like(x), full_like(x, (lower + upper) / 2));
  }
  Tensor x = self.detach().contiguous();
  const bool explicit_gen = generator && generator->defined();
  if (x.is_cuda() && !explicit_gen) {
    // On the device, from the CUDA generator: every slope but those of x <= 0 becomes 1 (NaN
    // inputs too, the CPU kernel's rule).
    Tensor noise = empty_like(x).uniform_(lower, upper);
    return noise.masked_fill_(logical_not(x <= 0), 1.0);
  }
  // The CPU kernel; a CUDA tensor with an explicit (CPU) generator draws its numbers on the host.
  const Generator& gen = explicit_gen ? *generator : default_generator();
  Tensor hx = x.cpu();
  Tensor noise = empty_like(hx);
  {
    std::lock_guard<std::mutex> lock(gen.mutex());
    rrelu_noise_stub.get(kCPU)(noise, hx, lower, upper, *gen.get());
  }
  return noise.to(x.device());
}
}  // namespace

namespace {
Tensor rrelu_impl(const Tensor& self, const Scalar& lower, const Scalar& upper, bool training,
                  const std::optional<Generator>& generator, const char* node) {
  Tensor noise = rrelu_noise(self, d(lower), d(upper), training, generator);
  Tensor r;
  {
    NoGradGuard ng;
    r = self * noise;
  }
  if (auto n =
          autograd::make_node(node, {self}, [](autograd::FunctionNode& n, const variable_list& g) {
            return variable_list{g[0] * n.saved(0)};
          })) {
    autograd::set_history(r, n);
    n->save(noise);
  }
  return r;
}
}  // namespace

Tensor rrelu(const Tensor& self, const Scalar& lower, const Scalar& upper, bool training,
             std::optional<Generator> generator) {
  return rrelu_impl(self, lower, upper, training, generator, "RreluWithNoiseBackward0");
}
Tensor& rrelu_(Tensor& self, const Scalar& lower, const Scalar& upper, bool training,
               std::optional<Generator> generator) {
  return autograd::apply_inplace(
      self, false, "rrelu_",
      [&](const Tensor& s) {
        return rrelu_impl(s, lower, upper, training, generator, "RreluWithNoiseBackward1");
      },
      [&] {
        Tensor noise = rrelu_noise(self, d(lower), d(upper), training, generator);
        self.mul_(noise);
      });
}

Tensor softsign(const Tensor& self) { return self / (self.abs() + 1); }
Tensor tanhshrink(const Tensor& self) { return self - self.tanh(); }

}  // namespace ember
