// CUDA runtime: device queries, streams, guards, events, launch checks and the per-device Philox
// generator state (torch::cuda::*, c10::cuda::*).
#include "src/cuda/runtime.h"
#include "src/cuda/cudnn.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "ember/cuda.h"
#include "ember/cuda/event.h"
#include "src/core/cuda_hooks.h"

namespace ember {
namespace cuda {
namespace detail {

namespace {
constexpr int kMaxDevices = 64;
constexpr int kPoolSize = 32;

struct DeviceInfo {
  int count = 0;
  cudaError_t err = cudaSuccess;
  int driver = 0;
};

const DeviceInfo& device_info() {
  static const DeviceInfo info = [] {
    DeviceInfo i;
    i.err = cudaGetDeviceCount(&i.count);
    if (i.err != cudaSuccess) {
      (void)cudaGetLastError();
      i.count = 0;
    }
    if (i.count > kMaxDevices) i.count = kMaxDevices;
    cudaDriverGetVersion(&i.driver);
    return i;
  }();
  return info;
}
}  // namespace

[[noreturn]] void throw_cuda_error(cudaError_t err, const char* op) {
  (void)cudaGetLastError();  // clear a non-sticky error so the process stays usable
  EMBER_ERROR("[", op, "] CUDA error: ", cudaGetErrorString(err),
              "\nCUDA kernel errors might be asynchronously reported at some other API call, so "
              "the stacktrace below might be incorrect.\nFor debugging consider passing "
              "CUDA_LAUNCH_BLOCKING=1.");
}

bool launch_blocking() {
  static const bool on = [] {
    for (const char* name : {"CUDA_LAUNCH_BLOCKING", "EMBER_CUDA_LAUNCH_BLOCKING"}) {
      const char* v = std::getenv(name);
      if (v && std::strcmp(v, "1") == 0) return true;
    }
    return false;
  }();
  return on;
}

// Note [CUDA op profile]
// EMBER_CUDA_PROFILE=1 records an event after every launch that goes through check_launch (ember's
// kernels and cuBLAS calls) and, at exit, prints per op the GPU time between the previous event on
// the same stream and this one: the op's kernels plus any idle time before them (a host sync or a
// slow host shows up as time of the op after it), plus copies and memsets issued in between. Each
// row also says how much of that was the GPU waiting for the host ("idle"): the host's clock is
// tied to the stream's at the first record (an event on an idle device), and an op whose launch
// reached the stream after the previous op had finished left the GPU idle from that finish until
// the launch. Elementwise ops are labelled with dtype and size; EMBER_CUDA_PROFILE_ROWS=n prints
// n rows (default 40).
namespace {
class LaunchProfile {
 public:
  static LaunchProfile& get() {
    static LaunchProfile* p = new LaunchProfile();  // never destroyed: report() runs at exit
    return *p;
  }
  bool enabled() const { return enabled_; }
  void record(const char* op, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mu_);
    if (entries_.size() >= (size_t{1} << 21)) return;
    if (origin_ == nullptr) {
      // The clock origin: an event recorded on an idle device completes right away.
      if (cudaDeviceSynchronize() != cudaSuccess || cudaEventCreate(&origin_) != cudaSuccess)
        return;
      if (cudaEventRecord(origin_, stream) != cudaSuccess ||
          cudaEventSynchronize(origin_) != cudaSuccess) {
        cudaEventDestroy(origin_);
        origin_ = nullptr;
        return;
      }
      host_origin_ = std::chrono::steady_clock::now();
    }
    cudaEvent_t ev = nullptr;
    if (cudaEventCreate(&ev) != cudaSuccess) return;
    if (cudaEventRecord(ev, stream) != cudaSuccess) {
      cudaEventDestroy(ev);
      return;
    }
    double host_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - host_origin_)
            .count();
    entries_.push_back({op, stream, ev, host_ms});
  }

