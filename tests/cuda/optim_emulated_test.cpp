// optim.cu's multi-tensor kernels (src/cuda/multi_tensor_kernels.cuh) run on the CPU through the
// SIMT emulator of tests/support/simt.h (Note [Emulated kernels] in tests/README.md), launched as
// multi_tensor_apply cuts the lists: fused Adam (with and without amsgrad) and SGD (momentum) over
// 41 float tensors from 1 element to several 65536-element chunks (more tensors than one launch
// takes), every element updated once and nothing past a tensor's end touched, the same bits as the
// CPU rule; the gradient-clipping sums of squares per chunk and the scaling. No GPU needed.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <torch/torch.h>

// The emulator's CUDA names, then the kernels (this order: the emulator defines macros).
#include "support/simt.h"
// (keep)
#include "src/cuda/multi_tensor_kernels.cuh"

using namespace ember;

namespace {

constexpr int64_t kGuard = 37;  // sentinel elements after each tensor

std::vector<int64_t> sizes() {
  std::vector<int64_t> s = {1, 511, 512, 513, 65536, 65539, 3 * 65536 + 100, 0, 2048};
  for (int i = 0; i < 32; ++i) s.push_back(100 + 37 * i);
  return s;
}

// A tensor of n values followed by kGuard NaN sentinels.
Tensor guarded(int64_t n, int seed) {
  torch::manual_seed(static_cast<uint64_t>(seed));
  Tensor t = torch::full({n + kGuard}, std::numeric_limits<double>::quiet_NaN(), kFloat);
  t.narrow(0, 0, n).copy_(torch::randn({n}));
  return t;
}
bool guards_intact(const Tensor& t, int64_t n) {
  return t.narrow(0, n, kGuard).isnan().all().item<bool>();
}

template <int Depth, class Kernel, class... Args>
void apply(const std::vector<cuda::TensorListEntry<Depth>>& entries, Kernel kernel, Args... args) {
  cuda::multi_tensor_apply<Depth>(entries, [&](const cuda::TensorListMeta<Depth>& meta, int nb) {
    simt::launch(dim3(static_cast<unsigned>(nb)), dim3(cuda::kMtaThreads), 0,
                 [&] { kernel(meta, args...); });
  });
}

}  // namespace

