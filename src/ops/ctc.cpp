// ctc_loss: per-sample negative log likelihood by the alpha (forward) recursion over the
// blank-extended target, gradient by the beta (backward) recursion, all in log space in double.
// Like PyTorch's, the gradient is first order only (CtcLossBackward0 is not differentiable).
#include <cmath>
#include <limits>
#include <vector>

#include "ember/autograd/function_node.h"
#include "ember/core/parallel.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/loss.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "src/amp/autocast_hook.h"
#include "src/ops/loss_util.h"

namespace ember {
namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();

double lse(double a, double b) {
  if (a == kNegInf) return b;
  if (b == kNegInf) return a;
  double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}

struct CtcProblem {
  Tensor lp;                     // (T, N, C) double, contiguous
  std::vector<int64_t> targets;  // concatenated
  std::vector<int64_t> offsets;  // start of sample b's target in `targets`
  std::vector<int64_t> il, tl;
  int64_t T, N, C, blank;
};

// Label of position s of sample b's extended target (blank, l1, blank, l2, ..., blank).
inline int64_t ext_label(const CtcProblem& p, int64_t b, int64_t s) {
  return s % 2 == 0 ? p.blank : p.targets[static_cast<size_t>(p.offsets[b] + s / 2)];
}

// Fills la (T x L, row-major) with log alpha of sample b; returns the nll.
double ctc_alpha(const CtcProblem& p, int64_t b, std::vector<double>& la) {
  const double* lp = p.lp.data_ptr<double>();
  int64_t Tb = p.il[b], S = p.tl[b], L = 2 * S + 1;
  la.assign(static_cast<size_t>(std::max<int64_t>(Tb, 1) * L), kNegInf);
  auto at = [&](int64_t t, int64_t c) { return lp[(t * p.N + b) * p.C + c]; };
  if (Tb == 0) return S == 0 ? 0.0 : std::numeric_limits<double>::infinity();
  la[0] = at(0, p.blank);
  if (S > 0) la[1] = at(0, ext_label(p, b, 1));
  for (int64_t t = 1; t < Tb; ++t)
    for (int64_t s = 0; s < L; ++s) {
      int64_t l = ext_label(p, b, s);
      double v = la[(t - 1) * L + s];
      if (s > 0) v = lse(v, la[(t - 1) * L + s - 1]);
      if (s > 1 && s % 2 == 1 && ext_label(p, b, s - 2) != l) v = lse(v, la[(t - 1) * L + s - 2]);
      la[t * L + s] = v == kNegInf ? kNegInf : v + at(t, l);
    }
  double ll = la[(Tb - 1) * L + L - 1];
  if (L > 1) ll = lse(ll, la[(Tb - 1) * L + L - 2]);
  return -ll;
}

// d nll_b / d log_probs[:, b, :] written into grad (T, N, C) double.
void ctc_grad(const CtcProblem& p, int64_t b, double nll, bool zero_infinity, double* grad) {
  const double* lp = p.lp.data_ptr<double>();
  int64_t Tb = p.il[b], S = p.tl[b], L = 2 * S + 1;
  auto at = [&](int64_t t, int64_t c) { return lp[(t * p.N + b) * p.C + c]; };
  auto g = [&](int64_t t, int64_t c) -> double& { return grad[(t * p.N + b) * p.C + c]; };
  if (Tb == 0 || (zero_infinity && std::isinf(nll))) return;  // stays zero
  std::vector<double> la;
  ctc_alpha(p, b, la);
  std::vector<double> lb(static_cast<size_t>(Tb * L), kNegInf);
  lb[(Tb - 1) * L + L - 1] = at(Tb - 1, p.blank);
  if (S > 0) lb[(Tb - 1) * L + L - 2] = at(Tb - 1, ext_label(p, b, L - 2));
  for (int64_t t = Tb - 2; t >= 0; --t)
    for (int64_t s = 0; s < L; ++s) {
      int64_t l = ext_label(p, b, s);
      double v = lb[(t + 1) * L + s];
      if (s + 1 < L) v = lse(v, lb[(t + 1) * L + s + 1]);
      if (s + 2 < L && s % 2 == 1 && ext_label(p, b, s + 2) != l)
        v = lse(v, lb[(t + 1) * L + s + 2]);
      lb[t * L + s] = v == kNegInf ? kNegInf : v + at(t, l);
    }
  std::vector<double> lcab(static_cast<size_t>(p.C));
  for (int64_t t = 0; t < Tb; ++t) {
    std::fill(lcab.begin(), lcab.end(), kNegInf);
    for (int64_t s = 0; s < L; ++s) {
      int64_t l = ext_label(p, b, s);
      lcab[l] = lse(lcab[l], la[t * L + s] + lb[t * L + s]);
    }
    for (int64_t c = 0; c < p.C; ++c) {
      double x = at(t, c);
      g(t, c) = std::exp(x) - std::exp(lcab[c] + nll - x);
    }
  }
}

std::vector<int64_t> lengths_of(const Tensor& t, const char* what) {
  EMBER_CHECK(isIntegralType(t.dtype(), false), "[ctc_loss] ", what, " must be integral");
  Tensor c = t.to(kLong).contiguous().reshape({-1}).cpu();
  const int64_t* p = c.data_ptr<int64_t>();
  return std::vector<int64_t>(p, p + c.numel());
}

}  // namespace

