// Loss functionals (torch::nn::functional) and modules: libtorch option structs and reduction
// tags, pretty printing, the Python-only composites (kl_div batchmean, multilabel_soft_margin,
// gaussian_nll, triplet with distance) and ctc_loss, against PyTorch 1.13.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "support/gradcheck.h"

using namespace ember;
namespace F = ember::nn::functional;
using ember::testing::all_close;
using ember::testing::gradcheck;

namespace {

Tensor X() { return ((arange(12, kDouble) * 1.3).sin().reshape({3, 4}) * 2); }
Tensor Y() { return (arange(12, kDouble) * 0.8).cos().reshape({3, 4}); }
Tensor P() { return arange(12, kDouble).cos().reshape({3, 4}).softmax(1); }
Tensor V() { return ((arange(12, kDouble) * 0.6).sin() * 0.5 + 0.7).reshape({3, 4}); }
Tensor B() { return ((arange(12, kDouble) * 2.1).cos() > 0).to(kDouble).reshape({3, 4}); }
Tensor W4() { return tensor({0.5, 1.0, 1.5, 2.0}, kDouble); }

template <class M>
std::string printed(const M& m) {
  std::ostringstream os;
  m->pretty_print(os);
  return os.str();
}

// Value and d sum(value) / dx of f(x) at x = X().
std::pair<Tensor, Tensor> value_grad(const std::function<Tensor(const Tensor&)>& f) {
  Tensor x = X().requires_grad_();
  Tensor v = f(x);
  Tensor g = autograd::grad({v.sum()}, {x})[0];
  return {v.detach(), g};
}

}  // namespace

TEST(LossFunctional, ReductionTagsAndOptions) {
  Tensor x = X(), y = Y();
  EXPECT_TRUE(all_close(F::mse_loss(x, y, kNone), mse_loss(x, y, Reduction::None)));
  EXPECT_TRUE(all_close(F::mse_loss(x, y, kSum), mse_loss(x, y, Reduction::Sum)));
  EXPECT_TRUE(all_close(F::mse_loss(x, y), mse_loss(x, y)));
  EXPECT_TRUE(all_close(F::l1_loss(x, y, kNone), l1_loss(x, y, Reduction::None)));
  EXPECT_TRUE(all_close(F::smooth_l1_loss(x, y, kSum, 0.5), smooth_l1_loss(x, y, 2, 0.5)));
  EXPECT_TRUE(all_close(F::smooth_l1_loss(x, y, F::SmoothL1LossFuncOptions().beta(0.5)),
                        smooth_l1_loss(x, y, 1, 0.5)));
  EXPECT_TRUE(all_close(F::huber_loss(x, y, F::HuberLossFuncOptions().delta(0.3)),
                        huber_loss(x, y, 1, 0.3)));
  Tensor t = tensor({1, 0, 3}, kLong);
  EXPECT_TRUE(all_close(
      F::cross_entropy(x, t, F::CrossEntropyFuncOptions().weight(W4()).label_smoothing(0.2)),
      cross_entropy_loss(x, t, W4(), 1, -100, 0.2)));
  EXPECT_TRUE(all_close(F::nll_loss(x.log_softmax(1), t, F::NLLLossFuncOptions().ignore_index(0)),
                        nll_loss(x.log_softmax(1), t, {}, 1, 0)));
  EXPECT_TRUE(all_close(
      F::binary_cross_entropy(x.sigmoid(), B(),
                              F::BinaryCrossEntropyFuncOptions().weight(W4()).reduction(kSum)),
      binary_cross_entropy(x.sigmoid(), B(), W4().expand({3, 4}), 2)));
  EXPECT_TRUE(all_close(F::binary_cross_entropy_with_logits(
                            x, B(), F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(W4())),
                        binary_cross_entropy_with_logits(x, B(), {}, W4())));
  EXPECT_TRUE(all_close(F::multi_margin_loss(x, t, F::MultiMarginLossFuncOptions().p(2)),
                        multi_margin_loss(x, t, 2)));
  EXPECT_TRUE(all_close(F::poisson_nll_loss(x, V(), F::PoissonNLLLossFuncOptions().full(true)),
                        poisson_nll_loss(x, V(), true, true, 1e-8, 1)));
  EXPECT_EQ(enumtype::get_enum_name(F::KLDivFuncOptions::reduction_t(kBatchMean)), "kBatchMean");
  EXPECT_EQ(enumtype::reduction_get_enum(F::L1LossFuncOptions::reduction_t(kSum)), Reduction::Sum);
  EXPECT_THROW(F::binary_cross_entropy(x.sigmoid(), B().reshape({12})), ember::Error);
  EXPECT_THROW(F::binary_cross_entropy_with_logits(x, B().reshape({12})), ember::Error);
  EXPECT_THROW(F::nll_loss(x.select(0, 0), tensor(int64_t{1})), ember::Error);
  EXPECT_THROW(F::margin_ranking_loss(x, y, tensor({1.0}, kDouble)), ember::Error);
}

