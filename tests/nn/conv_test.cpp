// Conv3d, ConvTranspose1d-3d and the pooling/padding/pixel-shuffle modules of nn/modules/conv.h:
// parameter shapes, forward = the functional op, output_size, pretty_print as libtorch.
#include "ember/nn/modules/conv.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"

using namespace ember;
using namespace ember::nn;

namespace {
template <class M>
std::string str(const M& m) {
  std::ostringstream os;
  m->pretty_print(os);
  return os.str();
}
Tensor mk(IntArrayRef shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return arange(n, kFloat).mul(0.37).sin().reshape(shape);
}
}  // namespace

TEST(ConvModules, Conv3d) {
  Conv3d c(Conv3dOptions(4, 6, {2, 3, 1}).stride(2).padding({1, 0, 1}).groups(2).bias(false));
  EXPECT_EQ(c->weight.sizes(), IntArrayRef({6, 2, 2, 3, 1}));
  EXPECT_FALSE(c->bias.defined());
  EXPECT_EQ(c->parameters().size(), 1u);
  Tensor x = mk({2, 4, 5, 6, 3});
  EXPECT_TRUE(c->forward(x).equal(conv3d(x, c->weight, {}, 2, {1, 0, 1}, 1, 2)));
  EXPECT_EQ(str(c),
            "torch::nn::Conv3d(4, 6, kernel_size=[2, 3, 1], stride=[2, 2, 2], "
            "padding=[1, 0, 1], groups=2, bias=false)");
  EXPECT_EQ(str(Conv3d(1, 2, 3)),
            "torch::nn::Conv3d(1, 2, kernel_size=[3, 3, 3], "
            "stride=[1, 1, 1])");
}

TEST(ConvModules, ConvTranspose) {
  ConvTranspose2d c(ConvTranspose2dOptions(4, 6, {3, 2}).stride(2).padding(1).groups(2));
  EXPECT_EQ(c->weight.sizes(), IntArrayRef({4, 3, 3, 2}));
  EXPECT_EQ(c->bias.sizes(), IntArrayRef({6}));
  Tensor x = mk({1, 4, 5, 4});
  Tensor y = c->forward(x);
  EXPECT_EQ(y.sizes(), IntArrayRef({1, 6, 9, 6}));
  EXPECT_TRUE(y.equal(conv_transpose2d(x, c->weight, c->bias, 2, 1, 0, 2)));
  Tensor y2 = c->forward(x, std::vector<int64_t>{10, 7});
  EXPECT_EQ(y2.sizes(), IntArrayRef({1, 6, 10, 7}));
  EXPECT_TRUE(y2.equal(conv_transpose2d(x, c->weight, c->bias, 2, 1, 1, 2)));
  EXPECT_THROW(c->forward(x, std::vector<int64_t>{11, 7}), Error);
  EXPECT_EQ(str(c),
            "torch::nn::ConvTranspose2d(4, 6, kernel_size=[3, 2], stride=[2, 2], "
            "padding=[1, 1], groups=2)");
  ConvTranspose1d c1(ConvTranspose1dOptions(2, 3, 3).output_padding(1).stride(2).bias(false));
  EXPECT_EQ(c1->forward(mk({2, 5})).sizes(), IntArrayRef({3, 12}));
  EXPECT_EQ(str(c1),
            "torch::nn::ConvTranspose1d(2, 3, kernel_size=3, stride=2, "
            "output_padding=1, bias=false)");
  ConvTranspose3d c3(2, 3, 2);
  EXPECT_EQ(c3->forward(mk({1, 2, 3, 3, 3})).sizes(), IntArrayRef({1, 3, 4, 4, 4}));
  EXPECT_EQ(c3->weight.sizes(), IntArrayRef({2, 3, 2, 2, 2}));
}

