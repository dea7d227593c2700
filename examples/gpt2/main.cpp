// Trains a GPT-2-style language model (pre-norm transformer blocks, causal self-attention through
// scaled_dot_product_attention, GELU MLP, tied input/output embeddings, AdamW with weight decay
// and gradient clipping) on the bytes of a text file. Written as a plain libtorch program: it
// builds unchanged against libtorch and against ember (ember::torch). Runs on the GPU when one
// is available.
//
//   gpt2 [--text FILE] [--layers L] [--heads H] [--dim D] [--context T] [--batch B]
//        [--steps N] [--lr LR] [--seed S] [--vocab V] [--dropout P] [--bf16] [--cpu]
//
// Tokens are the file's bytes; --vocab widens the embedding and output layer (GPT-2's 50257 for a
// model of GPT-2's size and cost). --dropout P drops as GPT-2 does while training (embeddings,
// attention weights inside scaled_dot_product_attention, both residual branches); the sample at
// the end runs in eval mode without it. --bf16 trains under CUDA autocast in bfloat16. Prints the
// loss every tenth step, tokens per second (overall, and since step 10), the peak GPU memory, and a
// short sample at the end. GPT-2 124M: --layers 12 --heads 12 --dim 768 --context 1024
// --batch 16 --vocab 50257 --bf16.
#include <c10/cuda/CUDACachingAllocator.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Args {
  std::string text = "README.md";
  int64_t layers = 4, heads = 4, dim = 256, context = 128, batch = 16, steps = 200, seed = 0;
  int64_t vocab = 256;
  double lr = 3e-4, dropout = 0;
  bool cpu = false, bf16 = false;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << k << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (k == "--text")
      a.text = next();
    else if (k == "--layers")
      a.layers = std::stoll(next());
    else if (k == "--heads")
      a.heads = std::stoll(next());
    else if (k == "--dim")
      a.dim = std::stoll(next());
    else if (k == "--context")
      a.context = std::stoll(next());
    else if (k == "--batch")
      a.batch = std::stoll(next());
    else if (k == "--steps")
      a.steps = std::stoll(next());
    else if (k == "--lr")
      a.lr = std::stod(next());
    else if (k == "--seed")
      a.seed = std::stoll(next());
    else if (k == "--vocab")
      a.vocab = std::stoll(next());
    else if (k == "--dropout")
      a.dropout = std::stod(next());
    else if (k == "--bf16")
      a.bf16 = true;
    else if (k == "--cpu")
      a.cpu = true;
    else {
      std::cerr
          << "usage: gpt2 [--text FILE] [--layers L] [--heads H] [--dim D] [--context T] "
             "[--batch B] [--steps N] [--lr LR] [--seed S] [--vocab V] [--dropout P] [--bf16] "
             "[--cpu]\n";
      std::exit(2);
    }
  }
  if (a.vocab < 256) {
    std::cerr << "--vocab must be at least 256 (the tokens are bytes)\n";
    std::exit(2);
  }
  if (!(a.dropout >= 0 && a.dropout < 1)) {
    std::cerr << "--dropout must be in [0, 1)\n";
    std::exit(2);
  }
  if (a.dim % a.heads != 0) {
    std::cerr << "--dim must be a multiple of --heads\n";
    std::exit(2);
  }
  return a;
}

