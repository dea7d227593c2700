// src/cuda/nn.cu + nn_kernels.cpp + layer_norm.cu + batchnorm_cudnn.cpp: layer/batch/group norm
// (batch norm through cuDNN too), cross entropy / nll_loss, embedding_bag, forward and gradients,
// against the CPU kernels.
#include <cmath>
#include <string>
#include <vector>

#include "cuda/op_test_util.h"

using namespace ember;
using namespace ember::cuda_test;

TEST(CudaNn, LayerNormAndCrossEntropy) {
  EMBER_REQUIRE_CUDA();
  namespace F = torch::nn::functional;
  for (ScalarType dt : kFloats) {
    Tensor x = values(dt, {6, 40}, 34), w = values(dt, {40}, 35), b = values(dt, {40}, 36);
    double t = dt == kFloat || dt == kDouble ? 1e-5 : tol(dt) * 4;
    Tensor hx = x.clone().requires_grad_(true), hw = w.clone().requires_grad_(true),
           hb = b.clone().requires_grad_(true);
    Tensor dx = x.cuda().requires_grad_(true), dw = w.cuda().requires_grad_(true),
           db = b.cuda().requires_grad_(true);
    Tensor gy = values(dt, {6, 40}, 37);
    Tensor hy = torch::layer_norm(hx, {40}, hw, hb, 1e-5);
    Tensor dy = torch::layer_norm(dx, {40}, dw, db, 1e-5);
    EXPECT_TRUE(matches_cpu(dy, hy, t, t)) << toString(dt);
    (hy * gy).sum().backward();
    (dy * gy.cuda()).sum().backward();
    EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), t * 10, t * 10)) << toString(dt);
    EXPECT_TRUE(matches_cpu(dw.grad(), hw.grad(), t * 10, t * 10)) << toString(dt);
    EXPECT_TRUE(matches_cpu(db.grad(), hb.grad(), t * 10, t * 10)) << toString(dt);
  }
  for (ScalarType dt : {kFloat, kDouble}) {
    Tensor logits = values(dt, {16, 10}, 38);
    Tensor target = torch::randint(0, 10, {16}, torch::kLong);
    target[3] = -100;
    Tensor h = logits.clone().requires_grad_(true), d = logits.cuda().requires_grad_(true);
    Tensor hl = F::cross_entropy(h, target), dl = F::cross_entropy(d, target.cuda());
    EXPECT_TRUE(matches_cpu(dl, hl, 1e-5, 1e-6)) << toString(dt);
    hl.backward();
    dl.backward();
    EXPECT_TRUE(matches_cpu(d.grad(), h.grad(), 1e-5, 1e-6)) << toString(dt);
    EXPECT_TRUE(matches_cpu(
        F::cross_entropy(d, target.cuda(), F::CrossEntropyFuncOptions().reduction(torch::kNone)),
        F::cross_entropy(h, target, F::CrossEntropyFuncOptions().reduction(torch::kNone)), 1e-5,
        1e-6));
  }
  Tensor bad = torch::tensor(std::vector<int64_t>{0, 12}).cuda();
  std::string m = error_of([&] {
    (void)F::cross_entropy(torch::zeros({2, 10}, torch::kCUDA), bad);
    torch::cuda::synchronize();  // raised there at the latest (Note [Deferred kernel errors])
  });
  EXPECT_NE(m.find("Target 12 is out of bounds"), std::string::npos) << m;
}

