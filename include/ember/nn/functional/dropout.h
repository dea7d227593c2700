#pragma once
// torch::nn::functional dropout2d / dropout3d / alpha_dropout / feature_alpha_dropout (F::dropout
// is in nn/functional.h). As libtorch 1.13: dropout2d takes a 4-D batch or a 3-D unbatched
// (C, H, W) input (dropout3d: 5-D or 4-D), one mask entry per channel.
#include "ember/nn/options/dropout.h"
#include "ember/ops/dropout.h"

namespace ember {
namespace nn {
namespace functional {

Tensor dropout2d(Tensor input, const Dropout2dFuncOptions& options = {});
Tensor dropout3d(Tensor input, const Dropout3dFuncOptions& options = {});
Tensor alpha_dropout(Tensor input, const AlphaDropoutFuncOptions& options = {});
Tensor feature_alpha_dropout(Tensor input, const FeatureAlphaDropoutFuncOptions& options = {});

}  // namespace functional
}  // namespace nn
}  // namespace ember
