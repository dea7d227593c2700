// batch_norm, layer_norm, group_norm (dedicated CPU kernels for the forward), instance_norm and
// rms_norm (composites). See Note [Normalization backward].
#include "ember/ops/normalization.h"

#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/normalization.h"

namespace ember {

// Note [Normalization backward]
// A first-order backward (grad mode off while it runs) uses a fused CPU kernel for batch, layer
// and group norm. When the backward itself is recorded (create_graph), it is written with ember ops
// and the statistics are recomputed from the saved input with differentiable ops, so double
// backward works.

namespace {

// Float or double for the kernels: 16-bit floats compute in float.
ScalarType compute_dtype(ScalarType t) { return (t == kHalf || t == kBFloat16) ? kFloat : t; }

Tensor value_or_undefined(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

Tensor prep(const Tensor& t, ScalarType cdt) {
  return t.defined() ? t.detach().to(cdt).contiguous() : t;
}
Tensor cast(const Tensor& t, ScalarType dt) { return t.defined() ? t.to(dt) : t; }

Tensor rsqrt_of(const Tensor& t) { return 1 / t.sqrt(); }

// Differentiable mean and inverse std of x over `dims` (keepdim).
std::pair<Tensor, Tensor> stats_of(const Tensor& x, IntArrayRef dims, double eps) {
  Tensor mean = x.mean(dims, true);
  Tensor xc = x - mean;
  return {mean, rsqrt_of((xc * xc).mean(dims, true) + eps)};
}

// d/dx of xhat = (x - mean(x)) * rstd(x) over `dims`, applied to gxhat = dL/dxhat.
Tensor norm_input_grad(const Tensor& gxhat, const Tensor& xhat, const Tensor& rstd,
                       IntArrayRef dims) {
  return rstd * (gxhat - gxhat.mean(dims, true) - xhat * (gxhat * xhat).mean(dims, true));
}

int64_t prod(IntArrayRef s) {
  int64_t p = 1;
  for (int64_t v : s) p *= v;
  return p;
}

void check_affine(const Tensor& t, int64_t C, const char* what, const Tensor& input,
                  const char* op) {
  if (!t.defined()) return;
  EMBER_CHECK(t.numel() == C, "[", op, "] Expected ", what,
              " to be a vector of size equal to "
              "the number of channels in input, but got ",
              what, " of shape ", t.sizes(), " and input of shape ", input.sizes());
}

}  // namespace

// ---- batch_norm ----

namespace {

// What batch norm's backward needs besides the saved input (and weight): the statistics the
// forward normalised with (the batch's in training, the running ones in eval) and whether the
// forward ran through cuDNN (its gradients then come from cuDNN too).
struct BnSaved {
  bool training;
  double eps;
  bool has_w;
  Tensor mean, invstd;
  ScalarType cdt;
  bool cudnn;
};

// The gradients of input, weight and bias (saved 0: the input, 1: the weight if any).
variable_list batch_norm_backward(autograd::FunctionNode& n, const Tensor& grad, const BnSaved& s) {
  if (!grad.defined()) return {Tensor(), Tensor(), Tensor()};
  const ScalarType cdt = s.cdt;
  Tensor x0 = n.saved(0);
  Tensor w0 = s.has_w ? n.saved(1) : Tensor();
  if (!autograd::GradMode::is_enabled()) {
    if (s.cudnn && s.training) {
      // cuDNN's kernel, on the input's own dtype (half stays half).
      Tensor x = x0.detach().contiguous(), gy = grad.detach().to(x.dtype()).contiguous();
      Tensor w = w0.detach().contiguous();
      Tensor gx = make_tensor(x.sizes(), x.dtype(), x.device());
      Tensor gw = make_tensor({x.size(1)}, w.dtype(), x.device());
      Tensor gb = make_tensor({x.size(1)}, w.dtype(), x.device());
      if (cudnn_batch_norm_backward_stub.get(kCUDA)(gy, x, w, s.mean, s.invstd, s.eps, gx, gw,
                                                    gb)) {
        return {n.needs_input_grad(0) ? gx : Tensor(), n.needs_input_grad(1) ? gw : Tensor(),
                n.needs_input_grad(2) ? gb : Tensor()};
      }
    }
    // First-order backward: one fused kernel.
    Tensor x = prep(x0, cdt), gy = prep(grad, cdt), w = prep(w0, cdt);
    int64_t C = x.size(1), N = x.size(0), inner = x.numel() / std::max<int64_t>(N * C, 1);
    Tensor gx = n.needs_input_grad(0) ? make_tensor(x.sizes(), cdt, x.device()) : Tensor();
    Tensor gw = s.has_w && n.needs_input_grad(1) ? make_tensor({C}, cdt, x.device()) : Tensor();
    Tensor gb = n.needs_input_grad(2) ? make_tensor({C}, cdt, x.device()) : Tensor();
    if (C > 0) {
      channel_norm_backward_stub.get(x.device().type())(
          gy, x, N, C, inner, s.mean.to(cdt), s.invstd.to(cdt), w, s.training, gx, gw, gb);
    }
    return {cast(gx, x0.dtype()), cast(gw, s.has_w ? w0.dtype() : cdt), cast(gb, grad.dtype())};
  }
  Tensor x = x0.to(cdt), gy = grad.to(cdt), w = cast(w0, cdt);
  DimVector bshape(static_cast<size_t>(x.dim()), 1);
  bshape[1] = x.size(1);
  DimVector dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  Tensor m, r;
  if (s.training) {
    std::tie(m, r) = stats_of(x, dims, s.eps);
  } else {
    m = s.mean.to(cdt).reshape(bshape);
    r = s.invstd.to(cdt).reshape(bshape);
  }
  Tensor xhat = (x - m) * r;
  Tensor gxhat = w.defined() ? gy * w.reshape(bshape) : gy;
  Tensor gx, gw, gb;
  if (n.needs_input_grad(0)) {
    gx = s.training ? norm_input_grad(gxhat, xhat, r, dims) : gxhat * r;
    gx = cast(gx, x0.dtype());
  }
  if (s.has_w && n.needs_input_grad(1)) gw = cast((gy * xhat).sum(dims), w0.dtype());
  if (n.needs_input_grad(2)) gb = gy.sum(dims).to(grad.dtype());
  return {gx, gw, gb};
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input,
                                                     const std::optional<Tensor>& weight_opt,
                                                     const std::optional<Tensor>& bias_opt,
                                                     const std::optional<Tensor>& running_mean_opt,
                                                     const std::optional<Tensor>& running_var_opt,
                                                     bool training, double momentum, double eps) {
  Tensor weight = value_or_undefined(weight_opt), bias = value_or_undefined(bias_opt);
  Tensor rmean = value_or_undefined(running_mean_opt);
  Tensor rvar = value_or_undefined(running_var_opt);
  EMBER_CHECK(input.dim() >= 2,
              "[batch_norm] Expected input with at least 2 dims (N, C, ...), "
              "but got input of size ",
              input.sizes());
  EMBER_CHECK(isFloatingType(input.dtype()), "[batch_norm] \"batch_norm\" not implemented for '",
              toString(input.dtype()), "'");
  int64_t C = input.size(1), N = input.size(0), inner = prod(input.sizes().slice(2));
  check_affine(weight, C, "weight", input, "batch_norm");
  check_affine(bias, C, "bias", input, "batch_norm");
  EMBER_CHECK(!rmean.defined() || rmean.numel() == C, "[batch_norm] running_mean should contain ",
              C, " elements not ", rmean.numel());
  EMBER_CHECK(!rvar.defined() || rvar.numel() == C, "[batch_norm] running_var should contain ", C,
              " elements not ", rvar.numel());
  EMBER_CHECK(training || (rmean.defined() && rvar.defined()),
              "[batch_norm] running_mean and "
              "running_var must be defined in evaluation mode");

  ScalarType cdt = compute_dtype(input.dtype());
  Tensor x = prep(input, cdt);
  Tensor mean, invstd, save_mean, save_invstd;
  {
    NoGradGuard ng;
    if (training) {
      mean = make_tensor({C}, cdt, input.device());
      Tensor var = make_tensor({C}, cdt, input.device());
      if (C > 0) norm_moments_stub.get(input.device().type())(x, N, C, inner, mean, var);
      invstd = rsqrt_of(var + eps);
      save_mean = mean;
      save_invstd = invstd;
      int64_t n = N * inner;
      if (n > 0) {
        if (rmean.defined()) rmean.mul_(1 - momentum).add_(mean.to(rmean.dtype()), momentum);
        if (rvar.defined()) {
          Tensor unbiased = var * (static_cast<double>(n) / static_cast<double>(n - 1));
          rvar.mul_(1 - momentum).add_(unbiased.to(rvar.dtype()), momentum);
        }
      }
    } else {
      mean = rmean.to(cdt).clone();
      invstd = rsqrt_of(rvar.to(cdt) + eps);
      save_mean = make_tensor({0}, cdt, input.device());
      save_invstd = make_tensor({0}, cdt, input.device());
    }
  }
  Tensor out = make_tensor(input.sizes(), cdt, input.device());
  if (x.numel() > 0) {
    NoGradGuard ng;
    Tensor scale = weight.defined() ? prep(weight, cdt) * invstd : invstd;
    Tensor shift = bias.defined() ? prep(bias, cdt) - mean * scale : -(mean * scale);
    channel_affine_stub.get(input.device().type())(out, x, N, C, inner, scale.contiguous(),
                                                   shift.contiguous());
  }
  if (cdt != input.dtype()) out = out.to(input.dtype());

  const BnSaved saved{training, eps, weight.defined(), mean, invstd, cdt, false};
  if (auto n = autograd::make_node(
          "NativeBatchNormBackward0", {input, weight, bias},
          [saved](autograd::FunctionNode& n, const variable_list& g) -> variable_list {
            return batch_norm_backward(n, g[0], saved);
          })) {
    autograd::set_history(out, n);
    n->save(input);
    if (saved.has_w) n->save(weight);
  }
  return {out, save_mean, save_invstd};
}

// Note [cuDNN batch norm]
// batch_norm (not native_batch_norm, as in PyTorch) on CUDA runs through cuDNN
// (src/cuda/batchnorm_cudnn.cpp) where PyTorch's _batch_norm_impl_index does: cuDNN loaded and
// enabled (the cudnn_enabled argument, which F::batch_norm and the modules pass as
// at::globalContext().userEnabledCuDNN()), weight and bias given, input float or double (half
// with float parameters: output half, statistics float; bfloat16 keeps the native path), running
// statistics both given (eval needs them) or both absent, at most 880801 samples in training and
// 65535 in eval, under 2^31 elements, more than one value per channel in training. Training:
// batch mean and 1/sqrt(var + eps) saved, running mean and unbiased variance updated in place
// with factor momentum; the first-order gradients by cuDNN from the saved statistics. Eval
// gradients and double backward are the native formulas (batch_norm_backward). A problem cuDNN
// refuses takes the native path.
namespace {

std::optional<Tensor> cudnn_batch_norm(const Tensor& input, const Tensor& weight,
                                       const Tensor& bias, const Tensor& rmean, const Tensor& rvar,
                                       bool training, double momentum, double eps) {
  if (!input.defined() || !input.is_cuda() ||
      cudnn_batch_norm_stub.table[static_cast<int>(kCUDA)] == nullptr ||
      cudnn_batch_norm_backward_stub.table[static_cast<int>(kCUDA)] == nullptr)
    return std::nullopt;
  const ScalarType dt = input.scalar_type();
  const ScalarType pdt = dt == kDouble ? kDouble : kFloat;
  if (dt != kFloat && dt != kDouble && dt != kHalf) return std::nullopt;
  if (input.dim() < 2 || input.numel() == 0 || input.numel() >= (int64_t{1} << 31))
    return std::nullopt;
  const int64_t N = input.size(0), C = input.size(1);
  if (training ? N > 880801 : N > 65535) return std::nullopt;
  if (training && input.numel() / C <= 1) return std::nullopt;
  auto param = [&](const Tensor& t) {
    return t.defined() && t.dim() == 1 && t.size(0) == C && t.scalar_type() == pdt &&
           t.device() == input.device();
  };
  if (!param(weight) || !param(bias)) return std::nullopt;
  if (rmean.defined() != rvar.defined() || (!training && !rmean.defined())) return std::nullopt;
  if (rmean.defined() && (!param(rmean) || !param(rvar) || !rmean.is_contiguous() ||
                          !rvar.is_contiguous() || rmean.requires_grad() || rvar.requires_grad()))
    return std::nullopt;
  if (eps < 0) return std::nullopt;

  Tensor out = make_tensor(input.sizes(), dt, input.device());
  Tensor save_mean = make_tensor({training ? C : 0}, pdt, input.device());
  Tensor save_invstd = make_tensor({training ? C : 0}, pdt, input.device());
  {
    NoGradGuard ng;
    Tensor x = input.detach().contiguous();
    Tensor rm = rmean.defined() ? rmean.detach() : Tensor();
    Tensor rv = rvar.defined() ? rvar.detach() : Tensor();
    if (!cudnn_batch_norm_stub.get(kCUDA)(x, weight.detach().contiguous(),
                                          bias.detach().contiguous(), rm, rv, training, momentum,
                                          eps, out, save_mean, save_invstd))
      return std::nullopt;
  }
  if (autograd::GradMode::is_enabled() &&
      (input.requires_grad() || weight.requires_grad() || bias.requires_grad())) {
    Tensor mean = save_mean, invstd = save_invstd;
    if (!training) {
      NoGradGuard ng;
      mean = rmean.detach().clone();
      invstd = rsqrt_of(rvar.detach() + eps);
    }
    const BnSaved saved{training, eps, true, mean, invstd, compute_dtype(dt), true};
    if (auto n = autograd::make_node(
            "CudnnBatchNormBackward0", {input, weight, bias},
            [saved](autograd::FunctionNode& n, const variable_list& g) -> variable_list {
              return batch_norm_backward(n, g[0], saved);
            })) {
      autograd::set_history(out, n);
      n->save(input);
      n->save(weight);
    }
  }
  return out;
}

}  // namespace

Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, bool training, double momentum,
                  double eps, bool cudnn_enabled) {
  if (cudnn_enabled) {
    if (auto out = cudnn_batch_norm(input, value_or_undefined(weight), value_or_undefined(bias),
                                    value_or_undefined(running_mean),
                                    value_or_undefined(running_var), training, momentum, eps))
      return *out;
  }
  return std::get<0>(
      native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps));
}

// ---- layer_norm ----

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input,
                                                     IntArrayRef normalized_shape,
                                                     const std::optional<Tensor>& weight_opt,
                                                     const std::optional<Tensor>& bias_opt,
                                                     double eps) {
  EMBER_AUTOCAST(fallthrough, fp32, native_layer_norm, input, normalized_shape, weight_opt,
                 bias_opt, eps);
  Tensor weight = value_or_undefined(weight_opt), bias = value_or_undefined(bias_opt);
  int64_t k = static_cast<int64_t>(normalized_shape.size());
  EMBER_CHECK(k >= 1,
              "[layer_norm] Expected normalized_shape to be at least 1-dimensional, i.e., "
              "containing at least one element, but got normalized_shape = ",
              normalized_shape);
  EMBER_CHECK(!weight.defined() || weight.sizes() == normalized_shape,
              "[layer_norm] Expected "
              "weight to be of same shape as normalized_shape, but got weight of shape ",
              weight.sizes(), " and normalized_shape = ", normalized_shape);
  EMBER_CHECK(!bias.defined() || bias.sizes() == normalized_shape,
              "[layer_norm] Expected bias "
              "to be of same shape as normalized_shape, but got bias of shape ",
              bias.sizes(), " and normalized_shape = ", normalized_shape);
  EMBER_CHECK(
      input.dim() >= k &&
          input.sizes().slice(static_cast<size_t>(input.dim() - k)) == normalized_shape,
      "[layer_norm] Given normalized_shape=", normalized_shape, ", expected input with shape [*",
      [&] {
        std::string s;
        for (int64_t v : normalized_shape) s += ", " + std::to_string(v);
        return s;
      }(),
      "], but got input of size", input.sizes());
  EMBER_CHECK(isFloatingType(input.dtype()), "[layer_norm] \"layer_norm\" not implemented for '",
              toString(input.dtype()), "'");
  size_t lead = static_cast<size_t>(input.dim() - k);
  int64_t M = prod(input.sizes().slice(0, lead)), N = prod(normalized_shape);
  DimVector stat_shape(input.sizes().begin(), input.sizes().begin() + static_cast<int64_t>(lead));
  for (int64_t i = 0; i < k; ++i) stat_shape.push_back(1);

  ScalarType cdt = compute_dtype(input.dtype());
  Tensor x = prep(input, cdt);
  Tensor mean = make_tensor({M}, cdt, input.device());
  Tensor rstd;
  Tensor out = make_tensor(input.sizes(), cdt, input.device());
  {
    NoGradGuard ng;
    rstd = make_tensor({M}, cdt, input.device());
    if (M > 0) {
      row_norm_stub.get(input.device().type())(out, mean, rstd, x, M, N, prep(weight, cdt),
                                               prep(bias, cdt), eps);
    }
  }
  if (cdt != input.dtype()) out = out.to(input.dtype());
  mean = mean.view(stat_shape);
  rstd = rstd.view(stat_shape);

  bool has_w = weight.defined();
  if (auto n = autograd::make_node(
          "NativeLayerNormBackward0", {input, weight, bias},
          [k, eps, has_w, mean, rstd, cdt](autograd::FunctionNode& n,
                                           const variable_list& g) -> variable_list {
            if (!g[0].defined()) return {Tensor(), Tensor(), Tensor()};
            Tensor x0 = n.saved(0);
            Tensor w0 = has_w ? n.saved(1) : Tensor();
            if (!autograd::GradMode::is_enabled()) {
              // First-order backward: one fused kernel.
              Tensor x = prep(x0, cdt), gy = prep(g[0], cdt), w = prep(w0, cdt);
              int64_t M = mean.numel(), N = M > 0 ? x.numel() / M : 0;
              IntArrayRef ns = x.sizes().slice(static_cast<size_t>(x.dim() - k));
              Tensor gx =
                  n.needs_input_grad(0) ? make_tensor(x.sizes(), cdt, x.device()) : Tensor();
              TensorOptions o = TensorOptions(cdt).device(x.device());
              Tensor gw = has_w && n.needs_input_grad(1) ? zeros(ns, o) : Tensor();
              Tensor gb = n.needs_input_grad(2) ? zeros(ns, o) : Tensor();
              if (M > 0 && N > 0) {
                row_norm_backward_stub.get(x.device().type())(gy, x, M, N, mean.contiguous(),
                                                              rstd.contiguous(), w, gx, gw, gb);
              }
              return {cast(gx, x0.dtype()), cast(gw, has_w ? w0.dtype() : cdt),
                      cast(gb, g[0].dtype())};
            }
            Tensor x = x0.to(cdt), gy = g[0].to(cdt), w = cast(w0, cdt);
            DimVector dims;
            for (int64_t d = x.dim() - k; d < x.dim(); ++d) dims.push_back(d);
            Tensor m = mean, r = rstd;
            if (autograd::GradMode::is_enabled()) std::tie(m, r) = stats_of(x, dims, eps);
            Tensor xhat = (x - m) * r;
            Tensor gxhat = w.defined() ? gy * w : gy;
            Tensor gx, gw, gb;
            if (n.needs_input_grad(0)) gx = cast(norm_input_grad(gxhat, xhat, r, dims), x0.dtype());
            IntArrayRef nshape = x.sizes().slice(static_cast<size_t>(x.dim() - k));
            if (has_w && n.needs_input_grad(1)) {
              gw = cast(autograd::sum_to(gy * xhat, nshape), w0.dtype());
            }
            if (n.needs_input_grad(2)) gb = autograd::sum_to(gy, nshape).to(g[0].dtype());
            return {gx, gw, gb};
          })) {
    autograd::set_history(out, n);
    n->save(input);
    if (has_w) n->save(weight);
  }
  return {out, mean, rstd};
}

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                  double eps, bool cudnn_enable) {
  EMBER_AUTOCAST(fallthrough, fp32, layer_norm, input, normalized_shape, weight, bias, eps,
                 cudnn_enable);
  return std::get<0>(native_layer_norm(input, normalized_shape, weight, bias, eps));
}

