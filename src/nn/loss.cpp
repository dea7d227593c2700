// nn::functional losses (libtorch's argument checks, then the ATen-level ops in src/ops/loss*.cpp)
// and the loss modules.
#include "ember/nn/modules/loss.h"

#include <ostream>

#include "ember/ember.h"
#include "ember/iter/tensor_iterator.h"
#include "ember/nn/functional/loss.h"

namespace ember {
namespace nn {

namespace F = functional;
using enumtype::reduction_get_enum;

namespace {
// log(sigmoid(x)) = -(m + log(exp(-m) + exp(-x - m))), m = max(-x, 0): no overflow.
Tensor log_sigmoid_composite(const Tensor& x) {
  Tensor m = clamp_min(-x, 0);
  return -(m + ((-m).exp() + (-x - m).exp()).log());
}
}  // namespace

// ---- functional ----

Tensor F::l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& o) {
  return ember::l1_loss(input, target, reduction_get_enum(o.reduction()));
}

Tensor F::kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& o) {
  bool batchmean = std::holds_alternative<enumtype::kBatchMean>(o.reduction());
  int64_t r = batchmean ? Reduction::Sum : reduction_get_enum(o.reduction());
  Tensor reduced = ember::kl_div(input, target, r, o.log_target());
  if (batchmean && input.dim() != 0) reduced = reduced / input.size(0);
  return reduced;
}

Tensor F::mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& o) {
  return ember::mse_loss(input, target, reduction_get_enum(o.reduction()));
}

Tensor F::binary_cross_entropy(const Tensor& input, const Tensor& target,
                               const BinaryCrossEntropyFuncOptions& o) {
  EMBER_CHECK(target.sizes() == input.sizes(), "[binary_cross_entropy] Using a target size (",
              target.sizes(), ") that is different to the input size (", input.sizes(),
              ") is deprecated. Please ensure they have the same size.");
  Tensor w = o.weight();
  if (w.defined()) w = w.expand(infer_size(target.sizes(), w.sizes(), "binary_cross_entropy"));
  return ember::binary_cross_entropy(input, target, w, reduction_get_enum(o.reduction()));
}

Tensor F::hinge_embedding_loss(const Tensor& input, const Tensor& target,
                               const HingeEmbeddingLossFuncOptions& o) {
  return ember::hinge_embedding_loss(input, target, o.margin(), reduction_get_enum(o.reduction()));
}

Tensor F::multi_margin_loss(const Tensor& input, const Tensor& target,
                            const MultiMarginLossFuncOptions& o) {
  EMBER_CHECK(o.p() == 1 || o.p() == 2, "[multi_margin_loss] only p == 1 and p == 2 supported");
  if (o.weight().defined())
    EMBER_CHECK(o.weight().dim() == 1, "[multi_margin_loss] weight must be one-dimensional");
  return ember::multi_margin_loss(input, target, o.p(), o.margin(), o.weight(),
                                  reduction_get_enum(o.reduction()));
}

Tensor F::cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                                const CosineEmbeddingLossFuncOptions& o) {
  return ember::cosine_embedding_loss(input1, input2, target, o.margin(),
                                      reduction_get_enum(o.reduction()));
}

Tensor F::smooth_l1_loss(const Tensor& input, const Tensor& target,
                         const SmoothL1LossFuncOptions& o, double beta) {
  // libtorch: the beta argument wins only when the options keep the default.
  double b = o.beta() != 1.0 ? o.beta() : beta;
  return ember::smooth_l1_loss(input, target, reduction_get_enum(o.reduction()), b);
}

Tensor F::huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& o) {
  return ember::huber_loss(input, target, reduction_get_enum(o.reduction()), o.delta());
}

Tensor F::multilabel_margin_loss(const Tensor& input, const Tensor& target,
                                 const MultilabelMarginLossFuncOptions& o) {
  return ember::multilabel_margin_loss(input, target, reduction_get_enum(o.reduction()));
}

Tensor F::soft_margin_loss(const Tensor& input, const Tensor& target,
                           const SoftMarginLossFuncOptions& o) {
  return ember::soft_margin_loss(input, target, reduction_get_enum(o.reduction()));
}

