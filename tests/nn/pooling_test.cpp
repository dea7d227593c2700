#include "ember/nn/modules/pooling.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
namespace F = ember::nn::functional;

#include "conv_padding_golden.inc"

namespace {

// Same deterministic values as det() in tools/gen_conv_padding_golden.py.
Tensor det(std::vector<int64_t> shape, double k = 0.37) {
  int64_t n = 1;
  for (auto s : shape) n *= s;
  return (arange(n, kFloat) * k).sin().reshape(shape);
}

void expect_golden(const Tensor& got, const std::string& key, double rtol = 1e-4,
                   double atol = 1e-5) {
  SCOPED_TRACE(key);
  ASSERT_TRUE(kConvPaddingGolden.count(key));
  ASSERT_TRUE(got.defined());
  EXPECT_TRUE(all_close(got.detach().to(kDouble).flatten(),
                        tensor(kConvPaddingGolden.at(key)).to(kDouble), rtol, atol));
}

template <class M>
void set_det_weights(M& m) {
  NoGradGuard ng;
  m->weight.copy_(det(m->weight.sizes().vec(), 0.29));
  m->bias.copy_(det(m->bias.sizes().vec(), 0.83));
}

template <class M>
void run_case(M m, std::vector<int64_t> shape, const std::string& key) {
  set_det_weights(m);
  Tensor x = det(shape).requires_grad_(true);
  Tensor y = m(x);
  (y * det(y.sizes().vec(), 0.53)).sum().backward();
  expect_golden(y, key + ".out");
  expect_golden(x.grad(), key + ".grad");
}

template <size_t D>
void set_mode(nn::ConvOptions<D>& o, const std::string& mode) {
  if (mode == "reflect") o.padding_mode(kReflect);
  if (mode == "replicate") o.padding_mode(kReplicate);
  if (mode == "circular") o.padding_mode(kCircular);
}

}  // namespace

// Every padding_mode with numeric, 'same' (even kernels, dilation) and 'valid' padding, outputs
// and input gradients vs PyTorch 1.13.
TEST(ConvPadding, ModesAndSameValidMatchPyTorch) {
  for (std::string mode : {"zeros", "reflect", "replicate", "circular"}) {
    SCOPED_TRACE(mode);
    auto o1 = nn::Conv1dOptions(2, 3, 4).padding(kSame).dilation(2);
    set_mode(o1, mode);
    run_case(nn::Conv1d(o1), {2, 2, 9}, "c1_same_k4_d2." + mode);
    auto o1b = nn::Conv1dOptions(2, 4, 3).stride(2).padding(2).groups(2);
    set_mode(o1b, mode);
    run_case(nn::Conv1d(o1b), {1, 2, 8}, "c1_pad2_s2." + mode);
    auto o2 = nn::Conv2dOptions(2, 3, {3, 4}).padding(kSame).dilation({2, 1});
    set_mode(o2, mode);
    run_case(nn::Conv2d(o2), {1, 2, 6, 7}, "c2_same_k34_d21." + mode);
    auto o2b = nn::Conv2dOptions(2, 3, 3).stride(2).padding({1, 2});
    set_mode(o2b, mode);
    run_case(nn::Conv2d(o2b), {2, 2, 5, 6}, "c2_pad12_s2." + mode);
    auto o2c = nn::Conv2dOptions(2, 3, 2).padding(kValid);
    set_mode(o2c, mode);
    run_case(nn::Conv2d(o2c), {1, 2, 4, 5}, "c2_valid." + mode);
    auto o3 = nn::Conv3dOptions(2, 2, {2, 3, 2}).padding(kSame);
    set_mode(o3, mode);
    run_case(nn::Conv3d(o3), {1, 2, 4, 5, 4}, "c3_same_k232." + mode);
  }
}

