// GPU rows for the side-by-side CUDA comparison (tools/gpu_bench.sh runs this and
// bench/cuda_bench.py, PyTorch's side, on the same GPU in one command). Written against the
// libtorch API, so the same source is what a libtorch user would write. Each row prints
// "row<TAB>median_ms" over `reps` timed repetitions (after warm-up), synchronising the device
// around each repetition.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

namespace {

double median_ms(const std::function<void()>& fn, int reps) {
  for (int i = 0; i < 3; ++i) fn();  // warm-up: caches, cuBLAS handles, allocator pools
  torch::cuda::synchronize();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    auto a = std::chrono::steady_clock::now();
    fn();
    torch::cuda::synchronize();
    auto b = std::chrono::steady_clock::now();
    t.push_back(std::chrono::duration<double, std::milli>(b - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void row(const char* name, const std::function<void()>& fn, int reps) {
  std::printf("%s\t%.4f\n", name, median_ms(fn, reps));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 50;
  if (!torch::cuda::is_available()) {
    std::fprintf(stderr, "no CUDA device\n");
    return 2;
  }
  auto cuda = torch::TensorOptions().device(torch::kCUDA);
  torch::manual_seed(0);
  torch::Tensor a = torch::randn({16 << 20}, cuda), b = torch::randn({16 << 20}, cuda);
  // The device-to-device copy is the bandwidth the memory-bound rows are measured against
  // (tools/gpu_bench.sh prints GB/s and the share of this row's).
  torch::Tensor dst = torch::empty({16 << 20}, cuda);
  row(
      "copy 16M f32 (d2d)", [&] { dst.copy_(a); }, reps);
  row(
      "add 16M f32", [&] { (void)(a + b); }, reps);
  row(
      "gelu 16M f32", [&] { (void)torch::gelu(a); }, reps);
  row(
      "sum 16M f32", [&] { (void)a.sum(); }, reps);
  torch::Tensor rows = torch::randn({4096, 4096}, cuda);
  row(
      "softmax 4096x4096 f32", [&] { (void)torch::softmax(rows, 1); }, reps);
  row(
      "layer_norm 4096x4096 f32", [&] { (void)torch::layer_norm(rows, {4096}); }, reps);
  torch::Tensor m1 = torch::randn({4096, 4096}, cuda), m2 = torch::randn({4096, 4096}, cuda);
  row(
      "mm 4096 f32 (no tf32)", [&] { (void)m1.mm(m2); }, reps);
  at::globalContext().setAllowTF32CuBLAS(true);
  row(
      "mm 4096 tf32", [&] { (void)m1.mm(m2); }, reps);
  at::globalContext().setAllowTF32CuBLAS(false);
  torch::Tensor h1 = m1.to(torch::kBFloat16), h2 = m2.to(torch::kBFloat16);
  row(
      "mm 4096 bf16", [&] { (void)h1.mm(h2); }, reps);
  // GPT-2's lm-head products (vocabulary 50257: rows that are not 16-byte aligned; Note [Padded
  // GEMM operands]); EMBER_CUDA_GEMM_PAD=0 runs them unpadded for comparison.
  torch::Tensor lx = torch::randn({16384, 768}, cuda).to(torch::kBFloat16);
  torch::Tensor lw = torch::randn({50257, 768}, cuda).to(torch::kBFloat16);
  torch::Tensor lg = torch::randn({16384, 50257}, cuda).to(torch::kBFloat16);
  row(
      "lm-head x W^T bf16", [&] { (void)lx.mm(lw.t()); }, reps);
  row(
      "lm-head g W bf16", [&] { (void)lg.mm(lw); }, reps);
  row(
      "lm-head g^T x bf16", [&] { (void)lg.t().mm(lx); }, reps);
  // The gradient in rows padded to 16 bytes, as the fused cross entropy writes it (Note [Pitched
  // logits gradient]): the products read it in place.
  torch::Tensor lgp = torch::zeros({16384, 50264}, cuda).to(torch::kBFloat16).narrow(1, 0, 50257);
  lgp.copy_(lg);
  row(
      "lm-head g W bf16 (pitched g)", [&] { (void)lgp.mm(lw); }, reps);
  row(
      "lm-head g^T x bf16 (pitched g)", [&] { (void)lgp.t().mm(lx); }, reps);
  // Attention as in GPT-2 124M (12 heads of 64, 1024 positions, causal), bfloat16.
  auto attn_in = [&] {
    return torch::randn({8, 12, 1024, 64}, cuda).to(torch::kBFloat16).requires_grad_();
  };
  torch::Tensor aq = attn_in(), ak = attn_in(), av = attn_in();
  torch::Tensor ago = torch::randn({8, 12, 1024, 64}, cuda).to(torch::kBFloat16);
  row(
      "sdpa fwd b8h12 t1024 d64 causal bf16",
      [&] {
        torch::NoGradGuard ng;
        (void)torch::scaled_dot_product_attention(aq, ak, av, {}, 0.0, true);
      },
      reps);
  row(
      "sdpa fwd+bwd b8h12 t1024 d64 causal bf16",
      [&] {
        torch::Tensor o = torch::scaled_dot_product_attention(aq, ak, av, {}, 0.0, true);
        (void)torch::autograd::grad({o}, {aq, ak, av}, {ago});
      },
      reps);
  // A key padding mask [B, 1, 1, T] (the last quarter of each sequence hidden), not causal.
  torch::Tensor apad = torch::ones({8, 1, 1, 1024}, torch::kBool);
  apad.narrow(3, 768, 256).fill_(false);
  apad = apad.to(torch::kCUDA);
  row(
      "sdpa fwd+bwd b8h12 t1024 d64 padding mask bf16",
      [&] {
        torch::Tensor o = torch::scaled_dot_product_attention(aq, ak, av, apad);
        (void)torch::autograd::grad({o}, {aq, ak, av}, {ago});
      },
      reps);
  row(
      "sdpa fwd+bwd b8h12 t1024 d64 causal bf16 dropout 0.1",
      [&] {
        torch::Tensor o = torch::scaled_dot_product_attention(aq, ak, av, {}, 0.1, true);
        (void)torch::autograd::grad({o}, {aq, ak, av}, {ago});
      },
      reps);
  torch::Tensor small_a = torch::randn({64}, cuda), small_b = torch::randn({64}, cuda);
  row(
      "add 64 f32 (launch cost)", [&] { (void)(small_a + small_b); }, reps);
  // The host's cost per op without a wait after each: 1000 adds queued, then one synchronize (the
  // row's milliseconds are microseconds per add; the GPU's own time per tiny add is shorter).
  row(
      "add 64 f32 x1000 queued",
      [&] {
        for (int i = 0; i < 1000; ++i) (void)(small_a + small_b);
      },
      reps);
  torch::Tensor emb = torch::randn({50304, 768}, cuda);
  torch::Tensor ids = torch::randint(0, 50304, {8 * 1024}, cuda.dtype(torch::kLong));
  row(
      "embedding 8192x768", [&] { (void)torch::embedding(emb, ids); }, reps);
  torch::Tensor logits = torch::randn({8192, 1024}, cuda);
  torch::Tensor target = torch::randint(0, 1024, {8192}, cuda.dtype(torch::kLong));
  row(
      "cross_entropy 8192x1024",
      [&] { (void)torch::nn::functional::cross_entropy(logits, target); }, reps);

  // An MLP training step (784-1024-1024-10, batch 512, SGD momentum) as in the Fashion-MNIST job.
  torch::nn::Sequential net(torch::nn::Linear(784, 1024), torch::nn::ReLU(),
                            torch::nn::Linear(1024, 1024), torch::nn::ReLU(),
                            torch::nn::Linear(1024, 10));
  net->to(torch::kCUDA);
  torch::optim::SGD opt(net->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  torch::Tensor x = torch::randn({512, 784}, cuda);
  torch::Tensor y = torch::randint(0, 10, {512}, cuda.dtype(torch::kLong));
  row(
      "mlp train step b512",
      [&] {
        opt.zero_grad();
        torch::nn::functional::cross_entropy(net->forward(x), y).backward();
        opt.step();
      },
      reps);

  // A small CNN training step (conv 1->32->64, 3x3, max pools, linear; batch 256, 28x28 input).
  torch::nn::Sequential cnn(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3).padding(1)),
                            torch::nn::ReLU(), torch::nn::MaxPool2d(2),
                            torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)),
                            torch::nn::ReLU(), torch::nn::MaxPool2d(2), torch::nn::Flatten(),
                            torch::nn::Linear(64 * 7 * 7, 10));
  cnn->to(torch::kCUDA);
  torch::optim::SGD cnn_opt(cnn->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  torch::Tensor img = torch::randn({256, 1, 28, 28}, cuda);
  torch::Tensor lab = torch::randint(0, 10, {256}, cuda.dtype(torch::kLong));
  row(
      "cnn train step b256",
      [&] {
        cnn_opt.zero_grad();
        torch::nn::functional::cross_entropy(cnn->forward(img), lab).backward();
        cnn_opt.step();
      },
      reps);

  // A ResNet-style 3x3 convolution (batch 32, 128 channels, 28x28), cuDNN's defaults on both
  // sides (TF32 allowed in float32, heuristic algorithm choice).
  torch::Tensor cx = torch::randn({32, 128, 28, 28}, cuda);
  torch::Tensor cw = torch::randn({128, 128, 3, 3}, cuda) * 0.05;
  row(
      "conv2d 3x3 128c 28x28 b32 f32 fwd", [&] { (void)torch::conv2d(cx, cw, {}, 1, 1); }, reps);
  torch::Tensor bx = cx.to(torch::kBFloat16).requires_grad_(true);
  torch::Tensor bw = cw.to(torch::kBFloat16).requires_grad_(true);
  torch::Tensor bg = torch::randn({32, 128, 28, 28}, cuda.dtype(torch::kBFloat16));
  row(
      "conv2d 3x3 128c 28x28 b32 bf16 fwd+bwd",
      [&] { torch::conv2d(bx, bw, {}, 1, 1).backward(bg); }, reps);
  return 0;
}
