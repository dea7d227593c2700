// Multi-tensor optimizer steps on CUDA (src/cuda/optim.cu + optim_kernels.cpp, src/optim/
// foreach.cpp): the chunking of multi_tensor_apply (host code, runs without a device), then Adam,
// AdamW and SGD on many CUDA parameters against the per-tensor path on CPU copies, 16-bit
// parameters, checkpoints and the groups that stay on the per-tensor path.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cuda/cuda_test.h"
#include "src/cuda/multi_tensor.h"
#include "src/kernels/optim.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::matches_cpu;

namespace {

// ---- multi_tensor_apply's chunking -------------------------------------------------------------

// Plans launches over tensors of `sizes` (fake addresses: entry i is (i + 1) * 16) and checks
// every chunk of every tensor is handed to exactly one block, within the launch limits, with the
// tensor's own count and scalars. Returns the number of launches.
int check_plan(const std::vector<int64_t>& sizes) {
  using namespace ember::cuda;
  std::vector<TensorListEntry<2>> entries(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    entries[i].ptrs[0] = reinterpret_cast<void*>((i + 1) * 16);
    entries[i].ptrs[1] = reinterpret_cast<void*>((i + 1) * 16 + 8);
    entries[i].numel = sizes[i];
    entries[i].scalars[0] = static_cast<double>(i);
    entries[i].scalars[1] = -static_cast<double>(i);
  }
  std::map<std::pair<size_t, int64_t>, int> seen;
  int launches = 0;
  multi_tensor_apply<2>(entries, [&](const TensorListMeta<2>& m, int nblocks) {
    ++launches;
    EXPECT_GE(nblocks, 1);
    EXPECT_LE(nblocks, kMtaMaxBlocks);
    for (int b = 0; b < nblocks && b < kMtaMaxBlocks; ++b) {
      int slot = m.block_tensor[b];
      ASSERT_LT(slot, kMtaMaxTensors);
      size_t i = reinterpret_cast<uintptr_t>(m.ptrs[0][slot]) / 16 - 1;
      ASSERT_LT(i, sizes.size());
      EXPECT_EQ(reinterpret_cast<uintptr_t>(m.ptrs[1][slot]), (i + 1) * 16 + 8);
      EXPECT_EQ(m.numel[slot], sizes[i]);
      EXPECT_EQ(m.scalars[0][slot], static_cast<double>(i));
      EXPECT_EQ(m.scalars[1][slot], -static_cast<double>(i));
      int64_t chunk = m.block_chunk[b];
      EXPECT_GE(chunk, 0);
      EXPECT_LT(chunk * kMtaChunk, sizes[i]);
      ++seen[{i, chunk}];
    }
  });
  size_t expected = 0;
  for (int64_t n : sizes) expected += static_cast<size_t>((n + kMtaChunk - 1) / kMtaChunk);
  EXPECT_EQ(seen.size(), expected);
  for (const auto& [key, count] : seen)
    EXPECT_EQ(count, 1) << "tensor " << key.first << " chunk " << key.second;
  return launches;
}

// The 100 parameter sizes of the CUDA tests: 1..70000, odd and even, plus chunk boundaries.
std::vector<int64_t> many_sizes() {
  std::vector<int64_t> s;
  for (int64_t i = 0; i < 100; ++i) s.push_back(1 + (i * 7919 + i * i * 13) % 70000);
  s.insert(s.end(), {0, 65536, 65537, 131073, 3});
  return s;
}

// ---- optimizer runs ----------------------------------------------------------------------------

// Sets EMBER_OPTIM_FOREACH (unsets it for null) for the scope.
class ForeachEnv {
 public:
  explicit ForeachEnv(const char* value) {
    if (const char* old = std::getenv(kName)) old_ = old;
    set(value);
  }
  ~ForeachEnv() { set(old_ ? old_->c_str() : nullptr); }
  ForeachEnv(const ForeachEnv&) = delete;
  ForeachEnv& operator=(const ForeachEnv&) = delete;

