#pragma once
// CPU random generator: mt19937 seeded like PyTorch's CPUGeneratorImpl, so manual_seed(s)
// reproduces PyTorch's streams for rand/randn/randint/randperm.
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <random>

namespace ember {

struct GeneratorImpl {
  explicit GeneratorImpl(uint64_t seed) { set_seed(seed); }
  void set_seed(uint64_t seed) {
    seed_ = seed;
    engine.seed(static_cast<uint32_t>(seed & 0xffffffffu));
    next_double_normal.reset();
    next_float_normal.reset();
  }
  uint64_t seed() const { return seed_; }
  uint32_t random() { return static_cast<uint32_t>(engine()); }
  uint64_t random64() {
    uint32_t hi = random();
    uint32_t lo = random();
    return (static_cast<uint64_t>(hi) << 32) | lo;
  }
  std::mt19937 engine;
  uint64_t seed_ = 0;
  std::optional<double> next_double_normal;
  std::optional<float> next_float_normal;
  std::mutex mutex;  // held by ops while they draw numbers
};

class Generator {
 public:
  Generator() = default;
  explicit Generator(std::shared_ptr<GeneratorImpl> impl) : impl_(std::move(impl)) {}
  GeneratorImpl* get() const { return impl_.get(); }
  bool defined() const { return static_cast<bool>(impl_); }
  void set_current_seed(uint64_t seed) { impl_->set_seed(seed); }
  uint64_t current_seed() const { return impl_->seed(); }
  std::mutex& mutex() const { return impl_->mutex; }

 private:
  std::shared_ptr<GeneratorImpl> impl_;
};

// The process-wide CPU generator (PyTorch's default seed 67280421310721).
Generator& default_generator();
Generator make_generator(uint64_t seed = 67280421310721ull);
void manual_seed(uint64_t seed);

}  // namespace ember
