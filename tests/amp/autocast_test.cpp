// Autocast: output dtypes per op list as PyTorch 1.13 gives them under
// `with torch.autocast("cpu", dtype=torch.bfloat16)` (each row checked with /usr/bin/python3),
// values of small Linear / Conv / MLP forwards and their float32 gradients vs PyTorch, nesting,
// the guard, the cast cache and per-thread state.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <thread>

#include "support/cuda_autocast_lists.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::autocast::AutocastGuard;
using ember::testing::all_close;
namespace F = ember::nn::functional;

namespace {

// V(shape, mul, off) = ((arange(n) * mul + off) % 101 - 50) / 100, as the Python script.
Tensor V(IntArrayRef shape, int64_t mul = 37, int64_t off = 0) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return ((arange(n, kLong) * mul + off).remainder(101) - 50).to(kFloat).div(100.0).reshape(shape);
}
Tensor ref(std::vector<double> v, IntArrayRef shape) { return tensor(v).to(kFloat).reshape(shape); }

// Deterministic inputs of a dtype for the dtype table.
Tensor R(IntArrayRef shape, ScalarType dt) { return V(shape).to(dt); }
Tensor P(IntArrayRef shape, ScalarType dt) { return (V(shape).abs() * 0.8 + 0.1).to(dt); }

struct Row {
  const char* name;
  std::function<Tensor(ScalarType)> fn;
  ScalarType from_float, from_bf16;  // output dtype for float32 / bfloat16 inputs
};

