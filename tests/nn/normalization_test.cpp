// LayerNorm, GroupNorm, RMSNorm, LocalResponseNorm, CrossMapLRN2d and their functional forms,
// F::normalize: values vs PyTorch 1.13, parameters, printing.
#include <gtest/gtest.h>

#include <sstream>

#include "support/norm_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gold;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::leaf;
using ember::testing::probe_grads;
using ember::testing::seq;
namespace F = ember::nn::functional;

namespace {
#include "../ops/normalization_cases.inc"
namespace nn_golden {
#include "normalization_cases.inc"
}

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  m.pretty_print(os);
  return os.str();
}
}  // namespace

TEST(LayerNormModule, Basics) {
  nn::LayerNorm ln(std::vector<int64_t>{10});
  EXPECT_EQ(printed(*ln), "torch::nn::LayerNorm([10], eps=1e-05, elementwise_affine=true)");
  EXPECT_TRUE(all_close(ln->weight, ones({10})));
  EXPECT_TRUE(all_close(ln->bias, zeros({10})));
  EXPECT_EQ(ln->parameters().size(), 2u);
  nn::LayerNorm plain(nn::LayerNormOptions({3, 4}).elementwise_affine(false).eps(1e-3));
  EXPECT_EQ(printed(*plain), "torch::nn::LayerNorm([3, 4], eps=0.001, elementwise_affine=false)");
  EXPECT_TRUE(plain->parameters().empty());
  Tensor x = seq({2, 3, 4}, 4, kFloat);
  EXPECT_TRUE(all_close(plain(x), layer_norm(x, {3, 4}, {}, {}, 1e-3)));
  Tensor y = F::layer_norm(seq({5, 6}, 7), F::LayerNormFuncOptions({6}).eps(1e-3));
  EXPECT_TRUE(all_close(y, gold(golden::ln_noaffine_out, {5, 6})));
}

TEST(GroupNormModule, Basics) {
  nn::GroupNorm gn(3, 6);
  EXPECT_EQ(printed(*gn), "torch::nn::GroupNorm(3, 6, eps=1e-05, affine=true)");
  EXPECT_TRUE(all_close(gn->weight, ones({6})));
  Tensor y = F::group_norm(seq({3, 4, 3}, 7), F::GroupNormFuncOptions(4));
  EXPECT_TRUE(all_close(y, gold(golden::gn_noaffine_out, {3, 4, 3})));
  EXPECT_TRUE(all_close(gn(seq({2, 6, 5}, 1)), group_norm(seq({2, 6, 5}, 1), 3)));
  EXPECT_THROW(nn::GroupNorm(4, 6), ember::Error);
  nn::GroupNorm plain(nn::GroupNormOptions(2, 4).affine(false));
  EXPECT_TRUE(plain->parameters().empty());
}

TEST(RMSNormModule, Basics) {
  nn::RMSNorm rms(std::vector<int64_t>{4});
  EXPECT_EQ(printed(*rms), "torch::nn::RMSNorm([4], eps=None, elementwise_affine=true)");
  EXPECT_TRUE(all_close(rms->weight, ones({4})));
  nn::RMSNorm r2(nn::RMSNormOptions({4}).eps(1e-6));
  {
    NoGradGuard ng;
    r2->weight.copy_(seq({4}, 2));
  }
  EXPECT_TRUE(all_close(r2(seq({2, 3, 4}, 1)), gold(golden::rms_out, {2, 3, 4}), 1e-5, 1e-5));
  Tensor f =
      F::rms_norm(seq({2, 3, 4}, 1), F::RMSNormFuncOptions({4}).weight(seq({4}, 2)).eps(1e-6));
  EXPECT_TRUE(all_close(f, gold(golden::rms_out, {2, 3, 4})));
}

