// The explicit instantiations that ember/nn/instances.h declares extern.
#include "ember/ember.h"

#define EMBER_INSTANTIATE_MODULE(T) template class ::ember::nn::Cloneable<::ember::nn::T>;
#define EMBER_INSTANTIATE_OPTIONS(T) \
  template class ::ember::optim::OptimizerCloneableOptions<::ember::optim::T>;
#define EMBER_INSTANTIATE_STATE(T) \
  template class ::ember::optim::OptimizerCloneableParamState<::ember::optim::T>;
EMBER_NN_CLONEABLE_MODULES(EMBER_INSTANTIATE_MODULE)
EMBER_OPTIM_CLONEABLE_OPTIONS(EMBER_INSTANTIATE_OPTIONS)
EMBER_OPTIM_CLONEABLE_STATES(EMBER_INSTANTIATE_STATE)
