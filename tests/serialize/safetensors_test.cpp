// safetensors: fixtures written by tools/gen_safetensors_fixtures.py (PyTorch bytes, reference
// writer layout), zero-copy mmap loads, round trips, PyTorch reading ember's files, and every
// kind of hostile header.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ember/ember.h"

using namespace ember;
using namespace ember::serialize;

namespace {

const std::string kFixtures = std::string(EMBER_GOLDEN_DIR) + "/../serialize/fixtures/";
const std::string kScript =
    std::string(EMBER_GOLDEN_DIR) + "/../../tools/gen_safetensors_fixtures.py";

std::string tmp_path(const std::string& name) {
  return ::testing::TempDir() + "/ember_st_" + name + "_" + std::to_string(::getpid()) +
         ".safetensors";
}
std::string read_all(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void write_all(const std::string& p, const std::string& b) {
  std::ofstream f(p, std::ios::binary);
  f << b;
}

// Same dtype, shape and bytes (NaN and -0.0 compare exactly).
bool same(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.sizes() != b.sizes()) return false;
  Tensor x = a.contiguous(), y = b.contiguous();
  return x.nbytes() == y.nbytes() &&
         (x.nbytes() == 0 || std::memcmp(x.data_ptr(), y.data_ptr(), x.nbytes()) == 0);
}

// Mirrors `values` in tools/gen_safetensors_fixtures.py.
Tensor expected_values(ScalarType dtype, std::vector<int64_t> shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  Tensor t;
  if (dtype == kBool)
    t = arange(n, kLong).remainder(3).eq(0);
  else if (dtype == kByte)
    t = arange(n, kLong).mul(7).remainder(256).to(kByte);
  else if (is_floating(dtype))
    t = arange(n, kDouble).sub(3).mul(0.25).to(dtype);
  else
    t = arange(n, kLong).sub(3).to(dtype);
  return t.reshape(shape);
}

// A file from a header text and a data buffer; `pad` pads the header with spaces to 8 bytes.
std::string make_file(std::string header, const std::string& data = "", bool pad = true) {
  if (pad) header.append((8 - header.size() % 8) % 8, ' ');
  uint64_t n = header.size();
  std::string out(reinterpret_cast<const char*>(&n), 8);
  return out + header + data;
}
std::string with_length(uint64_t n, const std::string& rest) {
  return std::string(reinterpret_cast<const char*>(&n), 8) + rest;
}

// Address range of the mapping of `path` in this process, or {0, 0}.
std::pair<uintptr_t, uintptr_t> mapping_of(const std::string& path) {
  char real[4096];
  if (!::realpath(path.c_str(), real)) return {0, 0};
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() < std::strlen(real) ||
        line.compare(line.size() - std::strlen(real), std::string::npos, real) != 0)
      continue;
    uintptr_t lo = 0, hi = 0;
    std::sscanf(line.c_str(), "%lx-%lx", &lo, &hi);
    return {lo, hi};
  }
  return {0, 0};
}
bool in_mapping(const Tensor& t, std::pair<uintptr_t, uintptr_t> m) {
  auto p = reinterpret_cast<uintptr_t>(t.data_ptr());
  return p >= m.first && p < m.second;
}

// Runs `cmd`, returns its exit status and output.
std::pair<int, std::string> run(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, "popen failed"};
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  return {::pclose(p), out};
}

// Runs the checker with "python3" from PATH, else Debian's /usr/bin/python3 (the one that has
// torch); status 77 from every interpreter means torch is not importable.
std::pair<int, std::string> run_checker(const std::string& args) {
  std::pair<int, std::string> r{77 << 8, ""};
  for (const char* py : {"python3", "/usr/bin/python3"}) {
    r = run(std::string(py) + " '" + kScript + "' " + args);
    if (WIFEXITED(r.first) && WEXITSTATUS(r.first) != 77 && WEXITSTATUS(r.first) != 127) break;
  }
  return r;
}

const SafetensorsMetadata kAllDtypesMetadata = {{"format", "pt"},
                                                {"note", "quotes \" and \\ and \xc3\xa9\n"}};

}  // namespace

