// Data loaders: libtorch programs compile unchanged; 0/1/2 workers give the same batches;
// ordering, drop_last, prefetch bound, worker exceptions, timeout, early destruction.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>

#include "data/files.h"

namespace {

using Indices = std::vector<size_t>;

// Example i: data = [i, i] (float), target = i. Optional hooks to throw, sleep and count.
struct Numbers : torch::data::datasets::Dataset<Numbers> {
  explicit Numbers(size_t n) : n(n) {}
  torch::data::Example<> get(size_t i) override {
    if (throw_at == static_cast<int64_t>(i))
      throw std::runtime_error("bad example " + std::to_string(i));
    if (sleep_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleep_ms));
    if (serial_seen) *serial_seen = *serial_seen && ember::in_parallel_region();
    return {torch::full({2}, static_cast<double>(i)), torch::tensor(static_cast<int64_t>(i))};
  }
  std::vector<torch::data::Example<>> get_batch(torch::ArrayRef<size_t> indices) override {
    if (requested) ++*requested;
    return Dataset::get_batch(indices);
  }
  torch::optional<size_t> size() const override { return n; }

  size_t n;
  int64_t throw_at = -1;
  int sleep_ms = 0;
  std::shared_ptr<std::atomic<int>> requested;
  std::shared_ptr<std::atomic<bool>> serial_seen;
};

template <class Loader>
std::vector<Indices> targets_of(Loader& loader) {
  std::vector<Indices> out;
  for (auto& batch : loader) {
    Indices t;
    for (int64_t i = 0; i < batch.target.numel(); ++i)
      t.push_back(static_cast<size_t>(batch.target[i].template item<int64_t>()));
    EXPECT_EQ(batch.data.size(0), batch.target.size(0));
    out.push_back(t);
  }
  return out;
}

}  // namespace

TEST(DataLoader, LibtorchMnistProgramCompilesAndRuns) {
  auto dir = ember_test::temp_dir("loader_mnist");
  ember_test::write_gz(dir + "/train-images-idx3-ubyte.gz", ember_test::idx_images(300, 28, 28));
  ember_test::write_gz(dir + "/train-labels-idx1-ubyte.gz", ember_test::idx_labels(300));
  ember_test::write_raw(dir + "/t10k-images-idx3-ubyte", ember_test::idx_images(50, 28, 28));
  ember_test::write_raw(dir + "/t10k-labels-idx1-ubyte", ember_test::idx_labels(50));

  torch::manual_seed(1);
  auto ds = torch::data::datasets::MNIST(dir)
                .map(torch::data::transforms::Normalize<>(0.2860, 0.3530))
                .map(torch::data::transforms::Stack<>());
  const size_t train_size = ds.size().value();
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(ds), torch::data::DataLoaderOptions().batch_size(128).workers(2));
  auto test_ds = torch::data::datasets::MNIST(dir, torch::data::datasets::MNIST::Mode::kTest)
                     .map(torch::data::transforms::Normalize<>(0.2860, 0.3530))
                     .map(torch::data::transforms::Stack<>());
  auto test_loader = torch::data::make_data_loader(std::move(test_ds), 1000);

  for (int epoch = 0; epoch < 2; ++epoch) {
    size_t seen = 0, batches = 0;
    std::set<int64_t> labels;
    for (auto& batch : *loader) {
      EXPECT_EQ(batch.data.dim(), 4);
      EXPECT_EQ(batch.data.size(1), 1);
      EXPECT_EQ(batch.target.dtype(), torch::kLong);
      seen += batch.data.size(0);
      ++batches;
      for (int64_t i = 0; i < batch.target.numel(); ++i)
        labels.insert(batch.target[i].item<int64_t>());
    }
    EXPECT_EQ(seen, train_size);
    EXPECT_EQ(batches, 3u);  // 128 + 128 + 44
    EXPECT_EQ(labels.size(), 10u);
  }
  size_t test_batches = 0;
  for (auto& batch : *test_loader) {
    EXPECT_EQ(batch.data.sizes(), torch::IntArrayRef({50, 1, 28, 28}));
    // Normalized: pixel 0 of image 0 is 0 -> (0 - 0.286) / 0.353.
    EXPECT_NEAR(batch.data.min().item<float>(), -0.2860f / 0.3530f, 1e-6);
    ++test_batches;
  }
  EXPECT_EQ(test_batches, 1u);
}

TEST(DataLoader, SameBatchesWithZeroOneTwoWorkers) {
  for (bool drop_last : {false, true}) {
    std::vector<std::vector<Indices>> results;
    for (size_t workers : {0, 1, 2}) {
      auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
          Numbers(10).map(torch::data::transforms::Stack<>()),
          torch::data::DataLoaderOptions(4).workers(workers).drop_last(drop_last));
      EXPECT_EQ(loader->options().max_jobs, 2 * workers);
      auto first = targets_of(*loader);
      EXPECT_EQ(targets_of(*loader), first);  // a second epoch
      results.push_back(first);
    }
    std::vector<Indices> expected = {{0, 1, 2, 3}, {4, 5, 6, 7}};
    if (!drop_last) expected.push_back({8, 9});  // the last, partial batch
    for (auto& r : results) EXPECT_EQ(r, expected);
  }
}