// The table: python3 -c 'with torch.autocast("cpu", dtype=torch.bfloat16): print(op(x).dtype)'.
std::vector<Row> rows() {
  const ScalarType f = kFloat, b = kBFloat16;
  auto L = [](std::vector<int64_t> v) { return tensor(v); };
  return {
      // lower-precision list
      {"mm",
       [](ScalarType d) {
         return mm(R({2, 3}, d), R({3, 4}, d));
       },
       b, b},
      {"bmm",
       [](ScalarType d) {
         return bmm(R({2, 2, 3}, d), R({2, 3, 4}, d));
       },
       b, b},
      {"matmul",
       [](ScalarType d) {
         return matmul(R({2, 3}, d), R({3, 4}, d));
       },
       b, b},
      {"matmul_2x1",
       [](ScalarType d) {
         return matmul(R({2, 3}, d), R({3}, d));
       },
       b, b},
      {"matmul_1x1", [](ScalarType d) { return matmul(R({3}, d), R({3}, d)); }, b, b},
      {"matmul_3x2",
       [](ScalarType d) {
         return matmul(R({2, 2, 3}, d), R({3, 2}, d));
       },
       b, b},
      {"addmm",
       [](ScalarType d) {
         return addmm(R({2, 4}, d), R({2, 3}, d), R({3, 4}, d));
       },
       b, b},
      {"addbmm",
       [](ScalarType d) {
         return addbmm(R({2, 4}, d), R({2, 2, 3}, d), R({2, 3, 4}, d));
       },
       b, b},
      {"baddbmm",
       [](ScalarType d) {
         return baddbmm(R({2, 2, 4}, d), R({2, 2, 3}, d), R({2, 3, 4}, d));
       },
       b, b},
      {"linear",
       [](ScalarType d) {
         return F::linear(R({2, 3}, d), R({4, 3}, d), R({4}, d));
       },
       b, b},
      {"linear_1d",
       [](ScalarType d) {
         return F::linear(R({3}, d), R({4, 3}, d), R({4}, d));
       },
       b, b},
      {"conv1d",
       [](ScalarType d) {
         return conv1d(R({1, 2, 5}, d), R({3, 2, 2}, d));
       },
       b, b},
      {"conv2d",
       [](ScalarType d) {
         return conv2d(R({1, 2, 5, 5}, d), R({3, 2, 2, 2}, d));
       },
       b, b},
      {"conv3d",
       [](ScalarType d) {
         return conv3d(R({1, 2, 4, 4, 4}, d), R({3, 2, 2, 2, 2}, d));
       },
       b, b},
      {"einsum",
       [](ScalarType d) {
         return einsum("ij,jk->ik", {R({2, 3}, d), R({3, 4}, d)});
       },
       b, b},
      {"rnn_tanh_cell",
       [](ScalarType d) {
         return rnn_tanh_cell(R({2, 3}, d), R({2, 4}, d), R({4, 3}, d), R({4, 4}, d));
       },
       b, b},
      // float32 list
      {"conv_transpose1d",
       [](ScalarType d) {
         return conv_transpose1d(R({1, 2, 5}, d), R({2, 3, 2}, d));
       },
       f, f},
      {"conv_transpose2d",
       [](ScalarType d) {
         return conv_transpose2d(R({1, 2, 5, 5}, d), R({2, 3, 2, 2}, d));
       },
       f, f},
      {"conv_transpose3d",
       [](ScalarType d) {
         return conv_transpose3d(R({1, 2, 3, 3, 3}, d), R({2, 3, 2, 2, 2}, d));
       },
       f, f},
      {"avg_pool3d",
       [](ScalarType d) {
         return avg_pool3d(R({1, 2, 4, 4, 4}, d), {2});
       },
       f, f},
      {"max_pool3d",
       [](ScalarType d) {
         return max_pool3d(R({1, 2, 4, 4, 4}, d), {2});
       },
       f, f},
      {"adaptive_avg_pool3d",
       [](ScalarType d) {
         return adaptive_avg_pool3d(R({1, 1, 4, 4, 4}, d), {2, 2, 2});
       },
       f, f},
      {"adaptive_max_pool3d",
       [](ScalarType d) {
         return std::get<0>(adaptive_max_pool3d(R({1, 1, 4, 4, 4}, d), {2, 2, 2}));
       },
       f, f},
      {"binary_cross_entropy",
       [](ScalarType d) { return binary_cross_entropy(P({4}, d), P({4}, d)); }, f, f},
      {"binary_cross_entropy_with_logits",
       [](ScalarType d) { return binary_cross_entropy_with_logits(R({4}, d), P({4}, d)); }, f, f},
      {"prod", [](ScalarType d) { return prod(R({4}, d)); }, f, f},
      {"prod_dim",
       [](ScalarType d) {
         return prod(R({2, 4}, d), 1);
       },
       f, f},
      {"mse_loss", [](ScalarType d) { return mse_loss(R({4}, d), P({4}, d)); }, f, f},
      {"l1_loss", [](ScalarType d) { return l1_loss(R({4}, d), P({4}, d)); }, f, f},
      {"smooth_l1_loss", [](ScalarType d) { return smooth_l1_loss(R({4}, d), P({4}, d)); }, f, f},
      {"huber_loss", [](ScalarType d) { return huber_loss(R({4}, d), P({4}, d)); }, f, f},
      {"nll_loss",
       [L](ScalarType d) {
         return nll_loss(R({3, 4}, d), L({0, 1, 2}));
       },
       f, f},
      {"nll_loss2d",
       [](ScalarType d) {
         return nll_loss2d(R({1, 3, 2, 2}, d), zeros({1, 2, 2}, kLong));
       },
       f, f},
      {"cross_entropy",
       [L](ScalarType d) {
         return cross_entropy_loss(R({3, 4}, d), L({0, 1, 2}));
       },
       f, f},
      {"cross_entropy_probs",
       [](ScalarType d) {
         return cross_entropy_loss(R({3, 4}, d), P({3, 4}, d));
       },
       f, f},
      {"kl_div", [](ScalarType d) { return kl_div(R({4}, d), P({4}, d)); }, f, f},
      {"margin_ranking_loss",
       [](ScalarType d) { return margin_ranking_loss(R({4}, d), P({4}, d), ones({4}, d)); }, f, f},
      {"hinge_embedding_loss",
       [](ScalarType d) { return hinge_embedding_loss(R({4}, d), ones({4}, d)); }, f, f},
      {"soft_margin_loss", [](ScalarType d) { return soft_margin_loss(R({4}, d), ones({4}, d)); },
       f, f},
      {"multi_margin_loss",
       [L](ScalarType d) {
         return multi_margin_loss(R({3, 4}, d), L({0, 1, 2}));
       },
       f, f},
      {"multilabel_margin_loss",
       [](ScalarType d) {
         return multilabel_margin_loss(
             R({3, 4}, d),
             tensor(std::vector<int64_t>{0, 1, -1, 0}).reshape({1, 4}).expand({3, 4}).contiguous());
       },
       f, f},
      {"poisson_nll_loss",
       [](ScalarType d) { return poisson_nll_loss(R({4}, d), P({4}, d), true, false, 1e-8, 1); }, f,
       f},
      {"cosine_embedding_loss",
       [](ScalarType d) {
         return cosine_embedding_loss(R({2, 4}, d), P({2, 4}, d), ones({2}, d));
       },
       f, f},
      {"triplet_margin_loss",
       [](ScalarType d) {
         return triplet_margin_loss(R({2, 4}, d), P({2, 4}, d), V({2, 4}, 5).to(d));
       },
       f, f},
      {"ctc_loss",
       [](ScalarType d) {
         Tensor lp = R({5, 1, 3}, d).log_softmax(2);
         std::vector<int64_t> il{5}, tl{2};
         return ctc_loss(lp, tensor(std::vector<int64_t>{1, 2}).reshape({1, 2}), IntArrayRef(il),
                         IntArrayRef(tl));
       },
       f, f},
      {"reflection_pad1d",
       [](ScalarType d) {
         return pad(R({1, 2, 4}, d), {1, 1}, "reflect");
       },
       f, f},
      {"reflection_pad2d",
       [](ScalarType d) {
         return pad(R({1, 2, 4, 4}, d), {1, 1, 1, 1}, "reflect");
       },
       f, f},
      {"replication_pad1d",
       [](ScalarType d) {
         return pad(R({1, 2, 4}, d), {1, 1}, "replicate");
       },
       f, f},
      {"replication_pad2d",
       [](ScalarType d) {
         return pad(R({1, 2, 4, 4}, d), {1, 1, 1, 1}, "replicate");
       },
       f, f},
      {"replication_pad3d",
       [](ScalarType d) {
         return pad(R({1, 2, 4, 4, 4}, d), {1, 1, 1, 1, 1, 1}, "replicate");
       },
       f, f},
      {"max_unpool2d",
       [](ScalarType d) {
         auto [y, i] = max_pool2d_with_indices(R({1, 1, 4, 4}, d), {2});
         return max_unpool2d(y, i, {4, 4});
       },
       f, f},
      // on no list (or composite): dtype follows the inputs
      {"addmv",
       [](ScalarType d) {
         return addmv(R({2}, d), R({2, 3}, d), R({3}, d));
       },
       f, b},
      {"mv",
       [](ScalarType d) {
         return mv(R({2, 3}, d), R({3}, d));
       },
       f, b},
      {"dot", [](ScalarType d) { return dot(R({3}, d), R({3}, d)); }, f, b},
      {"outer", [](ScalarType d) { return outer(R({3}, d), R({3}, d)); }, f, b},
      {"prelu",
       [](ScalarType d) {
         return prelu(R({2, 3}, d), R({1}, d));
       },
       f, b},
      {"avg_pool2d",
       [](ScalarType d) {
         return avg_pool2d(R({1, 2, 4, 4}, d), {2});
       },
       f, b},
      {"max_pool2d",
       [](ScalarType d) {
         return max_pool2d(R({1, 2, 4, 4}, d), {2});
       },
       f, b},
      {"reflection_pad3d",
       [](ScalarType d) {
         return pad(R({1, 2, 4, 4, 4}, d), {1, 1, 1, 1, 1, 1}, "reflect");
       },
       f, b},
      // single kernels in PyTorch, composites of matmul in ember: not cast (autocast excluded)
      {"avg_pool1d",
       [](ScalarType d) {
         return avg_pool1d(R({1, 2, 4}, d), {2});
       },
       f, b},
      {"adaptive_avg_pool2d",
       [](ScalarType d) {
         return adaptive_avg_pool2d(R({1, 2, 4, 4}, d), {2, 2});
       },
       f, b},
      {"lp_pool2d",
       [](ScalarType d) {
         return lp_pool2d(P({1, 1, 4, 4}, d), 2, {2});
       },
       f, b},
      {"upsample_bilinear",
       [](ScalarType d) {
         return upsample(R({1, 1, 3, 3}, d), "bilinear", {5, 5}, false);
       },
       f, b},
      {"upsample_nearest",
       [](ScalarType d) {
         return upsample(R({1, 1, 3, 3}, d), "nearest", {6, 6});
       },
       f, b},
      {"im2col",
       [](ScalarType d) {
         return im2col(R({1, 1, 3, 3}, d), {2, 2}, {1, 1}, {0, 0}, {1, 1});
       },
       f, b},
      {"col2im",
       [](ScalarType d) {
         return col2im(R({1, 4, 4}, d), {3, 3}, {2, 2}, {1, 1}, {0, 0}, {1, 1});
       },
       f, b},
      {"bilinear",
       [](ScalarType d) {
         return F::bilinear(R({2, 3}, d), R({2, 3}, d), R({4, 3, 3}, d));
       },
       f, b},
      {"layer_norm",
       [](ScalarType d) {
         return layer_norm(R({2, 4}, d), {4});
       },
       f, b},
      {"group_norm",
       [](ScalarType d) {
         return group_norm(R({2, 4}, d), 2);
       },
       f, b},
      {"softmax", [](ScalarType d) { return R({4}, d).softmax(0); }, f, b},
      {"log_softmax", [](ScalarType d) { return R({4}, d).log_softmax(0); }, f, b},
      {"sum", [](ScalarType d) { return R({4}, d).sum(); }, f, b},
      {"cumsum", [](ScalarType d) { return R({4}, d).cumsum(0); }, f, b},
      {"exp", [](ScalarType d) { return R({4}, d).exp(); }, f, b},
      {"gelu", [](ScalarType d) { return gelu(R({4}, d)); }, f, b},
      {"add", [](ScalarType d) { return R({4}, d) + R({4}, d); }, f, b},
      {"cosine_similarity",
       [](ScalarType d) {
         return cosine_similarity(R({2, 4}, d), P({2, 4}, d));
       },
       f, b},
      {"lstm_cell",
       [](ScalarType d) {
         return std::get<0>(
             lstm_cell(R({2, 3}, d), {R({2, 4}, d), R({2, 4}, d)}, R({16, 3}, d), R({16, 4}, d)));
       },
       f, b},
      {"gru_cell",
       [](ScalarType d) {
         return gru_cell(R({2, 3}, d), R({2, 4}, d), R({12, 3}, d), R({12, 4}, d));
       },
       f, b},
  };
}

}  // namespace

