// The CUDA caching allocator and the pinned host allocator.
//
// Note [CUDA caching allocator]: like PyTorch's, freed device blocks stay cached per device and
// are handed out again without cudaMalloc/cudaFree (which synchronise). Requests round up to
// 512 bytes; those up to 1 MiB come from 2 MiB segments (the small pool), larger ones from 20 MiB
// segments or, from 10 MiB on, their own segment rounded to 2 MiB (the large pool). A free block
// bigger than the request is split; neighbours in a segment merge again when both are free.
// Blocks belong to the stream they were allocated on and are reused only for that stream, so
// stream order keeps reuse safe; recordStream() adds streams whose work must finish (an event
// each) before the block returns to its pool. When cudaMalloc fails, every cached segment is
// released and the allocation retried once; then an OutOfMemoryError is thrown and the process
// stays usable.
#include "src/cuda/allocator.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>
#include <vector>

#include "ember/cuda.h"
#include "ember/cuda/caching_allocator.h"
#include "src/core/cuda_hooks.h"
#include "src/cuda/runtime.h"

namespace ember {
namespace cuda {
using namespace CUDACachingAllocator;

namespace {
constexpr size_t kMinBlockSize = 512;
constexpr size_t kSmallSize = size_t(1) << 20;
constexpr size_t kSmallBuffer = size_t(2) << 20;
constexpr size_t kLargeBuffer = size_t(20) << 20;
constexpr size_t kMinLargeAlloc = size_t(10) << 20;
constexpr size_t kRoundLarge = size_t(2) << 20;
constexpr int kMaxDevices = 64;

std::string format_size(size_t n) {
  char buf[64];
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%zu bytes", n);
  } else if (n < (size_t(1) << 20)) {
    std::snprintf(buf, sizeof(buf), "%.2f KiB", n / 1024.0);
  } else if (n < (size_t(1) << 30)) {
    std::snprintf(buf, sizeof(buf), "%.2f MiB", n / 1048576.0);
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", n / 1073741824.0);
  }
  return buf;
}

struct Block {
  Block(cudaStream_t s, size_t n, char* p, bool sm) : stream(s), size(n), ptr(p), small(sm) {}
  cudaStream_t stream;
  size_t size;
  char* ptr;
  bool small;
  bool allocated = false;
  Block* prev = nullptr;  // neighbours inside the segment
  Block* next = nullptr;
  std::vector<cudaStream_t> stream_uses;
  int event_count = 0;
};

struct BlockLess {
  bool operator()(const Block* a, const Block* b) const {
    if (a->stream != b->stream)
      return reinterpret_cast<uintptr_t>(a->stream) < reinterpret_cast<uintptr_t>(b->stream);
    if (a->size != b->size) return a->size < b->size;
    return reinterpret_cast<uintptr_t>(a->ptr) < reinterpret_cast<uintptr_t>(b->ptr);
  }
};
using Pool = std::set<Block*, BlockLess>;

void update(StatArray& a, int64_t delta, bool small) {
  for (size_t t : {size_t(0), small ? size_t(1) : size_t(2)}) {
    Stat& s = a[t];
    s.current += delta;
    if (delta > 0) {
      s.allocated += delta;
      s.peak = std::max(s.peak, s.current);
    } else {
      s.freed -= delta;
    }
  }
}

class DeviceCachingAllocator final : public Allocator {
 public:
  explicit DeviceCachingAllocator(DeviceIndex d) : device_(d) {}

  void* allocate(size_t nbytes) override {
    if (nbytes == 0) return nullptr;
    return malloc(nbytes, getCurrentCUDAStream(device_).stream());
  }
  void deallocate(void* p, size_t) override { free(p); }
  void copy_bytes(void* dst, const void* src, size_t n) override {
    CUDAGuard g(device_);
    cudaStream_t s = getCurrentCUDAStream(device_).stream();
    EMBER_CUDA_CHECK(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, s), "resize_");
  }

