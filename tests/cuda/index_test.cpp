// src/cuda/index.cu + index_kernels.cpp: gather/scatter, advanced indexing, index_put, masked_fill,
// embedding on the device against the CPU kernels.
#include <string>
#include <vector>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaIndex, GatherScatterIndexing) {
  EMBER_REQUIRE_CUDA();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kLong, kInt, kByte, kBool}) {
    Tensor x = values(dt, {6, 8}, 27);
    Tensor idx = torch::randint(0, 6, {4, 8}, torch::kLong);
    Tensor d = x.cuda(), di = idx.cuda();
    EXPECT_TRUE(matches_cpu(d.gather(0, di), x.gather(0, idx))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.t().gather(1, di.t()), x.t().gather(1, idx.t()))) << toString(dt);
    Tensor sel = torch::tensor(std::vector<int64_t>{5, 0, 2, 2});
    EXPECT_TRUE(matches_cpu(d.index_select(0, sel.cuda()), x.index_select(0, sel))) << toString(dt);
    EXPECT_TRUE(matches_cpu(d.index({sel.cuda()}), x.index({sel}))) << toString(dt);
    Tensor mask = values(kBool, {6, 8}, 28);
    EXPECT_TRUE(matches_cpu(d.masked_fill(mask.cuda(), 1), x.masked_fill(mask, 1))) << toString(dt);
    // Distinct rows per column (with duplicates any write may win, as in PyTorch).
    Tensor perm = std::get<1>(torch::rand({6, 8}).sort(0)).narrow(0, 0, 4).contiguous();
    Tensor src = values(dt, {4, 8}, 29);
    EXPECT_TRUE(matches_cpu(d.scatter(0, perm.cuda(), src.cuda()), x.scatter(0, perm, src)))
        << toString(dt);
  }
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kLong, kInt}) {
    Tensor x = values(dt, {6, 8}, 30), src = values(dt, {4, 8}, 31);
    Tensor idx = torch::randint(0, 6, {4, 8}, torch::kLong);
    double t = tol(dt);
    EXPECT_TRUE(matches_cpu(x.cuda().scatter_add(0, idx.cuda(), src.cuda()),
                            x.scatter_add(0, idx, src), t, t))
        << toString(dt);
    Tensor rows = torch::tensor(std::vector<int64_t>{1, 3, 1, 5});
    Tensor v = values(dt, {4, 8}, 32);
    EXPECT_TRUE(matches_cpu(x.cuda().index_put_({rows.cuda()}, v.cuda(), true),
                            x.clone().index_put_({rows}, v, true), t, t))
        << toString(dt);
  }
  // Out-of-bounds indices raise IndexError with PyTorch's message; the process stays usable.
  Tensor d = torch::zeros({3, 4}, torch::kCUDA);
  Tensor bad = torch::tensor(std::vector<int64_t>{0, 7}).cuda();
  std::string m = error_of([&] {
    (void)d.index_select(0, bad);
    torch::cuda::synchronize();
  });
  EXPECT_NE(m.find("out of bounds"), std::string::npos) << m;
  m = error_of([&] {
    (void)d.gather(0, torch::full({1, 4}, 3, torch::kLong).cuda());
    torch::cuda::synchronize();  // gather's check is deferred (Note [Deferred kernel errors])
  });
  EXPECT_NE(m.find("index 3 is out of bounds for dimension 0 with size 3"), std::string::npos) << m;
  m = error_of([&] { (void)d.index_select(0, torch::zeros({1}, torch::kLong)); });
  EXPECT_NE(m.find("Expected all tensors to be on the same device"), std::string::npos) << m;
  EXPECT_TRUE(matches_cpu(d + 1, torch::ones({3, 4})));
  // Embedding forward and backward (index_add through index_put) on the device.
  Tensor w = values(kFloat, {10, 4}, 33);
  Tensor ids = torch::tensor(std::vector<int64_t>{1, 9, 1, 0});
  Tensor hw = w.clone().requires_grad_(true), dw = w.cuda().requires_grad_(true);
  torch::embedding(hw, ids).pow(2).sum().backward();
  torch::embedding(dw, ids.cuda()).pow(2).sum().backward();
  EXPECT_TRUE(matches_cpu(dw.grad(), hw.grad(), 1e-5, 1e-6));
}
