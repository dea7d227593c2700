#pragma once
// Multi-tensor apply (PyTorch's multi_tensor_apply): one kernel launch updates many tensors. The
// tensors are cut into chunks of kMtaChunk elements and each block of a launch handles one chunk
// of one tensor; a launch carries the addresses of up to kMtaMaxTensors tensors and up to
// kMtaMaxBlocks blocks in its argument (TensorListMeta, passed by value, under the 4 KiB kernel
// parameter limit). Host-only code (no CUDA headers), so the chunking is tested on any machine.
#include <cstdint>
#include <vector>

#include "ember/core/scalar_type.h"
#include "src/kernels/optim_math.h"

struct CUstream_st;

namespace ember::cuda {

constexpr int kMtaMaxTensors = 36;
constexpr int kMtaMaxBlocks = 320;
constexpr int64_t kMtaChunk = 65536;
constexpr int kMtaThreads = 512;

// One launch's tensors: slot j holds Depth addresses (params, grads, states...), the element
// count and two per-tensor scalars (Adam: -lr / bias_correction1 and sqrt(bias_correction2));
// block b works on chunk block_chunk[b] of slot block_tensor[b].
template <int Depth>
struct TensorListMeta {
  void* ptrs[Depth][kMtaMaxTensors];
  int64_t numel[kMtaMaxTensors];
  double scalars[2][kMtaMaxTensors];
  unsigned char block_tensor[kMtaMaxBlocks];
  int block_chunk[kMtaMaxBlocks];
};
static_assert(sizeof(TensorListMeta<5>) + 128 <= 4096, "kernel arguments must stay under 4 KiB");
static_assert(kMtaMaxTensors <= 256, "block_tensor is a byte");

// One tensor of a list as the host describes it.
template <int Depth>
struct TensorListEntry {
  void* ptrs[Depth] = {};
  int64_t numel = 0;
  double scalars[2] = {0, 0};
};

// Calls launch(meta, nblocks) for consecutive launches covering every chunk of every entry once
// (entries with no elements are skipped). A tensor whose chunks do not all fit in one launch
// continues in slot 0 of the next one.
template <int Depth, class Launch>
void multi_tensor_apply(const std::vector<TensorListEntry<Depth>>& entries, Launch&& launch) {
  TensorListMeta<Depth> meta{};
  auto set_slot = [&](int slot, const TensorListEntry<Depth>& e) {
    for (int d = 0; d < Depth; ++d) meta.ptrs[d][slot] = e.ptrs[d];
    meta.numel[slot] = e.numel;
    meta.scalars[0][slot] = e.scalars[0];
    meta.scalars[1][slot] = e.scalars[1];
  };
  int nt = 0, nb = 0;
  for (const auto& e : entries) {
    if (e.numel <= 0) continue;
    set_slot(nt, e);
    ++nt;
    const int64_t chunks = (e.numel + kMtaChunk - 1) / kMtaChunk;
    for (int64_t c = 0; c < chunks; ++c) {
      meta.block_tensor[nb] = static_cast<unsigned char>(nt - 1);
      meta.block_chunk[nb] = static_cast<int>(c);
      ++nb;
      const bool last_chunk = c == chunks - 1;
      if (nb == kMtaMaxBlocks || (nt == kMtaMaxTensors && last_chunk)) {
        launch(meta, nb);
        nb = 0;
        if (last_chunk) {
          nt = 0;
        } else {
          set_slot(0, e);
          nt = 1;
        }
      }
    }
  }
  if (nb > 0) launch(meta, nb);
}

// Adam over entries of depth 5 (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq or null) with
// scalars (-step_size, bc2_sqrt); SGD over entries of depth 3 (param, grad, momentum buffer or
// null). dt: Float, Double, Half or BFloat16.
// Gradient clipping (src/kernels/optim.h): partial sums of squares per chunk (double), entries'
// scalars[0] = the index of the tensor's first chunk in partial; and x *= *scale.
void launch_foreach_sum_squares(const std::vector<TensorListEntry<1>>& entries, ScalarType dt,
                                double* partial, CUstream_st* stream);
void launch_foreach_scale(const std::vector<TensorListEntry<1>>& entries, ScalarType dt,
                          const void* scale, CUstream_st* stream);
void launch_fused_adam(const std::vector<TensorListEntry<5>>& entries, ScalarType dt,
                       const AdamHyper& h, CUstream_st* stream);
void launch_fused_sgd(const std::vector<TensorListEntry<3>>& entries, ScalarType dt,
                      const SgdHyper& h, bool first_step, CUstream_st* stream);

}  // namespace ember::cuda
