// src/serialize/mapped_file.cpp: whole files mapped read-only and copy-on-write (MappedFile) and
// storages viewing the mapping (view_storage), behind zero-copy loading of .pt and safetensors.
#include "src/serialize/mapped_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "ember/ember.h"
#include "ember/serialize/pt.h"
#include "ember/serialize/safetensors.h"
#include "serialize/pt_fixtures.h"
#include "support/error_of.h"

using namespace ember;
using namespace ember::serialize;
namespace sd = ember::serialize::detail;
using sd::MappedFile;

namespace {

std::string tmp_path(const std::string& name) {
  return ::testing::TempDir() + "/ember_mapped_" + name + "_" + std::to_string(::getpid());
}
std::string write_tmp(const std::string& name, const std::string& bytes) {
  const std::string path = tmp_path(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}
std::string contents(const std::string& path) { return pt_fixtures::read_file(path); }
bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}

}  // namespace

TEST(MappedFile, MapsTheWholeFile) {
  std::string bytes(10000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 + 3);
  const std::string path = write_tmp("whole", bytes);
  auto map = MappedFile::open(path, "[test] ");
  std::remove(path.c_str());  // the mapping outlives the name
  ASSERT_EQ(map->size(), bytes.size());
  EXPECT_NE(map->data(), nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(map->data()) % 4096, 0u);  // page aligned
  EXPECT_EQ(map->bytes(), bytes);
}

TEST(MappedFile, EmptyFileMapsToNoBytes) {
  const std::string path = write_tmp("empty", "");
  auto map = MappedFile::open(path, "[test] ");
  std::remove(path.c_str());
  EXPECT_EQ(map->size(), 0u);
  EXPECT_EQ(map->data(), nullptr);
  EXPECT_TRUE(map->bytes().empty());
  // A zero-byte view of it is fine; anything more is outside.
  EXPECT_EQ(sd::view_storage(map, map->data(), 0)->nbytes(), 0u);
  // The readers turn an empty file into their own error.
  const std::string pt = write_tmp("empty_pt", "");
  EXPECT_TRUE(has(error_of([&] { pt_load(pt); }), "not a PyTorch file"));
  std::remove(pt.c_str());
}

TEST(MappedFile, MissingFileAndDirectoryErrors) {
  const std::string missing = tmp_path("does_not_exist");
  std::string e = error_of([&] { MappedFile::open(missing, "[reader] " + missing + ": "); });
  EXPECT_EQ(e, "[reader] " + missing + ": cannot open: No such file or directory");
  e = error_of([] { MappedFile::open("/", "[reader] /: "); });
  EXPECT_EQ(e, "[reader] /: not a regular file");
  // As the readers report them.
  e = error_of([&] { pt_load(missing); });
  EXPECT_TRUE(has(e, "[torch.load] '" + missing + "': cannot open")) << e;
  e = error_of([&] { safetensors_load(missing); });
  EXPECT_TRUE(has(e, "[safetensors] " + missing + ": cannot open")) << e;
}

TEST(MappedFile, ViewsArePrivateAndKeepTheMappingAlive) {
  const std::string bytes = "0123456789abcdef";
  const std::string path = write_tmp("view", bytes);
  Storage s;
  {
    auto map = MappedFile::open(path, "[test] ");
    s = sd::view_storage(map, map->data() + 4, 8);
    EXPECT_EQ(map.use_count(), 2);  // the storage holds the mapping
  }
  EXPECT_EQ(s->nbytes(), 8u);
  EXPECT_FALSE(s->resizable());
  char* p = static_cast<char*>(s->data());
  EXPECT_EQ(std::string(p, 8), "456789ab");
  // Copy-on-write: the process sees its write, the file does not change.
  p[0] = 'X';
  EXPECT_EQ(std::string(p, 8), "X56789ab");
  EXPECT_EQ(contents(path), bytes);
  EXPECT_EQ(MappedFile::open(path, "[test] ")->bytes(), bytes);
  std::remove(path.c_str());
  // A tensor over the view.
  Tensor t(
      make_intrusive<TensorImpl>(s, kByte, std::vector<int64_t>{8}, std::vector<int64_t>{}, 0));
  EXPECT_EQ(t[1].item<int64_t>(), '5');
}

TEST(MappedFile, ViewsOutsideTheMappingAreRefused) {
  const std::string path = write_tmp("bounds", std::string(100, 'z'));
  auto map = MappedFile::open(path, "[test] ");
  std::remove(path.c_str());
  EXPECT_EQ(sd::view_storage(map, map->data(), 100)->nbytes(), 100u);
  EXPECT_EQ(sd::view_storage(map, map->data() + 100, 0)->nbytes(), 0u);
  for (auto [off, n] : {std::pair<size_t, size_t>{0, 101}, {1, 100}, {100, 1}, {50, SIZE_MAX}}) {
    std::string e = error_of([&] { sd::view_storage(map, map->data() + off, n); });
    EXPECT_EQ(e, "[serialize] view outside the mapped file") << off << " " << n;
  }
  const char before = 0;
  std::string e = error_of([&] { sd::view_storage(map, &before, 1); });
  EXPECT_EQ(e, "[serialize] view outside the mapped file");
}

TEST(MappedFile, TruncatedFilesAreErrorsNotCrashes) {
  // A file cut short before it is mapped: the readers see the shorter size and refuse.
  const std::string good = pt_fixtures::read_file(pt_fixtures::kDir + "views.pt");
  for (size_t n : {size_t{3}, good.size() / 2, good.size() - 1}) {
    const std::string path = write_tmp("trunc_pt", good.substr(0, n));
    EXPECT_EQ(MappedFile::open(path, "[test] ")->size(), n);
    EXPECT_THROW(pt_load(path), Error) << n;
    std::remove(path.c_str());
  }
  const std::string legacy = pt_fixtures::read_file(pt_fixtures::kDir + "legacy_views.pt");
  const std::string lpath = write_tmp("trunc_legacy", legacy.substr(0, legacy.size() - 1));
  EXPECT_TRUE(has(error_of([&] { pt_load(lpath); }), "is truncated"));
  std::remove(lpath.c_str());
  // safetensors: header length and body cut short.
  OrderedDict<std::string, Tensor> tensors;
  tensors.insert("x", arange(6, kFloat));
  const std::string st = safetensors_save_bytes(tensors);
  const std::string s1 = write_tmp("trunc_st1", st.substr(0, 5));
  EXPECT_TRUE(has(error_of([&] { safetensors_load(s1); }), "file is too small (5 bytes)"));
  std::remove(s1.c_str());
  const std::string s2 = write_tmp("trunc_st2", st.substr(0, st.size() - 4));
  EXPECT_THROW(safetensors_load(s2), Error);
  std::remove(s2.c_str());
  // The whole file loads, mapped.
  const std::string s3 = write_tmp("full_st", st);
  auto f = safetensors_load(s3);
  std::remove(s3.c_str());
  EXPECT_EQ(f.tensors.size(), 1u);
}
