// Margin and embedding losses: margin_ranking, hinge_embedding, cosine_embedding, soft_margin,
// multi_margin, multilabel_margin, triplet_margin (+ pairwise_distance). Composites where
// PyTorch's are composites; own nodes (PyTorch's names) with ember-op formulas otherwise.
#include "ember/autograd/function_node.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/index.h"
#include "ember/ops/loss.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"
#include "src/ops/loss_util.h"

namespace ember {

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           double margin, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, margin_ranking_loss, input1, input2, target, margin, reduction);
  check_reduction(reduction, "margin_ranking_loss");
  return apply_loss_reduction(clamp_min(-target * (input1 - input2) + margin, 0), reduction);
}

Tensor hinge_embedding_loss(const Tensor& self, const Tensor& target, double margin,
                            int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, hinge_embedding_loss, self, target, margin, reduction);
  check_reduction(reduction, "hinge_embedding_loss");
  Tensor zeros = zeros_like(self);
  Tensor margin_clamp = clamp_min(margin - self, 0);
  Tensor out_margin = where(target != 1, margin_clamp, zeros);
  Tensor out_self = where(target != -1, self, zeros);
  return apply_loss_reduction(out_margin + out_self, reduction);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             double margin, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, cosine_embedding_loss, input1, input2, target, margin, reduction);
  check_reduction(reduction, "cosine_embedding_loss");
  int64_t td = target.dim();
  EMBER_CHECK(td == 1 || td == 0,
              "[cosine_embedding_loss] 0D or 1D target tensor expected, multi-target not "
              "supported");
  if (td == 1) {
    EMBER_CHECK(input1.dim() == 2 && input2.dim() == 2,
                "[cosine_embedding_loss] 1D target tensor expects 2D input tensors, but found "
                "inputs with sizes ",
                input1.sizes(), " and ", input2.sizes(), ".");
  } else {
    EMBER_CHECK(input1.dim() == 1 && input2.dim() == 1,
                "[cosine_embedding_loss] 0D target tensor expects 1D input tensors, but found "
                "inputs with sizes ",
                input1.sizes(), " and ", input2.sizes(), ".");
  }
  const double kEps = 1e-12;
  std::vector<int64_t> dim{td};
  Tensor prod_sum = (input1 * input2).sum(dim);
  Tensor mag1 = (input1 * input1).sum(dim) + kEps;
  Tensor mag2 = (input2 * input2).sum(dim) + kEps;
  Tensor cos = prod_sum / (mag1 * mag2).sqrt();
  Tensor zeros = zeros_like(cos);
  Tensor pos = 1 - cos;
  Tensor neg = clamp_min(cos - margin, 0);
  Tensor out = where(target == 1, pos, zeros) + where(target == -1, neg, zeros);
  return apply_loss_reduction(out, reduction);
}

