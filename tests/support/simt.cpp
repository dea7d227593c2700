// The SIMT emulator of tests/support/simt.h: CUDA threads as fibers on one OS thread, blocks run
// one after another, barriers and warp collectives completed by the last thread to arrive. On
// x86-64 a fiber switch is a few instructions (ember_simt_switch below); elsewhere ucontext's,
// which also saves the signal mask with a system call each time.
#include "support/simt.h"

#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define EMBER_SIMT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define EMBER_SIMT_ASAN 1
#endif
#endif
#ifdef EMBER_SIMT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

// switch_to(from, to): saves the callee-saved registers and the FP control words on the current
// stack, stores the stack pointer in *from, and resumes the context whose stack pointer is `to`.
#if defined(__x86_64__) && defined(__linux__)
#define EMBER_SIMT_ASM_SWITCH 1
extern "C" void ember_simt_switch(void** from, void* to);
asm(R"(
.text
.p2align 4
.globl ember_simt_switch
.hidden ember_simt_switch
.type ember_simt_switch,@function
ember_simt_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size ember_simt_switch,.-ember_simt_switch
.section .note.GNU-stack,"",@progbits
.text
)");
#endif

namespace ember::simt {
namespace {

struct Context {
#ifdef EMBER_SIMT_ASM_SWITCH
  void* sp = nullptr;
#else
  ucontext_t uc{};
#endif
};

void switch_context(Context& from, Context& to) {
#ifdef EMBER_SIMT_ASM_SWITCH
  ember_simt_switch(&from.sp, to.sp);
#else
  swapcontext(&from.uc, &to.uc);
#endif
}

// A fiber's stack from the last block still carries AddressSanitizer's poison of the frames it
// left (its fibers end by switching away, not by returning): clear it before reuse.
void unpoison(char* stack, size_t size) {
#ifdef EMBER_SIMT_ASAN
  __asan_unpoison_memory_region(stack, size);
#else
  (void)stack;
  (void)size;
#endif
}

// A context that starts entry() (which must never return) on the given stack.
void make_context(Context& c, char* stack, size_t size, void (*entry)()) {
  unpoison(stack, size);
#ifdef EMBER_SIMT_ASM_SWITCH
  // What ember_simt_switch pops: the control words, six registers, then `entry` as the return
  // address; above it one slot (entry's own return address, never used), so that entry starts
  // with rsp = 8 (mod 16), as after a call.
  auto top = (reinterpret_cast<uintptr_t>(stack) + size) & ~uintptr_t{15};
  auto* sp = reinterpret_cast<uint64_t*>(top) - 9;
  uint32_t mxcsr = 0;
  uint16_t fpucw = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpucw));
  sp[0] = static_cast<uint64_t>(mxcsr) | (static_cast<uint64_t>(fpucw) << 32);
  for (int i = 1; i <= 6; ++i) sp[i] = 0;  // r15, r14, r13, r12, rbx, rbp
  sp[7] = reinterpret_cast<uint64_t>(entry);
  sp[8] = 0;
  c.sp = sp;
#else
  getcontext(&c.uc);
  c.uc.uc_stack.ss_sp = stack;
  c.uc.uc_stack.ss_size = size;
  c.uc.uc_link = nullptr;
  makecontext(&c.uc, entry, 0);
#endif
}

constexpr int kWarp = 32;
constexpr size_t kMaxDynamicSmem = 227 * 1024;  // sm_90's per-block limit (with the opt-in)
#ifdef EMBER_SIMT_ASAN
constexpr size_t kStack = size_t{1} << 20;  // ASan's redzones make frames much larger
#else
constexpr size_t kStack = size_t{256} << 10;
#endif

enum class Wait { None, Block, Warp, Done };
enum class Collective { None, Shfl, Mma, Ldsm };

struct Copy {
  void* dst;
  const void* src;
  int size, src_bytes;
};

struct Fiber {
  Context ctx;
  char* stack = nullptr;  // kStack bytes from the pool
  Dim3 tid;
  int warp = 0, lane = 0;
  Wait wait = Wait::None;
  std::vector<Copy> copies;  // issued, not yet waited for
  void* fake_stack = nullptr;
};

