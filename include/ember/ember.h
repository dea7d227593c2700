#pragma once
// ember: PyTorch's C++ API, reimplemented. Include this (or <torch/torch.h>) for everything.
#include "ember/autograd/engine.h"
#include "ember/autograd/grad_mode.h"
#include "ember/core/generator.h"
#include "ember/core/parallel.h"
#include "ember/core/tensor.h"
#include "ember/ops/binary.h"
#include "ember/ops/factory.h"
#include "ember/ops/linalg.h"
#include "ember/ops/reduce.h"
#include "ember/ops/shape.h"
#include "ember/ops/ternary.h"
#include "ember/ops/unary.h"
