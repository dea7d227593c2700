// Compute-bound rows: sgemm / dgemm, batched matmul of attention shapes, conv2d forward and
// forward+backward on ResNet-18 and Fashion-MNIST CNN layer shapes, LSTM forward+backward.
// `work` counts flops (2 per multiply-add).
#include "harness.h"

namespace bench {
namespace {

template <class L>
Side gemm(int64_t n, bool f64) {
  auto a = L::from(uniform(static_cast<size_t>(n * n), 41), {n, n});
  auto b = L::from(uniform(static_cast<size_t>(n * n), 42), {n, n});
  if (f64) {
    a = L::to_double(a);
    b = L::to_double(b);
  }
  return {[=] { (void)a.mm(b); }, [=] { return L::values(a.mm(b)); }, L::threads};
}

template <class L>
Side bmm(int64_t batch, int64_t m, int64_t k, int64_t n) {
  auto a = L::from(uniform(static_cast<size_t>(batch * m * k), 43), {batch, m, k});
  auto b = L::from(uniform(static_cast<size_t>(batch * k * n), 44), {batch, k, n});
  return {[=] { (void)a.bmm(b); }, [=] { return L::values(a.bmm(b)); }, L::threads};
}

struct ConvShape {
  const char* name;
  int64_t n, c, h, k, r, stride, pad;
  int64_t out() const { return (h + 2 * pad - r) / stride + 1; }
  double flops() const { return 2.0 * n * k * c * r * r * out() * out(); }
};

template <class L>
Side conv(ConvShape s, bool backward) {
  using T = typename L::Tensor;
  auto x = L::from(uniform(static_cast<size_t>(s.n * s.c * s.h * s.h), 51), {s.n, s.c, s.h, s.h});
  float bound = 1.f / std::sqrt(static_cast<float>(s.c * s.r * s.r));
  auto w = L::from(uniform(static_cast<size_t>(s.k * s.c * s.r * s.r), 52, -bound, bound),
                   {s.k, s.c, s.r, s.r});
  auto b = L::from(uniform(static_cast<size_t>(s.k), 53, -0.1f, 0.1f), {s.k});
  int64_t o = s.out();
  auto gy = L::from(uniform(static_cast<size_t>(s.n * s.k * o * o), 54), {s.n, s.k, o, o});
  if (!backward) {
    return {[=] { (void)L::conv2d(x, w, b, s.stride, s.pad); },
            [=] { return L::values(L::conv2d(x, w, b, s.stride, s.pad)); }, L::threads};
  }
  x.requires_grad_(true);
  w.requires_grad_(true);
  b.requires_grad_(true);
  auto fb = [=] {
    T y = L::conv2d(x, w, b, s.stride, s.pad);
    return L::grad({y}, {x, w, b}, {gy});
  };
  return {[=] { (void)fb(); }, [=] { return concat_values<L>(fb()); }, L::threads};
}

// 2-layer LSTM 256 -> 256, sequence 50, batch 32; gradients of all parameters and the input.
template <class L>
Side lstm() {
  typename L::LSTM net(typename L::LSTMOptions(256, 256).num_layers(2));
  init_params<L>(net, 61);
  auto x = L::from(uniform(50 * 32 * 256, 62), {50, 32, 256});
  auto gy = L::from(uniform(50 * 32 * 256, 63), {50, 32, 256});
  return forward_backward<L>(net, x, gy,
                             [](auto& n, const auto& in) { return std::get<0>(n->forward(in)); });
}

}  // namespace

void add_compute_rows(std::vector<Row>& rows) {
  for (bool f64 : {false, true}) {
    for (int64_t n : {256, 1024, 4096}) {
      Row r{std::string(f64 ? "dgemm " : "sgemm ") + std::to_string(n),
            f64 ? Unit::Flops64 : Unit::Flops32, 2.0 * n * n * n,
            [=] { return gemm<Ember>(n, f64); }, [=] { return gemm<Torch>(n, f64); }};
      r.rtol = 1e-3;
      r.atol = f64 ? 1e-9 : 1e-2;
      if (n == 4096) r.max_reps = 3;
      rows.push_back(r);
    }
  }
  struct B {
    const char* name;
    int64_t batch, m, k, n;
  };
  for (B s : {B{"bmm attention scores [96,128,64]x[96,64,128]", 96, 128, 64, 128},
              B{"bmm attention values [96,128,128]x[96,128,64]", 96, 128, 128, 64}}) {
    Row r{s.name, Unit::Flops32, 2.0 * s.batch * s.m * s.k * s.n,
          [=] { return bmm<Ember>(s.batch, s.m, s.k, s.n); },
          [=] { return bmm<Torch>(s.batch, s.m, s.k, s.n); }};
    r.rtol = 1e-3;
    r.atol = 1e-3;
    rows.push_back(r);
  }
  // ResNet-18 at batch 4 (conv1 and one 3x3 conv of each stage), Fashion-MNIST CNN at batch 128.
  const ConvShape shapes[] = {
      {"resnet18 conv1 [4,3,224,224] 7x7/2 ->64", 4, 3, 224, 64, 7, 2, 3},
      {"resnet18 layer1 [4,64,56,56] 3x3 ->64", 4, 64, 56, 64, 3, 1, 1},
      {"resnet18 layer2 [4,128,28,28] 3x3 ->128", 4, 128, 28, 128, 3, 1, 1},
      {"resnet18 layer3 [4,256,14,14] 3x3 ->256", 4, 256, 14, 256, 3, 1, 1},
      {"resnet18 layer4 [4,512,7,7] 3x3 ->512", 4, 512, 7, 512, 3, 1, 1},
      {"fmnist conv1 [128,1,28,28] 3x3 ->32", 128, 1, 28, 32, 3, 1, 1},
      {"fmnist conv2 [128,32,14,14] 3x3 ->64", 128, 32, 14, 64, 3, 1, 1},
  };
  for (bool bwd : {false, true}) {
    for (const auto& s : shapes) {
      Row r{std::string("conv2d ") + (bwd ? "fwd+bwd " : "fwd ") + s.name, Unit::Flops32,
            s.flops() * (bwd ? 3 : 1), [=] { return conv<Ember>(s, bwd); },
            [=] { return conv<Torch>(s, bwd); }};
      r.rtol = 1e-3;
      r.atol = 2e-3;
      rows.push_back(r);
    }
  }
  // Per layer and step: 4 gates x (input + hidden) x hidden multiply-adds per batch row.
  double lstm_flops = 3 * 2.0 * 2 * 50 * 32 * 4 * 256 * (256 + 256);
  Row r{"LSTM fwd+bwd 2x256, seq 50, batch 32", Unit::Flops32, lstm_flops,
        [] { return lstm<Ember>(); }, [] { return lstm<Torch>(); }};
  r.rtol = 1e-3;
  r.atol = 1e-3;
  rows.push_back(r);
}

}  // namespace bench
