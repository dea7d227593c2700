// Activation modules and functionals (ember/nn/modules/activation.h): forward equals the op,
// options and defaults as libtorch, pretty_print as libtorch, PReLU's parameter.
#include "ember/nn/modules/activation.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
namespace F = ember::nn::functional;

namespace {
template <class M>
std::string printed(const M& m) {
  std::ostringstream os;
  os << *m;
  return os.str();
}
Tensor X() { return tensor({-2.5, -0.5, 0.0, 0.75, 3.5}); }
}  // namespace

TEST(ActivationModules, PrettyPrint) {
  EXPECT_EQ(printed(nn::ELU()), "torch::nn::ELU(alpha=1)");
  EXPECT_EQ(printed(nn::ELU(nn::ELUOptions().alpha(0.5).inplace(true))),
            "torch::nn::ELU(alpha=0.5, inplace=true)");
  EXPECT_EQ(printed(nn::SELU()), "torch::nn::SELU()");
  EXPECT_EQ(printed(nn::SELU(true)), "torch::nn::SELU(inplace=true)");
  EXPECT_EQ(printed(nn::Hardshrink()), "torch::nn::Hardshrink(0.5)");
  EXPECT_EQ(printed(nn::Hardtanh()), "torch::nn::Hardtanh(min_val=-1, max_val=1)");
  EXPECT_EQ(printed(nn::Hardtanh(nn::HardtanhOptions().min_val(-2).inplace(true))),
            "torch::nn::Hardtanh(min_val=-2, max_val=1, inplace=true)");
  EXPECT_EQ(printed(nn::LeakyReLU()), "torch::nn::LeakyReLU(negative_slope=0.01)");
  EXPECT_EQ(printed(nn::LogSigmoid()), "torch::nn::LogSigmoid()");
  EXPECT_EQ(printed(nn::Softmin(1)), "torch::nn::Softmin(dim=1)");
  EXPECT_EQ(printed(nn::PReLU()), "torch::nn::PReLU(num_parameters=1)");
  EXPECT_EQ(printed(nn::ReLU6()), "torch::nn::ReLU6()");
  EXPECT_EQ(printed(nn::ReLU6(true)), "torch::nn::ReLU6(inplace=true)");
  EXPECT_EQ(printed(nn::RReLU()), "torch::nn::RReLU(lower=0.125, upper=0.333333)");
  EXPECT_EQ(printed(nn::CELU(nn::CELUOptions().alpha(2))), "torch::nn::CELU(alpha=2)");
  EXPECT_EQ(printed(nn::GLU()), "torch::nn::GLU(dim=-1)");
  EXPECT_EQ(printed(nn::GELU()), "torch::nn::GELU()");
  EXPECT_EQ(printed(nn::SiLU()), "torch::nn::SiLU()");
  EXPECT_EQ(printed(nn::Mish()), "torch::nn::Mish()");
  EXPECT_EQ(printed(nn::Softplus()), "torch::nn::Softplus(beta=1, threshold=20)");
  EXPECT_EQ(printed(nn::Softshrink()), "torch::nn::Softshrink(0.5)");
  EXPECT_EQ(printed(nn::Softsign()), "torch::nn::Softsign()");
  EXPECT_EQ(printed(nn::Tanhshrink()), "torch::nn::Tanhshrink()");
  EXPECT_EQ(printed(nn::Threshold(0.1, 20)), "torch::nn::Threshold(threshold=0.1, value=20)");
  EXPECT_EQ(printed(nn::Hardsigmoid()), "torch::nn::Hardsigmoid()");
  EXPECT_EQ(printed(nn::Hardswish()), "torch::nn::Hardswish()");
  EXPECT_EQ(printed(nn::Softmax2d()), "torch::nn::Softmax2d()");
}