TEST(LocalResponseNorm, MatchesPyTorch) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = leaf(seq({2, 5, 3}, 1, dt));
    Tensor y = F::local_response_norm(x, F::LocalResponseNormFuncOptions(3).alpha(0.1));
    EXPECT_TRUE(all_close(y, gold(golden::lrn3d_out, {2, 5, 3}), 1e-5, 1e-5));
    EXPECT_TRUE(all_close(probe_grads(y, {x})[0], gold(golden::lrn3d_gx, {2, 5, 3}), 1e-4, 1e-5));
    nn::LocalResponseNorm m(nn::LocalResponseNormOptions(2).alpha(0.2).beta(0.5).k(2.0));
    Tensor x4 = leaf(seq({2, 5, 2, 2}, 2, dt));
    Tensor y4 = m(x4);
    EXPECT_TRUE(all_close(y4, gold(golden::lrn4d_out, {2, 5, 2, 2}), 1e-5, 1e-5));
    EXPECT_TRUE(
        all_close(probe_grads(y4, {x4})[0], gold(golden::lrn4d_gx, {2, 5, 2, 2}), 1e-4, 1e-5));
  }
  EXPECT_EQ(printed(*nn::LocalResponseNorm(2)),
            "torch::nn::LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1)");
  EXPECT_THROW(F::local_response_norm(ones({2, 3}), F::LocalResponseNormFuncOptions(2)),
               ember::Error);
  auto f = [](const variable_list& v) {
    return F::local_response_norm(v[0], F::LocalResponseNormFuncOptions(3).alpha(0.3));
  };
  EXPECT_TRUE(gradcheck(f, {seq({1, 4, 2}, 1)}));
  EXPECT_TRUE(gradgradcheck(f, {seq({1, 4, 2}, 1)}));
}

TEST(CrossMapLRN2d, MatchesPyTorch) {
  Tensor x = seq({2, 5, 2, 2}, 3, kFloat);
  auto run = [&](nn::CrossMapLRN2dOptions o) { return nn::CrossMapLRN2d(o)(x); };
  EXPECT_TRUE(all_close(run(nn::CrossMapLRN2dOptions(3).alpha(0.1)),
                        gold(nn_golden::golden::crossmap_s3, {2, 5, 2, 2}), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(run(nn::CrossMapLRN2dOptions(4).alpha(0.2).beta(0.5).k(2)),
                        gold(nn_golden::golden::crossmap_s4, {2, 5, 2, 2}), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(run(nn::CrossMapLRN2dOptions(1).alpha(0.1)),
                        gold(nn_golden::golden::crossmap_s1, {2, 5, 2, 2}), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(run(nn::CrossMapLRN2dOptions(7).alpha(0.1)),
                        gold(nn_golden::golden::crossmap_s7, {2, 5, 2, 2}), 1e-5, 1e-6));
  EXPECT_EQ(printed(*nn::CrossMapLRN2d(3)),
            "torch::nn::CrossMapLRN2d(3, alpha=0.0001, beta=0.75, k=1)");
  EXPECT_THROW(nn::CrossMapLRN2d(3)(ones({2, 3, 4})), ember::Error);
}

TEST(Normalize, MatchesPyTorch) {
  Tensor x = leaf(seq({3, 4}, 1));
  Tensor y = F::normalize(x);
  EXPECT_TRUE(all_close(y, gold(golden::normalize_out, {3, 4})));
  EXPECT_TRUE(all_close(probe_grads(y, {x})[0], gold(golden::normalize_gx, {3, 4})));
  EXPECT_TRUE(all_close(F::normalize(x, F::NormalizeFuncOptions().p(1).dim(0)),
                        gold(golden::normalize_out1, {3, 4})));
  Tensor out = empty({3, 4}, kDouble);
  F::normalize(x.detach(), F::NormalizeFuncOptions().out(out));
  EXPECT_TRUE(all_close(out, gold(golden::normalize_out, {3, 4})));
  EXPECT_TRUE(all_close(F::normalize(zeros({2, 3})), zeros({2, 3})));  // eps keeps it finite
}
