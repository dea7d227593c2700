// In-place ops on views under autograd (src/autograd/views.cpp): CopySlices on the base, the
// view's grad_fn rebuilt as AsStridedBackward0, and PyTorch's errors. Expected values come from
// PyTorch 1.13 (the scripts are in the comments).
#include <gtest/gtest.h>

#include <functional>

#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using namespace ember::indexing;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {

using ViewFn = std::function<Tensor(const Tensor&)>;

Tensor leaf_4x3() { return ((arange(12, kDouble).reshape({4, 3}) + 1) / 8).requires_grad_(); }

struct Case {
  const char* name;
  std::vector<double> x, leaf_grad;
  double k_grad;
};

// leaf = ((arange(12).reshape(4,3) + 1) / 8).double().requires_grad_()
// k = tensor(1.5, requires_grad); x = leaf.clone(); v = f(x); v.sin_(); v.mul_(k)
// loss = (x * (arange(12).reshape(4,3) * 0.5 - 2)).sum() + (v * v).sum(); loss.backward()
const Case kCases[] = {
    {"view",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"view2",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"reshape",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"narrow",
     {0.125, 0.25, 0.375, 0.7191383079063045, 0.8776459094106932, 1.0224581400350012,
      1.1513152533540407, 1.2622064772118446, 1.3534013911486427, 1.25, 1.375, 1.5},
     {-2.0, -1.5, -1.0, 1.2351227943999876, 2.135215393550069, 2.793130371514488, 3.175463667711346,
      3.2615993985610987, 3.0441942433938216, 2.5, 3.0, 3.5},
     13.37969874583802},
    {"select",
     {0.125, 0.25, 0.375, 0.7191383079063045, 0.8776459094106932, 1.0224581400350012, 0.875, 1.0,
      1.125, 1.25, 1.375, 1.5},
     {-2.0, -1.5, -1.0, 1.2351227943999876, 2.135215393550069, 2.793130371514488, 1.0, 1.5, 2.0,
      2.5, 3.0, 3.5},
     3.211563805812898},
    {"select_neg",
     {0.125, 0.25, 0.5494087936290714, 0.5, 0.625, 1.0224581400350012, 0.875, 1.0,
      1.3534013911486427, 1.25, 1.375, 1.4962424799060816},
     {-2.0, -1.5, 0.13792577718403048, -0.5, 0.0, 2.793130371514488, 1.0, 1.5, 3.0441942433938216,
      2.5, 3.0, 0.6888903268901415},
     12.493924565410492},
    {"index_int",
     {0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.25, 1.375, 1.5},
     {-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 3.175463667711346, 3.2615993985610987, 3.0441942433938216,
      2.5, 3.0, 3.5},
     10.168134940025123},
    {"index_slice",
     {0.125, 0.25, 0.375, 0.7191383079063045, 0.8776459094106932, 1.0224581400350012,
      1.1513152533540407, 1.2622064772118446, 1.3534013911486427, 1.25, 1.375, 1.5},
     {-2.0, -1.5, -1.0, 1.2351227943999876, 2.135215393550069, 2.793130371514488, 3.175463667711346,
      3.2615993985610987, 3.0441942433938216, 2.5, 3.0, 3.5},
     13.37969874583802},
    {"index_int_slice",
     {0.125, 0.25, 0.375, 0.5, 0.8776459094106932, 0.75, 0.875, 1.2622064772118446, 1.125, 1.25,
      1.4713395855347335, 1.5},
     {-2.0, -1.5, -1.0, -0.5, 2.135215393550069, 0.5, 1.0, 3.2615993985610987, 2.0, 2.5,
      1.7342019180681885, 3.5},
     10.242575927457818},
    {"slice_step",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.5, 0.625, 0.75,
      1.1513152533540407, 1.2622064772118446, 1.3534013911486427, 1.25, 1.375, 1.5},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, -0.5, 0.0, 0.5,
      3.175463667711346, 3.2615993985610987, 3.0441942433938216, 2.5, 3.0, 3.5},
     9.814131226574577},
    {"transpose",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"permute",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"t",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"diagonal",
     {0.18701210007784153, 0.25, 0.375, 0.5, 0.8776459094106932, 0.75, 0.875, 1.0,
      1.3534013911486427, 1.25, 1.375, 1.5},
     {-2.41993409336531, -1.5, -1.0, -0.5, 2.135215393550069, 0.5, 1.0, 1.5, 3.0441942433938216,
      2.5, 3.0, 3.5},
     5.071093979352973},
    {"diagonal_off",
     {0.125, 0.3711059388817844, 0.375, 0.5, 0.625, 1.0224581400350012, 0.875, 1.0, 1.125, 1.25,
      1.375, 1.5},
     {-2.0, -1.1013454869894939, -1.0, -0.5, 0.0, 2.793130371514488, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5},
     1.547233795792769},
    {"unsqueeze",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"squeeze",
     {0.125, 0.25, 0.375, 0.7191383079063045, 0.8776459094106932, 1.0224581400350012, 0.875, 1.0,
      1.125, 1.25, 1.375, 1.5},
     {-2.0, -1.5, -1.0, 1.2351227943999876, 2.135215393550069, 2.793130371514488, 1.0, 1.5, 2.0,
      2.5, 3.0, 3.5},
     3.211563805812898},
    {"unfold",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"as_strided",
     {0.125, 0.3711059388817844, 0.5494087936290714, 0.5, 0.625, 1.0224581400350012,
      1.1513152533540407, 1.0, 1.125, 1.25, 1.375, 1.5},
     {-2.0, -1.1013454869894939, 0.13792577718403048, -0.5, 0.0, 2.793130371514488,
      3.175463667711346, 1.5, 2.0, 2.5, 3.0, 3.5},
     4.1183405491062555},
    {"chain",
     {0.125, 0.25, 0.375, 0.5, 0.8776459094106932, 0.75, 0.875, 1.2622064772118446, 1.125, 1.25,
      1.375, 1.5},
     {-2.0, -1.5, -1.0, -0.5, 2.135215393550069, 0.5, 1.0, 3.2615993985610987, 2.0, 2.5, 3.0, 3.5},
     4.413443188439655},
    {"chain2",
     {0.125, 0.25, 0.5494087936290714, 0.7191383079063045, 0.8776459094106932, 0.75, 0.875, 1.0,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.5},
     {-2.0, -1.5, 0.13792577718403048, 1.2351227943999876, 2.135215393550069, 0.5, 1.0, 1.5,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 3.5},
     16.663149728915833},
    {"movedim",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"flatten",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
    {"unflatten",
     {0.18701210007784153, 0.3711059388817844, 0.5494087936290714, 0.7191383079063045,
      0.8776459094106932, 1.0224581400350012, 1.1513152533540407, 1.2622064772118446,
      1.3534013911486427, 1.4234769290333793, 1.4713395855347335, 1.4962424799060816},
     {-2.41993409336531, -1.1013454869894939, 0.13792577718403048, 1.2351227943999876,
      2.135215393550069, 2.793130371514488, 3.175463667711346, 3.2615993985610987,
      3.0441942433938216, 2.5290211832161593, 1.7342019180681885, 0.6888903268901415},
     30.405225941129864},
};