Tensor F::multilabel_soft_margin_loss(const Tensor& input, const Tensor& target,
                                      const MultilabelSoftMarginLossFuncOptions& o) {
  Tensor loss =
      -(target * log_sigmoid_composite(input) + (1 - target) * log_sigmoid_composite(-input));
  if (o.weight().defined()) loss = loss * o.weight();
  int64_t class_dim = input.dim() - 1;
  int64_t C = input.size(class_dim);
  loss = loss.sum(IntArrayRef{class_dim}) / C;
  int64_t r = reduction_get_enum(o.reduction());
  if (r == Reduction::Mean) return loss.mean();
  if (r == Reduction::Sum) return loss.sum();
  return loss;
}

Tensor F::triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative,
                              const TripletMarginLossFuncOptions& o) {
  return ember::triplet_margin_loss(anchor, positive, negative, o.margin(), o.p(), o.eps(),
                                    o.swap(), reduction_get_enum(o.reduction()));
}

Tensor F::triplet_margin_with_distance_loss(const Tensor& anchor, const Tensor& positive,
                                            const Tensor& negative,
                                            const TripletMarginWithDistanceLossFuncOptions& o) {
  auto dist = [&](const Tensor& a, const Tensor& b) {
    return o.distance_function() ? (*o.distance_function())(a, b) : ember::pairwise_distance(a, b);
  };
  Tensor d_pos = dist(anchor, positive);
  Tensor d_neg = dist(anchor, negative);
  if (o.swap()) d_neg = minimum(d_neg, dist(positive, negative));
  Tensor loss = clamp_min(d_pos - d_neg + o.margin(), 0);
  int64_t r = reduction_get_enum(o.reduction());
  if (r == Reduction::Mean) return loss.mean();
  if (r == Reduction::Sum) return loss.sum();
  return loss;
}

Tensor F::ctc_loss(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                   const Tensor& target_lengths, const CTCLossFuncOptions& o) {
  return ember::ctc_loss(log_probs, targets, input_lengths, target_lengths, o.blank(),
                         reduction_get_enum(o.reduction()), o.zero_infinity());
}

Tensor F::poisson_nll_loss(const Tensor& input, const Tensor& target,
                           const PoissonNLLLossFuncOptions& o) {
  return ember::poisson_nll_loss(input, target, o.log_input(), o.full(), o.eps(),
                                 reduction_get_enum(o.reduction()));
}

Tensor F::gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                            const GaussianNLLLossFuncOptions& o) {
  return ember::gaussian_nll_loss(input, target, var, o.full(), o.eps(),
                                  reduction_get_enum(o.reduction()));
}

Tensor F::margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                              const MarginRankingLossFuncOptions& o) {
  EMBER_CHECK(input1.dim() == input2.dim() && input1.dim() == target.dim(),
              "[margin_ranking_loss] All input tensors should have same dimension but got sizes: "
              "input1: ",
              input1.sizes(), ", input2: ", input2.sizes(), ", target: ", target.sizes());
  return ember::margin_ranking_loss(input1, input2, target, o.margin(),
                                    reduction_get_enum(o.reduction()));
}

Tensor F::nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& o) {
  EMBER_CHECK(input.dim() >= 2, "[nll_loss] Expected 2 or more dimensions (got ", input.dim(), ")");
  EMBER_CHECK(target.dim() >= 1 && input.size(0) == target.size(0),
              "[nll_loss] Expected input batch_size (", input.size(0),
              ") to match target batch_size (", target.dim() >= 1 ? target.size(0) : 0, ").");
  return ember::nll_loss_nd(input, target, o.weight(), reduction_get_enum(o.reduction()),
                            o.ignore_index());
}

Tensor F::cross_entropy(const Tensor& input, const Tensor& target,
                        const CrossEntropyFuncOptions& o) {
  return ember::cross_entropy_loss(input, target, o.weight(), reduction_get_enum(o.reduction()),
                                   o.ignore_index(), o.label_smoothing());
}