TEST(Autocast, OutputDtypesMatchPyTorch) {
  for (const Row& r : rows()) {
    for (ScalarType in : {kFloat, kBFloat16}) {
      Tensor y;
      {
        AutocastGuard g(kCPU, kBFloat16);
        y = r.fn(in);
      }
      ScalarType want = in == kFloat ? r.from_float : r.from_bf16;
      EXPECT_EQ(y.dtype(), want) << r.name << " with " << toString(in) << " inputs";
    }
    // Outside autocast nothing changes.
    EXPECT_EQ(r.fn(kFloat).dtype(), kFloat) << r.name;
  }
}

TEST(Autocast, DoubleInputsAreNotCast) {
  AutocastGuard g(kCPU);
  EXPECT_EQ(mm(R({2, 2}, kDouble), R({2, 2}, kDouble)).dtype(), kDouble);
  EXPECT_EQ(mse_loss(R({4}, kDouble), R({4}, kDouble)).dtype(), kDouble);
  EXPECT_EQ(cat({R({2}, kDouble), R({2}, kBFloat16)}).dtype(), kDouble);
  // Half is floating: cast down to bf16 for mm, up to float for losses (as PyTorch).
  EXPECT_EQ(mm(R({2, 2}, kHalf), R({2, 2}, kHalf)).dtype(), kBFloat16);
  EXPECT_EQ(mse_loss(R({4}, kHalf), R({4}, kHalf)).dtype(), kFloat);
  // Integer inputs pass through untouched.
  EXPECT_EQ(cat({R({2}, kLong), R({2}, kLong)}).dtype(), kLong);
}