 private:
  struct Entry {
    std::string op;
    cudaStream_t stream;
    cudaEvent_t ev;
    double host_ms;  // when the launch had been issued, on the host's clock
  };
  struct Row {
    int64_t launches = 0;
    double ms = 0;
    double idle_ms = 0;
  };
  LaunchProfile() {
    const char* e = std::getenv("EMBER_CUDA_PROFILE");
    enabled_ = e != nullptr && *e != '\0' && std::strcmp(e, "0") != 0;
    if (enabled_) std::atexit([] { get().report(); });
  }
  void report() {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, Row> per_op;
    // Per stream: the previous event's time on the GPU, from origin_.
    std::unordered_map<cudaStream_t, double> last;
    double total = 0, idle = 0;
    for (const Entry& e : entries_) {
      if (cudaEventSynchronize(e.ev) != cudaSuccess) break;
      float at = 0;
      if (cudaEventElapsedTime(&at, origin_, e.ev) != cudaSuccess) continue;
      auto it = last.find(e.stream);
      if (it != last.end()) {
        double ms = at - it->second;
        // The launch was issued before host_ms: the GPU, done with the previous op at
        // it->second, waited for it until host_ms at most.
        double wait = std::clamp(e.host_ms - it->second, 0.0, std::max(ms, 0.0));
        Row& r = per_op[e.op];
        r.launches += 1;
        r.ms += ms;
        r.idle_ms += wait;
        total += ms;
        idle += wait;
      }
      last[e.stream] = at;
    }
    std::vector<std::pair<std::string, Row>> rows(per_op.begin(), per_op.end());
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
    std::fprintf(stderr,
                 "ember CUDA profile (EMBER_CUDA_PROFILE): %zu launches, %.1f ms, of which the GPU "
                 "waited for the host up to %.1f ms\n",
                 entries_.size(), total, idle);
    std::fprintf(stderr, "%-56s %9s %10s %9s %7s\n", "op", "launches", "ms", "idle ms", "share");
    const char* env_rows = std::getenv("EMBER_CUDA_PROFILE_ROWS");
    const size_t shown = env_rows ? std::strtoull(env_rows, nullptr, 10) : 40;
    for (size_t i = 0; i < rows.size() && i < shown; ++i) {
      const auto& [name, r] = rows[i];
      std::fprintf(stderr, "%-56s %9lld %10.2f %9.2f %6.1f%%\n", name.c_str(),
                   static_cast<long long>(r.launches), r.ms, r.idle_ms,
                   total > 0 ? 100.0 * r.ms / total : 0.0);
    }
    for (const Entry& e : entries_) cudaEventDestroy(e.ev);
    entries_.clear();
  }
  bool enabled_ = false;
  cudaEvent_t origin_ = nullptr;
  std::chrono::steady_clock::time_point host_origin_;
  std::mutex mu_;
  std::vector<Entry> entries_;
};
}  // namespace

bool profiling() {
  static const bool on = LaunchProfile::get().enabled();
  return on;
}

const char* profile_label(const char* op, const std::string& detail) {
  if (!profiling()) return op;
  static std::mutex mu;
  static auto* labels = new std::set<std::string>();  // never destroyed: read at exit
  std::lock_guard<std::mutex> lock(mu);
  return labels->insert(std::string(op) + " " + detail).first->c_str();
}

void check_launch(const char* op, cudaStream_t stream) {
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) throw_cuda_error(err, op);
  if (launch_blocking()) EMBER_CUDA_CHECK(cudaStreamSynchronize(stream), op);
  if (profiling()) LaunchProfile::get().record(op, stream);
}

// ---- deferred kernel errors (Note [Deferred kernel errors] in src/core/kernel_errors.h) ----