Tensor F::binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                           const BinaryCrossEntropyWithLogitsFuncOptions& o) {
  EMBER_CHECK(target.sizes() == input.sizes(), "[binary_cross_entropy_with_logits] Target size (",
              target.sizes(), ") must be the same as input size (", input.sizes(), ")");
  return ember::binary_cross_entropy_with_logits(input, target, o.weight(), o.pos_weight(),
                                                 reduction_get_enum(o.reduction()));
}

// ---- modules ----

#define EMBER_LOSS_BASICS(Name, Options, printed)                                      \
  Name##Impl::Name##Impl(Options options_) : options(std::move(options_)) { reset(); } \
  void Name##Impl::pretty_print(std::ostream& os) const { os << printed; }

#define EMBER_LOSS_SIMPLE(Name, Options, printed, fn)                     \
  EMBER_LOSS_BASICS(Name, Options, printed)                               \
  void Name##Impl::reset() {}                                             \
  Tensor Name##Impl::forward(const Tensor& input, const Tensor& target) { \
    return F::fn(input, target, options);                                 \
  }

EMBER_LOSS_SIMPLE(L1Loss, L1LossOptions, "torch::nn::L1Loss()", l1_loss)
EMBER_LOSS_SIMPLE(KLDivLoss, KLDivLossOptions, "torch::nn::KLDivLoss()", kl_div)
EMBER_LOSS_SIMPLE(MSELoss, MSELossOptions, "torch::nn::MSELoss()", mse_loss)
EMBER_LOSS_SIMPLE(HingeEmbeddingLoss, HingeEmbeddingLossOptions,
                  "torch::nn::HingeEmbeddingLoss(margin=" << options.margin() << ")",
                  hinge_embedding_loss)
EMBER_LOSS_SIMPLE(MultiLabelMarginLoss, MultiLabelMarginLossOptions,
                  "torch::nn::MultiLabelMarginLoss()", multilabel_margin_loss)
EMBER_LOSS_SIMPLE(SoftMarginLoss, SoftMarginLossOptions, "torch::nn::SoftMarginLoss()",
                  soft_margin_loss)
EMBER_LOSS_SIMPLE(HuberLoss, HuberLossOptions, "torch::nn::HuberLoss", huber_loss)
EMBER_LOSS_SIMPLE(PoissonNLLLoss, PoissonNLLLossOptions, "torch::nn::PoissonNLLLoss()",
                  poisson_nll_loss)

EMBER_LOSS_BASICS(SmoothL1Loss, SmoothL1LossOptions, "torch::nn::SmoothL1Loss")
void SmoothL1LossImpl::reset() {}
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return ember::smooth_l1_loss(input, target, reduction_get_enum(options.reduction()),
                               options.beta());
}

EMBER_LOSS_BASICS(BCELoss, BCELossOptions, "torch::nn::BCELoss()")
void BCELossImpl::reset() { register_buffer("weight", options.weight()); }
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy(input, target, options);
}

EMBER_LOSS_BASICS(MultiMarginLoss, MultiMarginLossOptions,
                  "torch::nn::MultiMarginLoss(p="
                      << options.p() << ", margin=" << options.margin()
                      << ", weight=" << options.weight()
                      << ", reduction=" << enumtype::get_enum_name(options.reduction()) << ")")
void MultiMarginLossImpl::reset() {
  EMBER_CHECK(options.p() == 1 || options.p() == 2,
              "[MultiMarginLoss] only p == 1 and p == 2 supported");
  EMBER_CHECK(!options.weight().defined() || options.weight().dim() == 1,
              "[MultiMarginLoss] weight must be one-dimensional");
  register_buffer("weight", options.weight());
}
Tensor MultiMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multi_margin_loss(input, target, options);
}

EMBER_LOSS_BASICS(MultiLabelSoftMarginLoss, MultiLabelSoftMarginLossOptions,
                  "torch::nn::MultiLabelSoftMarginLoss()")
