// src/ops/unpool.cpp: max_unpool2d / max_unpool3d — each value goes to the flat spatial position
// its index names in a zero output; values vs PyTorch 1.13 and a naive scatter, gradients, errors.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;
using ember::testing::gradcheck;
using ember::testing::gradgradcheck;

namespace {
// x = torch.tensor([[[[5.,-1.],[2.,7.]]]]); i = torch.tensor([[[[1,4],[10,15]]]])
Tensor X2() { return tensor({{{{5., -1.}, {2., 7.}}}}); }
Tensor I2() { return tensor({{{{1, 4}, {10, 15}}}}); }

// Naive reference: out[b, c, idx[b, c, k]] = x[b, c, k] over flattened planes.
Tensor naive_unpool(const Tensor& x, const Tensor& idx, int64_t lead, IntArrayRef out_size) {
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().begin() + lead);
  int64_t planes = 1, plane = 1, k = x.numel();
  for (int64_t s : shape) planes *= s;
  for (int64_t s : out_size) plane *= s;
  if (planes > 0) k /= planes;
  Tensor xs = x.to(kDouble).contiguous(), is = idx.contiguous();
  Tensor out = zeros({planes * plane}, kDouble);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t j = 0; j < k; ++j)
      out.data_ptr<double>()[p * plane + is.data_ptr<int64_t>()[p * k + j]] =
          xs.data_ptr<double>()[p * k + j];
  shape.insert(shape.end(), out_size.begin(), out_size.end());
  return out.reshape(shape);
}

void expect_error(const std::function<void()>& f, const std::string& op, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "no error for " << text;
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("[" + op + "]"), std::string::npos) << m;
    EXPECT_NE(m.find(text), std::string::npos) << m;
  }
}
}  // namespace

TEST(MaxUnpool2d, Values) {
  // torch._C._nn.max_unpool2d(x, i, (4,4))
  // -> [[0,5,0,0],[-1,0,0,0],[0,0,2,0],[0,0,0,7]]
  Tensor expect =
      tensor({{{{0., 5., 0., 0.}, {-1., 0., 0., 0.}, {0., 0., 2., 0.}, {0., 0., 0., 7.}}}});
  Tensor r = max_unpool2d(X2(), I2(), {4, 4});
  EXPECT_EQ(r.sizes(), IntArrayRef({1, 1, 4, 4}));
  EXPECT_TRUE(all_close(r, expect, 0, 0));
  // Unbatched [C, H, W] -> [1, 4, 4]; transposed input and indices give the same output.
  EXPECT_TRUE(all_close(max_unpool2d(X2().select(0, 0), I2().select(0, 0), {4, 4}),
                        expect.select(0, 0), 0, 0));
  EXPECT_TRUE(all_close(max_unpool2d(X2().transpose(2, 3), I2().transpose(2, 3), {4, 4}), expect));
  // The output need not have the pooled shape: (2, 8) -> [[0,5,0,0,-1,0,0,0],[0,0,2,0,0,0,0,7]]
  EXPECT_TRUE(
      all_close(max_unpool2d(X2(), I2(), {2, 8}),
                tensor({{{{0., 5., 0., 0., -1., 0., 0., 0.}, {0., 0., 2., 0., 0., 0., 0., 7.}}}})));
  // Round trip through max_pool2d_with_indices, in float and double, batch and channels > 1.
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor x = (arange(2 * 3 * 4 * 6, kDouble) * 7).remainder(11).reshape({2, 3, 4, 6}).to(dt);
    auto [y, i] = max_pool2d_with_indices(x, {2, 2}, {2, 2});
    Tensor u = max_unpool2d(y, i, {4, 6});
    EXPECT_EQ(u.dtype(), dt);
    EXPECT_TRUE(all_close(u.to(kDouble), naive_unpool(y, i, 2, {4, 6}), 0, 0)) << toString(dt);
  }
  // torch: max_unpool2d(torch.empty(0,1,2,2), long indices, (4,4)).shape -> [0, 1, 4, 4]
  EXPECT_EQ(max_unpool2d(empty({0, 1, 2, 2}), empty({0, 1, 2, 2}, kLong), {4, 4}).sizes(),
            IntArrayRef({0, 1, 4, 4}));
  Tensor e = empty({0, 2, 2, 2}).requires_grad_();
  max_unpool2d(e, empty({0, 2, 2, 2}, kLong), {3, 3}).sum().backward();
  EXPECT_EQ(e.grad().sizes(), IntArrayRef({0, 2, 2, 2}));
}

TEST(MaxUnpool2d, Gradients) {
  Tensor x = X2().to(kDouble);
  auto f = [](const variable_list& v) { return max_unpool2d(v[0], I2(), {4, 4}); };
  EXPECT_TRUE(gradcheck(f, {x}));
  EXPECT_TRUE(gradgradcheck([f](const variable_list& v) { return f(v).pow(2); }, {x}));
  // Unbatched and non-contiguous input.
  EXPECT_TRUE(gradcheck(
      [](const variable_list& v) {
        return max_unpool2d(v[0].transpose(1, 2), I2().select(0, 0).transpose(1, 2), {2, 8});
      },
      {x.select(0, 0)}));
  // The gradient gathers from the scattered positions: d(sum(w * out))/dx = w[idx].
  Tensor xg = X2().requires_grad_();
  Tensor out = max_unpool2d(xg, I2(), {4, 4});
  EXPECT_EQ(out.grad_fn()->name(), "MaxUnpool2DBackward0");
  (out * arange(16, kFloat).reshape({1, 1, 4, 4})).sum().backward();
  EXPECT_TRUE(all_close(xg.grad(), tensor({{{{1., 4.}, {10., 15.}}}})));
}

