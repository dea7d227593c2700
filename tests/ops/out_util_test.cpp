// Tests of src/ops/out_util.cpp and the out= variants built on it.
// out= variants of the activations, predicates, softmax, scatter, count_nonzero, median,
// var_mean/std_mean and argsort (libtorch's at::*_out): each must write exactly what the
// functional op returns, resize an empty `out`, follow PyTorch's dtype rule for `out`
// (castable for TensorIterator ops and generated wrappers, exact for structured kernels) and
// refuse autograd.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "ember/ember.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {

Tensor input() {
  manual_seed(7);
  return randn({3, 5}) * 3;
}

bool same(const Tensor& a, const Tensor& b) {
  return a.sizes() == b.sizes() && a.dtype() == b.dtype() && a.equal(b);
}

struct UnaryCase {
  const char* name;
  std::function<Tensor(const Tensor&)> fn;
  std::function<Tensor&(Tensor&, const Tensor&)> out;
};

}  // namespace

TEST(OutVariants, ActivationsMatchFunctional) {
  const std::vector<UnaryCase> cases = {
      {"gelu", [](const Tensor& x) { return gelu(x); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return gelu_out(o, x); }},
      {"gelu tanh", [](const Tensor& x) { return gelu(x, "tanh"); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return gelu_out(o, x, "tanh"); }},
      {"silu", [](const Tensor& x) { return silu(x); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return silu_out(o, x); }},
      {"mish", [](const Tensor& x) { return mish(x); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return mish_out(o, x); }},
      {"softplus", [](const Tensor& x) { return softplus(x, 2, 3); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return softplus_out(o, x, 2, 3); }},
      {"elu", [](const Tensor& x) { return elu(x, 0.5, 2, 1.5); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return elu_out(o, x, 0.5, 2, 1.5); }},
      {"celu", [](const Tensor& x) { return celu(x, 0.7); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return celu_out(o, x, 0.7); }},
      {"leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return leaky_relu_out(o, x, 0.2); }},
      {"hardtanh", [](const Tensor& x) { return hardtanh(x, -0.5, 2); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return hardtanh_out(o, x, -0.5, 2); }},
      {"hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return hardsigmoid_out(o, x); }},
      {"hardswish", [](const Tensor& x) { return hardswish(x); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return hardswish_out(o, x); }},
      {"logit", [](const Tensor& x) { return logit(x.sigmoid(), 0.01); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return logit_out(o, x.sigmoid(), 0.01); }},
      {"log_sigmoid", [](const Tensor& x) { return log_sigmoid(x); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return log_sigmoid_out(o, x); }},
      {"softshrink", [](const Tensor& x) { return softshrink(x, 1); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return softshrink_out(o, x, 1); }},
      {"hardshrink", [](const Tensor& x) { return hardshrink(x, 1); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return hardshrink_out(o, x, 1); }},
      {"threshold", [](const Tensor& x) { return threshold(x, 0.5, -2); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return threshold_out(o, x, 0.5, -2); }},
      {"glu", [](const Tensor& x) { return glu(x, 0); },
       [](Tensor& o, const Tensor& x) -> Tensor& { return glu_out(o, x.narrow(0, 0, 2), 0); }},
  };
  const Tensor x = input();
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Tensor arg = std::string(c.name) == "glu" ? x.narrow(0, 0, 2) : x;
    Tensor want = c.fn(arg);
    Tensor out = empty({0});
    Tensor& r = c.out(out, x);
    EXPECT_EQ(&r, &out);
    EXPECT_TRUE(same(out, want));
    // A wrong-shaped out is resized. A double out receives the float result cast where PyTorch
    // casts (celu, logit, threshold, glu); structured ops want the input's dtype.
    Tensor d = zeros({7}, kDouble);
    const std::string n = c.name;
    if (n == "celu" || n == "logit" || n == "threshold" || n == "glu") {
      c.out(d, x);
      EXPECT_TRUE(all_close(d, want.to(kDouble)));
    } else {
      EXPECT_NE(error_of([&] { c.out(d, x); }).find("Found dtype Double but expected Float"),
                std::string::npos);
    }
  }
  // float -> int64 is not a cast PyTorch allows into out.
  Tensor l = empty({0}, kLong);
  EXPECT_NE(error_of([&] { celu_out(l, x); }).find("can't be cast to the desired output type Long"),
            std::string::npos);
  EXPECT_NE(error_of([&] { gelu_out(l, x, "erf"); }).find("approximate argument"),
            std::string::npos);
  EXPECT_NE(error_of([&] { softshrink_out(l, x, -1); }).find("lambda must be greater"),
            std::string::npos);
  // Out of place over its own input is fine for elementwise kernels: in-place writes.
  Tensor y = x.clone();
  silu_out(y, y);
  EXPECT_TRUE(same(y, silu(x)));
}

TEST(OutVariants, RefuseAutograd) {
  Tensor x = input().requires_grad_();
  Tensor out = empty({0});
  for (const auto& f : std::vector<std::function<void()>>{
           [&] { gelu_out(out, x); }, [&] { softmax_out(out, x, 1); },
           [&] {
             scatter_out(out, x, 0, zeros({1, 1}, kLong), 1.0);
           },
           [&] { median_out(out, x); }}) {
    EXPECT_NE(error_of(f).find("functions with out=... arguments don't support automatic "
                               "differentiation"),
              std::string::npos);
  }
  // Without grad mode nothing is recorded and the call works.
  NoGradGuard ng;
  gelu_out(out, x);
  EXPECT_TRUE(same(out, gelu(x)));
}

TEST(OutVariants, Predicates) {
  Tensor x = tensor({1.0f, std::numeric_limits<float>::infinity(), std::nanf(""), -0.0f});
  Tensor o = empty({0}, kBool);
  isnan_out(o, x);
  EXPECT_TRUE(same(o, isnan(x)));
  isinf_out(o, x);
  EXPECT_TRUE(same(o, isinf(x)));
  Tensor f = empty({0});
  EXPECT_NE(error_of([&] { isnan_out(f, x); }).find("result type Bool can't be cast"),
            std::string::npos);
}

TEST(OutVariants, SoftmaxScatterMedianExactDtype) {
  const Tensor x = input();
  Tensor o = empty({0});
  softmax_out(o, x, 1);
  EXPECT_TRUE(same(o, softmax(x, 1)));
  log_softmax_out(o, x, 0);
  EXPECT_TRUE(same(o, log_softmax(x, 0)));
  Tensor od = empty({0}, kDouble);
  softmax_out(od, x, 1, kDouble);
  EXPECT_TRUE(same(od, softmax(x, 1, kDouble)));
  EXPECT_NE(error_of([&] {
              softmax_out(od, x, 1);
            }).find("Expected out tensor to have dtype Float, but got Double instead"),
            std::string::npos);

  Tensor index = tensor({{0, 2}, {1, 0}}).to(kLong);
  Tensor src = full({2, 2}, 9.0f);
  scatter_out(o, x, 0, index, src);
  EXPECT_TRUE(same(o, scatter(x, 0, index, src)));
  EXPECT_TRUE(x.ne(9.0f).all().item<bool>());  // self untouched
  scatter_out(o, x, 1, index, 4.5);
  EXPECT_TRUE(same(o, scatter(x, 1, index, 4.5)));
  scatter_out(o, x, 0, index, src, "multiply");
  EXPECT_TRUE(same(o, scatter(x, 0, index, src, "multiply")));
  scatter_out(o, x, 0, index, 2.0, "add");
  EXPECT_TRUE(same(o, scatter(x, 0, index, 2.0, "add")));
  scatter_add_out(o, x, 1, index, src);
  EXPECT_TRUE(same(o, scatter_add(x, 1, index, src)));
  EXPECT_NE(error_of([&] { scatter_add_out(od, x, 1, index, src); }).find("Expected out tensor"),
            std::string::npos);

  median_out(o, x);
  EXPECT_TRUE(same(o, median(x)));
  median_out(od, x);  // the global median casts into out, as PyTorch's median.out does
  EXPECT_TRUE(all_close(od, median(x).to(kDouble)));
  Tensor v = empty({0}), i = empty({0}, kLong);
  auto [vr, ir] = median_out(v, i, x, 1, true);
  auto [vw, iw] = median(x, 1, true);
  EXPECT_EQ(&vr, &v);
  EXPECT_EQ(&ir, &i);
  EXPECT_TRUE(same(v, vw));
  EXPECT_TRUE(same(i, iw));
  Tensor bad = empty({0}, kInt);
  EXPECT_NE(error_of([&] { median_out(v, bad, x, 1); }).find("Expected out tensor"),
            std::string::npos);
}

TEST(OutVariants, GeneratedWrappersCast) {
  const Tensor x = input().relu();
  Tensor o = empty({0}, kLong);
  count_nonzero_out(o, x, IntArrayRef{1});
  EXPECT_TRUE(same(o, count_nonzero(x, IntArrayRef{1})));
  count_nonzero_out(o, x);
  EXPECT_TRUE(same(o, count_nonzero(x)));
  Tensor f = empty({0});
  count_nonzero_out(f, x,
                    std::optional<int64_t>(0));  // int64 casts into float, as PyTorch's copy does
  EXPECT_TRUE(all_close(f, count_nonzero(x, std::optional<int64_t>(0)).to(kFloat)));
  Tensor b = empty({0}, kBool);
  EXPECT_NE(error_of([&] { count_nonzero_out(b, x); }).find("can't be cast"), std::string::npos);

  Tensor v = empty({0}, kDouble), m = empty({0});
  std::vector<int64_t> dims = {1};
  var_mean_out(v, m, x, dims, 0, true);
  auto [vw, mw] = var_mean(x, dims, Scalar(0), true);
  EXPECT_TRUE(all_close(v, vw.to(kDouble)));
  EXPECT_TRUE(same(m, mw));
  std_mean_out(v, m, x, std::nullopt, std::nullopt);
  auto [sw, mw2] = std_mean(x, std::nullopt, std::nullopt);
  EXPECT_TRUE(all_close(v, sw.to(kDouble)));
  EXPECT_TRUE(same(m, mw2));

  Tensor a = empty({0}, kLong);
  Tensor ties = tensor({2.0f, 1.0f, 2.0f, 1.0f});
  argsort_out(a, ties, /*stable=*/true, 0, false);
  EXPECT_TRUE(same(a, tensor({1, 3, 0, 2}).to(kLong)));  // equal keys keep their order
  EXPECT_TRUE(same(argsort(ties, true, 0, true), tensor({0, 2, 1, 3}).to(kLong)));
}
