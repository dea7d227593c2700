// CUDA kernels of digamma/polygamma, group norm's backward, embedding_bag and the grid samplers,
// forward and gradients, against the CPU kernels (edge values, every mode, non-contiguous inputs).
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "cuda/cuda_test.h"

using namespace ember;

namespace {

// The device copy and the comparison, in one place.
Tensor dev(const Tensor& t) { return t.cuda(); }
::testing::AssertionResult same(const Tensor& d, const Tensor& h, double rtol = 1e-5,
                                double atol = 1e-6) {
  return ember::testing::matches_cpu(d, h, rtol, atol);
}

double tol(ScalarType dt) { return dt == kHalf ? 2e-3 : dt == kBFloat16 ? 1e-2 : 1e-5; }

Tensor randn_as(IntArrayRef shape, ScalarType dt, int seed) {
  torch::manual_seed(seed);
  return torch::randn(shape, torch::kDouble).to(dt);
}

// Runs f on CPU leaves and on CUDA leaves of the same values, then compares the results and the
// gradients of sum(f(inputs) * w) for a fixed random w.
void expect_same_grads(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                       const std::vector<Tensor>& inputs, double rtol, double atol,
                       const std::string& what) {
  std::vector<Tensor> h, d;
  for (const Tensor& x : inputs) {
    h.push_back(x.detach().clone().requires_grad_());
    d.push_back(dev(x.detach()).requires_grad_());
  }
  Tensor yh = f(h), yd = f(d);
  EXPECT_TRUE(same(yd, yh, rtol, atol)) << what << ": forward";
  Tensor w = randn_as(yh.sizes(), yh.scalar_type(), 99);
  (yh * w).sum().backward();
  (yd * dev(w)).sum().backward();
  for (size_t i = 0; i < h.size(); ++i) {
    ASSERT_TRUE(h[i].grad().defined() && d[i].grad().defined()) << what << ": grad " << i;
    EXPECT_TRUE(same(d[i].grad(), h[i].grad(), rtol, atol)) << what << ": grad " << i;
  }
}

}  // namespace

TEST(CudaNnOps, DigammaPolygammaEdgeValues) {
  EMBER_REQUIRE_CUDA();
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor edges = torch::tensor({0.0,   -0.0,  -1.0, -2.0, -7.0,  -0.5, -3.5,
                                -7.25, -20.3, 1e-8, 0.1,  0.5,   1.0,  1.4616321449683622,
                                2.5,   5.99,  6.0,  10.0, 123.4, 1e6,  1e15,
                                inf,   -inf,  nan},
                               torch::kDouble);
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    Tensor h = edges.to(dt);
    Tensor d = dev(h);
    double t = dt == kDouble ? 1e-9 : tol(dt);
    std::string what = toString(dt);
    EXPECT_TRUE(same(d.digamma(), h.digamma(), t, t)) << what;
    for (int64_t n : {0, 1, 2, 3, 4, 7}) {
      EXPECT_TRUE(same(torch::polygamma(n, d), torch::polygamma(n, h), t, t)) << what << " n=" << n;
    }
    // Random values, through a non-contiguous view.
    Tensor r = (randn_as({6, 5}, kDouble, 3) * 4).to(dt);
    Tensor dr = dev(r);
    EXPECT_TRUE(same(dr.t().digamma(), r.t().digamma(), t, t)) << what;
    EXPECT_TRUE(same(torch::polygamma(2, dr.t()), torch::polygamma(2, r.t()), t, t)) << what;
  }
  // Integer input promotes to float, as on the CPU.
  Tensor ints = torch::tensor({-2, -1, 0, 1, 2, 3, 50}, torch::kLong);
  EXPECT_TRUE(same(dev(ints).digamma(), ints.digamma()));
  EXPECT_TRUE(same(torch::polygamma(3, dev(ints)), torch::polygamma(3, ints)));
  // Gradients: digamma -> polygamma(1), polygamma(n) -> polygamma(n + 1).
  Tensor x = randn_as({4, 3}, kDouble, 5).abs() + 0.3;
  expect_same_grads([](const std::vector<Tensor>& v) { return v[0].digamma(); }, {x}, 1e-9, 1e-9,
                    "digamma");
  expect_same_grads([](const std::vector<Tensor>& v) { return torch::polygamma(2, v[0]); }, {x},
                    1e-9, 1e-9, "polygamma");
}

