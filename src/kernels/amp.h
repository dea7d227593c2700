#pragma once
// Gradient-scaler kernels (GradScaler, src/amp/grad_scaler.cpp).
#include "ember/core/dispatch.h"
#include "ember/iter/tensor_iterator.h"

namespace ember {
// In place over `it` (out = in = a gradient): x * inv_scale (x itself when inv_scale is 1);
// sets *found_inf when an element is inf or NaN. Floating dtypes; 16-bit ones compute in float.
using AmpUnscaleFn = void (*)(TensorIterator& it, float inv_scale, bool* found_inf);
// scale (float [1]), growth_tracker (int [1]) updated from found_inf (float [1]).
using AmpUpdateScaleFn = void (*)(const Tensor& scale, const Tensor& growth_tracker,
                                  const Tensor& found_inf, double growth_factor,
                                  double backoff_factor, int64_t growth_interval);
EMBER_DECLARE_STUB(amp_unscale_stub, AmpUnscaleFn);
EMBER_DECLARE_STUB(amp_update_scale_stub, AmpUpdateScaleFn);
}  // namespace ember
