// src/ops/loss_margin.cpp: margin_ranking, hinge_embedding, cosine_embedding, soft_margin,
// multi_margin, multilabel_margin and triplet_margin losses (+ pairwise_distance): values against
// naive loops and PyTorch 1.13 (expressions in comments), reductions, layouts, gradients, errors.
// The golden table of every loss lives in loss_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "support/gradcheck.h"
#include "support/op_helpers.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;
using ember::testing::has;

namespace {
std::vector<double> vals(const Tensor& t) {
  Tensor c = t.detach().to(kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}
Tensor dbl(const std::vector<double>& v, IntArrayRef shape) { return tensor(v).reshape(shape); }
Tensor X1() { return (arange(12, kDouble) * 0.61).sin().reshape({3, 4}) * 1.5; }
Tensor X2() { return (arange(12, kDouble) * 0.37).cos().reshape({3, 4}); }
Tensor X3() { return (arange(12, kDouble) * 0.23 + 0.4).sin().reshape({3, 4}); }

// loss(None) equals `want` (shaped like `shape`), loss(Mean) its mean and loss(Sum) its sum.
void expect_reductions(const std::function<Tensor(int64_t)>& loss, const std::vector<double>& want,
                       IntArrayRef shape) {
  double sum = 0;
  for (double w : want) sum += w;
  Tensor none = loss(Reduction::None);
  EXPECT_EQ(none.sizes(), shape);
  EXPECT_TRUE(all_close(none.reshape({-1}), tensor(want), 1e-12, 1e-12));
  EXPECT_NEAR(loss(Reduction::Mean).item<double>(), sum / static_cast<double>(want.size()), 1e-12);
  EXPECT_NEAR(loss(Reduction::Sum).item<double>(), sum, 1e-12);
}

}  // namespace

// An empty batch is a valid input (PyTorch's check allows a 0-dim batch size).
TEST(MultiMarginLoss, EmptyBatch) {
  Tensor x = zeros({0, 3}), y = zeros({0}, kLong);
  EXPECT_EQ(multi_margin_loss(x, y, 1, 1, {}, Reduction::Sum).item<float>(), 0.0f);
  EXPECT_EQ(multi_margin_loss(x, y, 1, 1, {}, Reduction::None).sizes(), IntArrayRef({0}));
  EXPECT_THROW(multi_margin_loss(zeros({2, 0}), zeros({2}, kLong)), Error);
}

TEST(LossMargin, MarginRankingAndHingeAgainstLoops) {
  // A transposed input and a target broadcast over the rows.
  Tensor x1 = X1().t().contiguous().t(), x2 = X2(), y = tensor({1.0, -1.0, 1.0, -1.0}, kDouble);
  ASSERT_FALSE(x1.is_contiguous());
  std::vector<double> a = vals(x1), b = vals(x2), want;
  for (int64_t i = 0; i < 12; ++i)
    want.push_back(std::max(0.0, -vals(y)[i % 4] * (a[i] - b[i]) + 0.2));
  expect_reductions([&](int64_t r) { return margin_ranking_loss(x1, x2, y, 0.2, r); }, want,
                    {3, 4});
  // Hinge: target 1 keeps x, -1 takes max(0, margin - x), anything else both.
  Tensor t = tensor({1.0, -1.0, 0.0, 1.0, -1.0, 2.0, 1.0, -1.0, -1.0, 1.0, 0.0, -1.0}, kDouble)
                 .reshape({3, 4});
  std::vector<double> tv = vals(t);
  want.clear();
  for (int64_t i = 0; i < 12; ++i)
    want.push_back((tv[i] != 1 ? std::max(0.0, 0.8 - a[i]) : 0.0) + (tv[i] != -1 ? a[i] : 0.0));
  expect_reductions([&](int64_t r) { return hinge_embedding_loss(x1, t, 0.8, r); }, want, {3, 4});
  // F.hinge_embedding_loss(x, y, margin=1., reduction='none') with
  // x = [[.3,-1.2,2,.5],[1,0,-.5,.2]], y = [[1,0,-1,1],[0,-1,1,0]]
  Tensor hx = dbl({0.3, -1.2, 2.0, 0.5, 1.0, 0.0, -0.5, 0.2}, {2, 4});
  Tensor hy = dbl({1, 0, -1, 1, 0, -1, 1, 0}, {2, 4});
  EXPECT_TRUE(all_close(hinge_embedding_loss(hx, hy, 1.0, Reduction::None),
                        dbl({0.3, 1.0, 0.0, 0.5, 1.0, 1.0, -0.5, 1.0}, {2, 4})));
  // Gradients with respect to both inputs.
  EXPECT_TRUE(
      gradgradcheck([&](const variable_list& v) { return margin_ranking_loss(v[0], v[1], y, 0.2); },
                    {X1(), X2()}));
  EXPECT_TRUE(gradcheck(
      [&](const variable_list& v) { return hinge_embedding_loss(v[0], t, 0.8, Reduction::Sum); },
      {X1()}));
}

TEST(LossMargin, CosineEmbedding) {
  Tensor a = X1(), b = X2() + 0.3, y = tensor({1.0, -1.0, -1.0}, kDouble);
  std::vector<double> av = vals(a), bv = vals(b), want;
  for (int64_t i = 0; i < 3; ++i) {
    double dot = 0, na = 0, nb = 0;
    for (int64_t j = 0; j < 4; ++j) {
      dot += av[i * 4 + j] * bv[i * 4 + j];
      na += av[i * 4 + j] * av[i * 4 + j];
      nb += bv[i * 4 + j] * bv[i * 4 + j];
    }
    double cos = dot / std::sqrt((na + 1e-12) * (nb + 1e-12));
    want.push_back(i == 0 ? 1 - cos : std::max(0.0, cos - 0.1));
  }
  ASSERT_GT(want[1] + want[2], 0.0);  // a negative pair above the margin is exercised
  expect_reductions([&](int64_t r) { return cosine_embedding_loss(a, b, y, 0.1, r); }, want, {3});
  // F.cosine_embedding_loss([1,0], [1,1], tensor(-1.), margin=0.5) -> 0.2071 = 1/sqrt(2) - 0.5
  Tensor l = cosine_embedding_loss(tensor({1.0, 0.0}, kDouble), tensor({1.0, 1.0}, kDouble),
                                   tensor(-1.0, kDouble), 0.5);
  EXPECT_EQ(l.dim(), 0);
  EXPECT_NEAR(l.item<double>(), 1 / std::sqrt(2.0) - 0.5, 1e-12);
  // Target 0 contributes nothing: F.cosine_embedding_loss(eye-ish, ..., [0., 1.]) -> [0., 1.]
  EXPECT_TRUE(all_close(cosine_embedding_loss(dbl({1, 0, 0, 1}, {2, 2}), dbl({1, 1, 1, 0}, {2, 2}),
                                              tensor({0.0, 1.0}, kDouble), 0, Reduction::None),
                        tensor({0.0, 1.0}, kDouble)));
  EXPECT_TRUE(gradgradcheck(
      [&](const variable_list& v) { return cosine_embedding_loss(v[0], v[1], y, 0.1); }, {a, b}));
  EXPECT_TRUE(has(error_of([&] { cosine_embedding_loss(a, b, tensor(1.0)); }),
                  "[cosine_embedding_loss] 0D target tensor expects 1D input tensors, but found "
                  "inputs with sizes [3, 4] and [3, 4]."));
  EXPECT_TRUE(has(error_of([&] { cosine_embedding_loss(a.select(0, 0), b.select(0, 0), y); }),
                  "[cosine_embedding_loss] 1D target tensor expects 2D input tensors"));
}

TEST(LossMargin, SoftMargin) {
  Tensor x = X1().t(), y = (X2().t() > 0).to(kDouble) * 2 - 1;
  std::vector<double> xv = vals(x), yv = vals(y), want;
  for (size_t i = 0; i < xv.size(); ++i) want.push_back(std::log1p(std::exp(-yv[i] * xv[i])));
  expect_reductions([&](int64_t r) { return soft_margin_loss(x, y, r); }, want, {4, 3});
  Tensor f = soft_margin_loss(x.to(kFloat), y.to(kFloat), Reduction::Sum);
  EXPECT_EQ(f.dtype(), kFloat);
  EXPECT_NEAR(f.item<double>(), soft_margin_loss(x, y, Reduction::Sum).item<double>(), 1e-5);
  // Zero-size: mean over nothing is nan, sum 0.
  EXPECT_TRUE(std::isnan(soft_margin_loss(zeros({0}), zeros({0})).item<double>()));
  EXPECT_EQ(soft_margin_loss(zeros({0}), zeros({0}), Reduction::Sum).item<double>(), 0.0);
  for (int64_t r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
    EXPECT_TRUE(
        gradgradcheck([&](const variable_list& v) { return soft_margin_loss(v[0], y, r); }, {x}));
  }
}

TEST(LossMargin, MultiMarginAgainstLoop) {
  Tensor x = X1().t().contiguous().t();  // [3, 4], non-contiguous
  Tensor t = tensor({2, 0, 3}, kLong), w = tensor({0.5, 1.0, 1.5, 2.0}, kDouble);
  std::vector<double> xv = vals(x), wv = vals(w);
  for (int64_t p : {1, 2}) {
    for (bool weighted : {false, true}) {
      SCOPED_TRACE(std::to_string(p) + (weighted ? " weighted" : ""));
      std::vector<double> want;
      for (int64_t i = 0; i < 3; ++i) {
        const int64_t yi = t.data_ptr<int64_t>()[i];
        double s = 0;
        for (int64_t j = 0; j < 4; ++j) {
          if (j == yi) continue;
          double h = std::max(0.0, 0.7 - xv[i * 4 + yi] + xv[i * 4 + j]);
          s += (p == 2 ? h * h : h) * (weighted ? wv[yi] : 1.0);
        }
        want.push_back(s / 4);
      }
      std::optional<Tensor> wo = weighted ? std::optional<Tensor>(w) : std::nullopt;
      expect_reductions([&](int64_t r) { return multi_margin_loss(x, t, p, 0.7, wo, r); }, want,
                        {3});
      EXPECT_TRUE(gradgradcheck(
          [&](const variable_list& v) { return multi_margin_loss(v[0], t, p, 0.7, wo); }, {x}));
    }
  }
  // F.multi_margin_loss(tensor([.1,.2,.4,.8]), tensor(3), reduction='none') -> tensor(0.3250)
  Tensor v = tensor({0.1, 0.2, 0.4, 0.8}, kDouble);
  Tensor l0 = multi_margin_loss(v, tensor(int64_t{3}), 1, 1, {}, Reduction::None);
  EXPECT_EQ(l0.dim(), 0);
  EXPECT_NEAR(l0.item<double>(), 0.325, 1e-12);
  // ... and with target tensor([3]) -> tensor([0.3250])
  EXPECT_EQ(multi_margin_loss(v, tensor({3}), 1, 1, {}, Reduction::None).sizes(), IntArrayRef({1}));
  Tensor bad = randn({3, 4});
  EXPECT_TRUE(has(error_of([&] {
                    multi_margin_loss(bad, tensor({1, 2, 3}).to(kInt));
                  }),
                  "[multi_margin_loss] expected scalar type Long but found Int"));
  EXPECT_TRUE(has(error_of([&] {
                    multi_margin_loss(bad, tensor({1, 2}));
                  }),
                  "[multi_margin_loss] inconsistent target size"));
  EXPECT_TRUE(has(error_of([&] {
                    multi_margin_loss(randn({2, 3, 4}), zeros({2}, kLong));
                  }),
                  "[multi_margin_loss] Expected non-empty vector or matrix"));
  // PyTorch 1.13 reads past a short weight; PyTorch 2 (and ember) refuse it.
  EXPECT_TRUE(has(error_of([&] {
                    multi_margin_loss(bad, tensor({1, 2, 3}), 1, 1, ones({3}));
                  }),
                  "[multi_margin_loss] inconsistent weight size, expected 4"));
}

TEST(LossMargin, MultilabelMarginAgainstLoop) {
  Tensor x = X1() + X3();
  // Targets end at the first -1; what follows is ignored; a repeated target counts twice.
  Tensor t = tensor({3, 0, -1, 2, 1, 1, 2, -1, -1, 0, 3, 1}, kLong).reshape({3, 4});
  std::vector<double> xv = vals(x), want;
  std::vector<int64_t> tv(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + 12);
  for (int64_t i = 0; i < 3; ++i) {
    std::vector<int64_t> listed;
    for (int64_t j = 0; j < 4 && tv[i * 4 + j] >= 0; ++j) listed.push_back(tv[i * 4 + j]);
    std::set<int64_t> is_target(listed.begin(), listed.end());
    double s = 0;
    for (int64_t yj : listed)
      for (int64_t k = 0; k < 4; ++k)
        if (!is_target.count(k)) s += std::max(0.0, 1 - xv[i * 4 + yj] + xv[i * 4 + k]);
    want.push_back(s / 4);
  }
  expect_reductions([&](int64_t r) { return multilabel_margin_loss(x, t, r); }, want, {3});
  EXPECT_TRUE(
      all_close(multilabel_margin_loss(x.t().contiguous().t(), t, Reduction::None), tensor(want)));
  // F.multilabel_margin_loss(tensor([.1,.2,.4,.8]), tensor([2,2,-1,0]), reduction='none') -> 1.45
  // and with tensor([3,0,-1,1]) -> 0.85
  Tensor v = tensor({0.1, 0.2, 0.4, 0.8}, kDouble);
  Tensor l = multilabel_margin_loss(v, tensor({2, 2, -1, 0}), Reduction::None);
  EXPECT_EQ(l.dim(), 0);
  EXPECT_NEAR(l.item<double>(), 1.45, 1e-12);
  EXPECT_NEAR(multilabel_margin_loss(v, tensor({3, 0, -1, 1}), Reduction::None).item<double>(),
              0.85, 1e-12);
  for (int64_t r : {Reduction::None, Reduction::Mean}) {
    EXPECT_TRUE(gradgradcheck(
        [&](const variable_list& in) { return multilabel_margin_loss(in[0], t, r); }, {x}));
  }
  EXPECT_TRUE(has(error_of([&] {
                    multilabel_margin_loss(x, zeros({3, 3}, kLong));
                  }),
                  "[multilabel_margin_loss] inconsistent target size: [3, 3] for input of size: "
                  "[3, 4]"));
  EXPECT_TRUE(has(error_of([&] { multilabel_margin_loss(x, t.to(kInt)); }),
                  "[multilabel_margin_loss] expected scalar type Long but found Int"));
  EXPECT_TRUE(has(error_of([&] {
                    multilabel_margin_loss(x, full({3, 4}, -2, kLong));
                  }),
                  "[multilabel_margin_loss] argument #2 'target' is out of range"));
}

TEST(LossMargin, TripletAndPairwiseDistance) {
  Tensor a = X1(), p = X2(), n = X3();
  auto dist = [](const std::vector<double>& u, const std::vector<double>& v, int64_t row,
                 double pw) {
    double s = 0;
    for (int64_t j = 0; j < 4; ++j)
      s += std::pow(std::fabs(u[row * 4 + j] - v[row * 4 + j] + 1e-6), pw);
    return std::pow(s, 1 / pw);
  };
  std::vector<double> av = vals(a), pv = vals(p), nv = vals(n);
  for (double pw : {1.0, 2.0}) {
    for (bool swap : {false, true}) {
      std::vector<double> want;
      for (int64_t i = 0; i < 3; ++i) {
        double dn = dist(av, nv, i, pw);
        if (swap) dn = std::min(dn, dist(pv, nv, i, pw));
        want.push_back(std::max(0.0, 1.3 + dist(av, pv, i, pw) - dn));
      }
      expect_reductions(
          [&](int64_t r) { return triplet_margin_loss(a, p, n, 1.3, pw, 1e-6, swap, r); }, want,
          {3});
    }
  }
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) {
        return triplet_margin_loss(v[0], v[1], v[2], 1.3, 2, 1e-6, true, Reduction::None);
      },
      {a, p, n}));
  // F.pairwise_distance(tensor([1.,2.]), tensor([0.,0.])) -> 2.2361 (0-dim); keepdim -> [2, 1]
  Tensor d = pairwise_distance(tensor({1.0, 2.0}, kDouble), tensor({0.0, 0.0}, kDouble));
  EXPECT_EQ(d.dim(), 0);
  EXPECT_NEAR(d.item<double>(), std::hypot(1 + 1e-6, 2 + 1e-6), 1e-12);
  Tensor dk = pairwise_distance(ones({2, 3}), zeros({2, 3}), 2, 1e-6, true);
  EXPECT_EQ(dk.sizes(), IntArrayRef({2, 1}));
  EXPECT_NEAR(dk.select(0, 1).item<double>(), std::sqrt(3.0) * (1 + 1e-6), 1e-6);
  EXPECT_TRUE(has(error_of([&] { triplet_margin_loss(a, p, n.select(0, 0)); }),
                  "[triplet_margin_loss] The anchor, positive, and negative tensors are expected "
                  "to have the same number of dimensions, but got: anchor 2D, positive 2D, and "
                  "negative 1D inputs"));
}

