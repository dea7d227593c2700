#pragma once
// Shared by the row files: two library traits (Ember, Torch) so that one template writes a
// workload for both, and identical parameter initialisation. See bench/README.md for the rows.
#include <dlfcn.h>
#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "row.h"

namespace bench {

struct Ember {
  static constexpr const char* name = "ember";
  using Tensor = ember::Tensor;
  using NoGradGuard = ember::NoGradGuard;
  using Sequential = ember::nn::Sequential;
  using Linear = ember::nn::Linear;
  using ReLU = ember::nn::ReLU;
  using Conv2d = ember::nn::Conv2d;
  using Conv2dOptions = ember::nn::Conv2dOptions;
  using Dropout = ember::nn::Dropout;
  using LSTM = ember::nn::LSTM;
  using LSTMOptions = ember::nn::LSTMOptions;
  using Module = ember::nn::Module;
  using SGD = ember::optim::SGD;
  using SGDOptions = ember::optim::SGDOptions;
  using Adam = ember::optim::Adam;
  using AdamOptions = ember::optim::AdamOptions;

  static Tensor from(const std::vector<float>& v, std::vector<int64_t> shape) {
    auto t = ember::empty(shape, ember::TensorOptions().dtype(ember::kFloat));
    std::memcpy(t.data_ptr(), v.data(), v.size() * sizeof(float));
    return t;
  }
  static Tensor from_labels(const std::vector<int64_t>& v) {
    auto t =
        ember::empty({static_cast<int64_t>(v.size())}, ember::TensorOptions().dtype(ember::kLong));
    std::memcpy(t.data_ptr(), v.data(), v.size() * sizeof(int64_t));
    return t;
  }
  static Tensor to_double(const Tensor& t) { return t.to(ember::kDouble); }
  static std::vector<double> values(const Tensor& t) {
    auto c = t.detach().to(ember::kDouble).contiguous();
    const double* p = c.data_ptr<double>();
    return {p, p + c.numel()};
  }
  static void threads(int n) { ember::set_num_threads(n); }
  static Tensor gelu(const Tensor& x) { return ember::gelu(x); }
  static Tensor layer_norm(const Tensor& x, int64_t n) { return ember::layer_norm(x, {n}); }
  static Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t s, int64_t p) {
    return ember::conv2d(x, w, b, {s, s}, {p, p});
  }
  static Tensor max_pool2d(const Tensor& x, int64_t k) { return ember::max_pool2d(x, {k, k}); }
  static Tensor cross_entropy(const Tensor& x, const Tensor& y) {
    return ember::nn::functional::cross_entropy(x, y);
  }
  static std::vector<Tensor> grad(const std::vector<Tensor>& outs, const std::vector<Tensor>& ins,
                                  const std::vector<Tensor>& gouts) {
    return ember::autograd::grad(outs, ins, gouts);
  }
};

// Sets the thread count of the process's OpenBLAS (shared by ember and libtorch), if loaded.
inline void openblas_threads(int n) {
  static auto set = [] {
    void* h = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
    return h ? reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads")) : nullptr;
  }();
  if (set) set(n);
}

struct Torch {
  static constexpr const char* name = "libtorch";
  using Tensor = torch::Tensor;
  using NoGradGuard = torch::NoGradGuard;
  using Sequential = torch::nn::Sequential;
  using Linear = torch::nn::Linear;
  using ReLU = torch::nn::ReLU;
  using Conv2d = torch::nn::Conv2d;
  using Conv2dOptions = torch::nn::Conv2dOptions;
  using Dropout = torch::nn::Dropout;
  using LSTM = torch::nn::LSTM;
  using LSTMOptions = torch::nn::LSTMOptions;
  using Module = torch::nn::Module;
  using SGD = torch::optim::SGD;
  using SGDOptions = torch::optim::SGDOptions;
  using Adam = torch::optim::Adam;
  using AdamOptions = torch::optim::AdamOptions;