TEST(LossFunctional, PythonOnlyComposites) {
  // torch.nn.functional values (tools: see the comments' expressions with X, Y, P, V, B, W4).
  auto [kl, kl_g] = value_grad([](const Tensor& x) {
    return F::kl_div(x.log_softmax(1), P(), F::KLDivFuncOptions(kBatchMean));
  });
  EXPECT_NEAR(kl.item<double>(), 0.5583296182719241, 1e-12);
  EXPECT_NEAR(kl_g.select(0, 0).select(0, 0).item<double>(), -0.13526244379065072, 1e-12);
  EXPECT_EQ(F::kl_div(X().requires_grad_().log_softmax(1), P(), kBatchMean).grad_fn()->name(),
            "DivBackward1");
  auto [ml, ml_g] =
      value_grad([](const Tensor& x) { return F::multilabel_soft_margin_loss(x, B()); });
  EXPECT_NEAR(ml.item<double>(), 1.0975136691988354, 1e-12);
  EXPECT_NEAR(ml_g.select(0, 0).select(0, 1).item<double>(), 0.07274415850643254, 1e-12);
  auto [mlw, mlw_g] = value_grad([](const Tensor& x) {
    return F::multilabel_soft_margin_loss(
        x, B(), F::MultilabelSoftMarginLossFuncOptions().weight(W4()).reduction(kNone));
  });
  EXPECT_TRUE(
      all_close(mlw, tensor({1.9038239822095655, 0.831411126002766, 1.9536034472715482}, kDouble)));
  EXPECT_NEAR(mlw_g.select(0, 2).select(0, 3).item<double>(), 0.4389956284422826, 1e-12);
  auto [gn, gn_g] = value_grad([](const Tensor& x) { return F::gaussian_nll_loss(x, Y(), V()); });
  EXPECT_NEAR(gn.item<double>(), 2.8444079577456587, 1e-12);
  EXPECT_NEAR(gn_g.select(0, 2).select(0, 0).item<double>(), -1.0932003133312747, 1e-12);
  auto [gh, gh_g] = value_grad([](const Tensor& x) {
    return F::gaussian_nll_loss(x, Y(), tensor({{0.5}, {1.3}, {0.8}}, kDouble),
                                F::GaussianNLLLossFuncOptions().full(true).reduction(kSum));
  });
  EXPECT_NEAR(gh.item<double>(), 28.53414818808801, 1e-10);
  EXPECT_NEAR(gh_g.select(0, 0).select(0, 1).item<double>(), 2.460819322974441, 1e-10);
  auto [gv, gv_g] = value_grad([](const Tensor& x) {
    return F::gaussian_nll_loss(x, Y(), tensor({0.5, 1e-9, 0.8}, kDouble),
                                F::GaussianNLLLossFuncOptions().reduction(kNone));
  });
  EXPECT_NEAR(gv.select(0, 1).select(0, 0).item<double>(), 295377.2444475357, 1e-6);
  EXPECT_NEAR(gv_g.select(0, 1).select(0, 0).item<double>(), -768614.5356455531, 1e-4);
  EXPECT_THROW(F::gaussian_nll_loss(X(), Y(), ones({2})), ember::Error);
  EXPECT_THROW(F::gaussian_nll_loss(X(), Y(), -ones({3, 4})), ember::Error);
  auto [td, td_g] =
      value_grad([](const Tensor& x) { return F::triplet_margin_with_distance_loss(x, Y(), V()); });
  EXPECT_NEAR(td.item<double>(), 0.9795484949944848, 1e-10);
  EXPECT_NEAR(td_g.select(0, 0).select(0, 0).item<double>(), -0.08306746017212871, 1e-10);
  auto [tc, tc_g] = value_grad([](const Tensor& x) {
    auto cos_dist = [](const Tensor& a, const Tensor& b) {
      Tensor c = (a * b).sum(IntArrayRef{1}) /
                 (clamp_min(a.norm(2, IntArrayRef{1}) * b.norm(2, IntArrayRef{1}), 1e-8));
      return 1 - c;
    };
    return F::triplet_margin_with_distance_loss(x, Y(), V(),
                                                F::TripletMarginWithDistanceLossFuncOptions()
                                                    .distance_function(cos_dist)
                                                    .margin(0.5)
                                                    .swap(true)
                                                    .reduction(kSum));
  });
  EXPECT_NEAR(tc.item<double>(), 2.009514011396166, 1e-10);
  EXPECT_NEAR(tc_g.select(0, 0).select(0, 3).item<double>(), 0.350466316233048, 1e-8);
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) { return F::multilabel_soft_margin_loss(v[0], B()); }, {X()}));
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) { return F::gaussian_nll_loss(v[0], Y(), v[1]); }, {X(), V()}));
}

