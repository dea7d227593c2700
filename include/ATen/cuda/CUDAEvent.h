#pragma once
// libtorch compatibility: at::cuda::CUDAEvent (see ember/cuda/event.h).
#include "c10/util/compat.h"
#include "ember/cuda/event.h"