TEST(Autocast, PromoteOps) {
  AutocastGuard g(kCPU);
  Tensor a = R({2}, kFloat), c = R({2}, kBFloat16);
  EXPECT_EQ(cat({a, c}).dtype(), kFloat);
  EXPECT_EQ(stack({a, c}).dtype(), kFloat);
  EXPECT_EQ(cat({c, c}).dtype(), kBFloat16);
  EXPECT_EQ(cat({a.to(kHalf), c}).dtype(), kFloat);
  // index_copy needs one dtype outside autocast; under it the widest wins.
  Tensor idx = tensor(std::vector<int64_t>{0});
  EXPECT_EQ(index_copy(c, 0, idx, a.slice(0, 0, 1)).dtype(), kFloat);
  EXPECT_EQ(index_copy(a, 0, idx, c.slice(0, 0, 1)).dtype(), kFloat);
}

// Linear / Conv / MLP forwards and gradients vs PyTorch (tests/amp/values.py in the commit
// message's words: the V() inputs, torch.autocast("cpu", dtype=torch.bfloat16)).
TEST(Autocast, LinearValuesAndFloatGradients) {
  Tensor x = V({2, 4}), w = V({3, 4}, 13, 5).requires_grad_(), b = V({3}, 7, 3).requires_grad_();
  Tensor y;
  {
    AutocastGuard g(kCPU, kBFloat16);
    y = F::linear(x, w, b);
  }
  ASSERT_EQ(y.dtype(), kBFloat16);
  EXPECT_TRUE(all_close(
      y.to(kFloat),
      ref({-0.2265625, -0.56640625, -0.10888671875, -0.51171875, -0.40234375, -0.369140625},
          {2, 3}),
      1e-2, 1e-2));
  y.to(kFloat).sum().backward();
  ASSERT_EQ(w.grad().dtype(), kFloat);
  ASSERT_EQ(b.grad().dtype(), kFloat);
  EXPECT_TRUE(all_close(
      w.grad(),
      ref({-0.53125, 0.2099609375, -0.060546875, -0.330078125, -0.53125, 0.2099609375, -0.060546875,
           -0.330078125, -0.53125, 0.2099609375, -0.060546875, -0.330078125},
          {3, 4}),
      1e-2, 1e-2));
  EXPECT_TRUE(all_close(b.grad(), ref({2, 2, 2}, {3}), 0, 0));
}

TEST(Autocast, ConvValuesAndFloatGradients) {
  Tensor x = V({1, 2, 5, 5}), w = V({3, 2, 3, 3}, 13, 5).requires_grad_(), b = V({3}, 7, 3);
  Tensor y;
  {
    AutocastGuard g(kCPU);
    y = conv2d(x, w, b, 1, 1);
  }
  ASSERT_EQ(y.dtype(), kBFloat16);
  std::vector<double> want = {
      -0.474609375, -0.10009765625, -0.8125,        0.10546875,    -0.578125,    0.0234375,
      0.0576171875, -1.078125,      -0.4609375,     -0.111328125,  -0.80859375,  -0.1728515625,
      -0.515625,    -0.91796875,    -0.005859375,   -0.796875,     -0.443359375, -0.05712890625,
      -1.0859375,   -0.62109375,    -0.3984375,     -0.5859375,    -0.4765625,   -0.2265625,
      -0.5390625,   -0.474609375,   -1.125,         -0.2001953125, -0.369140625, -0.69921875,
      -0.40234375,  -0.04345703125, -0.486328125,   0.1201171875,  -0.53515625,  -0.23046875,
      -0.265625,    -0.94921875,    -0.33984375,    -0.443359375,  -0.546875,    0.162109375,
      -0.486328125, -0.515625,      -0.05419921875, -0.7421875,    -0.3671875,   -0.228515625,
      -0.9765625,   -0.54296875,    -0.07470703125, 0.05419921875, -0.33984375,  -0.48046875,
      -0.197265625, -0.96875,       -0.8984375,     0.09423828125, -0.6015625,   -0.50390625,
      -0.134765625, -0.443359375,   0.3125,         -0.390625,     -0.5859375,   -0.123046875,
      -0.671875,    -0.58984375,    0.1279296875,   -0.388671875,  0.1201171875, -0.421875,
      -0.625,       0.3203125,      -0.400390625};
  EXPECT_TRUE(all_close(y.to(kFloat), ref(want, {1, 3, 5, 5}), 1e-2, 1e-2));
  (y.to(kFloat) * V({1, 3, 5, 5}, 3)).sum().backward();
  ASSERT_EQ(w.grad().dtype(), kFloat);
  std::vector<double> gw = {0.205078125,      0.310546875,
                            0.2216796875,     0.142578125,
                            0.349609375,      0.27734375,
                            -0.2255859375,    -0.0830078125,
                            0.1376953125,     -0.0037078857421875,
                            -0.1396484375,    -0.1357421875,
                            -0.036376953125,  -0.000469207763671875,
                            0.08349609375,    -0.212890625,
                            -0.10546875,      0.3046875,
                            -0.142578125,     -0.408203125,
                            -0.0206298828125, -0.375,
                            0.19921875,       0.045654296875,
                            -0.11279296875,   0.048095703125,
                            -0.53125,         -0.00775146484375,
                            -0.2578125,       0.390625,
                            0.271484375,      0.03466796875,
                            0.08251953125,    -0.1259765625,
                            0.41796875,       0.032958984375,
                            -0.251953125,     -0.4140625,
                            -0.234375,        0.478515625,
                            -0.283203125,     -0.345703125,
                            0.357421875,      -0.1494140625,
                            -0.1669921875,    -0.14453125,
                            0.1298828125,     0.4140625,
                            -0.08837890625,   -0.267578125,
                            -0.2421875,       0.3125,
                            -0.412109375,     -0.392578125};
  EXPECT_TRUE(all_close(w.grad(), ref(gw, {3, 2, 3, 3}), 2e-2, 2e-2));
}