void MultiLabelSoftMarginLossImpl::reset() { register_buffer("weight", options.weight()); }
Tensor MultiLabelSoftMarginLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::multilabel_soft_margin_loss(input, target, options);
}

EMBER_LOSS_BASICS(CosineEmbeddingLoss, CosineEmbeddingLossOptions,
                  "torch::nn::CosineEmbeddingLoss(margin=" << options.margin() << ")")
void CosineEmbeddingLossImpl::reset() {}
Tensor CosineEmbeddingLossImpl::forward(const Tensor& input1, const Tensor& input2,
                                        const Tensor& target) {
  return F::cosine_embedding_loss(input1, input2, target, options);
}

EMBER_LOSS_BASICS(TripletMarginLoss, TripletMarginLossOptions,
                  "torch::nn::TripletMarginLoss(margin="
                      << options.margin() << ", p=" << options.p() << ", eps=" << options.eps()
                      << std::boolalpha << ", swap=" << options.swap() << ")")
void TripletMarginLossImpl::reset() {}
Tensor TripletMarginLossImpl::forward(const Tensor& anchor, const Tensor& positive,
                                      const Tensor& negative) {
  return F::triplet_margin_loss(anchor, positive, negative, options);
}

EMBER_LOSS_BASICS(TripletMarginWithDistanceLoss, TripletMarginWithDistanceLossOptions,
                  "torch::nn::TripletMarginWithDistanceLoss(margin="
                      << options.margin() << std::boolalpha << ", swap=" << options.swap() << ")")
void TripletMarginWithDistanceLossImpl::reset() {}
Tensor TripletMarginWithDistanceLossImpl::forward(const Tensor& anchor, const Tensor& positive,
                                                  const Tensor& negative) {
  return F::triplet_margin_with_distance_loss(anchor, positive, negative, options);
}

EMBER_LOSS_BASICS(MarginRankingLoss, MarginRankingLossOptions, "torch::nn::MarginRankingLoss()")
void MarginRankingLossImpl::reset() {}
Tensor MarginRankingLossImpl::forward(const Tensor& input1, const Tensor& input2,
                                      const Tensor& target) {
  return F::margin_ranking_loss(input1, input2, target, options);
}

EMBER_LOSS_BASICS(GaussianNLLLoss, GaussianNLLLossOptions, "torch::nn::GaussianNLLLoss()")
void GaussianNLLLossImpl::reset() {}
Tensor GaussianNLLLossImpl::forward(const Tensor& input, const Tensor& target, const Tensor& var) {
  return F::gaussian_nll_loss(input, target, var, options);
}

EMBER_LOSS_BASICS(CTCLoss, CTCLossOptions, "torch::nn::CTCLoss()")
void CTCLossImpl::reset() {}
Tensor CTCLossImpl::forward(const Tensor& log_probs, const Tensor& targets,
                            const Tensor& input_lengths, const Tensor& target_lengths) {
  return F::ctc_loss(log_probs, targets, input_lengths, target_lengths, options);
}

EMBER_LOSS_BASICS(NLLLoss, NLLLossOptions, "torch::nn::NLLLoss()")
void NLLLossImpl::reset() { weight = register_buffer("weight", options.weight()); }
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::nll_loss(input, target, NLLLossOptions(options).weight(weight));
}

EMBER_LOSS_BASICS(CrossEntropyLoss, CrossEntropyLossOptions, "torch::nn::CrossEntropyLoss()")
void CrossEntropyLossImpl::reset() { weight = register_buffer("weight", options.weight()); }
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::cross_entropy(input, target, CrossEntropyLossOptions(options).weight(weight));
}

EMBER_LOSS_BASICS(BCEWithLogitsLoss, BCEWithLogitsLossOptions, "torch::nn::BCEWithLogitsLoss()")
void BCEWithLogitsLossImpl::reset() {
  weight = register_buffer("weight", options.weight());
  pos_weight = register_buffer("pos_weight", options.pos_weight());
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return F::binary_cross_entropy_with_logits(
      input, target, BCEWithLogitsLossOptions(options).weight(weight).pos_weight(pos_weight));
}

}  // namespace nn
}  // namespace ember
