// BatchNorm{1,2,3}d and InstanceNorm{1,2,3}d modules and F::batch_norm / F::instance_norm:
// running statistics over several steps vs PyTorch 1.13, state_dict keys, printing, errors.
#include <gtest/gtest.h>

#include <sstream>

#include "support/norm_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gold;
using ember::testing::seq;
namespace F = ember::nn::functional;

namespace {
#include "normalization_cases.inc"

std::string printed(const nn::Module& m) {
  std::ostringstream os;
  m.pretty_print(os);
  return os.str();
}
std::vector<std::string> keys(const nn::Module& m) {
  std::vector<std::string> k;
  for (const auto& item : m.state_dict()) k.push_back(item.key());
  return k;
}
}  // namespace

TEST(BatchNormModule, RunningStatsOverStepsMatchPyTorch) {
  nn::BatchNorm2d bn(3);
  for (int s = 0; s < 3; ++s) bn(seq({2, 3, 2, 2}, s, kFloat));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 3);
  EXPECT_EQ(bn->num_batches_tracked.dtype(), kLong);
  EXPECT_TRUE(all_close(bn->running_mean, gold(golden::bn_steps_rm, {3}), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(bn->running_var, gold(golden::bn_steps_rv, {3}), 1e-5, 1e-6));
  bn->eval();
  Tensor out = bn(seq({2, 3, 2, 2}, 7, kFloat));
  EXPECT_TRUE(all_close(out, gold(golden::bn_steps_out, {2, 3, 2, 2}), 1e-5, 1e-5));
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 3);

  // momentum = nullopt: cumulative moving average.
  nn::BatchNorm1d cma(nn::BatchNorm1dOptions(3).momentum(std::nullopt));
  for (int s = 0; s < 3; ++s) cma(seq({4, 3}, s, kFloat));
  EXPECT_TRUE(all_close(cma->running_mean, gold(golden::bn_cma_rm, {3}), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(cma->running_var, gold(golden::bn_cma_rv, {3}), 1e-5, 1e-6));
}

TEST(BatchNormModule, ParametersBuffersAndPrinting) {
  nn::BatchNorm2d bn(nn::BatchNorm2dOptions(64));
  EXPECT_EQ(printed(*bn),
            "torch::nn::BatchNorm2d(64, eps=1e-05, momentum=0.1, affine=true, "
            "track_running_stats=true)");
  EXPECT_TRUE(all_close(bn->weight, ones({64})));
  EXPECT_TRUE(all_close(bn->bias, zeros({64})));
  EXPECT_EQ(keys(*bn), (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                                 "num_batches_tracked"}));
  nn::BatchNorm1d plain(nn::BatchNorm1dOptions(4).affine(false).track_running_stats(false));
  EXPECT_TRUE(keys(*plain).empty());
  EXPECT_EQ(printed(*plain),
            "torch::nn::BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=false, "
            "track_running_stats=false)");
  plain->eval();  // no running stats: batch statistics even in eval
  Tensor y = plain(seq({5, 4}, 1, kFloat));
  EXPECT_TRUE(all_close(y.mean(IntArrayRef{0}), zeros({4}), 1e-5, 1e-5));
  nn::BatchNorm3d b3(2);
  EXPECT_EQ(b3(seq({2, 2, 2, 2, 2}, 1, kFloat)).sizes(), IntArrayRef({2, 2, 2, 2, 2}));
  // clone copies the buffers.
  auto copy = std::dynamic_pointer_cast<nn::BatchNorm2dImpl>(bn->clone());
  EXPECT_EQ(keys(*copy).size(), 5u);
}