TEST(ActivationModules, Forward) {
  Tensor x = X();
  EXPECT_TRUE(all_close(nn::ELU()(x), elu(x)));
  EXPECT_TRUE(all_close(nn::SELU()(x), selu(x)));
  EXPECT_TRUE(all_close(nn::Hardshrink(0.3)(x), hardshrink(x, 0.3)));
  EXPECT_TRUE(all_close(nn::Hardtanh()(x), hardtanh(x)));
  EXPECT_TRUE(
      all_close(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2))(x), leaky_relu(x, 0.2)));
  EXPECT_TRUE(all_close(nn::LogSigmoid()(x), log_sigmoid(x)));
  EXPECT_TRUE(all_close(nn::Softmin(0)(x), softmax(-x, 0)));
  EXPECT_TRUE(all_close(nn::ReLU6()(x * 3), relu6(x * 3)));
  EXPECT_TRUE(all_close(nn::CELU()(x), celu(x)));
  EXPECT_TRUE(all_close(nn::GLU(0)(x.narrow(0, 0, 4)), glu(x.narrow(0, 0, 4), 0)));
  EXPECT_TRUE(all_close(nn::GELU(nn::GELUOptions().approximate("tanh"))(x), gelu(x, "tanh")));
  EXPECT_TRUE(all_close(nn::SiLU()(x), silu(x)));
  EXPECT_TRUE(all_close(nn::Mish()(x), mish(x)));
  EXPECT_TRUE(all_close(nn::Softplus(nn::SoftplusOptions().beta(2))(x), softplus(x, 2)));
  EXPECT_TRUE(all_close(nn::Softshrink()(x), softshrink(x)));
  EXPECT_TRUE(all_close(nn::Softsign()(x), softsign(x)));
  EXPECT_TRUE(all_close(nn::Tanhshrink()(x), tanhshrink(x)));
  EXPECT_TRUE(all_close(nn::Threshold(0.5, -1)(x), threshold(x, 0.5, -1)));
  EXPECT_TRUE(all_close(nn::Hardsigmoid()(x), hardsigmoid(x)));
  EXPECT_TRUE(all_close(nn::Hardswish()(x), hardswish(x)));
  Tensor img = randn({2, 3, 2, 2});
  EXPECT_TRUE(all_close(nn::Softmax2d()(img), softmax(img, 1)));
  EXPECT_THROW(nn::Softmax2d()(x), ember::Error);
  // inplace options write into the input
  Tensor y = x.clone();
  nn::ELU(nn::ELUOptions().inplace(true))(y);
  EXPECT_TRUE(all_close(y, elu(x)));
  EXPECT_THROW(nn::Hardtanh(nn::HardtanhOptions().min_val(2).max_val(1)), ember::Error);
}

TEST(ActivationModules, RReLUTrainEval) {
  nn::RReLU m;
  Tensor x = -ones({100});
  Tensor t = m(x);  // training: random slopes in [lower, upper]
  EXPECT_GT(t.std().item<double>(), 0.0);
  m->eval();
  EXPECT_TRUE(all_close(m(x), full({100}, -(0.125 + 1.0 / 3.0) / 2)));
}

TEST(ActivationModules, PReLU) {
  nn::PReLU m(nn::PReLUOptions().num_parameters(3).init(0.1));
  EXPECT_EQ(m->named_parameters().keys(), std::vector<std::string>{"weight"});
  EXPECT_TRUE(all_close(m->weight, full({3}, 0.1)));
  Tensor x = tensor({{-1.0, 2.0, -3.0}});
  Tensor y = m(x);
  EXPECT_TRUE(all_close(y, tensor({{-0.1, 2.0, -0.3}})));
  y.sum().backward();
  EXPECT_TRUE(all_close(m->weight.grad(), tensor({-1.0, 0.0, -3.0})));
  EXPECT_THROW(m(zeros({2, 4})), ember::Error);
  auto c = std::dynamic_pointer_cast<nn::PReLUImpl>(m->clone());
  EXPECT_TRUE(all_close(c->weight, m->weight));
}