TEST(Autocast, MlpWithLossGradientsReachFloatParameters) {
  Tensor x = V({2, 4});
  Tensor w1 = V({8, 4}, 13, 5).requires_grad_(), b1 = V({8}, 7, 3).requires_grad_();
  Tensor w2 = V({3, 8}, 11, 1).requires_grad_(), b2 = V({3}, 5, 2).requires_grad_();
  Tensor t = V({2, 3}, 17);
  Tensor h, out, loss;
  {
    AutocastGuard g(kCPU);
    h = F::linear(x, w1, b1).relu();
    out = F::linear(h, w2, b2);
    loss = mse_loss(out, t);
  }
  EXPECT_EQ(h.dtype(), kBFloat16);
  EXPECT_EQ(out.dtype(), kBFloat16);
  EXPECT_EQ(loss.dtype(), kFloat);
  EXPECT_TRUE(all_close(
      out.to(kFloat),
      ref({-0.40234375, -0.40234375, -0.404296875, -0.48046875, -0.4296875, -0.380859375}, {2, 3}),
      1e-2, 1e-2));
  EXPECT_NEAR(loss.item<double>(), 0.20348088443279266, 2e-3);
  // PyTorch: out.grad_fn is AddmmBackward0, its inputs ToCopyBackward0 (bias), ReluBackward0 and
  // TBackward0 (weight, through its cast).
  ASSERT_TRUE(out.grad_fn());
  loss.backward();
  for (const Tensor& p : {w1, b1, w2, b2}) ASSERT_EQ(p.grad().dtype(), kFloat);
  EXPECT_TRUE(
      all_close(b2.grad(), ref({-0.130859375, -0.2275390625, -0.32421875}, {3}), 1e-2, 1e-2));
  std::vector<double> g1 = {0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            -0.01397705078125,
                            -0.003631591796875,
                            0.0067138671875,
                            -0.01116943359375,
                            -0.010009765625,
                            -0.002593994140625,
                            0.00482177734375,
                            -0.00799560546875,
                            -0.00592041015625,
                            -0.0015411376953125,
                            0.002838134765625,
                            -0.004730224609375,
                            -0.00191497802734375,
                            -0.00049591064453125,
                            0.000919342041015625,
                            -0.00153350830078125};
  EXPECT_TRUE(all_close(w1.grad(), ref(g1, {8, 4}), 2e-2, 1e-3));
}

TEST(Autocast, CastNodeIsToCopyBackward) {
  Tensor w = V({3, 4}).requires_grad_();
  AutocastGuard g(kCPU);
  Tensor y = mm(V({2, 4}), w.t());
  ASSERT_TRUE(y.grad_fn());
  EXPECT_EQ(y.grad_fn()->name(), "MmBackward0");
  // mm's mat2 is the cast of w.t(): a non-leaf view, so cast (not cached) by ToCopyBackward0.
  EXPECT_EQ(y.grad_fn()->next_edge(1).function->name(), "ToCopyBackward0");
}

TEST(Autocast, StateFunctionsAndGuard) {
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_FALSE(at::autocast::is_enabled());
  EXPECT_EQ(at::autocast::get_autocast_cpu_dtype(), kBFloat16);
  EXPECT_EQ(at::autocast::get_autocast_gpu_dtype(), kHalf);
  EXPECT_TRUE(at::autocast::is_autocast_cache_enabled());
  {
    torch::autocast::AutocastGuard g(torch::kCPU, torch::kBFloat16);
    EXPECT_TRUE(at::autocast::is_cpu_enabled());
    EXPECT_FALSE(at::autocast::is_enabled());
    EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kBFloat16);
    {
      AutocastGuard off(kCPU, std::nullopt, /*enabled=*/false);
      EXPECT_FALSE(at::autocast::is_cpu_enabled());
      EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kFloat);
    }
    EXPECT_TRUE(at::autocast::is_cpu_enabled());
  }
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kFloat);

  // libtorch's raw switches, as Python's autocast uses them.
  at::autocast::set_cpu_enabled(true);
  EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kBFloat16);
  at::autocast::set_cpu_enabled(false);
  EXPECT_EQ(at::autocast::increment_nesting(), 1);
  EXPECT_EQ(at::autocast::increment_nesting(), 2);
  EXPECT_EQ(at::autocast::decrement_nesting(), 1);
  EXPECT_EQ(at::autocast::decrement_nesting(), 0);
}

TEST(Autocast, GuardRestoresStateOnException) {
  try {
    AutocastGuard g(kCPU);
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  EXPECT_FALSE(autocast::is_cpu_enabled());
  EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kFloat);
}

TEST(Autocast, UnsupportedDtypesDisable) {
  // PyTorch 1.13 warns and disables CPU autocast for anything but bfloat16.
  AutocastGuard g(kCPU, kHalf);
  EXPECT_FALSE(g.enabled());
  EXPECT_FALSE(autocast::is_cpu_enabled());
  EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kFloat);
  if (!cuda::is_available()) {
    AutocastGuard gpu(kCUDA);
    EXPECT_FALSE(gpu.enabled());
    EXPECT_FALSE(autocast::is_enabled());
  }
}

TEST(Autocast, CudaAutocastLeavesCpuOpsAlone) {
  // The GPU switch casts only ops whose tensors are on the GPU.
  autocast::set_enabled(true);
  EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kFloat);
  EXPECT_EQ(mse_loss(R({4}, kBFloat16), R({4}, kBFloat16)).dtype(), kBFloat16);
  autocast::set_enabled(false);
}

