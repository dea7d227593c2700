#include "ember/optim/lbfgs.h"

#include <algorithm>
#include <cmath>

#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/serialize.h"
#include "src/optim/common.h"

namespace ember {
namespace optim {

LBFGSOptions::LBFGSOptions(double lr) : lr_(lr) {}

LBFGS::LBFGS(std::vector<OptimizerParamGroup> param_groups, LBFGSOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<LBFGSOptions>(defaults)) {
  EMBER_CHECK(param_groups_.size() == 1,
              "[LBFGS] LBFGS doesn't support per-parameter options (parameter groups)");
  EMBER_CHECK(!param_groups_[0].params().empty(), "[LBFGS] optimizer got an empty parameter list");
  EMBER_CHECK(defaults.lr() >= 0, "[LBFGS] Invalid learning rate: ", defaults.lr());
  EMBER_CHECK(defaults.max_iter() > 0, "[LBFGS] Invalid max_iter value: ", defaults.max_iter());
  EMBER_CHECK(defaults.history_size() > 0,
              "[LBFGS] Invalid history_size value: ", defaults.history_size());
  EMBER_CHECK(!defaults.line_search_fn() || *defaults.line_search_fn() == "strong_wolfe",
              "[LBFGS] only 'strong_wolfe' is supported");
  if (!defaults.max_eval()) {
    int64_t max_eval = defaults.max_iter() * 5 / 4;
    static_cast<LBFGSOptions&>(param_groups_[0].options()).max_eval(max_eval);
    static_cast<LBFGSOptions&>(*defaults_).max_eval(max_eval);
  }
}

Tensor LBFGS::gather_flat_grad() const {
  std::vector<Tensor> views;
  for (const auto& p : param_groups_[0].params())
    views.push_back(p.grad().defined() ? p.grad().reshape({-1}) : zeros({p.numel()}, p.options()));
  return cat(views, 0);
}

void LBFGS::add_grad(double step_size, const Tensor& update) {
  int64_t offset = 0;
  for (auto& p : param_groups_[0].params()) {
    int64_t n = p.numel();
    p.add_(update.narrow(0, offset, n).view_as(p), step_size);
    offset += n;
  }
}

std::tuple<double, Tensor> LBFGS::directional_evaluate(const LossClosure& closure,
                                                       const std::vector<Tensor>& x, double t,
                                                       const Tensor& d) {
  add_grad(t, d);
  double loss = detail::eval_closure(closure).item<double>();
  Tensor flat_grad = gather_flat_grad();
  auto& params = param_groups_[0].params();
  for (size_t i = 0; i < params.size(); ++i) params[i].copy_(x[i]);
  return {loss, flat_grad};
}

namespace {
// Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds (the
// interval's midpoint when the cubic has no minimum).
double cubic_interpolate(double x1, double f1, double g1, double x2, double f2, double g2,
                         std::optional<std::pair<double, double>> bounds = std::nullopt) {
  auto [lo, hi] = bounds ? *bounds : (x1 <= x2 ? std::pair(x1, x2) : std::pair(x2, x1));
  double d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2);
  double d2_square = d1 * d1 - g1 * g2;
  if (d2_square >= 0) {
    double d2 = std::sqrt(d2_square);
    double min_pos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
                              : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    // Python's min(max(min_pos, lo), hi).
    double m = lo > min_pos ? lo : min_pos;
    return hi < m ? hi : m;
  }
  return (lo + hi) / 2.;
}
double dot_d(const Tensor& a, const Tensor& b) { return a.dot(b).item<double>(); }
double abs_max(const Tensor& a) { return a.abs().max().item<double>(); }
}  // namespace

std::tuple<double, Tensor, double, int64_t> LBFGS::strong_wolfe(const LossClosure& closure,
                                                                const std::vector<Tensor>& x,
                                                                double t, const Tensor& d, double f,
                                                                const Tensor& g_in, double gtd) {
  const double c1 = 1e-4, c2 = 0.9;
  const int64_t max_ls = 25;
  const double tolerance_change =
      static_cast<const LBFGSOptions&>(param_groups_[0].options()).tolerance_change();
  double d_norm = abs_max(d);
  Tensor g = g_in.clone();
  auto [f_new, g_new] = directional_evaluate(closure, x, t, d);
  int64_t ls_func_evals = 1;
  double gtd_new = dot_d(g_new, d);

  // Bracket an interval containing a point satisfying the strong Wolfe conditions.
  double t_prev = 0, f_prev = f, gtd_prev = gtd;
  Tensor g_prev = g;
  bool done = false;
  int64_t ls_iter = 0;
  std::vector<double> bracket, bracket_f, bracket_gtd;
  std::vector<Tensor> bracket_g;
  while (ls_iter < max_ls) {
    if (f_new > (f + c1 * t * gtd) || (ls_iter > 1 && f_new >= f_prev)) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new.clone()};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    if (std::abs(gtd_new) <= -c2 * gtd) {
      bracket = {t};
      bracket_f = {f_new};
      bracket_g = {g_new};
      done = true;
      break;
    }
    if (gtd_new >= 0) {
      bracket = {t_prev, t};
      bracket_f = {f_prev, f_new};
      bracket_g = {g_prev, g_new.clone()};
      bracket_gtd = {gtd_prev, gtd_new};
      break;
    }
    // Interpolate (extrapolate) towards a larger step.
    double min_step = t + 0.01 * (t - t_prev);
    double max_step = t * 10;
    double tmp = t;
    t = cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                          std::pair(min_step, max_step));
    t_prev = tmp;
    f_prev = f_new;
    g_prev = g_new.clone();
    gtd_prev = gtd_new;
    std::tie(f_new, g_new) = directional_evaluate(closure, x, t, d);
    ls_func_evals += 1;
    gtd_new = dot_d(g_new, d);
    ls_iter += 1;
  }
  if (ls_iter == max_ls) {
    bracket = {0, t};
    bracket_f = {f, f_new};
    bracket_g = {g, g_new};
  }

  // Zoom: shrink the bracket until a point satisfies the conditions.
  bool insuf_progress = false;
  size_t low_pos = 0, high_pos = 1;
  if (bracket_f.front() > bracket_f.back()) std::swap(low_pos, high_pos);
  while (!done && ls_iter < max_ls) {
    if (std::abs(bracket[1] - bracket[0]) * d_norm < tolerance_change) break;
    t = cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1],
                          bracket_gtd[1]);
    double bmax = std::max(bracket[0], bracket[1]), bmin = std::min(bracket[0], bracket[1]);
    double eps = 0.1 * (bmax - bmin);
    if (std::min(bmax - t, t - bmin) < eps) {
      // Too close to a boundary: move away from it unless the last step made progress.
      if (insuf_progress || t >= bmax || t <= bmin) {
        t = std::abs(t - bmax) < std::abs(t - bmin) ? bmax - eps : bmin + eps;
        insuf_progress = false;
      } else {
        insuf_progress = true;
      }
    } else {
      insuf_progress = false;
    }
    std::tie(f_new, g_new) = directional_evaluate(closure, x, t, d);
    ls_func_evals += 1;
    gtd_new = dot_d(g_new, d);
    ls_iter += 1;
    if (f_new > (f + c1 * t * gtd) || f_new >= bracket_f[low_pos]) {
      bracket[high_pos] = t;
      bracket_f[high_pos] = f_new;
      bracket_g[high_pos] = g_new.clone();
      bracket_gtd[high_pos] = gtd_new;
      if (bracket_f[0] <= bracket_f[1]) {
        low_pos = 0, high_pos = 1;
      } else {
        low_pos = 1, high_pos = 0;
      }
    } else {
      if (std::abs(gtd_new) <= -c2 * gtd) {
        done = true;
      } else if (gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0) {
        bracket[high_pos] = bracket[low_pos];
        bracket_f[high_pos] = bracket_f[low_pos];
        bracket_g[high_pos] = bracket_g[low_pos];
        bracket_gtd[high_pos] = bracket_gtd[low_pos];
      }
      bracket[low_pos] = t;
      bracket_f[low_pos] = f_new;
      bracket_g[low_pos] = g_new.clone();
      bracket_gtd[low_pos] = gtd_new;
    }
  }
  return {bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals};
}