namespace {
// log_probs of the CTC cases: ((arange(48) * 0.37).sin().reshape(6, 2, 4) * 2).log_softmax(2)
Tensor ctc_lp() {
  return ((arange(48, kDouble) * 0.37).sin().reshape({6, 2, 4}) * 2).log_softmax(2);
}
Tensor ctc_targets() { return tensor({1, 2, 2, 3, 1, 0}, kLong).reshape({2, 3}); }
}  // namespace

TEST(LossCtc, ValuesAndGrads) {
  Tensor lp = ctc_lp().requires_grad_();
  std::vector<int64_t> il{6, 5}, tl{3, 2};
  Tensor none = ctc_loss(lp, ctc_targets(), il, tl, 0, Reduction::None);
  EXPECT_EQ(none.grad_fn()->name(), "CtcLossBackward0");
  EXPECT_TRUE(
      all_close(none, tensor({5.35069752961602, 3.5179884360371863}, kDouble), 1e-10, 1e-10));
  Tensor g = autograd::grad({(none * tensor({1.0, 2.0}, kDouble)).sum()}, {lp})[0];
  // d/dlp of (l * [1, 2]).sum(): first two rows of PyTorch's gradient, then the tail (t = 5,
  // sample 1 is past its input length: zero).
  EXPECT_TRUE(all_close(
      g.select(0, 0).reshape({-1}),
      tensor({-0.03921772021184791, -0.7236884638456607, 0.29834884906916775, 0.4645573349883405,
              -0.6792246508319834, 0.6234238492117885, 0.4484544707257127, -0.39265366910551747},
             kDouble),
      1e-9, 1e-10));
  EXPECT_TRUE(all_close(g.select(0, 5).select(0, 1), zeros({4}, kDouble)));
  EXPECT_TRUE(all_close(
      g.select(0, 4).reshape({-1}),
      tensor({-0.005275501866516041, 0.12747748611410295, -0.663660878123376, 0.541458893875789,
              -0.3042458485945287, -0.8669649480479105, 0.6087798649891346, 0.5624309316533048},
             kDouble),
      1e-9, 1e-10));
  Tensor mean = ctc_loss(lp, ctc_targets(), il, tl);
  EXPECT_NEAR(mean.item<double>(), 1.7712800306119665, 1e-10);
  EXPECT_EQ(mean.grad_fn()->name(), "MeanBackward0");
  Tensor sum = ctc_loss(lp, ctc_targets(), il, tl, 0, Reduction::Sum);
  EXPECT_NEAR(sum.item<double>(), 8.868685965653206, 1e-10);
  // Concatenated targets and length tensors.
  Tensor cat = F::ctc_loss(lp, tensor({1, 2, 2, 3, 1}, kLong), tensor({6, 5}, kLong),
                           tensor({3, 2}, kLong), F::CTCLossFuncOptions().reduction(kNone));
  EXPECT_TRUE(
      all_close(cat, tensor({5.35069752961602, 3.5179884360371863}, kDouble), 1e-10, 1e-10));
  Tensor b3 = ctc_loss(lp, ctc_targets(), il, tl, 3, Reduction::None);
  EXPECT_TRUE(all_close(b3, tensor({6.027327657797637, 3.792521818874227}, kDouble), 1e-10, 1e-10));
  // Unbatched (T, C).
  Tensor ub = ctc_loss(lp.select(1, 0), tensor({1, 2, 2}, kLong), {6}, {3}, 0, Reduction::None);
  EXPECT_EQ(ub.dim(), 0);
  EXPECT_NEAR(ub.item<double>(), 5.35069752961602, 1e-10);
  // Empty targets: only blanks.
  Tensor e = ctc_loss(lp, zeros({2, 0}, kLong), {6, 3}, {0, 0}, 0, Reduction::None);
  EXPECT_TRUE(all_close(e, tensor({9.910455240538138, 4.107433746834419}, kDouble), 1e-10, 1e-10));
  EXPECT_TRUE(gradcheck(
      [&](const variable_list& v) {
        return ctc_loss(v[0].log_softmax(2), ctc_targets(), il, tl, 0, Reduction::Mean);
      },
      {ctc_lp()}));
}