struct BlockImpl : torch::nn::Module {
  BlockImpl(int64_t dim, int64_t heads, double dropout) : heads(heads), dropout(dropout) {
    ln1 = register_module("ln1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    proj = register_module("proj", torch::nn::Linear(dim, dim));
    ln2 = register_module("ln2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    fc = register_module("fc", torch::nn::Linear(dim, 4 * dim));
    out = register_module("out", torch::nn::Linear(4 * dim, dim));
  }
  torch::Tensor forward(torch::Tensor x) {
    int64_t B = x.size(0), T = x.size(1), D = x.size(2), hd = D / heads;
    auto parts = qkv->forward(ln1->forward(x)).split(D, 2);
    auto shape = [&](const torch::Tensor& t) { return t.view({B, T, heads, hd}).transpose(1, 2); };
    const double p = is_training() ? dropout : 0.0;
    torch::Tensor y = torch::scaled_dot_product_attention(shape(parts[0]), shape(parts[1]),
                                                          shape(parts[2]), {}, p, true);
    y = proj->forward(y.transpose(1, 2).contiguous().view({B, T, D}));
    x = x + (p > 0 ? torch::dropout(y, p, true) : y);
    y = out->forward(torch::gelu(fc->forward(ln2->forward(x)), "tanh"));
    return x + (p > 0 ? torch::dropout(y, p, true) : y);
  }
  int64_t heads;
  double dropout;
  torch::nn::LayerNorm ln1{nullptr}, ln2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc{nullptr}, out{nullptr};
};
TORCH_MODULE(Block);

struct GPTImpl : torch::nn::Module {
  GPTImpl(int64_t vocab, int64_t context, int64_t dim, int64_t layers, int64_t heads,
          double dropout)
      : dropout(dropout) {
    wte = register_module("wte", torch::nn::Embedding(vocab, dim));
    wpe = register_module("wpe", torch::nn::Embedding(context, dim));
    blocks = register_module("blocks", torch::nn::ModuleList());
    for (int64_t i = 0; i < layers; ++i) blocks->push_back(Block(dim, heads, dropout));
    ln_f = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    // GPT-2's initialisation: normal(0, 0.02) weights, zero biases.
    torch::NoGradGuard ng;
    for (auto& p : named_parameters()) {
      if (p.key().find("bias") != std::string::npos) {
        p.value().zero_();
      } else if (p.key().find("ln") == std::string::npos) {
        p.value().normal_(0, 0.02);
      }
    }
  }
  torch::Tensor forward(const torch::Tensor& idx) {
    int64_t T = idx.size(1);
    torch::Tensor pos =
        torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(idx.device()));
    torch::Tensor x = wte->forward(idx) + wpe->forward(pos);
    if (is_training() && dropout > 0) x = torch::dropout(x, dropout, true);
    for (const auto& b : *blocks) x = b->as<Block>()->forward(x);
    // Output projection tied to the token embedding.
    return torch::matmul(ln_f->forward(x), wte->weight.t());
  }
  torch::nn::Embedding wte{nullptr}, wpe{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm ln_f{nullptr};
  double dropout;
};
TORCH_MODULE(GPT);

}  // namespace

int main(int argc, char** argv) {
  Args a = parse(argc, argv);
  std::ifstream in(a.text, std::ios::binary);
  if (!in) {
    std::cerr << "gpt2: cannot read " << a.text << "\n";
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (static_cast<int64_t>(text.size()) < a.context + 2) {
    std::cerr << "gpt2: " << a.text << " is shorter than the context\n";
    return 1;
  }
  torch::Device device = (!a.cpu && torch::cuda::is_available()) ? torch::kCUDA : torch::kCPU;
  torch::manual_seed(a.seed);
  std::vector<int64_t> bytes(text.begin(), text.end());
  for (auto& b : bytes) b = static_cast<unsigned char>(static_cast<char>(b));
  torch::Tensor data = torch::tensor(bytes).to(device);

  GPT model(a.vocab, a.context, a.dim, a.layers, a.heads, a.dropout);
  model->to(device);
  int64_t nparams = 0;
  for (const auto& p : model->parameters()) nparams += p.numel();
  torch::optim::AdamW opt(model->parameters(),
                          torch::optim::AdamWOptions(a.lr).betas({0.9, 0.95}).weight_decay(0.1));
  std::printf(
      "gpt2: %lld parameters, %lld layers, dim %lld, context %lld, batch %lld, vocab %lld, "
      "dropout %g, on %s%s\n",
      static_cast<long long>(nparams), static_cast<long long>(a.layers),
      static_cast<long long>(a.dim), static_cast<long long>(a.context),
      static_cast<long long>(a.batch), static_cast<long long>(a.vocab), a.dropout,
      device.is_cuda() ? "cuda" : "cpu", a.bf16 && device.is_cuda() ? ", bf16 autocast" : "");
  const bool amp = a.bf16 && device.is_cuda();
  if (amp) at::autocast::set_autocast_dtype(torch::kCUDA, torch::kBFloat16);

  int64_t n = data.numel() - a.context - 1;
  auto t0 = std::chrono::steady_clock::now(), t10 = t0;
  double first = 0, last = 0;
  const int gpu = device.index() < 0 ? 0 : device.index();
  int64_t segments_at_10 = 0;  // cudaMalloc calls of the caching allocator before step 11
  for (int64_t step = 1; step <= a.steps; ++step) {
    torch::Tensor starts = torch::randint(0, n, {a.batch}, torch::kLong).to(device);
    torch::Tensor offs =
        torch::arange(a.context + 1, torch::TensorOptions().dtype(torch::kLong).device(device));
    torch::Tensor window = data.index({starts.unsqueeze(1) + offs});  // [B, T + 1]
    torch::Tensor x = window.narrow(1, 0, a.context), y = window.narrow(1, 1, a.context);
    opt.zero_grad();
    // Autocast around the forward pass and the loss, as Python's `with torch.autocast(...)`; the
    // bfloat16 copies of the weights are cached for one step only (clear_cache), since the
    // optimizer changes the weights.
    if (amp) at::autocast::set_autocast_enabled(torch::kCUDA, true);
    torch::Tensor logits = model->forward(x);
    torch::Tensor loss =
        torch::nn::functional::cross_entropy(logits.view({-1, a.vocab}), y.reshape({-1}));
    if (amp) {
      at::autocast::set_autocast_enabled(torch::kCUDA, false);
      at::autocast::clear_cache();
    }
    loss.backward();
    torch::nn::utils::clip_grad_norm_(model->parameters(), 1.0);
    opt.step();
    if (step == 1 || step % 10 == 0 || step == a.steps) {
      last = loss.item<double>();
      if (step == 1) first = last;
      auto now = std::chrono::steady_clock::now();
      double secs = std::chrono::duration<double>(now - t0).count();
      std::printf("step %4lld  loss %.4f  %.0f tokens/s", static_cast<long long>(step), last,
                  static_cast<double>(step * a.batch * a.context) / secs);
      if (step > 10) {
        double steady = std::chrono::duration<double>(now - t10).count();
        std::printf("  (%.0f since step 10)",
                    static_cast<double>((step - 10) * a.batch * a.context) / steady);
      }
      if (step == 10) {
        t10 = now;
        if (device.is_cuda())
          segments_at_10 =
              c10::cuda::CUDACachingAllocator::getDeviceStats(gpu).segment[0].allocated;
      }
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  std::printf("loss %.4f -> %.4f\n", first, last);
  if (device.is_cuda()) {
    auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(gpu);
    std::printf("peak GPU memory allocated: %.0f MiB\n",
                static_cast<double>(stats.allocated_bytes[0].peak) / (1 << 20));
    // The caching allocator in steady state should call cudaMalloc no more (each call can stall
    // the host; a retry after a failed one frees the cache and waits for the device).
    std::printf(
        "caching allocator: peak reserved %.0f MiB, %lld cudaMalloc calls (%lld after "
        "step 10), %lld retries after a failed cudaMalloc\n",
        static_cast<double>(stats.reserved_bytes[0].peak) / (1 << 20),
        static_cast<long long>(stats.segment[0].allocated),
        static_cast<long long>(a.steps > 10 ? stats.segment[0].allocated - segments_at_10 : 0),
        static_cast<long long>(stats.num_alloc_retries));
  }

  // A short greedy sample from the first bytes of the text.
  torch::NoGradGuard ng;
  model->eval();
  std::string out = text.substr(0, 16);
  torch::Tensor ctx = data.narrow(0, 0, 16).unsqueeze(0);
  for (int i = 0; i < 64; ++i) {
    torch::Tensor logits =
        model->forward(ctx.narrow(1, std::max<int64_t>(0, ctx.size(1) - a.context),
                                  std::min<int64_t>(ctx.size(1), a.context)));
    torch::Tensor next = logits.select(1, -1).argmax(-1, true);
    out.push_back(static_cast<char>(next.item<int64_t>()));
    ctx = torch::cat({ctx, next}, 1);
  }
  std::printf("sample: %s\n", out.c_str());
  return std::isfinite(last) && last < first ? 0 : 1;
}