 private:
  static constexpr const char* kName = "EMBER_OPTIM_FOREACH";
  static void set(const char* v) {
    if (v)
      ::setenv(kName, v, 1);
    else
      ::unsetenv(kName);
  }
  std::optional<std::string> old_;
};

// Counts the calls of the CUDA multi-tensor kernels while it lives (it wraps the stubs' entries).
class CudaKernelCalls {
 public:
  CudaKernelCalls() {
    (void)torch::zeros({1}, torch::kCUDA);  // the CUDA kernels register with the first allocation
    count = 0;
    adam_ = fused_adam_stub.table[kSlot];
    sgd_ = fused_sgd_stub.table[kSlot];
    fused_adam_stub.table[kSlot] = [](TensorList p, TensorList g, TensorList m, TensorList v,
                                      TensorList vmax, const int64_t* steps, const AdamHyper& h) {
      ++count;
      adam_(p, g, m, v, vmax, steps, h);
    };
    fused_sgd_stub.table[kSlot] = [](TensorList p, TensorList g, TensorList b, bool first,
                                     const SgdHyper& h) {
      ++count;
      sgd_(p, g, b, first, h);
    };
  }
  ~CudaKernelCalls() {
    fused_adam_stub.table[kSlot] = adam_;
    fused_sgd_stub.table[kSlot] = sgd_;
  }
  CudaKernelCalls(const CudaKernelCalls&) = delete;
  CudaKernelCalls& operator=(const CudaKernelCalls&) = delete;
  static inline int count = 0;

