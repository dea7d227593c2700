// batch_norm, layer_norm, group_norm, instance_norm, rms_norm against PyTorch 1.13 (values from
// tools/gen_normalization_cases.py), gradcheck and gradgradcheck in float64.
#include <gtest/gtest.h>

#include "support/norm_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gold;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::leaf;
using ember::testing::probe_grads;
using ember::testing::seq;

namespace {
#include "normalization_cases.inc"

double rtol(ScalarType dt) { return dt == kFloat ? 2e-4 : 1e-6; }
double atol(ScalarType dt) { return dt == kFloat ? 2e-4 : 1e-7; }

struct BnCase {
  std::vector<int64_t> shape;
  const std::vector<double>*out, *gx, *gw, *gb, *rm, *rv, *eout, *egx, *egw, *egb;
};
#define EMBER_BN_CASE(tag, ...)                                                                \
  BnCase {                                                                                     \
    {__VA_ARGS__}, &golden::tag##_train_out, &golden::tag##_train_gx, &golden::tag##_train_gw, \
        &golden::tag##_train_gb, &golden::tag##_train_rm, &golden::tag##_train_rv,             \
        &golden::tag##_eval_out, &golden::tag##_eval_gx, &golden::tag##_eval_gw,               \
        &golden::tag##_eval_gb                                                                 \
  }
std::vector<BnCase> bn_cases() {
  return {EMBER_BN_CASE(bn2d, 4, 3), EMBER_BN_CASE(bn3d, 2, 3, 4), EMBER_BN_CASE(bn4d, 2, 3, 2, 3),
          EMBER_BN_CASE(bn5d, 2, 3, 2, 2, 2)};
}
}  // namespace

TEST(BatchNorm, TrainingAndEvalMatchPyTorch) {
  for (ScalarType dt : {kFloat, kDouble}) {
    for (const BnCase& c : bn_cases()) {
      SCOPED_TRACE(::testing::Message() << "shape " << IntArrayRef(c.shape) << " " << dt);
      Tensor x = leaf(seq(c.shape, 1, dt)), w = leaf(seq({3}, 2, dt)), b = leaf(seq({3}, 3, dt));
      Tensor rm = seq({3}, 4, dt) * 0.1, rv = seq({3}, 5, dt).abs() + 0.5;
      auto [out, save_mean, save_invstd] = native_batch_norm(x, w, b, rm, rv, true, 0.1, 1e-5);
      EXPECT_EQ(out.dtype(), dt);
      EXPECT_EQ(out.grad_fn()->name(), "NativeBatchNormBackward0");
      EXPECT_EQ(save_mean.sizes(), IntArrayRef({3}));
      EXPECT_TRUE(all_close(out, gold(*c.out, c.shape), rtol(dt), atol(dt)));
      EXPECT_TRUE(all_close(rm, gold(*c.rm, {3}), rtol(dt), atol(dt)));
      EXPECT_TRUE(all_close(rv, gold(*c.rv, {3}), rtol(dt), atol(dt)));
      auto g = probe_grads(out, {x, w, b});
      EXPECT_TRUE(all_close(g[0], gold(*c.gx, c.shape), rtol(dt), atol(dt)));
      EXPECT_TRUE(all_close(g[1], gold(*c.gw, {3}), rtol(dt), atol(dt)));
      EXPECT_TRUE(all_close(g[2], gold(*c.gb, {3}), rtol(dt), atol(dt)));

      Tensor rm0 = seq({3}, 4, dt) * 0.1, rv0 = seq({3}, 5, dt).abs() + 0.5;
      Tensor eout = batch_norm(x, w, b, rm0, rv0, false, 0.1, 1e-5, false);
      EXPECT_TRUE(all_close(rm0, seq({3}, 4, dt) * 0.1));  // eval leaves the stats alone
      EXPECT_TRUE(all_close(eout, gold(*c.eout, c.shape), rtol(dt), atol(dt)));
      auto eg = probe_grads(eout, {x, w, b});
      EXPECT_TRUE(all_close(eg[0], gold(*c.egx, c.shape), rtol(dt), atol(dt)));
      EXPECT_TRUE(all_close(eg[1], gold(*c.egw, {3}), rtol(dt), atol(dt)));
      EXPECT_TRUE(all_close(eg[2], gold(*c.egb, {3}), rtol(dt), atol(dt)));
    }
  }
}

