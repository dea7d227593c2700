// CIFAR-10 binary batches: crafted files and hostile ones.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/files.h"
#include "ember/ember.h"

using namespace ember;
using namespace ember_test;
using data::datasets::CIFAR10;

namespace {

// `n` records; record r has label (r + seed) % 10 and pixel k = (r + k + seed) % 256.
Bytes cifar_records(int n, int seed) {
  Bytes b;
  for (int r = 0; r < n; ++r) {
    b.push_back(static_cast<uint8_t>((r + seed) % 10));
    for (int k = 0; k < 3072; ++k) b.push_back(static_cast<uint8_t>((r + k + seed) % 256));
  }
  return b;
}

std::string cifar_dir(const std::string& name) {
  auto dir = temp_dir(name);
  for (int i = 1; i <= 5; ++i)
    write_raw(dir + "/data_batch_" + std::to_string(i) + ".bin", cifar_records(i, i * 100));
  write_gz(dir + "/test_batch.bin.gz", cifar_records(4, 7));
  return dir;
}

}  // namespace

TEST(CIFAR10, ReadsTrainAndTest) {
  auto dir = cifar_dir("ok");
  CIFAR10 train(dir);
  EXPECT_TRUE(train.is_train());
  ASSERT_EQ(train.size().value(), 15u);  // 1 + 2 + 3 + 4 + 5 records
  EXPECT_EQ(train.images().sizes(), IntArrayRef({15, 3, 32, 32}));
  // Example 1 is record 0 of data_batch_2 (seed 200).
  auto ex = train.get(1);
  EXPECT_EQ(ex.target.item<int64_t>(), 200 % 10);
  EXPECT_EQ(ex.data[0][0][0].item<float>(), (200 % 256) / 255.0f);
  EXPECT_EQ(ex.data[2][31][31].item<float>(), ((3071 + 200) % 256) / 255.0f);  // last blue pixel
  CIFAR10 test(dir, CIFAR10::Mode::kTest);
  ASSERT_EQ(test.size().value(), 4u);
  EXPECT_EQ(test.targets()[3].item<int64_t>(), (3 + 7) % 10);
  EXPECT_EQ(test.images()[3][1][0][0].item<float>(), ((3 + 1024 + 7) % 256) / 255.0f);
  auto batch = test.get_batch_stacked({3, 0});
  ASSERT_TRUE(batch.has_value());
  EXPECT_TRUE(batch->data[0].equal(test.get(3).data));
  EXPECT_THROW(test.get(4), IndexError);
}

TEST(CIFAR10, BadFiles) {
  {
    auto dir = cifar_dir("missing");
    std::filesystem::remove(dir + "/data_batch_3.bin");
    EXPECT_THROW(CIFAR10 ds(dir), Error);
  }
  {
    auto dir = cifar_dir("partial");
    auto b = cifar_records(2, 0);
    b.pop_back();
    write_raw(dir + "/data_batch_2.bin", b);
    try {
      CIFAR10 ds(dir);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("data_batch_2.bin: size mismatch"), std::string::npos)
          << e.what();
    }
  }
  {
    auto dir = cifar_dir("label");
    auto b = cifar_records(2, 0);
    b[3073] = 10;
    write_gz(dir + "/test_batch.bin.gz", b);
    try {
      CIFAR10 ds(dir, CIFAR10::Mode::kTest);
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("label 10 of record 1"), std::string::npos) << e.what();
    }
  }
  {
    auto dir = cifar_dir("empty");
    write_raw(dir + "/data_batch_1.bin", Bytes{});
    EXPECT_THROW(CIFAR10 ds(dir), Error);
  }
}