TEST(BatchNormModule, Errors) {
  nn::BatchNorm1d b1(3);
  try {
    b1(ones({2, 3, 4, 5}));
    FAIL();
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 2D or 3D input (got 4D input)"),
              std::string::npos);
  }
  nn::BatchNorm2d b2(3);
  EXPECT_THROW(b2(ones({2, 3, 4})), ember::Error);
  EXPECT_THROW(b2(ones({2, 4, 2, 2})), ember::Error);  // wrong channels
  // One value per channel while training.
  EXPECT_THROW(b1(ones({1, 3})), ember::Error);
  EXPECT_THROW(
      F::batch_norm(ones({1, 3}), Tensor(), Tensor(), F::BatchNormFuncOptions().training(true)),
      ember::Error);
}

TEST(BatchNormFunctional, MatchesOp) {
  Tensor x = seq({4, 3}, 1, kFloat), rm = zeros({3}), rv = ones({3});
  Tensor y = F::batch_norm(x, rm, rv, F::BatchNormFuncOptions().training(true).momentum(0.5));
  Tensor rm2 = zeros({3}), rv2 = ones({3});
  EXPECT_TRUE(all_close(y, batch_norm(x, {}, {}, rm2, rv2, true, 0.5, 1e-5, false)));
  EXPECT_TRUE(all_close(rm, rm2));
  Tensor e = F::batch_norm(x, rm, rv);  // eval by default
  EXPECT_TRUE(all_close(e, (x - rm) / (rv + 1e-5).sqrt(), 1e-5, 1e-6));
}

TEST(InstanceNormModule, RunningStatsAndPrinting) {
  nn::InstanceNorm1d in(nn::InstanceNorm1dOptions(3).track_running_stats(true).affine(true));
  for (int s = 0; s < 2; ++s) in(seq({2, 3, 4}, s, kFloat));
  EXPECT_TRUE(all_close(in->running_mean, gold(golden::in_steps_rm, {3}), 1e-5, 1e-6));
  EXPECT_TRUE(all_close(in->running_var, gold(golden::in_steps_rv, {3}), 1e-5, 1e-6));
  in->eval();
  EXPECT_TRUE(
      all_close(in(seq({2, 3, 4}, 5, kFloat)), gold(golden::in_steps_out, {2, 3, 4}), 1e-5, 1e-5));
  EXPECT_EQ(keys(*in).size(), 5u);
  nn::InstanceNorm2d i2(4);
  EXPECT_TRUE(keys(*i2).empty());
  EXPECT_EQ(printed(*i2),
            "torch::nn::InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=false, "
            "track_running_stats=false)");
  // Unbatched input is a batch of one.
  Tensor x = seq({4, 3, 2}, 1, kFloat);
  EXPECT_TRUE(all_close(i2(x), i2(x.unsqueeze(0)).squeeze(0)));
  EXPECT_THROW(i2(ones({2})), ember::Error);
  nn::InstanceNorm3d i3(2);
  EXPECT_EQ(i3(seq({2, 2, 2, 2, 3}, 1, kFloat)).sizes(), IntArrayRef({2, 2, 2, 2, 3}));
  Tensor f = F::instance_norm(seq({2, 3, 4}, 1, kFloat));
  EXPECT_TRUE(all_close(f.mean(IntArrayRef{2}), zeros({2, 3}), 1e-5, 1e-5));
}

TEST(BatchNormModule, StateDictRoundTrip) {
  nn::BatchNorm1d a(3), b(3);
  for (int s = 0; s < 2; ++s) a(seq({4, 3}, s, kFloat));
  auto r = b->load_state_dict(a->state_dict());
  (void)r;
  EXPECT_TRUE(all_close(b->running_mean, a->running_mean));
  EXPECT_TRUE(all_close(b->running_var, a->running_var));
  EXPECT_EQ(b->num_batches_tracked.item<int64_t>(), 2);
  // reset_running_stats restores the initial buffers.
  b->reset_running_stats();
  EXPECT_TRUE(all_close(b->running_mean, zeros({3})));
  EXPECT_TRUE(all_close(b->running_var, ones({3})));
  EXPECT_EQ(b->num_batches_tracked.item<int64_t>(), 0);
}