namespace {
// The records live in device memory outside the caching allocator (a few KiB per device, kept for
// the process's life); reads and clears go through a private non-blocking stream so that they
// wait for nothing but themselves (the launches they read have finished: their stream was waited
// for).
class CudaErrorBackend final : public ::ember::detail::KernelErrorBackend {
 public:
  int64_t* allocate(int device, size_t words) override {
    CUDAGuard g(static_cast<DeviceIndex>(device));
    void* p = nullptr;
    EMBER_CUDA_CHECK(cudaMalloc(&p, words * sizeof(int64_t)), "kernel error records");
    EMBER_CUDA_CHECK(cudaMemset(p, 0, words * sizeof(int64_t)), "kernel error records");
    EMBER_CUDA_CHECK(cudaDeviceSynchronize(), "kernel error records");
    return static_cast<int64_t*>(p);
  }
  void read(int device, int64_t* dst, const int64_t* src, size_t words) override {
    CUDAGuard g(static_cast<DeviceIndex>(device));
    cudaStream_t s = private_stream(device);
    EMBER_CUDA_CHECK(cudaMemcpyAsync(dst, src, words * sizeof(int64_t), cudaMemcpyDeviceToHost, s),
                     "kernel error records");
    EMBER_CUDA_CHECK(cudaStreamSynchronize(s), "kernel error records");
  }
  void clear(int device, int64_t* record, size_t words) override {
    CUDAGuard g(static_cast<DeviceIndex>(device));
    cudaStream_t s = private_stream(device);
    EMBER_CUDA_CHECK(cudaMemsetAsync(record, 0, words * sizeof(int64_t), s),
                     "kernel error records");
    EMBER_CUDA_CHECK(cudaStreamSynchronize(s), "kernel error records");
  }
  void wait(int device, void* stream) override {
    CUDAGuard g(static_cast<DeviceIndex>(device));
    EMBER_CUDA_CHECK(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)), "synchronize");
  }

 private:
  cudaStream_t private_stream(int device) {
    std::lock_guard<std::mutex> lock(mu_);
    cudaStream_t& s = streams_[static_cast<size_t>(device)];
    if (s == nullptr)
      EMBER_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking),
                       "kernel error records");
    return s;
  }
  std::mutex mu_;
  std::array<cudaStream_t, kMaxDevices> streams_{};
};

std::atomic<int> deferred_override{-1};  // -1: from the environment
}  // namespace

::ember::detail::KernelErrors& kernel_errors() {
  static auto* backend = new CudaErrorBackend();  // never destroyed: harvests may run at exit
  static auto* errors = new ::ember::detail::KernelErrors(*backend);
  return *errors;
}

bool deferred_kernel_errors() {
  static const bool from_env = [] {
    const char* e = std::getenv("EMBER_CUDA_DEFERRED_ERRORS");
    return !launch_blocking() && !(e != nullptr && std::strcmp(e, "0") == 0);
  }();
  const int o = deferred_override.load(std::memory_order_relaxed);
  return o < 0 ? from_env : o != 0;
}

void set_deferred_kernel_errors(bool on) {
  deferred_override.store(on ? 1 : 0, std::memory_order_relaxed);
}

KernelErrorCheck::KernelErrorCheck(DeviceIndex device, cudaStream_t stream, const char* op,
                                   ::ember::detail::KernelErrorRaiser raise, bool at_call)
    : device_(device), stream_(stream), immediate_(at_call || !deferred_kernel_errors()) {
  record_ = kernel_errors().enlist(device, stream, op, std::move(raise), immediate_);
}

KernelErrorCheck::~KernelErrorCheck() {
  if (!marked_) kernel_errors().launched(record_);
}

void KernelErrorCheck::launched() {
  kernel_errors().launched(record_);
  marked_ = true;
  if (!immediate_) return;
  CUDAGuard g(device_);
  stream_synchronize(stream_);  // harvests: raises this launch's error here
}

DeviceIndex resolve_device(DeviceIndex d) {
  int n = device_count_ensure_non_zero();
  if (d < 0) return current_device();
  EMBER_CHECK(d < n, "CUDA error: invalid device ordinal: cuda:", static_cast<int>(d),
              " was requested but ", n, " CUDA device(s) are available");
  return d;
}

