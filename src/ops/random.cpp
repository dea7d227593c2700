// Random sampling on the CPU generator. See Note [PyTorch's CPU streams].
#include "ember/ops/random.h"

#include <cmath>
#include <limits>
#include <mutex>

#include "ember/autograd/grad_mode.h"
#include "ember/ops/factory.h"
#include "src/core/cuda_hooks.h"
#include "src/cpu/convert.h"

namespace ember {

// Note [PyTorch's CPU streams]: to reproduce torch.manual_seed streams we follow PyTorch's CPU
// kernels exactly: uniform floats take the low 24 (float) / 53 (double) / 11 (half) / 8 (bfloat16)
// bits of one draw (32-bit draws for all but double, which uses random64 = hi << 32 | lo);
// normal_ of >= 16 contiguous elements fills uniforms then Box-Muller in blocks of 16 (recomputing
// the last block), smaller or strided tensors use the double normal distribution with a cached
// second sample; integer ranges are `draw % range + from`; randperm swaps with random() % (n - i).

namespace {

GeneratorImpl& gen_of(const std::optional<Generator>& g) {
  const Generator& gen = g && g->defined() ? *g : default_generator();
  return *gen.get();
}

template <class T>
constexpr int mantissa_digits() {
  return std::numeric_limits<T>::digits;
}

// uniform_real_distribution<T>(from, to) as PyTorch: acc type float for 16-bit floats.
template <class T>
opmath_t<T> uniform_real(GeneratorImpl& g, opmath_t<T> from, opmath_t<T> to) {
  using A = opmath_t<T>;
  if constexpr (std::is_same_v<T, double>) {
    uint64_t v = g.random64() & ((uint64_t(1) << 53) - 1);
    return static_cast<double>(v) * (1.0 / 9007199254740992.0) * (to - from) + from;
  } else {
    constexpr int digits = mantissa_digits<T>();
    uint32_t v = g.random() & static_cast<uint32_t>((uint64_t(1) << digits) - 1);
    A x = static_cast<A>(v) * (static_cast<A>(1) / static_cast<A>(uint64_t(1) << digits));
    return x * (to - from) + from;
  }
}

double normal_double(GeneratorImpl& g, double mean, double std) {
  if (g.next_double_normal) {
    double r = *g.next_double_normal;
    g.next_double_normal.reset();
    return r * std + mean;
  }
  double u1 = uniform_real<double>(g, 0, 1);
  double u2 = uniform_real<double>(g, 0, 1);
  double r = std::sqrt(-2.0 * std::log(1.0 - u2));
  double theta = 2.0 * M_PI * u1;
  g.next_double_normal = r * std::sin(theta);
  return r * std::cos(theta) * std + mean;
}

// Fills a tensor element by element in memory order of its contiguous version.
template <class F>
void fill_serial(Tensor& self, const char* op, F&& draw) {
  Tensor c = self.is_contiguous() ? self : make_tensor(self.sizes(), self.dtype(), self.device());
  visit_all_types(c.dtype(), op, [&]<class T>() {
    T* p = c.data_ptr<T>();
    for (int64_t i = 0; i < c.numel(); ++i) p[i] = draw.template operator()<T>();
  });
  if (!c.is_same(self)) {
    NoGradGuard ng;
    self.copy_(c);
  }
}

void check_inplace_random(const Tensor& self, const char* op) {
  EMBER_CHECK(!(autograd::GradMode::is_enabled() && self.requires_grad() && self.is_leaf()), "[",
              op,
              "] a leaf Variable that requires grad is being used in an in-place "
              "operation.");
}

// There are no device random kernels yet: a tensor on a device draws on the host (with the CPU
// generator) and copies the numbers over.
#define EMBER_DRAW_ON_HOST(call)                                   \
  if (!is_cpu()) {                                                 \
    Tensor host_ = empty(sizes(), TensorOptions().dtype(dtype())); \
    host_.call;                                                    \
    NoGradGuard ng_;                                               \
    self().copy_(host_);                                           \
    return self();                                                 \
  }

// Device tensors without an explicit generator draw on the device (Philox, seeded by
// torch::cuda::manual_seed); with a CPU generator they draw on the host (above).
#define EMBER_DEVICE_FILL(kind, a, b, probs)                                \
  if (!is_cpu() && !gen) {                                                  \
    detail::cuda_random_fill(*this, detail::RandomFill::kind, a, b, probs); \
    bump_version();                                                         \
    return self();                                                          \
  }

template <class T>
void normal_fill_16(T* data, T mean, T std) {
  for (int j = 0; j < 8; ++j) {
    const T u1 = 1 - data[j];
    const T u2 = data[j + 8];
    const T radius = std::sqrt(-2 * std::log(u1));
    const T theta = static_cast<T>(2.0 * M_PI * static_cast<double>(u2));
    data[j] = radius * std::cos(theta) * std + mean;
    data[j + 8] = radius * std::sin(theta) * std + mean;
  }
}

}  // namespace

Tensor& Tensor::uniform_(double from, double to, std::optional<Generator> gen) const {
  check_inplace_random(*this, "uniform_");
  EMBER_CHECK(is_floating_point(), "[uniform_] \"uniform_\" not implemented for '",
              ::ember::toString(dtype()), "'");
  EMBER_CHECK(from <= to,
              "[uniform_] uniform_ expects to return a [from, to) range, but found "
              "from=",
              from, " > to=", to);
  EMBER_DEVICE_FILL(uniform, from, to, Tensor())
  EMBER_DRAW_ON_HOST(uniform_(from, to, gen))
  GeneratorImpl& g = gen_of(gen);
  std::lock_guard<std::mutex> lock(g.mutex);
  fill_serial(self(), "uniform_", [&]<class T>() -> T {
    if constexpr (is_float_v<T>) {
      return static_cast<T>(
          uniform_real<T>(g, static_cast<opmath_t<T>>(from), static_cast<opmath_t<T>>(to)));
    } else {
      return T();
    }
  });
  bump_version();
  return self();
}

Tensor& Tensor::normal_(double mean, double std, std::optional<Generator> gen) const {
  check_inplace_random(*this, "normal_");
  EMBER_CHECK(is_floating_point(), "[normal_] \"normal_kernel_cpu\" not implemented for '",
              ::ember::toString(dtype()), "'");
  EMBER_CHECK(std >= 0, "[normal_] normal expects std >= 0.0, but found std ", std);
  EMBER_DEVICE_FILL(normal, mean, std, Tensor())
  EMBER_DRAW_ON_HOST(normal_(mean, std, gen))
  GeneratorImpl& g = gen_of(gen);
  std::lock_guard<std::mutex> lock(g.mutex);
  int64_t n = numel();
  if (n >= 16 && is_contiguous()) {
    visit_floating_types(dtype(), "normal_", [&]<class T>() {
      T* data = data_ptr<T>();
      using A = std::conditional_t<is_reduced_float_v<T>, T, T>;
      for (int64_t i = 0; i < n; ++i) data[i] = static_cast<T>(uniform_real<T>(g, 0, 1));
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        for (int64_t i = 0; i + 16 <= n; i += 16) normal_fill_16<A>(data + i, mean, std);
        if (n % 16 != 0) {
          T* tail = data + n - 16;
          for (int i = 0; i < 16; ++i) tail[i] = static_cast<T>(uniform_real<T>(g, 0, 1));
          normal_fill_16<A>(tail, mean, std);
        }
      } else {
        // 16-bit floats: the same transform computed in float, rounded per element.
        auto fill16 = [&](T* d) {
          float tmp[16];
          for (int i = 0; i < 16; ++i) tmp[i] = static_cast<float>(d[i]);
          normal_fill_16<float>(tmp, static_cast<float>(mean), static_cast<float>(std));
          for (int i = 0; i < 16; ++i) d[i] = static_cast<T>(tmp[i]);
        };
        for (int64_t i = 0; i + 16 <= n; i += 16) fill16(data + i);
        if (n % 16 != 0) {
          T* tail = data + n - 16;
          for (int i = 0; i < 16; ++i) tail[i] = static_cast<T>(uniform_real<T>(g, 0, 1));
          fill16(tail);
        }
      }
    });
  } else {
    fill_serial(self(), "normal_", [&]<class T>() -> T {
      return static_cast<T>(static_cast<opmath_t<T>>(normal_double(g, mean, std)));
    });
  }
  bump_version();
  return self();
}

