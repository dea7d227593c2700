// A libtorch program: a custom autograd Function with saved tensors and saved_data.
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct LinearFunction : public torch::autograd::Function<LinearFunction> {
  static torch::Tensor forward(AutogradContext* ctx, torch::Tensor input, torch::Tensor weight,
                               double scale) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["scale"] = scale;
    return input.mm(weight.t()) * scale;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    auto saved = ctx->get_saved_variables();
    double scale = ctx->saved_data["scale"].toDouble();
    auto g = grad_outputs[0] * scale;
    return {g.mm(saved[1]), g.t().mm(saved[0]), torch::Tensor()};
  }
};

int main() {
  auto x = torch::ones({2, 3}, torch::requires_grad());
  auto w = torch::ones({4, 3}, torch::requires_grad());
  auto y = LinearFunction::apply(x, w, 0.5);
  y.sum().backward();
  std::cout << x.grad() << std::endl << w.grad() << std::endl;
  bool ok = x.grad().sum().item<float>() == 12.0f && w.grad().sum().item<float>() == 12.0f;
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