// Float rows of a multiple of 4 up to 4096 take src/cuda/layer_norm.cu (a warp per row, 1 to 8
// float4 per lane, weight and bias gradients summed per block then across blocks); others and
// unaligned rows the generic kernels. Every case against the CPU in double; parameter gradients
// identical on a second run.
TEST(CudaNn, LayerNormRowKernels) {
  EMBER_REQUIRE_CUDA();
  struct Case {
    int64_t M, N;
    bool affine;
  };
  const Case cases[] = {{3, 4, true},    {5, 40, false},    {2500, 128, true},
                        {7, 132, true},  {2500, 768, true}, {33, 1000, false},
                        {9, 4096, true}, {4, 4100, true},   {6, 770, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "M " << c.M << " N " << c.N << " affine " << c.affine);
    torch::manual_seed(c.M + c.N);
    Tensor x = torch::randn({c.M, c.N}) * 3 + 1, g = torch::randn({c.M, c.N});
    Tensor w = torch::randn({c.N}), b = torch::randn({c.N});
    auto run = [&](const Tensor& xx, const Tensor& ww, const Tensor& bb, const Tensor& gg) {
      Tensor xr = xx.detach().requires_grad_(), wr = ww.detach().requires_grad_(),
             br = bb.detach().requires_grad_();
      Tensor y = c.affine ? torch::layer_norm(xr, {c.N}, wr, br, 1e-5)
                          : torch::layer_norm(xr, {c.N}, {}, {}, 1e-5);
      std::vector<Tensor> in = {xr};
      if (c.affine) in = {xr, wr, br};
      std::vector<Tensor> out = torch::autograd::grad({y}, in, {gg});
      out.insert(out.begin(), y.detach());
      return out;
    };
    auto ref = run(x.to(kDouble), w.to(kDouble), b.to(kDouble), g.to(kDouble));
    auto got = run(x.cuda(), w.cuda(), b.cuda(), g.cuda());
    const char* names[] = {"y", "grad x", "grad w", "grad b"};
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].dtype(), kFloat);
      const double scale = i >= 2 ? std::sqrt(static_cast<double>(c.M)) : 1.0;
      EXPECT_TRUE(matches_cpu(got[i], ref[i].to(kFloat), 2e-5, 2e-5 * scale)) << names[i];
    }
    if (c.affine) {
      auto again = run(x.cuda(), w.cuda(), b.cuda(), g.cuda());
      EXPECT_TRUE(torch::equal(again[2], got[2]) && torch::equal(again[3], got[3]));
    }
  }
  // A row start that is not 16-byte aligned takes the generic kernels, with the same values.
  Tensor base = torch::randn({4 * 64 + 1});
  Tensor x = base.narrow(0, 1, 4 * 64).view({4, 64});
  EXPECT_TRUE(
      matches_cpu(torch::layer_norm(x.cuda(), {64}), torch::layer_norm(x, {64}), 1e-5, 1e-5));
  Tensor xc = base.cuda().narrow(0, 1, 4 * 64).view({4, 64});
  EXPECT_TRUE(matches_cpu(torch::layer_norm(xc, {64}), torch::layer_norm(x, {64}), 1e-5, 1e-5));
}

// A small MLP trained for a few SGD steps on each device ends with the same weights.

TEST(CudaNn, BatchNormTrainingAndEval) {
  EMBER_REQUIRE_CUDA();
  auto make = [] {
    torch::manual_seed(3);
    return torch::nn::BatchNorm2d(4);
  };
  auto h = make(), d = make();
  d->to(torch::kCUDA);
  Tensor x = values(kFloat, {3, 4, 5, 5}, 43);
  Tensor hx = x.clone().requires_grad_(true), dx = x.cuda().requires_grad_(true);
  Tensor w = values(kFloat, {3, 4, 5, 5}, 44);
  Tensor hy = h->forward(hx), dy = d->forward(dx);
  EXPECT_TRUE(matches_cpu(dy, hy, 1e-4, 1e-5));
  (hy * w).sum().backward();
  (dy * w.cuda()).sum().backward();
  EXPECT_TRUE(matches_cpu(dx.grad(), hx.grad(), 1e-4, 1e-5));
  EXPECT_TRUE(matches_cpu(d->weight.grad(), h->weight.grad(), 1e-4, 1e-4));
  EXPECT_TRUE(matches_cpu(d->running_mean, h->running_mean, 1e-5, 1e-6));
  EXPECT_TRUE(matches_cpu(d->running_var, h->running_var, 1e-5, 1e-6));
  h->eval();
  d->eval();
  EXPECT_TRUE(matches_cpu(d->forward(x.cuda()), h->forward(x), 1e-5, 1e-5));
}

