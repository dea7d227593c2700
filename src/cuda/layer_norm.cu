// Layer norm over contiguous float rows whose length N is a multiple of 4 up to 1024 (GPT-2's 768
// and 1024): one warp per row with the row in registers, V float4 per lane (lane l holds float4s
// l, l + 32, ..., V = ceil(N / 128) <= 8; the backward holds 4 V float4 per lane). The forward
// reads x once (the generic kernels in nn.cu read it three times, with a block and two block-wide
// sums per row); the backward reads x and gy once for the input gradient and the weight and bias
// gradients together: each warp sums its rows' gy * xhat and gy per column in registers, the block
// adds its warps' sums in a fixed order into one row of partial sums, and a second kernel adds the
// blocks' rows in double - the same result on every run. Statistics in float, as PyTorch's CUDA
// kernels (the CPU and nn.cu kernels accumulate in double; the difference is within float rounding
// of the row's values). EMBER_CUDA_LAYER_NORM_ROWS=0 (read once) keeps every shape on the generic
// kernels. The kernels are in src/cuda/layer_norm_rows.cuh.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "src/cuda/launch.cuh"
#include "src/cuda/layer_norm_rows.cuh"
#include "src/cuda/loops.cuh"

namespace ember::cuda {
namespace {

bool aligned16(const void* p) { return reinterpret_cast<uintptr_t>(p) % 16 == 0; }

int sm_count() {
  int dev = 0, n = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&dev), "layer_norm");
  EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, dev), "layer_norm");
  return std::max(n, 1);
}

}  // namespace
bool layer_norm_rows_fits(int64_t M, int64_t N, std::initializer_list<const void*> ptrs) {
  // EMBER_CUDA_LAYER_NORM_ROWS=0 keeps the generic kernels (for comparison).
  static const bool enabled = [] {
    const char* e = std::getenv("EMBER_CUDA_LAYER_NORM_ROWS");
    return e == nullptr || std::strcmp(e, "0") != 0;
  }();
  if (!enabled || !ln_rows::shape_fits(M, N)) return false;
  return std::all_of(ptrs.begin(), ptrs.end(), [](const void* p) { return aligned16(p); });
}

void launch_layer_norm_rows(float* y, float* mean, float* rstd, const float* x, int64_t M,
                            int64_t N, const float* w, const float* b, double eps,
                            CUstream_st* stream) {
  ln_rows::forward(y, mean, rstd, x, M, N, w, b, eps, StreamLaunch{stream, "layer_norm"});
}

void launch_layer_norm_rows_backward(float* gx, float* gw, float* gb, const float* gy,
                                     const float* x, int64_t M, int64_t N, const float* mean,
                                     const float* rstd, const float* w, CUstream_st* stream) {
  const bool params = gw || gb;
  static const int sms = sm_count();
  const unsigned blocks = ln_rows::backward_blocks(M, params, sms);
  float* partial = nullptr;
  if (params) {
    partial = static_cast<float*>(CUDACachingAllocator::raw_alloc_with_stream(
        static_cast<size_t>(blocks) * 2 * static_cast<size_t>(N) * sizeof(float), stream));
  }
  ln_rows::backward(gx, gw, gb, gy, x, M, N, mean, rstd, w, blocks, partial,
                    StreamLaunch{stream, "layer_norm_backward"});
  if (params) CUDACachingAllocator::raw_delete(partial);
}

}  // namespace ember::cuda