ViewFn view_fn(const std::string& n) {
  if (n == "view") return [](const Tensor& x) { return x.view({12}); };
  if (n == "view2") return [](const Tensor& x) { return x.view({2, 6}); };
  if (n == "reshape") return [](const Tensor& x) { return x.reshape({3, 4}); };
  if (n == "narrow") return [](const Tensor& x) { return x.narrow(0, 1, 2); };
  if (n == "select") return [](const Tensor& x) { return x.select(0, 1); };
  if (n == "select_neg") return [](const Tensor& x) { return x.select(1, -1); };
  if (n == "index_int") return [](const Tensor& x) { return x[2]; };
  if (n == "index_slice") return [](const Tensor& x) { return x.index({Slice(1, 3)}); };
  if (n == "index_int_slice") return [](const Tensor& x) { return x.index({Slice(1, None), 1}); };
  if (n == "slice_step") return [](const Tensor& x) { return x.slice(0, 0, 4, 2); };
  if (n == "transpose") return [](const Tensor& x) { return x.transpose(0, 1); };
  if (n == "permute") return [](const Tensor& x) { return x.permute({1, 0}); };
  if (n == "t") return [](const Tensor& x) { return x.t(); };
  if (n == "diagonal") return [](const Tensor& x) { return x.diagonal(); };
  if (n == "diagonal_off") return [](const Tensor& x) { return x.diagonal(1); };
  if (n == "unsqueeze") return [](const Tensor& x) { return x.unsqueeze(1); };
  if (n == "squeeze") return [](const Tensor& x) { return x.narrow(0, 1, 1).squeeze(0); };
  if (n == "unfold") return [](const Tensor& x) { return x.unfold(0, 2, 2); };
  if (n == "as_strided") return [](const Tensor& x) { return x.as_strided({2, 2}, {4, 1}, 1); };
  if (n == "chain") return [](const Tensor& x) { return x.t()[1].narrow(0, 1, 2); };
  if (n == "chain2")
    return [](const Tensor& x) { return x.view({2, 6}).transpose(0, 1).slice(0, 2, 5); };
  if (n == "movedim") return [](const Tensor& x) { return x.movedim(0, 1); };
  if (n == "flatten") return [](const Tensor& x) { return x.flatten(); };
  if (n == "unflatten") return [](const Tensor& x) { return x.unflatten(1, {3, 1}); };
  ADD_FAILURE() << "no view " << n;
  return [](const Tensor& x) { return x; };
}