TEST(LossCtc, InfeasibleAndZeroInfinity) {
  Tensor lp = ctc_lp().requires_grad_();
  Tensor inf = ctc_loss(lp, ctc_targets(), {6, 1}, {3, 2}, 0, Reduction::None);
  EXPECT_TRUE(std::isinf(inf.select(0, 1).item<double>()));
  Tensor z = ctc_loss(lp, ctc_targets(), {6, 1}, {3, 2}, 0, Reduction::None, true);
  EXPECT_TRUE(all_close(z, tensor({5.35069752961602, 0.0}, kDouble), 1e-10, 1e-10));
  Tensor g = autograd::grad({z.sum()}, {lp})[0];
  EXPECT_EQ(g.select(1, 1).abs().sum().item<double>(), 0.0);
  EXPECT_NEAR(g.abs().sum().item<double>(), 6.04910743892696, 1e-9);
  Tensor zm = ctc_loss(lp, ctc_targets(), {6, 1}, {3, 2}, 0, Reduction::Mean, true);
  EXPECT_NEAR(zm.item<double>(), 0.8917829216026699, 1e-10);
  EXPECT_THROW(ctc_loss(lp, ctc_targets(), {7, 1}, {3, 2}), ember::Error);
  EXPECT_THROW(ctc_loss(lp, ctc_targets(), {6}, {3}), ember::Error);
  EXPECT_THROW(ctc_loss(lp, ctc_targets(), {6, 5}, {4, 2}), ember::Error);
  EXPECT_THROW(ctc_loss(lp, ctc_targets(), {6, 5}, {3, 2}, 4), ember::Error);
  EXPECT_THROW(ctc_loss(lp, ctc_targets() + 5, {6, 5}, {3, 2}), ember::Error);
}

