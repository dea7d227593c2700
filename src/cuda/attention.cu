// The fused attention kernels (src/cuda/flash_attention.cuh) launched on the GPU.
#include <cuda_runtime.h>

#include "src/cuda/flash_attention.cuh"
#include "src/cuda/runtime.h"

namespace ember::cuda {
namespace {

// Kernels that need more than 48 KiB of shared memory must say so once.
template <class Kernel>
void allow_smem(Kernel kernel, size_t bytes, const char* op) {
  if (bytes > 48 * 1024) {
    EMBER_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                          static_cast<int>(bytes)),
                     op);
  }
}

// A launcher for flash::run: kernel(a) on the stream, errors reported with the op's name.
struct GpuLaunch {
  const FlashArgs& a;
  cudaStream_t stream;
  const char* op;
  void operator()(void (*kernel)(FlashArgs), dim3 grid, unsigned threads, size_t smem) const {
    allow_smem(kernel, smem, op);
    kernel<<<grid, threads, smem, stream>>>(a);
    detail::check_launch(op, stream);
  }
};

}  // namespace

void launch_flash_forward(const FlashArgs& a, CUstream_st* stream) {
  flash::run<true>(a, GpuLaunch{a, stream, "scaled_dot_product_attention"});
}

void launch_flash_backward(const FlashArgs& a, CUstream_st* stream) {
  flash::run<false>(a, GpuLaunch{a, stream, "scaled_dot_product_attention_backward"});
}

}  // namespace ember::cuda