Tensor& Tensor::bernoulli_(double p, std::optional<Generator> gen) const {
  check_inplace_random(*this, "bernoulli_");
  EMBER_CHECK(p >= 0 && p <= 1, "[bernoulli_] bernoulli_ expects p to be in [0, 1], but got p=", p);
  EMBER_DEVICE_FILL(bernoulli, p, 0, Tensor())
  EMBER_DRAW_ON_HOST(bernoulli_(p, gen))
  GeneratorImpl& g = gen_of(gen);
  std::lock_guard<std::mutex> lock(g.mutex);
  fill_serial(self(), "bernoulli_",
              [&]<class T>() -> T { return cpu::convert<T>(uniform_real<double>(g, 0, 1) < p); });
  bump_version();
  return self();
}

Tensor& Tensor::bernoulli_(const Tensor& p, std::optional<Generator> gen) const {
  check_inplace_random(*this, "bernoulli_");
  Tensor probs = p.to(kDouble).expand(sizes()).contiguous();
  {
    NoGradGuard ng;
    EMBER_CHECK((probs.ge(0.0).all().item<bool>()) && (probs.le(1.0).all().item<bool>()),
                "[bernoulli_] Expected p_in >= 0 && p_in <= 1 to be true, but got false.");
  }
  EMBER_DEVICE_FILL(bernoulli, 0, 0, probs.to(device()))
  EMBER_DRAW_ON_HOST(bernoulli_(probs.cpu(), gen))
  const double* pp = probs.data_ptr<double>();
  GeneratorImpl& g = gen_of(gen);
  std::lock_guard<std::mutex> lock(g.mutex);
  int64_t i = 0;
  fill_serial(self(), "bernoulli_", [&]<class T>() -> T {
    return cpu::convert<T>(uniform_real<double>(g, 0, 1) < pp[i++]);
  });
  bump_version();
  return self();
}