TEST(LossModules, PrettyPrint) {
  EXPECT_EQ(printed(nn::L1Loss()), "torch::nn::L1Loss()");
  EXPECT_EQ(printed(nn::MSELoss()), "torch::nn::MSELoss()");
  EXPECT_EQ(printed(nn::KLDivLoss()), "torch::nn::KLDivLoss()");
  EXPECT_EQ(printed(nn::BCELoss()), "torch::nn::BCELoss()");
  EXPECT_EQ(printed(nn::BCEWithLogitsLoss()), "torch::nn::BCEWithLogitsLoss()");
  EXPECT_EQ(printed(nn::CrossEntropyLoss()), "torch::nn::CrossEntropyLoss()");
  EXPECT_EQ(printed(nn::NLLLoss()), "torch::nn::NLLLoss()");
  EXPECT_EQ(printed(nn::SmoothL1Loss()), "torch::nn::SmoothL1Loss");
  EXPECT_EQ(printed(nn::HuberLoss()), "torch::nn::HuberLoss");
  EXPECT_EQ(printed(nn::HingeEmbeddingLoss()), "torch::nn::HingeEmbeddingLoss(margin=1)");
  EXPECT_EQ(printed(nn::CosineEmbeddingLoss(nn::CosineEmbeddingLossOptions().margin(0.5))),
            "torch::nn::CosineEmbeddingLoss(margin=0.5)");
  EXPECT_EQ(printed(nn::MultiMarginLoss()),
            "torch::nn::MultiMarginLoss(p=1, margin=1, weight=[ Tensor (undefined) ], "
            "reduction=kMean)");
  EXPECT_EQ(printed(nn::TripletMarginLoss()),
            "torch::nn::TripletMarginLoss(margin=1, p=2, eps=1e-06, swap=false)");
  EXPECT_EQ(printed(nn::TripletMarginWithDistanceLoss()),
            "torch::nn::TripletMarginWithDistanceLoss(margin=1, swap=false)");
  EXPECT_EQ(printed(nn::MultiLabelMarginLoss()), "torch::nn::MultiLabelMarginLoss()");
  EXPECT_EQ(printed(nn::MultiLabelSoftMarginLoss()), "torch::nn::MultiLabelSoftMarginLoss()");
  EXPECT_EQ(printed(nn::SoftMarginLoss()), "torch::nn::SoftMarginLoss()");
  EXPECT_EQ(printed(nn::CTCLoss()), "torch::nn::CTCLoss()");
  EXPECT_EQ(printed(nn::PoissonNLLLoss()), "torch::nn::PoissonNLLLoss()");
  EXPECT_EQ(printed(nn::MarginRankingLoss()), "torch::nn::MarginRankingLoss()");
}