TEST(ActivationFunctional, Options) {
  Tensor x = X();
  EXPECT_TRUE(all_close(F::gelu(x, F::GELUFuncOptions().approximate("tanh")), gelu(x, "tanh")));
  EXPECT_TRUE(all_close(F::elu(x, F::ELUFuncOptions().alpha(0.5)), elu(x, 0.5)));
  EXPECT_TRUE(all_close(F::selu(x), selu(x)));
  EXPECT_TRUE(
      all_close(F::hardshrink(x, F::HardshrinkFuncOptions().lambda(0.2)), hardshrink(x, 0.2)));
  EXPECT_TRUE(all_close(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-2).max_val(2)),
                        hardtanh(x, -2, 2)));
  EXPECT_TRUE(all_close(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.3)),
                        leaky_relu(x, 0.3)));
  EXPECT_TRUE(all_close(F::logsigmoid(x), log_sigmoid(x)));
  EXPECT_TRUE(all_close(F::softmin(x, F::SoftminFuncOptions(0)), softmax(-x, 0)));
  EXPECT_EQ(F::softmin(x, F::SoftminFuncOptions(0).dtype(kDouble)).dtype(), kDouble);
  EXPECT_TRUE(
      all_close(F::glu(x.narrow(0, 0, 4), F::GLUFuncOptions(0)), glu(x.narrow(0, 0, 4), 0)));
  EXPECT_TRUE(all_close(F::silu(x), silu(x)));
  EXPECT_TRUE(all_close(F::mish(x), mish(x)));
  EXPECT_TRUE(all_close(F::prelu(x, tensor({0.5})), prelu(x, tensor({0.5}))));
  EXPECT_TRUE(all_close(F::relu6(x * 3), relu6(x * 3)));
  EXPECT_TRUE(all_close(F::rrelu(x), rrelu(x)));
  EXPECT_TRUE(all_close(F::celu(x, F::CELUFuncOptions().alpha(2)), celu(x, 2)));
  EXPECT_TRUE(
      all_close(F::softplus(x, F::SoftplusFuncOptions().beta(2).threshold(1)), softplus(x, 2, 1)));
  EXPECT_TRUE(all_close(F::softshrink(x, F::SoftshrinkFuncOptions(0.1)), softshrink(x, 0.1)));
  EXPECT_TRUE(all_close(F::softsign(x), softsign(x)));
  EXPECT_TRUE(all_close(F::tanhshrink(x), tanhshrink(x)));
  EXPECT_TRUE(all_close(F::threshold(x, F::ThresholdFuncOptions(0.5, 2)), threshold(x, 0.5, 2)));
  EXPECT_TRUE(all_close(F::hardsigmoid(x), hardsigmoid(x)));
  EXPECT_TRUE(all_close(F::hardswish(x), hardswish(x)));
  EXPECT_TRUE(all_close(F::relu(x), relu(x)));
  // inplace functionals modify the tensor they are given
  Tensor y = x.clone();
  F::leaky_relu(y, F::LeakyReLUFuncOptions().inplace(true));
  EXPECT_TRUE(all_close(y, leaky_relu(x)));
  Tensor z = x.clone();
  F::threshold(z, F::ThresholdFuncOptions(0.5, 2).inplace(true));
  EXPECT_TRUE(all_close(z, threshold(x, 0.5, 2)));
}

TEST(ActivationFunctional, GumbelSoftmax) {
  manual_seed(0);
  Tensor logits = randn({4, 5});
  Tensor soft = F::gumbel_softmax(logits, F::GumbelSoftmaxFuncOptions().tau(0.5));
  EXPECT_TRUE(all_close(soft.sum(-1), ones({4})));
  Tensor l = logits.clone().requires_grad_();
  Tensor hard = F::gumbel_softmax(l, F::GumbelSoftmaxFuncOptions().hard(true));
  EXPECT_TRUE(all_close(hard.sum(-1), ones({4})));
  EXPECT_TRUE(all_close(hard.max(), tensor(1.0f)));
  (hard * randn({4, 5})).sum().backward();  // straight-through: soft gradients
  EXPECT_TRUE(l.grad().defined());
}
