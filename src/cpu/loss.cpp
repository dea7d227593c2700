// CPU loss kernels: nll_loss forward (the classification hot path after log_softmax), and the
// elementwise parts of mse_loss and binary_cross_entropy.
#include <atomic>
#include <cmath>

#include "ember/core/parallel.h"
#include "src/cpu/loops.h"
#include "src/kernels/loss.h"

namespace ember {
namespace {

void mse_kernel(TensorIterator& it) {
  visit_floating_types(it.common_dtype(), "mse_loss", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [](T a, T b) -> T {
      M d = M(a) - M(b);
      return static_cast<T>(d * d);
    });
  });
}

void bce_kernel(TensorIterator& it) {
  std::atomic<bool> bad{false};
  visit_floating_types(it.common_dtype(), "binary_cross_entropy", [&]<class T>() {
    using M = opmath_t<T>;
    cpu::cpu_kernel(it, [&bad](T x_, T t_) -> T {
      M x = M(x_), t = M(t_);
      if (!(x >= M(0) && x <= M(1))) bad.store(true, std::memory_order_relaxed);
      // PyTorch clamps the logs at -100 so that x = 0 or 1 gives a finite loss.
      M lx = std::max(std::log(x), M(-100));
      M l1x = std::max(std::log(M(1) - x), M(-100));
      return static_cast<T>((t - M(1)) * l1x - t * lx);
    });
  });
  EMBER_CHECK(!bad.load(),
              "[binary_cross_entropy] all elements of input should be between 0 and 1");
}

void nll_loss_kernel(Tensor& out, Tensor& total_weight, const Tensor& input, const Tensor& target,
                     const Tensor& weight, int64_t N, int64_t C, int64_t K, int64_t reduction,
                     int64_t ignore_index) {
  const int64_t* tg = target.data_ptr<int64_t>();
  for (int64_t i = 0; i < N * K; ++i) {
    int64_t t = tg[i];
    EMBER_CHECK(t == ignore_index || (t >= 0 && t < C), "[nll_loss] Target ", t,
                " is out of bounds.");
  }
  visit_floating_types(input.dtype(), "nll_loss", [&]<class T>() {
    using M = opmath_t<T>;
    const T* x = input.data_ptr<T>();
    const T* w = weight.defined() ? weight.data_ptr<T>() : nullptr;
    auto wt = [w](int64_t t) { return w ? M(w[t]) : M(1); };
    if (reduction == 0) {
      T* o = out.data_ptr<T>();
      parallel_for(
          0, N, std::max<int64_t>(1, 32768 / std::max<int64_t>(K, 1)), [&](int64_t b, int64_t e) {
            for (int64_t n = b; n < e; ++n)
              for (int64_t k = 0; k < K; ++k) {
                int64_t t = tg[n * K + k];
                o[n * K + k] =
                    t == ignore_index ? T(0) : static_cast<T>(-wt(t) * M(x[(n * C + t) * K + k]));
              }
          });
      total_weight.fill_(0);
      return;
    }
    double sum = 0, tw = 0;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        int64_t t = tg[n * K + k];
        if (t == ignore_index) continue;
        M wv = wt(t);
        tw += double(wv);
        sum -= double(wv * M(x[(n * C + t) * K + k]));
      }
    double r = reduction == 1 ? sum / tw : sum;
    out.data_ptr<T>()[0] = static_cast<T>(r);
    total_weight.data_ptr<T>()[0] = static_cast<T>(tw);
  });
}

}  // namespace

EMBER_DEFINE_STUB(mse_stub, mse_kernel);
EMBER_DEFINE_STUB(bce_stub, bce_kernel);
EMBER_DEFINE_STUB(nll_loss_stub, nll_loss_kernel);
// CUDA only: the CPU runs cross entropy as log_softmax + nll_loss.
EMBER_DEFINE_STUB(cross_entropy_fwd_stub, nullptr);
EMBER_DEFINE_STUB(cross_entropy_bwd_stub, nullptr);

}  // namespace ember