TEST(ConvPadding, FunctionalSameValid) {
  Tensor x1 = det({2, 2, 9}), w1 = det({3, 2, 4}, 0.29), b1 = det({3}, 0.83);
  Tensor y1 = F::conv1d(x1, w1, F::Conv1dFuncOptions().bias(b1).padding(kSame).dilation(2));
  EXPECT_EQ(y1.sizes(), IntArrayRef({2, 3, 9}));
  expect_golden(y1, "c1_same_k4_d2.zeros.out");
  Tensor x3 = det({1, 2, 4, 5, 4}), w3 = det({2, 2, 2, 3, 2}, 0.29), b3 = det({2}, 0.83);
  expect_golden(F::conv3d(x3, w3, F::Conv3dFuncOptions().bias(b3).padding(kSame)),
                "c3_same_k232.zeros.out");
  Tensor x2 = det({1, 2, 4, 5}), w2 = det({3, 2, 2, 2}, 0.29), b2 = det({3}, 0.83);
  expect_golden(F::conv2d(x2, w2, F::Conv2dFuncOptions().bias(b2).padding(kValid)),
                "c2_valid.zeros.out");
  EXPECT_EQ(F::conv2d(x2, w2, F::Conv2dFuncOptions().padding({1, 0})).sizes(),
            IntArrayRef({1, 3, 5, 4}));
  // Transposed convolutions through their FuncOptions equal the op.
  Tensor wt = det({2, 3, 3}, 0.29);
  EXPECT_TRUE(
      all_close(F::conv_transpose1d(x1, wt, F::ConvTranspose1dFuncOptions().stride(2).padding(1)),
                conv_transpose1d(x1, wt, {}, 2, 1), 0, 0));
  Tensor wt2 = det({2, 3, 3, 3}, 0.29);
  EXPECT_TRUE(all_close(F::conv_transpose2d(x2, wt2, F::ConvTranspose2dFuncOptions().groups(1)),
                        conv_transpose2d(x2, wt2), 0, 0));
  Tensor wt3 = det({2, 1, 2, 2, 2}, 0.29);
  EXPECT_TRUE(all_close(
      F::conv_transpose3d(x3, wt3, F::ConvTranspose3dFuncOptions().output_padding(1).stride(2)),
      conv_transpose3d(x3, wt3, {}, 2, 0, 1), 0, 0));
}

TEST(ConvPadding, PrintsAndErrorsAsLibtorch) {
  auto str = [](const auto& m) {
    std::ostringstream os;
    os << *m;
    return os.str();
  };
  EXPECT_EQ(str(nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(kSame).padding_mode(kReflect))),
            "torch::nn::Conv2d(2, 3, kernel_size=[3, 3], stride=[1, 1], padding='same', "
            "padding_mode=kReflect)");
  EXPECT_EQ(str(nn::Conv1d(nn::Conv1dOptions(2, 3, 3).padding(kValid).padding_mode(kCircular))),
            "torch::nn::Conv1d(2, 3, kernel_size=3, stride=1, padding='valid', "
            "padding_mode=kCircular)");
  EXPECT_EQ(str(nn::Conv3d(nn::Conv3dOptions(2, 3, 3).padding(1).padding_mode(kReplicate))),
            "torch::nn::Conv3d(2, 3, kernel_size=[3, 3, 3], stride=[1, 1, 1], padding=[1, 1, 1], "
            "padding_mode=kReplicate)");
  EXPECT_EQ(str(nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(1).padding_mode(kZeros))),
            "torch::nn::Conv2d(2, 3, kernel_size=[3, 3], stride=[1, 1], padding=[1, 1])");
  EXPECT_THROW(nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(kSame).stride(2)), Error);
  EXPECT_THROW(nn::Conv1d(nn::Conv1dOptions(2, 3, 3).padding(-1)), Error);
  nn::ConvTranspose2d t(nn::ConvTranspose2dOptions(2, 3, 3).padding_mode(kReflect));
  try {
    t(randn({1, 2, 4, 4}));
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Only `zeros` padding mode is supported for "
                                         "ConvTranspose2d"),
              std::string::npos)
        << e.what();
  }
  // Reflect padding larger than the input is refused by the pad op.
  nn::Conv1d big(nn::Conv1dOptions(1, 1, 3).padding(4).padding_mode(kReflect));
  EXPECT_THROW(big(randn({1, 1, 3})), Error);
}

