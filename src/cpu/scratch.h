#pragma once
// Uninitialised scratch memory for CPU kernels from the caching CPU allocator: a training loop
// asks for the same sizes every step, so after the first step this costs neither malloc nor
// page faults.
#include <cstddef>
#include <cstdint>

#include "ember/core/storage.h"

namespace ember {
namespace cpu {

template <class T>
class Scratch {
 public:
  explicit Scratch(int64_t n)
      : n_(static_cast<size_t>(n > 0 ? n : 1) * sizeof(T)),
        p_(static_cast<T*>(cpu_allocator()->allocate(n_))) {}
  ~Scratch() { cpu_allocator()->deallocate(p_, n_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  T* data() { return p_; }

 private:
  size_t n_;
  T* p_;
};

}  // namespace cpu
}  // namespace ember