TEST(Safetensors, LoadsEveryDtypeFromPyTorchFixture) {
  SafetensorsFile f = safetensors_load(kFixtures + "all_dtypes.safetensors");
  const std::pair<const char*, ScalarType> dtypes[] = {
      {"bool", kBool},     {"u8", kByte}, {"i8", kChar},   {"i16", kShort},  {"f16", kHalf},
      {"bf16", kBFloat16}, {"i32", kInt}, {"f32", kFloat}, {"f64", kDouble}, {"i64", kLong}};
  // Order in the generator: BOOL U8 I8 I16 F16 BF16 I32 F32 F64 I64, shapes cycling.
  const std::vector<std::vector<int64_t>> shapes = {{2, 3}, {5}, {3, 1, 2}};
  int i = 0;
  for (const auto& [name, dt] : dtypes) {
    const Tensor* t = f.tensors.find(std::string("t_") + name);
    ASSERT_NE(t, nullptr) << name;
    EXPECT_TRUE(same(*t, expected_values(dt, shapes[i % 3]))) << name << "\n" << *t;
    ++i;
  }
  EXPECT_TRUE(same(f.tensors["scalar_f32"], tensor(1.5f)));
  EXPECT_EQ(f.tensors["scalar_f32"].dim(), 0);
  EXPECT_TRUE(same(f.tensors["scalar_i64"], tensor(int64_t(-7))));
  EXPECT_TRUE(same(f.tensors["empty_f32"], zeros({0, 3})));
  EXPECT_TRUE(same(f.tensors["empty_bool"], zeros({2, 0}, kBool)));
  Tensor special = f.tensors["special"];
  ASSERT_EQ(special.numel(), 6);
  const float* s = special.data_ptr<float>();
  EXPECT_TRUE(std::isinf(s[0]) && s[0] > 0);
  EXPECT_TRUE(std::isinf(s[1]) && s[1] < 0);
  EXPECT_TRUE(std::isnan(s[2]));
  EXPECT_TRUE(s[3] == 0 && std::signbit(s[3]));
  EXPECT_EQ(s[4], 1e-45f);
  EXPECT_EQ(s[5], 3.4e38f);
  EXPECT_TRUE(same(f.tensors["layer.0.weight"], expected_values(kFloat, {4, 2}).t().contiguous()));
  EXPECT_EQ(f.tensors.size(), 16u);
  EXPECT_EQ(f.metadata, kAllDtypesMetadata);
  // File order: the reference writer's (I64 first, BOOL last).
  EXPECT_EQ(f.tensors[0].key(), "scalar_i64");
  EXPECT_EQ(f.tensors[f.tensors.size() - 1].key(), "t_bool");
}

TEST(Safetensors, MetadataOnlyAndUnalignedFixtures) {
  SafetensorsFile m = safetensors_load(kFixtures + "metadata_only.safetensors");
  EXPECT_TRUE(m.tensors.is_empty());
  EXPECT_EQ(m.metadata, (SafetensorsMetadata{{"framework", "pt"}, {"empty", ""}}));

  std::string path = kFixtures + "unaligned.safetensors";
  SafetensorsFile u = safetensors_load(path);
  EXPECT_TRUE(same(u.tensors["a_u8"], expected_values(kByte, {3})));
  EXPECT_TRUE(same(u.tensors["b_f32"], expected_values(kFloat, {2, 2})));
  EXPECT_TRUE(same(u.tensors["c_i64"], expected_values(kLong, {3})));
  // Unaligned data is copied into aligned storage; aligned data (U8) is viewed in place.
  auto m_range = mapping_of(path);
  ASSERT_NE(m_range.first, 0u);
  EXPECT_TRUE(in_mapping(u.tensors["a_u8"], m_range));
  EXPECT_FALSE(in_mapping(u.tensors["b_f32"], m_range));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(u.tensors["b_f32"].data_ptr()) % 4, 0u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(u.tensors["c_i64"].data_ptr()) % 8, 0u);
}

TEST(Safetensors, ZeroCopyViewsTheMappingAndOutlivesTheFile) {
  std::string path = tmp_path("zero_copy");
  write_all(path, read_all(kFixtures + "all_dtypes.safetensors"));
  Tensor kept;
  {
    SafetensorsFile f = safetensors_load(path);
    auto range = mapping_of(path);
    ASSERT_NE(range.first, 0u);
    for (const auto& item : f.tensors) {
      if (item.value().numel() == 0) continue;
      EXPECT_TRUE(in_mapping(item.value(), range)) << item.key();
    }
    kept = f.tensors["t_f64"];
  }
  // The last tensor keeps the mapping alive; dropping it unmaps the file.
  EXPECT_NE(mapping_of(path).first, 0u);
  EXPECT_TRUE(same(kept, expected_values(kDouble, {3, 1, 2})));
  kept = Tensor();
  EXPECT_EQ(mapping_of(path).first, 0u);
  std::remove(path.c_str());
}

