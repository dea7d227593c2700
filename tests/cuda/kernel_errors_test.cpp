// Deferred kernel errors on the device (Note [Deferred kernel errors], src/core/kernel_errors.h;
// the CUDA backend in src/cuda/runtime.cpp, its test switch in src/core/cuda_hooks.h): embedding,
// embedding_bag, gather, scatter, nll_loss and cross_entropy record a bad index or target and
// return; the op's own error is raised at the next synchronisation (synchronize, a stream's or an
// event's synchronize, a copy to the host), once; the device stays usable;
// EMBER_CUDA_DEFERRED_ERRORS=0 (here the test switch) raises at the op's call. The registry itself
// is tested without a GPU in tests/core/kernel_errors_test.cpp.
#include <string>

#include "cuda/op_test_util.h"
#include "ember/cuda/event.h"
#include "ember/cuda/stream.h"
#include "src/core/cuda_hooks.h"
#include "src/core/kernel_errors.h"

using namespace ember;
using namespace ember::cuda_test;

namespace {

// Sets deferred (or immediate) errors for the scope; restores the mode it found.
class DeferredErrors {
 public:
  explicit DeferredErrors(bool on) : before_(detail::cuda_deferred_kernel_errors()) {
    detail::cuda_set_deferred_kernel_errors(on);
  }
  ~DeferredErrors() { detail::cuda_set_deferred_kernel_errors(before_); }
  DeferredErrors(const DeferredErrors&) = delete;
  DeferredErrors& operator=(const DeferredErrors&) = delete;

 private:
  bool before_;
};

bool has(const std::string& m, const char* part) { return m.find(part) != std::string::npos; }

Tensor long_cuda(std::vector<int64_t> v) { return torch::tensor(v).cuda(); }

TEST(CudaKernelErrors, EmbeddingRaisesAtTheNextSynchronize) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors on(true);
  Tensor w = torch::randn({5, 3}).cuda();
  Tensor out;
  EXPECT_NO_THROW(out = torch::embedding(w, long_cuda({0, 7})));
  std::string m = error_of([] { torch::cuda::synchronize(); });
  EXPECT_TRUE(has(m,
                  "[embedding] index out of range in self: index 7 is out of bounds for "
                  "dimension 0 with size 5"))
      << m;
  EXPECT_TRUE(has(m, "kernel of [embedding] launched earlier")) << m;
  // Raised once; the device is usable and the same op works.
  EXPECT_NO_THROW(torch::cuda::synchronize());
  Tensor idx = torch::tensor(std::vector<int64_t>{4, 0, 2});
  EXPECT_TRUE(matches_cpu(torch::embedding(w, idx.cuda()), torch::embedding(w.cpu(), idx)));
}

TEST(CudaKernelErrors, CopyToHostRaisesTheOpsError) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors on(true);
  Tensor d = torch::zeros({3, 4}, torch::kCUDA);
  Tensor g = d.gather(0, torch::full({1, 4}, 3, torch::kLong).cuda());
  try {
    (void)g.cpu();
    ADD_FAILURE() << "no error";
  } catch (const IndexError& e) {
    EXPECT_TRUE(has(e.what(), "index 3 is out of bounds for dimension 0 with size 3")) << e.what();
    EXPECT_TRUE(has(e.what(), "[gather]")) << e.what();
  }
  // item() after a bad target: the loss of a training step raises there.
  Tensor loss =
      torch::nn::functional::cross_entropy(torch::zeros({2, 5}, torch::kCUDA), long_cuda({1, 12}));
  std::string m = error_of([&] { (void)loss.item<float>(); });
  EXPECT_TRUE(has(m, "Target 12 is out of bounds.")) << m;
  EXPECT_EQ((torch::ones({3}, torch::kCUDA) * 2).sum().item<double>(), 6.0);
}

TEST(CudaKernelErrors, ImmediateModeRaisesAtTheCall) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors off(false);
  std::string m = error_of([] {
    (void)torch::nll_loss(torch::zeros({2, 5}, torch::kCUDA), long_cuda({1, 9}));
  });
  EXPECT_TRUE(has(m, "[nll_loss] Target 9 is out of bounds.")) << m;
  EXPECT_FALSE(has(m, "launched earlier")) << m;
  EXPECT_NO_THROW(torch::cuda::synchronize());
}

// Deferred, scatter skips a bad index (and writes the good ones, as PyTorch's kernels may);
// with errors at the call, every index is checked before anything is written.
TEST(CudaKernelErrors, ScatterDeferredAndAtTheCall) {
  EMBER_REQUIRE_CUDA();
  Tensor src = torch::ones({1, 3}).cuda();
  Tensor index = long_cuda({0, 5, 1}).view({1, 3});
  {
    DeferredErrors on(true);
    Tensor self = torch::zeros({2, 3}, torch::kCUDA);
    EXPECT_NO_THROW(self.scatter_add_(0, index, src));
    std::string m = error_of([] { torch::cuda::synchronize(); });
    EXPECT_TRUE(has(m, "index 5 is out of bounds for dimension 0 with size 2")) << m;
    EXPECT_TRUE(has(m, "[scatter]")) << m;
    // The good indices were applied; the bad one wrote nothing.
    EXPECT_TRUE(matches_cpu(self, torch::tensor({1.f, 0.f, 0.f, 0.f, 0.f, 1.f}).view({2, 3})));
  }
  {
    DeferredErrors off(false);
    Tensor self = torch::zeros({2, 3}, torch::kCUDA);
    std::string m = error_of([&] { self.scatter_(0, index, src); });
    EXPECT_TRUE(has(m, "index 5 is out of bounds for dimension 0 with size 2")) << m;
    EXPECT_TRUE(matches_cpu(self, torch::zeros({2, 3})));
  }
  // The backward of embedding (index_add into zeros) with good indices, deferred.
  DeferredErrors on(true);
  Tensor w = torch::randn({6, 4}).cuda().requires_grad_(true);
  Tensor idx = long_cuda({5, 0, 5});
  torch::embedding(w, idx).sum().backward();
  Tensor expected = torch::zeros({6, 4});
  expected.index_put_({0}, 1.f);
  expected.index_put_({5}, 2.f);
  EXPECT_TRUE(matches_cpu(w.grad(), expected));
}

