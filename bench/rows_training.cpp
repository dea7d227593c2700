// Training rows: one optimizer step of an MLP (784-512-512-10, batch 128, SGD with momentum) and
// of the Fashion-MNIST CNN of examples/fashion_mnist (batch 128, Adam), and optionally (--epoch) a
// full Fashion-MNIST epoch of that CNN over the real training set held in memory (same shuffled
// order for both libraries, no data loader, so the row compares the compute).
#include <zlib.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "harness.h"

namespace bench {
namespace {

std::vector<int64_t> labels(int64_t n) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = (i * 7 + 3) % 10;
  return v;
}

template <class L>
Side mlp_step() {
  using T = typename L::Tensor;
  typename L::Sequential net(typename L::Linear(784, 512), typename L::ReLU(),
                             typename L::Linear(512, 512), typename L::ReLU(),
                             typename L::Linear(512, 10));
  init_params<L>(net, 81);
  auto opt = std::make_shared<typename L::SGD>(net->parameters(),
                                               typename L::SGDOptions(0.01).momentum(0.9));
  auto x = L::from(uniform(128 * 784, 82, 0.f, 1.f), {128, 784});
  auto y = L::from_labels(labels(128));
  auto step = [=]() mutable {
    opt->zero_grad();
    T loss = L::cross_entropy(net->forward(x), y);
    loss.backward();
    opt->step();
    return loss;
  };
  auto check = [=]() mutable {
    std::vector<T> losses;
    for (int i = 0; i < 3; ++i) losses.push_back(step().detach());
    return concat_values<L>(losses);
  };
  return {[=]() mutable { (void)step(); }, check, L::threads};
}

// examples/fashion_mnist/main.cpp's network.
template <class L>
struct CnnImpl : L::Module {
  using T = typename L::Tensor;
  CnnImpl()
      : conv1(this->register_module(
            "conv1", typename L::Conv2d(typename L::Conv2dOptions(1, 32, 3).padding(1)))),
        conv2(this->register_module(
            "conv2", typename L::Conv2d(typename L::Conv2dOptions(32, 64, 3).padding(1)))),
        fc1(this->register_module("fc1", typename L::Linear(64 * 7 * 7, 128))),
        drop(this->register_module("drop", typename L::Dropout(0.25))),
        fc2(this->register_module("fc2", typename L::Linear(128, 10))) {}

  T forward(T x) {
    x = L::max_pool2d(conv1->forward(x).relu(), 2);
    x = L::max_pool2d(conv2->forward(x).relu(), 2);
    x = x.flatten(1);
    x = drop->forward(fc1->forward(x).relu());
    return fc2->forward(x);
  }