TEST(Safetensors, WritesToLoadedTensorsNeverReachTheFile) {
  std::string path = tmp_path("cow");
  std::string original = read_all(kFixtures + "all_dtypes.safetensors");
  write_all(path, original);
  {
    SafetensorsFile f = safetensors_load(path);
    f.tensors["t_f32"].fill_(42);
    f.tensors["t_i64"].add_(1);
    EXPECT_EQ(f.tensors["t_f32"].sum().item<double>(), 42.0 * 5);
    SafetensorsFile again = safetensors_load(path);
    EXPECT_TRUE(same(again.tensors["t_f32"], expected_values(kFloat, {5})));
  }
  EXPECT_EQ(read_all(path), original);
  std::remove(path.c_str());
}

TEST(Safetensors, WriterMatchesTheReferenceBytes) {
  // Byte-identical to the fixture the generator wrote in the reference layout.
  SafetensorsFile f = safetensors_load(kFixtures + "all_dtypes.safetensors");
  EXPECT_EQ(safetensors_save_bytes(f.tensors, f.metadata),
            read_all(kFixtures + "all_dtypes.safetensors"));
  SafetensorsFile m = safetensors_load(kFixtures + "metadata_only.safetensors");
  EXPECT_EQ(safetensors_save_bytes(m.tensors, m.metadata),
            read_all(kFixtures + "metadata_only.safetensors"));
  // The reference implementation's own unit tests (test_serialization, test_empty).
  OrderedDict<std::string, Tensor> d;
  d.insert("attn.0", arange(6, kFloat).view({1, 2, 3}));
  std::string want =
      make_file("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}",
                std::string(static_cast<const char*>(d["attn.0"].data_ptr()), 24));
  EXPECT_EQ(want.substr(0, 8), std::string("\x40\0\0\0\0\0\0\0", 8));
  EXPECT_EQ(safetensors_save_bytes(d), want);
  EXPECT_EQ(safetensors_save_bytes(OrderedDict<std::string, Tensor>()),
            std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
  EXPECT_EQ(safetensors_save_bytes(OrderedDict<std::string, Tensor>(), {{"framework", "pt"}}),
            make_file("{\"__metadata__\":{\"framework\":\"pt\"}}"));
}

TEST(Safetensors, RoundTripsThroughFilesStreamsAndBytes) {
  OrderedDict<std::string, Tensor> d;
  d.insert("w", randn({3, 4}));
  d.insert("w_t", randn({4, 5}).t());  // non-contiguous
  d.insert("h", randn({7}).to(kHalf));
  d.insert("b", randn({2, 2}).to(kBFloat16));
  d.insert("mask", randn({5}).gt(0));
  d.insert("idx", randint(0, 100, {6}));
  d.insert("s", tensor(3));
  d.insert("e", zeros({0}, kChar));
  d.insert("x", arange(3, kShort).view({3, 1, 1}).expand({3, 2, 2}));
  Tensor g = randn({2}).requires_grad_();
  d.insert("grad", g.mul(2));
  SafetensorsMetadata meta = {{"k", "v"}, {"\xe2\x9c\x93 unicode", "tab\tnewline\n\x01"}};
  auto check = [&](const SafetensorsFile& f) {
    ASSERT_EQ(f.tensors.size(), d.size());
    for (const auto& item : d) {
      const Tensor* t = f.tensors.find(item.key());
      ASSERT_NE(t, nullptr) << item.key();
      EXPECT_TRUE(same(*t, item.value().detach())) << item.key();
      EXPECT_FALSE(t->requires_grad());
    }
    EXPECT_EQ(f.metadata, meta);
  };
  std::string path = tmp_path("round_trip");
  safetensors_save(d, path, meta);
  check(safetensors_load(path));
  check(safetensors_load_bytes(read_all(path)));
  std::stringstream ss;
  safetensors_save(d, ss, meta);
  EXPECT_EQ(ss.str(), read_all(path));
  check(safetensors_load(ss));
  std::remove(path.c_str());
}

TEST(Safetensors, PyTorchReadsWhatEmberWrites) {
  SafetensorsFile f = safetensors_load(kFixtures + "all_dtypes.safetensors");
  // Rebuild the fixture's tensors from scratch so nothing is copied from the file.
  OrderedDict<std::string, Tensor> d;
  for (const auto& item : f.tensors) d.insert(item.key(), item.value().clone());
  d["layer.0.weight"] = expected_values(kFloat, {4, 2}).t();  // written contiguous
  std::string path = tmp_path("for_python"), path2 = tmp_path("for_python_random");
  safetensors_save(d, path, kAllDtypesMetadata);
  // And a file with random contents, checked for format validity and readability.
  OrderedDict<std::string, Tensor> r;
  r.insert("a", randn({3, 3}));
  r.insert("b", randn({4}).to(kBFloat16));
  r.insert("c", tensor({true, false, true}));
  safetensors_save(r, path2);
  auto [rc, out] =
      run_checker("--check '" + path + "' --expect all_dtypes --check '" + path2 + "'");
  std::remove(path.c_str());
  std::remove(path2.c_str());
  if (WIFEXITED(rc) && (WEXITSTATUS(rc) == 77 || WEXITSTATUS(rc) == 127))
    GTEST_SKIP() << "python3 with torch is not available";
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("a F32 [3, 3]"), std::string::npos) << out;
}