 private:
  static constexpr int kSlot = static_cast<int>(kCUDA);
  static inline FusedAdamFn adam_ = nullptr;
  static inline FusedSgdFn sgd_ = nullptr;
};

// Parameters of `sizes` (some 2-D), values from float64 normals, as dtype dt on `device`.
std::vector<Tensor> make_params(const std::vector<int64_t>& sizes, ScalarType dt, Device device) {
  torch::manual_seed(11);
  std::vector<Tensor> ps;
  for (int64_t n : sizes) {
    Tensor t = torch::randn({n}, torch::kDouble);
    if (n % 6 == 0 && n > 0) t = t.view({6, n / 6});
    ps.push_back(t.to(dt).to(device).requires_grad_(true));
  }
  return ps;
}

// [1, -1, 1, -1, ...] (float64, n elements).
Tensor alternating(int64_t n) {
  return 1.0 - (torch::arange(n, torch::kLong) % 2).to(torch::kDouble) * 2;
}

// Step s's gradients, computed on the CPU in float64: 0.3 p + a sign-changing pattern, or with
// `bounded` a pattern alone, of magnitude 0.1 to 1 and independent of p; parameter 3 has none at
// step 0 (its step count then lags).
void set_grads(std::vector<Tensor>& ps, int s, bool bounded = false) {
  for (size_t i = 0; i < ps.size(); ++i) {
    Tensor& p = ps[i];
    if (i == 3 && s == 0) {
      p.mutable_grad() = Tensor();
      continue;
    }
    Tensor pattern =
        (torch::arange(p.numel(), torch::kDouble) * 0.7 + (s + 1.3 * static_cast<double>(i)))
            .sin()
            .view(p.sizes());
    Tensor g = bounded ? alternating(p.numel()).view(p.sizes()) * (0.55 + 0.45 * pattern)
                       : p.detach().cpu().to(kDouble) * 0.3 + pattern;
    p.mutable_grad() = g.to(p.dtype()).to(p.device());
  }
}

struct Result {
  std::vector<Tensor> params;
  std::vector<Tensor> states;  // every state tensor, in parameter order
  std::vector<int64_t> steps;
};

Result collect(optim::Optimizer& opt, const std::vector<Tensor>& ps) {
  Result r;
  for (const Tensor& p : ps) {
    r.params.push_back(p.detach().clone());
    auto it = opt.state().find(p.unsafeGetTensorImpl());
    if (it == opt.state().end()) continue;
    if (auto* a = dynamic_cast<optim::AdamParamState*>(it->second.get())) {
      r.steps.push_back(a->step());
      r.states.push_back(a->exp_avg());
      r.states.push_back(a->exp_avg_sq());
      if (a->max_exp_avg_sq().defined()) r.states.push_back(a->max_exp_avg_sq());
    } else if (auto* s = dynamic_cast<optim::SGDParamState*>(it->second.get())) {
      if (s->momentum_buffer().defined()) r.states.push_back(s->momentum_buffer());
    }
  }
  return r;
}

template <class Opt, class Options>
Result train(std::vector<Tensor>& ps, const Options& o, int steps, bool bounded_grads = false) {
  Opt opt(ps, o);
  for (int s = 0; s < steps; ++s) {
    set_grads(ps, s, bounded_grads);
    opt.step();
  }
  return collect(opt, ps);
}

// `cuda` (every tensor on the device) against `cpu` (every tensor on the host).
::testing::AssertionResult matches(const Result& cuda, const Result& cpu, double rtol,
                                   double atol) {
  if (cuda.params.size() != cpu.params.size() || cuda.states.size() != cpu.states.size() ||
      cuda.steps != cpu.steps)
    return ::testing::AssertionFailure() << "different numbers of params, states or steps";
  for (size_t i = 0; i < cuda.params.size(); ++i) {
    auto r = matches_cpu(cuda.params[i], cpu.params[i], rtol, atol);
    if (!r) return r << " (param " << i << ", " << cuda.params[i].numel() << " elements)";
  }
  for (size_t i = 0; i < cuda.states.size(); ++i) {
    auto r = matches_cpu(cuda.states[i], cpu.states[i], rtol, atol);
    if (!r) return r << " (state " << i << ")";
  }
  return ::testing::AssertionSuccess();
}

// Opt with options `o` for `steps` steps over many_sizes() parameters of dtype dt: on CUDA by
// default (the multi-tensor path; `kernel_calls` checked when >= 0) and on CPU copies.
template <class Opt, class Options>
::testing::AssertionResult cuda_matches_cpu(ScalarType dt, const Options& o, int kernel_calls,
                                            int steps = 5) {
  auto sizes = many_sizes();
  auto cpu = make_params(sizes, dt, kCPU);
  Result ref = train<Opt>(cpu, o, steps);
  auto gpu = make_params(sizes, dt, kCUDA);
  CudaKernelCalls calls;
  Result res = train<Opt>(gpu, o, steps);
  if (kernel_calls >= 0 && CudaKernelCalls::count != kernel_calls)
    return ::testing::AssertionFailure()
           << CudaKernelCalls::count << " multi-tensor kernel calls, expected " << kernel_calls;
  double rtol = dt == kDouble ? 1e-10 : 1e-5, atol = dt == kDouble ? 1e-12 : 1e-6;
  return matches(res, ref, rtol, atol);
}

using optim::Adam;
using optim::AdamOptions;
using optim::AdamW;
using optim::AdamWOptions;
using optim::SGD;
using optim::SGDOptions;

}  // namespace

TEST(CudaMultiTensorApply, EveryChunkOnceWithinLimits) {
  using ember::cuda::kMtaChunk;
  using ember::cuda::kMtaMaxBlocks;
  using ember::cuda::kMtaMaxTensors;
  EXPECT_EQ(check_plan({}), 0);
  EXPECT_EQ(check_plan({0, 0}), 0);
  // One chunk each: a launch per kMtaMaxTensors tensors.
  std::vector<int64_t> small;
  for (int64_t i = 0; i < 100; ++i) small.push_back(1 + (i * 7919) % 65536);
  EXPECT_EQ(check_plan(small), (100 + kMtaMaxTensors - 1) / kMtaMaxTensors);
  // A tensor of 2 * kMtaMaxBlocks + 1 chunks continues in slot 0 of the next launches.
  EXPECT_EQ(check_plan({2 * kMtaMaxBlocks * kMtaChunk + 5}), 3);
  // Exactly full launches, a tensor after kMtaMaxTensors - 1 others, empty tensors at both ends.
  EXPECT_EQ(check_plan({kMtaMaxBlocks * kMtaChunk}), 1);
  std::vector<int64_t> mixed(kMtaMaxTensors - 1, 1);
  mixed.insert(mixed.end(), {3 * kMtaChunk, 1, 0});
  mixed.insert(mixed.begin(), 0);
  EXPECT_EQ(check_plan(mixed), 2);
  check_plan(many_sizes());
  std::vector<int64_t> big = many_sizes();
  big.insert(big.begin() + 50, 700 * kMtaChunk + 17);
  check_plan(big);
}