Tensor weights_4x3() { return arange(12, kDouble).reshape({4, 3}) * 0.5 - 2; }

}  // namespace

TEST(AutogradViews, EveryViewOpMatchesPyTorch) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    Tensor leaf = leaf_4x3();
    Tensor k = tensor(1.5, kDouble).requires_grad_();
    Tensor x = leaf.clone();
    Tensor v = view_fn(c.name)(x);
    v.sin_();
    v.mul_(k);
    ASSERT_TRUE(x.grad_fn());
    EXPECT_EQ(x.grad_fn()->name(), "torch::autograd::CopySlices");
    ASSERT_TRUE(v.grad_fn());
    EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
    EXPECT_FALSE(v.is_leaf());
    EXPECT_TRUE(v._base().is_same(x));
    Tensor loss = (x * weights_4x3()).sum() + (v * v).sum();
    loss.backward();
    EXPECT_TRUE(all_close(x, tensor(c.x, kDouble).reshape({4, 3}), 1e-12, 1e-12));
    EXPECT_TRUE(all_close(leaf.grad(), tensor(c.leaf_grad, kDouble).reshape({4, 3}), 1e-10, 1e-10));
    EXPECT_NEAR(k.grad().item<double>(), c.k_grad, 1e-10);
  }
}

TEST(AutogradViews, BriefExampleNarrowMul) {
  // x = leaf.clone(); v = x.narrow(0, 1, 2); v.mul_(2); x.sum().backward()
  Tensor leaf = leaf_4x3();
  Tensor x = leaf.clone();
  Tensor v = x.narrow(0, 1, 2);
  v.mul_(2);
  EXPECT_EQ(x.grad_fn()->name(), "torch::autograd::CopySlices");
  EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
  x.sum().backward();
  EXPECT_TRUE(all_close(
      leaf.grad(), tensor({1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0}, kDouble)
                       .reshape({4, 3})));
  // The CopySlices node leads to the old history of x (CloneBackward0).
  const auto& edges = x.grad_fn()->next_edges();
  ASSERT_GE(edges.size(), 1u);
  EXPECT_EQ(edges[0].function->name(), "CloneBackward0");
  EXPECT_EQ(v.grad_fn()->next_edges()[0].function.get(), x.grad_fn().get());
}

TEST(AutogradViews, InplaceOnBaseRefreshesTheView) {
  // x = leaf.clone(); v = x[1]; x.mul_(3); (v*v).sum().backward()
  Tensor leaf = leaf_4x3();
  Tensor x = leaf.clone();
  Tensor v = x[1];
  EXPECT_EQ(v.grad_fn()->name(), "SelectBackward0");
  x.mul_(3);
  ASSERT_TRUE(v.grad_fn());
  EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
  (v * v).sum().backward();
  EXPECT_TRUE(all_close(
      leaf.grad(), tensor({0.0, 0.0, 0.0, 9.0, 11.25, 13.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}, kDouble)
                       .reshape({4, 3})));
}

