#pragma once
// libtorch compatibility: programs written against <torch/torch.h> build against ember.
#include "ember/ember.h"
#include "c10/util/compat.h"
