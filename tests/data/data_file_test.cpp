// DataFile: raw and gzip dataset files read as hostile input.
#include "src/data/data_file.h"

#include <gtest/gtest.h>

#include "data/files.h"
#include "ember/core/error.h"

using ember::data::detail::DataFile;
using namespace ember_test;

TEST(DataFile, RawAndGzipReadTheSame) {
  auto dir = temp_dir("datafile");
  Bytes b;
  for (int i = 0; i < 100000; ++i) b.push_back(static_cast<uint8_t>(i * 31));
  write_raw(dir + "/raw", b);
  write_gz(dir + "/packed.gz", b);
  for (const char* name : {"/raw", "/packed"}) {
    DataFile f("Test", dir + name);
    EXPECT_EQ(f.compressed(), std::string(name) == "/packed");
    EXPECT_EQ(f.read_u32_be("header"), 0x001f3e5du);
    Bytes rest(99996);
    f.read_exact(rest.data(), rest.size(), "body");
    EXPECT_EQ(rest.back(), b.back());
    f.expect_end("body");
  }
  DataFile again("Test", dir + "/packed");
  EXPECT_EQ(again.read_rest(), b);
}

TEST(DataFile, Errors) {
  auto dir = temp_dir("datafile_err");
  EXPECT_THROW(DataFile("Test", dir + "/nothing"), ember::Error);
  write_raw(dir + "/short", Bytes{1, 2});
  DataFile f("Test", dir + "/short");
  try {
    f.read_u32_be("magic");
    FAIL() << "no error";
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("[Test] " + dir + "/short: truncated"), std::string::npos)
        << e.what();
  }
  write_gz(dir + "/empty.gz", Bytes{});
  DataFile empty("Test", dir + "/empty");
  EXPECT_TRUE(empty.read_rest().empty());
}