Tensor LBFGS::step(LossClosure closure) {
  EMBER_CHECK(closure != nullptr, "[LBFGS] step() needs a closure that returns the loss");
  NoGradGuard ng;
  auto& group = param_groups_[0];
  const auto& o = static_cast<const LBFGSOptions&>(group.options());
  EMBER_CHECK(!o.line_search_fn() || *o.line_search_fn() == "strong_wolfe",
              "[LBFGS] only 'strong_wolfe' is supported");
  const double lr = o.lr();
  const int64_t max_iter = o.max_iter();
  const int64_t max_eval = o.max_eval() ? *o.max_eval() : max_iter * 5 / 4;
  const double tolerance_grad = o.tolerance_grad(), tolerance_change = o.tolerance_change();
  const auto history_size = static_cast<size_t>(o.history_size());

  const Tensor& first = group.params()[0];
  auto* state = state_of<LBFGSParamState>(first);
  if (!state) state = &init_state<LBFGSParamState>(first);
  auto& s = *state;

  Tensor orig_loss = detail::eval_closure(closure);
  double loss = orig_loss.item<double>();
  int64_t current_evals = 1;
  s.func_evals(s.func_evals() + 1);
  Tensor flat_grad = gather_flat_grad();
  if (abs_max(flat_grad) <= tolerance_grad) return orig_loss;  // already optimal

  Tensor d = s.d(), H_diag = s.H_diag(), prev_flat_grad = s.prev_flat_grad();
  double t = s.t(), prev_loss = s.prev_loss();
  auto& old_dirs = s.old_dirs();
  auto& old_stps = s.old_stps();
  auto& ro = s.ro();
  bool opt_cond = false;

  int64_t n_iter = 0;
  while (n_iter < max_iter) {
    ++n_iter;
    s.n_iter(s.n_iter() + 1);
    // Direction: -H * grad with the two-loop recursion over the stored curvature pairs.
    if (s.n_iter() == 1) {
      d = flat_grad.neg();
      old_dirs.clear();
      old_stps.clear();
      ro.clear();
      H_diag = full({}, 1.0, flat_grad.options());
    } else {
      Tensor y = flat_grad.sub(prev_flat_grad);
      Tensor sv = d.mul(t);
      Tensor ys = y.dot(sv);
      if (ys.item<double>() > 1e-10) {
        if (old_dirs.size() == history_size) {  // drop the oldest pair
          old_dirs.pop_front();
          old_stps.pop_front();
          ro.pop_front();
        }
        old_dirs.push_back(y);
        old_stps.push_back(sv);
        ro.push_back(1. / ys);
        H_diag = ys / y.dot(y);
      }
      size_t num_old = old_dirs.size();
      if (!s.al()) s.al(std::vector<Tensor>(history_size));
      auto& al = *s.al();
      Tensor q = flat_grad.neg();
      for (size_t k = num_old; k-- > 0;) {
        al[k] = old_stps[k].dot(q) * ro[k];
        q.add_(old_dirs[k], -al[k].item<double>());
      }
      Tensor r = q.mul(H_diag);
      d = r;
      for (size_t k = 0; k < num_old; ++k) {
        Tensor be_i = old_dirs[k].dot(r) * ro[k];
        r.add_(old_stps[k], (al[k] - be_i).item<double>());
      }
    }
    if (!prev_flat_grad.defined()) {
      prev_flat_grad = flat_grad.clone();
    } else {
      prev_flat_grad.copy_(flat_grad);
    }
    prev_loss = loss;

    // Step length: scaled by the gradient on the very first iteration.
    if (s.n_iter() == 1) {
      double inv = 1. / flat_grad.abs().sum().item<double>();
      t = (1. < inv ? 1. : inv) * lr;  // Python's min(1., inv)
    } else {
      t = lr;
    }
    double gtd = dot_d(flat_grad, d);
    if (gtd > -tolerance_change) break;  // not a descent direction

    int64_t ls_func_evals = 0;
    if (o.line_search_fn()) {
      std::vector<Tensor> x_init;
      for (const auto& p : group.params()) x_init.push_back(p.clone());
      std::tie(loss, flat_grad, t, ls_func_evals) =
          strong_wolfe(closure, x_init, t, d, loss, flat_grad, gtd);
      add_grad(t, d);
      opt_cond = abs_max(flat_grad) <= tolerance_grad;
    } else {
      add_grad(t, d);
      if (n_iter != max_iter) {
        // Re-evaluate unless this is the last iteration.
        loss = detail::eval_closure(closure).item<double>();
        flat_grad = gather_flat_grad();
        opt_cond = abs_max(flat_grad) <= tolerance_grad;
        ls_func_evals = 1;
      }
    }
    current_evals += ls_func_evals;
    s.func_evals(s.func_evals() + ls_func_evals);

    if (n_iter == max_iter) break;
    if (current_evals >= max_eval) break;
    if (opt_cond) break;
    if (abs_max(d.mul(t)) <= tolerance_change) break;
    if (std::abs(loss - prev_loss) < tolerance_change) break;
  }
  s.d(d);
  s.t(t);
  s.H_diag(H_diag);
  s.prev_flat_grad(prev_flat_grad);
  s.prev_loss(prev_loss);
  return orig_loss;
}

