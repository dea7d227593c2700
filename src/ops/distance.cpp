// cosine_similarity (ember/ops/distance.h) as a composite of ember ops, as PyTorch's.
#include "ember/ops/distance.h"

#include "ember/iter/tensor_iterator.h"
#include "ember/ops/binary.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
#include "src/amp/autocast_hook.h"

namespace ember {

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  EMBER_AUTOCAST(fallthrough, fp32, cosine_similarity, x1, x2, dim, eps);
  EMBER_CHECK(x1.defined() && x2.defined(), "[cosine_similarity] inputs must be defined");
  EMBER_CHECK(x1.is_floating_point() && x2.is_floating_point(),
              "[cosine_similarity] expected floating point inputs, got ",
              dtype_name(x1.scalar_type()), " and ", dtype_name(x2.scalar_type()));
  DimVector shape = infer_size(x1.sizes(), x2.sizes(), "cosine_similarity");
  Tensor a = x1.expand(shape), b = x2.expand(shape);
  Tensor w12 = sum(a * b, IntArrayRef{dim});
  Tensor w1 = sum(a * a, IntArrayRef{dim});
  Tensor w2 = sum(b * b, IntArrayRef{dim});
  return w12 / sqrt(clamp_min(w1 * w2, eps * eps));
}

}  // namespace ember
