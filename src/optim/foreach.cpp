// Multi-tensor steps of Adam, AdamW and SGD: see Note [Multi-tensor optimizer steps].
#include "src/optim/foreach.h"

#include <cstdlib>
#include <unordered_set>

#include "ember/optim/adam.h"
#include "ember/optim/sgd.h"
#include "src/kernels/optim.h"
#include "src/optim/common.h"

namespace ember::optim::detail {
namespace {

bool foreach_wanted() {
  const char* e = std::getenv("EMBER_OPTIM_FOREACH");
  return e == nullptr || *e != '0';
}

bool kernel_dtype(ScalarType t) {
  return t == kFloat || t == kDouble || t == kHalf || t == kBFloat16;
}

// The parameters with gradients and their gradients (contiguous copies where needed), when they
// all qualify; false otherwise. True with empty lists when no parameter has a gradient. A
// parameter listed twice is updated twice in a row by the per-tensor path; one launch would race.
bool collect(const std::vector<Tensor>& params, std::vector<Tensor>& ps, std::vector<Tensor>& gs) {
  std::unordered_set<const void*> seen;
  for (const Tensor& p : params) {
    const Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (!ps.empty() && p.device() != ps[0].device()) return false;
    if (ps.empty() && !foreach_wanted()) return false;
    if (!seen.insert(p.unsafeGetTensorImpl()).second) return false;
    if (p.is_sparse() || g.is_sparse() || !kernel_dtype(p.dtype()) || !p.is_contiguous() ||
        g.dtype() != p.dtype() || g.device() != p.device() || g.sizes() != p.sizes() ||
        g.requires_grad())
      return false;
    ps.push_back(p);
    gs.push_back(g.is_contiguous() ? g : g.contiguous());
  }
  return true;
}

// A state tensor the kernels can take for p (once moved to p's device).
bool state_fits(const Tensor& t, const Tensor& p) {
  return t.defined() && t.dtype() == p.dtype() && t.sizes() == p.sizes() && t.is_contiguous();
}
Tensor on_device_of(const Tensor& t, const Tensor& p) {
  return t.device() == p.device() ? t : t.to(p.device()).contiguous();
}

template <class State>
State* find_state(Optimizer& opt, const Tensor& p) {
  auto it = opt.state().find(p.unsafeGetTensorImpl());
  return it == opt.state().end() ? nullptr : static_cast<State*>(it->second.get());
}

// fn(indices) for the indices 0..n-1 grouped by key(i), groups in order of first appearance.
template <class Key, class Fn>
void for_each_bucket(size_t n, Key&& key, Fn&& fn) {
  std::vector<bool> done(n, false);
  for (size_t i = 0; i < n; ++i) {
    if (done[i]) continue;
    std::vector<size_t> idx;
    for (size_t j = i; j < n; ++j)
      if (!done[j] && key(j) == key(i)) {
        idx.push_back(j);
        done[j] = true;
      }
    fn(idx);
  }
}

// The kernels write through data pointers: bump what they wrote, as in-place ops do, so that
// backward still refuses a graph that saved a parameter before the step.
void bump_versions(const std::vector<Tensor>& ts) {
  for (const Tensor& t : ts) t.bump_version();
}

std::vector<Tensor> pick(const std::vector<Tensor>& ts, const std::vector<size_t>& idx) {
  std::vector<Tensor> out;
  out.reserve(idx.size());
  for (size_t i : idx) out.push_back(ts[i]);
  return out;
}

}  // namespace

bool adam_foreach_step(Optimizer& opt, const std::vector<Tensor>& params, const AdamHyper& h) {
  std::vector<Tensor> ps, gs;
  if (!collect(params, ps, gs)) return false;
  for (const Tensor& p : ps) {
    auto* s = find_state<AdamParamState>(opt, p);
    if (s == nullptr) continue;
    if (!state_fits(s->exp_avg(), p) || !state_fits(s->exp_avg_sq(), p)) return false;
    if (h.amsgrad && s->max_exp_avg_sq().defined() && !state_fits(s->max_exp_avg_sq(), p))
      return false;
  }
  // From here on the step is taken: states as in adam.cpp's per-tensor path.
  std::vector<Tensor> ms, vs, vmaxs;
  std::vector<int64_t> steps;
  for (const Tensor& p : ps) {
    auto& s = lazy_state<AdamParamState>(opt, p,
                                         [&](AdamParamState& fresh) { init_moments(p, fresh, h); });
    s.step(s.step() + 1);
    s.exp_avg(on_device_of(s.exp_avg(), p));
    s.exp_avg_sq(on_device_of(s.exp_avg_sq(), p));
    ms.push_back(s.exp_avg());
    vs.push_back(s.exp_avg_sq());
    if (h.amsgrad) {
      if (!s.max_exp_avg_sq().defined()) s.max_exp_avg_sq(zeros_like(p));
      s.max_exp_avg_sq(on_device_of(s.max_exp_avg_sq(), p));
      vmaxs.push_back(s.max_exp_avg_sq());
    }
    steps.push_back(s.step());
  }
  if (ps.empty()) return true;
  auto kernel = fused_adam_stub.get(ps[0].device().type());
  for_each_bucket(
      ps.size(), [&](size_t i) { return ps[i].dtype(); },
      [&](const std::vector<size_t>& idx) {
        std::vector<int64_t> st;
        for (size_t i : idx) st.push_back(steps[i]);
        kernel(pick(ps, idx), pick(gs, idx), pick(ms, idx), pick(vs, idx),
               h.amsgrad ? pick(vmaxs, idx) : std::vector<Tensor>{}, st.data(), h);
      });
  for (const auto* ts : {&ps, &ms, &vs, &vmaxs}) bump_versions(*ts);
  return true;
}

bool sgd_foreach_step(Optimizer& opt, const std::vector<Tensor>& params, const SgdHyper& h) {
  std::vector<Tensor> ps, gs;
  if (!collect(params, ps, gs)) return false;
  const bool momentum = h.momentum != 0;
  if (momentum)
    for (const Tensor& p : ps) {
      auto* s = find_state<SGDParamState>(opt, p);
      if (s && s->momentum_buffer().defined() && !state_fits(s->momentum_buffer(), p)) return false;
    }
  if (ps.empty()) return true;
  // From here on the step is taken: a buffer's first step sets it to the decayed gradient, as
  // sgd.cpp's clone() does.
  std::vector<Tensor> bufs;
  std::vector<bool> first;
  if (momentum)
    for (const Tensor& p : ps) {
      auto& s = lazy_state<SGDParamState>(opt, p, [](SGDParamState&) {});
      first.push_back(!s.momentum_buffer().defined());
      if (first.back()) {
        s.momentum_buffer(empty(p.sizes(), p.options()));
      } else {
        s.momentum_buffer(on_device_of(s.momentum_buffer(), p));
      }
      bufs.push_back(s.momentum_buffer());
    }
  auto kernel = fused_sgd_stub.get(ps[0].device().type());
  for_each_bucket(
      ps.size(),
      [&](size_t i) {
        return static_cast<int>(ps[i].dtype()) * 2 + (momentum && first[i] ? 1 : 0);
      },
      [&](const std::vector<size_t>& idx) {
        bool first_step = momentum && first[idx[0]];
        kernel(pick(ps, idx), pick(gs, idx), momentum ? pick(bufs, idx) : std::vector<Tensor>{},
               first_step, h);
      });
  bump_versions(ps);
  bump_versions(bufs);
  return true;
}

}  // namespace ember::optim::detail
