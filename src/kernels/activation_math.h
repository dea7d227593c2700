#pragma once
// Element formulas of the activation backward kernels, shared by the CPU kernels
// (src/cpu/activation.cpp) and the CUDA ones (src/cuda/activation.cu). M is the compute type
// (float for the 16-bit types).
#include <math.h>

#include "src/kernels/int_math.h"  // EMBER_HOST_DEVICE

namespace ember {

// d/dx gelu(x), with the tanh approximation when `approx`.
template <class M>
EMBER_HOST_DEVICE M gelu_derivative(M x, bool approx) {
  if (approx) {
    const M beta = M(0.7978845608028654), kappa = M(0.044715);
    M x2 = x * x;
    M t = ::tanh(beta * (x + kappa * x2 * x));
    return M(0.5) * (M(1) + t) + M(0.5) * x * (M(1) - t * t) * beta * (M(1) + M(3) * kappa * x2);
  }
  M cdf = M(0.5) * (M(1) + ::erf(x * M(0.7071067811865476)));
  M pdf = ::exp(M(-0.5) * x * x) * M(0.3989422804014327);
  return cdf + x * pdf;
}

}  // namespace ember
