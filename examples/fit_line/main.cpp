// Fits y = 3x - 2 + noise with a two-parameter model and plain gradient descent, libtorch style.
#include <torch/torch.h>

#include <iostream>

int main() {
  torch::manual_seed(0);
  auto x = torch::linspace(-1, 1, 64).unsqueeze(1);
  auto y = 3 * x - 2 + 0.1 * torch::sin(17 * x);
  auto w = torch::zeros({1, 1}, torch::requires_grad());
  auto b = torch::zeros({1}, torch::requires_grad());
  for (int step = 0; step <= 200; ++step) {
    auto pred = x.mm(w) + b;
    auto loss = ((pred - y) * (pred - y)).mean();
    loss.backward();
    {
      torch::NoGradGuard no_grad;
      w -= 0.1 * w.grad();
      b -= 0.1 * b.grad();
      w.mutable_grad().zero_();
      b.mutable_grad().zero_();
    }
    if (step % 50 == 0) std::cout << "step " << step << " loss " << loss.item<float>() << "\n";
  }
  std::cout << "w = " << w.item<float>() << ", b = " << b.item<float>() << "\n";
  return 0;
}