  void* malloc(size_t nbytes, cudaStream_t stream) {
    size_t size =
        std::max(kMinBlockSize, (nbytes + kMinBlockSize - 1) / kMinBlockSize * kMinBlockSize);
    bool small = size <= kSmallSize;
    std::lock_guard<std::mutex> lock(mu_);
    process_events(false);
    Pool& pool = small ? small_ : large_;
    Block key{stream, size, nullptr, small};
    Block* b = nullptr;
    auto it = pool.lower_bound(&key);
    if (it != pool.end() && (*it)->stream == stream) {
      b = *it;
      pool.erase(it);
    } else {
      b = new_segment(nbytes, size, small, stream);
    }
    size_t rest = b->size - size;
    if (small ? rest >= kMinBlockSize : rest > kSmallSize) {
      auto* r = new Block{stream, rest, b->ptr + size, small};
      r->prev = b;
      r->next = b->next;
      if (b->next) b->next->prev = r;
      b->next = r;
      b->size = size;
      pool.insert(r);
    }
    b->allocated = true;
    active_[b->ptr] = b;
    update(stats_.allocation, 1, small);
    update(stats_.allocated_bytes, static_cast<int64_t>(b->size), small);
    update(stats_.active, 1, small);
    update(stats_.active_bytes, static_cast<int64_t>(b->size), small);
    return b->ptr;
  }

  void free(void* p) {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(p);
    EMBER_CHECK(it != active_.end(), "[CUDA allocator] invalid device pointer: ", p);
    Block* b = it->second;
    active_.erase(it);
    b->allocated = false;
    update(stats_.allocation, -1, b->small);
    update(stats_.allocated_bytes, -static_cast<int64_t>(b->size), b->small);
    if (!b->stream_uses.empty()) {
      CUDAGuard g(device_);
      for (cudaStream_t s : b->stream_uses) {
        cudaEvent_t ev;
        EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming), "free");
        EMBER_CUDA_CHECK(cudaEventRecord(ev, s), "free");
        events_.emplace_back(ev, b);
        ++b->event_count;
      }
      b->stream_uses.clear();
      return;
    }
    free_block(b);
  }

  void record_stream(void* p, cudaStream_t s) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = active_.find(p);
    EMBER_CHECK(it != active_.end(),
                "[recordStream] the tensor's memory is not from the CUDA "
                "caching allocator");
    Block* b = it->second;
    if (s == b->stream) return;
    if (std::find(b->stream_uses.begin(), b->stream_uses.end(), s) == b->stream_uses.end())
      b->stream_uses.push_back(s);
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mu_);
    process_events(true);
    release_cached();
  }

  DeviceStats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  void reset_peak() {
    std::lock_guard<std::mutex> lock(mu_);
    for (StatArray* a : all_stats())
      for (Stat& s : *a) s.peak = s.current;
  }
  void reset_accumulated() {
    std::lock_guard<std::mutex> lock(mu_);
    for (StatArray* a : all_stats())
      for (Stat& s : *a) s.allocated = s.freed = 0;
    stats_.num_alloc_retries = stats_.num_ooms = 0;
  }

 private:
  std::array<StatArray*, 6> all_stats() {
    return {&stats_.allocation,      &stats_.segment,        &stats_.active,
            &stats_.allocated_bytes, &stats_.reserved_bytes, &stats_.active_bytes};
  }

  Block* new_segment(size_t nbytes, size_t size, bool small, cudaStream_t stream) {
    size_t seg = small                   ? kSmallBuffer
                 : size < kMinLargeAlloc ? kLargeBuffer
                                         : (size + kRoundLarge - 1) / kRoundLarge * kRoundLarge;
    CUDAGuard g(device_);
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, seg);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      ++stats_.num_alloc_retries;
      process_events(true);
      release_cached();
      err = cudaMalloc(&p, seg);
    }
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      if (err != cudaErrorMemoryAllocation) cuda::detail::throw_cuda_error(err, "CUDA allocator");
      ++stats_.num_ooms;
      size_t free_b = 0, total_b = 0;
      (void)cudaMemGetInfo(&free_b, &total_b);
      (void)cudaGetLastError();
      throw OutOfMemoryError(::ember::detail::str_cat(
          "CUDA out of memory. Tried to allocate ", format_size(nbytes), " (GPU ",
          static_cast<int>(device_), "; ", format_size(total_b), " total capacity; ",
          format_size(stats_.allocated_bytes[0].current), " already allocated; ",
          format_size(free_b), " free; ", format_size(stats_.reserved_bytes[0].current),
          " reserved in total by ember)"));
    }
    update(stats_.segment, 1, small);
    update(stats_.reserved_bytes, static_cast<int64_t>(seg), small);
    return new Block{stream, seg, static_cast<char*>(p), small};
  }

  static bool mergeable(const Block* c) { return c && !c->allocated && c->event_count == 0; }

  void free_block(Block* b) {
    Pool& pool = b->small ? small_ : large_;
    update(stats_.active, -1, b->small);
    update(stats_.active_bytes, -static_cast<int64_t>(b->size), b->small);
    if (mergeable(b->prev)) {
      Block* p = b->prev;
      pool.erase(p);
      p->size += b->size;
      p->next = b->next;
      if (b->next) b->next->prev = p;
      delete b;
      b = p;
    }
    if (mergeable(b->next)) {
      Block* n = b->next;
      pool.erase(n);
      b->size += n->size;
      b->next = n->next;
      if (n->next) n->next->prev = b;
      delete n;
    }
    pool.insert(b);
  }

  // Returns blocks whose recorded streams have passed their events; `wait` waits for all.
  void process_events(bool wait) {
    for (auto it = events_.begin(); it != events_.end();) {
      cudaError_t err = wait ? cudaEventSynchronize(it->first) : cudaEventQuery(it->first);
      if (err == cudaErrorNotReady) {
        (void)cudaGetLastError();
        ++it;
        continue;
      }
      (void)cudaEventDestroy(it->first);
      Block* b = it->second;
      it = events_.erase(it);
      if (--b->event_count == 0) free_block(b);
    }
  }

  // cudaFree for every cached segment that is entirely free.
  void release_cached() {
    CUDAGuard g(device_);
    for (Pool* pool : {&small_, &large_}) {
      for (auto it = pool->begin(); it != pool->end();) {
        Block* b = *it;
        if (b->prev || b->next) {
          ++it;
          continue;
        }
        (void)cudaFree(b->ptr);
        update(stats_.segment, -1, b->small);
        update(stats_.reserved_bytes, -static_cast<int64_t>(b->size), b->small);
        it = pool->erase(it);
        delete b;
      }
    }
  }

  DeviceIndex device_;
  std::mutex mu_;
  Pool small_, large_;
  std::unordered_map<void*, Block*> active_;
  std::deque<std::pair<cudaEvent_t, Block*>> events_;
  DeviceStats stats_;
};