TEST(ConvPadding, Gradcheck) {
  for (int mode = 0; mode < 3; ++mode) {
    auto o = nn::Conv2dOptions(2, 2, {2, 3}).padding(kSame);
    if (mode == 0) o.padding_mode(kReflect);
    if (mode == 1) o.padding_mode(kReplicate);
    if (mode == 2) o.padding_mode(kCircular);
    nn::Conv2d m(o);
    m->to(kDouble);
    EXPECT_TRUE(ember::testing::gradcheck([&](const variable_list& v) { return m(v[0]); },
                                          {randn({1, 2, 4, 5}, kDouble)}));
  }
}

TEST(MaxUnpool, MatchesPyTorch) {
  Tensor x1 = det({2, 3, 9});
  auto [y1, i1] = F::max_pool1d_with_indices(x1, F::MaxPool1dFuncOptions(3).stride(2));
  nn::MaxUnpool1d u1(nn::MaxUnpool1dOptions(3).stride(2));
  expect_golden(u1(y1, i1), "unpool1d");
  expect_golden(u1(y1, i1, std::vector<int64_t>{10}), "unpool1d_size");
  expect_golden(F::max_unpool1d(y1, i1, F::MaxUnpool1dFuncOptions(3).stride(2)), "unpool1d");

  Tensor x2 = det({2, 2, 5, 6});
  auto [y2, i2] = F::max_pool2d_with_indices(x2, F::MaxPool2dFuncOptions(2).stride(2));
  nn::MaxUnpool2d u2(nn::MaxUnpool2dOptions(2).stride(2));
  expect_golden(u2(y2, i2), "unpool2d");
  auto [y2p, i2p] = F::max_pool2d_with_indices(x2, F::MaxPool2dFuncOptions(2).stride(2).padding(1));
  expect_golden(F::max_unpool2d(y2p, i2p,
                                F::MaxUnpool2dFuncOptions(2).stride(2).padding(1).output_size(
                                    std::vector<int64_t>{2, 2, 5, 6})),
                "unpool2d_pad_size");
  // Through AnyModule with the declared default output_size.
  nn::AnyModule any(u2);
  expect_golden(any.forward(y2, i2), "unpool2d");

  Tensor x3 = det({1, 2, 4, 4, 4});
  auto [y3, i3] = F::max_pool3d_with_indices(x3, F::MaxPool3dFuncOptions(2));
  nn::MaxUnpool3d u3(2);
  expect_golden(u3(y3, i3), "unpool3d");
  // Unbatched input.
  EXPECT_TRUE(all_close(u3(y3[0], i3[0]), u3(y3, i3)[0], 0, 0));
}

TEST(MaxUnpool, GradientPrintAndErrors) {
  Tensor x = randn({2, 3, 4, 6}, kDouble);
  auto [y, i] = max_pool2d_with_indices(x, 2, 2);
  Tensor yi = y.detach().requires_grad_(true);
  Tensor out = F::max_unpool2d(yi, i, F::MaxUnpool2dFuncOptions(2));
  EXPECT_EQ(out.sizes(), IntArrayRef({2, 3, 4, 6}));
  EXPECT_EQ(out.grad_fn()->name(), "MaxUnpool2DBackward0");
  EXPECT_TRUE(ember::testing::gradcheck(
      [&](const variable_list& v) {
        return F::max_unpool2d(v[0], i, F::MaxUnpool2dFuncOptions(2));
      },
      {y.detach()}));
  EXPECT_TRUE(ember::testing::gradgradcheck(
      [&](const variable_list& v) {
        return F::max_unpool2d(v[0], i, F::MaxUnpool2dFuncOptions(2)).pow(2);
      },
      {y.detach()}));
  auto [y3, i3] = max_pool3d_with_indices(randn({1, 1, 4, 4, 4}, kDouble), 2);
  EXPECT_TRUE(ember::testing::gradcheck(
      [&](const variable_list& v) {
        return F::max_unpool3d(v[0], i3, F::MaxUnpool3dFuncOptions(2));
      },
      {y3.detach()}));

  auto str = [](const auto& m) {
    std::ostringstream os;
    os << *m;
    return os.str();
  };
  EXPECT_EQ(str(nn::MaxUnpool1d(nn::MaxUnpool1dOptions(3))),
            "torch::nn::MaxUnpool1d(kernel_size=3, stride=3, padding=0)");
  EXPECT_EQ(str(nn::MaxUnpool2d(nn::MaxUnpool2dOptions(3).stride(2).padding(1))),
            "torch::nn::MaxUnpool2d(kernel_size=[3, 3], stride=[2, 2], padding=[1, 1])");
  EXPECT_EQ(str(nn::MaxUnpool3d(nn::MaxUnpool3dOptions(2))),
            "torch::nn::MaxUnpool3d(kernel_size=[2, 2, 2], stride=[2, 2, 2], padding=[0, 0, 0])");

  auto o = F::MaxUnpool2dFuncOptions(2);
  EXPECT_THROW(F::max_unpool2d(y, i.to(kInt), o), Error);         // index dtype
  EXPECT_THROW(F::max_unpool2d(y, i.narrow(3, 0, 2), o), Error);  // shape mismatch
  EXPECT_THROW(F::max_unpool2d(y, i + 100, o), Error);            // index range
  EXPECT_THROW(F::max_unpool2d(y, i, o.output_size(std::vector<int64_t>{9, 9})), Error);  // size
  EXPECT_THROW(
      F::max_unpool2d(y, i, F::MaxUnpool2dFuncOptions(2).output_size(std::vector<int64_t>{4})),
      Error);  // size length
  EXPECT_THROW(F::max_unpool2d(y.flatten(), i.flatten(), F::MaxUnpool2dFuncOptions(2)), Error);
}