TEST(BatchNorm, NoAffineNoRunningStatsAndLayouts) {
  Tensor x = leaf(seq({3, 2, 5}, 6));
  Tensor out = batch_norm(x, {}, {}, {}, {}, true, 0.1, 1e-3, false);
  EXPECT_TRUE(all_close(out, gold(golden::bn_noaffine_out, {3, 2, 5})));
  EXPECT_TRUE(all_close(probe_grads(out, {x})[0], gold(golden::bn_noaffine_gx, {3, 2, 5})));
  // Non-contiguous input: same answer as its contiguous copy.
  Tensor t = seq({5, 2, 3}, 6).permute({2, 1, 0});
  EXPECT_FALSE(t.is_contiguous());
  EXPECT_TRUE(all_close(batch_norm(t, {}, {}, {}, {}, true, 0.1, 1e-3, false),
                        batch_norm(t.contiguous(), {}, {}, {}, {}, true, 0.1, 1e-3, false)));
  // Eval mode returns empty saved statistics.
  Tensor rm = zeros({2}), rv = ones({2});
  auto [o, m, s] = native_batch_norm(seq({3, 2}, 1, kFloat), {}, {}, rm, rv, false, 0.1, 1e-5);
  EXPECT_EQ(m.numel(), 0);
  EXPECT_TRUE(all_close(o, seq({3, 2}, 1) / std::sqrt(1 + 1e-5), 1e-5, 1e-6));
  // Half computes in float.
  Tensor h = batch_norm(seq({4, 3}, 1, kHalf), {}, {}, {}, {}, true, 0.1, 1e-5, false);
  EXPECT_EQ(h.dtype(), kHalf);
  EXPECT_TRUE(all_close(
      h, batch_norm(seq({4, 3}, 1, kFloat), {}, {}, {}, {}, true, 0.1, 1e-5, false), 1e-2, 1e-2));
}

TEST(BatchNorm, Errors) {
  Tensor x = seq({2, 3, 4}, 1, kFloat);
  EXPECT_THROW(batch_norm(x, ones({4}), {}, {}, {}, true, 0.1, 1e-5, false), ember::Error);
  EXPECT_THROW(batch_norm(x, {}, {}, zeros({2}), ones({3}), true, 0.1, 1e-5, false), ember::Error);
  EXPECT_THROW(batch_norm(x, {}, {}, {}, {}, false, 0.1, 1e-5, false), ember::Error);
  EXPECT_THROW(batch_norm(ones({3}), {}, {}, {}, {}, true, 0.1, 1e-5, false), ember::Error);
  EXPECT_THROW(batch_norm(ones({3, 2}, kLong), {}, {}, {}, {}, true, 0.1, 1e-5, false),
               ember::Error);
}

TEST(BatchNorm, GradcheckAndGradgradcheck) {
  for (bool training : {true, false}) {
    auto f = [training](const variable_list& v) {
      Tensor rm = zeros({3}, kDouble) + 0.1, rv = ones({3}, kDouble) * 0.7;
      return batch_norm(v[0], v[1], v[2], rm, rv, training, 0.1, 1e-5, false);
    };
    variable_list in{seq({2, 3, 3}, 1), seq({3}, 2), seq({3}, 3)};
    EXPECT_TRUE(gradcheck(f, in));
    EXPECT_TRUE(gradgradcheck(f, in));
  }
  auto g = [](const variable_list& v) {
    return batch_norm(v[0], {}, {}, {}, {}, true, 0.1, 1e-5, false);
  };
  EXPECT_TRUE(gradgradcheck(g, {seq({4, 2}, 3)}));
}

