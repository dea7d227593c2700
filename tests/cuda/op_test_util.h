#pragma once
// Helpers shared by the CUDA op tests (one file per src/cuda source): deterministic inputs of
// every dtype, per-dtype tolerances and a CPU-vs-CUDA gradient comparison.
#include <functional>
#include <string>
#include <vector>

#include "cuda/cuda_test.h"
#include "ember/core/context.h"

namespace ember::cuda_test {

using ember::testing::matches_cpu;

inline const ScalarType kFloats[] = {kFloat, kDouble, kHalf, kBFloat16};
inline const ScalarType kInts[] = {kByte, kChar, kShort, kInt, kLong};

// cuDNN switches (at::globalContext(): TF32, benchmark, deterministic, enabled) for the guard's
// life, restored after: float32 convolutions compared with the CPU at float tolerance need TF32
// off (PyTorch's default has it on).
class CudnnFlagsGuard {
 public:
  explicit CudnnFlagsGuard(bool tf32, bool benchmark = false, bool deterministic = false,
                           bool enabled = true)
      : tf32_(globalContext().allowTF32CuDNN()),
        benchmark_(globalContext().benchmarkCuDNN()),
        deterministic_(globalContext().deterministicCuDNN()),
        enabled_(globalContext().userEnabledCuDNN()) {
    globalContext().setAllowTF32CuDNN(tf32);
    globalContext().setBenchmarkCuDNN(benchmark);
    globalContext().setDeterministicCuDNN(deterministic);
    globalContext().setUserEnabledCuDNN(enabled);
  }
  ~CudnnFlagsGuard() {
    globalContext().setAllowTF32CuDNN(tf32_);
    globalContext().setBenchmarkCuDNN(benchmark_);
    globalContext().setDeterministicCuDNN(deterministic_);
    globalContext().setUserEnabledCuDNN(enabled_);
  }
  CudnnFlagsGuard(const CudnnFlagsGuard&) = delete;
  CudnnFlagsGuard& operator=(const CudnnFlagsGuard&) = delete;

 private:
  bool tf32_, benchmark_, deterministic_, enabled_;
};

inline double tol(ScalarType dt) { return dt == kHalf ? 2e-3 : dt == kBFloat16 ? 1e-2 : 1e-5; }

// Values of dtype dt from a seeded double normal (x5); nonzero keeps them away from 0 (divisors).
inline Tensor values(ScalarType dt, IntArrayRef shape, int seed, bool nonzero = false) {
  torch::manual_seed(seed);
  Tensor x = torch::randn(shape, torch::kDouble) * 5;
  if (nonzero) x = torch::where(x.abs() < 1, x.sign() + (x >= 0).to(kDouble), x);
  if (dt == kBool) return x.gt(0);
  if (dt == kByte) return x.abs().round().clamp_min(nonzero ? 1 : 0).to(dt);
  if (isIntegralType(dt, false)) return x.round().to(dt);
  return x.to(dt);
}

inline Tensor randn_as(IntArrayRef shape, ScalarType dt, int seed) {
  torch::manual_seed(seed);
  return torch::randn(shape, torch::kDouble).to(dt);
}

// The device copy and the comparison, in one place.
inline Tensor dev(const Tensor& t) { return t.cuda(); }
inline ::testing::AssertionResult same(const Tensor& d, const Tensor& h, double rtol = 1e-5,
                                       double atol = 1e-6) {
  return matches_cpu(d, h, rtol, atol);
}

// Runs f on CPU leaves and on CUDA leaves of the same values, then compares the results and the
// gradients of sum(f(inputs) * w) for a fixed random w.
inline void expect_same_grads(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                              const std::vector<Tensor>& inputs, double rtol, double atol,
                              const std::string& what) {
  std::vector<Tensor> h, d;
  for (const Tensor& x : inputs) {
    h.push_back(x.detach().clone().requires_grad_());
    d.push_back(dev(x.detach()).requires_grad_());
  }
  Tensor yh = f(h), yd = f(d);
  EXPECT_TRUE(same(yd, yh, rtol, atol)) << what << ": forward";
  Tensor w = randn_as(yh.sizes(), yh.scalar_type(), 99);
  (yh * w).sum().backward();
  (yd * dev(w)).sum().backward();
  for (size_t i = 0; i < h.size(); ++i) {
    ASSERT_TRUE(h[i].grad().defined() && d[i].grad().defined()) << what << ": grad " << i;
    EXPECT_TRUE(same(d[i].grad(), h[i].grad(), rtol, atol)) << what << ": grad " << i;
  }
}

}  // namespace ember::cuda_test