namespace {
// mm(x, w) and the node that casts w (kept alive with the output, so addresses are not reused).
struct Use {
  Tensor y;
  const autograd::Node* cast() const { return y.grad_fn()->next_edge(1).function.get(); }
};
Use use(const Tensor& w) { return {mm(V({2, 4}), w)}; }
}  // namespace

TEST(Autocast, CacheOfLeafCastsWithinARegion) {
  Tensor w = V({4, 3}).clone().requires_grad_();  // a leaf that is not a view (PyTorch's rule)
  {
    AutocastGuard g(kCPU);
    Use a = use(w), b = use(w);
    EXPECT_EQ(a.cast(), b.cast());  // one cast per region for a leaf weight
    {
      AutocastGuard inner(kCPU);  // nested regions share the cache
      EXPECT_EQ(use(w).cast(), a.cast());
    }
    EXPECT_EQ(use(w).cast(), a.cast());  // the inner exit did not clear it
    at::autocast::clear_cache();
    Use c = use(w);
    EXPECT_NE(c.cast(), a.cast());
    EXPECT_EQ(use(w).cast(), c.cast());
  }
  {
    Use a;
    {
      AutocastGuard g(kCPU);
      a = use(w);
    }
    AutocastGuard g(kCPU);
    EXPECT_NE(use(w).cast(), a.cast());  // the outermost exit cleared the cache
  }
  {
    AutocastGuard g(kCPU, kBFloat16, true, /*cache_enabled=*/false);
    EXPECT_FALSE(autocast::is_autocast_cache_enabled());
    Use a = use(w), b = use(w);
    EXPECT_NE(a.cast(), b.cast());
  }
  EXPECT_TRUE(autocast::is_autocast_cache_enabled());
  {
    AutocastGuard g(kCPU);
    Tensor nl = w * 1;  // not a leaf: not cached
    Use a = use(nl), b = use(nl);
    EXPECT_NE(a.cast(), b.cast());
    Tensor view = V({4, 3}).requires_grad_();  // a leaf view (of reshape): not cached either
    Use c = use(view), d = use(view);
    EXPECT_NE(c.cast(), d.cast());
  }
  // A cached cast carries the gradient back to the weight once per use.
  Tensor loss;
  {
    AutocastGuard g(kCPU);
    loss = (mm(V({2, 4}), w) + mm(V({2, 4}), w)).to(kFloat).sum();
  }
  loss.backward();
  Tensor expect = V({2, 4}).sum(0).reshape({4, 1}).expand({4, 3}) * 2;
  EXPECT_TRUE(all_close(w.grad(), expect, 1e-2, 1e-2));
}

TEST(Autocast, ThreadsAreIndependent) {
  AutocastGuard g(kCPU);
  ScalarType other = kBFloat16;
  bool other_enabled = true;
  std::thread t([&] {
    other_enabled = autocast::is_cpu_enabled();
    other = mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype();
  });
  t.join();
  EXPECT_FALSE(other_enabled);
  EXPECT_EQ(other, kFloat);
  EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kBFloat16);
}

TEST(Autocast, ErrorsKeepTheirOpNames) {
  AutocastGuard g(kCPU);
  try {
    mm(R({2, 3}, kFloat), R({2, 3}, kFloat));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[mm]"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(autocast::is_cpu_enabled());  // the exclusion ended with the error
  EXPECT_EQ(mm(R({2, 2}, kFloat), R({2, 2}, kFloat)).dtype(), kBFloat16);
}

// libtorch 2.x's per-device state functions are the same state as the 1.13 names.
TEST(Autocast, PerDeviceStateFunctions) {
  EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCPU));
  at::autocast::set_autocast_enabled(torch::kCPU, true);
  EXPECT_TRUE(at::autocast::is_cpu_enabled());
  EXPECT_TRUE(at::autocast::is_autocast_enabled(torch::kCPU));
  EXPECT_FALSE(at::autocast::is_autocast_enabled(torch::kCUDA));
  at::autocast::set_autocast_enabled(torch::kCPU, false);
  EXPECT_FALSE(at::autocast::is_cpu_enabled());
  at::autocast::set_autocast_enabled(torch::kCUDA, true);
  EXPECT_TRUE(at::autocast::is_enabled());
  at::autocast::set_autocast_enabled(torch::kCUDA, false);
  EXPECT_FALSE(at::autocast::is_enabled());
  EXPECT_EQ(at::autocast::get_autocast_dtype(torch::kCUDA), torch::kHalf);
  at::autocast::set_autocast_dtype(torch::kCUDA, torch::kBFloat16);
  EXPECT_EQ(at::autocast::get_autocast_gpu_dtype(), torch::kBFloat16);
  at::autocast::set_autocast_dtype(torch::kCUDA, torch::kHalf);
  EXPECT_EQ(at::autocast::get_autocast_dtype(torch::kCPU), torch::kBFloat16);
}

// scaled_dot_product_attention is on PyTorch 2.x's lower-precision lists.
TEST(Autocast, ScaledDotProductAttentionRunsInLowerPrecision) {
  torch::Tensor q = torch::randn({2, 3, 4}), k = torch::randn({2, 5, 4}),
                v = torch::randn({2, 5, 4});
  torch::Tensor want = torch::scaled_dot_product_attention(
      q.to(torch::kBFloat16), k.to(torch::kBFloat16), v.to(torch::kBFloat16));
  torch::autocast::AutocastGuard guard(torch::kCPU, torch::kBFloat16);
  torch::Tensor y = torch::scaled_dot_product_attention(q, k, v);
  EXPECT_EQ(y.dtype(), torch::kBFloat16);
  EXPECT_TRUE(torch::equal(y, want));
}

