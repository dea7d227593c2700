#pragma once
// The per-element update rules of the multi-tensor optimizer steps (src/kernels/optim.h), shared
// by the CPU kernel (src/cpu/optim.cpp) and the CUDA one (src/cuda/optim.cu) so that both compute
// the same formula. M is the math type: float (also for Half and BFloat16 tensors) or double. The
// order of operations is that of the per-tensor steps in src/optim/adam.cpp and sgd.cpp (PyTorch's
// _single_tensor_adam / _single_tensor_sgd); every hyperparameter reaches M the way those steps'
// Scalar arguments do: computed in double, then rounded once.
#include <math.h>

#include <cstdint>

#include "src/kernels/int_math.h"  // EMBER_HOST_DEVICE

namespace ember {

struct AdamHyper {
  double lr = 0, beta1 = 0, beta2 = 0, weight_decay = 0, eps = 0;
  bool amsgrad = false, maximize = false;
  bool decoupled = false;  // AdamW: p *= 1 - lr * weight_decay instead of an L2 term in the grad
};

struct SgdHyper {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
};

// Adam's per-tensor scalars at `step` (>= 1): -lr / (1 - beta1^step) and sqrt(1 - beta2^step).
struct AdamStepScalars {
  double neg_step_size = 0, bc2_sqrt = 1;
};
inline AdamStepScalars adam_step_scalars(const AdamHyper& h, int64_t step) {
  double bc1 = 1 - ::pow(h.beta1, static_cast<double>(step));
  double bc2 = 1 - ::pow(h.beta2, static_cast<double>(step));
  return {-(h.lr / bc1), ::sqrt(bc2)};
}

template <class M>
struct AdamCoeffs {
  M beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay, decay, eps;
  bool amsgrad, maximize, decoupled;
  explicit AdamCoeffs(const AdamHyper& h)
      : beta1(static_cast<M>(h.beta1)),
        one_minus_beta1(static_cast<M>(1 - h.beta1)),
        beta2(static_cast<M>(h.beta2)),
        one_minus_beta2(static_cast<M>(1 - h.beta2)),
        weight_decay(static_cast<M>(h.weight_decay)),
        decay(static_cast<M>(1 - h.lr * h.weight_decay)),
        eps(static_cast<M>(h.eps)),
        amsgrad(h.amsgrad),
        maximize(h.maximize),
        decoupled(h.decoupled) {}
};

template <class M>
struct SgdCoeffs {
  M neg_lr, momentum, one_minus_dampening, weight_decay;
  bool nesterov, maximize;
  explicit SgdCoeffs(const SgdHyper& h)
      : neg_lr(static_cast<M>(-h.lr)),
        momentum(static_cast<M>(h.momentum)),
        one_minus_dampening(static_cast<M>(1 - h.dampening)),
        weight_decay(static_cast<M>(h.weight_decay)),
        nesterov(h.nesterov),
        maximize(h.maximize) {}
};

EMBER_HOST_DEVICE float optim_sqrt(float x) { return ::sqrtf(x); }
EMBER_HOST_DEVICE double optim_sqrt(double x) { return ::sqrt(x); }

// torch.maximum: NaN if either is NaN.
template <class M>
EMBER_HOST_DEVICE M optim_nan_max(M a, M b) {
  if (a != a) return a;
  if (b != b) return b;
  return a > b ? a : b;
}

// One element of an Adam (AdamW) step: p, exp_avg m, exp_avg_sq v and, with amsgrad,
// max_exp_avg_sq *vmax (null otherwise) updated in place from the gradient g.
template <class M>
EMBER_HOST_DEVICE void adam_element(M& p, M g, M& m, M& v, M* vmax, const AdamCoeffs<M>& c,
                                    M neg_step_size, M bc2_sqrt) {
  if (c.maximize) g = -g;
  if (c.decoupled) {
    p = p * c.decay;
  } else if (c.weight_decay != M(0)) {
    g = g + c.weight_decay * p;
  }
  m = m * c.beta1 + c.one_minus_beta1 * g;
  v = v * c.beta2 + c.one_minus_beta2 * (g * g);
  M s = v;
  if (vmax) {
    *vmax = optim_nan_max(*vmax, v);
    s = *vmax;
  }
  M denom = optim_sqrt(s) / bc2_sqrt + c.eps;
  p = p + neg_step_size * (m / denom);
}

// One element of an SGD step; `buf` is the momentum buffer's element (null without momentum),
// set to the decayed gradient on the buffer's first step.
template <class M>
EMBER_HOST_DEVICE void sgd_element(M& p, M g, M* buf, bool first_step, const SgdCoeffs<M>& c) {
  if (c.maximize) g = -g;
  if (c.weight_decay != M(0)) g = g + c.weight_decay * p;
  if (buf) {
    M b = first_step ? g : *buf * c.momentum + c.one_minus_dampening * g;
    *buf = b;
    g = c.nesterov ? g + c.momentum * b : b;
  }
  p = p + c.neg_lr * g;
}

// Element k of a parameter and its states stored as T (vmax / buf null when unused): loaded into
// M (the *_load functions), updated by the rules above and stored back (*_apply); *_update_at
// does both, the loop body of the CPU kernel (the CUDA kernels issue several elements' loads
// before the first update).
template <class M>
struct AdamElement {
  M p, g, m, v, vmax;
};
template <class T, class M>
EMBER_HOST_DEVICE AdamElement<M> adam_load(const T* p, const T* g, const T* m, const T* v,
                                           const T* vmax, int64_t k) {
  return {static_cast<M>(p[k]), static_cast<M>(g[k]), static_cast<M>(m[k]), static_cast<M>(v[k]),
          vmax ? static_cast<M>(vmax[k]) : M(0)};
}
template <class T, class M>
EMBER_HOST_DEVICE void adam_apply(AdamElement<M> e, T* p, T* m, T* v, T* vmax, int64_t k,
                                  const AdamCoeffs<M>& c, M neg_step_size, M bc2_sqrt) {
  adam_element<M>(e.p, e.g, e.m, e.v, vmax ? &e.vmax : nullptr, c, neg_step_size, bc2_sqrt);
  p[k] = static_cast<T>(e.p);
  m[k] = static_cast<T>(e.m);
  v[k] = static_cast<T>(e.v);
  if (vmax) vmax[k] = static_cast<T>(e.vmax);
}
template <class T, class M>
EMBER_HOST_DEVICE void adam_update_at(T* p, const T* g, T* m, T* v, T* vmax, int64_t k,
                                      const AdamCoeffs<M>& c, M neg_step_size, M bc2_sqrt) {
  adam_apply<T, M>(adam_load<T, M>(p, g, m, v, vmax, k), p, m, v, vmax, k, c, neg_step_size,
                   bc2_sqrt);
}

// A buffer's first step reads nothing from it (new buffers are uninitialised, as empty_like).
template <class M>
struct SgdElement {
  M p, g, buf;
};
template <class T, class M>
EMBER_HOST_DEVICE SgdElement<M> sgd_load(const T* p, const T* g, const T* buf, int64_t k,
                                         bool first_step) {
  return {static_cast<M>(p[k]), static_cast<M>(g[k]),
          buf && !first_step ? static_cast<M>(buf[k]) : M(0)};
}
template <class T, class M>
EMBER_HOST_DEVICE void sgd_apply(SgdElement<M> e, T* p, T* buf, int64_t k, bool first_step,
                                 const SgdCoeffs<M>& c) {
  sgd_element<M>(e.p, e.g, buf ? &e.buf : nullptr, first_step, c);
  p[k] = static_cast<T>(e.p);
  if (buf) buf[k] = static_cast<T>(e.buf);
}
template <class T, class M>
EMBER_HOST_DEVICE void sgd_update_at(T* p, const T* g, T* buf, int64_t k, bool first_step,
                                     const SgdCoeffs<M>& c) {
  sgd_apply<T, M>(sgd_load<T, M>(p, g, buf, k, first_step), p, buf, k, first_step, c);
}

}  // namespace ember
