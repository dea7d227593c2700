#pragma once
#include "ember/nn/utils/clip_grad.h"
#include "ember/nn/utils/convert_parameters.h"
