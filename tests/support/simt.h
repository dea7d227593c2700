#pragma once
// A SIMT emulator for CUDA kernels on the CPU (tests/support/simt.cpp), so that kernels written
// with warp-level primitives can be checked without a GPU (Note [Emulated kernels] in
// tests/README.md).
//
// Include this header before a device header (e.g. src/cuda/flash_attention.cuh): it defines
// EMBER_SIMT_EMULATION and the CUDA names such kernels use - __global__, threadIdx, __syncthreads,
// __shfl_xor_sync, atomicAdd, uint4, ... - in terms of the emulator; the device header swaps its
// inline-PTX helpers (mma.sync, ldmatrix, cp.async) for the emulator's under
// EMBER_SIMT_EMULATION.
//
// Every CUDA thread of a block is a fiber (ucontext) on the calling thread; blocks run one after
// another. A fiber runs until it reaches __syncthreads or a warp collective (a shuffle, an mma, an
// ldmatrix), where it waits until every thread of its block / warp has arrived; the last one to
// arrive performs the collective for all of them. So the emulation is deterministic and exact for
// convergent code, and reports instead of hanging when the threads of a block or warp do not all
// reach the same barrier (divergent __syncthreads, a warp collective in divergent code). The
// matrix products accumulate exactly (in double) and round once to float per instruction, which
// is within what the hardware guarantees. cp.async copies happen at the issuing thread's wait,
// the latest moment they may, and dynamic shared memory starts filled with 0xFF bytes (NaN in
// 16-bit floats), so a kernel that reads a tile before its copies completed or reads past what it
// loaded sees garbage. Alignment rules of ldmatrix and 16-byte cp.async are checked.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <stdexcept>

#define EMBER_SIMT_EMULATION 1

namespace ember::simt {

struct Dim3 {
  unsigned x = 1, y = 1, z = 1;
  constexpr Dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Runs body() as every thread of every block of the grid; dynamic shared memory of smem_bytes per
// block. Throws Error when a thread throws, on a barrier that not every thread reaches, on a
// misaligned ldmatrix / cp.async address, and on a launch sm_90 would refuse (more than 1024
// threads, grid sizes past CUDA's limits, more than 227 KiB of dynamic shared memory).
void launch(Dim3 grid, Dim3 block, size_t smem_bytes, const std::function<void()>& body);

// The running thread's indices and the launch geometry.
const Dim3& thread_idx();
const Dim3& block_idx();
const Dim3& block_dim();
const Dim3& grid_dim();
void* dynamic_smem();

// The emulator's counterpart of src/cuda/launch.cuh's StreamLaunch for the kernels' launch plans:
// launch(kernel, grid, threads, args...) runs kernel(args...) on every thread of the grid.
struct PlanLaunch {
  template <class Kernel, class... A>
  void operator()(Kernel kernel, Dim3 grid, int threads, A... args) const {
    launch(grid, Dim3(static_cast<unsigned>(threads)), 0, [&] { kernel(args...); });
  }
};

// __syncthreads.
void sync_threads();
// __shfl_xor_sync over all 32 lanes (the mask must be full); floats travel exactly as doubles.
double shfl_xor(unsigned mask, double v, int lane_mask);

// mma.sync.aligned.m16n8k16.row.col.f32.{bf16,f16}.{bf16,f16}.f32: c += A B on the fragments of
// the 32 lanes (layouts in src/cuda/flash_attention.cuh).
void mma_m16n8k16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1, bool bf16);
// ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16: p is this lane's row address.
void ldmatrix_x4(uint32_t (&r)[4], const uint16_t* p, bool trans);

// cp.async of `size` bytes (4 or 16) of which the first src_bytes come from src and the rest are
// zero; commit_group closes this thread's group; wait_all completes every group it issued.
void cp_async(void* dst, const void* src, int size, int src_bytes);
void cp_async_commit();
void cp_async_wait_all();

// 16-bit floats: round to nearest even, and back.
uint16_t float_to_bf16(float f);
uint16_t float_to_half(float f);
float bf16_to_float(uint16_t h);
float half_to_float(uint16_t h);

}  // namespace ember::simt

// ---- The CUDA names the kernels use ------------------------------------------------------------

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
// A kernel's static shared arrays: one per kernel instantiation, shared by the fibers of the block
// (blocks run one after another, so one copy serves them all; its contents start undefined, as
// shared memory's).
#define __shared__ static
#define threadIdx (::ember::simt::thread_idx())
#define blockIdx (::ember::simt::block_idx())
#define blockDim (::ember::simt::block_dim())
#define gridDim (::ember::simt::grid_dim())

using dim3 = ::ember::simt::Dim3;

struct uint4 {
  unsigned x, y, z, w;
};
struct float2 {
  float x, y;
};
struct float4 {
  float x, y, z, w;
};
inline uint4 make_uint4(unsigned x, unsigned y, unsigned z, unsigned w) { return {x, y, z, w}; }
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }

inline void __syncthreads() { ::ember::simt::sync_threads(); }
inline float __shfl_xor_sync(unsigned mask, float v, int lane_mask) {
  return static_cast<float>(::ember::simt::shfl_xor(mask, v, lane_mask));
}
inline double __shfl_xor_sync(unsigned mask, double v, int lane_mask) {
  return ::ember::simt::shfl_xor(mask, v, lane_mask);
}
// Fibers never run at the same time: an atomic is a plain update.
inline float atomicAdd(float* p, float v) {
  const float old = *p;
  *p = old + v;
  return old;
}
inline float2 atomicAdd(float2* p, float2 v) {
  const float2 old = *p;
  p->x = old.x + v.x;
  p->y = old.y + v.y;
  return old;
}
inline unsigned long long atomicCAS(unsigned long long* p, unsigned long long compare,
                                    unsigned long long value) {
  const unsigned long long old = *p;
  if (old == compare) *p = value;
  return old;
}
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