  static Tensor from(const std::vector<float>& v, std::vector<int64_t> shape) {
    auto t = torch::empty(shape, torch::TensorOptions().dtype(torch::kFloat));
    std::memcpy(t.data_ptr(), v.data(), v.size() * sizeof(float));
    return t;
  }
  static Tensor from_labels(const std::vector<int64_t>& v) {
    auto t =
        torch::empty({static_cast<int64_t>(v.size())}, torch::TensorOptions().dtype(torch::kLong));
    std::memcpy(t.data_ptr(), v.data(), v.size() * sizeof(int64_t));
    return t;
  }
  static Tensor to_double(const Tensor& t) { return t.to(torch::kDouble); }
  static std::vector<double> values(const Tensor& t) {
    auto c = t.detach().to(torch::kDouble).contiguous();
    const double* p = c.data_ptr<double>();
    return {p, p + c.numel()};
  }
  // libtorch's GEMMs run on OpenBLAS's own threads, which ember sets to one when its pool is
  // made (it splits GEMMs on its pool): give libtorch n of them back, as a libtorch program
  // alone would have (see Note [OpenBLAS threads for libtorch] in main.cpp).
  static void threads(int n) {
    torch::set_num_threads(n);
    openblas_threads(n);
  }
  static Tensor gelu(const Tensor& x) { return torch::gelu(x); }
  static Tensor layer_norm(const Tensor& x, int64_t n) { return torch::layer_norm(x, {n}); }
  static Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int64_t s, int64_t p) {
    return torch::conv2d(x, w, b, {s, s}, {p, p});
  }
  static Tensor max_pool2d(const Tensor& x, int64_t k) { return torch::max_pool2d(x, {k, k}); }
  static Tensor cross_entropy(const Tensor& x, const Tensor& y) {
    return torch::nn::functional::cross_entropy(x, y);
  }
  static std::vector<Tensor> grad(const std::vector<Tensor>& outs, const std::vector<Tensor>& ins,
                                  const std::vector<Tensor>& gouts) {
    return torch::autograd::grad(outs, ins, gouts);
  }
};

// Overwrites every parameter of `m` with deterministic values derived from its name, so that the
// ember and libtorch copies of a model start identical (weights ~ U(+-1/sqrt(fan_in)), 1-d
// weights ~ 1 + U(+-0.1), biases ~ U(+-0.1)).
template <class L, class M>
void init_params(M& m, uint64_t seed) {
  typename L::NoGradGuard guard;
  uint64_t i = 0;
  for (const auto& item : m->named_parameters()) {
    typename L::Tensor p = item.value();
    const std::string& key = item.key();
    std::vector<int64_t> shape(p.sizes().begin(), p.sizes().end());
    size_t n = static_cast<size_t>(p.numel());
    uint64_t s = seed * 1000003u + (i++);
    for (char c : key) s = s * 131 + static_cast<unsigned char>(c);
    std::vector<float> v;
    if (p.dim() >= 2) {
      float b = 1.f / std::sqrt(static_cast<float>(n / static_cast<size_t>(p.size(0))));
      v = uniform(n, s, -b, b);
    } else if (key.size() >= 6 && key.compare(key.size() - 6, 6, "weight") == 0) {
      v = uniform(n, s, 0.9f, 1.1f);
    } else {
      v = uniform(n, s, -0.1f, 0.1f);
    }
    p.copy_(L::from(v, shape));
  }
}

// Concatenated values of several tensors (for check()).
template <class L>
std::vector<double> concat_values(const std::vector<typename L::Tensor>& ts) {
  std::vector<double> out;
  for (const auto& t : ts) {
    auto v = L::values(t);
    out.insert(out.end(), v.begin(), v.end());
  }
  return out;
}

// A side that times forward + backward of `net`: y = forward(net, x), then the gradients of y
// (weighted by gy) with respect to every parameter of net and to x; check() compares y and them.
template <class L, class Net, class Forward>
Side forward_backward(Net net, typename L::Tensor x, typename L::Tensor gy, Forward forward) {
  using T = typename L::Tensor;
  x.requires_grad_(true);
  auto fb = [=]() mutable {
    T y = forward(net, x);
    std::vector<T> ins = net->parameters();
    ins.push_back(x);
    std::vector<T> out{y};
    auto g = L::grad({y}, ins, {gy});
    out.insert(out.end(), g.begin(), g.end());
    return out;
  };
  return {[=]() mutable { (void)fb(); }, [=]() mutable { return concat_values<L>(fb()); },
          L::threads};
}

}  // namespace bench
