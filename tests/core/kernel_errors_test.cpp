// src/core/kernel_errors.cpp: the registry of deferred kernel error records (Note [Deferred kernel
// errors]) over host memory standing in for the device: records are handed out zeroed, errors
// are raised at the harvest of the launch's stream or device with the op's own exception, the
// earliest launch's error wins, records are cleared and reused, and a full ring waits for the
// oldest launch. The CUDA wiring is tested on a GPU (tests/cuda/kernel_errors_test.cpp).
#include "src/core/kernel_errors.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "ember/core/error.h"
#include "support/error_of.h"

namespace ember::detail {
namespace {

// Host memory as the "device"; counts the calls the registry makes.
struct HostBackend final : KernelErrorBackend {
  std::map<int, std::vector<int64_t>> memory;
  int reads = 0, clears = 0;
  std::vector<std::pair<int, void*>> waits;
  int64_t* allocate(int device, size_t words) override {
    auto& m = memory[device];
    m.assign(words, 0);
    return m.data();
  }
  void read(int, int64_t* dst, const int64_t* src, size_t words) override {
    ++reads;
    std::copy(src, src + words, dst);
  }
  void clear(int, int64_t* record, size_t words) override {
    ++clears;
    std::fill(record, record + words, 0);
  }
  void wait(int device, void* stream) override { waits.emplace_back(device, stream); }
};

void* const kStreamA = reinterpret_cast<void*>(0x10);
void* const kStreamB = reinterpret_cast<void*>(0x20);

// An index op's raiser: IndexError with the recorded value and the note.
KernelErrorRaiser index_raiser(int64_t size) {
  return [size](const int64_t* r, const std::string& note) {
    throw_index_error(
        str_cat("index ", r[1], " is out of bounds for dimension 0 with size ", size, note));
  };
}

// enlist + launched: a launch queued on its stream.
int64_t* launch(KernelErrors& errors, int device, void* stream, const char* op,
                KernelErrorRaiser raise, bool immediate = false) {
  int64_t* r = errors.enlist(device, stream, op, std::move(raise), immediate);
  errors.launched(r);
  return r;
}

// What a kernel does on bad input: claim word 0, then fill in the value.
void record_error(int64_t* rec, int64_t value) {
  rec[0] = 1;
  rec[1] = value;
}

TEST(KernelErrors, NothingRecordedRaisesNothing) {
  HostBackend b;
  KernelErrors errors(b, 4);
  int64_t* r = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  for (size_t i = 0; i < kErrorRecordWords; ++i) EXPECT_EQ(r[i], 0);
  EXPECT_EQ(errors.pending(0), 1u);
  EXPECT_NO_THROW(errors.harvest_stream(0, kStreamA));
  EXPECT_EQ(errors.pending(0), 0u);
  EXPECT_EQ(b.reads, 1);
  EXPECT_EQ(b.clears, 0);
  // Nothing pending: a harvest reads nothing.
  EXPECT_NO_THROW(errors.harvest_stream(0, kStreamA));
  EXPECT_NO_THROW(errors.harvest_device(0));
  EXPECT_EQ(b.reads, 1);
}

TEST(KernelErrors, RecordedErrorIsRaisedAtTheHarvestWithTheOpsExceptionAndNote) {
  HostBackend b;
  KernelErrors errors(b, 4);
  int64_t* r = launch(errors, 0, kStreamA, "embedding", index_raiser(5));
  record_error(r, 7);
  std::string m;
  try {
    errors.harvest_stream(0, kStreamA);
    ADD_FAILURE() << "no error raised";
  } catch (const IndexError& e) {
    m = e.what();
  }
  EXPECT_NE(m.find("index 7 is out of bounds for dimension 0 with size 5"), std::string::npos) << m;
  EXPECT_NE(m.find("[embedding] launched earlier"), std::string::npos) << m;
  EXPECT_NE(m.find("CUDA_LAUNCH_BLOCKING=1"), std::string::npos) << m;
  // The record was cleared and released: raised once, and handed out zeroed again.
  for (size_t i = 0; i < kErrorRecordWords; ++i) EXPECT_EQ(r[i], 0);
  EXPECT_EQ(errors.pending(0), 0u);
  EXPECT_NO_THROW(errors.harvest_device(0));
  int64_t* again = launch(errors, 0, kStreamA, "embedding", index_raiser(5));
  EXPECT_EQ(again, r);  // the released record is the next one handed out
  for (size_t i = 0; i < kErrorRecordWords; ++i) EXPECT_EQ(again[i], 0);
  EXPECT_NO_THROW(errors.harvest_stream(0, kStreamA));
}

TEST(KernelErrors, ImmediateEntriesGetNoNote) {
  HostBackend b;
  KernelErrors errors(b, 4);
  record_error(launch(errors, 0, kStreamA, "gather", index_raiser(3), /*immediate=*/true), 3);
  std::string m = error_of([&] { errors.harvest_stream(0, kStreamA); });
  EXPECT_EQ(m, "index 3 is out of bounds for dimension 0 with size 3");
}

TEST(KernelErrors, HarvestTakesOnlyTheWaitedStreamOrDevice) {
  HostBackend b;
  KernelErrors errors(b, 8);
  int64_t* a = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  int64_t* bb = launch(errors, 0, kStreamB, "nll_loss", index_raiser(4));
  int64_t* other = launch(errors, 1, kStreamA, "embedding", index_raiser(6));
  record_error(bb, 9);
  record_error(other, 11);
  // Stream A of device 0 and 1 is one handle: both launches on it are harvested, the error of
  // device 1's launch raised; stream B's launch stays pending.
  std::string m = error_of([&] { errors.harvest_stream(0, kStreamA); });
  EXPECT_NE(m.find("index 11 "), std::string::npos) << m;
  EXPECT_EQ(errors.pending(0), 1u);
  EXPECT_EQ(errors.pending(1), 0u);
  (void)a;
  m = error_of([&] { errors.harvest_device(0); });
  EXPECT_NE(m.find("index 9 "), std::string::npos) << m;
  EXPECT_EQ(errors.pending(0), 0u);
}

TEST(KernelErrors, NullStreamIsPerDevice) {
  HostBackend b;
  KernelErrors errors(b, 4);
  record_error(launch(errors, 0, nullptr, "gather", index_raiser(3)), 5);
  record_error(launch(errors, 1, nullptr, "gather", index_raiser(3)), 6);
  std::string m = error_of([&] { errors.harvest_stream(1, nullptr); });
  EXPECT_NE(m.find("index 6 "), std::string::npos) << m;
  EXPECT_EQ(errors.pending(0), 1u);
  m = error_of([&] { errors.harvest_stream(0, nullptr); });
  EXPECT_NE(m.find("index 5 "), std::string::npos) << m;
}

TEST(KernelErrors, EarliestLaunchWinsAndLaterErrorsAreDropped) {
  HostBackend b;
  KernelErrors errors(b, 4);
  int64_t* first = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  int64_t* ok = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  int64_t* second = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  record_error(second, 8);
  record_error(first, 4);
  std::string m = error_of([&] { errors.harvest_stream(0, kStreamA); });
  EXPECT_NE(m.find("index 4 "), std::string::npos) << m;
  EXPECT_EQ(b.clears, 2);  // both error records cleared
  EXPECT_EQ(second[0], 0);
  EXPECT_EQ(ok[0], 0);
  EXPECT_NO_THROW(errors.harvest_stream(0, kStreamA));
}

TEST(KernelErrors, FullRingWaitsForTheOldestLaunch) {
  HostBackend b;
  KernelErrors errors(b, 2);
  int64_t* r0 = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  int64_t* r1 = launch(errors, 0, kStreamB, "gather", index_raiser(3));
  EXPECT_NE(r0, r1);
  EXPECT_TRUE(b.waits.empty());
  // Full: the third launch waits for stream A (the oldest launch's) and takes its record.
  int64_t* r2 = launch(errors, 0, kStreamB, "gather", index_raiser(3));
  ASSERT_EQ(b.waits.size(), 1u);
  EXPECT_EQ(b.waits[0], std::make_pair(0, kStreamA));
  EXPECT_EQ(r2, r0);
  EXPECT_EQ(errors.pending(0), 2u);
  // Full again, and the oldest (stream B) recorded an error: raised before the new launch.
  record_error(r1, 12);
  std::string m = error_of([&] { (void)launch(errors, 0, kStreamA, "gather", index_raiser(3)); });
  EXPECT_NE(m.find("index 12 "), std::string::npos) << m;
  EXPECT_EQ(b.waits.back(), std::make_pair(0, kStreamB));
  // Stream B's wait harvested both of its launches; the aborted launch was never enlisted.
  EXPECT_EQ(errors.pending(0), 0u);
  // Another device has its own ring.
  EXPECT_NO_THROW((void)launch(errors, 1, kStreamA, "gather", index_raiser(3)));
  EXPECT_EQ(errors.pending(1), 1u);
}

// An event recorded after some launches: waiting for it checks those, not the later ones.
TEST(KernelErrors, EventMarkSplitsAStreamsLaunches) {
  HostBackend b;
  KernelErrors errors(b, 8);
  int64_t* before = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  int64_t* other_stream = launch(errors, 0, kStreamB, "gather", index_raiser(3));
  const uint64_t mark = errors.mark();
  int64_t* after = launch(errors, 0, kStreamA, "gather", index_raiser(3));
  record_error(after, 9);
  record_error(other_stream, 8);
  EXPECT_NO_THROW(errors.harvest_stream_before(0, kStreamA, mark));
  EXPECT_EQ(errors.pending(0), 2u);  // the later launch on A and the one on B wait
  record_error(before, 1);           // too late: its record was already read and released
  EXPECT_EQ(errors.mark(), mark + 1);
  std::string m = error_of([&] { errors.harvest_stream(0, kStreamA); });
  EXPECT_NE(m.find("index 9 "), std::string::npos) << m;
  m = error_of([&] { errors.harvest_stream(0, kStreamB); });
  EXPECT_NE(m.find("index 8 "), std::string::npos) << m;
}

// A launch another thread is still queuing (enlisted, not yet marked launched) is left for a
// later wait, and a wait begun before a launch was marked does not cover it.
TEST(KernelErrors, OnlyLaunchesQueuedBeforeTheWaitAreChecked) {
  HostBackend b;
  KernelErrors errors(b, 2);
  int64_t* queuing = errors.enlist(0, kStreamA, "gather", index_raiser(3));
  EXPECT_NO_THROW(errors.harvest_stream(0, kStreamA));
  EXPECT_EQ(errors.pending(0), 1u);
  const uint64_t wait_began = errors.mark();
  errors.launched(queuing);
  record_error(queuing, 6);
  EXPECT_NO_THROW(errors.harvest_stream_before(0, kStreamA, wait_began));
  EXPECT_NO_THROW(errors.harvest_device_before(0, wait_began));
  EXPECT_EQ(errors.pending(0), 1u);
  std::string m = error_of([&] { errors.harvest_device(0); });
  EXPECT_NE(m.find("index 6 "), std::string::npos) << m;
  // Every record taken by launches still being queued: a clear error, not a wait forever.
  (void)errors.enlist(0, kStreamA, "gather", index_raiser(3));
  (void)errors.enlist(0, kStreamB, "gather", index_raiser(3));
  m = error_of([&] { (void)errors.enlist(0, kStreamA, "embedding", index_raiser(3)); });
  EXPECT_NE(m.find("[embedding] all 2 kernel error records of device 0"), std::string::npos) << m;
  EXPECT_TRUE(b.waits.empty());
}

TEST(KernelErrors, RaiserThatDoesNotThrowStillRaises) {
  HostBackend b;
  KernelErrors errors(b, 2);
  record_error(launch(errors, 0, kStreamA, "nll_loss", [](const int64_t*, const std::string&) {}),
               1);
  std::string m = error_of([&] { errors.harvest_stream(0, kStreamA); });
  EXPECT_NE(m.find("[nll_loss] a CUDA kernel recorded an error"), std::string::npos) << m;
}

TEST(KernelErrors, BadArguments) {
  HostBackend b;
  EXPECT_THROW(KernelErrors(b, 0), Error);
  KernelErrors errors(b, 2);
  EXPECT_THROW((void)launch(errors, -1, kStreamA, "gather", index_raiser(3)), Error);
}

}  // namespace
}  // namespace ember::detail