std::mutex g_create_mu;
std::array<DeviceCachingAllocator*, kMaxDevices> g_allocators{};  // leaked on purpose

DeviceCachingAllocator* get_allocator(DeviceIndex d) {
  d = cuda::detail::resolve_device(d);
  static std::once_flag registered;
  std::call_once(registered, register_cuda_kernels);
  std::lock_guard<std::mutex> lock(g_create_mu);
  if (!g_allocators[d]) g_allocators[d] = new DeviceCachingAllocator(d);
  return g_allocators[d];
}

// Pinned host memory: blocks of power-of-two sizes, cached; a block returns only once the events
// recorded by non-blocking copies that used it have completed.
class PinnedAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    if (nbytes == 0) return nullptr;
    size_t size = 512;
    while (size < nbytes) size <<= 1;
    std::lock_guard<std::mutex> lock(mu_);
    auto range = free_.equal_range(size);
    for (auto it = range.first; it != range.second; ++it) {
      HostBlock& hb = blocks_[it->second];
      if (ready(hb)) {
        void* p = it->second;
        free_.erase(it);
        hb.in_use = true;
        return p;
      }
    }
    device_count_ensure_non_zero();
    void* p = nullptr;
    cudaError_t err = cudaHostAlloc(&p, size, cudaHostAllocDefault);
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      release_free();
      err = cudaHostAlloc(&p, size, cudaHostAllocDefault);
    }
    if (err != cudaSuccess) {
      (void)cudaGetLastError();
      throw OutOfMemoryError(::ember::detail::str_cat(
          "[pin_memory] CUDA error: ", cudaGetErrorString(err), " while allocating ",
          format_size(nbytes), " of pinned host memory"));
    }
    blocks_[p] = HostBlock{size, true, {}};
    return p;
  }
  void deallocate(void* p, size_t) override {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blocks_.find(p);
    if (it == blocks_.end()) return;
    it->second.in_use = false;
    free_.emplace(it->second.size, p);
  }
  bool contains(const void* p) {
    std::lock_guard<std::mutex> lock(mu_);
    return blocks_.count(const_cast<void*>(p)) != 0;
  }
  void record(const void* p, cudaStream_t s) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = blocks_.find(const_cast<void*>(p));
    if (it == blocks_.end()) return;
    cudaEvent_t ev;
    EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming), "copy_");
    EMBER_CUDA_CHECK(cudaEventRecord(ev, s), "copy_");
    it->second.events.push_back(ev);
  }

 private:
  struct HostBlock {
    size_t size;
    bool in_use;
    std::vector<cudaEvent_t> events;
  };
  static bool ready(HostBlock& hb) {
    while (!hb.events.empty()) {
      cudaError_t err = cudaEventQuery(hb.events.back());
      if (err == cudaErrorNotReady) {
        (void)cudaGetLastError();
        return false;
      }
      (void)cudaEventDestroy(hb.events.back());
      hb.events.pop_back();
    }
    return true;
  }
  void release_free() {
    for (auto it = free_.begin(); it != free_.end();) {
      HostBlock& hb = blocks_[it->second];
      for (cudaEvent_t ev : hb.events) {
        (void)cudaEventSynchronize(ev);
        (void)cudaEventDestroy(ev);
      }
      (void)cudaFreeHost(it->second);
      blocks_.erase(it->second);
      it = free_.erase(it);
    }
  }
  std::mutex mu_;
  std::unordered_map<void*, HostBlock> blocks_;
  std::multimap<size_t, void*> free_;
};