int multiprocessor_count(DeviceIndex d) {
  static std::array<std::atomic<int>, kMaxDevices> cache{};
  int v = cache[d].load(std::memory_order_relaxed);
  if (v == 0) {
    EMBER_CUDA_CHECK(cudaDeviceGetAttribute(&v, cudaDevAttrMultiProcessorCount, d), "device");
    cache[d].store(v, std::memory_order_relaxed);
  }
  return v;
}

namespace {
struct Philox {
  std::mutex mu;
  uint64_t seed = 67280421310721ull;
  uint64_t offset = 0;
};
std::array<Philox, kMaxDevices>& philox() {
  static auto* p = new std::array<Philox, kMaxDevices>();
  return *p;
}
}  // namespace

PhiloxState philox_state(DeviceIndex d, uint64_t increment) {
  auto& g = philox()[resolve_device(d)];
  std::lock_guard<std::mutex> lock(g.mu);
  PhiloxState s{g.seed, g.offset};
  g.offset += (increment + 3) / 4 * 4;  // Philox draws four 32-bit numbers per call
  return s;
}

}  // namespace detail

// ---- torch::cuda ----

bool is_built() { return true; }
size_t device_count() { return static_cast<size_t>(detail::device_info().count); }
bool is_available() { return device_count() > 0; }
bool cudnn_is_available() { return is_available() && cudnn::loaded(); }

void manual_seed(uint64_t seed) {
  if (!is_available()) return;
  auto& g = detail::philox()[current_device()];
  std::lock_guard<std::mutex> lock(g.mu);
  g.seed = seed;
  g.offset = 0;
}

void manual_seed_all(uint64_t seed) {
  for (size_t d = 0; d < device_count(); ++d) {
    auto& g = detail::philox()[d];
    std::lock_guard<std::mutex> lock(g.mu);
    g.seed = seed;
    g.offset = 0;
  }
}

void synchronize(int64_t device_index) {
  if (!is_available()) return;
  device_synchronize(static_cast<DeviceIndex>(device_index));
}

DeviceIndex device_count_ensure_non_zero() {
  const auto& i = detail::device_info();
  if (i.count > 0) return static_cast<DeviceIndex>(i.count);
  if (i.err == cudaErrorInsufficientDriver) {
    EMBER_CHECK(i.driver > 0,
                "Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU "
                "and installed a driver from http://www.nvidia.com/Download/index.aspx");
    EMBER_ERROR("The NVIDIA driver on your system is too old (found version ", i.driver,
                "). Please update your GPU driver by downloading and installing a new version "
                "from the URL: http://www.nvidia.com/Download/index.aspx");
  }
  EMBER_ERROR("No CUDA GPUs are available");
}

DeviceIndex current_device() {
  device_count_ensure_non_zero();
  int d = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&d), "current_device");
  return static_cast<DeviceIndex>(d);
}

void set_device(DeviceIndex device) {
  DeviceIndex d = detail::resolve_device(device);
  int cur = -1;
  if (cudaGetDevice(&cur) == cudaSuccess && cur == d) return;
  EMBER_CUDA_CHECK(cudaSetDevice(d), "set_device");
}

// Both waits then check the deferred kernel errors of the launches queued before them (Note
// [Deferred kernel errors]).
void stream_synchronize(CUstream_st* s) {
  const uint64_t queued = detail::kernel_errors().mark();
  EMBER_CUDA_CHECK(cudaStreamSynchronize(s), "synchronize");
  int d = 0;
  EMBER_CUDA_CHECK(cudaGetDevice(&d), "synchronize");  // the null stream is the current device's
  detail::kernel_errors().harvest_stream_before(d, s, queued);
}

void device_synchronize(DeviceIndex device) {
  const DeviceIndex d = detail::resolve_device(device);
  CUDAGuard g(d);
  const uint64_t queued = detail::kernel_errors().mark();
  EMBER_CUDA_CHECK(cudaDeviceSynchronize(), "synchronize");
  detail::kernel_errors().harvest_device_before(d, queued);
}

// ---- streams ----