TEST(DataLoader, RandomOrderIsSeededAndIndependentOfWorkers) {
  std::vector<std::vector<Indices>> results;
  for (size_t workers : {0, 2}) {
    torch::manual_seed(7);
    auto loader = torch::data::make_data_loader(Numbers(23).map(torch::data::transforms::Stack<>()),
                                                torch::data::DataLoaderOptions(5).workers(workers));
    results.push_back(targets_of(*loader));
  }
  EXPECT_EQ(results[0], results[1]);
  ASSERT_EQ(results[0].size(), 5u);
  std::multiset<size_t> all;
  for (auto& b : results[0]) all.insert(b.begin(), b.end());
  EXPECT_EQ(all.size(), 23u);
  EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 23u);
}

TEST(DataLoader, UnorderedDeliversEveryBatch) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      Numbers(40).map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions(3).workers(3).enforce_ordering(false));
  auto batches = targets_of(*loader);
  std::multiset<size_t> all;
  for (auto& b : batches) all.insert(b.begin(), b.end());
  EXPECT_EQ(batches.size(), 14u);
  EXPECT_EQ(all.size(), 40u);
  EXPECT_EQ(std::set<size_t>(all.begin(), all.end()).size(), 40u);
}

TEST(DataLoader, PrefetchIsBoundedByMaxJobs) {
  Numbers ds(100);
  ds.requested = std::make_shared<std::atomic<int>>(0);
  auto requested = ds.requested;
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      ds.map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions(1).workers(2).max_jobs(3));
  int consumed = 0;
  for (auto& batch : *loader) {
    (void)batch;
    ++consumed;
    if (consumed == 3) {  // the workers run ahead by max_jobs batches, and no further
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      while (requested->load() < 6 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
      EXPECT_EQ(requested->load(), 6);
    }
    EXPECT_LE(requested->load(), consumed + 3);
  }
  EXPECT_EQ(consumed, 100);
}

TEST(DataLoader, WorkersRunOpsSerially) {
  Numbers ds(8);
  ds.serial_seen = std::make_shared<std::atomic<bool>>(true);
  auto loader = torch::data::make_data_loader(ds, torch::data::DataLoaderOptions(2).workers(2));
  for (auto& batch : *loader) EXPECT_EQ(batch.size(), 2u);
  EXPECT_TRUE(ds.serial_seen->load());
}

TEST(DataLoader, WorkerExceptionArrivesAtItsBatch) {
  Numbers ds(12);
  ds.throw_at = 7;
  for (size_t workers : {0, 2}) {
    auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        ds.map(torch::data::transforms::Stack<>()),
        torch::data::DataLoaderOptions(2).workers(workers));
    for (int epoch = 0; epoch < 2; ++epoch) {  // a failed epoch can be restarted
      std::vector<int64_t> firsts;
      std::string error;
      auto it = loader->begin();
      while (true) {
        try {
          if (it == loader->end()) break;
          firsts.push_back(it->target[0].item<int64_t>());
          ++it;
        } catch (const std::exception& e) {
          error = e.what();
          break;
        }
      }
      EXPECT_EQ(firsts, std::vector<int64_t>({0, 2, 4})) << workers;
      EXPECT_NE(error.find("bad example 7"), std::string::npos) << error;
      if (workers > 0) {
        EXPECT_NE(error.find("Caught exception in DataLoader worker thread"), std::string::npos);
      }
    }
  }
  // Catching and going on yields the batches after the failed one.
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      ds.map(torch::data::transforms::Stack<>()), torch::data::DataLoaderOptions(2).workers(2));
  auto it = loader->begin();
  std::vector<int64_t> firsts;
  while (it != loader->end()) {
    firsts.push_back(it->target[0].item<int64_t>());
    try {
      ++it;
    } catch (const torch::data::WorkerException& e) {
      EXPECT_TRUE(e.original_exception != nullptr);
      ++it;
    }
  }
  EXPECT_EQ(firsts, std::vector<int64_t>({0, 2, 4, 8, 10}));
}

