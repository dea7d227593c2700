#pragma once
// at::globalContext(): process-wide switches (TF32 in cuBLAS matmuls, off by default as PyTorch).
#include <atomic>

namespace ember {

class Context {
 public:
  bool allowTF32CuBLAS() const { return allow_tf32_cublas_.load(std::memory_order_relaxed); }
  void setAllowTF32CuBLAS(bool b) { allow_tf32_cublas_.store(b, std::memory_order_relaxed); }
  bool allowFP16ReductionCuBLAS() const { return allow_fp16_reduction_.load(); }
  void setAllowFP16ReductionCuBLAS(bool b) { allow_fp16_reduction_.store(b); }
  bool allowBF16ReductionCuBLAS() const { return allow_bf16_reduction_.load(); }
  void setAllowBF16ReductionCuBLAS(bool b) { allow_bf16_reduction_.store(b); }
  // Built with the CUDA backend / a device present.
  static bool hasCUDA();

 private:
  std::atomic<bool> allow_tf32_cublas_{false};
  std::atomic<bool> allow_fp16_reduction_{true};
  std::atomic<bool> allow_bf16_reduction_{true};
};

Context& globalContext();

}  // namespace ember