Tensor Tensor::bernoulli(std::optional<Generator> gen) const {
  return ::ember::bernoulli(*this, gen);
}

Tensor& Tensor::random_(int64_t from, std::optional<int64_t> to,
                        std::optional<Generator> gen) const {
  check_inplace_random(*this, "random_");
  EMBER_DRAW_ON_HOST(random_(from, to, gen))
  EMBER_CHECK(to.has_value(),
              "[random_] random_ without an upper bound is not supported; pass "
              "`to`");
  EMBER_CHECK(from < *to,
              "[random_] random_ expects 'from' to be less than 'to', but got from=", from,
              " >= to=", *to);
  uint64_t range = static_cast<uint64_t>(*to) - static_cast<uint64_t>(from);
  GeneratorImpl& g = gen_of(gen);
  std::lock_guard<std::mutex> lock(g.mutex);
  fill_serial(self(), "random_", [&]<class T>() -> T {
    uint64_t v = range >= (uint64_t(1) << 32) ? g.random64() % range
                                              : static_cast<uint64_t>(g.random()) % range;
    return cpu::convert<T>(static_cast<int64_t>(v + static_cast<uint64_t>(from)));
  });
  bump_version();
  return self();
}

Tensor& Tensor::random_(int64_t to, std::optional<Generator> gen) const {
  return random_(0, to, gen);
}

Tensor& Tensor::exponential_(double lambd, std::optional<Generator> gen) const {
  check_inplace_random(*this, "exponential_");
  EMBER_CHECK(is_floating_point(), "[exponential_] \"exponential_cpu\" not implemented for '",
              ::ember::toString(dtype()), "'");
  EMBER_CHECK(lambd > 0,
              "[exponential_] exponential_ expects lambda > 0.0, but found lambda=", lambd);
  EMBER_DEVICE_FILL(exponential, lambd, 0, Tensor())
  EMBER_DRAW_ON_HOST(exponential_(lambd, gen))
  GeneratorImpl& g = gen_of(gen);
  std::lock_guard<std::mutex> lock(g.mutex);
  fill_serial(self(), "exponential_", [&]<class T>() -> T {
    double u = uniform_real<double>(g, 0, 1);
    return static_cast<T>(static_cast<opmath_t<T>>(-std::log1p(-u) / lambd));
  });
  bump_version();
  return self();
}