TEST(CudaNnOps, GroupNormBackward) {
  EMBER_REQUIRE_CUDA();
  struct Shape {
    std::vector<int64_t> sizes;
    int64_t groups;
    bool affine;
  };
  const Shape shapes[] = {{{2, 6, 5, 4}, 3, true},
                          {{3, 4, 7}, 2, false},
                          {{2, 8}, 4, true},
                          {{1, 6, 3, 3}, 6, true},
                          {{2, 4, 33, 17}, 1, true}};
  for (ScalarType dt : {kFloat, kDouble}) {
    double t = dt == kDouble ? 1e-9 : 1e-4;
    for (const Shape& s : shapes) {
      int64_t C = s.sizes[1];
      Tensor x = randn_as(s.sizes, dt, 7) * 3 + 1;
      std::string what = std::string(toString(dt)) + " " + std::to_string(s.sizes.size()) +
                         "-D, groups " + std::to_string(s.groups);
      if (s.affine) {
        Tensor w = randn_as({C}, dt, 8), b = randn_as({C}, dt, 9);
        expect_same_grads(
            [&](const std::vector<Tensor>& v) {
              return torch::group_norm(v[0], s.groups, v[1], v[2], 1e-5);
            },
            {x, w, b}, t, t, what);
      } else {
        expect_same_grads(
            [&](const std::vector<Tensor>& v) { return torch::group_norm(v[0], s.groups); }, {x}, t,
            t, what);
      }
    }
    // Non-contiguous input: channels taken from a transposed tensor.
    Tensor base = randn_as({3, 5, 6}, dt, 10);
    Tensor w = randn_as({6}, dt, 11), b = randn_as({6}, dt, 12);
    expect_same_grads(
        [](const std::vector<Tensor>& v) {
          return torch::group_norm(v[0].transpose(1, 2), 3, v[1], v[2], 1e-5);
        },
        {base, w, b}, t, t, std::string(toString(dt)) + " non-contiguous");
  }
}

