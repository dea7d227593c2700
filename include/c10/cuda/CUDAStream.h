#pragma once
// libtorch compatibility: c10::cuda streams, guards and device functions (see ember/cuda/stream.h).
#include "c10/util/compat.h"
#include "ember/cuda/stream.h"