namespace {
struct BadCase {
  const char* what;
  std::string bytes;
  const char* message;  // a substring of the expected error
};

std::string f32_data(int n) { return std::string(static_cast<size_t>(n) * 4, '\0'); }

std::vector<BadCase> bad_cases() {
  const std::string e1 = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
  auto one = [](const std::string& body) { return "{\"a\":{" + body + "}}"; };
  std::string dims65 = "1";
  for (int i = 0; i < 64; ++i) dims65 += ",1";
  std::vector<BadCase> c = {
      {"empty file", "", "too small (0 bytes)"},
      {"7 bytes", std::string(7, '\0'), "too small (7 bytes)"},
      {"header length 0", with_length(0, ""), "header length is 0"},
      {"header over the limit", with_length(100000001, "{}"), "exceeds the limit of 100000000"},
      {"header length u64 max", with_length(UINT64_MAX, "{}"), "exceeds the limit"},
      {"header past the end", with_length(16, "{}      "), "reaches past the end of the file"},
      {"not an object", make_file("[]"), "does not start with '{'"},
      {"leading space", make_file(" {}"), "does not start with '{'"},
      {"bad JSON", make_file("{abc}"), "invalid JSON header: expected a string key at byte 1"},
      {"truncated JSON", make_file("{\"a\":{\"dtype\":"), "invalid JSON header"},
      {"not UTF-8", make_file("{\"\xff\":1}"), "not valid UTF-8 at byte 2"},
      {"overlong UTF-8", make_file("{\"\xc0\xaf\":1}"), "not valid UTF-8"},
      {"trailing garbage", make_file("{} x"), "trailing characters"},
      {"padding with NUL", make_file("{}", "", false) + std::string("\0\0\0\0\0\0", 6),
       "trailing bytes"},
      {"header NUL padding", with_length(8, std::string("{}\0\0\0\0\0\0", 8)),
       "trailing characters"},
      {"duplicate tensor", make_file(e1 + "," + e1.substr(1) + "}", f32_data(1)),
       "duplicate key 'a'"},
      {"duplicate __metadata__", make_file("{\"__metadata__\":{},\"__metadata__\":{}}"),
       "duplicate key '__metadata__'"},
      {"duplicate metadata key", make_file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"),
       "duplicate key 'k' in __metadata__"},
      {"metadata number", make_file("{\"__metadata__\":{\"k\":1}}"), "'k' is not a string"},
      {"metadata nested", make_file("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}"),
       "'k' is not a string"},
      {"metadata array", make_file("{\"__metadata__\":[\"k\"]}"), "__metadata__ must be an object"},
      {"entry not object", make_file("{\"a\":[1]}"), "tensor 'a' is not an object"},
      {"missing shape", make_file(one("\"dtype\":\"F32\",\"data_offsets\":[0,4]"), f32_data(1)),
       "tensor 'a' has no shape"},
      {"missing dtype", make_file(one("\"shape\":[1],\"data_offsets\":[0,4]"), f32_data(1)),
       "tensor 'a' has no dtype"},
      {"missing offsets", make_file(one("\"dtype\":\"F32\",\"shape\":[1]"), f32_data(1)),
       "tensor 'a' has no data_offsets"},
      {"extra key",
       make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1"),
                 f32_data(1)),
       "unexpected key 'x'"},
      {"repeated dtype",
       make_file(one("\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]"),
                 f32_data(1)),
       "has 'dtype' twice"},
      {"unknown dtype", make_file(one("\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,4]")),
       "unknown dtype 'F128'"},
      {"lowercase dtype", make_file(one("\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]")),
       "unknown dtype 'f32'"},
      {"U16", make_file(one("\"dtype\":\"U16\",\"shape\":[1],\"data_offsets\":[0,2]"), "xx"),
       "dtype U16, which ember does not support"},
      {"F8_E4M3", make_file(one("\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]"), "x"),
       "dtype F8_E4M3, which ember does not support"},
      {"U64", make_file(one("\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[0,8]"), "12345678"),
       "dtype U64"},
      {"dtype number", make_file(one("\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]")),
       "dtype is not a string"},
      {"negative dim", make_file(one("\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]")),
       "shape: expected a non-negative integer, got -1 (negative)"},
      {"fractional dim", make_file(one("\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]")),
       "got 1.0 (not an integer)"},
      {"exponent dim", make_file(one("\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]")),
       "not an integer"},
      {"huge dim",
       make_file(one("\"dtype\":\"F32\",\"shape\":[18446744073709551616],\"data_offsets\":[0,4]")),
       "too large"},
      {"dim over int64",
       make_file(one("\"dtype\":\"F32\",\"shape\":[9223372036854775808],\"data_offsets\":[0,4]")),
       "shape entry 9223372036854775808 is too large"},
      {"string dim", make_file(one("\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]")),
       "shape holds a non-number"},
      {"shape not array", make_file(one("\"dtype\":\"F32\",\"shape\":1,\"data_offsets\":[0,4]")),
       "shape is not an array"},
      {"65 dims",
       make_file(one("\"dtype\":\"F32\",\"shape\":[" + dims65 + "],\"data_offsets\":[0,4]"),
                 f32_data(1)),
       "more than 64 dimensions"},
      {"3 offsets", make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,4]")),
       "data_offsets has more than 2 entries"},
      {"1 offset", make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]")),
       "data_offsets has 1 entries"},
      {"negative offset", make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]")),
       "negative"},
      {"offsets object", make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}")),
       "data_offsets is not an array"},
      {"end before begin",
       make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]"), f32_data(1)),
       "end before begin"},
      {"gap at start",
       make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]"), f32_data(2)),
       "leave a gap"},
      {"gap between",
       make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
                 f32_data(3)),
       "tensor 'b': data_offsets [8, 12] leave a gap after the previous tensor (which ends at 4)"},
      {"overlap",
       make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                 f32_data(3)),
       "tensor 'b': data_offsets [4, 12] overlap the previous tensor"},
      {"same offsets",
       make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                 "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                 f32_data(1)),
       "overlap"},
      {"past the end",
       make_file(one("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]"), f32_data(1)),
       "reach past the end of the data buffer (4 bytes)"},
      {"huge end",
       make_file(one("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]")),
       "reach past the end"},
      {"size mismatch",
       make_file(one("\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]"), f32_data(2)),
       "hold 8 bytes but shape [3] of F32 needs 12"},
      {"dtype size mismatch",
       make_file(one("\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,4]"), f32_data(1)),
       "needs 8"},
      {"numel overflow",
       make_file(
           one("\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,16],\"data_offsets\":[0,4]"),
           f32_data(1)),
       "times the element size overflows"},
      {"nbytes overflow",
       make_file(one("\"dtype\":\"F64\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]")),
       "overflows"},
      {"empty with huge dims",
       make_file(one("\"dtype\":\"F32\",\"shape\":[0,1099511627776,1099511627776],"
                     "\"data_offsets\":[0,0]")),
       "is too large"},
      {"trailing bytes", make_file(e1 + "}", f32_data(2)), "4 trailing bytes"},
      {"data without tensors", make_file("{}", "abc"), "3 trailing bytes"},
      {"bad bool",
       make_file(one("\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]"),
                 std::string("\1\0\2", 3)),
       "holds byte value 2 at element 2"},
      {"lone surrogate key", make_file("{\"\\ud800\":{}}"), "lone leading surrogate"},
      {"control char in key", make_file("{\"a\tb\":{}}"), "control character in a string"},
      {"trailing comma", make_file("{\"__metadata__\":{\"k\":\"v\",}}"), "expected a string key"},
  };
  return c;
}
}  // namespace