// ---- group_norm ----

std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input,
                                                     const std::optional<Tensor>& weight_opt,
                                                     const std::optional<Tensor>& bias_opt,
                                                     int64_t N, int64_t C, int64_t HxW,
                                                     int64_t group, double eps) {
  Tensor weight = value_or_undefined(weight_opt), bias = value_or_undefined(bias_opt);
  EMBER_CHECK(group > 0 && C % group == 0,
              "[group_norm] Expected number of channels in input to "
              "be divisible by num_groups, but got input of shape ",
              input.sizes(), " and num_groups=", group);
  EMBER_CHECK(input.numel() == N * C * HxW, "[group_norm] Expected input of ", N * C * HxW,
              " elements (N=", N, ", C=", C, ", HxW=", HxW, "), but got input of size ",
              input.sizes());
  check_affine(weight, C, "weight", input, "group_norm");
  check_affine(bias, C, "bias", input, "group_norm");
  EMBER_CHECK(isFloatingType(input.dtype()), "[group_norm] \"group_norm\" not implemented for '",
              toString(input.dtype()), "'");
  int64_t G = group, D = C / G;
  ScalarType cdt = compute_dtype(input.dtype());
  Tensor x = prep(input, cdt);
  Tensor mean = make_tensor({N, G}, cdt, input.device());
  Tensor rstd;
  Tensor out = make_tensor(input.sizes(), cdt, input.device());
  {
    NoGradGuard ng;
    Tensor var = make_tensor({N, G}, cdt, input.device());
    if (N * G > 0) norm_moments_stub.get(input.device().type())(x, 1, N * G, D * HxW, mean, var);
    rstd = rsqrt_of(var + eps);
    if (x.numel() > 0) {
      Tensor r3 = rstd.view({N, G, 1}), m3 = mean.view({N, G, 1});
      Tensor scale =
          weight.defined() ? r3 * prep(weight, cdt).view({1, G, D}) : r3.expand({N, G, D});
      Tensor shift = bias.defined() ? prep(bias, cdt).view({1, G, D}) - m3 * scale : -(m3 * scale);
      channel_affine_stub.get(input.device().type())(out, x, 1, N * C, HxW, scale.contiguous(),
                                                     shift.contiguous());
    }
  }
  if (cdt != input.dtype()) out = out.to(input.dtype());

  bool has_w = weight.defined();
  if (auto n = autograd::make_node(
          "NativeGroupNormBackward0", {input, weight, bias},
          [N, C, HxW, G, D, eps, has_w, mean, rstd, cdt](autograd::FunctionNode& n,
                                                         const variable_list& g) -> variable_list {
            if (!g[0].defined()) return {Tensor(), Tensor(), Tensor()};
            Tensor x0 = n.saved(0);
            Tensor w0 = has_w ? n.saved(1) : Tensor();
            if (!autograd::GradMode::is_enabled()) {
              // First-order backward: one fused kernel.
              Tensor x = prep(x0, cdt), gy = prep(g[0], cdt), w = prep(w0, cdt);
              Tensor gx =
                  n.needs_input_grad(0) ? make_tensor(x.sizes(), cdt, x.device()) : Tensor();
              TensorOptions o = TensorOptions(cdt).device(x.device());
              Tensor gw = has_w && n.needs_input_grad(1) ? zeros({C}, o) : Tensor();
              Tensor gb = n.needs_input_grad(2) ? zeros({C}, o) : Tensor();
              if (x.numel() > 0) {
                group_norm_backward_stub.get(x.device().type())(gy, x, N, C, HxW, G, mean, rstd, w,
                                                                gx, gw, gb);
              }
              return {cast(gx, x0.dtype()), cast(gw, has_w ? w0.dtype() : cdt),
                      cast(gb, g[0].dtype())};
            }
            Tensor xg = x0.to(cdt).reshape({N, G, D * HxW});
            Tensor gy = g[0].to(cdt).reshape({N, C, HxW}), w = cast(w0, cdt);
            int64_t d2 = 2;
            IntArrayRef dims(d2);
            Tensor m = mean.view({N, G, 1}), r = rstd.view({N, G, 1});
            if (autograd::GradMode::is_enabled()) std::tie(m, r) = stats_of(xg, dims, eps);
            Tensor xhat_g = (xg - m) * r;
            Tensor xhat = xhat_g.reshape({N, C, HxW});
            Tensor gxhat = w.defined() ? gy * w.view({1, C, 1}) : gy;
            Tensor gx, gw, gb;
            if (n.needs_input_grad(0)) {
              gx = norm_input_grad(gxhat.reshape({N, G, D * HxW}), xhat_g, r, dims);
              gx = cast(gx.reshape(x0.sizes()), x0.dtype());
            }
            int64_t sd[2] = {0, 2};
            if (has_w && n.needs_input_grad(1)) {
              gw = cast((gy * xhat).sum(IntArrayRef(sd)), w0.dtype());
            }
            if (n.needs_input_grad(2)) gb = gy.sum(IntArrayRef(sd)).to(g[0].dtype());
            return {gx, gw, gb};
          })) {
    autograd::set_history(out, n);
    n->save(input);
    if (has_w) n->save(weight);
  }
  return {out, mean, rstd};
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps, bool cudnn_enabled) {
  EMBER_AUTOCAST(fallthrough, fp32, group_norm, input, num_groups, weight, bias, eps,
                 cudnn_enabled);
  EMBER_CHECK(input.dim() >= 2,
              "[group_norm] Expected at least 2 dimensions for input tensor "
              "but received ",
              input.dim());
  int64_t N = input.size(0), C = input.size(1);
  EMBER_CHECK(num_groups > 0 && C % num_groups == 0,
              "[group_norm] Expected number of channels "
              "in input to be divisible by num_groups, but got input of shape ",
              input.sizes(), " and num_groups=", num_groups);
  int64_t HxW = prod(input.sizes().slice(2));
  return std::get<0>(native_group_norm(input, weight, bias, N, C, HxW, num_groups, eps));
}

