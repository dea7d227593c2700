#pragma once
// libtorch compatibility: c10::cuda::CUDACachingAllocator (see ember/cuda/caching_allocator.h).
#include "c10/util/compat.h"
#include "ember/cuda/caching_allocator.h"