TEST(AutogradViews, ViewOfViewAfterParentInplace) {
  // x = leaf.clone(); v = x[1]; w = v[0:2]; v.mul_(2) -> w, v: AsStridedBackward0, w._base is x
  Tensor leaf = leaf_4x3();
  Tensor x = leaf.clone();
  Tensor v = x[1];
  Tensor w = v.slice(0, 0, 2);
  v.mul_(2);
  EXPECT_EQ(w.grad_fn()->name(), "AsStridedBackward0");
  EXPECT_EQ(v.grad_fn()->name(), "AsStridedBackward0");
  EXPECT_TRUE(w._base().is_same(x));
  (w * 3).sum().backward();
  EXPECT_TRUE(all_close(
      leaf.grad(), tensor({0.0, 0.0, 0.0, 6.0, 6.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}, kDouble)
                       .reshape({4, 3})));
}

TEST(AutogradViews, BaseWithoutGradTakesHistoryFromTheInput) {
  // x = zeros(4,3); u = x[0]; v = x[1:3]; v.add_(w) -> x: CopySlices, u: AsStridedBackward0
  Tensor w = tensor({1.0, 2.0, 3.0}, kDouble).requires_grad_();
  Tensor x = zeros({4, 3}, kDouble);
  Tensor u = x[0];
  EXPECT_FALSE(u.requires_grad());
  Tensor v = x.index({Slice(1, 3)});
  v.add_(w);
  EXPECT_TRUE(x.requires_grad());
  EXPECT_FALSE(x.is_leaf());
  EXPECT_EQ(x.grad_fn()->name(), "torch::autograd::CopySlices");
  EXPECT_TRUE(u.requires_grad());
  EXPECT_EQ(u.grad_fn()->name(), "AsStridedBackward0");
  (x * weights_4x3()).sum().backward();
  // d/dw: rows 1 and 2 of the weights, summed.
  EXPECT_TRUE(all_close(w.grad(), tensor({0.5, 1.5, 2.5}, kDouble)));
}

TEST(AutogradViews, CopyFillZeroIntoViews) {
  Tensor leaf = leaf_4x3();
  Tensor src = tensor({1.0, 2.0, 3.0}, kDouble).requires_grad_();
  Tensor x = leaf * 2;
  x[0].copy_(src);
  x.select(1, 2).fill_(7);
  x[3].zero_();
  EXPECT_EQ(x.grad_fn()->name(), "torch::autograd::CopySlices");
  Tensor expected = tensor({1.0, 2.0, 7.0, 1.0, 1.25, 7.0, 1.75, 2.0, 7.0, 0.0, 0.0, 0.0}, kDouble)
                        .reshape({4, 3});
  EXPECT_TRUE(all_close(x, expected));
  (x * weights_4x3()).sum().backward();
  // leaf gets 2*W except the overwritten places; src gets W[0] except the filled column.
  EXPECT_TRUE(all_close(
      leaf.grad(), tensor({0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0}, kDouble)
                       .reshape({4, 3})));
  EXPECT_TRUE(all_close(src.grad(), tensor({-2.0, -1.5, 0.0}, kDouble)));
}

TEST(AutogradViews, IndexPutThroughAView) {
  Tensor leaf = leaf_4x3();
  Tensor val = tensor(5., kDouble).requires_grad_();
  Tensor x = leaf * 1;
  Tensor v = x.t();
  v.index_put_({1, Slice(0, 2)}, val);
  EXPECT_EQ(x.grad_fn()->name(), "torch::autograd::CopySlices");
  (x * weights_4x3()).sum().backward();
  EXPECT_NEAR(val.grad().item<double>(), -1.5 + 0.0, 1e-12);
}

