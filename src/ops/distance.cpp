// cosine_similarity (ember/ops/distance.h) as a composite of ember ops, as PyTorch's.
#include "ember/ops/distance.h"

#include "ember/ops/binary.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"

namespace ember {

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  EMBER_CHECK(x1.defined() && x2.defined(), "[cosine_similarity] inputs must be defined");
  EMBER_CHECK(x1.is_floating_point() && x2.is_floating_point(),
              "[cosine_similarity] expected floating point inputs, got ",
              dtype_name(x1.scalar_type()), " and ", dtype_name(x2.scalar_type()));
  // Products broadcast x1 and x2 (and raise PyTorch's size-mismatch error).
  Tensor w12 = sum(x1 * x2, IntArrayRef{dim});
  Tensor w1 = sum(x1 * x1, IntArrayRef{dim});
  Tensor w2 = sum(x2 * x2, IntArrayRef{dim});
  return w12 / sqrt(clamp_min(w1 * w2, eps * eps));
}

}  // namespace ember