TEST(CudaNnOps, EmbeddingBagModes) {
  EMBER_REQUIRE_CUDA();
  Tensor indices = torch::tensor({3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}, torch::kLong);
  // Empty bags at the start, in the middle and at the end.
  Tensor offsets = torch::tensor({0, 0, 3, 3, 7, 12}, torch::kLong);
  for (ScalarType dt : {kFloat, kDouble, kHalf}) {
    double t = dt == kHalf ? 5e-3 : dt == kDouble ? 1e-10 : 1e-5;
    Tensor weight = randn_as({10, 5}, dt, 13);
    for (int64_t mode : {0, 1, 2}) {
      for (bool last : {false, true}) {
        for (std::optional<int64_t> pad :
             {std::optional<int64_t>{}, std::optional<int64_t>{5}, std::optional<int64_t>{-1}}) {
          for (bool freq : {false, true}) {
            std::string what = std::string(toString(dt)) + " mode " + std::to_string(mode) +
                               (last ? " include_last_offset" : "") +
                               (pad ? " padding_idx " + std::to_string(*pad) : "") +
                               (freq ? " scale_grad_by_freq" : "");
            auto h =
                torch::embedding_bag(weight, indices, offsets, freq, mode, false, {}, last, pad);
            auto d = torch::embedding_bag(dev(weight), dev(indices), dev(offsets), freq, mode,
                                          false, {}, last, pad);
            EXPECT_TRUE(same(std::get<0>(d), std::get<0>(h), t, t)) << what;
            EXPECT_TRUE(same(std::get<1>(d), std::get<1>(h))) << what << " offset2bag";
            EXPECT_TRUE(same(std::get<2>(d), std::get<2>(h))) << what << " bag_size";
            EXPECT_TRUE(same(std::get<3>(d), std::get<3>(h))) << what << " max_indices";
            expect_same_grads(
                [&](const std::vector<Tensor>& v) {
                  Tensor i = indices.to(v[0].device());
                  Tensor o = offsets.to(v[0].device());
                  return std::get<0>(
                      torch::embedding_bag(v[0], i, o, freq, mode, false, {}, last, pad));
                },
                {weight}, t, t, what);
          }
        }
      }
    }
    // per_sample_weights (sum only), with and without padding_idx; int32 indices.
    Tensor psw = randn_as({12}, dt, 14);
    for (std::optional<int64_t> pad : {std::optional<int64_t>{}, std::optional<int64_t>{1}}) {
      expect_same_grads(
          [&](const std::vector<Tensor>& v) {
            Tensor i = indices.to(v[0].device()).to(torch::kInt);
            Tensor o = offsets.to(v[0].device());
            return std::get<0>(torch::embedding_bag(v[0], i, o, false, 0, false, v[1], false, pad));
          },
          {weight, psw}, t, t, std::string(toString(dt)) + " per_sample_weights");
    }
  }
  // Max mode: a NaN row wins its columns, as on the CPU; no indices at all.
  Tensor w = randn_as({6, 4}, kFloat, 15);
  w[2][1] = std::nan("");
  Tensor idx = torch::tensor({0, 2, 3, 2, 5}, torch::kLong), off = torch::tensor({0, 2, 5});
  auto h = torch::embedding_bag(w, idx, off, false, 2);
  auto d = torch::embedding_bag(dev(w), dev(idx), dev(off), false, 2);
  EXPECT_TRUE(same(std::get<0>(d), std::get<0>(h)));
  EXPECT_TRUE(same(std::get<3>(d), std::get<3>(h)));
  Tensor none = torch::zeros({0}, torch::kLong);
  auto e = torch::embedding_bag(dev(w), dev(none), dev(torch::tensor({0, 0})), false, 1);
  EXPECT_TRUE(same(std::get<0>(e), torch::zeros({2, 4})));
  // A bad index is an error naming it; tensors on two devices are an error.
  Tensor bad = dev(torch::tensor({0, 7}, torch::kLong));
  std::string m =
      error_of([&] { (void)torch::embedding_bag(dev(w), bad, dev(torch::tensor({0})), false, 0); });
  EXPECT_NE(m.find("index out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("7"), std::string::npos) << m;
  m = error_of([&] { (void)torch::embedding_bag(dev(w), idx, off, false, 0); });
  EXPECT_NE(m.find("same device"), std::string::npos) << m;
}

TEST(CudaNnOps, GridSampler2d) {
  EMBER_REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (ScalarType dt : {kFloat, kDouble}) {
    double t = dt == kDouble ? 1e-9 : 1e-4;
    Tensor input = randn_as({2, 3, 5, 7}, dt, 16);
    // Points inside and outside [-1, 1], on the corners, and non-finite or huge ones.
    Tensor grid = (randn_as({2, 4, 6, 2}, kDouble, 17) * 0.9).to(dt);
    Tensor special = torch::tensor({-1.0, -1.0, 1.0, 1.0, 1.0, -1.0, nan, 0.2, 0.1, inf, 1e10,
                                    -1e10, -1.7, 2.3, 0.0, 0.0},
                                   torch::kDouble)
                         .view({1, 2, 4, 2})
                         .to(dt);
    grid.narrow(0, 0, 1).narrow(1, 0, 2).narrow(2, 0, 4).copy_(special);
    for (int64_t mode : {0, 1, 2}) {
      for (int64_t padding : {0, 1, 2}) {
        for (bool align : {false, true}) {
          std::string what = std::string(toString(dt)) + " mode " + std::to_string(mode) +
                             " padding " + std::to_string(padding) +
                             (align ? " align_corners" : "");
          expect_same_grads(
              [&](const std::vector<Tensor>& v) {
                return torch::grid_sampler(v[0], v[1], mode, padding, align);
              },
              {input, grid}, t, t, what);
        }
      }
    }
    // Non-contiguous input and grid; a 1x1 input (reflection's degenerate span).
    expect_same_grads(
        [](const std::vector<Tensor>& v) {
          return torch::grid_sampler(v[0].transpose(2, 3), v[1].transpose(1, 2), 0, 2, false);
        },
        {randn_as({2, 2, 6, 4}, dt, 18), (randn_as({2, 3, 5, 2}, kDouble, 19)).to(dt)}, t, t,
        std::string(toString(dt)) + " non-contiguous");
    for (int64_t padding : {0, 1, 2}) {
      for (bool align : {false, true}) {
        expect_same_grads(
            [&](const std::vector<Tensor>& v) {
              return torch::grid_sampler(v[0], v[1], 0, padding, align);
            },
            {randn_as({1, 2, 1, 1}, dt, 20), randn_as({1, 3, 3, 2}, dt, 21)}, t, t,
            std::string(toString(dt)) + " 1x1 input");
      }
    }
  }
}

TEST(CudaNnOps, GridSampler3d) {
  EMBER_REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ScalarType dt : {kFloat, kDouble}) {
    double t = dt == kDouble ? 1e-9 : 1e-4;
    Tensor input = randn_as({2, 2, 3, 4, 5}, dt, 22);
    Tensor grid = (randn_as({2, 3, 2, 4, 3}, kDouble, 23) * 0.9).to(dt);
    Tensor special =
        torch::tensor({-1.0, -1.0, -1.0, 1.0, 1.0, 1.0, nan, 0.0, 0.5, 1e10, -2.5, 0.3},
                      torch::kDouble)
            .view({1, 1, 1, 4, 3})
            .to(dt);
    grid.narrow(0, 0, 1).narrow(1, 0, 1).narrow(2, 0, 1).copy_(special);
    for (int64_t mode : {0, 1}) {
      for (int64_t padding : {0, 1, 2}) {
        for (bool align : {false, true}) {
          std::string what = std::string(toString(dt)) + " mode " + std::to_string(mode) +
                             " padding " + std::to_string(padding) +
                             (align ? " align_corners" : "");
          expect_same_grads(
              [&](const std::vector<Tensor>& v) {
                return torch::grid_sampler(v[0], v[1], mode, padding, align);
              },
              {input, grid}, t, t, what);
        }
      }
    }
    expect_same_grads(
        [](const std::vector<Tensor>& v) {
          return torch::grid_sampler(v[0].transpose(2, 4), v[1], 0, 1, true);
        },
        {randn_as({1, 3, 4, 2, 3}, dt, 24), randn_as({1, 2, 2, 2, 3}, dt, 25)}, t, t,
        std::string(toString(dt)) + " non-contiguous");
  }
  // Only the input's gradient, only the grid's gradient.
  Tensor input = randn_as({1, 2, 3, 3, 3}, kFloat, 26),
         grid = randn_as({1, 2, 2, 2, 3}, kFloat, 27);
  Tensor go = randn_as({1, 2, 2, 2, 2}, kFloat, 28);
  for (bool want_input : {false, true}) {
    std::array<bool, 2> mask{want_input, !want_input};
    auto [hi, hg] = torch::grid_sampler_3d_backward(go, input, grid, 0, 0, false, mask);
    auto [di, dg] =
        torch::grid_sampler_3d_backward(dev(go), dev(input), dev(grid), 0, 0, false, mask);
    EXPECT_EQ(di.defined(), want_input);
    EXPECT_EQ(dg.defined(), !want_input);
    if (want_input) {
      EXPECT_TRUE(same(di, hi, 1e-4, 1e-4));
    } else {
      EXPECT_TRUE(same(dg, hg, 1e-4, 1e-4));
    }
  }
}

TEST(CudaNnOps, CumExtremumAndLogcumsumexp) {
  EMBER_REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16, kInt, kLong, kByte, kBool}) {
    Tensor h = (randn_as({4, 7, 3}, kDouble, 30) * 3).round();  // ties along the dim
    if (isFloatingType(dt)) h[1][2][0] = nan;
    h = dt == kBool ? h.gt(0) : (dt == kByte ? h.abs() : h).to(dt);
    std::string what = toString(dt);
    for (int64_t dim : {0, 1, 2, -1}) {
      auto [hv, hi] = torch::cummax(h, dim);
      auto [dv, di] = torch::cummax(dev(h), dim);
      EXPECT_TRUE(same(dv, hv)) << what << " cummax dim " << dim;
      EXPECT_TRUE(same(di, hi)) << what << " cummax indices dim " << dim;
      auto [lv, li] = torch::cummin(h, dim);
      auto [ev, ei] = torch::cummin(dev(h), dim);
      EXPECT_TRUE(same(ev, lv)) << what << " cummin dim " << dim;
      EXPECT_TRUE(same(ei, li)) << what << " cummin indices dim " << dim;
    }
    // Non-contiguous input.
    auto [tv, ti] = torch::cummax(dev(h).transpose(0, 2), 1);
    auto [uv, ui] = torch::cummax(h.transpose(0, 2), 1);
    EXPECT_TRUE(same(tv, uv)) << what;
    EXPECT_TRUE(same(ti, ui)) << what;
  }
  for (ScalarType dt : {kFloat, kDouble, kHalf, kBFloat16}) {
    double t = dt == kDouble ? 1e-10 : tol(dt);
    Tensor h = (randn_as({3, 6, 4}, kDouble, 31) * 20).to(dt);
    h[0][1][1] = -std::numeric_limits<double>::infinity();
    h[1][0][2] = std::numeric_limits<double>::infinity();
    h[2][3][3] = nan;
    for (int64_t dim : {0, 1, 2})
      EXPECT_TRUE(same(torch::logcumsumexp(dev(h), dim), torch::logcumsumexp(h, dim), t, t))
          << toString(dt) << " dim " << dim;
  }
  // Gradients: cummax's backward scatters through scatter_gather_dim; logcumsumexp's is a formula.
  Tensor x = randn_as({5, 6}, kDouble, 32);
  expect_same_grads(
      [](const std::vector<Tensor>& v) { return std::get<0>(torch::cummax(v[0], 1)); }, {x}, 1e-10,
      1e-10, "cummax");
  expect_same_grads(
      [](const std::vector<Tensor>& v) { return std::get<0>(torch::cummin(v[0], 0)); }, {x}, 1e-10,
      1e-10, "cummin");
  expect_same_grads([](const std::vector<Tensor>& v) { return torch::logcumsumexp(v[0], 1); }, {x},
                    1e-10, 1e-10, "logcumsumexp");
}