// ---- CUDA's lists ----
// Checked without a GPU: autocast::detail::set_cuda_lists_on_cpu(true) makes ops on CPU tensors
// follow the CUDA lists and settings (a test-only switch). Expected dtypes from PyTorch 1.13's
// CUDA lists (aten/src/ATen/autocast_mode.cpp; the op names are those the AutocastCUDA key has
// in torch._C._dispatch_dump) and its policies: fp32, fp32_set_opt_dtype (no dtype= given:
// dtype=float32), fp32_append_dtype (norm), promote, lower.
namespace {
using CudaListsOnCpu = ember::testing::CudaAutocastListsOnCpu;

std::vector<Row> cuda_rows() {
  const ScalarType f = kFloat, b = kBFloat16;
  auto idx = [] { return tensor(std::vector<int64_t>{0, 2}); };
  std::vector<Row> r;
  // fp32: the 14 unary ops, pow's three overloads, softplus, layer_norm, group_norm,
  // cosine_similarity, logsumexp and the losses.
  for (auto [name, op] : std::vector<std::pair<const char*, Tensor (*)(const Tensor&)>>{
           {"acos", ember::acos},
           {"asin", ember::asin},
           {"cosh", ember::cosh},
           {"erfinv", ember::erfinv},
           {"exp", ember::exp},
           {"expm1", ember::expm1},
           {"log", ember::log},
           {"log10", ember::log10},
           {"log2", ember::log2},
           {"log1p", ember::log1p},
           {"reciprocal", ember::reciprocal},
           {"rsqrt", ember::rsqrt},
           {"sinh", ember::sinh},
           {"tan", ember::tan}}) {
    r.push_back({name, [op = op](ScalarType d) { return op(P({5}, d)); }, f, f});
  }
  r.push_back({"pow_tensor_scalar", [](ScalarType d) { return pow(P({5}, d), 2.5); }, f, f});
  r.push_back({"pow_tensor_tensor", [](ScalarType d) { return pow(P({5}, d), P({5}, d)); }, f, f});
  r.push_back({"pow_scalar_tensor", [](ScalarType d) { return pow(2.0, P({5}, d)); }, f, f});
  r.push_back({"softplus", [](ScalarType d) { return softplus(R({5}, d)); }, f, f});
  r.push_back({"layer_norm",
               [](ScalarType d) {
                 return layer_norm(R({2, 4}, d), {4}, R({4}, kFloat), R({4}, kFloat));
               },
               f, f});
  r.push_back(
      {"native_layer_norm",
       [](ScalarType d) {
         return std::get<0>(native_layer_norm(R({2, 4}, d), {4}, std::nullopt, std::nullopt, 1e-5));
       },
       f, f});
  r.push_back({"group_norm", [](ScalarType d) { return group_norm(R({2, 4, 3}, d), 2); }, f, f});
  r.push_back({"cosine_similarity",
               [](ScalarType d) {
                 return cosine_similarity(R({3, 4}, d), P({3, 4}, d));
               },
               f, f});
  r.push_back({"logsumexp", [](ScalarType d) { return logsumexp(R({3, 4}, d), {1}); }, f, f});
  r.push_back({"mse_loss", [](ScalarType d) { return mse_loss(R({4}, d), P({4}, d)); }, f, f});
  // fp32_set_opt_dtype: float32 unless dtype= is given.
  r.push_back({"sum", [](ScalarType d) { return sum(R({5}, d)); }, f, f});
  r.push_back({"sum_dim", [](ScalarType d) { return sum(R({2, 3}, d), {1}); }, f, f});
  r.push_back({"sum_dtype", [](ScalarType d) { return sum(R({5}, d), kBFloat16); }, b, b});
  r.push_back({"prod", [](ScalarType d) { return prod(P({5}, d)); }, f, f});
  r.push_back({"prod_dim", [](ScalarType d) { return prod(P({2, 3}, d), 1); }, f, f});
  r.push_back({"cumsum", [](ScalarType d) { return cumsum(R({5}, d), 0); }, f, f});
  r.push_back({"cumprod", [](ScalarType d) { return cumprod(P({5}, d), 0); }, f, f});
  r.push_back({"softmax", [](ScalarType d) { return softmax(R({2, 3}, d), 1); }, f, f});
  r.push_back({"softmax_dtype",
               [](ScalarType d) {
                 return softmax(R({2, 3}, d), 1, kHalf);
               },
               kHalf, kHalf});
  r.push_back({"log_softmax", [](ScalarType d) { return log_softmax(R({2, 3}, d), 1); }, f, f});
  // fp32_append_dtype
  r.push_back({"norm", [](ScalarType d) { return norm(R({5}, d)); }, f, f});
  r.push_back({"norm_dim", [](ScalarType d) { return norm(R({2, 3}, d), 1, {1}); }, f, f});
  // promote: the widest floating input wins.
  r.push_back({"addcmul",
               [](ScalarType d) { return addcmul(R({3}, d), R({3}, kBFloat16), R({3}, d)); }, f,
               b});
  r.push_back({"addcdiv",
               [](ScalarType d) { return addcdiv(R({3}, kBFloat16), R({3}, d), P({3}, d)); }, f,
               b});
  r.push_back({"atan2", [](ScalarType d) { return atan2(R({3}, d), R({3}, kBFloat16)); }, f, b});
  r.push_back({"dot", [](ScalarType d) { return dot(R({3}, d), R({3}, kBFloat16)); }, f, b});
  r.push_back({"tensordot",
               [](ScalarType d) {
                 return tensordot(R({2, 3}, d), R({3, 2}, kBFloat16), {1}, {0});
               },
               f, b});
  r.push_back({"scatter_add",
               [idx](ScalarType d) { return scatter_add(R({4}, kBFloat16), 0, idx(), R({2}, d)); },
               f, b});
  r.push_back({"index_put",
               [idx](ScalarType d) { return index_put(R({4}, d), {idx()}, R({2}, kBFloat16)); }, f,
               b});
  r.push_back({"grid_sampler",
               [](ScalarType d) {
                 return grid_sampler(R({1, 1, 3, 3}, d), R({1, 2, 2, 2}, kFloat), 0, 0, false);
               },
               f, f});
  r.push_back({"bilinear",
               [](ScalarType d) {
                 return F::bilinear(R({2, 3}, d), R({2, 4}, kBFloat16), R({5, 3, 4}, d), R({5}, d));
               },
               f, b});
  // lower: float32 inputs run in bfloat16.
  r.push_back({"mm", [](ScalarType d) { return mm(R({2, 3}, d), R({3, 2}, d)); }, b, b});
  r.push_back({"einsum",
               [](ScalarType d) {
                 return einsum("ij,jk->ik", {R({2, 3}, d), R({3, 2}, d)});
               },
               b, b});
  r.push_back({"conv_transpose1d",
               [](ScalarType d) {
                 return conv_transpose1d(R({1, 2, 4}, d), R({2, 3, 2}, d));
               },
               b, b});
  r.push_back({"lp_pool1d",
               [](ScalarType d) {
                 return F::lp_pool1d(P({1, 2, 4}, d), F::LPPool1dFuncOptions(2, 2));
               },
               f, f});
  // Not on CUDA's lists: the input's dtype stays (CPU's float32 list does not apply).
  r.push_back({"sin", [](ScalarType d) { return sin(R({5}, d)); }, f, b});
  r.push_back({"mean", [](ScalarType d) { return mean(R({5}, d)); }, f, b});
  r.push_back({"exp_", [](ScalarType d) { return R({5}, d).exp_(); }, f, b});
  r.push_back({"max_pool3d",
               [](ScalarType d) {
                 return F::max_pool3d(R({1, 1, 2, 2, 2}, d), F::MaxPool3dFuncOptions(2));
               },
               f, b});
  r.push_back({"reflection_pad1d",
               [](ScalarType d) {
                 return F::pad(R({1, 1, 4}, d), F::PadFuncOptions({1, 1}).mode(torch::kReflect));
               },
               f, b});
  return r;
}
}  // namespace