PinnedAllocator& pinned() {
  static auto* a = new PinnedAllocator();  // leaked on purpose (static tensors)
  return *a;
}
}  // namespace

namespace detail {
Allocator* device_allocator(DeviceIndex device) { return get_allocator(device); }
Allocator* pinned_allocator() { return &pinned(); }
bool is_pinned_ptr(const void* base) { return base && pinned().contains(base); }
void record_pinned_use(const void* base, cudaStream_t stream) { pinned().record(base, stream); }
}  // namespace detail

namespace CUDACachingAllocator {
void* raw_alloc(size_t nbytes) {
  if (nbytes == 0) return nullptr;  // as PyTorch: no device needed for an empty request
  return raw_alloc_with_stream(nbytes, getCurrentCUDAStream());
}
void* raw_alloc_with_stream(size_t nbytes, CUstream_st* stream) {
  if (nbytes == 0) return nullptr;
  return get_allocator(-1)->malloc(nbytes, stream);
}
void raw_delete(void* ptr) {
  if (!ptr) return;
  cudaPointerAttributes attr{};
  EMBER_CUDA_CHECK(cudaPointerGetAttributes(&attr, ptr), "raw_delete");
  get_allocator(static_cast<DeviceIndex>(attr.device))->free(ptr);
}
void emptyCache() {
  if (!is_available()) return;
  for (size_t d = 0; d < device_count(); ++d) {
    DeviceCachingAllocator* a = nullptr;
    {
      std::lock_guard<std::mutex> lock(g_create_mu);
      a = g_allocators[d];
    }
    if (a) a->empty_cache();
  }
}
DeviceStats getDeviceStats(int device) {
  return get_allocator(static_cast<DeviceIndex>(device))->stats();
}
void resetPeakStats(int device) { get_allocator(static_cast<DeviceIndex>(device))->reset_peak(); }
void resetAccumulatedStats(int device) {
  get_allocator(static_cast<DeviceIndex>(device))->reset_accumulated();
}
void recordStream(const Tensor& t, CUDAStream stream) {
  EMBER_CHECK(t.is_cuda(), "[record_stream] expected a CUDA tensor but got one on ", t.device());
  if (!t.storage()->data()) return;
  get_allocator(t.device().index())->record_stream(t.storage()->data(), stream.stream());
}
}  // namespace CUDACachingAllocator
}  // namespace cuda

namespace detail {
Allocator* cuda_allocator(Device& device) {
  DeviceIndex d = cuda::detail::resolve_device(device.index());
  device.set_index(d);
  return cuda::detail::device_allocator(d);
}
bool cuda_is_pinned(const Tensor& t) {
  return cuda::is_available() && cuda::detail::is_pinned_ptr(t.storage()->data());
}
}  // namespace detail
}  // namespace ember