TEST(MultiTensorEmulated, AdamAndSgdUpdateEveryElementOnce) {
  const std::vector<int64_t> n = sizes();
  for (bool amsgrad : {false, true}) {
    AdamHyper h;
    h.lr = 1e-3;
    h.beta1 = 0.9;
    h.beta2 = 0.95;
    h.weight_decay = 0.1;
    h.eps = 1e-8;
    h.amsgrad = amsgrad;
    h.decoupled = true;
    const AdamCoeffs<float> c(h);
    std::vector<Tensor> p, g, m, v, vmax;
    std::vector<cuda::TensorListEntry<5>> entries;
    for (size_t i = 0; i < n.size(); ++i) {
      const int s = static_cast<int>(i) * 5;
      p.push_back(guarded(n[i], s));
      g.push_back(guarded(n[i], s + 1));
      m.push_back(guarded(n[i], s + 2));
      v.push_back(guarded(n[i], s + 3).abs());
      vmax.push_back(guarded(n[i], s + 4).abs());
      cuda::TensorListEntry<5> e;
      e.ptrs[0] = p[i].data_ptr();
      e.ptrs[1] = g[i].data_ptr();
      e.ptrs[2] = m[i].data_ptr();
      e.ptrs[3] = v[i].data_ptr();
      e.ptrs[4] = amsgrad ? vmax[i].data_ptr() : nullptr;
      e.numel = n[i];
      e.scalars[0] = -1e-3 / (1 - std::pow(0.9, 3));
      e.scalars[1] = std::sqrt(1 - std::pow(0.95, 3));
      entries.push_back(e);
    }
    // Expected: the CPU rule on copies.
    std::vector<Tensor> ep, em, ev, evmax;
    for (size_t i = 0; i < n.size(); ++i) {
      ep.push_back(p[i].clone());
      em.push_back(m[i].clone());
      ev.push_back(v[i].clone());
      evmax.push_back(vmax[i].clone());
      for (int64_t k = 0; k < n[i]; ++k) {
        adam_update_at<float, float>(
            ep[i].data_ptr<float>(), g[i].data_ptr<float>(), em[i].data_ptr<float>(),
            ev[i].data_ptr<float>(), amsgrad ? evmax[i].data_ptr<float>() : nullptr, k, c,
            static_cast<float>(entries[i].scalars[0]), static_cast<float>(entries[i].scalars[1]));
      }
    }
    apply<5>(entries, cuda::fused_adam_kernel<float, float>, c);
    for (size_t i = 0; i < n.size(); ++i) {
      SCOPED_TRACE(::testing::Message()
                   << "tensor " << i << " of " << n[i] << " amsgrad " << amsgrad);
      EXPECT_TRUE(p[i].narrow(0, 0, n[i]).equal(ep[i].narrow(0, 0, n[i])));
      EXPECT_TRUE(m[i].narrow(0, 0, n[i]).equal(em[i].narrow(0, 0, n[i])));
      EXPECT_TRUE(v[i].narrow(0, 0, n[i]).equal(ev[i].narrow(0, 0, n[i])));
      if (amsgrad) {
        EXPECT_TRUE(vmax[i].narrow(0, 0, n[i]).equal(evmax[i].narrow(0, 0, n[i])));
      }
      EXPECT_TRUE(guards_intact(p[i], n[i]) && guards_intact(m[i], n[i]) &&
                  guards_intact(v[i], n[i]) && guards_intact(vmax[i], n[i]));
    }
  }
  // SGD with momentum (a buffer) and without.
  for (bool momentum : {true, false}) {
    SgdHyper h;
    h.lr = 0.05;
    h.momentum = momentum ? 0.9 : 0;
    h.weight_decay = 1e-4;
    const SgdCoeffs<float> c(h);
    std::vector<Tensor> p, g, buf, ep, ebuf;
    std::vector<cuda::TensorListEntry<3>> entries;
    for (size_t i = 0; i < n.size(); ++i) {
      const int s = 1000 + static_cast<int>(i) * 3;
      p.push_back(guarded(n[i], s));
      g.push_back(guarded(n[i], s + 1));
      buf.push_back(guarded(n[i], s + 2));
      ep.push_back(p[i].clone());
      ebuf.push_back(buf[i].clone());
      for (int64_t k = 0; k < n[i]; ++k) {
        sgd_update_at<float, float>(ep[i].data_ptr<float>(), g[i].data_ptr<float>(),
                                    momentum ? ebuf[i].data_ptr<float>() : nullptr, k, false, c);
      }
      cuda::TensorListEntry<3> e;
      e.ptrs[0] = p[i].data_ptr();
      e.ptrs[1] = g[i].data_ptr();
      e.ptrs[2] = momentum ? buf[i].data_ptr() : nullptr;
      e.numel = n[i];
      entries.push_back(e);
    }
    apply<3>(entries, cuda::fused_sgd_kernel<float, float>, c, false);
    for (size_t i = 0; i < n.size(); ++i) {
      SCOPED_TRACE(::testing::Message() << "sgd tensor " << i << " momentum " << momentum);
      EXPECT_TRUE(p[i].narrow(0, 0, n[i]).equal(ep[i].narrow(0, 0, n[i])));
      EXPECT_TRUE(buf[i].narrow(0, 0, n[i]).equal(ebuf[i].narrow(0, 0, n[i])));
      EXPECT_TRUE(guards_intact(p[i], n[i]) && guards_intact(buf[i], n[i]));
    }
  }
}

TEST(MultiTensorEmulated, ClippingSumsAndScale) {
  const std::vector<int64_t> n = sizes();
  std::vector<Tensor> x;
  std::vector<cuda::TensorListEntry<1>> entries;
  int64_t chunks = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    x.push_back(guarded(n[i], 2000 + static_cast<int>(i)));
    cuda::TensorListEntry<1> e;
    e.ptrs[0] = x[i].data_ptr();
    e.numel = n[i];
    e.scalars[0] = static_cast<double>(chunks);  // the tensor's first chunk in `partial`
    chunks += (n[i] + cuda::kMtaChunk - 1) / cuda::kMtaChunk;
    entries.push_back(e);
  }
  Tensor partial = torch::full({chunks}, -1.0, kDouble);
  apply<1>(entries, cuda::foreach_sum_squares_kernel<float>, partial.data_ptr<double>());
  double total = 0, want = 0;
  for (size_t i = 0; i < n.size(); ++i) {
    want += x[i].narrow(0, 0, n[i]).to(kDouble).pow(2).sum().item<double>();
  }
  total = partial.sum().item<double>();
  EXPECT_TRUE(partial.ge(0).all().item<bool>()) << "a chunk's sum was not written";
  EXPECT_NEAR(total, want, 1e-9 * want);
  // Scaling by a value in device memory.
  float scale = 0.25f;
  std::vector<Tensor> before;
  for (const Tensor& t : x) before.push_back(t.clone());
  apply<1>(entries, cuda::foreach_scale_kernel<float>, static_cast<const float*>(&scale));
  for (size_t i = 0; i < n.size(); ++i) {
    EXPECT_TRUE(x[i].narrow(0, 0, n[i]).equal(before[i].narrow(0, 0, n[i]) * 0.25)) << i;
    EXPECT_TRUE(guards_intact(x[i], n[i])) << i;
  }
}
