// conv2d and pooling against PyTorch 1.13 (F.conv2d / F.max_pool2d / F.avg_pool2d in float64).
// Inputs are sin(arange(n) * a) * scale; each tensor is compared through three statistics
// [sum(t), sum(t * cos(0.3 i)), sum(t^2)], and outputs/gradients of sum(y * cos(0.07 i)).
#include "ember/ops/conv.h"

#include <gtest/gtest.h>

#include <cmath>

#include "support/gradcheck.h"

using namespace ember;

namespace {
Tensor mk(IntArrayRef shape, double a, double scale = 1.0) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return (arange(n, kDouble).mul(a).sin() * scale).reshape(shape);
}
Tensor weights(int64_t n, double a) { return arange(n, kDouble).mul(a).cos(); }
std::vector<double> stats(const Tensor& t_) {
  Tensor t = t_.reshape({-1});
  Tensor w = weights(t.numel(), 0.3);
  return {t.sum().item<double>(), (t * w).sum().item<double>(), (t * t).sum().item<double>()};
}
void expect_stats(const Tensor& t, std::vector<double> ref, const char* what) {
  auto s = stats(t);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(s[i], ref[i], 1e-9 * (1 + std::fabs(ref[i]))) << what;
}
struct Grads {
  Tensor y, gx, gw, gb;
};
Grads run_conv(IntArrayRef xs, IntArrayRef ws, bool has_b, IntArrayRef stride, IntArrayRef pad,
               IntArrayRef dil, int64_t groups) {
  Tensor x = mk(xs, 0.37).requires_grad_(true);
  Tensor w = mk(ws, 0.11, 0.5).requires_grad_(true);
  Tensor b = has_b ? arange(ws[0], kDouble).mul(0.1).requires_grad_(true) : Tensor();
  Tensor y = conv2d(x, w, b, stride, pad, dil, groups);
  (y * weights(y.numel(), 0.07).reshape(y.sizes())).sum().backward();
  return {y, x.grad(), w.grad(), has_b ? b.grad() : Tensor()};
}
}  // namespace

TEST(Conv2d, MatchesPyTorch) {
  auto g = run_conv({2, 3, 7, 6}, {4, 3, 3, 3}, true, 1, 0, 1, 1);
  EXPECT_EQ(g.y.sizes(), IntArrayRef({2, 4, 5, 4}));
  expect_stats(g.y, {23.988344327604906, 0.028847692154494342, 8.967444887359646}, "y");
  expect_stats(g.gx, {109.20178297418781, -3.8941882436531685, 118.82886754189592}, "gx");
  expect_stats(g.gw, {-0.02422854986502332, 0.3457905061733477, 9.473655296486964}, "gw");
  expect_stats(g.gb, {-13.58404336888909, -4.823849785365978, 2355.4860904784555}, "gb");

  g = run_conv({2, 3, 7, 6}, {4, 3, 3, 2}, true, {2, 1}, {1, 1}, 1, 1);
  EXPECT_EQ(g.y.sizes(), IntArrayRef({2, 4, 4, 7}));
  expect_stats(g.y, {34.781074537814945, -0.23036391651428773, 14.352715566836045}, "y");
  expect_stats(g.gx, {-170.5145837211261, 13.224158136576072, 1036.8243214857102}, "gx");
  expect_stats(g.gw, {7.757281311971809, 5.481862969878995, 470.028732202377}, "gw");
  expect_stats(g.gb, {1.3990646127348842, -5.214491583530362, 1670.2918764276583}, "gb");

  g = run_conv({1, 4, 8, 8}, {6, 2, 3, 3}, false, 1, 2, 2, 2);
  EXPECT_EQ(g.y.sizes(), IntArrayRef({1, 6, 8, 8}));
  expect_stats(g.y, {-0.6583324510294413, -11.9786257173116, 1112.2773033706492}, "y");
  expect_stats(g.gx, {-268.8729476947476, -16.316880288456673, 2344.5143900098474}, "gx");
  expect_stats(g.gw, {-5.207119646467989, -8.786657051440443, 415.4638685083519}, "gw");
}

TEST(Conv2d, Gradcheck) {
  Tensor x = mk({2, 2, 5, 4}, 0.37), w = mk({3, 2, 2, 3}, 0.11, 0.5), b = arange(3, kDouble);
  EXPECT_TRUE(ember::testing::gradcheck(
      [](const variable_list& v) {
        return conv2d(v[0], v[1], v[2], {2, 1}, {1, 0}, 1, 1);
      },
      {x, w, b}));
}