// One lane's part of a warp collective: its inputs, and its outputs once the last lane arrived.
struct Slot {
  double f = 0, f_out = 0;
  int lane_mask = 0;
  uint32_t a[4] = {}, b0 = 0, b1 = 0;
  float c[4] = {};
  bool bf16 = false, trans = false;
  const uint16_t* p = nullptr;
  uint32_t r[4] = {};
};

struct WarpState {
  std::array<Slot, kWarp> slots;
  int arrived = 0;
  Collective op = Collective::None;
};

struct Block {
  Dim3 grid, dim, idx;
  std::vector<Fiber> fibers;
  std::vector<WarpState> warps;
  std::vector<unsigned char> smem;
  int at_barrier = 0, live = 0;
  Fiber* current = nullptr;
  Context scheduler;
  const void* sched_bottom = nullptr;
  size_t sched_size = 0;
  const std::function<void()>* body = nullptr;
  std::exception_ptr error;
};

Block* g_block = nullptr;  // the block being run (launch is not reentrant)

Block& block() {
  if (g_block == nullptr) throw Error("simt: a device function was called outside a launch");
  return *g_block;
}
Fiber& self() { return *block().current; }

// Fiber stacks, kept for the process's life and reused by every launch: each is mapped with an
// inaccessible page below it, so a kernel that overflows its fiber's stack crashes instead of
// writing over its neighbour's.
class StackPool {
 public:
  char* get(size_t i) {
    while (stacks_.size() <= i) {
      const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
      void* p = mmap(nullptr, kStack + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (p == MAP_FAILED) throw Error("simt: no memory for a fiber stack");
      if (mprotect(p, page, PROT_NONE) != 0) throw Error("simt: cannot guard a fiber stack");
      stacks_.push_back(static_cast<char*>(p) + page);
    }
    return stacks_[i];
  }

 private:
  std::vector<char*> stacks_;
};

StackPool& stack_pool() {
  static StackPool* pool = new StackPool;  // never unmapped: fibers may be left mid-kernel
  return *pool;
}

// Fiber switches, annotated for AddressSanitizer (its fake stacks must follow the fibers).
void to_scheduler(bool finished) {
  Block& b = block();
  Fiber& f = *b.current;
#ifdef EMBER_SIMT_ASAN
  __sanitizer_start_switch_fiber(finished ? nullptr : &f.fake_stack, b.sched_bottom, b.sched_size);
#else
  (void)finished;
#endif
  switch_context(f.ctx, b.scheduler);
#ifdef EMBER_SIMT_ASAN
  __sanitizer_finish_switch_fiber(f.fake_stack, nullptr, nullptr);
#endif
}

void run_fiber(Block& b, Fiber& f) {
  b.current = &f;
#ifdef EMBER_SIMT_ASAN
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, f.stack, kStack);
#endif
  switch_context(b.scheduler, f.ctx);
#ifdef EMBER_SIMT_ASAN
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  b.current = nullptr;
}

void fiber_entry() {
  Block& b = block();
#ifdef EMBER_SIMT_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &b.sched_bottom, &b.sched_size);
#endif
  try {
    (*b.body)();
    if (!b.current->copies.empty())
      throw Error("simt: a thread exited with cp.async copies unwaited");
  } catch (...) {
    if (!b.error) b.error = std::current_exception();
  }
  b.current->wait = Wait::Done;
  --b.live;
  to_scheduler(true);
}

std::string where(const Fiber& f) {
  const Block& b = *g_block;
  return "block (" + std::to_string(b.idx.x) + ", " + std::to_string(b.idx.y) + ", " +
         std::to_string(b.idx.z) + ") thread (" + std::to_string(f.tid.x) + ", " +
         std::to_string(f.tid.y) + ", " + std::to_string(f.tid.z) + ")";
}

// 16-bit helpers for the products.
float from16(uint16_t h, bool bf16) { return bf16 ? bf16_to_float(h) : half_to_float(h); }
float lo(uint32_t r, bool bf16) { return from16(static_cast<uint16_t>(r & 0xFFFFu), bf16); }
float hi(uint32_t r, bool bf16) { return from16(static_cast<uint16_t>(r >> 16), bf16); }

