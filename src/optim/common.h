#pragma once
// Helpers shared by the optimizers' sources (not public).
#include "ember/autograd/grad_mode.h"
#include "ember/optim/optimizer.h"

namespace ember {
namespace optim {
namespace detail {

// Python's `with torch.enable_grad(): loss = closure()`; an undefined Tensor without a closure.
inline Tensor eval_closure(const Optimizer::LossClosure& closure) {
  if (!closure) return {};
  AutoGradMode enable(true);
  return closure();
}

// PyTorch keeps some optimizer scalars (NAdam's mu_product, ASGD's eta and mu) in 0-dim tensors
// of the default dtype (float32 unless set_default_dtype changed it); rounding the same way keeps
// the updates equal to PyTorch's.
inline bool scalars_are_float() { return get_default_dtype() != kDouble; }
inline double round_scalar(double x) {
  return scalars_are_float() ? static_cast<double>(static_cast<float>(x)) : x;
}

}  // namespace detail
}  // namespace optim
}  // namespace ember