Tensor ctc_loss(const Tensor& log_probs_in, const Tensor& targets_in, IntArrayRef input_lengths,
                IntArrayRef target_lengths, int64_t blank, int64_t reduction, bool zero_infinity) {
  EMBER_AUTOCAST(fp32, none, ctc_loss, log_probs_in, targets_in, input_lengths, target_lengths,
                 blank, reduction, zero_infinity);
  check_reduction(reduction, "ctc_loss");
  EMBER_CHECK(log_probs_in.dim() == 2 || log_probs_in.dim() == 3,
              "[ctc_loss] Expected log_probs of shape (T, N, C) or (T, C), got ",
              log_probs_in.sizes());
  EMBER_CHECK(isFloatingType(log_probs_in.dtype()), "[ctc_loss] \"ctc_loss\" not implemented for '",
              toString(log_probs_in.dtype()), "'");
  bool batched = log_probs_in.dim() == 3;
  Tensor log_probs = batched ? log_probs_in : log_probs_in.unsqueeze(1);
  CtcProblem p;
  p.T = log_probs.size(0);
  p.N = log_probs.size(1);
  p.C = log_probs.size(2);
  p.blank = blank;
  EMBER_CHECK(blank >= 0 && blank < p.C, "[ctc_loss] blank must be in label range");
  EMBER_CHECK(static_cast<int64_t>(input_lengths.size()) == p.N,
              "[ctc_loss] input_lengths must be of size batch_size");
  EMBER_CHECK(static_cast<int64_t>(target_lengths.size()) == p.N,
              "[ctc_loss] target_lengths must be of size batch_size");
  EMBER_CHECK(isIntegralType(targets_in.dtype(), false), "[ctc_loss] targets must be integral");
  Tensor tg = targets_in.to(kLong).contiguous().cpu();  // the dynamic program runs on the host
  EMBER_CHECK(tg.dim() >= 1 && tg.dim() <= 2 && (batched || tg.dim() == 1 || tg.size(0) == 1),
              "[ctc_loss] Expected targets of shape (N, S) or (sum(target_lengths)), got ",
              tg.sizes());
  p.il.assign(input_lengths.begin(), input_lengths.end());
  p.tl.assign(target_lengths.begin(), target_lengths.end());
  const int64_t* tp = tg.data_ptr<int64_t>();
  int64_t pos = 0;
  for (int64_t b = 0; b < p.N; ++b) {
    EMBER_CHECK(p.il[b] >= 0 && p.il[b] <= p.T,
                "[ctc_loss] Expected input_lengths to have value at most ", p.T, ", but got value ",
                p.il[b]);
    EMBER_CHECK(p.tl[b] >= 0, "[ctc_loss] target_lengths must be non-negative, got ", p.tl[b]);
    int64_t start;
    if (tg.dim() == 1) {
      start = pos;
      pos += p.tl[b];
      EMBER_CHECK(pos <= tg.size(0), "[ctc_loss] targets has ", tg.size(0),
                  " labels, fewer than the sum of target_lengths");
    } else {
      EMBER_CHECK(p.tl[b] <= tg.size(1), "[ctc_loss] Expected tensor to have size at least ",
                  p.tl[b], " at dimension 1, but got size ", tg.size(1), " for targets");
      start = b * tg.size(1);
    }
    p.offsets.push_back(static_cast<int64_t>(p.targets.size()));
    for (int64_t s = 0; s < p.tl[b]; ++s) {
      int64_t l = tp[start + s];
      EMBER_CHECK(l >= 0 && l < p.C, "[ctc_loss] target label ", l, " is out of range [0, ", p.C,
                  ")");
      p.targets.push_back(l);
    }
  }
  p.lp = log_probs.detach().to(kDouble).contiguous().cpu();
  std::vector<double> nll(static_cast<size_t>(p.N));
  parallel_for(0, p.N, 1, [&](int64_t b0, int64_t b1) {
    std::vector<double> la;
    for (int64_t b = b0; b < b1; ++b) nll[b] = ctc_alpha(p, b, la);
  });
  Tensor res = empty({p.N}, kDouble);
  for (int64_t b = 0; b < p.N; ++b) res.data_ptr<double>()[b] = nll[b];
  res = res.to(log_probs.dtype()).to(log_probs.device());
  if (auto n = autograd::make_node(
          "CtcLossBackward0", {log_probs},
          [p, nll, zero_infinity](autograd::FunctionNode& n, const variable_list& g) {
            Tensor lp = n.saved(0);
            Tensor grad = zeros({p.T, p.N, p.C}, kDouble);
            double* gp = grad.data_ptr<double>();
            parallel_for(0, p.N, 1, [&](int64_t b0, int64_t b1) {
              for (int64_t b = b0; b < b1; ++b) ctc_grad(p, b, nll[b], zero_infinity, gp);
            });
            Tensor go = g[0].to(kDouble).reshape({1, p.N, 1});
            return variable_list{(grad.to(go.device()) * go).to(lp.dtype())};
          })) {
    autograd::set_history(res, n);
    n->save(log_probs);
  }
  if (zero_infinity) {
    Tensor inf = res == std::numeric_limits<double>::infinity();
    res = where(inf, zeros({}, res.dtype()), res);
  }
  if (reduction == Reduction::Mean) {
    Tensor tl =
        tensor(std::vector<int64_t>(p.tl.begin(), p.tl.end())).to(res.dtype()).to(res.device());
    return (res / clamp_min(tl, 1)).mean();
  }
  if (reduction == Reduction::Sum) return res.sum();
  return batched ? res : res.squeeze(0);
}

Tensor ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                const Tensor& target_lengths, int64_t blank, int64_t reduction,
                bool zero_infinity) {
  std::vector<int64_t> il = lengths_of(input_lengths, "input_lengths");
  std::vector<int64_t> tl = lengths_of(target_lengths, "target_lengths");
  return ctc_loss(log_probs, targets, il, tl, blank, reduction, zero_infinity);
}

}  // namespace ember