TEST(Conv2d, FloatHalfUnbatchedAndConv1d) {
  Tensor x = mk({3, 6, 6}, 0.37).to(kFloat), w = mk({2, 3, 3, 3}, 0.11).to(kFloat);
  Tensor y = conv2d(x, w);
  EXPECT_EQ(y.sizes(), IntArrayRef({2, 4, 4}));
  Tensor yd = conv2d(x.to(kDouble), w.to(kDouble));
  EXPECT_TRUE(ember::testing::all_close(y, yd, 1e-5, 1e-5));
  Tensor yh = conv2d(x.to(kHalf), w.to(kHalf));
  EXPECT_EQ(yh.dtype(), kHalf);
  EXPECT_TRUE(ember::testing::all_close(yh, yd, 1e-2, 1e-2));
  Tensor x1 = mk({2, 3, 10}, 0.2), w1 = mk({4, 3, 3}, 0.3);
  Tensor y1 = conv1d(x1, w1, {}, 2, 1);
  EXPECT_EQ(y1.sizes(), IntArrayRef({2, 4, 5}));
  Tensor same = conv2d(mk({1, 2, 5, 5}, 0.1), mk({3, 2, 3, 3}, 0.2), {}, 1, "same");
  EXPECT_EQ(same.sizes(), IntArrayRef({1, 3, 5, 5}));
}

TEST(Conv2d, Errors) {
  Tensor x = ones({1, 3, 5, 5}), w = ones({2, 3, 3, 3});
  EXPECT_THROW(conv2d(ones({1, 2, 5, 5}), w), Error);     // channel mismatch
  EXPECT_THROW(conv2d(ones({1, 3, 2, 2}), w), Error);     // kernel larger than input
  EXPECT_THROW(conv2d(x, w, ones({3})), Error);           // bias size
  EXPECT_THROW(conv2d(x, w, {}, 0), Error);               // stride
  EXPECT_THROW(conv2d(x, w, {}, 1, -1), Error);           // padding
  EXPECT_THROW(conv2d(x, w.to(kDouble)), Error);          // dtype mismatch
  EXPECT_THROW(conv2d(x.to(kLong), w.to(kLong)), Error);  // integer conv
  EXPECT_THROW(conv2d(x, ones({3, 3, 3, 3}), {}, 1, IntArrayRef({0}), 1, 2), Error);  // groups
  EXPECT_THROW(conv2d(x, w, {}, 2, "same"), Error);
}

TEST(Pool2d, MatchesPyTorch) {
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> f;
    std::vector<int64_t> shape;
    std::vector<double> y, gx;
  };
  std::vector<Case> cases = {
      {"max",
       [](const Tensor& x) { return max_pool2d(x, 3, 2, 1); },
       {2, 3, 4, 3},
       {55.665926393210356, 2.753866329542822, 50.933629861532154},
       {-13.181278563057454, 5.54140057069861, 57.39352069185419}},
      {"max_ceil",
       [](const Tensor& x) { return max_pool2d(x, 2, 2, 0, 1, true); },
       {2, 3, 4, 3},
       {38.18521961706938, 2.197712318798968, 38.26900234443576},
       {-13.181278563057457, 1.9673304698092697, 34.27558622313089}},
      {"max_dil",
       [](const Tensor& x) { return max_pool2d(x, 2, 1, 0, 2); },
       {2, 3, 5, 3},
       {74.50949550618644, 3.3776753183494823, 66.01200303055542},
       {0.24017117105910768, 9.603104862790667, 80.00434109675157}},
      {"avg",
       [](const Tensor& x) { return avg_pool2d(x, 3, 2, 1); },
       {2, 3, 4, 3},
       {-1.2429281104828456, 0.31128371084562445, 1.7866482245224145},
       {-8.583807602479904, 0.043110922367232074, 6.136002850499986}},
      {"avg_nopad",
       [](const Tensor& x) { return avg_pool2d(x, 3, 2, 1, true, false); },
       {2, 3, 4, 3},
       {-1.9397919340327987, 0.6406445422538971, 6.095471836257109},
       {-13.181278563057456, 0.1504756337942835, 14.465831042980483}},
      {"avg_div",
       [](const Tensor& x) { return avg_pool2d(x, 2, {}, 0, false, true, 3); },
       {2, 3, 3, 2},
       {0.7043435450183362, 0.7832234169655278, 9.55371334969598},
       {12.296117454971048, 1.6560089828734332, 6.5749340480534295}},
  };
  for (const auto& c : cases) {
    Tensor x = mk({2, 3, 7, 5}, 0.37).requires_grad_(true);
    Tensor y = c.f(x);
    EXPECT_EQ(y.sizes(), IntArrayRef(c.shape)) << c.name;
    (y * weights(y.numel(), 0.07).reshape(y.sizes())).sum().backward();
    expect_stats(y, c.y, c.name);
    expect_stats(x.grad(), c.gx, c.name);
  }
}