TEST(LayerNorm, MatchesPyTorch) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = leaf(seq({2, 3, 4}, 1, dt)), w = leaf(seq({4}, 2, dt)), b = leaf(seq({4}, 3, dt));
    Tensor out = layer_norm(x, {4}, w, b, 1e-5);
    EXPECT_EQ(out.grad_fn()->name(), "NativeLayerNormBackward0");
    EXPECT_TRUE(all_close(out, gold(golden::ln_last_out, {2, 3, 4}), rtol(dt), atol(dt)));
    auto g = probe_grads(out, {x, w, b});
    EXPECT_TRUE(all_close(g[0], gold(golden::ln_last_gx, {2, 3, 4}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g[1], gold(golden::ln_last_gw, {4}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g[2], gold(golden::ln_last_gb, {4}), rtol(dt), atol(dt)));

    Tensor x2 = leaf(seq({2, 3, 4}, 4, dt)), w2 = leaf(seq({3, 4}, 5, dt));
    Tensor b2 = leaf(seq({3, 4}, 6, dt));
    auto [out2, mean, rstd] = native_layer_norm(x2, {3, 4}, w2, b2, 1e-5);
    EXPECT_EQ(mean.sizes(), IntArrayRef({2, 1, 1}));
    EXPECT_TRUE(all_close(out2, gold(golden::ln_two_out, {2, 3, 4}), rtol(dt), atol(dt)));
    auto g2 = probe_grads(out2, {x2, w2, b2});
    EXPECT_TRUE(all_close(g2[0], gold(golden::ln_two_gx, {2, 3, 4}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g2[1], gold(golden::ln_two_gw, {3, 4}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g2[2], gold(golden::ln_two_gb, {3, 4}), rtol(dt), atol(dt)));

    Tensor x3 = leaf(seq({5, 6}, 7, dt));
    Tensor out3 = layer_norm(x3, {6}, {}, {}, 1e-3);
    EXPECT_TRUE(all_close(out3, gold(golden::ln_noaffine_out, {5, 6}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(probe_grads(out3, {x3})[0], gold(golden::ln_noaffine_gx, {5, 6}),
                          rtol(dt), atol(dt)));
  }
  // Non-contiguous input and zero rows.
  Tensor t = seq({6, 5}, 7).t();
  EXPECT_TRUE(all_close(layer_norm(t, {6}), layer_norm(t.contiguous(), {6})));
  EXPECT_EQ(layer_norm(zeros({0, 4}), {4}).sizes(), IntArrayRef({0, 4}));
}

TEST(LayerNorm, Errors) {
  Tensor x = seq({2, 4}, 1, kFloat);
  EXPECT_THROW(layer_norm(x, {3}), ember::Error);
  EXPECT_THROW(layer_norm(x, {2, 2, 4}), ember::Error);
  EXPECT_THROW(layer_norm(x, {4}, ones({3})), ember::Error);
  EXPECT_THROW(layer_norm(x, {4}, {}, ones({5})), ember::Error);
  try {
    layer_norm(x, {3});
    FAIL();
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected input with shape [*, 3], but got input of "
                                         "size[2, 4]"),
              std::string::npos)
        << e.what();
  }
}

TEST(LayerNorm, GradcheckAndGradgradcheck) {
  auto f = [](const variable_list& v) { return layer_norm(v[0], {2, 3}, v[1], v[2], 1e-5); };
  variable_list in{seq({2, 2, 3}, 1), seq({2, 3}, 2), seq({2, 3}, 3)};
  EXPECT_TRUE(gradcheck(f, in));
  EXPECT_TRUE(gradgradcheck(f, in));
}

TEST(GroupNorm, MatchesPyTorch) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = leaf(seq({2, 6, 5}, 1, dt)), w = leaf(seq({6}, 2, dt)), b = leaf(seq({6}, 3, dt));
    Tensor out = group_norm(x, 3, w, b, 1e-5);
    EXPECT_EQ(out.grad_fn()->name(), "NativeGroupNormBackward0");
    EXPECT_TRUE(all_close(out, gold(golden::gn3d_out, {2, 6, 5}), rtol(dt), atol(dt)));
    auto g = probe_grads(out, {x, w, b});
    EXPECT_TRUE(all_close(g[0], gold(golden::gn3d_gx, {2, 6, 5}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g[1], gold(golden::gn3d_gw, {6}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g[2], gold(golden::gn3d_gb, {6}), rtol(dt), atol(dt)));

    Tensor x2 = leaf(seq({2, 4, 2, 3}, 4, dt)), w2 = leaf(seq({4}, 5, dt));
    Tensor b2 = leaf(seq({4}, 6, dt));
    auto [out2, mean, rstd] = native_group_norm(x2, w2, b2, 2, 4, 6, 2, 1e-5);
    EXPECT_EQ(rstd.sizes(), IntArrayRef({2, 2}));
    EXPECT_TRUE(all_close(out2, gold(golden::gn4d_out, {2, 4, 2, 3}), rtol(dt), atol(dt)));
    auto g2 = probe_grads(out2, {x2, w2, b2});
    EXPECT_TRUE(all_close(g2[0], gold(golden::gn4d_gx, {2, 4, 2, 3}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g2[1], gold(golden::gn4d_gw, {4}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g2[2], gold(golden::gn4d_gb, {4}), rtol(dt), atol(dt)));

    Tensor x3 = leaf(seq({3, 4, 3}, 7, dt));
    Tensor out3 = group_norm(x3, 4);
    EXPECT_TRUE(all_close(out3, gold(golden::gn_noaffine_out, {3, 4, 3}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(probe_grads(out3, {x3})[0], gold(golden::gn_noaffine_gx, {3, 4, 3}),
                          rtol(dt), atol(dt)));
  }
  Tensor t = seq({5, 6, 2}, 1).transpose(0, 2);
  EXPECT_TRUE(all_close(group_norm(t, 3), group_norm(t.contiguous(), 3)));
}

TEST(GroupNorm, ErrorsAndGradcheck) {
  Tensor x = seq({2, 6, 4}, 1, kFloat);
  try {
    group_norm(x, 4);
    FAIL();
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("Expected number of channels in input to be divisible "
                                         "by num_groups, but got input of shape [2, 6, 4] and "
                                         "num_groups=4"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(group_norm(x, 3, ones({5})), ember::Error);
  EXPECT_THROW(group_norm(ones({3}), 1), ember::Error);
  auto f = [](const variable_list& v) { return group_norm(v[0], 2, v[1], v[2], 1e-5); };
  variable_list in{seq({2, 4, 3}, 1), seq({4}, 2), seq({4}, 3)};
  EXPECT_TRUE(gradcheck(f, in));
  EXPECT_TRUE(gradgradcheck(f, in));
}

TEST(InstanceNorm, MatchesPyTorch) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = leaf(seq({2, 3, 5}, 1, dt)), w = leaf(seq({3}, 2, dt)), b = leaf(seq({3}, 3, dt));
    Tensor rm = seq({3}, 4, dt) * 0.1, rv = seq({3}, 5, dt).abs() + 0.5;
    Tensor out = instance_norm(x, w, b, rm, rv, true, 0.2, 1e-5, false);
    EXPECT_TRUE(all_close(out, gold(golden::in_train_out, {2, 3, 5}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(rm, gold(golden::in_train_rm, {3}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(rv, gold(golden::in_train_rv, {3}), rtol(dt), atol(dt)));
    auto g = probe_grads(out, {x, w, b});
    EXPECT_TRUE(all_close(g[0], gold(golden::in_train_gx, {2, 3, 5}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g[1], gold(golden::in_train_gw, {3}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g[2], gold(golden::in_train_gb, {3}), rtol(dt), atol(dt)));

    Tensor x2 = leaf(seq({2, 3, 2, 2}, 6, dt));
    Tensor rm2 = seq({3}, 4, dt) * 0.1, rv2 = seq({3}, 5, dt).abs() + 0.5;
    Tensor out2 = instance_norm(x2, {}, {}, rm2, rv2, false, 0.1, 1e-5, false);
    EXPECT_TRUE(all_close(out2, gold(golden::in_eval_out, {2, 3, 2, 2}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(probe_grads(out2, {x2})[0], gold(golden::in_eval_gx, {2, 3, 2, 2}),
                          rtol(dt), atol(dt)));
  }
  EXPECT_THROW(instance_norm(ones({2, 3, 4}), {}, {}, {}, {}, false, 0.1, 1e-5, false),
               ember::Error);
  auto f = [](const variable_list& v) {
    return instance_norm(v[0], v[1], v[2], {}, {}, true, 0.1, 1e-5, false);
  };
  variable_list in{seq({2, 2, 3}, 1), seq({2}, 2), seq({2}, 3)};
  EXPECT_TRUE(gradcheck(f, in));
  EXPECT_TRUE(gradgradcheck(f, in));
}

TEST(RmsNorm, MatchesPyTorch2Formula) {
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = leaf(seq({2, 3, 4}, 1, dt)), w = leaf(seq({4}, 2, dt));
    Tensor out = rms_norm(x, {4}, w, 1e-6);
    EXPECT_TRUE(all_close(out, gold(golden::rms_out, {2, 3, 4}), rtol(dt), atol(dt)));
    auto g = probe_grads(out, {x, w});
    EXPECT_TRUE(all_close(g[0], gold(golden::rms_gx, {2, 3, 4}), rtol(dt), atol(dt)));
    EXPECT_TRUE(all_close(g[1], gold(golden::rms_gw, {4}), rtol(dt), atol(dt)));
  }
  // Default eps: the dtype's machine epsilon.
  Tensor x = seq({3, 4}, 2, kFloat);
  EXPECT_TRUE(all_close(rms_norm(x, {4}), rms_norm(x, {4}, {}, 1.1920928955078125e-07)));
  EXPECT_THROW(rms_norm(x, {3}), ember::Error);
  EXPECT_THROW(rms_norm(x, {4}, ones({3})), ember::Error);
  auto f = [](const variable_list& v) { return rms_norm(v[0], {3}, v[1], 1e-5); };
  variable_list in{seq({2, 3}, 1), seq({3}, 2)};
  EXPECT_TRUE(gradcheck(f, in));
  EXPECT_TRUE(gradgradcheck(f, in));
}

TEST(NormBackward, FusedKernelMatchesComposite) {
  // create_graph=false runs the fused kernels, create_graph=true the ember-op formulas.
  auto both = [](const std::function<Tensor(const variable_list&)>& f, variable_list in) {
    for (auto& t : in) t = leaf(t);
    Tensor y = f(in);
    Tensor loss = (y * ember::testing::probe(y.sizes(), y.scalar_type())).sum();
    auto a = autograd::grad({loss}, in, {}, true, false, true);
    auto b = autograd::grad({loss}, in, {}, true, true, true);
    for (size_t i = 0; i < in.size(); ++i) EXPECT_TRUE(all_close(a[i], b[i], 1e-9, 1e-10));
  };
  for (bool training : {true, false}) {
    both(
        [training](const variable_list& v) {
          Tensor rm = zeros({3}, kDouble) + 0.1, rv = ones({3}, kDouble) * 0.7;
          return batch_norm(v[0], v[1], v[2], rm, rv, training, 0.1, 1e-5, false);
        },
        {seq({2, 3, 4}, 1), seq({3}, 2), seq({3}, 3)});
  }
  both(
      [](const variable_list& v) {
        return layer_norm(v[0], {3, 4}, v[1], v[2]);
      },
      {seq({2, 3, 4}, 1), seq({3, 4}, 2), seq({3, 4}, 3)});
  both([](const variable_list& v) { return layer_norm(v[0].transpose(0, 1), {2}); },
       {seq({2, 5}, 1)});
  both([](const variable_list& v) { return group_norm(v[0], 2, v[1], v[2]); },
       {seq({3, 4, 5}, 1), seq({4}, 2), seq({4}, 3)});
  both([](const variable_list& v) { return group_norm(v[0].transpose(2, 3), 3); },
       {seq({2, 6, 2, 3}, 4)});
  // Zero-size batches flow through.
  Tensor e = batch_norm(zeros({0, 3}), ones({3}), zeros({3}), {}, {}, true, 0.1, 1e-5, false);
  EXPECT_EQ(e.sizes(), IntArrayRef({0, 3}));
  EXPECT_EQ(group_norm(zeros({0, 4, 2}), 2).sizes(), IntArrayRef({0, 4, 2}));
}
