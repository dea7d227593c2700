// MNIST: crafted IDX files (raw and gzip), hostile files, and Fashion-MNIST when installed.
#include <gtest/gtest.h>

#include <filesystem>

#include "data/files.h"
#include "ember/ember.h"
#include "support/error_of.h"

using namespace ember;
using namespace ember_test;
using data::datasets::MNIST;

namespace {

// Writes the four MNIST files for `n` train and `m` test images of 28x28.
std::string mnist_dir(const std::string& name, bool gz, uint32_t n = 5, uint32_t m = 3) {
  auto dir = temp_dir(name);
  auto write = gz ? write_gz : write_raw;
  const std::string ext = gz ? ".gz" : "";
  write(dir + "/train-images-idx3-ubyte" + ext, idx_images(n, 28, 28));
  write(dir + "/train-labels-idx1-ubyte" + ext, idx_labels(n));
  write(dir + "/t10k-images-idx3-ubyte" + ext, idx_images(m, 28, 28));
  write(dir + "/t10k-labels-idx1-ubyte" + ext, idx_labels(m));
  return dir;
}

void expect_crafted(const MNIST& ds, uint32_t n) {
  ASSERT_EQ(ds.size().value(), n);
  EXPECT_EQ(ds.images().sizes(), IntArrayRef({n, 1, 28, 28}));
  EXPECT_EQ(ds.images().dtype(), kFloat);
  EXPECT_EQ(ds.targets().sizes(), IntArrayRef({n}));
  EXPECT_EQ(ds.targets().dtype(), kLong);
  for (uint32_t i = 0; i < n; ++i) {
    EXPECT_EQ(ds.targets()[i].item<int64_t>(), i % 10);
    const float* px = ds.images()[i].contiguous().data_ptr<float>();
    for (uint32_t k : {0u, 1u, 100u, 783u}) {
      EXPECT_EQ(px[k], static_cast<float>((i * 7 + k) % 256) / 255.0f) << i << " " << k;
    }
  }
}

}  // namespace

TEST(MNIST, ReadsRawIdxFiles) {
  auto dir = mnist_dir("raw", false);
  MNIST train(dir);
  EXPECT_TRUE(train.is_train());
  expect_crafted(train, 5);
  MNIST test(dir, MNIST::Mode::kTest);
  EXPECT_FALSE(test.is_train());
  expect_crafted(test, 3);
  auto ex = train.get(4);
  EXPECT_EQ(ex.data.sizes(), IntArrayRef({1, 28, 28}));
  EXPECT_EQ(ex.target.item<int64_t>(), 4);
  EXPECT_THROW(train.get(5), IndexError);
}

TEST(MNIST, ReadsGzipIdxFiles) {
  auto dir = mnist_dir("gz", true);
  expect_crafted(MNIST(dir), 5);
  expect_crafted(MNIST(dir + "/", MNIST::Mode::kTest), 3);
}

TEST(MNIST, PrefersTheUncompressedFile) {
  auto dir = mnist_dir("prefer", true, 5, 3);
  write_raw(dir + "/t10k-images-idx3-ubyte", idx_images(2, 28, 28));
  write_raw(dir + "/t10k-labels-idx1-ubyte", idx_labels(2));
  EXPECT_EQ(MNIST(dir, MNIST::Mode::kTest).size().value(), 2u);
}

TEST(MNIST, OtherImageSizes) {
  auto dir = temp_dir("sizes");
  write_raw(dir + "/train-images-idx3-ubyte", idx_images(4, 3, 5));
  write_gz(dir + "/train-labels-idx1-ubyte.gz", idx_labels(4));
  MNIST ds(dir);
  EXPECT_EQ(ds.images().sizes(), IntArrayRef({4, 1, 3, 5}));
  EXPECT_FLOAT_EQ(ds.images()[3][0][2][4].item<float>(), ((3 * 7 + 14) % 256) / 255.0f);
}

