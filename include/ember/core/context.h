#pragma once
// at::globalContext(): process-wide switches: TF32 and reduced-precision reductions in cuBLAS
// matmuls (TF32 off by default, as PyTorch), and cuDNN's (torch.backends.cudnn: enabled,
// benchmark, deterministic, allow_tf32 - True, False, False, True by default, as PyTorch).
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
  // cuDNN convolutions on CUDA (ember loads libcudnn.so.9 at run time; without it, or with this
  // off, CUDA convolutions run as im2col + cuBLAS).
  bool userEnabledCuDNN() const { return cudnn_enabled_.load(std::memory_order_relaxed); }
  void setUserEnabledCuDNN(bool b) { cudnn_enabled_.store(b, std::memory_order_relaxed); }
  // Times cuDNN's algorithms once per convolution shape and keeps the fastest; otherwise takes
  // cuDNN's heuristic choice.
  bool benchmarkCuDNN() const { return cudnn_benchmark_.load(std::memory_order_relaxed); }
  void setBenchmarkCuDNN(bool b) { cudnn_benchmark_.store(b, std::memory_order_relaxed); }
  // Only cuDNN algorithms that give the same bits on every run.
  bool deterministicCuDNN() const { return cudnn_deterministic_.load(std::memory_order_relaxed); }
  void setDeterministicCuDNN(bool b) { cudnn_deterministic_.store(b, std::memory_order_relaxed); }
  // TF32 tensor cores in float32 cuDNN convolutions (on by default, as PyTorch).
  bool allowTF32CuDNN() const { return allow_tf32_cudnn_.load(std::memory_order_relaxed); }
  void setAllowTF32CuDNN(bool b) { allow_tf32_cudnn_.store(b, std::memory_order_relaxed); }
  // Built with the CUDA backend / a device present.
  static bool hasCUDA();

 private:
  std::atomic<bool> allow_tf32_cublas_{false};
  std::atomic<bool> allow_fp16_reduction_{true};
  std::atomic<bool> allow_bf16_reduction_{true};
  std::atomic<bool> cudnn_enabled_{true};
  std::atomic<bool> cudnn_benchmark_{false};
  std::atomic<bool> cudnn_deterministic_{false};
  std::atomic<bool> allow_tf32_cudnn_{true};
};

Context& globalContext();

}  // namespace ember
