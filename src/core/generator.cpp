#include "ember/core/generator.h"

#include "src/core/cuda_hooks.h"

namespace ember {

Generator make_generator(uint64_t seed) { return Generator(std::make_shared<GeneratorImpl>(seed)); }

Generator& default_generator() {
  static Generator g = make_generator();
  return g;
}

void manual_seed(uint64_t seed) {
  detail::cuda_manual_seed_all(seed);
  auto& g = default_generator();
  std::lock_guard<std::mutex> lock(g.mutex());
  g.set_current_seed(seed);
}

}  // namespace ember
