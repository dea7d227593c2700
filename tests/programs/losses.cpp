// A libtorch program: logistic classification with torch::nn::CrossEntropyLoss and the loss
// functionals with libtorch's option structs and reduction tags.
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>

namespace F = torch::nn::functional;

int main() {
  torch::manual_seed(0);
  // Three separable clusters; a linear layer trained with cross entropy must fit them.
  torch::Tensor centers = torch::tensor({{2.0f, 0.0f}, {-2.0f, 1.0f}, {0.0f, -2.0f}});
  torch::Tensor labels = torch::arange(60).remainder(3);
  torch::Tensor x = centers.index_select(0, labels) + 0.3 * torch::randn({60, 2});
  torch::nn::Linear model(2, 3);
  torch::nn::CrossEntropyLoss criterion(torch::nn::CrossEntropyLossOptions().label_smoothing(0.05));
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.5));
  torch::Tensor loss;
  for (int i = 0; i < 200; ++i) {
    opt.zero_grad();
    loss = criterion(model(x), labels);
    loss.backward();
    opt.step();
  }
  float acc = (model(x).argmax(1) == labels).to(torch::kFloat).mean().item<float>();
  std::cout << criterion << " loss " << loss.item<float>() << " acc " << acc << std::endl;
  torch::Tensor y = torch::zeros({4, 3});
  torch::Tensor a = F::mse_loss(torch::ones({4, 3}), y, torch::kSum);
  torch::Tensor b = F::kl_div(torch::zeros({2, 3}), torch::full({2, 3}, 1.0f / 3),
                              F::KLDivFuncOptions(torch::kBatchMean));
  torch::Tensor c =
      at::nll_loss(torch::zeros({2, 3}), torch::tensor({0, 2}), {}, at::Reduction::Sum);
  bool ok = acc > 0.95f && a.item<float>() == 12.0f && std::abs(b.item<float>() + 1.0986f) < 1e-3 &&
            c.item<float>() == 0.0f;
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