TEST(DataLoader, TimeoutRaisesAndTeardownDoesNotHang) {
  Numbers ds(4);
  ds.sleep_ms = 300;
  auto start = std::chrono::steady_clock::now();
  {
    auto loader = torch::data::make_data_loader(
        ds, torch::data::DataLoaderOptions(2).workers(1).timeout(std::chrono::milliseconds(30)));
    try {
      for (auto& batch : *loader) (void)batch;
      FAIL() << "no timeout";
    } catch (const torch::Error& e) {
      EXPECT_NE(std::string(e.what()).find("Timeout in DataLoader queue while waiting for next "
                                           "batch (timeout was 30 ms)"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(DataLoader, EarlyDestructionJoinsWorkers) {
  Numbers ds(1000);
  ds.sleep_ms = 2;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < 5; ++round) {
    auto loader = torch::data::make_data_loader(ds.map(torch::data::transforms::Stack<>()),
                                                torch::data::DataLoaderOptions(4).workers(3));
    auto it = loader->begin();
    EXPECT_EQ(it->data.size(0), 4);
    ++it;
  }  // each loader is destroyed with batches in flight
  {
    auto never_started =
        torch::data::make_data_loader(ds, torch::data::DataLoaderOptions().workers(2));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(DataLoader, IteratorRules) {
  auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
      Numbers(6).map(torch::data::transforms::Stack<>()),
      torch::data::DataLoaderOptions(2).workers(2));
  auto it = loader->begin();
  EXPECT_EQ(it->target[0].item<int64_t>(), 0);
  EXPECT_THROW(loader->begin(), torch::Error);  // libtorch: one iterator at a time
  ++it;
  ++it;
  ++it;
  EXPECT_TRUE(it == loader->end());
  EXPECT_THROW(++it, torch::Error);
  EXPECT_THROW(*loader->end(), torch::Error);
  EXPECT_EQ(targets_of(*loader).size(), 3u);
  loader->join();
  EXPECT_THROW(loader->begin(), torch::Error);

  EXPECT_THROW(torch::data::make_data_loader(Numbers(3), torch::data::DataLoaderOptions(0)),
               torch::Error);
  EXPECT_THROW(torch::data::make_data_loader(
                   Numbers(3), torch::data::DataLoaderOptions(1).workers(1).max_jobs(0)),
               torch::Error);
}

namespace {

// A stateful dataset that hands out `total` numbers in batches, then nullopt.
struct Counter : torch::data::datasets::StatefulDataset<Counter, std::vector<int>> {
  explicit Counter(int total) : total(total) {}
  torch::optional<std::vector<int>> get_batch(size_t batch_size) override {
    std::lock_guard<std::mutex> lock(*mutex);
    if (next >= total) return torch::nullopt;
    std::vector<int> out;
    while (out.size() < batch_size && next < total) out.push_back(next++);
    return out;
  }
  torch::optional<size_t> size() const override { return torch::nullopt; }
  void reset() override { next = 0; }
  void save(torch::serialize::OutputArchive&) const override {}
  void load(torch::serialize::InputArchive&) override {}
  int total, next = 0;
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
};

// A stream of consecutive numbers; the batch request is a count.
struct Stream : torch::data::datasets::StreamDataset<Stream, std::vector<int>> {
  std::vector<int> get_batch(size_t n) override {
    std::vector<int> out;
    for (size_t i = 0; i < n; ++i) out.push_back(next++);
    return out;
  }
  torch::optional<size_t> size() const override { return torch::nullopt; }
  int next = 0;
};

}  // namespace

TEST(DataLoader, StatefulDataset) {
  for (size_t workers : {0, 1, 3}) {
    auto loader = torch::data::make_data_loader(Counter(10),
                                                torch::data::DataLoaderOptions(4).workers(workers));
    for (int epoch = 0; epoch < 2; ++epoch) {
      std::multiset<int> seen;
      size_t batches = 0;
      for (auto& batch : *loader) {
        seen.insert(batch.begin(), batch.end());
        ++batches;
      }
      EXPECT_EQ(batches, 3u);
      EXPECT_EQ(seen.size(), 10u);
      EXPECT_EQ(*seen.rbegin(), 9);
    }
  }
}

TEST(DataLoader, StreamDatasetWithStreamSampler) {
  auto loader = torch::data::make_data_loader(Stream(), torch::data::samplers::StreamSampler(10),
                                              torch::data::DataLoaderOptions(4));
  std::vector<size_t> sizes;
  for (auto& batch : *loader) sizes.push_back(batch.size());
  EXPECT_EQ(sizes, std::vector<size_t>({4, 4, 2}));
}

// pin_memory (PyTorch's DataLoader(pin_memory=True)) without a CUDA device warns once and hands
// out the same, unpinned batches; with a device the batches are pinned (tests/cuda).
TEST(DataLoader, PinMemoryWithoutDeviceWarnsAndGoesOn) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "a CUDA device: see CudaDataLoader.PinMemory";
  std::vector<std::vector<Indices>> results;
  ::testing::internal::CaptureStderr();
  for (size_t workers : {0, 2}) {
    auto loader = torch::data::make_data_loader<torch::data::samplers::SequentialSampler>(
        Numbers(10).map(torch::data::transforms::Stack<>()),
        torch::data::DataLoaderOptions(4).workers(workers).pin_memory(true));
    EXPECT_TRUE(loader->options().pin_memory);
    for (auto& batch : *loader) EXPECT_FALSE(batch.data.is_pinned());
    results.push_back(targets_of(*loader));
  }
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("'pin_memory' argument is set as true but no accelerator is found"),
            std::string::npos)
      << err;
  const std::vector<Indices> expected = {{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}};
  for (auto& r : results) EXPECT_EQ(r, expected);
}
