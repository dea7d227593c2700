// RELIABILITY.md, "Autograd": anomaly mode, memory returning to baseline, threads.
#include <gtest/gtest.h>

#include <thread>

#include "support/gradcheck.h"

using namespace ember;

TEST(AutogradReliability, AnomalyModeNamesTheForwardOp) {
  Tensor x = tensor({0.0, 1.0}, requires_grad());
  autograd::DetectAnomalyGuard guard;
  // d/dx sqrt(x) at 0 is inf; times a zero gradient gives nan in SqrtBackward0.
  Tensor z = (x.sqrt() * tensor({0.0, 1.0})).sum();
  try {
    z.backward();
    FAIL() << "expected a NaN error";
  } catch (const Error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("nan"), std::string::npos) << msg;
    EXPECT_NE(msg.find("SqrtBackward0"), std::string::npos) << msg;
  }
}

TEST(AutogradReliability, NoAnomalyCheckByDefault) {
  Tensor x = tensor({0.0, 1.0}, requires_grad());
  (x.sqrt() * tensor({0.0, 1.0})).sum().backward();
  EXPECT_TRUE(x.grad().isnan().any().item<bool>());
}

TEST(AutogradReliability, MemoryFlatOverManySteps) {
  Tensor w = linspace(-1, 1, 256).reshape({16, 16}).requires_grad_(true);
  Tensor x = linspace(0, 1, 128).reshape({8, 16});
  double total = 0;
  Tensor acc = zeros({});
  size_t baseline = 0, last = 0;
  for (int step = 0; step < 10000; ++step) {
    Tensor loss = x.mm(w).tanh().mean();
    loss.backward();
    total += loss.item<double>();
    acc = acc + loss.detach();
    {
      NoGradGuard g;
      w.mutable_grad().zero_();
    }
    if (step == 10) baseline = cpu_allocator_allocated_bytes();
    last = cpu_allocator_allocated_bytes();
  }
  EXPECT_EQ(last, baseline);
  EXPECT_NEAR(acc.item<double>(), total, 1e-2 * std::abs(total) + 1e-3);
}

TEST(AutogradReliability, GraphFreedWhenOutputsDropped) {
  size_t before = cpu_allocator_allocated_bytes();
  {
    Tensor w = ones({64, 64}, requires_grad());
    Tensor y = w.mm(w).exp().sum();
    y.backward();
  }
  EXPECT_EQ(cpu_allocator_allocated_bytes(), before);
}

TEST(AutogradReliability, IndependentGraphsOnTwoThreads) {
  auto work = [](double scale, double* out) {
    for (int i = 0; i < 200; ++i) {
      Tensor x = full({4}, scale, TensorOptions().dtype(kDouble).requires_grad(true));
      Tensor y = (x * x * scale).sum();
      y.backward();
      *out = x.grad().sum().item<double>();  // 4 * 2 * scale * scale
    }
  };
  double a = 0, b = 0;
  std::thread t1(work, 1.5, &a), t2(work, -2.0, &b);
  t1.join();
  t2.join();
  EXPECT_DOUBLE_EQ(a, 4 * 2 * 1.5 * 1.5);
  EXPECT_DOUBLE_EQ(b, 4 * 2 * -2.0 * -2.0);
}

TEST(AutogradReliability, RetainGraphAllowsSecondBackward) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  Tensor y = x.exp().sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  EXPECT_TRUE(ember::testing::all_close(x.grad(), 2 * x.detach().exp()));
}

TEST(AutogradReliability, HooksAndRetainGrad) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  Tensor h = x * 3;
  h.retain_grad();
  unsigned id = h.register_hook([](const Tensor& g) { return g * 2; });
  (h * h).sum().backward();
  // dh = 2h = [6, 12], doubled by the hook before flowing on; retained grad sees the hooked value.
  EXPECT_TRUE(ember::testing::all_close(h.grad(), tensor({12.0, 24.0})));
  EXPECT_TRUE(ember::testing::all_close(x.grad(), tensor({36.0, 72.0})));
  h.remove_hook(id);
  EXPECT_THROW(h.remove_hook(id), Error);
}

TEST(AutogradReliability, GradOfNonScalarNeedsGradient) {
  Tensor x = tensor({1.0, 2.0}, requires_grad());
  EXPECT_THROW((x * 2).backward(), Error);
  Tensor y = x * 2;
  EXPECT_THROW(tensor({1.0, 2.0}).backward(), Error);
  auto g = autograd::grad({y}, {x}, {ones({2})});
  EXPECT_TRUE(ember::testing::all_close(g[0], tensor({2.0, 2.0})));
}

TEST(AutogradReliability, NoGradAndInferenceMode) {
  Tensor x = ones({2}, requires_grad());
  {
    NoGradGuard ng;
    EXPECT_FALSE((x * 2).requires_grad());
  }
  {
    InferenceMode im;
    EXPECT_FALSE((x * 2).requires_grad());
  }
  EXPECT_TRUE((x * 2).requires_grad());
  EXPECT_EQ((x * 2).grad_fn()->name(), "MulBackward1");  // libtorch: mul.Scalar
  EXPECT_EQ((x * x).grad_fn()->name(), "MulBackward0");
  EXPECT_TRUE(x.is_leaf());
  EXPECT_FALSE((x * 2).is_leaf());
}
