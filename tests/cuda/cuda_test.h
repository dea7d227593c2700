#pragma once
// Shared helpers of the CUDA tests. Every test that needs a device starts with
// EMBER_REQUIRE_CUDA(), which skips it (with a message) when no device is present.
#include <gtest/gtest.h>

#include <string>

#include <torch/torch.h>

#include "ember/cuda.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

#define EMBER_REQUIRE_CUDA()                                             \
  do {                                                                   \
    if (!::ember::cuda::is_available())                                  \
      GTEST_SKIP() << "no CUDA device (ember built with CUDA: "          \
                   << (::ember::cuda::is_built() ? "yes" : "no") << ")"; \
  } while (0)

namespace ember::testing {

// Compares a CUDA result with the CPU result of the same op (both moved to the host first).
inline ::testing::AssertionResult matches_cpu(const Tensor& cuda_result, const Tensor& cpu_result,
                                              double rtol = 1e-5, double atol = 1e-6) {
  if (!cuda_result.is_cuda())
    return ::testing::AssertionFailure() << "result is on " << cuda_result.device();
  if (cuda_result.dtype() != cpu_result.dtype())
    return ::testing::AssertionFailure()
           << "dtype " << toString(cuda_result.dtype()) << " vs " << toString(cpu_result.dtype());
  return all_close(cuda_result.cpu(), cpu_result, rtol, atol);
}

}  // namespace ember::testing