TEST(LPPool, ModulesFunctionalAndPrint) {
  Tensor x1 = det({2, 3, 9});
  nn::LPPool1d p1(nn::LPPool1dOptions(2, 3).stride(2));
  expect_golden(p1(x1), "lp_pool1d");
  Tensor x2 = det({2, 2, 5, 6}).abs() + 0.1;
  expect_golden(F::lp_pool2d(x2, F::LPPool2dFuncOptions(3, {2, 3})), "lp_pool2d");
  nn::LPPool2d p2(3, ExpandingArray<2>({2, 3}));
  expect_golden(p2(x2), "lp_pool2d");
  std::ostringstream os;
  os << *p1;
  EXPECT_EQ(os.str(), "torch::nn::LPPool1d(norm_type=2, kernel_size=3, stride=2, ceil_mode=false)");
}

// F:: wrappers equal the ember ops they forward to.
TEST(FunctionalPooling, WrappersForwardOptions) {
  Tensor x1 = randn({2, 3, 10}), x3 = randn({1, 2, 6, 6, 6}), x2 = randn({2, 3, 7, 8});
  EXPECT_TRUE(all_close(F::max_pool1d(x1, F::MaxPool1dFuncOptions(3).stride(2).padding(1)),
                        max_pool1d(x1, 3, 2, 1), 0, 0));
  EXPECT_TRUE(all_close(F::max_pool3d(x3, F::MaxPool3dFuncOptions(2).ceil_mode(true)),
                        max_pool3d(x3, 2, {}, 0, 1, true), 0, 0));
  EXPECT_TRUE(
      all_close(F::avg_pool1d(x1, F::AvgPool1dFuncOptions(4).count_include_pad(false).padding(2)),
                avg_pool1d(x1, 4, {}, 2, false, false), 0, 0));
  EXPECT_TRUE(all_close(F::avg_pool3d(x3, F::AvgPool3dFuncOptions(3).divisor_override(2)),
                        avg_pool3d(x3, 3, {}, 0, false, true, 2), 0, 0));
  EXPECT_TRUE(all_close(F::adaptive_avg_pool1d(x1, F::AdaptiveAvgPool1dFuncOptions(4)),
                        adaptive_avg_pool1d(x1, 4), 0, 0));
  EXPECT_TRUE(all_close(F::adaptive_avg_pool2d(x2, F::AdaptiveAvgPool2dFuncOptions({3, 5})),
                        adaptive_avg_pool2d(x2, {3, 5}), 0, 0));
  EXPECT_TRUE(all_close(F::adaptive_avg_pool3d(x3, F::AdaptiveAvgPool3dFuncOptions(4)),
                        adaptive_avg_pool3d(x3, {4, 4, 4}), 0, 0));
  EXPECT_TRUE(all_close(F::adaptive_max_pool1d(x1, F::AdaptiveMaxPool1dFuncOptions(3)),
                        std::get<0>(adaptive_max_pool1d(x1, 3)), 0, 0));
  auto [v2, i2] = F::adaptive_max_pool2d_with_indices(x2, F::AdaptiveMaxPool2dFuncOptions(3));
  EXPECT_TRUE(all_close(v2, F::adaptive_max_pool2d(x2, F::AdaptiveMaxPool2dFuncOptions(3)), 0, 0));
  EXPECT_TRUE(i2.equal(std::get<1>(adaptive_max_pool2d(x2, {3, 3}))));
  EXPECT_TRUE(all_close(F::adaptive_max_pool3d(x3, F::AdaptiveMaxPool3dFuncOptions(2)),
                        std::get<0>(adaptive_max_pool3d(x3, {2, 2, 2})), 0, 0));
  auto [v1, i1] = F::max_pool1d_with_indices(x1, F::MaxPool1dFuncOptions(2));
  EXPECT_TRUE(all_close(v1, max_pool1d(x1, 2), 0, 0));
  EXPECT_EQ(i1.scalar_type(), kLong);
  auto [v3, i3] = F::adaptive_max_pool1d_with_indices(x1, F::AdaptiveMaxPool1dFuncOptions(5));
  EXPECT_EQ(i3.sizes(), IntArrayRef({2, 3, 5}));
  auto [v4, i4] = F::adaptive_max_pool3d_with_indices(x3, F::AdaptiveMaxPool3dFuncOptions(3));
  EXPECT_EQ(v4.sizes(), IntArrayRef({1, 2, 3, 3, 3}));
  Tensor ps = randn({1, 8, 3, 3});
  EXPECT_TRUE(
      all_close(F::pixel_shuffle(ps, F::PixelShuffleFuncOptions(2)), pixel_shuffle(ps, 2), 0, 0));
  EXPECT_TRUE(all_close(
      F::pixel_unshuffle(x2.narrow(3, 0, 6).narrow(2, 0, 6), F::PixelUnshuffleFuncOptions(3)),
      pixel_unshuffle(x2.narrow(3, 0, 6).narrow(2, 0, 6), 3), 0, 0));
}

