#pragma once
// torch::nn::utils: gradient clipping, parameter/vector conversion, rnn packing.
#include "ember/nn/utils/clip_grad.h"
#include "ember/nn/utils/convert_parameters.h"
#include "ember/nn/utils/rnn.h"