TEST(MNIST, BadFiles) {
  const std::string img = "/train-images-idx3-ubyte", lab = "/train-labels-idx1-ubyte";
  struct Case {
    const char* name;
    std::function<void(const std::string&)> damage;
    const char* expect;
  };
  std::vector<Case> cases = {
      {"missing", [&](auto& d) { std::filesystem::remove(d + img); }, "cannot find"},
      {"magic",
       [&](auto& d) {
         auto b = idx_images(5, 28, 28);
         b[3] = 0x01;
         write_raw(d + img, b);
       },
       "wrong magic number 0x00000801, expected 0x00000803"},
      {"label_magic",
       [&](auto& d) {
         auto b = idx_labels(5);
         b[2] = 0x09;
         write_raw(d + lab, b);
       },
       "wrong magic number"},
      {"truncated",
       [&](auto& d) {
         auto b = idx_images(5, 28, 28);
         b.resize(b.size() - 10);
         write_raw(d + img, b);
       },
       "size mismatch"},
      {"short_header",
       [&](auto& d) {
         write_raw(d + img, Bytes{0, 0, 8, 3, 0, 0});
       },
       "truncated: expected 4 bytes of header"},
      {"trailing",
       [&](auto& d) {
         auto b = idx_images(5, 28, 28);
         b.push_back(1);
         write_raw(d + img, b);
       },
       "size mismatch"},
      {"huge_count",
       [&](auto& d) {
         auto b = idx_images(5, 28, 28);
         b[4] = 0x7f;  // count 0x7f000005
         write_raw(d + img, b);
       },
       "size mismatch"},
      {"zero_rows", [&](auto& d) { write_raw(d + img, idx_images(5, 0, 28)); },
       "bad dimensions 5 x 0 x 28"},
      {"count_disagrees", [&](auto& d) { write_raw(d + lab, idx_labels(4)); }, "has 4 labels but"},
      {"gz_truncated",
       [&](auto& d) {
         std::filesystem::remove(d + img);
         write_gz(d + img + ".gz", idx_images(5, 28, 28));
         auto b = read_raw(d + img + ".gz");
         b.resize(b.size() / 2);
         write_raw(d + img + ".gz", b);
       },
       "truncated"},
      {"gz_missing_trailer",
       [&](auto& d) {
         std::filesystem::remove(d + lab);
         write_gz(d + lab + ".gz", idx_labels(5));
         auto b = read_raw(d + lab + ".gz");
         b.resize(b.size() - 8);  // CRC and length gone, data intact
         write_raw(d + lab + ".gz", b);
       },
       "truncated gzip data"},
      {"gz_corrupt",
       [&](auto& d) {
         std::filesystem::remove(d + img);
         write_gz(d + img + ".gz", idx_images(5, 28, 28));
         auto b = read_raw(d + img + ".gz");
         for (size_t i = 12; i < b.size() - 8; i += 3) b[i] ^= 0x5a;
         write_raw(d + img + ".gz", b);
       },
       "gzip"},
      {"gz_bad_crc",
       [&](auto& d) {
         std::filesystem::remove(d + lab);
         write_gz(d + lab + ".gz", idx_labels(5));
         auto b = read_raw(d + lab + ".gz");
         b[b.size() - 6] ^= 0xff;
         write_raw(d + lab + ".gz", b);
       },
       "corrupt gzip data"},
      {"gz_not_gzip",
       [&](auto& d) {
         std::filesystem::remove(d + img);
         write_raw(d + img + ".gz", idx_images(5, 28, 28));
       },
       "not a gzip file"},
      {"gz_count_lies",
       [&](auto& d) {
         std::filesystem::remove(d + img);
         auto b = idx_images(5, 28, 28);
         b[4] = 0x7f;
         write_gz(d + img + ".gz", b);
       },
       "more than the compressed file can hold"},
      {"gz_trailing",
       [&](auto& d) {
         std::filesystem::remove(d + lab);
         auto b = idx_labels(5);
         b.push_back(3);
         write_gz(d + lab + ".gz", b);
       },
       "trailing bytes"},
  };
  for (const auto& c : cases) {
    auto dir = mnist_dir(std::string("bad_") + c.name, false);
    c.damage(dir);
    std::string msg = error_of([&] { MNIST ds(dir); });
    EXPECT_NE(msg.find("[MNIST]"), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
    EXPECT_NE(msg.find(dir), std::string::npos) << c.name << ": " << msg;  // names the file
  }
}

TEST(MNIST, FashionMnistTestSplit) {
  const std::string root = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::exists(root + "/t10k-images-idx3-ubyte.gz") &&
      !std::filesystem::exists(root + "/t10k-images-idx3-ubyte")) {
    GTEST_SKIP() << "Fashion-MNIST is not installed at " << root;
  }
  MNIST ds(root, MNIST::Mode::kTest);
  ASSERT_EQ(ds.size().value(), 10000u);
  EXPECT_EQ(ds.images().sizes(), IntArrayRef({10000, 1, 28, 28}));
  std::vector<int64_t> first = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(ds.targets()[i].item<int64_t>(), first[i]);
  EXPECT_EQ(ds.targets()[9999].item<int64_t>(), 5);
  std::vector<int> row = {0, 0, 98, 136, 110, 109, 110, 162, 135, 144};  // image 0, row 14, 10..19
  for (int j = 0; j < 10; ++j) {
    EXPECT_EQ(ds.images()[0][0][14][10 + j].item<float>(), row[j] / 255.0f);
  }
  EXPECT_EQ(ds.images()[9999][0][20][5].item<float>(), 31 / 255.0f);
  EXPECT_EQ(ds.images().mul(255).add(0.5).to(kLong).sum().item<int64_t>(), 573469082);
  for (int k = 0; k < 10; ++k) EXPECT_EQ(ds.targets().eq(k).sum().item<int64_t>(), 1000) << k;
}