TEST(Safetensors, HostileFilesFailWithClearErrors) {
  std::string path = tmp_path("bad");
  for (const BadCase& c : bad_cases()) {
    for (int via_file = 0; via_file < 2; ++via_file) {
      std::string msg;
      try {
        if (via_file) {
          write_all(path, c.bytes);
          safetensors_load(path);
        } else {
          safetensors_load_bytes(c.bytes);
        }
      } catch (const Error& e) {
        msg = e.what();
      }
      std::string prefix = "[safetensors] " + (via_file ? path : std::string("<bytes>")) + ": ";
      EXPECT_EQ(msg.rfind(prefix, 0), 0u) << c.what << ": " << msg;
      EXPECT_NE(msg.find(c.message), std::string::npos)
          << c.what << (via_file ? " (file)" : " (bytes)") << ": got '" << msg << "'";
    }
  }
  std::remove(path.c_str());
}

TEST(Safetensors, AcceptsWhatTheFormatAllows) {
  // null __metadata__, whitespace inside and after the JSON, keys in any order, offsets listed
  // out of order, an unpadded header, escaped names.
  std::string data = f32_data(1) + std::string("\1\0", 2);
  std::string header =
      "{ \"b\" : {\"shape\":[2], \"data_offsets\":[4,6],\"dtype\":\"BOOL\"},\n"
      "\"__metadata__\":null, \"a\\u00e9\\n\":{\"dtype\":\"F32\",\"shape\":[1],"
      "\"data_offsets\":[0,4]}}\t\r\n ";
  for (bool pad : {false, true}) {
    SafetensorsFile f = safetensors_load_bytes(make_file(header, data, pad));
    ASSERT_EQ(f.tensors.size(), 2u);
    EXPECT_EQ(f.tensors[0].key(), "a\xc3\xa9\n");
    EXPECT_TRUE(same(f.tensors[1].value(), tensor({true, false})));
    EXPECT_TRUE(f.metadata.empty());
  }
}