// Advanced indexing: a read defers (reading offset 0 meanwhile); index_put_ checks before it
// writes, at the call, and leaves the tensor as it was.
TEST(CudaKernelErrors, IndexReadsDeferAndIndexPutChecksFirst) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors on(true);
  Tensor x = torch::arange(12, torch::kFloat).view({3, 4}).cuda();
  Tensor rows = long_cuda({2, 3});
  Tensor got;
  EXPECT_NO_THROW(got = x.index({rows}));
  std::string m = error_of([] { torch::cuda::synchronize(); });
  EXPECT_TRUE(has(m, "index 3 is out of bounds for dimension 0 with size 3")) << m;
  EXPECT_TRUE(has(m, "[index]")) << m;
  m = error_of([&] { x.index_put_({rows}, torch::zeros({2, 4}, torch::kCUDA)); });
  EXPECT_TRUE(has(m, "index 3 is out of bounds for dimension 0 with size 3")) << m;
  EXPECT_FALSE(has(m, "launched earlier")) << m;
  EXPECT_TRUE(matches_cpu(x, torch::arange(12, torch::kFloat).view({3, 4})));
  Tensor ok = long_cuda({2, 0});
  EXPECT_TRUE(matches_cpu(x.index({ok}), torch::arange(12, torch::kFloat)
                                             .view({3, 4})
                                             .index({torch::tensor(std::vector<int64_t>{2, 0})})));
}

// An event's synchronize checks the launches before its record, not those after.
TEST(CudaKernelErrors, EventSynchronizeChecksTheLaunchesBeforeIt) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors on(true);
  Tensor w = torch::randn({4, 2}).cuda();
  Tensor bad = long_cuda({11});
  cuda::CUDAEvent before, after;
  before.record();
  (void)torch::embedding(w, bad);
  after.record();
  EXPECT_NO_THROW(before.synchronize());
  std::string m = error_of([&] { after.synchronize(); });
  EXPECT_TRUE(has(m, "index 11 is out of bounds")) << m;
  EXPECT_NO_THROW(torch::cuda::synchronize());
}

TEST(CudaKernelErrors, TheFirstErrorWins) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors on(true);
  Tensor w = torch::randn({4, 2}).cuda();
  (void)torch::embedding(w, long_cuda({1, 5}));
  (void)torch::embedding(w, long_cuda({1, 2}));
  (void)torch::embedding(w, long_cuda({6}));
  std::string m = error_of([] { torch::cuda::synchronize(); });
  EXPECT_TRUE(has(m, "index 5 is out of bounds")) << m;
  EXPECT_NO_THROW(torch::cuda::synchronize());
}

TEST(CudaKernelErrors, MoreLaunchesThanRecords) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors on(true);
  Tensor w = torch::randn({8, 4}).cuda();
  Tensor idx = long_cuda({0, 3, 7});
  Tensor acc = torch::zeros({3, 4}, torch::kCUDA);
  const int n = static_cast<int>(detail::KernelErrors::kRecords) + 44;
  for (int i = 0; i < n; ++i) acc.add_(torch::embedding(w, idx));
  EXPECT_LE(detail::cuda_pending_kernel_errors(cuda::current_device()),
            detail::KernelErrors::kRecords);
  EXPECT_TRUE(matches_cpu(acc, torch::embedding(w.cpu(), idx.cpu()) * n, 1e-4, 1e-4));
  // An error among many launches still surfaces.
  for (int i = 0; i < n; ++i) {
    (void)torch::embedding(w, i == 100 ? long_cuda({8}) : idx);
  }
  std::string m = error_of([] { torch::cuda::synchronize(); });
  EXPECT_TRUE(has(m, "index 8 is out of bounds")) << m;
  EXPECT_EQ(detail::cuda_pending_kernel_errors(cuda::current_device()), 0u);
}

TEST(CudaKernelErrors, SideStreamIsHarvestedByItsOwnSynchronize) {
  EMBER_REQUIRE_CUDA();
  DeferredErrors on(true);
  cuda::CUDAStream side = cuda::getStreamFromPool();
  Tensor w = torch::randn({4, 2}).cuda();
  Tensor bad = long_cuda({9});
  torch::cuda::synchronize();
  {
    cuda::CUDAStreamGuard guard(side);
    (void)torch::embedding(w, bad);
  }
  // The current (default) stream's wait does not take the side stream's launch.
  EXPECT_NO_THROW(cuda::getCurrentCUDAStream().synchronize());
  std::string m = error_of([&] { side.synchronize(); });
  EXPECT_TRUE(has(m, "[embedding] index out of range in self: index 9")) << m;
  EXPECT_NO_THROW(torch::cuda::synchronize());
}

}  // namespace