Tensor soft_margin_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, soft_margin_loss, self, target, reduction);
  check_reduction(reduction, "soft_margin_loss");
  Tensor out;
  {
    NoGradGuard ng;
    out = apply_loss_reduction((1 + (-self.detach() * target.detach()).exp()).log(), reduction);
  }
  int64_t numel = self.numel();
  if (auto n = autograd::make_node(
          "SoftMarginLossBackward0", {self},
          [reduction, numel](autograd::FunctionNode& n, const variable_list& g) {
            Tensor x = n.saved(0), t = n.saved(1);
            Tensor gs = reduction == Reduction::Mean ? g[0] / static_cast<double>(numel) : g[0];
            return variable_list{fit_grad(-gs * t * (-t * x).sigmoid(), x)};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(target);
  }
  return out;
}

namespace {

// Per-sample multi_margin loss of x (N, C) against y (N, 1): sum over j != y of
// max(0, margin - x[y] + x[j])^p * w[y] / C; written with ember ops for forward and backward.
struct MultiMarginParts {
  Tensor z, active, coef;  // z: margin - x[y] + x; active: (z > 0) and j != y; coef: w[y] / C
};

MultiMarginParts multi_margin_parts(const Tensor& x, const Tensor& y, double margin,
                                    const Tensor& w) {
  int64_t C = x.size(1);
  Tensor z = margin - x.gather(1, y) + x;
  Tensor not_y = arange(C, TensorOptions().dtype(kLong).device(x.device())).unsqueeze(0) != y;
  Tensor active = ((z > 0) & not_y).to(x.dtype());
  Tensor coef = w.defined() ? w.to(x.dtype()).take(y) / static_cast<double>(C)
                            : full({1, 1}, 1.0 / static_cast<double>(C), x.options());
  return {z, active, coef};
}

}  // namespace

Tensor multi_margin_loss(const Tensor& self, const Tensor& target, const Scalar& p_s,
                         const Scalar& margin_s, const std::optional<Tensor>& weight_opt,
                         int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, multi_margin_loss, self, target, p_s, margin_s, weight_opt, reduction);
  check_reduction(reduction, "multi_margin_loss");
  Tensor weight = opt_tensor(weight_opt);
  int64_t p = p_s.toLong();
  double margin = margin_s.toDouble();
  EMBER_CHECK(p == 1 || p == 2, "[multi_margin_loss] only p == 1 and p == 2 supported");
  EMBER_CHECK(target.dtype() == kLong, "[multi_margin_loss] expected scalar type Long but found ",
              toString(target.dtype()));
  EMBER_CHECK(self.dim() <= 2 && (self.dim() == 0 || self.size(-1) != 0),
              "[multi_margin_loss] Expected non-empty vector or matrix with optional 0-dim batch "
              "size, but got: ",
              self.sizes());
  int64_t nframe = self.dim() <= 1 ? 1 : self.size(0);
  int64_t dim = self.dim() == 0 ? 1 : self.size(-1);
  EMBER_CHECK(target.dim() <= 1 && target.numel() == nframe,
              "[multi_margin_loss] inconsistent target size, expected ", nframe, " but got ",
              target.sizes());
  EMBER_CHECK(!weight.defined() || (weight.dim() <= 1 && weight.numel() == dim),
              "[multi_margin_loss] inconsistent weight size, expected ", dim, " but got ",
              weight.sizes());
  {
    NoGradGuard ng;
    EMBER_CHECK(((target >= 0) & (target < dim)).all().item<bool>(),
                "[multi_margin_loss] target out of range");
  }
  Tensor y = target.reshape({nframe, 1});
  Tensor w = weight.defined() ? weight.detach().reshape({-1}) : Tensor();
  Tensor out;
  {
    NoGradGuard ng;
    Tensor x = self.detach().reshape({nframe, dim});
    MultiMarginParts m = multi_margin_parts(x, y, margin, w);
    Tensor h = clamp_min(m.z, 0);
    if (p == 2) h = h * h;
    out = (h * m.active * m.coef).sum(IntArrayRef{1});
    if (reduction == Reduction::None) {
      if (self.dim() <= 1 && target.dim() == 0) out = out.reshape({});
    } else {
      out = apply_loss_reduction(out, reduction);
    }
  }
  if (auto n = autograd::make_node(
          "MultiMarginLossBackward0", {self},
          [reduction, nframe, dim, margin, p, w](autograd::FunctionNode& n,
                                                 const variable_list& g) {
            Tensor self = n.saved(0), y = n.saved(1).reshape({nframe, 1});
            Tensor x = self.reshape({nframe, dim});
            MultiMarginParts m = multi_margin_parts(x, y, margin, w);
            Tensor gs =
                reduction == Reduction::None
                    ? g[0].reshape({nframe, 1})
                    : (reduction == Reduction::Mean ? g[0] / static_cast<double>(nframe) : g[0]);
            Tensor dz = gs * m.coef * m.active;
            if (p == 2) dz = dz * 2 * m.z;
            Tensor is_y =
                (arange(dim, TensorOptions().dtype(kLong).device(x.device())).unsqueeze(0) == y)
                    .to(x.dtype());
            Tensor gx = dz - is_y * dz.sum(IntArrayRef{1}, true);
            return variable_list{gx.reshape(self.sizes())};
          })) {
    autograd::set_history(out, n);
    n->save(self);
    n->save(target);
  }
  return out;
}

namespace {

// The listed targets (before the first -1) of a multilabel_margin target (N, C): `pick` (N, C)
// holds their indices (0 past the end), `listed` (N, C) marks the positions used, `is_target`
// (N, C) marks the classes that are targets.
struct MultilabelParts {
  Tensor pick, listed, is_target;
};

MultilabelParts multilabel_parts(const Tensor& target, int64_t N, int64_t C, ScalarType dt) {
  Tensor t = target.reshape({N, C}).contiguous().cpu();  // read on the host
  Tensor pick = zeros({N, C}, kLong), listed = zeros({N, C}, dt), is_target = zeros({N, C}, dt);
  const int64_t* tp = t.data_ptr<int64_t>();
  int64_t* pp = pick.data_ptr<int64_t>();
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      int64_t v = tp[i * C + j];
      EMBER_CHECK(v >= -1 && v < C,
                  "[multilabel_margin_loss] argument #2 'target' is out of range");
      if (v < 0) break;
      pp[i * C + j] = v;
      listed.select(0, i).select(0, j).fill_(1);
      is_target.select(0, i).select(0, v).fill_(1);
    }
  }
  Device dev = target.device();
  return {pick.to(dev), listed.to(dev), is_target.to(dev)};
}

}  // namespace

