// A libtorch program: fits a linear model with libtorch's optimizers (SGD with gradient clipping,
// Adagrad, RMSprop, LBFGS with strong-Wolfe line search) and the nn::utils helpers.
#include <torch/torch.h>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

namespace {
torch::Tensor x = torch::linspace(-1, 1, 64, torch::kFloat).reshape({64, 1});
torch::Tensor y = 0.5 * x + 1.25;

bool fit(const std::string& name, torch::nn::Linear model, torch::optim::Optimizer& opt, int steps,
         bool clip = false) {
  for (int i = 0; i < steps; ++i) {
    auto closure = [&]() -> torch::Tensor {
      opt.zero_grad();
      torch::Tensor loss = (model->forward(x) - y).pow(2).mean();
      loss.backward();
      if (clip) torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
      return loss;
    };
    opt.step(closure);
  }
  torch::Tensor flat = torch::nn::utils::parameters_to_vector(model->parameters());
  double w = flat[0].item<double>(), b = flat[1].item<double>();
  std::cout << name << ": w " << w << " b " << b << std::endl;
  return std::abs(w - 0.5) < 2e-2 && std::abs(b - 1.25) < 2e-2;
}
}  // namespace

int main() {
  torch::manual_seed(0);
  bool ok = true;
  {
    torch::nn::Linear m(1, 1);
    torch::optim::SGD opt(m->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    ok &= fit("SGD", m, opt, 300, /*clip=*/true);
  }
  {
    torch::nn::Linear m(1, 1);
    torch::optim::Adagrad opt(m->parameters(), torch::optim::AdagradOptions(0.5));
    ok &= fit("Adagrad", m, opt, 300);
  }
  {
    torch::nn::Linear m(1, 1);
    torch::optim::RMSprop opt(m->parameters(),
                              torch::optim::RMSpropOptions(0.01).centered(true).momentum(0.5));
    ok &= fit("RMSprop", m, opt, 500);
  }
  {
    torch::nn::Linear m(1, 1);
    torch::optim::LBFGS opt(
        m->parameters(), torch::optim::LBFGSOptions(1).max_iter(20).line_search_fn("strong_wolfe"));
    ok &= fit("LBFGS", m, opt, 2);
  }
  {
    // A hand-written SGD loop as libtorch code writes it: in-place ops on the const Tensor& that
    // grad() returns (libtorch's in-place methods are const).
    torch::nn::Linear m(1, 1);
    for (int i = 0; i < 300; ++i) {
      torch::Tensor loss = (m->forward(x) - y).pow(2).mean();
      loss.backward();
      torch::NoGradGuard no_grad;
      for (const torch::Tensor& p : m->parameters()) {
        p.sub_(p.grad(), 0.5);
        p.grad().zero_();
      }
    }
    double w = m->weight.item<double>(), b = m->bias.item<double>();
    std::cout << "hand-written SGD: w " << w << " b " << b << std::endl;
    ok &= std::abs(w - 0.5) < 2e-2 && std::abs(b - 1.25) < 2e-2;
  }
  {
    torch::nn::Linear m(1, 1);
    torch::nn::utils::vector_to_parameters(torch::tensor({0.5f, 1.25f}), m->parameters());
    torch::Tensor loss = (m->forward(x) - y).pow(2).mean();
    ok &= loss.item<double>() < 1e-10;
  }
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