// ---- instance_norm, rms_norm ----

Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& weight_opt,
                     const std::optional<Tensor>& bias_opt,
                     const std::optional<Tensor>& running_mean_opt,
                     const std::optional<Tensor>& running_var_opt, bool use_input_stats,
                     double momentum, double eps, bool cudnn_enabled) {
  Tensor weight = value_or_undefined(weight_opt), bias = value_or_undefined(bias_opt);
  Tensor rmean = value_or_undefined(running_mean_opt);
  Tensor rvar = value_or_undefined(running_var_opt);
  EMBER_CHECK(use_input_stats || (rmean.defined() && rvar.defined()),
              "[instance_norm] Expected "
              "running_mean and running_var to be defined when use_input_stats is false");
  EMBER_CHECK(input.dim() >= 2,
              "[instance_norm] Expected input with at least 2 dims (N, C, ...), "
              "but got input of size ",
              input.sizes());
  int64_t N = input.size(0), C = input.size(1);
  check_affine(weight, C, "weight", input, "instance_norm");
  check_affine(bias, C, "bias", input, "instance_norm");
  DimVector shape(input.sizes().begin(), input.sizes().end());
  shape[0] = 1;
  shape[1] = N * C;
  // Instance norm is batch norm over [1, N * C, ...] with per-sample copies of the parameters.
  int64_t reps = N;
  IntArrayRef rep(reps);
  Tensor w = weight.defined() ? weight.repeat(rep) : Tensor();
  Tensor b = bias.defined() ? bias.repeat(rep) : Tensor();
  Tensor rm = rmean.defined() ? rmean.repeat(rep) : Tensor();
  Tensor rv = rvar.defined() ? rvar.repeat(rep) : Tensor();
  Tensor out =
      batch_norm(input.reshape(shape), w, b, rm, rv, use_input_stats, momentum, eps, cudnn_enabled);
  if (use_input_stats) {
    NoGradGuard ng;
    if (rmean.defined()) rmean.copy_(rm.view({N, C}).mean(IntArrayRef{0}, false));
    if (rvar.defined()) rvar.copy_(rv.view({N, C}).mean(IntArrayRef{0}, false));
  }
  return out.view(input.sizes());
}

Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape,
                const std::optional<Tensor>& weight_opt, std::optional<double> eps) {
  Tensor weight = value_or_undefined(weight_opt);
  int64_t k = static_cast<int64_t>(normalized_shape.size());
  EMBER_CHECK(k >= 1,
              "[rms_norm] Expected normalized_shape to be at least 1-dimensional, i.e., "
              "containing at least one element, but got normalized_shape = ",
              normalized_shape);
  EMBER_CHECK(!weight.defined() || weight.sizes() == normalized_shape,
              "[rms_norm] Expected "
              "weight to be of same shape as normalized_shape, but got weight of shape ",
              weight.sizes(), " and normalized_shape = ", normalized_shape);
  EMBER_CHECK(input.dim() >= k &&
                  input.sizes().slice(static_cast<size_t>(input.dim() - k)) == normalized_shape,
              "[rms_norm] Given normalized_shape=", normalized_shape,
              ", expected input with trailing shape ", normalized_shape, ", but got input of size",
              input.sizes());
  EMBER_CHECK(isFloatingType(input.dtype()), "[rms_norm] \"rms_norm\" not implemented for '",
              toString(input.dtype()), "'");
  double e = 0;
  if (eps) {
    e = *eps;
  } else {
    switch (input.dtype()) {
      case kDouble:
        e = 2.220446049250313e-16;
        break;
      case kHalf:
        e = 0.0009765625;
        break;
      case kBFloat16:
        e = 0.0078125;
        break;
      default:
        e = 1.1920928955078125e-07;
        break;
    }
  }
  DimVector dims;
  for (int64_t d = input.dim() - k; d < input.dim(); ++d) dims.push_back(d);
  Tensor y = input * rsqrt_of((input * input).mean(dims, true) + e);
  return weight.defined() ? y * weight : y;
}

}  // namespace ember