// Performs the collective of a warp whose 32 lanes have all arrived.
void complete(WarpState& w) {
  auto& s = w.slots;
  switch (w.op) {
    case Collective::Shfl:
      for (int l = 0; l < kWarp; ++l) s[l].f_out = s[l ^ s[l].lane_mask].f;
      break;
    case Collective::Mma: {
      const bool bf16 = s[0].bf16;
      // A (16 x 16), B (16 x 8, k x n) gathered from the fragments; lane 4g + t.
      double A[16][16], B[16][8];
      for (int l = 0; l < kWarp; ++l) {
        if (s[l].bf16 != bf16) throw Error("simt: mma lanes disagree on the dtype");
        const int g = l / 4, t = l % 4;
        const uint32_t* a = s[l].a;
        A[g][2 * t] = lo(a[0], bf16);
        A[g][2 * t + 1] = hi(a[0], bf16);
        A[g + 8][2 * t] = lo(a[1], bf16);
        A[g + 8][2 * t + 1] = hi(a[1], bf16);
        A[g][8 + 2 * t] = lo(a[2], bf16);
        A[g][8 + 2 * t + 1] = hi(a[2], bf16);
        A[g + 8][8 + 2 * t] = lo(a[3], bf16);
        A[g + 8][8 + 2 * t + 1] = hi(a[3], bf16);
        B[2 * t][g] = lo(s[l].b0, bf16);
        B[2 * t + 1][g] = hi(s[l].b0, bf16);
        B[8 + 2 * t][g] = lo(s[l].b1, bf16);
        B[8 + 2 * t + 1][g] = hi(s[l].b1, bf16);
      }
      for (int l = 0; l < kWarp; ++l) {
        const int g = l / 4, t = l % 4;
        for (int e = 0; e < 4; ++e) {
          const int row = g + 8 * (e >> 1), col = 2 * t + (e & 1);
          double acc = s[l].c[e];
          for (int k = 0; k < 16; ++k) acc += A[row][k] * B[k][col];
          s[l].c[e] = static_cast<float>(acc);
        }
      }
      break;
    }
    case Collective::Ldsm:
      for (int l = 0; l < kWarp; ++l) {
        const int g = l / 4, t = l % 4;
        for (int j = 0; j < 4; ++j) {
          if (!s[l].trans) {
            // Row g of matrix j (address from lane 8j + g), elements 2t and 2t + 1.
            const uint16_t* row = s[8 * j + g].p;
            s[l].r[j] =
                static_cast<uint32_t>(row[2 * t]) | (static_cast<uint32_t>(row[2 * t + 1]) << 16);
          } else {
            // Column g of matrix j: rows 2t and 2t + 1.
            const uint16_t* r0 = s[8 * j + 2 * t].p;
            const uint16_t* r1 = s[8 * j + 2 * t + 1].p;
            s[l].r[j] = static_cast<uint32_t>(r0[g]) | (static_cast<uint32_t>(r1[g]) << 16);
          }
        }
      }
      break;
    case Collective::None:
      break;
  }
}

// This lane arrives at a warp collective with its slot filled; returns with its outputs there.
Slot& arrive_warp(Collective op) {
  Block& b = block();
  Fiber& f = self();
  WarpState& w = b.warps[f.warp];
  if (w.arrived == 0) {
    w.op = op;
  } else if (w.op != op) {
    throw Error("simt: the lanes of warp " + std::to_string(f.warp) +
                " reached different collectives (" + where(f) + ")");
  }
  const int lanes = std::min<int>(kWarp, static_cast<int>(b.fibers.size()) - f.warp * kWarp);
  if (lanes != kWarp) throw Error("simt: warp collectives need full warps of 32 threads");
  if (++w.arrived == kWarp) {
    complete(w);
    w.arrived = 0;
    for (int l = 0; l < kWarp; ++l) {
      Fiber& o = b.fibers[static_cast<size_t>(f.warp * kWarp + l)];
      if (&o != &f) o.wait = Wait::None;
    }
  } else {
    f.wait = Wait::Warp;
    to_scheduler(false);
  }
  return w.slots[f.lane];
}

