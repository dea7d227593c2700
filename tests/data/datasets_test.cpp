// Datasets: Dataset/BatchDataset/MapDataset, TensorDataset, SharedBatchDataset, the stacked fast
// path, StatefulDataset and ChunkDataset.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "data/files.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember::data;

namespace {

// Example i: data = [i, i, i] (float), target = i.
struct Counting : datasets::Dataset<Counting> {
  explicit Counting(size_t n) : n(n) {}
  Example<> get(size_t i) override {
    return {full({3}, static_cast<double>(i)), tensor(static_cast<int64_t>(i))};
  }
  std::optional<size_t> size() const override { return n; }
  size_t n;
};

struct Reader : datasets::ChunkDataReader<int> {
  // Chunk c holds c * 10 ... c * 10 + sizes[c] - 1.
  explicit Reader(std::vector<size_t> sizes) : sizes(std::move(sizes)) {}
  ChunkType read_chunk(size_t c) override {
    if (fail_chunk == static_cast<int>(c)) throw std::runtime_error("chunk read failed");
    ChunkType out;
    for (size_t i = 0; i < sizes[c]; ++i) out.push_back(static_cast<int>(c * 10 + i));
    return out;
  }
  size_t chunk_count() override { return sizes.size(); }
  void reset() override {}
  std::vector<size_t> sizes;
  int fail_chunk = -1;
};

}  // namespace

TEST(Datasets, DatasetGetBatchAndMap) {
  Counting ds(5);
  auto batch = ds.get_batch({4, 1});
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0].target.item<int64_t>(), 4);
  auto mapped = Counting(5)
                    .map(transforms::Lambda<Example<>>([](Example<> e) {
                      e.data = e.data * 2;
                      return e;
                    }))
                    .map(transforms::Stack<>());
  static_assert(!decltype(mapped)::is_stateful);
  EXPECT_EQ(mapped.size().value(), 5u);
  auto out = mapped.get_batch({0, 3});
  EXPECT_EQ(out.data.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(out.data[1][0].item<float>(), 6.0f);
  EXPECT_TRUE(out.target.equal(tensor({0, 3})));
  // .map on an lvalue copies the dataset.
  auto by_ref = ds.map(transforms::Stack<>());
  EXPECT_EQ(by_ref.dataset().n, 5u);
}

TEST(Datasets, TensorDataset) {
  datasets::TensorDataset ds(arange(12, kFloat).view({4, 3}));
  EXPECT_EQ(ds.size().value(), 4u);
  EXPECT_TRUE(ds.get(2).data.equal(tensor({6.0f, 7.0f, 8.0f})));
  datasets::TensorDataset from_list({ones(2), zeros(2)});
  auto stacked = from_list.map(transforms::Stack<TensorExample>()).get_batch({1, 0});
  EXPECT_TRUE(stacked.data.equal(tensor({{0.0f, 0.0f}, {1.0f, 1.0f}})));
}

TEST(Datasets, SharedBatchDataset) {
  auto shared = datasets::make_shared_dataset<Counting>(3);
  EXPECT_EQ(shared.size().value(), 3u);
  EXPECT_EQ(shared->n, 3u);
  auto copy = shared;
  copy->n = 2;
  EXPECT_EQ((*shared).n, 2u);
}

TEST(Datasets, StackedFastPathEqualsGenericPath) {
  auto dir = ember_test::temp_dir("stacked");
  ember_test::write_raw(dir + "/train-images-idx3-ubyte", ember_test::idx_images(20, 28, 28));
  ember_test::write_gz(dir + "/train-labels-idx1-ubyte.gz", ember_test::idx_labels(20));
  datasets::MNIST mnist(dir);
  auto fast = mnist.map(transforms::Normalize<>(0.2860, 0.3530)).map(transforms::Stack<>());
  std::vector<size_t> idx = {19, 3, 3, 0, 7};
  auto a = fast.get_batch(idx);
  // The generic path, spelled out: per-example Normalize, then stack.
  std::vector<Example<>> examples;
  transforms::Normalize<> norm(0.2860, 0.3530);
  for (auto i : idx) examples.push_back(norm.apply(mnist.get(i)));
  auto b = transforms::Stack<>().apply_batch(examples);
  EXPECT_EQ(a.data.sizes(), IntArrayRef({5, 1, 28, 28}));
  EXPECT_TRUE(a.data.equal(b.data));
  EXPECT_TRUE(a.target.equal(b.target));
  EXPECT_THROW(fast.get_batch(std::vector<size_t>{20}), IndexError);
  // A transform without a stacked form takes the generic path.
  auto lambda = mnist.map(transforms::TensorLambda<>([](Tensor t) { return t * 2; }))
                    .map(transforms::Stack<>());
  EXPECT_TRUE(lambda.get_batch(idx).data.equal(
      mnist.images().index_select(0, tensor({19, 3, 3, 0, 7})) * 2));
}