TEST(CudaOptim, AdamMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  std::vector<AdamOptions> cases = {
      AdamOptions(1e-2),
      AdamOptions(1e-2).weight_decay(0.1).amsgrad(true),
      AdamOptions(3e-2)
          .betas({0.8, 0.99})
          .eps(1e-6)
          .weight_decay(0.05)
          .amsgrad(true)
          .maximize(true),
  };
  for (ScalarType dt : {kFloat, kDouble})
    for (size_t c = 0; c < cases.size(); ++c)
      EXPECT_TRUE(cuda_matches_cpu<Adam>(dt, cases[c], 5)) << toString(dt) << " case " << c;
}

TEST(CudaOptim, AdamWMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  std::vector<AdamWOptions> cases = {
      AdamWOptions(1e-2),
      AdamWOptions(2e-2).betas({0.85, 0.95}).weight_decay(0.2).amsgrad(true).maximize(true),
  };
  for (ScalarType dt : {kFloat, kDouble})
    for (size_t c = 0; c < cases.size(); ++c)
      EXPECT_TRUE(cuda_matches_cpu<AdamW>(dt, cases[c], 5)) << toString(dt) << " case " << c;
}

TEST(CudaOptim, SgdMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  std::vector<SGDOptions> cases = {
      SGDOptions(0.1),
      SGDOptions(0.1).momentum(0.9).dampening(0.3),
      SGDOptions(0.1).momentum(0.8).nesterov(true),
      SGDOptions(0.05).momentum(0.9).weight_decay(0.01).maximize(true),
  };
  for (ScalarType dt : {kFloat, kDouble})
    for (size_t c = 0; c < cases.size(); ++c) {
      // With momentum, step 1 runs two calls: parameter 3 (no grad at step 0) gets its buffer.
      int calls = cases[c].momentum() != 0 ? 6 : 5;
      EXPECT_TRUE(cuda_matches_cpu<SGD>(dt, cases[c], calls)) << toString(dt) << " case " << c;
    }
}

// EMBER_OPTIM_FOREACH=0 keeps CUDA parameters on the per-tensor path, with the same numbers.
TEST(CudaOptim, PerTensorPathOnRequest) {
  EMBER_REQUIRE_CUDA();
  ForeachEnv env("0");
  EXPECT_TRUE(cuda_matches_cpu<Adam>(kFloat, AdamOptions(1e-2).amsgrad(true), 0));
  EXPECT_TRUE(cuda_matches_cpu<SGD>(kFloat, SGDOptions(0.1).momentum(0.9), 0));
}

// 16-bit parameters (and states) compute in float: close to float32 steps on the CPU. The
// gradients stay away from 0 (and Adam has no weight decay): a float16 exp_avg_sq cannot hold
// (1 - beta2) g^2 for tiny g, and Adam's step then departs from float32's (PyTorch's too).
TEST(CudaOptim, HalfAndBFloat16FollowFloat) {
  EMBER_REQUIRE_CUDA();
  auto sizes = many_sizes();
  for (ScalarType dt : {kHalf, kBFloat16}) {
    double tol = dt == kHalf ? 1e-2 : 5e-2;
    auto check = [&](const Result& res, const Result& ref, const char* what) {
      ASSERT_EQ(res.params.size(), ref.params.size());
      for (size_t i = 0; i < ref.params.size(); ++i) {
        ASSERT_EQ(res.params[i].dtype(), dt);
        EXPECT_TRUE(all_close(res.params[i].cpu().to(kFloat), ref.params[i], tol, tol))
            << toString(dt) << " " << what << " param " << i;
      }
    };
    auto adam = AdamOptions(1e-2).amsgrad(true);
    auto cpu = make_params(sizes, kFloat, kCPU);
    Result ref = train<Adam>(cpu, adam, 5, true);
    auto gpu = make_params(sizes, dt, kCUDA);
    CudaKernelCalls calls;
    check(train<Adam>(gpu, adam, 5, true), ref, "Adam");
    auto sgd = SGDOptions(0.1).momentum(0.9).nesterov(true);
    auto cpu2 = make_params(sizes, kFloat, kCPU);
    Result sref = train<SGD>(cpu2, sgd, 5, true);
    auto gpu2 = make_params(sizes, dt, kCUDA);
    check(train<SGD>(gpu2, sgd, 5, true), sref, "SGD");
    EXPECT_EQ(CudaKernelCalls::count, 5 + 6) << toString(dt);
  }
}

