#pragma once
// The built-in modules' Cloneable<...>::clone and the optimizers' option and state clone() are
// instantiated once, in the library (src/nn/instances.cpp): these explicit instantiation
// declarations keep every program that includes <torch/torch.h> from instantiating them again
// (about a sixth of the umbrella header's compile time). A module or optimizer added to the library
// goes into these lists.
#include "ember/nn/container.h"
#include "ember/nn/modules/activation.h"
#include "ember/nn/modules/attention.h"
#include "ember/nn/modules/batchnorm.h"
#include "ember/nn/modules/bilinear.h"
#include "ember/nn/modules/conv.h"
#include "ember/nn/modules/distance.h"
#include "ember/nn/modules/dropout.h"
#include "ember/nn/modules/embedding.h"
#include "ember/nn/modules/layers.h"
#include "ember/nn/modules/loss.h"
#include "ember/nn/modules/normalization.h"
#include "ember/nn/modules/pooling.h"
#include "ember/nn/modules/rnn.h"
#include "ember/nn/modules/transformer.h"
#include "ember/nn/modules/upsampling.h"
#include "ember/optim.h"

// clang-format off
#define EMBER_NN_CLONEABLE_MODULES(X) \
  X(AdaptiveAvgPool1dImpl) X(AdaptiveAvgPool2dImpl) X(AdaptiveAvgPool3dImpl) \
  X(AdaptiveMaxPool1dImpl) X(AdaptiveMaxPool2dImpl) X(AdaptiveMaxPool3dImpl) X(AlphaDropoutImpl) \
  X(AvgPool1dImpl) X(AvgPool2dImpl) X(AvgPool3dImpl) X(BCELossImpl) X(BCEWithLogitsLossImpl) \
  X(BatchNorm1dImpl) X(BatchNorm2dImpl) X(BatchNorm3dImpl) X(BilinearImpl) X(CELUImpl) \
  X(CTCLossImpl) X(ConstantPad1dImpl) X(ConstantPad2dImpl) X(ConstantPad3dImpl) X(Conv1dImpl) \
  X(Conv2dImpl) X(Conv3dImpl) X(ConvTranspose1dImpl) X(ConvTranspose2dImpl) \
  X(ConvTranspose3dImpl) X(CosineEmbeddingLossImpl) X(CosineSimilarityImpl) \
  X(CrossEntropyLossImpl) X(CrossMapLRN2dImpl) X(Dropout2dImpl) X(Dropout3dImpl) X(DropoutImpl) \
  X(ELUImpl) X(EmbeddingBagImpl) X(EmbeddingImpl) X(FeatureAlphaDropoutImpl) X(FlattenImpl) \
  X(FoldImpl) X(FunctionalImpl) X(GELUImpl) X(GLUImpl) X(GRUCellImpl) X(GRUImpl) \
  X(GaussianNLLLossImpl) X(GroupNormImpl) X(HardshrinkImpl) X(HardsigmoidImpl) X(HardswishImpl) \
  X(HardtanhImpl) X(HingeEmbeddingLossImpl) X(HuberLossImpl) X(IdentityImpl) \
  X(InstanceNorm1dImpl) X(InstanceNorm2dImpl) X(InstanceNorm3dImpl) X(KLDivLossImpl) \
  X(L1LossImpl) X(LPPool1dImpl) X(LPPool2dImpl) X(LSTMCellImpl) X(LSTMImpl) X(LayerNormImpl) \
  X(LeakyReLUImpl) X(LinearImpl) X(LocalResponseNormImpl) X(LogSigmoidImpl) X(LogSoftmaxImpl) \
  X(MSELossImpl) X(MarginRankingLossImpl) X(MaxPool1dImpl) X(MaxPool2dImpl) X(MaxPool3dImpl) \
  X(MaxUnpool1dImpl) X(MaxUnpool2dImpl) X(MaxUnpool3dImpl) X(MishImpl) X(ModuleDictImpl) \
  X(ModuleListImpl) X(MultiLabelMarginLossImpl) X(MultiLabelSoftMarginLossImpl) \
  X(MultiMarginLossImpl) X(MultiheadAttentionImpl) X(NLLLossImpl) X(PReLUImpl) \
  X(PairwiseDistanceImpl) X(ParameterDictImpl) X(ParameterListImpl) X(PixelShuffleImpl) \
  X(PixelUnshuffleImpl) X(PoissonNLLLossImpl) X(RMSNormImpl) X(RNNCellImpl) X(RNNImpl) \
  X(RReLUImpl) X(ReLU6Impl) X(ReLUImpl) X(ReflectionPad1dImpl) X(ReflectionPad2dImpl) \
  X(ReflectionPad3dImpl) X(ReplicationPad1dImpl) X(ReplicationPad2dImpl) X(ReplicationPad3dImpl) \
  X(SELUImpl) X(SequentialImpl) X(SiLUImpl) X(SigmoidImpl) X(SmoothL1LossImpl) \
  X(SoftMarginLossImpl) X(Softmax2dImpl) X(SoftmaxImpl) X(SoftminImpl) X(SoftplusImpl) \
  X(SoftshrinkImpl) X(SoftsignImpl) X(TanhImpl) X(TanhshrinkImpl) X(ThresholdImpl) \
  X(TransformerDecoderImpl) X(TransformerDecoderLayerImpl) X(TransformerEncoderImpl) \
  X(TransformerEncoderLayerImpl) X(TransformerImpl) X(TripletMarginLossImpl) \
  X(TripletMarginWithDistanceLossImpl) X(UnflattenImpl) X(UnfoldImpl) X(UpsampleImpl) \
  X(ZeroPad2dImpl)

#define EMBER_OPTIM_CLONEABLE_OPTIONS(X) \
  X(ASGDOptions) X(AdadeltaOptions) X(AdagradOptions) X(AdamOptions) X(AdamWOptions) \
  X(AdamaxOptions) X(LBFGSOptions) X(NAdamOptions) X(RAdamOptions) X(RMSpropOptions) \
  X(RpropOptions) X(SGDOptions)

#define EMBER_OPTIM_CLONEABLE_STATES(X) \
  X(ASGDParamState) X(AdadeltaParamState) X(AdagradParamState) X(AdamParamState) \
  X(AdamaxParamState) X(LBFGSParamState) X(NAdamParamState) X(RAdamParamState) \
  X(RMSpropParamState) X(RpropParamState) X(SGDParamState)
// clang-format on

#define EMBER_EXTERN_MODULE(T) extern template class ::ember::nn::Cloneable<::ember::nn::T>;
#define EMBER_EXTERN_OPTIONS(T) \
  extern template class ::ember::optim::OptimizerCloneableOptions<::ember::optim::T>;
#define EMBER_EXTERN_STATE(T) \
  extern template class ::ember::optim::OptimizerCloneableParamState<::ember::optim::T>;
EMBER_NN_CLONEABLE_MODULES(EMBER_EXTERN_MODULE)
EMBER_OPTIM_CLONEABLE_OPTIONS(EMBER_EXTERN_OPTIONS)
EMBER_OPTIM_CLONEABLE_STATES(EMBER_EXTERN_STATE)
#undef EMBER_EXTERN_MODULE
#undef EMBER_EXTERN_OPTIONS
#undef EMBER_EXTERN_STATE
