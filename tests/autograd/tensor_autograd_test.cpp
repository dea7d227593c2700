// src/autograd/tensor_autograd.cpp: Tensor's autograd methods (requires_grad_, grad / set_grad,
// is_leaf, output_nr, retain_grad, hooks, detach / detach_, _base, data / set_data, backward).
#include <gtest/gtest.h>

#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {
bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}
}  // namespace

TEST(TensorAutograd, RequiresGradFlag) {
  Tensor x = ones({2}, kDouble);
  EXPECT_FALSE(x.requires_grad());
  x.requires_grad_(false);  // nothing to record
  EXPECT_EQ(x.unsafeGetTensorImpl()->autograd_meta(), nullptr);
  x.requires_grad_();
  EXPECT_TRUE(x.requires_grad());
  EXPECT_TRUE(x.is_leaf());
  x.requires_grad_(false);
  EXPECT_FALSE(x.requires_grad());
  for (ScalarType dt : {kLong, kInt, kBool, kByte}) {
    std::string e = error_of([&] { ones({2}, dt).requires_grad_(); });
    EXPECT_TRUE(has(e,
                    "[requires_grad_] only Tensors of floating point dtype can require "
                    "gradients"))
        << e;
  }
  ones({2}, kLong).requires_grad_(false);  // allowed
  for (ScalarType dt : {kFloat, kHalf, kBFloat16})
    EXPECT_TRUE(ones({2}, dt).requires_grad_().requires_grad());
  // A computed tensor: already requires grad; it cannot be switched off.
  Tensor y = x.requires_grad_() * 2;
  y.requires_grad_(true);
  std::string e = error_of([&] { y.requires_grad_(false); });
  EXPECT_TRUE(has(e, "[requires_grad_] you can only change requires_grad flags of leaf variables"))
      << e;
  // A view of a tensor that requires grad does too, with or without history of its own.
  EXPECT_TRUE(x.view({1, 2}).requires_grad());
  EXPECT_TRUE(x[0].requires_grad());
}

TEST(TensorAutograd, GradAndSetGrad) {
  Tensor x = zeros({2, 3});
  EXPECT_FALSE(x.grad().defined());  // no autograd state at all
  x.set_grad(ones({2, 3}));
  EXPECT_TRUE(all_close(x.grad(), ones({2, 3}), 0, 0));
  x.mutable_grad().mul_(4);
  EXPECT_EQ(x.grad().sum().item<float>(), 24.0f);
  std::string e = error_of([&] { x.set_grad(ones({3, 2})); });
  EXPECT_TRUE(has(e, "[grad] assigned grad has data of a different size: [3, 2] vs [2, 3]")) << e;
  e = error_of([&] { x.set_grad(ones({2, 3}, kDouble)); });
  EXPECT_TRUE(has(e, "[grad] assigned grad has data of a different type")) << e;
  x.set_grad(Tensor());
  EXPECT_FALSE(x.grad().defined());
  // A grad that was set is where backward accumulates.
  Tensor w = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  w.set_grad(full({2}, 5.0, kDouble));
  (w * w).sum().backward();
  EXPECT_TRUE(all_close(w.grad(), tensor({7.0, 9.0}, kDouble), 0, 0));
}

TEST(TensorAutograd, LeavesOutputNumbersAndBase) {
  Tensor x = arange(6, kDouble).requires_grad_(true);
  Tensor v = x.view({2, 3});
  EXPECT_FALSE(v.is_leaf());  // a view of a tensor requiring grad has history
  EXPECT_EQ(v.grad_fn()->name(), "ViewBackward0");
  EXPECT_TRUE(v.is_view());
  EXPECT_TRUE(v._base().is_same(x));
  EXPECT_FALSE(x.is_view());
  EXPECT_FALSE(x._base().defined());
  Tensor plain = arange(6, kDouble);
  EXPECT_TRUE(plain.view({3, 2}).is_leaf());
  EXPECT_FALSE(plain.view({3, 2}).requires_grad());
  auto parts = x.split(2);
  EXPECT_EQ(parts[0].output_nr(), 0u);
  EXPECT_EQ(parts[2].output_nr(), 2u);
  EXPECT_EQ(x.output_nr(), 0u);
  EXPECT_EQ(ones({1}).output_nr(), 0u);
}

TEST(TensorAutograd, RetainGrad) {
  Tensor x = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  std::string e = error_of([] { ones({2}).retain_grad(); });
  EXPECT_TRUE(has(e, "[retain_grad] can't retain_grad on Tensor that has requires_grad=False"))
      << e;
  x.retain_grad();  // a leaf keeps its gradient anyway
  EXPECT_FALSE(x.retains_grad());
  Tensor h = x.exp();
  EXPECT_FALSE(h.retains_grad());
  h.retain_grad();
  h.retain_grad();  // once is enough: the gradient is not counted twice
  EXPECT_TRUE(h.retains_grad());
  (h * 3).sum().backward();
  EXPECT_TRUE(all_close(h.grad(), full({2}, 3.0, kDouble), 0, 0));
  EXPECT_TRUE(all_close(x.grad(), 3 * x.detach().exp(), 1e-15, 0));
  // A view's gradient, retained.
  Tensor y = x * 1;
  Tensor row = y.view({1, 2})[0];
  row.retain_grad();
  (row * row).sum().backward();
  EXPECT_TRUE(all_close(row.grad(), 2 * x.detach(), 0, 0));
}

