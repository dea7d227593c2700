#pragma once
// Host-side helpers of the files that register CUDA kernels in the op stubs (kernels.cpp,
// index_kernels.cpp, nn_kernels.cpp, conv_kernels.cpp).
#include "ember/core/dispatch.h"
#include "ember/core/tensor.h"
#include "ember/cuda/stream.h"

namespace ember::cuda {

template <class Fn>
void reg(KernelStub<Fn>& stub, Fn f) {
  stub.table[static_cast<int>(kCUDA)] = f;
}

// The current stream of the tensor's device.
inline CUstream_st* stream_of(const Tensor& t) {
  return getCurrentCUDAStream(t.device().index()).stream();
}

}  // namespace ember::cuda