TEST(ConvModules, Pooling) {
  Tensor x3 = mk({2, 3, 9}), x5 = mk({1, 2, 4, 6, 5});
  MaxPool1d m1(MaxPool1dOptions(3).stride(2).ceil_mode(true));
  EXPECT_TRUE(m1->forward(x3).equal(max_pool1d(x3, 3, 2, 0, 1, true)));
  EXPECT_EQ(str(m1),
            "torch::nn::MaxPool1d(kernel_size=3, stride=2, padding=0, "
            "dilation=1, ceil_mode=true)");
  MaxPool3d m3(2);
  auto [v, i] = m3->forward_with_indices(x5);
  EXPECT_EQ(i.sizes(), IntArrayRef({1, 2, 2, 3, 2}));
  EXPECT_EQ(str(m3),
            "torch::nn::MaxPool3d(kernel_size=[2, 2, 2], stride=[2, 2, 2], "
            "padding=[0, 0, 0], dilation=[1, 1, 1], ceil_mode=false)");
  AvgPool3d a3(AvgPool3dOptions({2, 3, 2}).divisor_override(3));
  EXPECT_TRUE(a3->forward(x5).equal(avg_pool3d(x5, {2, 3, 2}, {2, 3, 2}, 0, false, true, 3)));
  EXPECT_EQ(str(AvgPool1d(2)), "torch::nn::AvgPool1d(kernel_size=2, stride=2, padding=0)");
  // PyTorch's 1-d pooling runs through 2-d with an unsqueezed height: SqueezeBackward1.
  Tensor xg = mk({2, 3, 9}).requires_grad_(true);
  EXPECT_EQ(m1->forward(xg).grad_fn()->name(), "SqueezeBackward1");
  EXPECT_EQ(AvgPool1d(2)->forward(xg).grad_fn()->name(), "SqueezeBackward1");
  EXPECT_EQ(AdaptiveMaxPool1d(4)->forward(xg).grad_fn()->name(), "SqueezeBackward1");
  EXPECT_EQ(std::get<1>(MaxPool1d(3)->forward_with_indices(x3)).sizes(), IntArrayRef({2, 3, 3}));
  AdaptiveAvgPool2d aa(AdaptiveAvgPool2dOptions({2, 3}));
  EXPECT_EQ(aa->forward(mk({3, 5, 7})).sizes(), IntArrayRef({3, 2, 3}));
  EXPECT_EQ(str(aa), "torch::nn::AdaptiveAvgPool2d(output_size=[2, 3])");
  AdaptiveMaxPool3d am(2);
  EXPECT_EQ(std::get<1>(am->forward_with_indices(x5)).sizes(), IntArrayRef({1, 2, 2, 2, 2}));
  EXPECT_EQ(str(am), "torch::nn::AdaptiveMaxPool3d(output_size=[2, 2, 2])");
  EXPECT_EQ(AdaptiveAvgPool1d(4)->forward(x3).sizes(), IntArrayRef({2, 3, 4}));
  EXPECT_EQ(AdaptiveMaxPool1d(4)->forward(x3).sizes(), IntArrayRef({2, 3, 4}));
}

TEST(ConvModules, PaddingAndShuffle) {
  Tensor x = mk({1, 2, 3, 4});
  ReflectionPad2d r(ReflectionPad2dOptions({1, 2, 0, 1}));
  EXPECT_TRUE(r->forward(x).equal(pad(x, {1, 2, 0, 1}, "reflect")));
  EXPECT_EQ(str(r), "torch::nn::ReflectionPad2d(padding=[1, 2, 0, 1])");
  ReplicationPad1d rp(2);
  EXPECT_EQ(rp->forward(mk({2, 3})).sizes(), IntArrayRef({2, 7}));
  EXPECT_EQ(str(rp), "torch::nn::ReplicationPad1d(padding=[2, 2])");
  ZeroPad2d z(1);
  EXPECT_EQ(z->forward(x).sizes(), IntArrayRef({1, 2, 5, 6}));
  EXPECT_EQ(str(z), "torch::nn::ZeroPad2d(padding=[1, 1, 1, 1])");
  ConstantPad3d c(1, 3.5);
  EXPECT_EQ(c->forward(mk({1, 1, 1, 1})).sizes(), IntArrayRef({1, 3, 3, 3}));
  EXPECT_EQ(str(c), "torch::nn::ConstantPad3d(padding=[1, 1, 1, 1, 1, 1], value=3.5)");
  PixelShuffle ps(2);
  PixelUnshuffle pu(2);
  Tensor y = mk({1, 8, 2, 3});
  EXPECT_TRUE(pu->forward(ps->forward(y)).equal(y));
  EXPECT_EQ(str(ps), "torch::nn::PixelShuffle(upscale_factor=2)");
  EXPECT_EQ(str(pu), "torch::nn::PixelUnshuffle(downscale_factor=2)");
}