namespace {
struct StreamPool {
  std::once_flag once;
  cudaStream_t low[detail::kPoolSize] = {};
  cudaStream_t high[detail::kPoolSize] = {};
  std::atomic<uint32_t> next_low{0}, next_high{0};
};
std::array<StreamPool, detail::kMaxDevices>& pools() {
  static auto* p =
      new std::array<StreamPool, detail::kMaxDevices>();  // streams live for the process
  return *p;
}
// The current stream per device on this thread; id 0 (null stream) until set.
struct CurrentStreams {
  std::array<cudaStream_t, detail::kMaxDevices> stream{};
  std::array<StreamId, detail::kMaxDevices> id{};
};
CurrentStreams& current_streams() {
  thread_local CurrentStreams c;
  return c;
}
}  // namespace

bool CUDAStream::query() const {
  CUDAGuard g(device_);
  cudaError_t err = cudaStreamQuery(stream_);
  if (err == cudaSuccess) return true;
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  detail::throw_cuda_error(err, "CUDAStream::query");
}

void CUDAStream::synchronize() const {
  CUDAGuard g(device_);
  stream_synchronize(stream_);
}

int CUDAStream::priority() const {
  CUDAGuard g(device_);
  int p = 0;
  EMBER_CUDA_CHECK(cudaStreamGetPriority(stream_, &p), "CUDAStream::priority");
  return p;
}

CUDAStream getDefaultCUDAStream(DeviceIndex device) {
  return CUDAStream(detail::resolve_device(device), 0, nullptr);
}

CUDAStream getCurrentCUDAStream(DeviceIndex device) {
  DeviceIndex d = detail::resolve_device(device);
  auto& c = current_streams();
  return CUDAStream(d, c.id[d], c.stream[d]);
}

CUDAStream getStreamFromPool(bool isHighPriority, DeviceIndex device) {
  DeviceIndex d = detail::resolve_device(device);
  auto& p = pools()[d];
  std::call_once(p.once, [&] {
    CUDAGuard g(d);
    int least = 0, greatest = 0;
    EMBER_CUDA_CHECK(cudaDeviceGetStreamPriorityRange(&least, &greatest), "getStreamFromPool");
    for (int i = 0; i < detail::kPoolSize; ++i) {
      EMBER_CUDA_CHECK(cudaStreamCreateWithPriority(&p.low[i], cudaStreamNonBlocking, least),
                       "getStreamFromPool");
      EMBER_CUDA_CHECK(cudaStreamCreateWithPriority(&p.high[i], cudaStreamNonBlocking, greatest),
                       "getStreamFromPool");
    }
  });
  if (isHighPriority) {
    uint32_t i = p.next_high.fetch_add(1) % detail::kPoolSize;
    return CUDAStream(d, 1 + detail::kPoolSize + i, p.high[i]);
  }
  uint32_t i = p.next_low.fetch_add(1) % detail::kPoolSize;
  return CUDAStream(d, 1 + i, p.low[i]);
}

CUDAStream getStreamFromExternal(CUstream_st* stream, DeviceIndex device) {
  return CUDAStream(detail::resolve_device(device), reinterpret_cast<StreamId>(stream), stream);
}

void setCurrentCUDAStream(CUDAStream s) {
  auto& c = current_streams();
  c.stream[s.device_index()] = s.stream();
  c.id[s.device_index()] = s.id();
}

// ---- guards ----

CUDAGuard::CUDAGuard(DeviceIndex device)
    : original_(::ember::cuda::current_device()), current_(original_) {
  set_index(device);
}
CUDAGuard::CUDAGuard(Device device) : CUDAGuard(device.index()) {
  EMBER_CHECK(device.is_cuda(), "[CUDAGuard] expected a CUDA device but got ", device);
}
CUDAGuard::~CUDAGuard() {
  if (current_ != original_) (void)cudaSetDevice(original_);
}
void CUDAGuard::set_index(DeviceIndex device) {
  DeviceIndex d = detail::resolve_device(device);
  if (d != current_) {
    EMBER_CUDA_CHECK(cudaSetDevice(d), "CUDAGuard");
    current_ = d;
  }
}

