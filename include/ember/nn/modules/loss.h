#pragma once
// Loss modules (torch::nn::CrossEntropyLoss, ...): options + forward calling nn::functional,
// printed as libtorch prints them. Weights are registered as buffers as in libtorch.
#include "ember/nn/functional/loss.h"
#include "ember/nn/options/loss.h"
#include "ember/nn/pimpl.h"

namespace ember {
namespace nn {

// A loss with options, no state, forward(input, target).
#define EMBER_LOSS_MODULE(Name, Options)                       \
  class Name##Impl : public Cloneable<Name##Impl> {            \
   public:                                                     \
    explicit Name##Impl(Options options_ = {});                \
    void reset() override;                                     \
    void pretty_print(std::ostream& os) const override;        \
    Tensor forward(const Tensor& input, const Tensor& target); \
    Options options;                                           \
  };                                                           \
  TORCH_MODULE(Name)

// The same with three inputs.
#define EMBER_LOSS_MODULE3(Name, Options, A, B, C)                     \
  class Name##Impl : public Cloneable<Name##Impl> {                    \
   public:                                                             \
    explicit Name##Impl(Options options_ = {});                        \
    void reset() override;                                             \
    void pretty_print(std::ostream& os) const override;                \
    Tensor forward(const Tensor& A, const Tensor& B, const Tensor& C); \
    Options options;                                                   \
  };                                                                   \
  TORCH_MODULE(Name)

EMBER_LOSS_MODULE(L1Loss, L1LossOptions);
EMBER_LOSS_MODULE(KLDivLoss, KLDivLossOptions);
EMBER_LOSS_MODULE(MSELoss, MSELossOptions);
EMBER_LOSS_MODULE(BCELoss, BCELossOptions);
EMBER_LOSS_MODULE(HingeEmbeddingLoss, HingeEmbeddingLossOptions);
EMBER_LOSS_MODULE(MultiMarginLoss, MultiMarginLossOptions);
EMBER_LOSS_MODULE(MultiLabelSoftMarginLoss, MultiLabelSoftMarginLossOptions);
EMBER_LOSS_MODULE(MultiLabelMarginLoss, MultiLabelMarginLossOptions);
EMBER_LOSS_MODULE(SoftMarginLoss, SoftMarginLossOptions);
EMBER_LOSS_MODULE(SmoothL1Loss, SmoothL1LossOptions);
EMBER_LOSS_MODULE(HuberLoss, HuberLossOptions);
EMBER_LOSS_MODULE(PoissonNLLLoss, PoissonNLLLossOptions);
EMBER_LOSS_MODULE3(CosineEmbeddingLoss, CosineEmbeddingLossOptions, input1, input2, target);
EMBER_LOSS_MODULE3(TripletMarginLoss, TripletMarginLossOptions, anchor, positive, negative);
EMBER_LOSS_MODULE3(TripletMarginWithDistanceLoss, TripletMarginWithDistanceLossOptions, anchor,
                   positive, negative);
EMBER_LOSS_MODULE3(MarginRankingLoss, MarginRankingLossOptions, input1, input2, target);
EMBER_LOSS_MODULE3(GaussianNLLLoss, GaussianNLLLossOptions, input, target, var);

#undef EMBER_LOSS_MODULE
#undef EMBER_LOSS_MODULE3

class CTCLossImpl : public Cloneable<CTCLossImpl> {
 public:
  explicit CTCLossImpl(CTCLossOptions options_ = {});
  void reset() override;
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& log_probs, const Tensor& targets, const Tensor& input_lengths,
                 const Tensor& target_lengths);
  CTCLossOptions options;
};
TORCH_MODULE(CTCLoss);

class NLLLossImpl : public Cloneable<NLLLossImpl> {
 public:
  explicit NLLLossImpl(NLLLossOptions options_ = {});
  void reset() override;
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  NLLLossOptions options;
  Tensor weight;
};
TORCH_MODULE(NLLLoss);

class CrossEntropyLossImpl : public Cloneable<CrossEntropyLossImpl> {
 public:
  explicit CrossEntropyLossImpl(CrossEntropyLossOptions options_ = {});
  void reset() override;
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  CrossEntropyLossOptions options;
  Tensor weight;
};
TORCH_MODULE(CrossEntropyLoss);

class BCEWithLogitsLossImpl : public Cloneable<BCEWithLogitsLossImpl> {
 public:
  explicit BCEWithLogitsLossImpl(BCEWithLogitsLossOptions options_ = {});
  void reset() override;
  void pretty_print(std::ostream& os) const override;
  Tensor forward(const Tensor& input, const Tensor& target);
  BCEWithLogitsLossOptions options;
  Tensor weight;
  Tensor pos_weight;
};
TORCH_MODULE(BCEWithLogitsLoss);

}  // namespace nn
}  // namespace ember
