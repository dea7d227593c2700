// src/autograd/function_node.cpp: FunctionNode (the node built-in ops record: saved tensors and
// a derivative formula), make_node, sum_to (broadcast gradients) and apply_inplace.
#include "ember/autograd/function_node.h"

#include <gtest/gtest.h>

#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {

bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}

// x^3 as a built-in op would write it: computed without autograd, then a node saving x.
Tensor cube(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard ng;
    out = x * x * x;
  }
  if (auto n = autograd::make_node("CubeBackward0", {x},
                                   [](autograd::FunctionNode& n, const variable_list& g) {
                                     Tensor s = n.saved(0);
                                     return variable_list{g[0] * 3 * s * s};
                                   })) {
    autograd::set_history(out, n);
    n->save(x);
  }
  return out;
}

// exp(x) saving its output, as ExpBackward0 does.
Tensor my_exp(const Tensor& x) {
  Tensor out;
  {
    NoGradGuard ng;
    out = x.exp();
  }
  if (auto n = autograd::make_node("MyExpBackward0", {x},
                                   [](autograd::FunctionNode& n, const variable_list& g) {
                                     return variable_list{g[0] * n.saved(0)};
                                   })) {
    autograd::set_history(out, n);
    n->save(out, /*is_output=*/true);
  }
  return out;
}

}  // namespace

// Moved from engine_test.cpp.
TEST(Autograd, LeafInplaceRefused) {
  Tensor x = ones({2}, requires_grad());
  EXPECT_THROW(x.add_(1), Error);
  NoGradGuard ng;
  x.add_(1);
  EXPECT_EQ(x.sum().item<float>(), 4.0f);
}

TEST(FunctionNode, MakeNodeOnlyWhenAnInputNeedsGrad) {
  auto fn = [](autograd::FunctionNode&, const variable_list& g) { return g; };
  Tensor a = ones({2}), b = ones({2}, requires_grad());
  EXPECT_EQ(autograd::make_node("N", {a, Tensor()}, fn), nullptr);
  {
    NoGradGuard ng;
    EXPECT_EQ(autograd::make_node("N", {a, b}, fn), nullptr);
    EXPECT_FALSE(autograd::any_requires_grad({b}));
    EXPECT_FALSE(autograd::compute_requires_grad({&b}));
  }
  EXPECT_TRUE(autograd::compute_requires_grad({&a, nullptr, &b}));
  EXPECT_FALSE(autograd::compute_requires_grad({&a, nullptr}));
  auto n = autograd::make_node("SomeBackward0", {a, Tensor(), b}, fn);
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->name(), "SomeBackward0");
  ASSERT_EQ(n->num_outputs(), 3u);
  EXPECT_FALSE(n->needs_input_grad(0));
  EXPECT_FALSE(n->needs_input_grad(1));
  EXPECT_TRUE(n->needs_input_grad(2));
  EXPECT_FALSE(n->needs_input_grad(3));  // past the inputs
  EXPECT_TRUE(n->anomaly_info.empty());
  autograd::DetectAnomalyGuard anomaly;
  EXPECT_EQ(autograd::make_node("SomeBackward0", {b}, fn)->anomaly_info, "SomeBackward0");
}

TEST(FunctionNode, HandWrittenNodesGradcheck) {
  Tensor x = tensor({0.5, -1.25, 2.0}, kDouble);
  Tensor y = cube(x.requires_grad_(true));
  EXPECT_EQ(y.grad_fn()->name(), "CubeBackward0");
  y.sum().backward();
  EXPECT_TRUE(all_close(x.grad(), 3 * x.detach() * x.detach(), 1e-15, 0));
  EXPECT_TRUE(gradcheck([](const variable_list& v) { return cube(v[0]); }, {x}));
  // The formula is written with ember ops, so it has a derivative itself; a saved output is
  // rewired to its node so that double backward sees it.
  EXPECT_TRUE(gradgradcheck([](const variable_list& v) { return cube(v[0]); }, {x}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& v) { return my_exp(v[0] * 2); }, {x}));
  EXPECT_TRUE(gradgradcheck([](const variable_list& v) { return cube(my_exp(v[0])); }, {x}));
}