TEST(Autocast, CudaListsOutputDtypes) {
  for (const Row& r : cuda_rows()) {
    for (ScalarType in : {kFloat, kBFloat16}) {
      Tensor y;
      {
        CudaListsOnCpu lists;
        y = r.fn(in);
      }
      ScalarType want = in == kFloat ? r.from_float : r.from_bf16;
      EXPECT_EQ(y.dtype(), want) << r.name << " with " << toString(in) << " inputs";
    }
  }
}

TEST(Autocast, CudaListsValues) {
  Tensor x = P({6}, kBFloat16), m = R({2, 3}, kBFloat16);
  CudaListsOnCpu lists;
  // fp32: the op runs on the input cast to float32.
  EXPECT_TRUE(equal(exp(x), exp(x.to(kFloat))));
  EXPECT_TRUE(equal(pow(x, 3), pow(x.to(kFloat), 3)));
  // fp32_set_opt_dtype: the reduction accumulates into a float32 result; the input is not cast.
  EXPECT_TRUE(equal(sum(m, {1}), sum(m, {1}, false, kFloat)));
  EXPECT_TRUE(equal(softmax(m, 1), softmax(m.to(kFloat), 1)));
  EXPECT_TRUE(equal(cumsum(x, 0), cumsum(x, 0, kFloat)));
  // fp32_append_dtype: norm's dtype overload, with its autograd node.
  Tensor g = x.clone().requires_grad_();
  Tensor n = norm(g);
  EXPECT_TRUE(equal(n, norm(x, 2, kFloat)));
  EXPECT_STREQ(n.grad_fn()->name().c_str(), "NormBackward2");
  EXPECT_STREQ(norm(g, 2, {0}).grad_fn()->name().c_str(), "NormBackward3");
  // Integer and double inputs are not eligible: nothing changes.
  EXPECT_EQ(sum(tensor(std::vector<int64_t>{1, 2})).dtype(), kLong);
  EXPECT_EQ(exp(R({2}, kDouble)).dtype(), kDouble);
  EXPECT_EQ(norm(R({2}, kDouble)).dtype(), kDouble);
  // Gradients reach the 16-bit leaf in its own dtype.
  Tensor gx = x.clone().requires_grad_();
  exp(gx).sum().backward();
  ASSERT_TRUE(gx.grad().defined());
  EXPECT_EQ(gx.grad().dtype(), kBFloat16);
  EXPECT_TRUE(all_close(gx.grad().to(kFloat), exp(x.to(kFloat)), 1e-2, 1e-2));
}

TEST(Autocast, CudaListsStayOffForCpuAutocast) {
  // CPU autocast (bfloat16) does not cast exp or sum; only CUDA's lists have them.
  AutocastGuard guard(kCPU, kBFloat16);
  Tensor x = P({4}, kBFloat16);
  EXPECT_EQ(exp(x).dtype(), kBFloat16);
  EXPECT_EQ(sum(x).dtype(), kBFloat16);
  EXPECT_EQ(softmax(x, 0).dtype(), kBFloat16);
  EXPECT_EQ(norm(x).dtype(), kBFloat16);
  EXPECT_EQ(layer_norm(R({2, 4}, kBFloat16), {4}).dtype(), kBFloat16);
}
