// src/autograd/node.cpp: Node (input metadata, sequence numbers, pre-hooks and retain-grad
// hooks), SavedVariable (version checks, freeing, saved outputs), gradient edges, set_history and
// the grad / anomaly mode switches.
#include "ember/autograd/node.h"

#include <gtest/gtest.h>

#include <thread>

#include "ember/autograd/function_node.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradgradcheck;

namespace {
bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}
}  // namespace

// Moved from engine_test.cpp.
TEST(Autograd, BackwardTwiceFails) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  Tensor y = (x.exp()).sum();
  y.backward();
  EXPECT_THROW(y.backward(), Error);
}

// Moved from engine_test.cpp.
TEST(Autograd, InplaceModificationDetected) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  Tensor e = x.exp();
  Tensor y = e.sum();
  e.add_(1);
  try {
    y.backward();
    // ExpBackward saved its result, which add_ changed.
    FAIL() << "expected an error";
  } catch (const Error& err) {
    EXPECT_NE(std::string(err.what()).find("modified by an inplace operation"), std::string::npos);
  }
}

TEST(Node, MetadataEdgesAndSequenceNumbers) {
  Tensor x = tensor({1.0, 2.0, 3.0}, kDouble).requires_grad_(true);
  Tensor a = x.to(kFloat).view({3, 1});
  Tensor b = a * 2;
  const auto& fn = b.grad_fn();
  ASSERT_NE(fn, nullptr);
  ASSERT_EQ(fn->num_inputs(), 1u);
  EXPECT_EQ(fn->input_metadata(0).shape, DimVector({3, 1}));
  EXPECT_EQ(fn->input_metadata(0).dtype, kFloat);
  EXPECT_EQ(fn->input_metadata(0).device, Device(kCPU));
  // The edge leads to a's node; x's own edge is its gradient accumulator.
  EXPECT_EQ(fn->name(), "MulBackward1");  // one edge per operand; the scalar's is invalid
  ASSERT_EQ(fn->num_outputs(), 2u);
  EXPECT_FALSE(fn->next_edge(1).is_valid());
  EXPECT_EQ(fn->next_edge(0).function, a.grad_fn());
  EXPECT_EQ(fn->next_edge(0).input_nr, a.output_nr());
  autograd::Edge ex = autograd::gradient_edge(x);
  ASSERT_TRUE(ex.is_valid());
  EXPECT_EQ(ex.function->name(), "torch::autograd::AccumulateGrad");
  EXPECT_EQ(ex.input_nr, 0u);
  // While the graph holds it, the accumulator is one object.
  EXPECT_EQ(autograd::grad_accumulator(x), ex.function);
  EXPECT_FALSE(autograd::gradient_edge(ones({2})).is_valid());
  // Later nodes get larger sequence numbers (the engine runs ties by them).
  EXPECT_LT(a.grad_fn()->sequence_nr(), b.grad_fn()->sequence_nr());
  EXPECT_LT(b.grad_fn()->sequence_nr(), (b + 1).grad_fn()->sequence_nr());
}

TEST(Node, SetHistoryNumbersOutputs) {
  Tensor x = ones({2}, kDouble).requires_grad_(true);
  auto n = autograd::make_node("PairBackward0", {x},
                               [](autograd::FunctionNode&, const variable_list& g) {
                                 return variable_list{g[0] + 2 * g[1]};
                               });
  Tensor o0 = zeros({2}, kDouble), o1 = zeros({2}, kDouble);
  o1.requires_grad_(true);  // a leaf flag is replaced by the history
  autograd::set_history(o0, n);
  autograd::set_history(o1, n);
  EXPECT_EQ(o0.output_nr(), 0u);
  EXPECT_EQ(o1.output_nr(), 1u);
  EXPECT_EQ(n->num_inputs(), 2u);
  EXPECT_FALSE(o1.is_leaf());
  EXPECT_TRUE(o1.requires_grad());
  EXPECT_EQ(autograd::gradient_edge(o1).input_nr, 1u);
  (o0.sum() + o1.sum()).backward();
  EXPECT_TRUE(all_close(x.grad(), full({2}, 3.0, kDouble), 0, 0));
}