TEST(AutogradViews, GradcheckAndGradgradcheck) {
  Tensor a = (arange(12, kDouble).reshape({4, 3}) - 5) / 7;
  Tensor k = tensor({0.5, -1.25, 2.0}, kDouble);
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    ViewFn f = view_fn(c.name);
    auto fn = [f](const variable_list& in) {
      Tensor x = in[0] * 1;
      Tensor v = f(x);
      v.sin_();
      v.mul_(in[1].sum());
      return x * 1 + 0 * v.sum();
    };
    EXPECT_TRUE(gradcheck(fn, {a, k}));
    EXPECT_TRUE(gradgradcheck(fn, {a, k}));
  }
  // Broadcast in-place input, view of a view, base modified after the view was taken.
  auto g = [](const variable_list& in) {
    Tensor x = in[0] * 2;  // (exp would save its output, which the in-place ops modify)
    Tensor v = x.t().narrow(0, 1, 2);
    v.mul_(in[1].narrow(0, 0, 1).unsqueeze(1));
    Tensor u = x[2];
    x.mul_(in[1].sum());
    return u * x.sum(0) + v.sum();
  };
  EXPECT_TRUE(gradcheck(g, {a, k}));
  EXPECT_TRUE(gradgradcheck(g, {a, k}));
}

namespace {
bool has(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }
}  // namespace

TEST(AutogradViews, ViewOfLeafAndLeafErrors) {
  Tensor leaf = leaf_4x3();
  std::string e = error_of([&] { leaf.narrow(0, 1, 2).mul_(2); });
  EXPECT_TRUE(has(e,
                  "a view of a leaf Variable that requires grad is being used in an in-place "
                  "operation."))
      << e;
  e = error_of([&] { leaf.mul_(2); });
  EXPECT_TRUE(has(e, "a leaf Variable that requires grad is being used in an in-place operation."))
      << e;
  e = error_of([&] { leaf[0].copy_(zeros({3}, kDouble)); });
  EXPECT_TRUE(has(e, "a view of a leaf Variable")) << e;
  // Nothing changed.
  EXPECT_EQ(leaf._version(), 0);
  // Under no_grad both are allowed.
  {
    NoGradGuard ng;
    leaf.narrow(0, 1, 2).mul_(2);
    leaf.mul_(2);
  }
  EXPECT_TRUE(leaf.is_leaf());
}

TEST(AutogradViews, MultiOutputViewErrors) {
  const std::string suffix =
      " This view is the output of a function that returns multiple views. Such functions do not "
      "allow the output views to be modified inplace. You should replace the inplace operation "
      "by an out-of-place one.";
  Tensor leaf = leaf_4x3();
  Tensor x = leaf.clone();
  std::string e = error_of([&] { x.split(2)[0].mul_(2); });
  EXPECT_TRUE(
      has(e, "Output 0 of SplitBackward0 is a view and is being modified inplace." + suffix))
      << e;
  e = error_of([&] { x.chunk(2)[1].mul_(2); });
  EXPECT_TRUE(
      has(e, "Output 1 of SplitBackward0 is a view and is being modified inplace." + suffix))
      << e;
  e = error_of([&] { x.unbind(0)[1].mul_(2); });
  EXPECT_TRUE(
      has(e, "Output 1 of UnbindBackward0 is a view and is being modified inplace." + suffix))
      << e;
  e = error_of([&] { x.split_with_sizes({1, 3})[1].mul_(2); });
  EXPECT_TRUE(has(e,
                  "Output 1 of SplitWithSizesBackward0 is a view and is being modified "
                  "inplace." +
                      suffix))
      << e;
  // A view of such a view inherits the restriction.
  e = error_of([&] { x.split(2)[1][0].mul_(2); });
  EXPECT_TRUE(
      has(e, "Output 0 of SelectBackward0 is a view and is being modified inplace." + suffix))
      << e;
  // Base without history, in-place input with one.
  Tensor w = ones({3}, kDouble).requires_grad_();
  Tensor z = zeros({4, 3}, kDouble);
  e = error_of([&] { z.split(2)[1].add_(w); });
  EXPECT_TRUE(has(e,
                  "A view was created in no_grad mode and is being modified inplace with grad "
                  "mode enabled." +
                      suffix))
      << e;
  // Indirectly: the base was modified, then the view's history is asked for.
  auto parts = x.split(2);
  x.mul_(2);
  e = error_of([&] { (void)parts[1].grad_fn(); });
  EXPECT_TRUE(has(e,
                  "Output 1 of SplitBackward0 is a view and its base or another view of its "
                  "base has been modified inplace." +
                      suffix))
      << e;
  // Without autograd involved, multi-output views can be written.
  Tensor plain = zeros({4});
  plain.split(2)[1].fill_(1);
  EXPECT_TRUE(all_close(plain, tensor({0.f, 0.f, 1.f, 1.f})));
}