Tensor rand(IntArrayRef size, const TensorOptions& options) {
  return rand(size, std::nullopt, options);
}
Tensor rand(IntArrayRef size, std::optional<Generator> gen, const TensorOptions& options) {
  // On a device without a generator: the device's Philox stream; with a CPU generator, drawn on
  // the host and copied.
  Tensor t = empty(size, options.requires_grad(false));
  t.uniform_(0, 1, gen);
  t.unsafeGetTensorImpl()->storage()->reset_version();  // a fresh tensor: version 0, as PyTorch's
  return options.requires_grad() ? t.requires_grad_(true) : t;
}
Tensor randn(IntArrayRef size, const TensorOptions& options) {
  return randn(size, std::nullopt, options);
}
Tensor randn(IntArrayRef size, std::optional<Generator> gen, const TensorOptions& options) {
  Tensor t = empty(size, options.requires_grad(false));
  t.normal_(0, 1, gen);
  t.unsafeGetTensorImpl()->storage()->reset_version();
  return options.requires_grad() ? t.requires_grad_(true) : t;
}
Tensor randint(int64_t high, IntArrayRef size, const TensorOptions& options) {
  return randint(0, high, size, std::nullopt, options);
}
Tensor randint(int64_t low, int64_t high, IntArrayRef size, const TensorOptions& options) {
  return randint(low, high, size, std::nullopt, options);
}
Tensor randint(int64_t low, int64_t high, IntArrayRef size, std::optional<Generator> gen,
               const TensorOptions& options) {
  TensorOptions o = options.has_dtype() ? options : options.dtype(kLong);
  Tensor t = empty(size, o.device(Device(kCPU)));
  t.random_(low, high, gen);
  t.unsafeGetTensorImpl()->storage()->reset_version();
  return o.device().is_cpu() ? t : t.to(o.device());
}
Tensor randperm(int64_t n, const TensorOptions& options) {
  return randperm(n, std::nullopt, options);
}
Tensor randperm(int64_t n, std::optional<Generator> gen, const TensorOptions& options) {
  EMBER_CHECK(n >= 0, "[randperm] n must be non-negative, got", n);
  TensorOptions o = options.has_dtype() ? options : options.dtype(kLong);
  Tensor t = arange(n, o.dtype(kLong).device(Device(kCPU)));
  int64_t* r = t.data_ptr<int64_t>();
  GeneratorImpl& g = gen_of(gen);
  {
    std::lock_guard<std::mutex> lock(g.mutex);
    for (int64_t i = 0; i < n - 1; ++i) {
      int64_t z = static_cast<int64_t>(g.random() % static_cast<uint64_t>(n - i));
      std::swap(r[i], r[z + i]);
    }
  }
  return t.to(o.device(), o.dtype());
}
Tensor rand_like(const Tensor& self, const TensorOptions& options) {
  return rand(self.sizes(), options.merge_in(self.options()));
}
Tensor randn_like(const Tensor& self, const TensorOptions& options) {
  return randn(self.sizes(), options.merge_in(self.options()));
}
Tensor randint_like(const Tensor& self, int64_t high, const TensorOptions& options) {
  return randint(0, high, self.sizes(), options.merge_in(self.options()));
}
Tensor randint_like(const Tensor& self, int64_t low, int64_t high, const TensorOptions& options) {
  return randint(low, high, self.sizes(), options.merge_in(self.options()));
}
Tensor normal(double mean, double std, IntArrayRef size, std::optional<Generator> gen,
              const TensorOptions& options) {
  Tensor t = empty(size, options);
  t.normal_(mean, std, gen);
  t.unsafeGetTensorImpl()->storage()->reset_version();
  return t;
}
Tensor bernoulli(const Tensor& self, std::optional<Generator> gen) {
  Tensor t = empty(self.sizes(), self.options());
  NoGradGuard ng;
  t.bernoulli_(self, gen);
  t.unsafeGetTensorImpl()->storage()->reset_version();
  return t;
}
Tensor bernoulli(const Tensor& self, double p, std::optional<Generator> gen) {
  Tensor t = empty(self.sizes(), self.options());
  NoGradGuard ng;
  t.bernoulli_(p, gen);
  t.unsafeGetTensorImpl()->storage()->reset_version();
  return t;
}

}  // namespace ember
