#pragma once
// Block-wide sums shared by the CUDA kernels (src/cuda/loops.cuh includes this); no CUDA headers
// of its own, so the kernel headers that tests run through the SIMT emulator can use it.
namespace ember::cuda {

// Sum of a double over a block of kThreads threads (a multiple of 32); every thread gets it.
template <int kThreads>
__device__ double block_sum(double v) {
  __shared__ double partial[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  __syncthreads();  // earlier readers of `partial` are done
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  v = lane < kThreads / 32 ? partial[lane] : 0.0;
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

}  // namespace ember::cuda
