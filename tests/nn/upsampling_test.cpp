// Upsample / F::interpolate (size or scale_factor, recompute_scale_factor, align_corners),
// Fold / Unfold: values against PyTorch 1.13, pretty_print as libtorch.
#include "ember/nn/modules/upsampling.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"

using namespace ember;
using namespace ember::nn;
namespace F = ember::nn::functional;

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
  return arange(n, kDouble).mul(0.37).sin().reshape(shape);
}
}  // namespace

TEST(Upsampling, Interpolate) {
  Tensor x = mk({2, 3, 4, 5});
  // PyTorch: F.interpolate(x, scale_factor=1.5, mode='bilinear') (+ recompute_scale_factor=True)
  Tensor y = F::interpolate(
      x, F::InterpolateFuncOptions().scale_factor(std::vector<double>{1.5}).mode(kBilinear));
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 3, 6, 7}));
  EXPECT_NEAR(y.sum().item<double>(), -0.07420106174205826, 1e-12);
  EXPECT_NEAR((y * y).sum().item<double>(), 81.66664555052719, 1e-10);
  Tensor y2 = F::interpolate(x, F::InterpolateFuncOptions()
                                    .scale_factor(std::vector<double>{1.5})
                                    .mode(kBilinear)
                                    .recompute_scale_factor(true));
  EXPECT_NEAR(y2.sum().item<double>(), 0.05645648406841597, 1e-12);
  Tensor y3 = F::interpolate(
      x.select(2, 0),
      F::InterpolateFuncOptions().size(std::vector<int64_t>{7}).mode(kLinear).align_corners(true));
  EXPECT_NEAR(y3.sum().item<double>(), 0.911808833156674, 1e-12);
  EXPECT_THROW(F::interpolate(x, F::InterpolateFuncOptions()), Error);
  EXPECT_THROW(F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{1, 2, 3})),
               Error);
}

TEST(Upsampling, Modules) {
  Upsample u(UpsampleOptions().scale_factor(std::vector<double>{2, 2}).mode(kNearest));
  Tensor x = mk({1, 2, 3, 4});
  EXPECT_TRUE(u->forward(x).equal(upsample(x, "nearest", {6, 8}, std::nullopt, {2.0, 2.0})));
  EXPECT_EQ(str(u), "torch::nn::Upsample(scale_factor=[2, 2], mode=kNearest)");
  Upsample u2(UpsampleOptions().size(std::vector<int64_t>{5, 5}).mode(kBicubic));
  EXPECT_EQ(u2->forward(x).sizes(), IntArrayRef({1, 2, 5, 5}));
  EXPECT_EQ(str(u2), "torch::nn::Upsample(size=[5, 5], mode=kBicubic)");
  Unfold un(UnfoldOptions({2, 3}).padding(1));
  Tensor c = un->forward(x);
  EXPECT_EQ(c.sizes(), IntArrayRef({1, 12, 16}));
  EXPECT_EQ(str(un),
            "torch::nn::Unfold(kernel_size=[2, 3], dilation=[1, 1], padding=[1, 1], "
            "stride=[1, 1])");
  Fold fo(FoldOptions({3, 4}, {2, 3}).padding(1));
  EXPECT_TRUE(fo->forward(c).equal(col2im(c, {3, 4}, {2, 3}, 1, 1, 1)));
  EXPECT_EQ(str(fo),
            "torch::nn::Fold(output_size=[3, 4], kernel_size=[2, 3], dilation=[1, 1], "
            "padding=[1, 1], stride=[1, 1])");
}