void run_block(Block& b) {
  const int n = static_cast<int>(b.fibers.size());
  b.warps.assign(static_cast<size_t>((n + kWarp - 1) / kWarp), WarpState{});
  std::fill(b.smem.begin(), b.smem.end(), static_cast<unsigned char>(0xFF));
  b.at_barrier = 0;
  b.live = n;
  for (int i = 0; i < n; ++i) {
    Fiber& f = b.fibers[static_cast<size_t>(i)];
    f.tid = Dim3(static_cast<unsigned>(i) % b.dim.x, static_cast<unsigned>(i) / b.dim.x % b.dim.y,
                 static_cast<unsigned>(i) / (b.dim.x * b.dim.y));
    f.warp = i / kWarp;
    f.lane = i % kWarp;
    f.wait = Wait::None;
    f.copies.clear();
    make_context(f.ctx, f.stack, kStack, fiber_entry);
  }
  while (b.live > 0) {
    bool ran = false;
    for (Fiber& f : b.fibers) {
      if (f.wait != Wait::None) continue;
      run_fiber(b, f);
      ran = true;
      if (b.error) break;
    }
    if (b.error) break;
    if (!ran) {
      // Everyone left is waiting: a barrier or warp collective that some threads never reach.
      int done = 0, block_wait = 0;
      for (const Fiber& f : b.fibers) {
        done += f.wait == Wait::Done;
        block_wait += f.wait == Wait::Block;
      }
      throw Error("simt: deadlock in block (" + std::to_string(b.idx.x) + ", " +
                  std::to_string(b.idx.y) + ", " + std::to_string(b.idx.z) +
                  "): " + std::to_string(block_wait) + " threads wait at __syncthreads, " +
                  std::to_string(n - done - block_wait) + " at warp collectives, " +
                  std::to_string(done) + " have exited");
    }
  }
  if (b.error) std::rethrow_exception(b.error);
}

}  // namespace

void launch(Dim3 grid, Dim3 dim, size_t smem_bytes, const std::function<void()>& body) {
  if (g_block != nullptr) throw Error("simt: launch is not reentrant");
  Block b;
  b.grid = grid;
  b.dim = dim;
  b.body = &body;
  b.smem.resize(smem_bytes + 16);
  const size_t n = size_t{dim.x} * dim.y * dim.z;
  if (n == 0 || n > 1024) throw Error("simt: a block has 1 to 1024 threads");
  // What a launch on sm_90 would refuse.
  if (grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.x > 2147483647u || grid.y > 65535 ||
      grid.z > 65535)
    throw Error("simt: grid (" + std::to_string(grid.x) + ", " + std::to_string(grid.y) + ", " +
                std::to_string(grid.z) + ") outside CUDA's limits");
  if (smem_bytes > kMaxDynamicSmem)
    throw Error("simt: " + std::to_string(smem_bytes) +
                " bytes of dynamic shared memory (at most " + std::to_string(kMaxDynamicSmem) +
                " per block on sm_90)");
  b.fibers.resize(n);
  for (size_t i = 0; i < n; ++i) b.fibers[i].stack = stack_pool().get(i);
  g_block = &b;
  try {
    for (unsigned z = 0; z < grid.z; ++z) {
      for (unsigned y = 0; y < grid.y; ++y) {
        for (unsigned x = 0; x < grid.x; ++x) {
          b.idx = Dim3(x, y, z);
          run_block(b);
        }
      }
    }
  } catch (...) {
    g_block = nullptr;
    throw;
  }
  g_block = nullptr;
}

const Dim3& thread_idx() { return self().tid; }
const Dim3& block_idx() { return block().idx; }
const Dim3& block_dim() { return block().dim; }
const Dim3& grid_dim() { return block().grid; }

void* dynamic_smem() {
  // 16-byte aligned, as CUDA's dynamic shared memory (at least).
  auto p = reinterpret_cast<uintptr_t>(block().smem.data());
  return reinterpret_cast<void*>((p + 15) / 16 * 16);
}

void sync_threads() {
  Block& b = block();
  Fiber& f = self();
  const int n = static_cast<int>(b.fibers.size());
  if (++b.at_barrier == n) {
    b.at_barrier = 0;
    for (Fiber& o : b.fibers) {
      if (&o != &f) o.wait = Wait::None;
    }
  } else {
    f.wait = Wait::Block;
    to_scheduler(false);
  }
}

