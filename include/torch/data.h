#pragma once
// libtorch compatibility: <torch/data.h> (torch::data is ember::data).
#include "torch/torch.h"