// Note [cuDNN batch norm]: torch::batch_norm through cuDNN (when loaded) and through the native
// kernels (cuDNN switched off) against the CPU in double: outputs, running statistics and
// gradients, training and eval, float / double / half (float parameters) inputs of 2 to 5 dims.
// The native path keeps torch::native_batch_norm and the cases cuDNN does not take (bfloat16,
// no affine parameters).
TEST(CudaNn, CudnnBatchNorm) {
  EMBER_REQUIRE_CUDA();
  const std::vector<std::vector<int64_t>> shapes = {
      {8, 5}, {4, 3, 17}, {3, 4, 6, 5}, {2, 3, 4, 3, 5}, {64, 16, 9, 9}};
  for (bool cudnn_on : {true, false}) {
    CudnnFlagsGuard flags(/*tf32=*/false, false, false, cudnn_on);
    const bool via_cudnn = cudnn_on && torch::cuda::cudnn_is_available();
    for (ScalarType dt : {kFloat, kDouble, kHalf}) {
      for (const auto& shape : shapes) {
        for (bool training : {true, false}) {
          SCOPED_TRACE(::testing::Message() << toString(dt) << " " << IntArrayRef(shape)
                                            << " training " << training << " cuDNN " << cudnn_on);
          const int64_t C = shape[1];
          const ScalarType pdt = dt == kDouble ? kDouble : kFloat;
          torch::manual_seed(C + static_cast<int64_t>(shape.size()));
          Tensor x = (torch::randn(shape) * 2 + 0.5).to(dt);
          Tensor g = torch::randn(shape).to(dt);
          Tensor w = torch::rand({C}) + 0.5, b = torch::randn({C});
          Tensor rm = torch::randn({C}) * 0.1, rv = torch::rand({C}) + 0.5;
          // The reference: the CPU in double on the same (rounded) values.
          Tensor hx = x.to(kDouble).requires_grad_(), hw = w.to(kDouble).requires_grad_(),
                 hb = b.to(kDouble).requires_grad_();
          Tensor hrm = rm.to(kDouble), hrv = rv.to(kDouble);
          Tensor hy = torch::batch_norm(hx, hw, hb, hrm, hrv, training, 0.1, 1e-5, false);
          auto hg = torch::autograd::grad({hy}, {hx, hw, hb}, {g.to(kDouble)});
          Tensor dx = x.cuda().requires_grad_(), dw = w.to(pdt).cuda().requires_grad_(),
                 db = b.to(pdt).cuda().requires_grad_();
          Tensor drm = rm.to(pdt).cuda(), drv = rv.to(pdt).cuda();
          Tensor dy = torch::batch_norm(dx, dw, db, drm, drv, training, 0.1, 1e-5, true);
          ASSERT_TRUE(dy.grad_fn());
          EXPECT_EQ(dy.grad_fn()->name(),
                    via_cudnn ? "CudnnBatchNormBackward0" : "NativeBatchNormBackward0");
          EXPECT_EQ(dy.dtype(), dt);
          auto dg = torch::autograd::grad({dy}, {dx, dw, db}, {g.cuda()});
          const double t = dt == kHalf ? 1e-2 : dt == kFloat ? 1e-4 : 1e-9;
          EXPECT_TRUE(matches_cpu(dy, hy.to(dt), t, t)) << "y";
          EXPECT_TRUE(matches_cpu(drm, hrm.to(pdt), t, t)) << "running mean";
          EXPECT_TRUE(matches_cpu(drv, hrv.to(pdt), t, t)) << "running var";
          const double n = static_cast<double>(x.numel() / C);
          EXPECT_TRUE(matches_cpu(dg[0], hg[0].to(dt), t, t)) << "grad x";
          EXPECT_TRUE(matches_cpu(dg[1], hg[1].to(pdt), t, t * std::sqrt(n))) << "grad w";
          EXPECT_TRUE(matches_cpu(dg[2], hg[2].to(pdt), t, t * std::sqrt(n))) << "grad b";
        }
      }
    }
  }
  // Without running statistics in training (track_running_stats=false), and the module.
  {
    Tensor x = torch::randn({6, 3, 4, 4});
    Tensor hy =
        torch::batch_norm(x, torch::ones({3}), torch::zeros({3}), {}, {}, true, 0.1, 1e-5, false);
    Tensor dy = torch::batch_norm(x.cuda(), torch::ones({3}).cuda(), torch::zeros({3}).cuda(), {},
                                  {}, true, 0.1, 1e-5, true);
    EXPECT_TRUE(matches_cpu(dy, hy, 1e-4, 1e-5));
    torch::nn::BatchNorm2d bn(3);
    bn->to(torch::kCUDA);
    Tensor y = bn->forward(x.cuda().requires_grad_());
    EXPECT_EQ(y.grad_fn()->name(), torch::cuda::cudnn_is_available() ? "CudnnBatchNormBackward0"
                                                                     : "NativeBatchNormBackward0");
  }
}

TEST(CudaNn, GroupNormBackward) {
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

TEST(CudaNn, EmbeddingBagModes) {
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
  std::string m = error_of([&] {
    (void)torch::embedding_bag(dev(w), bad, dev(torch::tensor({0})), false, 0);
    torch::cuda::synchronize();
  });
  EXPECT_NE(m.find("index out of range"), std::string::npos) << m;
  EXPECT_NE(m.find("7"), std::string::npos) << m;
  m = error_of([&] { (void)torch::embedding_bag(dev(w), idx, off, false, 0); });
  EXPECT_NE(m.find("same device"), std::string::npos) << m;
}