TEST(LossModules, ForwardMatchesFunctional) {
  Tensor x = X(), y = Y();
  Tensor t = tensor({1, 0, 3}, kLong);
  nn::CrossEntropyLoss ce(nn::CrossEntropyLossOptions().weight(W4()).ignore_index(0));
  EXPECT_TRUE(all_close(ce(x, t), cross_entropy_loss(x, t, W4(), 1, 0)));
  EXPECT_EQ(ce->named_buffers().size(), 1u);
  nn::NLLLoss nll(nn::NLLLossOptions().reduction(kSum));
  EXPECT_TRUE(all_close(nll(x, t), nll_loss(x, t, {}, 2)));
  nn::MSELoss mse(kNone);
  EXPECT_TRUE(all_close(mse(x, y), mse_loss(x, y, 0)));
  nn::L1Loss l1;
  EXPECT_TRUE(all_close(l1(x, y), l1_loss(x, y)));
  nn::BCELoss bce(nn::BCELossOptions().weight(W4()));
  EXPECT_TRUE(all_close(bce(x.sigmoid(), B()),
                        binary_cross_entropy(x.sigmoid(), B(), W4().expand({3, 4}))));
  nn::BCEWithLogitsLoss bcel(nn::BCEWithLogitsLossOptions().pos_weight(W4()));
  EXPECT_TRUE(all_close(bcel(x, B()), binary_cross_entropy_with_logits(x, B(), {}, W4())));
  nn::SmoothL1Loss sl1(nn::SmoothL1LossOptions().beta(0.4));
  EXPECT_TRUE(all_close(sl1(x, y), smooth_l1_loss(x, y, 1, 0.4)));
  nn::HuberLoss hub(nn::HuberLossOptions().delta(0.4).reduction(kSum));
  EXPECT_TRUE(all_close(hub(x, y), huber_loss(x, y, 2, 0.4)));
  nn::KLDivLoss kl(nn::KLDivLossOptions(kBatchMean).log_target(true));
  EXPECT_TRUE(all_close(kl(x, y), kl_div(x, y, 2, true) / 3));
  nn::MarginRankingLoss mr(nn::MarginRankingLossOptions().margin(0.2));
  EXPECT_TRUE(all_close(mr(x, y, B() * 2 - 1), margin_ranking_loss(x, y, B() * 2 - 1, 0.2)));
  nn::CosineEmbeddingLoss cel;
  EXPECT_TRUE(all_close(cel(x, y, tensor({1.0, -1.0, 1.0}, kDouble)),
                        cosine_embedding_loss(x, y, tensor({1.0, -1.0, 1.0}, kDouble))));
  nn::TripletMarginLoss tml(nn::TripletMarginLossOptions().swap(true));
  EXPECT_TRUE(all_close(tml(x, y, V()), triplet_margin_loss(x, y, V(), 1, 2, 1e-6, true)));
  nn::MultiMarginLoss mm(nn::MultiMarginLossOptions().weight(W4()));
  EXPECT_TRUE(all_close(mm(x, t), multi_margin_loss(x, t, 1, 1, W4())));
  nn::MultiLabelMarginLoss mlm;
  Tensor ml = tensor({3, 0, -1, 1, 1, 2, 3, -1, 0, -1, 2, 2}, kLong).reshape({3, 4});
  EXPECT_TRUE(all_close(mlm(x, ml), multilabel_margin_loss(x, ml)));
  nn::SoftMarginLoss sm;
  EXPECT_TRUE(all_close(sm(x, B() * 2 - 1), soft_margin_loss(x, B() * 2 - 1)));
  nn::HingeEmbeddingLoss he;
  EXPECT_TRUE(all_close(he(x, B() * 2 - 1), hinge_embedding_loss(x, B() * 2 - 1)));
  nn::PoissonNLLLoss pn;
  EXPECT_TRUE(all_close(pn(x, V()), poisson_nll_loss(x, V(), true, false, 1e-8, 1)));
  nn::GaussianNLLLoss gn;
  EXPECT_TRUE(all_close(gn(x, y, V()), F::gaussian_nll_loss(x, y, V())));
  nn::MultiLabelSoftMarginLoss mls;
  EXPECT_TRUE(all_close(mls(x, B()), F::multilabel_soft_margin_loss(x, B())));
  nn::TripletMarginWithDistanceLoss twd;
  EXPECT_TRUE(all_close(twd(x, y, V()), F::triplet_margin_with_distance_loss(x, y, V())));
  nn::CTCLoss ctc;
  EXPECT_NEAR(
      ctc(ctc_lp(), ctc_targets(), tensor({6, 5}, kLong), tensor({3, 2}, kLong)).item<double>(),
      1.7712800306119665, 1e-10);
  EXPECT_THROW(nn::MultiMarginLoss(nn::MultiMarginLossOptions().p(3)), ember::Error);
  // Modules clone with their options.
  auto copy = std::dynamic_pointer_cast<nn::CrossEntropyLossImpl>(ce->clone());
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->options.ignore_index(), 0);
}
