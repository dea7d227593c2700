// Zip reader/writer for .pt files: round trips, PyTorch's alignment, zip64, and hostile archives.
#include "src/serialize/zip.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "ember/core/error.h"
#include "support/error_of.h"

using namespace ember::serialize::detail;

namespace {

std::string fixture(const std::string& name) {
  std::ifstream f(std::string(EMBER_GOLDEN_DIR) + "/../serialize/fixtures/pt/" + name,
                  std::ios::binary);
  EXPECT_TRUE(f.good()) << name;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::shared_ptr<const std::string> buf(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

std::string two_entries(bool zip64 = false) {
  ZipWriter w;
  w.set_force_zip64(zip64);
  w.add("archive/a", "hello");
  w.add("archive/data/0", std::string(100, 'x'));
  return w.finish();
}

void put32(std::string& s, size_t at, uint32_t v) { std::memcpy(&s[at], &v, 4); }

// Offset of the central directory header of entry `name`.
size_t central_of(const std::string& z, const std::string& name) {
  size_t p = 0;
  while ((p = z.find("PK\x01\x02", p)) != std::string::npos) {
    uint16_t n;
    std::memcpy(&n, &z[p + 28], 2);
    if (z.compare(p + 46, n, name) == 0) return p;
    p += 4;
  }
  ADD_FAILURE() << "no central header for " << name;
  return 0;
}

}  // namespace

TEST(Zip, RoundTripAndAlignment) {
  const std::string z = two_entries();
  ZipReader r(buf(z));
  ASSERT_EQ(r.entries().size(), 2u);
  EXPECT_EQ(r.names(), (std::vector<std::string>{"archive/a", "archive/data/0"}));
  EXPECT_EQ(r.read("archive/a"), "hello");
  EXPECT_EQ(r.read("archive/data/0"), std::string(100, 'x'));
  for (const auto& e : r.entries()) {
    EXPECT_EQ(e.data_offset % 64, 0u) << e.name;  // Note [PyTorch zip alignment]
    EXPECT_EQ(r.stored_view(e).data(), r.data().data() + e.data_offset);
  }
  EXPECT_EQ(r.find("missing"), nullptr);
  EXPECT_NE(error_of([&] { r.read("missing"); }).find("not found"), std::string::npos);
}

TEST(Zip, Zip64RoundTrip) {
  const std::string z = two_entries(true);
  ZipReader r(buf(z));
  EXPECT_EQ(r.read("archive/data/0"), std::string(100, 'x'));
  for (const auto& e : r.entries()) EXPECT_EQ(e.data_offset % 64, 0u);
}

TEST(Zip, ReadsPyTorchAndDeflatedArchives) {
  ZipReader torch_zip(buf(fixture("views.pt")));
  EXPECT_NE(torch_zip.find("views/data.pkl"), nullptr);
  ZipReader deflated(buf(fixture("deflated.pt")));
  const ZipEntry* e = deflated.find("views/data.pkl");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->method, 8);
  EXPECT_EQ(deflated.read(*e), torch_zip.read("views/data.pkl"));
  EXPECT_NE(error_of([&] { deflated.stored_view(*e); }).find("compressed"), std::string::npos);
}

TEST(Zip, RefusesNonZipAndTruncated) {
  EXPECT_NE(error_of([] { ZipReader(buf("")); }).find("too short"), std::string::npos);
  EXPECT_NE(error_of([] { ZipReader(buf(std::string(100, 'a'))); }).find("not a zip"),
            std::string::npos);
  const std::string z = two_entries();
  for (size_t n = 0; n < z.size(); ++n) {  // every truncation is refused cleanly
    EXPECT_THROW(ZipReader(buf(z.substr(0, n))).read("archive/data/0"), ember::Error) << n;
  }
}

TEST(Zip, EveryByteFlipIsCaughtOrHarmless) {
  const std::string z = two_entries();
  for (size_t i = 0; i < z.size(); ++i) {
    std::string bad = z;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    try {
      ZipReader r(buf(bad));
      for (const auto& e : r.entries()) (void)r.read(e);
    } catch (const ember::Error&) {
    }
  }
}

TEST(Zip, BadCrc) {
  std::string z = two_entries();
  ZipReader good(buf(z));
  z[good.find("archive/data/0")->data_offset + 3] = 'y';
  ZipReader r(buf(z));
  EXPECT_NE(error_of([&] { r.read("archive/data/0"); }).find("CRC-32 mismatch"), std::string::npos);
}

TEST(Zip, CorruptCentralDirectory) {
  std::string z = two_entries();
  const size_t eocd = z.rfind("PK\x05\x06");
  const size_t loc = z.rfind("PK\x06\x07");
  // Central directory offset pointing past the file, in the zip64 record and the plain one.
  std::string a = z;
  const size_t rec = z.rfind("PK\x06\x06");
  const uint64_t huge = 1ull << 40;
  std::memcpy(&a[rec + 48], &huge, 8);
  EXPECT_NE(error_of([&] { ZipReader(buf(a)); }).find("corrupt central directory"),
            std::string::npos);
  std::string b = z;
  put32(b, loc + 8, 0xfffffff0u);  // locator pointing nowhere
  EXPECT_NE(error_of([&] { ZipReader(buf(b)); }).find("locator"), std::string::npos);
  std::string c = z;
  c[central_of(z, "archive/a")] = 'Q';  // bad central signature
  EXPECT_NE(error_of([&] { ZipReader(buf(c)); }).find("corrupt central directory"),
            std::string::npos);
  (void)eocd;
}

TEST(Zip, RecordSizesThatLie) {
  const std::string z = two_entries();
  const size_t c = central_of(z, "archive/data/0");
  std::string a = z;
  put32(a, c + 20, 1u << 30);  // compressed size past the data
  put32(a, c + 24, 1u << 30);
  EXPECT_NE(error_of([&] { ZipReader(buf(a)); }).find("past the end"), std::string::npos);
  std::string b = z;
  put32(b, c + 24, 99);  // stored with differing sizes
  EXPECT_NE(error_of([&] { ZipReader(buf(b)); }).find("stored zip entry"), std::string::npos);
  std::string d = z;
  put32(d, c + 42, 7);  // local header offset pointing into another record
  EXPECT_THROW(ZipReader(buf(d)), ember::Error);
}

TEST(Zip, UnsafeAndDuplicateNames) {
  for (const char* name : {"../evil", "archive/../../x", "/etc/passwd", "C:/x", "a\\b"}) {
    ZipWriter w;
    w.add(name, "x");
    EXPECT_NE(error_of([&] { ZipReader(buf(w.finish())); }).find("unsafe zip entry name"),
              std::string::npos)
        << name;
  }
  ZipWriter w;
  w.add("archive/a1", "x");
  w.add("archive/a2", "y");
  std::string z = w.finish();
  size_t p;
  while ((p = z.find("archive/a2")) != std::string::npos) z[p + 9] = '1';
  EXPECT_NE(error_of([&] { ZipReader(buf(z)); }).find("duplicate zip entry name"),
            std::string::npos);
  ZipWriter w2;
  w2.add("a", "x");
  EXPECT_THROW(w2.add("a", "y"), ember::Error);
}

TEST(Zip, DecompressionBombs) {
  // Inflates to 1 MiB but declares 4 KiB: stops at the declared size.
  ZipReader r(buf(fixture("bomb.zip")));
  EXPECT_NE(error_of([&] { r.read("archive/data/0"); }).find("more than its declared"),
            std::string::npos);
  // Declaring far more than deflate can produce from the compressed bytes is refused up front.
  std::string z = fixture("deflated.pt");
  const size_t c = central_of(z, "views/data/0");
  put32(z, c + 24, 0xfffffff0u);
  EXPECT_NE(error_of([&] { ZipReader(buf(z)); }).find("decompression bomb"), std::string::npos);
  // Declaring less than the stream holds, or a truncated stream.
  std::string t = fixture("deflated.pt");
  ZipReader good(buf(t));
  const ZipEntry* e = good.find("views/data.pkl");
  put32(t, central_of(t, "views/data.pkl") + 20, static_cast<uint32_t>(e->compressed_size / 2));
  EXPECT_THROW(ZipReader(buf(t)).read("views/data.pkl"), ember::Error);
}