Tensor multilabel_margin_loss(const Tensor& self, const Tensor& target, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, multilabel_margin_loss, self, target, reduction);
  check_reduction(reduction, "multilabel_margin_loss");
  EMBER_CHECK(target.dtype() == kLong,
              "[multilabel_margin_loss] expected scalar type Long but found ",
              toString(target.dtype()));
  EMBER_CHECK(self.dim() <= 2 && (self.dim() <= 1 || self.size(1) != 0),
              "[multilabel_margin_loss] Expected non-empty vector or matrix with optional 0-dim "
              "batch size, but got: ",
              self.sizes());
  EMBER_CHECK(target.sizes() == self.sizes(),
              "[multilabel_margin_loss] inconsistent target size: ", target.sizes(),
              " for input of size: ", self.sizes());
  int64_t N = self.dim() <= 1 ? 1 : self.size(0);
  int64_t C = self.dim() == 0 ? 1 : self.size(-1);
  MultilabelParts parts = multilabel_parts(target, N, C, self.dtype());
  // z[i, j, k] = 1 - x[i, pick[i, j]] + x[i, k], used where listed[i, j] and not is_target[i, k].
  auto terms = [parts, N, C](const Tensor& x2) {
    Tensor xy = x2.gather(1, parts.pick);
    Tensor z = 1 - xy.unsqueeze(2) + x2.unsqueeze(1);
    Tensor mask = parts.listed.unsqueeze(2) * (1 - parts.is_target).unsqueeze(1);
    return std::make_pair(z, mask * (z > 0).to(z.dtype()));
  };
  Tensor out;
  {
    NoGradGuard ng;
    auto [z, act] = terms(self.detach().reshape({N, C}));
    out = (z * act).sum(IntArrayRef{1, 2}) / static_cast<double>(C);
    if (reduction == Reduction::None) {
      if (self.dim() <= 1) out = out.reshape({});
    } else {
      out = apply_loss_reduction(out, reduction);
    }
  }
  if (auto n = autograd::make_node(
          "MultilabelMarginLossBackward0", {self},
          [reduction, N, C, terms, parts](autograd::FunctionNode& n, const variable_list& g) {
            Tensor self = n.saved(0);
            Tensor x2 = self.reshape({N, C});
            auto [z, act] = terms(x2);
            Tensor gs = reduction == Reduction::None
                            ? g[0].reshape({N, 1, 1})
                            : (reduction == Reduction::Mean ? g[0] / static_cast<double>(N) : g[0]);
            Tensor dz = act * gs / static_cast<double>(C);
            Tensor gx =
                dz.sum(IntArrayRef{1}) -
                zeros({N, C}, x2.options()).scatter_add(1, parts.pick, dz.sum(IntArrayRef{2}));
            return variable_list{gx.reshape(self.sizes())};
          })) {
    autograd::set_history(out, n);
    n->save(self);
  }
  return out;
}

Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p, double eps, bool keepdim) {
  int64_t out_dim = std::max(x1.dim(), x2.dim());
  int64_t inner = out_dim - 1;
  return norm(x1 - x2 + eps, Scalar(p), IntArrayRef{inner}, keepdim);
}

Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                           double margin, double p, double eps, bool swap, int64_t reduction) {
  EMBER_AUTOCAST(fp32, fp32, triplet_margin_loss, anchor, positive, negative, margin, p, eps, swap,
                 reduction);
  check_reduction(reduction, "triplet_margin_loss");
  EMBER_CHECK(anchor.dim() == positive.dim() && positive.dim() == negative.dim(),
              "[triplet_margin_loss] The anchor, positive, and negative tensors are expected to "
              "have the same number of dimensions, but got: anchor ",
              anchor.dim(), "D, positive ", positive.dim(), "D, and negative ", negative.dim(),
              "D inputs");
  Tensor d_pos = pairwise_distance(anchor, positive, p, eps);
  Tensor d_neg = pairwise_distance(anchor, negative, p, eps);
  if (swap) d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps));
  return apply_loss_reduction(clamp_min(margin + d_pos - d_neg, 0), reduction);
}

}  // namespace ember
