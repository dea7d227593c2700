// src/core/context.cpp: at::globalContext(), the process-wide switches (TF32 and reduced-precision
// reductions in cuBLAS matmuls, cuDNN's) and hasCUDA().
#include "ember/core/context.h"

#include <gtest/gtest.h>

#include <thread>

#include "ember/cuda.h"

using namespace ember;

TEST(Context, OneProcessWideInstance) {
  Context* here = &globalContext();
  Context* there = nullptr;
  std::thread t([&] { there = &globalContext(); });
  t.join();
  EXPECT_EQ(here, there);
  EXPECT_EQ(here, &globalContext());
}

TEST(Context, DefaultsAsPyTorch) {
  // torch.backends.cuda.matmul.allow_tf32 / allow_fp16_reduced_precision_reduction /
  // allow_bf16_reduced_precision_reduction in PyTorch 1.13: False, True, True.
  const Context& c = globalContext();
  EXPECT_FALSE(c.allowTF32CuBLAS());
  EXPECT_TRUE(c.allowFP16ReductionCuBLAS());
  EXPECT_TRUE(c.allowBF16ReductionCuBLAS());
}

TEST(Context, CudnnDefaultsAsPyTorch) {
  // torch.backends.cudnn.enabled / benchmark / deterministic / allow_tf32: True, False, False,
  // True.
  Context& c = globalContext();
  EXPECT_TRUE(c.userEnabledCuDNN());
  EXPECT_FALSE(c.benchmarkCuDNN());
  EXPECT_FALSE(c.deterministicCuDNN());
  EXPECT_TRUE(c.allowTF32CuDNN());
  c.setBenchmarkCuDNN(true);
  c.setAllowTF32CuDNN(false);
  EXPECT_TRUE(c.benchmarkCuDNN());
  EXPECT_FALSE(c.allowTF32CuDNN());
  EXPECT_TRUE(c.userEnabledCuDNN());
  EXPECT_FALSE(c.deterministicCuDNN());
  c.setBenchmarkCuDNN(false);
  c.setAllowTF32CuDNN(true);
  // Without a device cuDNN is never reported available.
  if (!cuda::is_available()) {
    EXPECT_FALSE(cuda::cudnn_is_available());
  }
}

TEST(Context, SwitchesAreIndependentAndSeenByOtherThreads) {
  Context& c = globalContext();
  c.setAllowTF32CuBLAS(true);
  c.setAllowFP16ReductionCuBLAS(false);
  bool tf32 = false, fp16 = true, bf16 = false;
  std::thread t([&] {
    tf32 = globalContext().allowTF32CuBLAS();
    fp16 = globalContext().allowFP16ReductionCuBLAS();
    bf16 = globalContext().allowBF16ReductionCuBLAS();
  });
  t.join();
  EXPECT_TRUE(tf32);
  EXPECT_FALSE(fp16);
  EXPECT_TRUE(bf16);
  c.setAllowBF16ReductionCuBLAS(false);
  EXPECT_FALSE(c.allowBF16ReductionCuBLAS());
  EXPECT_TRUE(c.allowTF32CuBLAS());
  // Back to the defaults for the other tests.
  c.setAllowTF32CuBLAS(false);
  c.setAllowFP16ReductionCuBLAS(true);
  c.setAllowBF16ReductionCuBLAS(true);
  EXPECT_FALSE(c.allowTF32CuBLAS());
  EXPECT_TRUE(c.allowFP16ReductionCuBLAS());
  EXPECT_TRUE(c.allowBF16ReductionCuBLAS());
}

TEST(Context, HasCudaFollowsTheRuntime) {
  EXPECT_EQ(Context::hasCUDA(), cuda::is_available());
  if (!cuda::is_built()) {
    EXPECT_FALSE(Context::hasCUDA());
  }
}