TEST(FunctionNode, MissingGradientsReachTheFormulaAsZeros) {
  // A node with two outputs of different shapes and dtypes; only the first is used.
  Tensor x = tensor({1.0, 2.0, 3.0}, kDouble).requires_grad_(true);
  std::vector<int64_t> seen_shape;
  ScalarType seen_dtype = kByte;
  double seen_sum = -1;
  int calls = 0;
  auto n = autograd::make_node(
      "TwoOutBackward0", {x}, [&](autograd::FunctionNode&, const variable_list& g) {
        ++calls;
        EXPECT_EQ(g.size(), 2u);
        seen_shape = std::vector<int64_t>(g[1].sizes().begin(), g[1].sizes().end());
        seen_dtype = g[1].scalar_type();
        seen_sum = g[1].abs().sum().item<double>();
        return variable_list{g[0] * 2};
      });
  ASSERT_NE(n, nullptr);
  Tensor out0 = zeros({3}, kDouble), out1 = zeros({2, 2}, kFloat);
  autograd::set_history(out0, n);
  autograd::set_history(out1, n);
  EXPECT_EQ(out1.output_nr(), 1u);
  out0.sum().backward();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(seen_shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(seen_dtype, kFloat);
  EXPECT_EQ(seen_sum, 0.0);
  EXPECT_TRUE(all_close(x.grad(), full({3}, 2.0, kDouble), 0, 0));
  // With no gradient at all the formula is skipped: one undefined gradient per input.
  variable_list r = n->apply(variable_list{Tensor(), Tensor()});
  EXPECT_EQ(calls, 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].defined());
}

TEST(FunctionNode, GradientsOnlyForInputsThatNeedThem) {
  Tensor a = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  Tensor b = tensor({3.0, 4.0}, kDouble);  // no grad
  Tensor c = tensor({5.0, 6.0}, kDouble).requires_grad_(true);
  // The formula computes every gradient and returns fewer than there are inputs; what is not
  // needed (b) and what is missing (c) come out undefined.
  auto n = autograd::make_node("PartialBackward0", {a, b, c},
                               [](autograd::FunctionNode&, const variable_list& g) {
                                 return variable_list{g[0] * 10, g[0] * 20};
                               });
  ASSERT_NE(n, nullptr);
  Tensor out = zeros({2}, kDouble);
  autograd::set_history(out, n);
  variable_list r = n->apply(variable_list{ones({2}, kDouble)});
  ASSERT_EQ(r.size(), 3u);
  EXPECT_TRUE(all_close(r[0], full({2}, 10.0, kDouble), 0, 0));
  EXPECT_FALSE(r[1].defined());
  EXPECT_FALSE(r[2].defined());
  out.sum().backward();
  EXPECT_TRUE(all_close(a.grad(), full({2}, 10.0, kDouble), 0, 0));
  EXPECT_FALSE(b.grad().defined());
  EXPECT_FALSE(c.grad().defined());
}

TEST(FunctionNode, SavedTensorsAndRelease) {
  Tensor x = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  auto n = autograd::make_node("SaverBackward0", {x},
                               [](autograd::FunctionNode&, const variable_list& g) { return g; });
  ASSERT_NE(n, nullptr);
  EXPECT_EQ(n->save(x), 0u);
  EXPECT_EQ(n->save(Tensor()), 1u);
  EXPECT_TRUE(n->saved(0).is_same(x));
  EXPECT_FALSE(n->saved(1).defined());
  std::string e = error_of([&] { n->saved(2); });
  EXPECT_TRUE(has(e, "[SaverBackward0] no saved tensor 2")) << e;
  n->release_variables();
  e = error_of([&] { n->saved(0); });
  EXPECT_TRUE(has(e, "Trying to backward through the graph a second time")) << e;
  EXPECT_FALSE(n->saved(1).defined());  // an undefined tensor stays undefined
}

TEST(FunctionNode, SumToReducesBroadcastDims) {
  Tensor g = arange(24, kDouble).reshape({2, 3, 4});
  // Naive reference: out[j][0] = sum over i, k of g[i][j][k].
  Tensor r = autograd::sum_to(g, {3, 1});
  ASSERT_EQ(r.sizes(), IntArrayRef({3, 1}));
  for (int64_t j = 0; j < 3; ++j) {
    double s = 0;
    for (int64_t i = 0; i < 2; ++i)
      for (int64_t k = 0; k < 4; ++k) s += static_cast<double>(i * 12 + j * 4 + k);
    EXPECT_EQ(r[j][0].item<double>(), s);
  }
  EXPECT_EQ(autograd::sum_to(g, {}).item<double>(), 276.0);  // 0-dim: everything
  EXPECT_TRUE(all_close(autograd::sum_to(g, {1, 4}), g.sum({0, 1}).view({1, 4}), 0, 0));
  EXPECT_TRUE(all_close(autograd::sum_to(g, {2, 1, 4}), g.sum(1, true), 0, 0));
  EXPECT_TRUE(autograd::sum_to(g, {2, 3, 4}).is_same(g));  // nothing to do
  // Zero-size: the broadcast dim sums to zeros.
  Tensor z = autograd::sum_to(empty({0, 3}, kDouble), {3});
  EXPECT_TRUE(all_close(z, zeros({3}, kDouble), 0, 0));
  std::string e = error_of([&] { autograd::sum_to(g, {1, 2, 3, 4}); });
  EXPECT_TRUE(has(e, "[sum_to]")) << e;
}