TEST(MaxUnpool3d, ValuesAndGradients) {
  // A [1, 1, 1, 2, 2] input scattered into a 3x3x3 volume at flat positions 0, 5, 10, 26
  // (torch: nonzero -> (0,0,0), (0,1,2), (1,0,1), (2,2,2)).
  Tensor x = arange(1, 5, kDouble).reshape({1, 1, 1, 2, 2});
  Tensor i = tensor({0, 5, 10, 26}).reshape({1, 1, 1, 2, 2});
  Tensor r = max_unpool3d(x, i, {3, 3, 3}, {2, 2, 2}, {0, 0, 0});
  EXPECT_EQ(r.sizes(), IntArrayRef({1, 1, 3, 3, 3}));
  EXPECT_TRUE(all_close(r, naive_unpool(x, i, 2, {3, 3, 3}), 0, 0));
  EXPECT_EQ(r.reshape({-1}).select(0, 10).item<double>(), 3.0);
  EXPECT_EQ(r.reshape({-1}).select(0, 26).item<double>(), 4.0);
  EXPECT_EQ(r.sum().item<double>(), 10.0);
  // Unbatched [C, D, H, W], and a round trip through max_pool3d_with_indices in float.
  EXPECT_TRUE(
      all_close(max_unpool3d(x.select(0, 0), i.select(0, 0), {3, 3, 3}, {1, 1, 1}, {0, 0, 0}),
                r.select(0, 0), 0, 0));
  Tensor v = (arange(2 * 4 * 4 * 4, kFloat) * 5).remainder(13).reshape({2, 4, 4, 4});
  auto [y, yi] = max_pool3d_with_indices(v, {2, 2, 2}, {2, 2, 2});
  EXPECT_TRUE(all_close(max_unpool3d(y, yi, {4, 4, 4}, {2, 2, 2}, {0, 0, 0}).to(kDouble),
                        naive_unpool(y, yi, 1, {4, 4, 4}), 0, 0));
  auto f = [i](const variable_list& t) {
    return max_unpool3d(t[0], i, {3, 3, 3}, {2, 2, 2}, {0, 0, 0});
  };
  EXPECT_TRUE(gradcheck(f, {x}));
  EXPECT_TRUE(gradgradcheck([f](const variable_list& t) { return f(t) * f(t); }, {x}));
  Tensor xg = x.clone().requires_grad_();
  EXPECT_EQ(f({xg}).grad_fn()->name(), "MaxUnpool3DBackward0");
}

TEST(MaxUnpool2d, Errors) {
  Tensor x = X2(), i = I2();
  expect_error(
      [&] {
        max_unpool2d(x.flatten(), i.flatten(), {4, 4});
      },
      "max_unpool2d", "Expected 3D or 4D tensor for input");
  expect_error(
      [&] {
        max_unpool2d(x, i.to(kInt), {4, 4});
      },
      "max_unpool2d", "elements in indices should be type int64");
  expect_error(
      [&] {
        max_unpool2d(x, i.narrow(3, 0, 1), {4, 4});
      },
      "max_unpool2d", "Expected shape of indices to be same as that of the input tensor");
  expect_error([&] { max_unpool2d(x, i, {16}); }, "max_unpool2d",
               "There should be exactly 2 elements");
  expect_error(
      [&] {
        max_unpool2d(x, i, {-4, 4});
      },
      "max_unpool2d", "output_size must be non-negative");
  // torch: "Found an invalid max index: 15 (output volumes are of size 2x2"
  expect_error(
      [&] {
        max_unpool2d(x, i, {2, 2});
      },
      "max_unpool2d", "Found an invalid max index: 15");
  expect_error(
      [&] {
        max_unpool2d(x, i * -1, {4, 4});
      },
      "max_unpool2d", "Found an invalid max index: -");
  expect_error(
      [&] {
        max_unpool2d(empty({1, 1, 0, 2}), empty({1, 1, 0, 2}, kLong), {4, 4});
      },
      "max_unpool2d", "Expected input to have non-zero size for non-batch dimensions");
  expect_error([&] { max_unpool2d(Tensor(), i, {4, 4}); }, "max_unpool2d", "must be defined");
}

TEST(MaxUnpool3d, Errors) {
  Tensor x = ones({1, 1, 1, 2, 2}), i = tensor({0, 5, 10, 26}).reshape({1, 1, 1, 2, 2});
  expect_error(
      [&] {
        max_unpool3d(x.select(0, 0).select(0, 0), i.select(0, 0).select(0, 0), {3, 3, 3}, {2, 2, 2},
                     {0, 0, 0});
      },
      "max_unpool3d", "Expected 4D or 5D tensor for input");
  expect_error(
      [&] {
        max_unpool3d(x, i, {3, 9}, {2, 2, 2}, {0, 0, 0});
      },
      "max_unpool3d", "There should be exactly 3 elements");
  expect_error(
      [&] {
        max_unpool3d(x, i, {3, 3, 3}, {2, 2}, {0, 0, 0});
      },
      "max_unpool3d", "in stride");
  expect_error(
      [&] {
        max_unpool3d(x, i, {3, 3, 3}, {2, 2, 2}, {0});
      },
      "max_unpool3d", "in padding");
  // torch: "strides should be greater than zero, but got stride: [0, 2, 2]"
  expect_error(
      [&] {
        max_unpool3d(x, i, {3, 3, 3}, {0, 2, 2}, {0, 0, 0});
      },
      "max_unpool3d", "strides should be greater than zero");
  expect_error(
      [&] {
        max_unpool3d(x, i, {2, 3, 3}, {2, 2, 2}, {0, 0, 0});
      },
      "max_unpool3d", "Found an invalid max index: 26");
}