TEST(ChunkDataset, ServesEveryExampleOncePerEpoch) {
  using DS =
      datasets::ChunkDataset<Reader, samplers::SequentialSampler, samplers::SequentialSampler>;
  for (size_t preloaders : {1, 3}) {
    DS ds(Reader({5, 0, 7, 3}), samplers::SequentialSampler(0), samplers::SequentialSampler(0),
          datasets::ChunkDatasetOptions(preloaders, 4, 8));
    for (int epoch = 0; epoch < 2; ++epoch) {
      ds.reset();
      std::multiset<int> seen;
      size_t batches = 0;
      while (auto batch = ds.get_batch(4)) {
        EXPECT_LE(batch->size(), 4u);
        seen.insert(batch->begin(), batch->end());
        ++batches;
      }
      EXPECT_EQ(seen, std::multiset<int>({0, 1, 2, 3, 4, 20, 21, 22, 23, 24, 25, 26, 30, 31, 32}));
      EXPECT_GE(batches, 4u);
    }
    if (preloaders == 1) {
      ds.reset();
      EXPECT_EQ(ds.get_batch().value(), std::vector<int>({0, 1, 2, 3}));
    }
    EXPECT_THROW(ds.get_batch(3), Error);
  }
}

TEST(ChunkDataset, ReaderErrorsReachTheCaller) {
  Reader reader({4, 4, 4});
  reader.fail_chunk = 1;
  datasets::ChunkDataset<Reader, samplers::SequentialSampler, samplers::SequentialSampler> ds(
      reader, samplers::SequentialSampler(0), samplers::SequentialSampler(0),
      datasets::ChunkDatasetOptions(1, 4, 4));
  ds.reset();
  size_t good = 0;
  bool threw = false;
  while (true) {
    try {
      auto batch = ds.get_batch();
      if (!batch) break;
      good += batch->size();
    } catch (const WorkerException& e) {
      threw = true;
      EXPECT_NE(std::string(e.what()).find("chunk read failed"), std::string::npos);
    }
  }
  EXPECT_TRUE(threw);
  EXPECT_EQ(good, 8u);
}

TEST(ChunkDataset, WithTheStatefulLoader) {
  auto ds = datasets::make_shared_dataset<
      datasets::ChunkDataset<Reader, samplers::RandomSampler, samplers::RandomSampler>>(
      Reader({6, 6, 6}), samplers::RandomSampler(0), samplers::RandomSampler(0),
      datasets::ChunkDatasetOptions(2, 5, 10));
  for (size_t workers : {0, 2}) {
    auto loader = make_data_loader(ds, DataLoaderOptions(5).workers(workers));
    for (int epoch = 0; epoch < 2; ++epoch) {
      std::multiset<int> seen;
      for (auto& batch : *loader) seen.insert(batch.begin(), batch.end());
      EXPECT_EQ(seen.size(), 18u);
      EXPECT_EQ(*seen.begin(), 0);
      EXPECT_EQ(*seen.rbegin(), 25);
    }
  }
  // Destroying a dataset in the middle of an epoch stops its preloaders.
  {
    datasets::ChunkDataset<Reader> early(Reader({100, 100, 100}), samplers::RandomSampler(0),
                                         samplers::RandomSampler(0),
                                         datasets::ChunkDatasetOptions(2, 4, 8));
    early.reset();
    EXPECT_TRUE(early.get_batch().has_value());
  }
}

TEST(ChunkDataset, OptionsChecks) {
  EXPECT_THROW(datasets::ChunkDatasetOptions(0, 1), Error);
  EXPECT_THROW(datasets::ChunkDatasetOptions(1, 0), Error);
  EXPECT_THROW(datasets::ChunkDatasetOptions(1, 8, 4), Error);
}