TEST(Pool2d, IndicesGradcheckAndErrors) {
  Tensor x = tensor({{{{1.0f, 5.0f}, {3.0f, 2.0f}}}});
  auto [y, idx] = max_pool2d_with_indices(x, 2);
  EXPECT_EQ(y.item<float>(), 5.0f);
  EXPECT_EQ(idx.item<int64_t>(), 1);
  EXPECT_TRUE(ember::testing::gradcheck(
      [](const variable_list& v) { return avg_pool2d(v[0], 2, 1, 1, false, false); },
      {mk({1, 2, 4, 3}, 0.5)}));
  EXPECT_THROW(max_pool2d(ones({1, 1, 4, 4}), 2, 2, 2), Error);  // pad > kernel/2
  EXPECT_THROW(max_pool2d(ones({4, 4}), 2), Error);
  EXPECT_THROW(max_pool2d(ones({1, 1, 1, 1}), 3), Error);  // output too small
  EXPECT_THROW(avg_pool2d(ones({1, 1, 4, 4}), 2, {}, 0, false, true, 0), Error);
}

// create_graph through the kernels: conv2d differentiates an im2col + matmul composite, the
// poolings' gradients are linear in the incoming gradient with a node of their own.
TEST(Conv2d, DoubleBackward) {
  using ember::testing::gradgradcheck;
  Tensor x = mk({2, 4, 5, 4}, 0.37), w = mk({4, 2, 2, 3}, 0.21), b = mk({4}, 0.5);
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& v) { return conv2d(v[0], v[1], v[2], 2, 1, 1, 2); }, {x, w, b}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& v) {
        return conv2d(v[0], v[1], Tensor(), 1, std::vector<int64_t>{0, 1}, 2);
      },
      {x, mk({3, 4, 2, 2}, 0.21)}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& v) { return max_pool2d(v[0], 3, 2, 1, 1, true); }, {x}));
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& v) { return avg_pool2d(v[0], 3, 2, 1, true, false); }, {x}));
  Tensor xg = x.clone().requires_grad_(true);
  Tensor gx = autograd::grad({max_pool2d(xg, 2).pow(2).sum()}, {xg}, {}, true, true)[0];
  EXPECT_EQ(gx.grad_fn()->name(), "MaxPool2DWithIndicesBackwardBackward0");
  gx = autograd::grad({avg_pool2d(xg, 2).sum()}, {xg}, {}, true, true)[0];
  EXPECT_FALSE(gx.requires_grad());  // linear: the gradient does not depend on x
}

// Images whose column matrix is larger than the forward's 2 MB budget are convolved in bands of
// output rows (Note [Convolution in image chunks]); the result is the im2col + matmul definition.
TEST(Conv2d, LargeImagesInRowBands) {
  manual_seed(3);
  struct Case {
    int64_t n, c, h, w, co, k, stride, pad, groups;
    bool bias;
  };
  // 8*9*128*128*8 bytes of double columns per image (9.4 MB): several bands, the last one short.
  for (Case t :
       {Case{2, 8, 128, 128, 6, 3, 1, 1, 1, true}, Case{2, 8, 127, 96, 6, 3, 1, 1, 1, false},
        Case{1, 4, 250, 250, 8, 5, 2, 2, 2, true}}) {
    Tensor x = randn({t.n, t.c, t.h, t.w}, kDouble);
    Tensor wt = randn({t.co, t.c / t.groups, t.k, t.k}, kDouble);
    Tensor b = t.bias ? randn({t.co}, kDouble) : Tensor();
    Tensor y = conv2d(x, wt, b, {t.stride, t.stride}, {t.pad, t.pad}, {1, 1}, t.groups);
    int64_t ho = (t.h + 2 * t.pad - t.k) / t.stride + 1,
            wo = (t.w + 2 * t.pad - t.k) / t.stride + 1;
    std::vector<Tensor> parts;
    int64_t cg = t.c / t.groups, cog = t.co / t.groups;
    for (int64_t gi = 0; gi < t.groups; ++gi) {
      Tensor cols = im2col(x.narrow(1, gi * cg, cg), {t.k, t.k}, {1, 1}, {t.pad, t.pad},
                           {t.stride, t.stride});                  // [n, cg*k*k, L]
      Tensor wg = wt.narrow(0, gi * cog, cog).reshape({cog, -1});  // [cog, cg*k*k]
      parts.push_back(matmul(wg, cols));                           // [n, cog, L]
    }
    Tensor ref = cat(parts, 1).reshape({t.n, t.co, ho, wo});
    if (t.bias) ref = ref + b.view({1, t.co, 1, 1});
    EXPECT_TRUE(ember::testing::all_close(y, ref, 1e-10, 1e-10)) << t.h << "x" << t.w;
  }
}