CUDAStreamGuard::CUDAStreamGuard(CUDAStream stream)
    : original_device_(::ember::cuda::current_device()),
      original_stream_(getCurrentCUDAStream(stream.device_index())),
      current_stream_(stream) {
  set_device(stream.device_index());
  setCurrentCUDAStream(stream);
}
CUDAStreamGuard::~CUDAStreamGuard() {
  setCurrentCUDAStream(original_stream_);
  (void)cudaSetDevice(original_device_);
}
void CUDAStreamGuard::reset_stream(CUDAStream stream) {
  if (stream.device_index() != original_stream_.device_index()) {
    setCurrentCUDAStream(original_stream_);
    original_stream_ = getCurrentCUDAStream(stream.device_index());
  }
  set_device(stream.device_index());
  setCurrentCUDAStream(stream);
  current_stream_ = stream;
}

// ---- events ----

CUDAEvent::~CUDAEvent() {
  if (event_) {
    int cur = -1;
    (void)cudaGetDevice(&cur);
    (void)cudaSetDevice(device_);
    (void)cudaEventDestroy(event_);
    (void)cudaSetDevice(cur);
  }
}

void CUDAEvent::record() { record(getCurrentCUDAStream()); }

void CUDAEvent::record(const CUDAStream& stream) {
  CUDAGuard g(stream.device_index());
  if (!event_) {
    device_ = stream.device_index();
    EMBER_CUDA_CHECK(cudaEventCreateWithFlags(&event_, flags_), "CUDAEvent::record");
  }
  EMBER_CHECK(device_ == stream.device_index(), "[CUDAEvent::record] Event device ",
              static_cast<int>(device_), " does not match recording stream's device ",
              static_cast<int>(stream.device_index()), ".");
  launch_mark_ = detail::kernel_errors().mark();  // the checked launches the event follows
  EMBER_CUDA_CHECK(cudaEventRecord(event_, stream.stream()), "CUDAEvent::record");
  stream_ = stream.stream();
  was_recorded_ = true;
}

void CUDAEvent::recordOnce(const CUDAStream& stream) {
  if (!was_recorded_) record(stream);
}

void CUDAEvent::block(const CUDAStream& stream) {
  if (!event_) return;
  CUDAGuard g(stream.device_index());
  EMBER_CUDA_CHECK(cudaStreamWaitEvent(stream.stream(), event_, 0), "CUDAEvent::block");
}

bool CUDAEvent::query() const {
  if (!event_) return true;
  cudaError_t err = cudaEventQuery(event_);
  if (err == cudaSuccess) return true;
  if (err == cudaErrorNotReady) {
    (void)cudaGetLastError();
    return false;
  }
  detail::throw_cuda_error(err, "CUDAEvent::query");
}

void CUDAEvent::synchronize() const {
  if (!event_) return;
  EMBER_CUDA_CHECK(cudaEventSynchronize(event_), "CUDAEvent::synchronize");
  if (was_recorded_) detail::kernel_errors().harvest_stream_before(device_, stream_, launch_mark_);
}

float CUDAEvent::elapsed_time(const CUDAEvent& other) const {
  EMBER_CHECK(isCreated() && other.isCreated(),
              "[CUDAEvent::elapsed_time] Both events must be recorded before calculating elapsed "
              "time.");
  float ms = 0;
  EMBER_CUDA_CHECK(cudaEventElapsedTime(&ms, event_, other.event_), "CUDAEvent::elapsed_time");
  return ms;
}

}  // namespace cuda

void detail::cuda_manual_seed_all(uint64_t seed) { cuda::manual_seed_all(seed); }
bool detail::cuda_deferred_kernel_errors() { return cuda::detail::deferred_kernel_errors(); }
void detail::cuda_set_deferred_kernel_errors(bool on) {
  cuda::detail::set_deferred_kernel_errors(on);
}
size_t detail::cuda_pending_kernel_errors(DeviceIndex device) {
  return cuda::detail::kernel_errors().pending(device);
}

}  // namespace ember