TEST(FunctionNode, BroadcastGradientsGradcheck) {
  Tensor a = tensor({0.5, -1.0, 2.0, 0.25, 1.5, -0.75}, kDouble).view({2, 1, 3});
  Tensor b = tensor({1.5, -0.5, 0.75, 2.0}, kDouble).view({4, 1});
  Tensor s = tensor(1.25, kDouble);  // 0-dim
  auto f = [](const variable_list& v) { return v[0] * v[1] + v[2] / (v[1] * v[1] + 1); };
  EXPECT_TRUE(gradcheck(f, {a, b, s}));
  EXPECT_TRUE(gradgradcheck(f, {a, b, s}));
  // Transposed (non-contiguous) operands.
  Tensor m = tensor({1.0, 2.0, -1.0, 0.5, 3.0, -2.0}, kDouble).view({3, 2});
  EXPECT_TRUE(gradcheck([](const variable_list& v) { return v[0].t() * v[1]; },
                        {m, tensor({0.5, -2.0, 1.5}, kDouble)}));
}

TEST(FunctionNode, ApplyInplaceWithoutGradRunsDirectly) {
  Tensor x = tensor({1.0, 2.0}, kDouble);
  int64_t v0 = x._version();
  int direct = 0, computed = 0;
  autograd::apply_inplace(
      x, /*inputs_require_grad=*/false, "my_op_",
      [&](const Tensor& c) {
        ++computed;
        return c * 2;
      },
      [&] {
        ++direct;
        x.data().mul_(3);
      });
  EXPECT_EQ(direct, 1);
  EXPECT_EQ(computed, 0);
  EXPECT_TRUE(all_close(x, tensor({3.0, 6.0}, kDouble), 0, 0));
  EXPECT_GT(x._version(), v0);
  EXPECT_FALSE(x.requires_grad());
}

TEST(FunctionNode, ApplyInplaceWithGradTakesTheHistory) {
  Tensor w = tensor({2.0, -3.0}, kDouble).requires_grad_(true);
  Tensor x = tensor({1.0, 4.0}, kDouble);
  int direct = 0;
  int64_t v0 = x._version();
  autograd::apply_inplace(
      x, w.requires_grad(), "my_mul_", [&](const Tensor& old) { return old * w; },
      [&] { ++direct; });
  EXPECT_EQ(direct, 0);
  EXPECT_EQ(x._version(), v0 + 1);  // bumped once
  EXPECT_TRUE(all_close(x, tensor({2.0, -12.0}, kDouble), 0, 0));
  ASSERT_NE(x.grad_fn(), nullptr);
  EXPECT_EQ(x.grad_fn()->name(), "MulBackward0");
  EXPECT_FALSE(x.is_leaf());
  x.sum().backward();
  EXPECT_TRUE(all_close(w.grad(), tensor({1.0, 4.0}, kDouble), 0, 0));  // the old values
  // Built-in in-place ops under grad: gradients through the old value and the other operand.
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) {
        Tensor y = v[0] * 1;
        y.mul_(v[1]).add_(v[1].exp());
        return y;
      },
      {tensor({0.5, -1.0, 2.0}, kDouble), tensor({1.5, 0.25, -0.5}, kDouble)}));
}

TEST(FunctionNode, ApplyInplaceChecksShapeDtypeAndLeaves) {
  Tensor w = tensor({2.0, -3.0}, kDouble).requires_grad_(true);
  Tensor small = tensor({1.0}, kDouble);
  std::string e = error_of([&] {
    autograd::apply_inplace(
        small, true, "my_add_", [&](const Tensor& old) { return old + w; }, [] {});
  });
  EXPECT_TRUE(has(e, "[my_add_] output with shape [1] doesn't match the broadcast shape [2]")) << e;
  Tensor ints = tensor({1L, 2L});
  e = error_of([&] {
    autograd::apply_inplace(
        ints, true, "my_add_", [&](const Tensor& old) { return old + w; }, [] {});
  });
  EXPECT_TRUE(has(e, "[my_add_] result type Double can't be cast to the desired output type Long"))
      << e;
  EXPECT_TRUE(all_close(ints, tensor({1L, 2L}), 0, 0));  // left alone
  e = error_of([&] {
    autograd::apply_inplace(
        w, false, "my_neg_", [](const Tensor& old) { return -old; }, [] {});
  });
  EXPECT_TRUE(has(e, "[my_neg_] a leaf Variable that requires grad")) << e;
}
