#pragma once
// libtorch compatibility: at::cuda streams, events and allocator in one header.
#include "c10/util/compat.h"
#include "ember/core/context.h"
#include "ember/cuda/caching_allocator.h"
#include "ember/cuda/event.h"
#include "ember/cuda/stream.h"