TEST(AutogradViews, NoGradViewErrors) {
  const std::string suffix =
      " Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
      "your code by moving both the view and the inplace either both inside the no_grad block "
      "(if you don't want the inplace to be tracked) or both outside (if you want the inplace to "
      "be tracked).";
  Tensor leaf = leaf_4x3();
  Tensor x = leaf.clone();
  Tensor v;
  {
    NoGradGuard ng;
    v = x[1];
  }
  std::string e = error_of([&] { v.add_(ones({3}, kDouble).requires_grad_()); });
  EXPECT_TRUE(has(e,
                  "A view was created in no_grad mode and is being modified inplace with grad "
                  "mode enabled." +
                      suffix))
      << e;
  x.mul_(2);
  e = error_of([&] { (void)v.grad_fn(); });
  EXPECT_TRUE(has(e,
                  "A view was created in no_grad mode and its base or another view of its "
                  "base has been modified inplace with grad mode enabled." +
                      suffix))
      << e;
  // A no-grad view of a tensor without history may be modified when nothing requires grad.
  Tensor z = zeros({4, 3});
  Tensor zv;
  {
    NoGradGuard ng;
    zv = z[1];
  }
  zv.mul_(2);
  EXPECT_FALSE(z.requires_grad());
}

TEST(AutogradViews, ExpandedViewRefusesInplace) {
  Tensor x = leaf_4x3().clone();
  std::string e = error_of([&] { x.narrow(0, 0, 1).expand({3, 3}).mul_(2); });
  EXPECT_TRUE(has(e,
                  "more than one element of the written-to tensor refers to a single memory "
                  "location"))
      << e;
  Tensor z = zeros({3});
  e = error_of([&] { z.expand({2, 3}).add_(1); });
  EXPECT_TRUE(has(e,
                  "more than one element of the written-to tensor refers to a single memory "
                  "location"))
      << e;
}

TEST(AutogradViews, SavedViewModifiedInplaceIsDetected) {
  // x = leaf.clone(); v = x[1]; w = v * v; v.mul_(2); w.sum().backward() -> version error
  Tensor x = leaf_4x3().clone();
  Tensor v = x[1];
  Tensor w = v * v;
  v.mul_(2);
  std::string e = error_of([&] { w.sum().backward(); });
  EXPECT_TRUE(has(e,
                  "one of the variables needed for gradient computation has been modified by "
                  "an inplace operation"))
      << e;
  // exp saved its output; writing through a view of it is caught too:
  // "... [torch.DoubleTensor [4, 3]], which is output 0 of ExpBackward0, is at version 1; ..."
  Tensor y = leaf_4x3().clone();
  Tensor s = y.exp();
  s[0].mul_(2);
  e = error_of([&] { s.sum().backward(); });
  EXPECT_TRUE(has(e, "which is output 0 of ExpBackward0, is at version 1; expected version 0"))
      << e;
}

TEST(AutogradViews, DoubleBackwardThroughCopySlices) {
  Tensor leaf = leaf_4x3();
  Tensor x = leaf * 1;
  x[1].pow_(3);
  Tensor g = autograd::grad({x.sum()}, {leaf}, {}, std::nullopt, true)[0];
  Tensor gg = autograd::grad({g.sum()}, {leaf})[0];
  // d/dl l^3 = 3 l^2, second 6 l on row 1; other rows 1 and 0.
  Tensor l = leaf.detach();
  Tensor eg = ones({4, 3}, kDouble);
  eg[1].copy_(3 * l[1] * l[1]);
  Tensor egg = zeros({4, 3}, kDouble);
  egg[1].copy_(6 * l[1]);
  EXPECT_TRUE(all_close(g, eg));
  EXPECT_TRUE(all_close(gg, egg));
}
