#pragma once
// Options of Dropout2d / Dropout3d / AlphaDropout / FeatureAlphaDropout and their functional
// forms (libtorch's names and defaults, torch/nn/options/dropout.h). DropoutOptions and
// DropoutFuncOptions themselves live in nn/options/layers.h.
#include "ember/nn/options/layers.h"

namespace ember {
namespace nn {

using Dropout2dOptions = DropoutOptions;
using Dropout3dOptions = DropoutOptions;
using AlphaDropoutOptions = DropoutOptions;
using FeatureAlphaDropoutOptions = DropoutOptions;

namespace functional {
using Dropout2dFuncOptions = DropoutFuncOptions;
using Dropout3dFuncOptions = DropoutFuncOptions;
// Unlike DropoutFuncOptions, libtorch's alpha forms default to training=false.
struct AlphaDropoutFuncOptions {
  TORCH_ARG(double, p) = 0.5;
  TORCH_ARG(bool, training) = false;
  TORCH_ARG(bool, inplace) = false;
};
struct FeatureAlphaDropoutFuncOptions {
  TORCH_ARG(double, p) = 0.5;
  TORCH_ARG(bool, training) = false;
  TORCH_ARG(bool, inplace) = false;
};
}  // namespace functional

}  // namespace nn
}  // namespace ember