TEST(Safetensors, PathAndWriterErrors) {
  auto message = [](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string missing = tmp_path("missing");
  EXPECT_NE(message([&] { safetensors_load(missing); }).find("cannot open"), std::string::npos);
  EXPECT_NE(message([&] { safetensors_load(::testing::TempDir()); }).find("not a regular file"),
            std::string::npos);

  std::string path = tmp_path("keep");
  OrderedDict<std::string, Tensor> good;
  good.insert("x", ones({2}));
  safetensors_save(good, path);
  std::string before = read_all(path);
  OrderedDict<std::string, Tensor> bad;
  bad.insert("u", Tensor());
  EXPECT_NE(message([&] {
              safetensors_save(bad, path);
            }).find("[safetensors] " + path + ": tensor 'u' is undefined"),
            std::string::npos);
  EXPECT_EQ(read_all(path), before);  // a failed save leaves the previous file intact
  OrderedDict<std::string, Tensor> meta_name;
  meta_name.insert("__metadata__", ones({1}));
  EXPECT_NE(message([&] { safetensors_save_bytes(meta_name); }).find("cannot be a tensor name"),
            std::string::npos);
  OrderedDict<std::string, Tensor> bad_utf8;
  bad_utf8.insert("\xff", ones({1}));
  EXPECT_NE(message([&] { safetensors_save_bytes(bad_utf8); }).find("not valid UTF-8"),
            std::string::npos);
  EXPECT_NE(message([&] {
              safetensors_save_bytes(good, {{"k", "1"}, {"k", "2"}});
            }).find("duplicate metadata key 'k'"),
            std::string::npos);
  std::remove(path.c_str());
}
