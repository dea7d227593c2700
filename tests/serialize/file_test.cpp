// ember::load_file / save_file (format from the file name) and Module::load_from / save_to.
#include "ember/serialize/file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "ember/ember.h"
#include "support/gradcheck.h"

using namespace ember;
using ember::testing::all_close;

namespace {

const std::string kDir = std::string(EMBER_GOLDEN_DIR) + "/../serialize/fixtures/";

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("ember_file_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

nn::Sequential small_cnn() {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::ReLU(),
                        nn::MaxPool2d(2), nn::Conv2d(4, 2, 3), nn::Tanh(), nn::Flatten(),
                        nn::Linear(8, 5));
}

OrderedDict<std::string, Tensor> sample_dict() {
  manual_seed(3);
  OrderedDict<std::string, Tensor> d;
  d.insert("w", randn({3, 4}));
  d.insert("b", arange(5, kLong));
  d.insert("h", randn({2, 2}).to(kHalf));
  d.insert("m", tensor({true, false, true}));
  d.insert("t", randn({4, 3}).t());  // non-contiguous: written in row-major order
  return d;
}

void expect_same(const OrderedDict<std::string, Tensor>& a,
                 const OrderedDict<std::string, Tensor>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& item : a) {
    const Tensor* other = b.find(item.key());
    ASSERT_NE(other, nullptr) << item.key();
    EXPECT_EQ(other->scalar_type(), item.value().scalar_type()) << item.key();
    EXPECT_EQ(other->sizes(), item.value().sizes()) << item.key();
    EXPECT_TRUE(equal(*other, item.value())) << item.key();
  }
}

}  // namespace

TEST(FileFormat, FollowsTheExtension) {
  EXPECT_EQ(file_format_for("a/model.pt"), FileFormat::kPyTorch);
  EXPECT_EQ(file_format_for("model.PTH"), FileFormat::kPyTorch);
  EXPECT_EQ(file_format_for("pytorch_model.bin"), FileFormat::kPyTorch);
  EXPECT_EQ(file_format_for("model.safetensors"), FileFormat::kSafetensors);
  try {
    file_format_for("model.ckpt");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("model.ckpt"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(".safetensors"), std::string::npos);
  }
  EXPECT_THROW(load_file("weights.npz"), Error);
  EXPECT_THROW(save_file(sample_dict(), temp_path("x.onnx")), Error);
}

TEST(LoadFile, ReadsPyTorchAndSafetensorsFixtures) {
  auto pt = load_file(kDir + "pt/cnn.pt");
  EXPECT_EQ(pt.size(), 6u);
  EXPECT_EQ(pt["0.weight"].sizes(), (std::vector<int64_t>{4, 1, 3, 3}));
  auto st = load_file(kDir + "all_dtypes.safetensors");
  EXPECT_FALSE(st.empty());
  EXPECT_THROW(load_file(kDir + "pt/nested_p2.pt"), Error);  // not a dict of tensors
}

TEST(SaveFile, RoundTripsBothFormatsThroughFilesStreamsAndBytes) {
  auto d = sample_dict();
  for (const char* name : {"rt.pt", "rt.safetensors"}) {
    std::string path = temp_path(name);
    save_file(d, path);
    expect_same(d, load_file(path));
    FileFormat f = file_format_for(path);
    expect_same(d, load_file_bytes(save_file_bytes(d, f), f));
    std::stringstream s;
    save_file(d, s, f);
    expect_same(d, load_file(s, f));
    std::remove(path.c_str());
  }
}

TEST(SaveFile, BadInputLeavesNoFile) {
  std::string path = temp_path("missing_dir/x.safetensors");
  EXPECT_THROW(save_file(sample_dict(), path), Error);
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_THROW(load_file(temp_path("does_not_exist.pt")), Error);
}

TEST(ModuleFile, SaveToLoadFromGivesTheSameOutputs) {
  auto x = randn({2, 1, 8, 8});
  for (const char* name : {"cnn.pt", "cnn.safetensors"}) {
    manual_seed(1);
    auto a = small_cnn();
    manual_seed(2);
    auto b = small_cnn();
    std::string path = temp_path(name);
    a->save_to(path);
    auto r = b->load_from(path);
    EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
    NoGradGuard ng;
    EXPECT_TRUE(all_close(a->forward(x), b->forward(x), 0, 0)) << name;
    std::remove(path.c_str());
  }
}

TEST(ModuleFile, LoadsPyTorchsStateDictAndReportsMismatchedKeys) {
  auto m = small_cnn();
  auto r = m->load_from(kDir + "pt/cnn.pt");
  EXPECT_TRUE(r.missing_keys.empty());
  nn::Sequential other(nn::Linear(8, 5));
  EXPECT_THROW(other->load_from(kDir + "pt/cnn.pt"), Error);  // strict: keys differ
}