// The first output's metadata is kept in the node, the others after it: each output's shape,
// dtype and device come back, and outputs without a gradient reach the formula as zeros of
// their own shape and dtype.
TEST(Node, MetadataOfEveryOutput) {
  Tensor x = ones({2}, kDouble).requires_grad_(true);
  std::vector<std::vector<int64_t>> seen;
  std::vector<ScalarType> dtypes;
  auto n = autograd::make_node("TripleBackward0", {x},
                               [&](autograd::FunctionNode&, const variable_list& g) {
                                 for (const Tensor& t : g) {
                                   seen.push_back(t.sizes().vec());
                                   dtypes.push_back(t.scalar_type());
                                 }
                                 return variable_list{g[2].sum() * ones({2}, kDouble)};
                               });
  Tensor o0 = zeros({3}, kFloat), o1 = zeros({2, 2}, kDouble), o2 = zeros({4}, kDouble);
  autograd::set_history(o0, n);
  autograd::set_history(o1, n);
  autograd::set_history(o2, n);
  ASSERT_EQ(n->num_inputs(), 3u);
  EXPECT_EQ(n->input_metadata(0).shape, DimVector({3}));
  EXPECT_EQ(n->input_metadata(0).dtype, kFloat);
  EXPECT_EQ(n->input_metadata(1).shape, DimVector({2, 2}));
  EXPECT_EQ(n->input_metadata(1).dtype, kDouble);
  EXPECT_EQ(n->input_metadata(2).shape, DimVector({4}));
  EXPECT_EQ(n->input_metadata(2).device, Device(kCPU));
  o2.sum().backward();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], (std::vector<int64_t>{3}));
  EXPECT_EQ(dtypes[0], kFloat);
  EXPECT_EQ(seen[1], (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(seen[2], (std::vector<int64_t>{4}));
  EXPECT_TRUE(all_close(x.grad(), full({2}, 4.0, kDouble), 0, 0));
}

TEST(Node, PreHooksRunBeforeApply) {
  Tensor x = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  Tensor y = x * 3;
  int calls = 0;
  unsigned scale = y.grad_fn()->add_pre_hook(0, [&](const Tensor& g) {
    ++calls;
    return g * 10;
  });
  // A hook returning an undefined tensor leaves the gradient as it is.
  unsigned observe = y.grad_fn()->add_pre_hook(0, [&](const Tensor&) {
    ++calls;
    return Tensor();
  });
  (y * y).sum().backward({}, /*retain_graph=*/true);
  EXPECT_EQ(calls, 2);
  // d/dx = 10 * 2y * 3 = 60 * 3x
  EXPECT_TRUE(all_close(x.grad(), tensor({180.0, 360.0}, kDouble), 0, 0));
  EXPECT_TRUE(y.grad_fn()->remove_pre_hook(scale));
  EXPECT_FALSE(y.grad_fn()->remove_pre_hook(scale));
  EXPECT_TRUE(y.grad_fn()->remove_pre_hook(observe));
  x.mutable_grad() = Tensor();
  (y * y).sum().backward();
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(all_close(x.grad(), tensor({18.0, 36.0}, kDouble), 0, 0));
}

TEST(Node, RetainGradAccumulatesAndDiesWithItsTensor) {
  Tensor x = tensor({1.0, -2.0}, kDouble).requires_grad_(true);
  Tensor h = x * 3;
  h.retain_grad();
  Tensor loss = (h * h).sum();
  loss.backward({}, /*retain_graph=*/true);
  EXPECT_TRUE(all_close(h.grad(), tensor({6.0, -12.0}, kDouble), 0, 0));
  loss.backward();
  EXPECT_TRUE(all_close(h.grad(), tensor({12.0, -24.0}, kDouble), 0, 0));  // accumulated
  // A tensor that retains its gradient can go away before backward runs: its node's hook goes
  // with it (this would write through a dangling pointer otherwise).
  Tensor y;
  {
    Tensor t = x * 2;
    t.retain_grad();
    y = (t * t).sum();
  }
  x.mutable_grad() = Tensor();
  y.backward();
  EXPECT_TRUE(all_close(x.grad(), tensor({8.0, -16.0}, kDouble), 0, 0));
}

TEST(Node, SavedVariableChecksVersionsAndFreeing) {
  autograd::SavedVariable none(Tensor(), false);
  EXPECT_FALSE(none.defined());
  EXPECT_FALSE(none.unpack().defined());

  Tensor t = tensor({1.0, 2.0, 3.0}, kDouble);
  autograd::SavedVariable sv(t, /*is_output=*/false);
  EXPECT_TRUE(sv.defined());
  EXPECT_TRUE(sv.unpack().is_same(t));
  t.add_(1);
  std::string e = error_of([&] { sv.unpack(); });
  // A leaf has no grad_fn to name; libtorch prints the C++ type name ("CPUDoubleType").
  EXPECT_TRUE(has(e,
                  "one of the variables needed for gradient computation has been modified by an "
                  "inplace operation: [CPUDoubleType [3]] is at version 1; expected version 0 "
                  "instead."))
      << e;
  EXPECT_FALSE(has(e, "which is output")) << e;
  autograd::SavedVariable fresh(t, false);
  fresh.reset_data();
  e = error_of([&] { fresh.unpack(); });
  EXPECT_TRUE(has(e, "Specify retain_graph=True")) << e;
}

TEST(Node, SavedOutputsAreRewiredToTheirNode) {
  Tensor x = tensor({0.5, -1.0}, kDouble).requires_grad_(true);
  Tensor y = x.exp();
  autograd::SavedVariable sv(y, /*is_output=*/true);
  // Without a node: the values (same storage), no history.
  Tensor plain = sv.unpack();
  EXPECT_EQ(plain.data_ptr(), y.data_ptr());
  EXPECT_EQ(plain.grad_fn(), nullptr);
  // With the node: an alias of y that is output 0 of it.
  Tensor wired = sv.unpack(y.grad_fn());
  EXPECT_EQ(wired.data_ptr(), y.data_ptr());
  EXPECT_EQ(wired.grad_fn(), y.grad_fn());
  EXPECT_EQ(wired.output_nr(), 0u);
  // Which makes double backward through ops saving their output right (exp, tanh, sigmoid).
  EXPECT_TRUE(gradgradcheck(
      [](const variable_list& v) { return v[0].exp() + v[0].tanh() * v[0].sigmoid(); },
      {tensor({0.3, -1.2, 2.0}, kDouble)}));
  // The version error names the node and output number the saved tensor came from.
  auto n = autograd::make_node("PairBackward0", {x},
                               [](autograd::FunctionNode&, const variable_list& g) { return g; });
  Tensor o0 = zeros({2}, kDouble), o1 = ones({2}, kDouble);
  autograd::set_history(o0, n);
  autograd::set_history(o1, n);
  Tensor w = o1 * o1;  // saves o1
  o1.add_(1);
  std::string e = error_of([&] { w.sum().backward(); });
  EXPECT_TRUE(has(e, "], which is output 1 of PairBackward0, is at version")) << e;
}

TEST(Node, GradModeIsPerThreadAnomalyModeGlobal) {
  EXPECT_TRUE(autograd::GradMode::is_enabled());
  {
    NoGradGuard ng;
    EXPECT_FALSE(autograd::GradMode::is_enabled());
    bool other = false;
    std::thread t([&] { other = autograd::GradMode::is_enabled(); });
    t.join();
    EXPECT_TRUE(other);
    {
      AutoGradMode on(true);
      EXPECT_TRUE(autograd::GradMode::is_enabled());
    }
    EXPECT_FALSE(autograd::GradMode::is_enabled());
  }
  EXPECT_TRUE(autograd::GradMode::is_enabled());
  EXPECT_FALSE(autograd::AnomalyMode::is_enabled());
  {
    autograd::DetectAnomalyGuard guard;
    bool other = false;
    std::thread t([&] { other = autograd::AnomalyMode::is_enabled(); });
    t.join();
    EXPECT_TRUE(other);
  }
  EXPECT_FALSE(autograd::AnomalyMode::is_enabled());
}