// Several dtypes in one group: one kernel call per dtype and step.
TEST(CudaOptim, MixedDtypesInOneGroup) {
  EMBER_REQUIRE_CUDA();
  auto sizes = many_sizes();
  auto mixed = [&](Device d) {
    auto ps = make_params(sizes, kFloat, d);
    for (size_t i = 0; i < ps.size(); i += 3) ps[i] = ps[i].detach().to(kDouble).requires_grad_();
    return ps;
  };
  auto cpu = mixed(kCPU);
  Result ref = train<Adam>(cpu, AdamOptions(1e-2), 4);
  auto gpu = mixed(kCUDA);
  CudaKernelCalls calls;
  Result res = train<Adam>(gpu, AdamOptions(1e-2), 4);
  EXPECT_EQ(CudaKernelCalls::count, 8);
  EXPECT_TRUE(matches(res, ref, 1e-5, 1e-6));
}

// Training, saving, loading into a fresh optimizer and training on gives the uninterrupted run;
// the loaded states (on the CPU in the archive) move back to the device.
TEST(CudaOptim, CheckpointRoundTrip) {
  EMBER_REQUIRE_CUDA();
  std::string path = ::testing::TempDir() + "/ember_cuda_foreach_" + std::to_string(::getpid());
  std::vector<int64_t> sizes = {70000, 1, 65537, 0, 33, 4096, 12};
  auto check = [&](auto make, const char* what) {
    auto ps = make_params(sizes, kFloat, kCUDA);
    auto ps2 = make_params(sizes, kFloat, kCUDA);
    auto full = make(ps);
    for (int s = 0; s < 6; ++s) {
      set_grads(ps, s);
      full->step();
    }
    auto first = make(ps2);
    for (int s = 0; s < 3; ++s) {
      set_grads(ps2, s);
      first->step();
    }
    torch::save(*first, path);
    auto resumed = make(ps2);
    torch::load(*resumed, path);
    CudaKernelCalls calls;
    for (int s = 3; s < 6; ++s) {
      set_grads(ps2, s);
      resumed->step();
    }
    EXPECT_EQ(CudaKernelCalls::count, 3) << what;
    Result a = collect(*resumed, ps2), b = collect(*full, ps);
    ASSERT_EQ(a.states.size(), b.states.size()) << what;
    EXPECT_EQ(a.steps, b.steps) << what;
    for (size_t i = 0; i < a.params.size(); ++i)
      EXPECT_TRUE(a.params[i].cpu().equal(b.params[i].cpu())) << what << " param " << i;
    for (size_t i = 0; i < a.states.size(); ++i) {
      EXPECT_TRUE(a.states[i].is_cuda()) << what << " state " << i;
      EXPECT_TRUE(a.states[i].cpu().equal(b.states[i].cpu())) << what << " state " << i;
    }
  };
  check(
      [](std::vector<Tensor>& ps) {
        return std::make_unique<Adam>(ps, AdamOptions(1e-2).amsgrad(true).weight_decay(0.1));
      },
      "Adam");
  check([](std::vector<Tensor>& ps) { return std::make_unique<AdamW>(ps, AdamWOptions(1e-2)); },
        "AdamW");
  check(
      [](std::vector<Tensor>& ps) {
        return std::make_unique<SGD>(ps, SGDOptions(0.1).momentum(0.9).nesterov(true));
      },
      "SGD");
  std::remove(path.c_str());
}

