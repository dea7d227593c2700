#pragma once
// Storage: a reference-counted block of bytes on one device, shared by all views of it.
#include <atomic>
#include <cstddef>
#include <functional>

#include "ember/core/device.h"
#include "ember/core/intrusive_ptr.h"

namespace ember {

// Allocator interface; the CPU one caches freed blocks by size.
class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* p, size_t nbytes) = 0;
  // Copies bytes between two blocks of this allocator (device memory needs more than memcpy).
  virtual void copy_bytes(void* dst, const void* src, size_t nbytes);
};
Allocator* cpu_allocator();
// Drops the CPU allocator's cached blocks.
void cpu_allocator_empty_cache();
// Bytes cached (free) in the CPU allocator's shared pool (blocks above 4 KiB; smaller blocks live
// in per-thread lists), and bytes currently handed out (all sizes, rounded).
size_t cpu_allocator_cached_bytes();
size_t cpu_allocator_allocated_bytes();

class StorageImpl : public RefCounted {
 public:
  // Owning storage allocated from `alloc`.
  StorageImpl(size_t nbytes, Allocator* alloc, Device device);
  // Non-owning (from_blob): `deleter` runs when the last reference goes.
  StorageImpl(void* data, size_t nbytes, std::function<void(void*)> deleter, Device device);
  ~StorageImpl() override;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool resizable() const { return allocator_ != nullptr; }
  // Grows or shrinks an owning storage, keeping the prefix.
  void resize(size_t nbytes);

  // Version counter shared by every tensor viewing this storage; in-place ops bump it.
  uint32_t version() const { return version_.load(std::memory_order_relaxed); }
  void bump_version() { version_.fetch_add(1, std::memory_order_relaxed); }
  // For factories only: a storage nobody else has seen yet starts at version 0 after its fill
  // (PyTorch's factories fill below the autograd layer, which is what counts versions).
  void reset_version() { version_.store(0, std::memory_order_relaxed); }

 private:
  void* data_;
  size_t nbytes_;
  Allocator* allocator_;
  std::function<void(void*)> deleter_;
  Device device_;
  std::atomic<uint32_t> version_{0};
};

using Storage = intrusive_ptr<StorageImpl>;

}  // namespace ember
