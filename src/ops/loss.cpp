// Classification and regression losses: nll_loss (+2d, nd), cross_entropy_loss, mse_loss,
// binary_cross_entropy(_with_logits), l1, smooth_l1, huber, kl_div, poisson_nll, gaussian_nll.
// Ops that PyTorch implements with its own backward record a node of PyTorch's name whose
// formula is written with ember ops (double backward works); PyTorch's composites are the same
// composites here, so their grad_fn names come out as in PyTorch.
#include "ember/ops/loss.h"

#include <cstdlib>
#include <cstring>
#include <optional>

#include "ember/autograd/function_node.h"
#include "ember/autograd/grad_mode.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/kernels/loss.h"
#include "src/ops/loss_util.h"

namespace ember {

void check_reduction(int64_t reduction, const char* op) {
  EMBER_CHECK(reduction >= Reduction::None && reduction < Reduction::END, "[", op, "] ", reduction,
              " is not a valid value for reduction");
}

Tensor apply_loss_reduction(const Tensor& loss, int64_t reduction) {
  if (reduction == Reduction::Mean) return loss.mean();
  if (reduction == Reduction::Sum) return loss.sum();
  return loss;
}

Tensor opt_tensor(const std::optional<Tensor>& t) { return t && t->defined() ? *t : Tensor(); }

Tensor fit_grad(const Tensor& g, const Tensor& like) {
  Tensor r = autograd::sum_to(g, like.sizes());
  return r.dtype() == like.dtype() ? r : r.to(like.dtype());
}

Tensor sign_of(const Tensor& d) { return (d > 0).to(d.dtype()) - (d < 0).to(d.dtype()); }

Tensor log_sigmoid_of(const Tensor& x) {
  Tensor m = clamp_min(-x, 0);
  return -(m + ((-m).exp() + (-x - m).exp()).log());
}

namespace {

// Gradient scale of a reduced loss: g / numel for mean, g for sum and none.
Tensor scale_grad(const Tensor& g, int64_t reduction, int64_t numel) {
  return reduction == Reduction::Mean ? g / static_cast<double>(numel) : g;
}

// ---- nll_loss ---------------------------------------------------------------------------------

void check_nll_target(const Tensor& target, const char* op) {
  EMBER_CHECK(target.dtype() == kLong, "[", op, "] expected scalar type Long but found ",
              toString(target.dtype()));
}

void check_nll_weight(const Tensor& w, int64_t n_classes, const char* op) {
  EMBER_CHECK(!w.defined() || (w.dim() == 1 && w.numel() == n_classes), "[", op,
              "] weight tensor should be defined either for all ", n_classes,
              " classes or no classes but got weight tensor of shape: ", w.sizes());
}

// d loss / d input: -w[t] * g (/ total weight for mean) at the target class, 0 elsewhere. Linear
// in g and written as a scatter, so double backward works.
Tensor nll_backward(const Tensor& g, const Tensor& self, const Tensor& target, const Tensor& weight,
                    int64_t reduction, int64_t ignore_index, const Tensor& total_weight) {
  int64_t cdim = self.dim() == 1 ? 0 : 1;
  Tensor valid = target != ignore_index;
  Tensor t = target.masked_fill(logical_not(valid), 0);
  Tensor coef = valid.to(g.dtype());
  if (weight.defined()) coef = coef * weight.to(g.dtype()).take(t);
  Tensor gs = g;
  // total_weight stays a tensor (no wait for the device); 0 (all ignored) divides by 1.
  if (reduction == Reduction::Mean)
    gs = g / where(total_weight == 0, ones_like(total_weight), total_weight);
  Tensor src = -(coef * gs);
  return zeros(self.sizes(), self.options()).scatter(cdim, t.unsqueeze(cdim), src.unsqueeze(cdim));
}

// self: (C), (N, C) or (N, C, d1, ...) with target of self's shape without the class dim.
Tensor nll_core(const Tensor& self, const Tensor& target, const Tensor& weight, int64_t reduction,
                int64_t ignore_index, const char* op, const char* node) {
  check_reduction(reduction, op);
  EMBER_CHECK(isFloatingType(self.dtype()), "[", op, "] \"", op, "\" not implemented for '",
              toString(self.dtype()), "'");
  bool unbatched = self.dim() == 1;
  int64_t N = unbatched ? 1 : self.size(0);
  int64_t C = unbatched ? self.size(0) : self.size(1);
  int64_t K = unbatched ? 1 : self.numel() / std::max<int64_t>(N * C, 1);
  if (!unbatched && N * C == 0) {
    K = 1;
    for (int64_t d = 2; d < self.dim(); ++d) K *= self.size(d);
  }
  ScalarType dt = self.dtype();
  Tensor x = self.detach().contiguous();
  Tensor t = target.contiguous();
  Tensor w = weight.defined() ? weight.detach().to(dt).contiguous() : Tensor();
  Tensor out = reduction == Reduction::None ? make_tensor(target.sizes(), dt, self.device())
                                            : make_tensor({}, dt, self.device());
  Tensor tw = make_tensor({}, dt, self.device());
  nll_loss_stub.get(self.device().type())(out, tw, x, t, w, N, C, K, reduction, ignore_index);
  Tensor total = tw;
  if (auto n = autograd::make_node(
          node, {self},
          [reduction, ignore_index, total, w](autograd::FunctionNode& n, const variable_list& g) {
            return variable_list{
                nll_backward(g[0], n.saved(0), n.saved(1), w, reduction, ignore_index, total)};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(target);
  }
  return out;
}

}  // namespace

Tensor nll_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight_opt,
                int64_t reduction, int64_t ignore_index) {
  EMBER_AUTOCAST(fp32, fp32, nll_loss, self, target, weight_opt, reduction, ignore_index);
  Tensor weight = opt_tensor(weight_opt);
  EMBER_CHECK(self.dim() > 0 && self.dim() <= 2, "[nll_loss] input tensor should be 1D or 2D");
  EMBER_CHECK(target.dim() <= 1,
              "[nll_loss] 0D or 1D target tensor expected, multi-target not supported");
  check_nll_target(target, "nll_loss");
  bool no_batch_dim = self.dim() == 1 && target.dim() == 0;
  EMBER_CHECK(no_batch_dim || self.size(0) == target.size(0),
              "[nll_loss] size mismatch (got input: ", self.sizes(), ", target: ", target.sizes(),
              ")");
  check_nll_weight(weight, self.size(-1), "nll_loss");
  return nll_core(self, target, weight, reduction, ignore_index, "nll_loss", "NllLossBackward0");
}

Tensor nll_loss2d(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight_opt,
                  int64_t reduction, int64_t ignore_index) {
  EMBER_AUTOCAST(fp32, fp32, nll_loss2d, self, target, weight_opt, reduction, ignore_index);
  Tensor weight = opt_tensor(weight_opt);
  check_nll_target(target, "nll_loss2d");
  EMBER_CHECK(self.dim() == 4,
              "[nll_loss2d] only batches of spatial inputs supported (4D tensors), but got input "
              "of size: ",
              self.sizes());
  EMBER_CHECK(target.dim() == 3,
              "[nll_loss2d] only batches of spatial targets supported (3D tensors) but got "
              "targets of size: ",
              target.sizes());
  EMBER_CHECK(self.size(0) == target.size(0) && self.size(2) == target.size(1) &&
                  self.size(3) == target.size(2),
              "[nll_loss2d] input and target batch or spatial sizes don't match: target ",
              target.sizes(), ", input ", self.sizes());
  check_nll_weight(weight, self.size(1), "nll_loss2d");
  return nll_core(self, target, weight, reduction, ignore_index, "nll_loss2d",
                  "NllLoss2DBackward0");
}

Tensor nll_loss_nd(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight,
                   int64_t reduction, int64_t ignore_index) {
  EMBER_AUTOCAST(fp32, fp32, nll_loss_nd, self, target, weight, reduction, ignore_index);
  EMBER_CHECK(self.dim() >= 1, "[nll_loss] Expected 1 or more dimensions (got ", self.dim(), ")");
  EMBER_CHECK(self.dim() == 1 || (target.dim() >= 1 && self.size(0) == target.size(0)),
              "[nll_loss] Expected input batch_size (", self.size(0),
              ") to match target batch_size (", target.dim() >= 1 ? target.size(0) : 0, ").");
  if (self.dim() <= 2) return nll_loss(self, target, weight, reduction, ignore_index);
  if (self.dim() == 4) return nll_loss2d(self, target, weight, reduction, ignore_index);
  int64_t n = self.size(0), c = self.size(1);
  std::vector<int64_t> out_size{n};
  for (int64_t d = 2; d < self.dim(); ++d) out_size.push_back(self.size(d));
  EMBER_CHECK(target.sizes() == IntArrayRef(out_size), "[nll_loss] Expected target size ",
              IntArrayRef(out_size), ", got ", target.sizes());
  Tensor in = self.contiguous();
  Tensor tg = target.contiguous();
  if (in.numel() > 0) {
    in = in.view({n, c, 1, -1});
  } else {
    in = in.view({n, c, 0, 0});
  }
  if (tg.numel() > 0) {
    tg = tg.view({n, 1, -1});
  } else {
    tg = tg.view({n, 0, 0});
  }
  Tensor r = nll_loss2d(in, tg, weight, reduction, ignore_index);
  return reduction == Reduction::None ? r.view(out_size) : r;
}

// ---- cross_entropy ----------------------------------------------------------------------------

namespace {

// weight viewed as [1, C, 1, ...] against an input with `dim` dims.
Tensor class_weight_view(const Tensor& weight, int64_t dim) {
  if (dim <= 1) return weight;
  std::vector<int64_t> shape(static_cast<size_t>(dim), 1);
  shape[1] = weight.size(0);
  return weight.view(shape);
}

Tensor cross_entropy_probs(const Tensor& self, const Tensor& target_in, const Tensor& weight,
                           int64_t reduction, double label_smoothing) {
  int64_t cdim = self.dim() == 1 ? 0 : 1;
  int64_t n_classes = self.size(cdim);
  EMBER_CHECK(isFloatingType(target_in.dtype()),
              "[cross_entropy] Expected floating point type for target with class "
              "probabilities, got ",
              toString(target_in.dtype()));
  Tensor target = target_in;
  if (label_smoothing > 0) target = target * (1 - label_smoothing) + label_smoothing / n_classes;
  Tensor input = log_softmax(self, cdim, self.dtype());
  Tensor prod = input * target;
  if (weight.defined()) {
    check_nll_weight(weight, n_classes, "cross_entropy");
    prod = prod * class_weight_view(weight, self.dim());
  }
  if (reduction == Reduction::Mean) {
    if (input.numel() == 0) return -prod.sum() * std::numeric_limits<double>::quiet_NaN();
    return -prod.sum() / static_cast<double>(input.numel() / n_classes);
  }
  if (reduction == Reduction::Sum) return -prod.sum();
  return -prod.sum(IntArrayRef{cdim});
}

Tensor cross_entropy_smoothing(const Tensor& self, const Tensor& target, const Tensor& weight,
                               int64_t reduction, int64_t ignore_index, double label_smoothing) {
  int64_t cdim = self.dim() == 1 ? 0 : 1;
  int64_t n_classes = self.size(cdim);
  Tensor input = log_softmax(self, cdim, self.dtype());
  Tensor nll = nll_loss_nd(input, target, weight, reduction, ignore_index);
  Tensor ignore_mask = target == ignore_index;
  Tensor smooth = weight.defined()
                      ? -(input * class_weight_view(weight, self.dim())).sum(IntArrayRef{cdim})
                      : -input.sum(IntArrayRef{cdim});
  smooth = smooth.masked_fill(ignore_mask, 0.0);
  Tensor ret;
  if (reduction == Reduction::Mean) {
    Tensor keep = logical_not(ignore_mask);
    if (weight.defined()) {
      ret = smooth.sum() / weight.take(target.masked_select(keep)).sum();
    } else {
      ret = smooth.sum() / keep.sum();
    }
  } else if (reduction == Reduction::Sum) {
    ret = smooth.sum();
  } else {
    ret = smooth;
  }
  return (1 - label_smoothing) * nll + ret * (label_smoothing / n_classes);
}

// Note [Fused cross entropy]
// On CUDA, cross entropy with class targets over [N, C] logits (no label smoothing) runs as two
// kernels (src/cuda/cross_entropy.cu) instead of log_softmax + nll_loss and, under autocast, the
// cast to float before them: the forward reads each row once for its logsumexp and loss and keeps
// only the logsumexp per row; the backward writes scale * (softmax - onehot) straight in the
// logits' dtype. 16-bit logits under autocast are read as they are and computed in float, which is
// what the (exact) cast to float followed by the float kernels computes; the gradient is rounded
// once to the logits' dtype, as the cast's backward does. 16-bit logits without autocast keep the
// composite (PyTorch rounds the log_softmax output there). For GPT-2's [16384, 50257] bfloat16
// logits this replaces ~9 passes over float buffers of 3.3 GB with 3 over the 1.6 GB of logits,
// and the 3.3 GB log_softmax output kept for backward with 64 KB. Double backward (create_graph)
// runs the same formula from differentiable ops.
// x itself where its rows are contiguous (a slice of wider rows, as a padded product's output),
// else a contiguous copy.
Tensor rows_contiguous(const Tensor& x) {
  if (x.size(0) <= 1 || x.size(1) <= 1) return x.contiguous();
  return x.stride(1) == 1 && x.stride(0) >= x.size(1) ? x : x.contiguous();
}

// Note [Pitched logits gradient]
// The gradient of [N, C] logits goes, in a language model, to the lm-head's two products (g W and
// g^T x), and cuBLAS's fast kernels want every row of an operand to start on a 16-byte boundary.
// With C = 50257 (GPT-2's vocabulary) a contiguous gradient's rows do not, so those products ran
// on padded copies of it (Note [Padded GEMM operands] in src/cuda/blas.cpp): two more passes over
// 1.6 GB per step. The fused backward instead writes the gradient into rows padded to 16 bytes
// (zeros in the padding) and returns the [N, C] slice of them; its values are the same, only its
// strides differ, which a gradient may (PyTorch's expand and slice backwards give strided
// gradients too; a leaf's .grad still gets the variable's layout from AccumulateGrad), and the
// products read it in place. Only for C >= 1024 whose rows are not already aligned;
// EMBER_CUDA_CE_PITCH=0 returns contiguous gradients.
Tensor pitched_logits_grad(const Tensor& x) {
  static const bool enabled = [] {
    const char* e = std::getenv("EMBER_CUDA_CE_PITCH");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  const int64_t N = x.size(0), C = x.size(1);
  const auto per16 = static_cast<int64_t>(16 / x.element_size());
  if (!enabled || N <= 1 || C < 1024 || C % per16 == 0)
    return make_tensor(x.sizes(), x.scalar_type(), x.device());
  const int64_t ld = (C + per16 - 1) / per16 * per16;
  return make_tensor({N, ld}, x.scalar_type(), x.device()).narrow(1, 0, C);
}

std::optional<Tensor> fused_cross_entropy(const Tensor& self, const Tensor& target,
                                          const std::optional<Tensor>& weight_opt,
                                          int64_t reduction, int64_t ignore_index,
                                          double label_smoothing) {
  if (!self.defined() || !self.is_cuda() ||
      cross_entropy_fwd_stub.table[static_cast<int>(kCUDA)] == nullptr ||
      cross_entropy_bwd_stub.table[static_cast<int>(kCUDA)] == nullptr)
    return std::nullopt;
  if (self.dim() != 2 || label_smoothing != 0 || !target.defined() || target.dim() != 1 ||
      target.dtype() != kLong || target.device() != self.device() ||
      target.size(0) != self.size(0) || self.size(1) == 0 || reduction < Reduction::None ||
      reduction > Reduction::Sum)
    return std::nullopt;
  const ScalarType dt = self.scalar_type();
  const bool low = dt == kHalf || dt == kBFloat16;
  const bool autocast_to_float = autocast::detail::active() && autocast::detail::enabled_for(kCUDA);
  if (!(dt == kFloat || dt == kDouble || (low && autocast_to_float))) return std::nullopt;
  Tensor weight = opt_tensor(weight_opt);
  if (weight.defined() && (weight.dim() != 1 || weight.size(0) != self.size(1) ||
                           weight.device() != self.device() || !isFloatingType(weight.dtype())))
    return std::nullopt;
  const ScalarType acc = dt == kDouble ? kDouble : kFloat;
  const int64_t N = self.size(0);
  Tensor loss = make_tensor({N}, acc, self.device()), wsum = make_tensor({N}, acc, self.device()),
         lse = make_tensor({N}, acc, self.device());
  {
    NoGradGuard ng;
    Tensor x = rows_contiguous(self.detach());
    Tensor w = weight.defined() ? weight.detach().to(acc).contiguous() : Tensor();
    if (N > 0) cross_entropy_fwd_stub.get(kCUDA)(loss, wsum, lse, x, target, w, ignore_index);
  }
  Tensor out;
  {
    NoGradGuard ng;
    if (reduction == Reduction::None) {
      out = loss;
    } else if (reduction == Reduction::Sum) {
      out = loss.sum();
    } else {
      out = loss.sum() / wsum.sum();  // 0 / 0 = NaN when every target is ignored, as nll_loss
    }
  }
  if (auto n = autograd::make_node(
          "NllLossBackward0", {self},
          [reduction, acc](autograd::FunctionNode& n, const variable_list& g) {
            Tensor x = n.saved(0), t = n.saved(1), lse = n.saved(2), wsum = n.saved(3);
            Tensor go = g[0].to(acc);
            Tensor scale;
            if (reduction == Reduction::Mean) {
              Tensor tw = wsum.sum();
              scale = wsum * (go / where(tw == 0, ones_like(tw), tw));
            } else {
              scale = wsum * go;
            }
            if (autograd::GradMode::is_enabled()) {
              // create_graph: the same formula from differentiable ops.
              Tensor p = softmax(x.to(acc), 1);
              Tensor onehot = zeros_like(p).scatter(1, t.clamp_min(0).unsqueeze(1), 1.0);
              return variable_list{((p - onehot) * scale.unsqueeze(1)).to(x.scalar_type())};
            }
            Tensor gi = pitched_logits_grad(x);
            cross_entropy_bwd_stub.get(kCUDA)(gi, rows_contiguous(x), t, lse, scale);
            return variable_list{gi};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(target);
    n->save(lse);
    n->save(wsum);
  }
  return out;
}

}  // namespace

Tensor cross_entropy_loss(const Tensor& self, const Tensor& target,
                          const std::optional<Tensor>& weight_opt, int64_t reduction,
                          int64_t ignore_index, double label_smoothing) {
  if (auto fused =
          fused_cross_entropy(self, target, weight_opt, reduction, ignore_index, label_smoothing))
    return *fused;
  EMBER_AUTOCAST(fp32, fp32, cross_entropy_loss, self, target, weight_opt, reduction, ignore_index,
                 label_smoothing);
  Tensor weight = opt_tensor(weight_opt);
  check_reduction(reduction, "cross_entropy");
  EMBER_CHECK(self.dim() >= 1, "[cross_entropy] Expected 1 or more dimensions (got ", self.dim(),
              ")");
  EMBER_CHECK(
      label_smoothing >= 0.0 && label_smoothing <= 1.0,
      "[cross_entropy] label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  if (self.sizes() == target.sizes()) {
    EMBER_CHECK(ignore_index < 0,
                "[cross_entropy] ignore_index is not supported for floating point target");
    return cross_entropy_probs(self, target, weight, reduction, label_smoothing);
  }
  if (label_smoothing > 0) {
    check_nll_target(target, "cross_entropy");
    return cross_entropy_smoothing(self, target, weight, reduction, ignore_index, label_smoothing);
  }
  int64_t cdim = self.dim() == 1 ? 0 : 1;
  return nll_loss_nd(log_softmax(self, cdim, self.dtype()), target, weight, reduction,
                     ignore_index);
}

// ---- mse, bce ---------------------------------------------------------------------------------

Tensor mse_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, mse_loss, self, target, reduction);
  check_reduction(reduction, "mse_loss");
  Tensor a = self.detach(), b = target.detach();
  IterConfig c;
  c.op = "mse_loss";
  TensorIterator it = TensorIterator::build(c, Tensor(), a, b);
  if (it.numel() > 0) {
    mse_stub.get(self.device().type())(it);
  } else {
    visit_floating_types(it.common_dtype(), "mse_loss", []<class T>() {});
  }
  Tensor loss = it.output();
  int64_t numel = loss.numel();
  Tensor out = apply_loss_reduction(loss, reduction);
  if (auto n = autograd::make_node(
          "MseLossBackward0", {self, target},
          [reduction, numel](autograd::FunctionNode& n, const variable_list& g) {
            Tensor s = n.saved(0), t = n.saved(1);
            Tensor d = (s - t) * scale_grad(g[0] * 2, reduction, numel);
            return variable_list{n.needs_input_grad(0) ? fit_grad(d, s) : Tensor(),
                                 n.needs_input_grad(1) ? fit_grad(-d, t) : Tensor()};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(target);
  }
  return out;
}

Tensor binary_cross_entropy(const Tensor& self, const Tensor& target,
                            const std::optional<Tensor>& weight_opt, int64_t reduction) {
  EMBER_AUTOCAST(fp32, banned, binary_cross_entropy, self, target, weight_opt, reduction);
  check_reduction(reduction, "binary_cross_entropy");
  Tensor weight = opt_tensor(weight_opt);
  if (weight.defined()) weight = weight.detach();
  Tensor a = self.detach(), b = target.detach();
  IterConfig c;
  c.op = "binary_cross_entropy";
  TensorIterator it = TensorIterator::build(c, Tensor(), a, b);
  if (it.numel() > 0) {
    bce_stub.get(self.device().type())(it);
  } else {
    visit_floating_types(it.common_dtype(), "binary_cross_entropy", []<class T>() {});
  }
  Tensor loss = it.output();
  if (weight.defined()) loss = loss * weight;
  int64_t numel = loss.numel();
  Tensor out = apply_loss_reduction(loss, reduction);
  if (auto n = autograd::make_node(
          "BinaryCrossEntropyBackward0", {self, target},
          [reduction, numel, w = weight](autograd::FunctionNode& n, const variable_list& g) {
            Tensor x = n.saved(0), t = n.saved(1);
            Tensor gs = scale_grad(g[0], reduction, numel);
            if (w.defined()) gs = gs * w;
            Tensor gx, gt;
            if (n.needs_input_grad(0))
              gx = fit_grad(gs * (x - t) / clamp_min((1 - x) * x, 1e-12), x);
            if (n.needs_input_grad(1)) gt = fit_grad(gs * ((1 - x).log() - x.log()), t);
            return variable_list{gx, gt};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(target);
  }
  return out;
}

Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                        const std::optional<Tensor>& weight_opt,
                                        const std::optional<Tensor>& pos_weight_opt,
                                        int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, binary_cross_entropy_with_logits, self, target, weight_opt,
                 pos_weight_opt, reduction);
  check_reduction(reduction, "binary_cross_entropy_with_logits");
  Tensor w = opt_tensor(weight_opt), pw = opt_tensor(pos_weight_opt);
  if (w.defined()) w = w.detach();
  if (pw.defined()) pw = pw.detach();
  Tensor loss;
  {
    NoGradGuard ng;
    Tensor x = self.detach(), t = target.detach();
    Tensor max_val = clamp_min(-x, 0);
    Tensor lse = ((-max_val).exp() + (-x - max_val).exp()).log() + max_val;
    if (pw.defined()) {
      loss = (1 - t) * x + ((pw - 1) * t + 1) * lse;
    } else {
      loss = (1 - t) * x + lse;
    }
    if (w.defined()) loss = loss * w;
  }
  int64_t numel = loss.numel();
  Tensor out;
  {
    NoGradGuard ng;
    out = apply_loss_reduction(loss, reduction);
  }
  if (auto n = autograd::make_node(
          "BinaryCrossEntropyWithLogitsBackward0", {self, target},
          [reduction, numel, w, pw](autograd::FunctionNode& n, const variable_list& g) {
            Tensor x = n.saved(0), t = n.saved(1);
            Tensor gs = scale_grad(g[0], reduction, numel);
            if (w.defined()) gs = gs * w;
            Tensor gx, gt;
            if (n.needs_input_grad(0)) {
              Tensor d = pw.defined() ? (pw * t + 1 - t) * x.sigmoid() - pw * t : x.sigmoid() - t;
              gx = fit_grad(gs * d, x);
            }
            if (n.needs_input_grad(1)) {
              Tensor d = pw.defined() ? (1 - pw) * log_sigmoid_of(x) - x : -x;
              gt = fit_grad(gs * d, t);
            }
            return variable_list{gx, gt};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(target);
  }
  return out;
}

// ---- l1, smooth_l1, huber ---------------------------------------------------------------------

Tensor l1_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, l1_loss, self, target, reduction);
  check_reduction(reduction, "l1_loss");
  return apply_loss_reduction((self - target).abs(), reduction);
}

namespace {

// smooth_l1 (is_huber false, `param` = beta) and huber (`param` = delta) share the shape:
// quadratic inside |d| < param, linear outside.
Tensor smooth_loss(const Tensor& self, const Tensor& target, int64_t reduction, double param,
                   bool is_huber) {
  const char* op = is_huber ? "huber_loss" : "smooth_l1_loss";
  check_reduction(reduction, op);
  EMBER_CHECK(param >= 0, "[", op, "] ",
              is_huber ? "huber_loss does not support negative values for delta."
                       : "smooth_l1_loss does not support negative values for beta.");
  if (is_huber)
    EMBER_CHECK(param > 0,
                "[huber_loss] huber_loss does not support non-positive values for delta.");
  Tensor loss;
  {
    NoGradGuard ng;
    Tensor d = self.detach() - target.detach();
    EMBER_CHECK(isFloatingType(d.dtype()), "[", op, "] \"", op, "\" not implemented for '",
                toString(d.dtype()), "'");
    Tensor ad = d.abs();
    if (is_huber) {
      loss = where(ad < param, d * d * 0.5, (ad - 0.5 * param) * param);
    } else if (param == 0) {
      loss = ad;
    } else {
      loss = where(ad < param, d * d * (0.5 / param), ad - 0.5 * param);
    }
    loss = apply_loss_reduction(loss, reduction);
  }
  int64_t numel = 1;
  for (int64_t k : infer_size(self.sizes(), target.sizes(), op)) numel *= k;
  if (auto n = autograd::make_node(
          is_huber ? "HuberLossBackward0" : "SmoothL1LossBackward0", {self, target},
          [reduction, numel, param, is_huber](autograd::FunctionNode& n, const variable_list& g) {
            Tensor s = n.saved(0), t = n.saved(1);
            Tensor d = s - t;
            Tensor dd;
            if (is_huber) {
              dd = where(d.abs() < param, d, sign_of(d) * param);
            } else if (param == 0) {
              dd = sign_of(d);
            } else {
              dd = where(d.abs() < param, d / param, sign_of(d));
            }
            Tensor gd = scale_grad(g[0], reduction, numel) * dd;
            return variable_list{n.needs_input_grad(0) ? fit_grad(gd, s) : Tensor(),
                                 n.needs_input_grad(1) ? fit_grad(-gd, t) : Tensor()};
          })) {
    autograd::set_history(loss, n);
    n->save(self);
    n->save(target);
  }
  return loss;
}

}  // namespace

Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, int64_t reduction, double beta) {
  EMBER_AUTOCAST(fp32, fp32, smooth_l1_loss, self, target, reduction, beta);
  return smooth_loss(self, target, reduction, beta, false);
}
Tensor huber_loss(const Tensor& self, const Tensor& target, int64_t reduction, double delta) {
  EMBER_AUTOCAST(fp32, fp32, huber_loss, self, target, reduction, delta);
  return smooth_loss(self, target, reduction, delta, true);
}

// ---- kl_div, poisson_nll, gaussian_nll --------------------------------------------------------

Tensor kl_div(const Tensor& self, const Tensor& target, int64_t reduction, bool log_target) {
  EMBER_AUTOCAST(fp32, fp32, kl_div, self, target, reduction, log_target);
  check_reduction(reduction, "kl_div");
  Tensor out;
  if (log_target) {
    out = target.exp() * (target - self);
  } else {
    // xlogy(t, t) - t * input; xlogy(0, 0) = 0.
    out = target * where(target == 0, ones_like(target), target).log() - target * self;
  }
  return apply_loss_reduction(out, reduction);
}

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, bool log_input, bool full,
                        double eps, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, poisson_nll_loss, input, target, log_input, full, eps, reduction);
  check_reduction(reduction, "poisson_nll_loss");
  Tensor loss = log_input ? input.exp() - target * input : input - target * (input + eps).log();
  if (full) {
    Tensor stirling = target * target.log() - target + 0.5 * (2 * M_PI * target).log();
    loss = loss + stirling.masked_fill(target <= 1, 0);
  }
  return apply_loss_reduction(loss, reduction);
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var_in, bool full,
                         double eps, int64_t reduction) {
  check_reduction(reduction, "gaussian_nll_loss");
  Tensor var = var_in;
  if (var.sizes() != input.sizes()) {
    IntArrayRef lead = input.dim() > 0 ? input.sizes().slice(0, input.dim() - 1) : input.sizes();
    if (lead == var.sizes()) {
      var = var.unsqueeze(-1);
    } else {
      bool hetero =
          var.dim() > 0 && var.size(-1) == 1 && lead == var.sizes().slice(0, var.dim() - 1);
      EMBER_CHECK(hetero, "[gaussian_nll_loss] var is of incorrect size");
    }
  }
  {
    NoGradGuard ng;
    EMBER_CHECK(!(var < 0).any().item<bool>(),
                "[gaussian_nll_loss] var has negative entry/entries");
  }
  // Clamped value, identity gradient (PyTorch clamps a clone under no_grad).
  Tensor clamped = clamp_min(var.detach(), eps);
  var = var + (clamped - var.detach());
  Tensor loss = 0.5 * (var.log() + (input - target).pow(2) / var);
  if (full) loss = loss + 0.5 * std::log(2 * M_PI);
  return apply_loss_reduction(loss, reduction);
}

}  // namespace ember