TEST(LossMargin, ReductionCheckAndFloat32) {
  Tensor x = X1(), y = X2(), s = (X2() > 0).to(kDouble) * 2 - 1, t = tensor({1, 0, 3});
  const std::vector<std::pair<std::string, std::function<Tensor(const Tensor&, int64_t)>>> ops = {
      {"margin_ranking_loss",
       [&](const Tensor& v, int64_t r) {
         return margin_ranking_loss(v, y.to(v.dtype()), s.to(v.dtype()), 0.1, r);
       }},
      {"hinge_embedding_loss",
       [&](const Tensor& v, int64_t r) {
         return hinge_embedding_loss(v, s.to(v.dtype()), 1.0, r);
       }},
      {"cosine_embedding_loss",
       [&](const Tensor& v, int64_t r) {
         return cosine_embedding_loss(v, y.to(v.dtype()), tensor({1.0, -1.0, 1.0}), 0, r);
       }},
      {"soft_margin_loss",
       [&](const Tensor& v, int64_t r) { return soft_margin_loss(v, s.to(v.dtype()), r); }},
      {"multi_margin_loss",
       [&](const Tensor& v, int64_t r) { return multi_margin_loss(v, t, 1, 1, {}, r); }},
      {"multilabel_margin_loss",
       [&](const Tensor& v, int64_t r) {
         return multilabel_margin_loss(v, tensor({{1, -1, 0, 0}, {3, 2, -1, 0}, {0, 1, 2, 3}}), r);
       }},
      {"triplet_margin_loss",
       [&](const Tensor& v, int64_t r) {
         return triplet_margin_loss(v, y.to(v.dtype()), X3().to(v.dtype()), 1, 2, 1e-6, false, r);
       }},
  };
  for (const auto& [name, fn] : ops) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(
        has(error_of([&] { fn(x, 7); }), "[" + name + "] 7 is not a valid value for reduction"));
    Tensor f = fn(x.to(kFloat), Reduction::None);
    EXPECT_EQ(f.dtype(), kFloat);
    EXPECT_TRUE(all_close(f.to(kDouble), fn(x, Reduction::None), 1e-5, 1e-6));
  }
}
