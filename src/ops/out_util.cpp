// out= helpers (src/ops/out_util.h).
#include "src/ops/out_util.h"

#include "ember/autograd/grad_mode.h"

namespace ember {
namespace out_util {

void check_no_grad(const char* op, std::initializer_list<Tensor> tensors) {
  if (!autograd::GradMode::is_enabled()) return;
  for (const Tensor& t : tensors) {
    EMBER_CHECK(!(t.defined() && t.requires_grad()), "[", op, "] ", op,
                "_out(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad.");
  }
}

Tensor& assign(Tensor& out, const Tensor& result, const char* op, bool exact) {
  if (exact) {
    EMBER_CHECK(out.dtype() == result.dtype(), "[", op, "] Expected out tensor to have dtype ",
                toString(result.dtype()), ", but got ", toString(out.dtype()), " instead");
  } else {
    EMBER_CHECK(canCast(result.dtype(), out.dtype()), "[", op, "] result type ",
                toString(result.dtype()), " can't be cast to the desired output type ",
                toString(out.dtype()));
  }
  EMBER_CHECK(out.device() == result.device(), "[", op, "] Expected out tensor on ",
              result.device(), " but got ", out.device());
  if (out.sizes() != result.sizes()) out.resize_(result.sizes());
  out.copy_(result);
  return out;
}

}  // namespace out_util
}  // namespace ember
