// CUDA ops end to end: ops that read tensor data on the host (indices, random fills, saving) with
// device tensors, and MLP training steps on the device against the same steps on the CPU.
#include <filesystem>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaOps, HostReadingOpsWithDeviceTensors) {
  EMBER_REQUIRE_CUDA();
  // In-place random fills draw on the host and land on the device.
  Tensor u = torch::empty({1000}, torch::kCUDA);
  u.uniform_(2, 3);
  EXPECT_TRUE(u.is_cuda());
  EXPECT_TRUE(u.ge(2).all().item<bool>() && u.lt(3).all().item<bool>());
  Tensor n = torch::empty({4000}, torch::kCUDA).normal_(1, 2);
  EXPECT_NEAR(n.mean().item<double>(), 1, 0.2);
  Tensor bern = torch::empty({100}, torch::kCUDA).bernoulli_(0.0);
  EXPECT_TRUE(matches_cpu(bern, torch::zeros({100})));
  // Index validation reads the indices on the host: errors stay errors, no host read of device
  // memory.
  Tensor idx = torch::tensor(std::vector<int64_t>{0, 7}).cuda();
  std::string m = error_of([&] { (void)torch::one_hot(idx, 3); });
  EXPECT_NE(m.find("smaller than num_classes"), std::string::npos) << m;
  Tensor oh = torch::one_hot(torch::tensor(std::vector<int64_t>{0, 2}).cuda(), 3);
  EXPECT_TRUE(matches_cpu(oh, torch::one_hot(torch::tensor(std::vector<int64_t>{0, 2}), 3)));
  Tensor weight = torch::randn({5, 3}).cuda();
  // Checked by the kernel, raised at the next synchronisation (Note [Deferred kernel errors]).
  m = error_of([&] {
    (void)torch::embedding(weight, idx);
    torch::cuda::synchronize();
  });
  EXPECT_NE(m.find("index 7 is out of bounds for dimension 0 with size 5"), std::string::npos) << m;
  // Saving a device tensor copies it to the host first, as the safetensors library.
  auto path = std::filesystem::temp_directory_path() / "ember_cuda_save.safetensors";
  OrderedDict<std::string, Tensor> tensors;
  tensors.insert("w", weight);
  save_file(tensors, path.string());
  auto loaded = load_file(path.string());
  EXPECT_TRUE(ember::testing::all_close(loaded["w"], weight.cpu()));
  std::filesystem::remove(path);
}

TEST(CudaOps, MlpTrainingStepsMatchCpu) {
  EMBER_REQUIRE_CUDA();
  auto make = [] {
    torch::manual_seed(7);
    return torch::nn::Sequential(torch::nn::Linear(20, 32), torch::nn::ReLU(),
                                 torch::nn::Linear(32, 5));
  };
  auto cpu_net = make(), gpu_net = make();
  gpu_net->to(torch::kCUDA);
  torch::optim::SGD cpu_opt(cpu_net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  torch::optim::SGD gpu_opt(gpu_net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  Tensor x = values(kFloat, {64, 20}, 39);
  Tensor y = torch::randint(0, 5, {64}, torch::kLong);
  for (int step = 0; step < 3; ++step) {
    cpu_opt.zero_grad();
    gpu_opt.zero_grad();
    torch::nn::functional::cross_entropy(cpu_net->forward(x), y).backward();
    torch::nn::functional::cross_entropy(gpu_net->forward(x.cuda()), y.cuda()).backward();
    cpu_opt.step();
    gpu_opt.step();
  }
  auto cp = cpu_net->parameters(), gp = gpu_net->parameters();
  ASSERT_EQ(cp.size(), gp.size());
  for (size_t i = 0; i < cp.size(); ++i) EXPECT_TRUE(matches_cpu(gp[i], cp[i], 1e-4, 1e-5)) << i;
}
