// The intra-op thread pool. Workers wait on a condition variable; parallel_for cuts the range into
// a few contiguous chunks per thread, which the caller and the workers take in turn.
#include "ember/core/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "ember/core/error.h"
#include "src/cpu/blas.h"

namespace ember {
namespace {

thread_local bool t_in_parallel EMBER_TLS_HOT = false;

class ThreadPool {
 public:
  explicit ThreadPool(int n) { resize(n); }
  ~ThreadPool() { stop(); }

  int size() const { return nthreads_; }

  void resize(int n) {
    std::lock_guard<std::mutex> serial(run_mu_);  // never while a job runs
    stop();
    nthreads_ = std::max(1, n);
    stopping_ = false;
    for (int i = 1; i < nthreads_; ++i)
      workers_.emplace_back([this, g = generation_] { worker(g); });
  }

  void run(int64_t begin, int64_t end, int64_t grain,
           const std::function<void(int64_t, int64_t)>& f) {
    std::lock_guard<std::mutex> serial(run_mu_);  // one parallel region at a time
    int64_t n = end - begin;
    // Several chunks per thread, taken first come first served: a worker that the OS schedules
    // late (a loaded machine, another library's spinning threads) leaves its share to the others
    // instead of holding up the whole region.
    int64_t nchunks =
        std::min<int64_t>(int64_t{nthreads_} * kChunksPerThread, (n + grain - 1) / grain);
    int64_t chunk = (n + nchunks - 1) / nchunks;
    nchunks = (n + chunk - 1) / chunk;
    {
      std::lock_guard<std::mutex> g(mu_);
      job_ = &f;
      job_begin_ = begin;
      job_end_ = end;
      job_chunk_ = chunk;
      job_chunks_ = nchunks;
      next_.store(0, std::memory_order_relaxed);
      done_.store(0, std::memory_order_relaxed);
      error_ = nullptr;
      ++generation_;
      gen_.store(generation_, std::memory_order_release);
    }
    cv_.notify_all();
    int64_t mine = run_chunks();
    {
      std::lock_guard<std::mutex> g(mu_);
      done_.store(done_.load(std::memory_order_relaxed) + mine, std::memory_order_relaxed);
    }
    // The workers usually finish their last chunks within microseconds of this thread: spin
    // before sleeping, since a futex wake-up of this thread costs more than that (on this VM,
    // tens of microseconds when its vCPU has halted).
    for (int i = 0; i < kSpin && !finished(); ++i) pause();
    std::unique_lock<std::mutex> g(mu_);
    done_cv_.wait(g, [this] { return finished(); });
    job_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  static constexpr int kChunksPerThread = 4;
  static constexpr int kSpin = 2000;  // pause instructions: some tens of microseconds

  // Every chunk ran and no worker is still inside the job (read without mu_ for the spin; written
  // under it).
  bool finished() const {
    return done_.load(std::memory_order_acquire) == job_chunks_ &&
           active_.load(std::memory_order_acquire) == 0;
  }

  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }

  // Runs chunks until none is left; returns how many this thread ran.
  int64_t run_chunks() {
    int64_t ran = 0;
    for (;;) {
      int64_t i = next_.fetch_add(1, std::memory_order_relaxed);
      if (i >= job_chunks_) return ran;
      run_chunk(i);
      ++ran;
    }
  }

  void run_chunk(int64_t i) {
    int64_t b = job_begin_ + i * job_chunk_;
    int64_t e = std::min(job_end_, b + job_chunk_);
    if (b >= e) return;
    bool prev = t_in_parallel;
    t_in_parallel = true;
    try {
      (*job_)(b, e);
    } catch (...) {
      std::lock_guard<std::mutex> g(mu_);
      if (!error_) error_ = std::current_exception();
    }
    t_in_parallel = prev;
  }

  // `seen` starts at the generation current when the worker was made: a pool resized after
  // earlier jobs must not rerun them, nor miss a job started before the thread first runs.
  void worker(uint64_t seen) {
    for (;;) {
      // Back-to-back kernels (a training step) start the next region within microseconds:
      // spin briefly before sleeping so that the wake-up does not cost a futex round trip.
      for (int i = 0; i < kSpin && gen_.load(std::memory_order_acquire) == seen; ++i) pause();
      {
        std::unique_lock<std::mutex> g(mu_);
        cv_.wait(g, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        if (job_ == nullptr) continue;
        // The job's fields stay put until every worker that took it is out.
        active_.store(active_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      }
      int64_t ran = run_chunks();
      std::lock_guard<std::mutex> g(mu_);
      done_.store(done_.load(std::memory_order_relaxed) + ran, std::memory_order_release);
      active_.store(active_.load(std::memory_order_relaxed) - 1, std::memory_order_release);
      if (finished()) done_cv_.notify_one();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  int nthreads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex run_mu_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  bool stopping_ = false;
  uint64_t generation_ = 0;
  std::atomic<uint64_t> gen_{0};  // generation_, readable without mu_ for the spin
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_begin_ = 0, job_end_ = 0, job_chunk_ = 1;
  int64_t job_chunks_ = 0;
  std::atomic<int64_t> next_{0};
  // Chunks finished and workers inside the current job: changed under mu_, read by the caller's
  // spin without it.
  std::atomic<int64_t> done_{0};
  std::atomic<int> active_{0};
  std::exception_ptr error_;
};

int default_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

std::atomic<int> g_num_threads{0};

ThreadPool& pool() {
  static ThreadPool* p = [] {
    int n = g_num_threads.load();
    if (n <= 0) n = default_threads();
    g_num_threads = n;
    cpu::blas_use_one_thread();  // See Note [One thread pool]
    return new ThreadPool(n);    // leaked: workers must outlive static destructors
  }();
  return *p;
}

}  // namespace

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, "[set_num_threads] expected a positive number of threads, got ", n);
  g_num_threads = n;
  pool().resize(n);
  cpu::blas_use_one_thread();  // See Note [One thread pool]
}

int get_num_threads() {
  int n = g_num_threads.load();
  return n > 0 ? n : pool().size();
}

bool in_parallel_region() { return t_in_parallel; }

SerialRegionGuard::SerialRegionGuard() : prev_(t_in_parallel) { t_in_parallel = true; }
SerialRegionGuard::~SerialRegionGuard() { t_in_parallel = prev_; }

void parallel_for(int64_t begin, int64_t end, int64_t grain_size,
                  const std::function<void(int64_t, int64_t)>& f) {
  if (begin >= end) return;
  grain_size = std::max<int64_t>(grain_size, 1);
  if (end - begin <= grain_size || t_in_parallel || get_num_threads() == 1) {
    f(begin, end);
    return;
  }
  pool().run(begin, end, grain_size, f);
}

}  // namespace ember