  typename L::Conv2d conv1, conv2;
  typename L::Linear fc1;
  typename L::Dropout drop;
  typename L::Linear fc2;
};

// A CNN with its Adam optimizer; step(x, y) is one training step.
template <class L>
struct Cnn {
  using T = typename L::Tensor;
  std::shared_ptr<CnnImpl<L>> net = std::make_shared<CnnImpl<L>>();
  std::shared_ptr<typename L::Adam> opt;
  Cnn() {
    init_params<L>(net, 91);
    opt = std::make_shared<typename L::Adam>(net->parameters(), typename L::AdamOptions(1e-3));
  }
  T step(const T& x, const T& y) {
    opt->zero_grad();
    T loss = L::cross_entropy(net->forward(x), y);
    loss.backward();
    opt->step();
    return loss;
  }
  // Three steps without dropout (whose masks differ between the libraries), losses returned.
  std::vector<double> check(const std::vector<std::pair<T, T>>& batches) {
    net->eval();
    std::vector<T> losses;
    for (const auto& [x, y] : batches) losses.push_back(step(x, y).detach());
    net->train();
    return concat_values<L>(losses);
  }
};

template <class L>
Side cnn_step() {
  auto model = std::make_shared<Cnn<L>>();
  auto x = L::from(uniform(128 * 28 * 28, 92, -0.5f, 2.f), {128, 1, 28, 28});
  auto y = L::from_labels(labels(128));
  return {[=] { (void)model->step(x, y); },
          [=] {
            return model->check({{x, y}, {x, y}, {x, y}});
          },
          L::threads};
}

// Fashion-MNIST's training set, normalised like the example, in one fixed shuffled order.
struct Data {
  std::vector<float> images;  // n x 784
  std::vector<int64_t> labels;
  int64_t n = 0;
};

std::vector<unsigned char> gunzip(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> out;
  unsigned char buf[1 << 16];
  int got;
  while ((got = gzread(f, buf, sizeof buf)) > 0) out.insert(out.end(), buf, buf + got);
  gzclose(f);
  if (got < 0) throw std::runtime_error("cannot read " + path);
  return out;
}

uint32_t be32(const std::vector<unsigned char>& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 | b[at + 3];
}

std::shared_ptr<const Data> load(const std::string& dir) {
  static std::mutex mu;
  static std::shared_ptr<const Data> cached;
  std::lock_guard<std::mutex> lock(mu);
  if (cached) return cached;
  auto img = gunzip(dir + "/train-images-idx3-ubyte.gz");
  auto lab = gunzip(dir + "/train-labels-idx1-ubyte.gz");
  if (img.size() < 16 || lab.size() < 8 || be32(img, 0) != 2051 || be32(lab, 0) != 2049) {
    throw std::runtime_error("not Fashion-MNIST IDX files in " + dir);
  }
  size_t n = be32(img, 4);
  if (be32(lab, 4) != n || img.size() < 16 + n * 784 || lab.size() < 8 + n) {
    throw std::runtime_error("truncated Fashion-MNIST files in " + dir);
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  auto r = uniform(n, 99, 0.f, 1.f);
  for (size_t i = n - 1; i > 0; --i) {
    size_t j = std::min(i, static_cast<size_t>(r[i] * static_cast<float>(i + 1)));
    std::swap(order[i], order[j]);
  }
  auto d = std::make_shared<Data>();
  d->n = static_cast<int64_t>(n);
  d->images.resize(n * 784);
  d->labels.resize(n);
  for (size_t i = 0; i < n; ++i) {
    size_t s = order[i];
    for (size_t k = 0; k < 784; ++k) {
      d->images[i * 784 + k] = (img[16 + s * 784 + k] / 255.f - 0.2860f) / 0.3530f;
    }
    d->labels[i] = lab[8 + s];
  }
  cached = d;
  return cached;
}

template <class L>
Side cnn_epoch(const std::string& dir) {
  using T = typename L::Tensor;
  auto data = load(dir);
  auto model = std::make_shared<Cnn<L>>();
  T x = L::from(data->images, {data->n, 1, 28, 28});
  T y = L::from_labels(data->labels);
  const int64_t b = 128;
  auto batch = [=](int64_t i) {
    int64_t len = std::min(b, data->n - i * b);
    return std::pair<T, T>{x.narrow(0, i * b, len), y.narrow(0, i * b, len)};
  };
  // BENCH_EPOCH_STEPS=N limits the epoch to N steps (a quick test of the row).
  const char* limit = std::getenv("BENCH_EPOCH_STEPS");
  const int64_t steps = limit ? std::max<int64_t>(3, std::atoll(limit)) : (data->n + b - 1) / b;
  auto run = [=] {
    for (int64_t i = 0; i < steps && i * b < data->n; ++i) {
      auto [xb, yb] = batch(i);
      (void)model->step(xb, yb);
    }
  };
  return {run, [=] { return model->check({batch(0), batch(1), batch(2)}); }, L::threads};
}

}  // namespace

void add_training_rows(std::vector<Row>& rows, bool epoch, const std::string& data_dir) {
  Row mlp{"train step: MLP 784-512-512-10, batch 128, SGD momentum", Unit::None, 0,
          [] { return mlp_step<Ember>(); }, [] { return mlp_step<Torch>(); }};
  mlp.rtol = 1e-4;
  mlp.atol = 1e-5;
  mlp.peak_memory = true;
  rows.push_back(mlp);
  Row cnn{"train step: Fashion-MNIST CNN, batch 128, Adam", Unit::None, 0,
          [] { return cnn_step<Ember>(); }, [] { return cnn_step<Torch>(); }};
  cnn.rtol = 1e-4;
  cnn.atol = 1e-5;
  cnn.peak_memory = true;
  rows.push_back(cnn);
  if (epoch) {
    Row ep{"train epoch: Fashion-MNIST CNN, 60000 images, 2 threads", Unit::None, 0,
           [data_dir] { return cnn_epoch<Ember>(data_dir); },
           [data_dir] { return cnn_epoch<Torch>(data_dir); }};
    ep.rtol = 1e-4;
    ep.atol = 1e-5;
    ep.only_threads = 2;
    ep.max_reps = 1;
    ep.warmups = 0;
    ep.peak_memory = true;
    ep.mem_runs = 1;
    rows.push_back(ep);
  }
}

}  // namespace bench