double shfl_xor(unsigned mask, double v, int lane_mask) {
  if (mask != 0xFFFFFFFFu) throw Error("simt: __shfl_xor_sync with a partial mask");
  Fiber& f = self();
  Slot& s = block().warps[f.warp].slots[f.lane];
  s.f = v;
  s.lane_mask = lane_mask & (kWarp - 1);
  return arrive_warp(Collective::Shfl).f_out;
}

void mma_m16n8k16(float (&c)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1, bool bf16) {
  Fiber& f = self();
  Slot& s = block().warps[f.warp].slots[f.lane];
  std::memcpy(s.a, a, sizeof(s.a));
  s.b0 = b0;
  s.b1 = b1;
  std::memcpy(s.c, c, sizeof(s.c));
  s.bf16 = bf16;
  Slot& out = arrive_warp(Collective::Mma);
  std::memcpy(c, out.c, sizeof(out.c));
}

void ldmatrix_x4(uint32_t (&r)[4], const uint16_t* p, bool trans) {
  Fiber& f = self();
  Block& b = block();
  const auto* base = static_cast<const unsigned char*>(dynamic_smem());
  const auto* q = reinterpret_cast<const unsigned char*>(p);
  if (reinterpret_cast<uintptr_t>(p) % 16 != 0 || q < base ||
      q + 16 > b.smem.data() + b.smem.size())
    throw Error("simt: ldmatrix row address not a 16-byte aligned shared address (" + where(f) +
                ")");
  Slot& s = b.warps[f.warp].slots[f.lane];
  s.p = p;
  s.trans = trans;
  Slot& out = arrive_warp(Collective::Ldsm);
  std::memcpy(r, out.r, sizeof(out.r));
}

void cp_async(void* dst, const void* src, int size, int src_bytes) {
  Fiber& f = self();
  if (reinterpret_cast<uintptr_t>(dst) % static_cast<uintptr_t>(size) != 0 ||
      (src_bytes > 0 && reinterpret_cast<uintptr_t>(src) % static_cast<uintptr_t>(size) != 0))
    throw Error("simt: misaligned cp.async of " + std::to_string(size) + " bytes (" + where(f) +
                ")");
  if (src_bytes < 0 || src_bytes > size) throw Error("simt: cp.async source size out of range");
  f.copies.push_back(Copy{dst, src, size, src_bytes});
}

void cp_async_commit() {}

void cp_async_wait_all() {
  Fiber& f = self();
  for (const Copy& c : f.copies) {
    auto* d = static_cast<unsigned char*>(c.dst);
    if (c.src_bytes > 0) std::memcpy(d, c.src, static_cast<size_t>(c.src_bytes));
    std::memset(d + c.src_bytes, 0, static_cast<size_t>(c.size - c.src_bytes));
  }
  f.copies.clear();
}

uint16_t float_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t float_to_half(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint32_t sign = (u >> 16) & 0x8000u;
  u &= 0x7FFFFFFFu;
  if (u > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u);   // NaN
  if (u >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds to >= 65520: inf
  if (u < 0x38800000u) {
    // Subnormal half (or zero): value / 2^-24 rounded to nearest even.
    float a;
    std::memcpy(&a, &u, 4);
    const float scaled = a * 16777216.0f;  // exact: a power of two
    const auto m = static_cast<uint32_t>(std::nearbyint(scaled));
    return static_cast<uint16_t>(sign | m);
  }
  const uint32_t exp = ((u >> 23) - 112u) << 10;
  uint32_t mant = u & 0x7FFFFFu;
  uint32_t h = exp | (mant >> 13);
  const uint32_t rest = mant & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;
  return static_cast<uint16_t>(sign | h);
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu, mant = h & 0x3FFu;
  float f;
  if (exp == 0) {
    f = std::ldexp(static_cast<float>(mant), -24);
    uint32_t u;
    std::memcpy(&u, &f, 4);
    u |= sign;
    std::memcpy(&f, &u, 4);
    return f;
  }
  uint32_t u = exp == 31 ? (sign | 0x7F800000u | (mant << 13))
                         : (sign | ((exp + 112u) << 23) | (mant << 13));
  std::memcpy(&f, &u, 4);
  return f;
}

}  // namespace ember::simt
