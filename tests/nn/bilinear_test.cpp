// Bilinear / F::bilinear against PyTorch 1.13 (values and gradients), gradcheck, Unflatten.
#include "ember/nn/modules/bilinear.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using namespace ember::nn;

namespace {
template <class M>
std::string str(const M& m) {
  std::ostringstream os;
  m->pretty_print(os);
  return os.str();
}
}  // namespace

TEST(Bilinear, MatchesPyTorch) {
  Tensor x1 = arange(6, kDouble).mul(0.37).sin().reshape({2, 3}).requires_grad_(true);
  Tensor x2 = arange(8, kDouble).mul(0.29).sin().reshape({2, 4});
  Tensor w = arange(60, kDouble).mul(0.11).cos().reshape({5, 3, 4}).requires_grad_(true);
  Tensor b = arange(5, kDouble).mul(0.1);
  Tensor y = functional::bilinear(x1, x2, w, b);
  std::vector<double> ref{0.8984855378911102, -0.9757516348411844, -1.2324358335760892,
                          0.6647608149196056, 2.013485193551611,   8.230587995278333,
                          -3.482837339166585, -9.80893254496764,   -1.0851053706443712,
                          9.721434243076049};
  ASSERT_EQ(y.sizes(), IntArrayRef({2, 5}));
  for (int64_t i = 0; i < 10; ++i)
    EXPECT_NEAR(y.reshape({-1})[i].item<double>(), ref[static_cast<size_t>(i)], 1e-12);
  (y * y).sum().backward();
  EXPECT_NEAR(x1.grad().sum().item<double>(), 605.5281080671218, 1e-9);
  EXPECT_NEAR(w.grad().sum().item<double>(), 81.87650558992462, 1e-9);
  auto fn = [](const variable_list& v) { return functional::bilinear(v[0], v[1], v[2], v[3]); };
  variable_list in{x1.detach().requires_grad_(true), x2.requires_grad_(true),
                   w.detach().requires_grad_(true), b.requires_grad_(true)};
  EXPECT_TRUE(ember::testing::gradcheck(fn, in));
  EXPECT_TRUE(ember::testing::gradgradcheck(fn, in));
  EXPECT_THROW(functional::bilinear(x1, x2.reshape({-1}), w), Error);
  EXPECT_THROW(functional::bilinear(x2, x1, w), Error);
}

TEST(Bilinear, Module) {
  Bilinear m(BilinearOptions(3, 4, 5).bias(false));
  EXPECT_EQ(m->weight.sizes(), IntArrayRef({5, 3, 4}));
  EXPECT_FALSE(m->bias.defined());
  EXPECT_LE(m->weight.abs().max().item<float>(), 1 / std::sqrt(3.0f));
  EXPECT_EQ(m->forward(ones({7, 3}), ones({7, 4})).sizes(), IntArrayRef({7, 5}));
  EXPECT_EQ(str(m),
            "torch::nn::Bilinear(in1_features=3, in2_features=4, out_features=5, "
            "bias=false)");
  Unflatten u(UnflattenOptions(1, {2, 3}));
  EXPECT_EQ(u->forward(ones({4, 6, 5})).sizes(), IntArrayRef({4, 2, 3, 5}));
  EXPECT_EQ(str(u), "torch::nn::Unflatten(dim=1, unflattened_size={2, 3})");
}