// Groups that stay on the per-tensor path: a non-contiguous parameter, parameters on two devices.
TEST(CudaOptim, NonQualifyingGroupsUsePerTensorPath) {
  EMBER_REQUIRE_CUDA();
  auto run = [](std::vector<Tensor> ps) {
    return train<Adam>(ps, AdamOptions(1e-2).amsgrad(true), 4);
  };
  auto cpu_params = [] {
    auto ps = make_params({12, 7, 5}, kFloat, kCPU);
    ps[0] = ps[0].detach().view({3, 4}).t().requires_grad_(true);  // non-contiguous
    return ps;
  };
  Result ref = run(cpu_params());
  {
    auto ps = cpu_params();
    for (auto& p : ps) p = p.detach().cuda().requires_grad_(true);
    ps[0] = ps[0].detach().t().contiguous().t().requires_grad_(true);  // [4, 3] of a [3, 4]
    ASSERT_FALSE(ps[0].is_contiguous());
    CudaKernelCalls calls;
    Result res = run(ps);
    EXPECT_EQ(CudaKernelCalls::count, 0);
    EXPECT_TRUE(matches(res, ref, 1e-5, 1e-6)) << "non-contiguous";
  }
  {
    auto ps = cpu_params();
    ps[0] = ps[0].detach().contiguous().requires_grad_(true);
    Result ref2 = run(ps);
    auto ps2 = cpu_params();
    ps2[0] = ps2[0].detach().contiguous().requires_grad_(true);
    ps2[1] = ps2[1].detach().cuda().requires_grad_(true);  // CPU and CUDA in one group
    CudaKernelCalls calls;
    Result res = run(ps2);
    EXPECT_EQ(CudaKernelCalls::count, 0);
    ASSERT_EQ(res.params.size(), ref2.params.size());
    for (size_t i = 0; i < res.params.size(); ++i)
      EXPECT_TRUE(all_close(res.params[i].cpu(), ref2.params[i], 1e-5, 1e-6)) << "mixed " << i;
  }
}

// clip_grad_norm_ on CUDA gradients: sums of squares and the scaling in multi-tensor launches
// (more than one launch: > 36 tensors, a tensor of more than 320 chunks), against the CPU.
TEST(CudaClipGradNorm, MultiTensorMatchesCpu) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble}) {
    std::vector<int64_t> sizes = {1, 7, 65536, 65537, 300001, 21000000};
    for (int i = 0; i < 40; ++i) sizes.push_back(1 + 97 * i);
    std::vector<Tensor> hp, dp;
    torch::manual_seed(3);
    for (int64_t n : sizes) {
      Tensor p = torch::zeros({n}, torch::TensorOptions(dt)).requires_grad_();
      p.mutable_grad() = torch::randn({n}, torch::kDouble).to(dt) * 1e-3;
      hp.push_back(p);
      Tensor q = torch::zeros({n}, torch::TensorOptions(dt).device(torch::kCUDA)).requires_grad_();
      q.mutable_grad() = p.grad().cuda();
      dp.push_back(q);
    }
    for (double max_norm : {0.5, 1e6}) {  // clipped, and a coefficient clamped to 1
      double th = torch::nn::utils::clip_grad_norm_(hp, max_norm);
      double td = torch::nn::utils::clip_grad_norm_(dp, max_norm);
      EXPECT_NEAR(td, th, 1e-5 * th) << toString(dt);
      for (size_t i = 0; i < hp.size(); ++i)
        EXPECT_TRUE(matches_cpu(dp[i].grad(), hp[i].grad(), 1e-5, 1e-9))
            << toString(dt) << " tensor " << i;
    }
  }
  // Non-finite norms raise with error_if_nonfinite, as on the CPU.
  Tensor p = torch::zeros({5}, torch::kCUDA).requires_grad_();
  p.mutable_grad() = torch::full({5}, std::numeric_limits<double>::infinity(), torch::kCUDA);
  std::string m = error_of([&] { torch::nn::utils::clip_grad_norm_({p}, 1.0, 2.0, true); });
  EXPECT_NE(m.find("non-finite"), std::string::npos) << m;
}