namespace {
void write_deque(serialize::OutputArchive& a, const std::string& key,
                 const std::deque<Tensor>& ts) {
  a.write(key + ".size", static_cast<int64_t>(ts.size()));
  for (size_t i = 0; i < ts.size(); ++i) a.write(key + "." + std::to_string(i), ts[i], true);
}
std::deque<Tensor> read_deque(const serialize::InputArchive& a, const std::string& key) {
  int64_t n = 0;
  a.read(key + ".size", n);
  EMBER_CHECK(n >= 0 && n < (int64_t{1} << 32), "[load] LBFGS history '", key,
              "' has an invalid size ", n);
  std::deque<Tensor> ts;
  for (int64_t i = 0; i < n; ++i) {
    Tensor t;
    a.read(key + "." + std::to_string(i), t, true);
    ts.push_back(t);
  }
  return ts;
}
}  // namespace

// `al` is scratch space rewritten before every use, so it is not saved.
void LBFGSParamState::serialize(serialize::OutputArchive& a) const {
  a.write("func_evals", func_evals());
  a.write("n_iter", n_iter());
  a.write("t", t());
  a.write("prev_loss", prev_loss());
  if (d().defined()) a.write("d", d(), true);
  if (H_diag().defined()) a.write("H_diag", H_diag(), true);
  if (prev_flat_grad().defined()) a.write("prev_flat_grad", prev_flat_grad(), true);
  write_deque(a, "old_dirs", old_dirs());
  write_deque(a, "old_stps", old_stps());
  write_deque(a, "ro", ro());
}
void LBFGSParamState::serialize(const serialize::InputArchive& a) {
  int64_t fe = 0, ni = 0;
  double tv = 0, pl = 0;
  a.read("func_evals", fe);
  a.read("n_iter", ni);
  a.read("t", tv);
  a.read("prev_loss", pl);
  func_evals(fe);
  n_iter(ni);
  t(tv);
  prev_loss(pl);
  Tensor dv, h, pg;
  if (a.try_read("d", dv, true)) d(dv);
  if (a.try_read("H_diag", h, true)) H_diag(h);
  if (a.try_read("prev_flat_grad", pg, true)) prev_flat_grad(pg);
  old_dirs(read_deque(a, "old_dirs"));
  old_stps(read_deque(a, "old_stps"));
  ro(read_deque(a, "ro"));
  EMBER_CHECK(old_dirs().size() == old_stps().size() && old_dirs().size() == ro().size(),
              "[load] LBFGS history lengths disagree");
}

std::unique_ptr<OptimizerParamState> LBFGS::make_param_state() const {
  return std::make_unique<LBFGSParamState>();
}

}  // namespace optim
}  // namespace ember
