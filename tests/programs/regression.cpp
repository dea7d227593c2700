// A libtorch program: linear regression with autograd and a manual SGD step.
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>

int main() {
  torch::manual_seed(1);
  torch::Tensor x = torch::linspace(0, 1, 100, torch::kFloat).reshape({100, 1});
  torch::Tensor y = 0.5 * x + 1.25;
  torch::Tensor w = torch::zeros({1, 1}, torch::TensorOptions().requires_grad(true));
  torch::Tensor b = torch::zeros({1}, torch::requires_grad());
  float lr = 0.5f;
  for (int i = 0; i < 500; ++i) {
    torch::Tensor loss = (torch::matmul(x, w) + b - y).pow(2).mean();
    auto grads = torch::autograd::grad({loss}, {w, b});
    torch::NoGradGuard guard;
    w.sub_(lr * grads[0]);
    b.sub_(lr * grads[1]);
  }
  std::cout << "w " << w.item<float>() << " b " << b.item<float>() << std::endl;
  bool ok = std::abs(w.item<float>() - 0.5f) < 1e-3 && std::abs(b.item<float>() - 1.25f) < 1e-3;
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
