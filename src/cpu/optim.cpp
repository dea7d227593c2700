// Multi-tensor optimizer steps on the CPU (src/kernels/optim.h): plain loops over each tensor with
// the element rules of src/kernels/optim_math.h, the same ones the CUDA kernels run.
#include "src/kernels/optim.h"

namespace ember {
namespace {

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
      for (int64_t k = 0; k < n; ++k)
        adam_update_at(p, g, m, v, vmax, k, c, neg_step_size, bc2_sqrt);
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
      for (int64_t k = 0; k < n; ++k) sgd_update_at(p, g, buf, k, first_step, c);
    }
  });
}

}  // namespace

EMBER_DEFINE_STUB(fused_adam_stub, fused_adam_kernel);
EMBER_DEFINE_STUB(fused_sgd_stub, fused_sgd_kernel);

}  // namespace ember