TEST(TensorAutograd, HooksOnLeavesAndInteriorTensors) {
  std::string e = error_of([] { ones({2}).register_hook([](const Tensor& g) { return g; }); });
  EXPECT_TRUE(has(e,
                  "[register_hook] cannot register a hook on a tensor that doesn't require "
                  "gradient"))
      << e;
  Tensor x = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  // A leaf's hook changes what is accumulated and survives the graph.
  unsigned id = x.register_hook([](const Tensor& g) { return g * 2; });
  (x * 5).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), full({2}, 10.0, kDouble), 0, 0));
  x.mutable_grad() = Tensor();
  (x * 5).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), full({2}, 10.0, kDouble), 0, 0));
  x.remove_hook(id);
  x.mutable_grad() = Tensor();
  (x * 5).sum().backward();
  EXPECT_TRUE(all_close(x.grad(), full({2}, 5.0, kDouble), 0, 0));
  e = error_of([&] { x.remove_hook(id); });
  EXPECT_TRUE(has(e, "[remove_hook] invalid hook handle")) << e;
  e = error_of([] { ones({2}).remove_hook(0); });
  EXPECT_TRUE(has(e, "[remove_hook] invalid hook handle 0")) << e;
  // An interior tensor's hook sees its gradient (and can observe without changing it).
  Tensor seen;
  Tensor h = x * x;
  h.register_hook([&](const Tensor& g) {
    seen = g.clone();
    return Tensor();
  });
  x.mutable_grad() = Tensor();
  (h * tensor({3.0, 4.0}, kDouble)).sum().backward();
  EXPECT_TRUE(all_close(seen, tensor({3.0, 4.0}, kDouble), 0, 0));
  EXPECT_TRUE(all_close(x.grad(), tensor({6.0, 16.0}, kDouble), 0, 0));
}

TEST(TensorAutograd, DetachSharesDataNotHistory) {
  Tensor x = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  Tensor y = x * 2;
  Tensor d = y.detach();
  EXPECT_FALSE(d.requires_grad());
  EXPECT_TRUE(d.is_leaf());
  EXPECT_EQ(d.data_ptr(), y.data_ptr());
  int64_t v = y._version();
  d.add_(1);  // shares the version counter: y's saved uses would notice
  EXPECT_EQ(y._version(), v + 1);
  EXPECT_EQ(y[0].item<double>(), 3.0);
  Tensor dd = y.data();
  EXPECT_FALSE(dd.requires_grad());
  EXPECT_EQ(dd.data_ptr(), y.data_ptr());
  // detach_ drops the history of a non-view in place, refuses views of tensors with history.
  Tensor z = x * 3;
  std::string e = error_of([&] { z.view({2, 1}).detach_(); });
  EXPECT_TRUE(has(e, "[detach_] Can't detach views in-place. Use detach() instead.")) << e;
  z.detach_();
  EXPECT_TRUE(z.is_leaf());
  EXPECT_FALSE(z.requires_grad());
  EXPECT_TRUE(all_close(z, tensor({3.0, 6.0}, kDouble), 0, 0));
}

TEST(TensorAutograd, SetDataKeepsTheAutogradState) {
  Tensor w = zeros({2}, kFloat).requires_grad_(true);
  w.set_data(arange(6, kDouble).view({2, 3}).t());
  EXPECT_EQ(w.scalar_type(), kDouble);
  EXPECT_EQ(w.sizes(), IntArrayRef({3, 2}));
  EXPECT_EQ(w.strides(), IntArrayRef({1, 3}));
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  (w * w).sum().backward();
  EXPECT_TRUE(all_close(w.grad(), 2 * arange(6, kDouble).view({2, 3}).t(), 0, 0));
  std::string e = error_of([&] { w.set_data(Tensor()); });
  EXPECT_TRUE(has(e, "[set_data] new data is undefined")) << e;
}

TEST(TensorAutograd, BackwardArguments) {
  Tensor a = tensor({1.0, 2.0}, kDouble).requires_grad_(true);
  Tensor b = tensor({3.0, 4.0}, kDouble).requires_grad_(true);
  Tensor y = a * b;
  // An explicit gradient for a non-scalar output; `inputs` limits what accumulates.
  y.backward(tensor({1.0, 10.0}, kDouble), /*retain_graph=*/true, false, std::vector<Tensor>{a});
  EXPECT_TRUE(all_close(a.grad(), tensor({3.0, 40.0}, kDouble), 0, 0));
  EXPECT_FALSE(b.grad().defined());
  // create_graph: the gradient has history of its own.
  Tensor x = tensor({2.0}, kDouble).requires_grad_(true);
  (x * x * x).sum().backward({}, std::nullopt, true);
  ASSERT_TRUE(x.grad().requires_grad());
  Tensor g = x.grad();
  x.mutable_grad() = Tensor();
  g.sum().backward();
  EXPECT_EQ(x.grad().item<double>(), 12.0);  // d/dx 3x^2 = 6x
}
