#include "ember/nn/modules/bilinear.h"

#include <cmath>
#include <ostream>

#include "ember/nn/init.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "src/amp/autocast_hook.h"

namespace ember {
namespace nn {

Tensor functional::bilinear(const Tensor& input1, const Tensor& input2, const Tensor& weight,
                            const Tensor& bias) {
  EMBER_AUTOCAST(none, promote, bilinear, input1, input2, weight, bias);
  EMBER_CHECK(input1.dim() == input2.dim(),
              "[bilinear] bilinear(): input dimensions do not "
              "match: got ",
              input1.dim(), " and ", input2.dim());
  EMBER_CHECK(input1.dim() >= 1, "[bilinear] bilinear(): input must have at least 1 dimension");
  for (int64_t i = 0; i + 1 < input1.dim(); ++i)
    EMBER_CHECK(input1.size(i) == input2.size(i),
                "[bilinear] bilinear(): input batch "
                "dimensions do not match: got ",
                input1.sizes(), " and ", input2.sizes());
  EMBER_CHECK(weight.dim() == 3, "[bilinear] bilinear(): weight must be three-dimensional, got ",
              weight.sizes());
  EMBER_CHECK(input1.size(-1) == weight.size(1),
              "[bilinear] bilinear(): input1 size does not "
              "match weight size: got ",
              input1.size(-1), " but expected ", weight.size(1));
  EMBER_CHECK(input2.size(-1) == weight.size(2),
              "[bilinear] bilinear(): input2 size does not "
              "match weight size: got ",
              input2.size(-1), " but expected ", weight.size(2));
  if (bias.defined())
    EMBER_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0),
                "[bilinear] bilinear(): bias "
                "size does not match weight size: got ",
                bias.sizes(), " but expected ", weight.size(0));
  // y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j]
  Tensor t = input1.unsqueeze(-2).unsqueeze(-2).matmul(weight).squeeze(-2);  // [..., o, j]
  Tensor y = t.mul(input2.unsqueeze(-2)).sum(-1);
  return bias.defined() ? y + bias : y;
}

BilinearImpl::BilinearImpl(const BilinearOptions& options) : options(options) { reset(); }
void BilinearImpl::reset() {
  const auto& o = options;
  weight =
      register_parameter("weight", empty({o.out_features(), o.in1_features(), o.in2_features()}));
  bias = register_parameter("bias", o.bias() ? empty({o.out_features()}) : Tensor(), o.bias());
  reset_parameters();
}
void BilinearImpl::reset_parameters() {
  double bound = 1.0 / std::sqrt(static_cast<double>(weight.size(1)));
  init::uniform_(weight, -bound, bound);
  if (bias.defined()) init::uniform_(bias, -bound, bound);
}
void BilinearImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Bilinear(in1_features=" << options.in1_features()
     << ", in2_features=" << options.in2_features() << ", out_features=" << options.out_features()
     << ", bias=" << (options.bias() ? "true" : "false") << ")";
}
Tensor BilinearImpl::forward(const Tensor& input1, const Tensor& input2) {
  return functional::bilinear(input1, input2, weight, bias);
}

Tensor UnflattenImpl::forward(const Tensor& input) {
  return input.unflatten(options.dim(), options.sizes());
}
void UnflattenImpl::pretty_print(std::ostream& os) const {
  os << "torch::nn::Unflatten(dim=" << options.dim() << ", unflattened_size={";
  for (size_t i = 0; i < options.sizes().size(); ++i) os << (i ? ", " : "") << options.sizes()[i];
  os << "})";
}

}  // namespace nn
}  // namespace ember