TEST(FunctionalPad, ModesAndValue) {
  Tensor x = arange(6, kFloat).view({1, 1, 2, 3});
  Tensor c = F::pad(x, F::PadFuncOptions({1, 1}).value(-1));
  EXPECT_TRUE(all_close(
      c, tensor({-1.f, 0.f, 1.f, 2.f, -1.f, -1.f, 3.f, 4.f, 5.f, -1.f}).view({1, 1, 2, 5}), 0, 0));
  EXPECT_TRUE(all_close(F::pad(x.view({1, 2, 3}), F::PadFuncOptions({1, 1}).mode(kReflect)),
                        tensor({1.f, 0.f, 1.f, 2.f, 1.f, 4.f, 3.f, 4.f, 5.f, 4.f}).view({1, 2, 5}),
                        0, 0));
  EXPECT_TRUE(all_close(F::pad(x, F::PadFuncOptions({0, 0, 1, 0}).mode(kReplicate)),
                        tensor({0.f, 1.f, 2.f, 0.f, 1.f, 2.f, 3.f, 4.f, 5.f}).view({1, 1, 3, 3}), 0,
                        0));
  EXPECT_TRUE(all_close(F::pad(x.view({1, 2, 3}), F::PadFuncOptions({2, 0}).mode(kCircular)),
                        tensor({1.f, 2.f, 0.f, 1.f, 2.f, 4.f, 5.f, 3.f, 4.f, 5.f}).view({1, 2, 5}),
                        0, 0));
  EXPECT_TRUE(all_close(F::pad(x, F::PadFuncOptions({-1, 0})), x.narrow(3, 1, 2), 0, 0));
  EXPECT_THROW(F::pad(x, F::PadFuncOptions({1})), Error);
  EXPECT_THROW(F::pad(x.view({1, 2, 3}), F::PadFuncOptions({3, 3}).mode(kReflect)), Error);
  EXPECT_THROW(F::pad(x, F::PadFuncOptions({1, 1}).mode(kReflect)), Error);  // 4-D needs 4
}
