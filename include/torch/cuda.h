#pragma once
// libtorch compatibility: torch::cuda::is_available, device_count, synchronize, manual_seed.
#include "c10/util/compat.h"
#include "ember/cuda.h"
