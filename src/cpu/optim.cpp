// Multi-tensor optimizer steps on the CPU (src/kernels/optim.h): loops over each tensor (split over
// the pool when large) with the element rules of src/kernels/optim_math.h, the same ones the CUDA
// kernels run.
#include "src/kernels/optim.h"

#include "ember/core/parallel.h"

namespace ember {
namespace {

constexpr int64_t kGrain = 32768;  // elements per thread at least (a tensor's elements split)

template <class T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.data_ptr());
}

void fused_adam_kernel(TensorList params, TensorList grads, TensorList exp_avgs,
                       TensorList exp_avg_sqs, TensorList max_exp_avg_sqs, const int64_t* steps,
                       const AdamHyper& h) {
  if (params.empty()) return;
  visit_floating_types(params[0].dtype(), "_fused_adam_", [&]<class T>() {
    using M = opmath_t<T>;
    const AdamCoeffs<M> c(h);
    for (size_t i = 0; i < params.size(); ++i) {
      AdamStepScalars s = adam_step_scalars(h, steps[i]);
      const M neg_step_size = static_cast<M>(s.neg_step_size);
      const M bc2_sqrt = static_cast<M>(s.bc2_sqrt);
      T* p = ptr<T>(params[i]);
      const T* g = ptr<T>(grads[i]);
      T* m = ptr<T>(exp_avgs[i]);
      T* v = ptr<T>(exp_avg_sqs[i]);
      T* vmax = h.amsgrad ? ptr<T>(max_exp_avg_sqs[i]) : nullptr;
      const int64_t n = params[i].numel();
      parallel_for(0, n, kGrain, [&](int64_t a, int64_t b) {
        // Coefficients and pointers in locals, not read through the lambda's references (which
        // the stores might alias): then GCC vectorises plain Adam, whose test below lets the
        // element rule's branches fold away (the last two loops are the same source).
        const AdamCoeffs<M> cl = c;
        const M nss = neg_step_size, bc2 = bc2_sqrt;
        T* const pp = p;
        const T* const gp = g;
        T* const mp = m;
        T* const vp = v;
        T* const vx = vmax;
        if (vx) {
          for (int64_t k = a; k < b; ++k) adam_update_at(pp, gp, mp, vp, vx, k, cl, nss, bc2);
        } else if (!cl.maximize && !cl.decoupled && cl.weight_decay == M(0)) {
          for (int64_t k = a; k < b; ++k)
            adam_update_at(pp, gp, mp, vp, static_cast<T*>(nullptr), k, cl, nss, bc2);
        } else {
          for (int64_t k = a; k < b; ++k)
            adam_update_at(pp, gp, mp, vp, static_cast<T*>(nullptr), k, cl, nss, bc2);
        }
      });
    }
  });
}

void fused_sgd_kernel(TensorList params, TensorList grads, TensorList momentum_buffers,
                      bool first_step, const SgdHyper& h) {
  if (params.empty()) return;
  visit_floating_types(params[0].dtype(), "_fused_sgd_", [&]<class T>() {
    using M = opmath_t<T>;
    const SgdCoeffs<M> c(h);
    const bool has_buf = !momentum_buffers.empty();
    for (size_t i = 0; i < params.size(); ++i) {
      T* p = ptr<T>(params[i]);
      const T* g = ptr<T>(grads[i]);
      T* buf = has_buf ? ptr<T>(momentum_buffers[i]) : nullptr;
      const int64_t n = params[i].numel();
      parallel_for(0, n, kGrain, [&](int64_t a, int64_t b) {
        // Locals, not the lambda's references (see fused_adam_kernel); the first loop is plain
        // momentum SGD, its branches folded.
        const SgdCoeffs<M> cl = c;
        T* const pp = p;
        const T* const gp = g;
        T* const bp = buf;
        if (bp && !first_step && !cl.nesterov && !cl.maximize && cl.weight_decay == M(0)) {
          for (int64_t k = a; k < b; ++k) sgd_update_at(pp, gp, bp, k, false, cl);
        } else if (bp) {
          for (int64_t k = a; k < b; ++k) sgd_update_at(pp, gp, bp, k, first_step, cl);
        } else {
          for (int64_t k = a; k < b; ++k)
            sgd_update_at(pp, gp, static_cast<T*>(nullptr), k, first_step, cl);
        }
      });
    }
  });
}

}  // namespace

EMBER_DEFINE_STUB(fused_adam_stub, fused_adam_kernel);
EMBER_DEFINE_STUB(fused_sgd_stub, fused_sgd_kernel);
// CUDA only: the CPU clips with one norm and one mul per gradient.
EMBER_DEFINE_STUB(foreach_sum_squares_stub, nullptr);
EMBER_DEFINE_STUB(foreach_scale_stub, nullptr);

int64_t foreach_chunks(TensorList tensors) {
  int64_t n = 0;
  for (const Tensor& t : tensors) n += (t.numel() + kForeachChunk - 1) / kForeachChunk;
  return n;
}

}  // namespace ember
