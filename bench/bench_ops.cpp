// ember vs libtorch, side by side in one process: each row runs the same workload in both,
// alternating, several repetitions, and reports medians and the ratio libtorch / ember (> 1 means
// ember is faster). Both libraries run at 1 and 2 threads; libtorch's better setting is its figure.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "ember/ember.h"

namespace {

using Clock = std::chrono::steady_clock;

double time_ns(const std::function<void()>& f, int iters) {
  auto t0 = Clock::now();
  for (int i = 0; i < iters; ++i) f();
  auto t1 = Clock::now();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / iters;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Row {
  std::string name;
  std::function<void()> ember_fn;
  std::function<void()> torch_fn;
  int iters;
};

// Median time per iteration for both, alternating runs so that machine noise hits both alike.
std::pair<double, double> measure(const Row& r, int reps) {
  time_ns(r.ember_fn, std::max(1, r.iters / 4));
  time_ns(r.torch_fn, std::max(1, r.iters / 4));
  std::vector<double> e, t;
  for (int i = 0; i < reps; ++i) {
    e.push_back(time_ns(r.ember_fn, r.iters));
    t.push_back(time_ns(r.torch_fn, r.iters));
  }
  return {median(e), median(t)};
}

std::string human(double ns) {
  char buf[32];
  if (ns < 1e3) {
    std::snprintf(buf, sizeof buf, "%.0f ns", ns);
  } else if (ns < 1e6) {
    std::snprintf(buf, sizeof buf, "%.2f us", ns / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
  }
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = argc > 1 ? std::atoi(argv[1]) : 7;
  torch::NoGradGuard torch_no_grad_default;  // re-enabled per row where grad is wanted
  (void)torch_no_grad_default;

  auto e64a = ember::rand({64}), e64b = ember::rand({64});
  auto t64a = torch::rand({64}), t64b = torch::rand({64});
  auto e64g = ember::rand({64}).requires_grad_(true);
  auto t64g = torch::rand({64}).requires_grad_(true);
  auto e1m = ember::rand({1 << 20}), e1m2 = ember::rand({1 << 20});
  auto t1m = torch::rand({1 << 20}), t1m2 = torch::rand({1 << 20});
  auto eA = ember::rand({1024, 1024}), eB = ember::rand({1024, 1024});
  auto tA = torch::rand({1024, 1024}), tB = torch::rand({1024, 1024});

  std::vector<Row> rows = {
      {"add 64 floats", [&] { auto r = e64a + e64b; }, [&] { auto r = t64a + t64b; }, 20000},
      {"add 64 floats, requires_grad",
       [&] {
         ember::AutoGradMode g(true);
         auto r = e64g + e64b;
       },
       [&] {
         torch::AutoGradMode g(true);
         auto r = t64g + t64b;
       },
       20000},
      {"add 1M floats", [&] { auto r = e1m + e1m2; }, [&] { auto r = t1m + t1m2; }, 200},
      {"exp 1M floats", [&] { auto r = e1m.exp(); }, [&] { auto r = t1m.exp(); }, 100},
      {"gelu 1M floats", [&] { auto r = ember::gelu(e1m); }, [&] { auto r = torch::gelu(t1m); }, 50},
      {"sum 1M floats", [&] { auto r = e1m.sum(); }, [&] { auto r = t1m.sum(); }, 200},
      {"sgemm 1024x1024", [&] { auto r = eA.mm(eB); }, [&] { auto r = tA.mm(tB); }, 5},
  };

  std::printf("%-32s %12s %12s %12s %12s %10s\n", "row", "ember 1t", "ember 2t", "libtorch 1t",
              "libtorch 2t", "ratio");
  for (const auto& r : rows) {
    double e[2], t[2];
    for (int th = 1; th <= 2; ++th) {
      ember::set_num_threads(th);
      torch::set_num_threads(th);
      auto [ev, tv] = measure(r, reps);
      e[th - 1] = ev;
      t[th - 1] = tv;
    }
    double best_e = std::min(e[0], e[1]), best_t = std::min(t[0], t[1]);
    std::printf("%-32s %12s %12s %12s %12s %9.2fx\n", r.name.c_str(), human(e[0]).c_str(),
                human(e[1]).c_str(), human(t[0]).c_str(), human(t[1]).c_str(), best_t / best_e);
  }
  return 0;
}
