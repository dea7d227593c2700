// src/serialize/legacy.cpp: PyTorch's legacy (non-zip, before 1.6) torch.save format, read only:
// five pickles (magic number, protocol version, sys_info, the object, the storage keys) and the
// raw storages. Files written by PyTorch 1.13 with _use_new_zipfile_serialization=False.
#include "src/serialize/legacy.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ember/ember.h"
#include "ember/serialize/pt.h"
#include "serialize/pt_fixtures.h"
#include "src/serialize/pickle.h"
#include "support/error_of.h"

using namespace ember;
using namespace ember::serialize;
using namespace pt_fixtures;
using namespace std::string_literals;
namespace sd = ember::serialize::detail;

namespace {

// base = torch.tensor([[1, 2, 3], [4, 5, 6]])
// torch.save({'e': torch.empty(0, 3), 'd': torch.tensor([1.5, -2.0], dtype=torch.float64),
//             'it': base.t(), 'row': base[1], 'h': torch.tensor([0.5, -3.0], dtype=torch.float16),
//             'b': torch.tensor([True, False])}, f, _use_new_zipfile_serialization=False)
// Five storages (one empty, one shared by two tensors); the key list is sorted as strings, not
// in order of first use.
const char kMulti[] =
    "\x80\x02\x8a\x0al\xfc\x9c"
    "F\xf9 j\xa8P\x19.\x80\x02M\xe9\x03.\x80\x02}q\x00(X\x10\x00\x00"
    "\x00protocol_versionq\x01M\xe9\x03X\x0d\x00\x00\x00little_endianq\x02\x88X\x0a\x00\x00\x00"
    "type_sizesq\x03}q\x04(X\x05\x00\x00\x00shortq\x05K\x02X\x03\x00\x00\x00intq\x06K\x04X\x04"
    "\x00\x00\x00longq\x07K\x04uu.\x80\x02}q\x00(X\x01\x00\x00\x00"
    "eq\x01"
    "ctorch._utils\x0a"
    "_rebuild_tensor_v2\x0aq\x02((X\x07\x00\x00\x00storageq\x03"
    "ctorch\x0a"
    "FloatStorage\x0a"
    "q\x04X\x09\x00\x00\x00"
    "288116960q\x05X\x03\x00\x00\x00"
    "cpuq\x06K\x00Ntq\x07QK\x00K\x00"
    "K\x03\x86q\x08K\x03K\x01\x86q\x09\x89"
    "ccollections\x0aOrderedDict\x0aq\x0a)Rq\x0btq\x0c"
    "Rq\x0dX\x01\x00\x00\x00"
    "dq\x0eh\x02((h\x03"
    "ctorch\x0a"
    "DoubleStorage\x0aq\x0fX\x09\x00"
    "\x00\x00"
    "288117200q\x10h\x06K\x02Ntq\x11QK\x00K\x02\x85q\x12K\x01\x85q\x13\x89h\x0a)Rq"
    "\x14tq\x15Rq\x16X\x02\x00\x00\x00itq\x17h\x02((h\x03"
    "ctorch\x0aLongStorage\x0aq\x18X\x09"
    "\x00\x00\x00"
    "288222736q\x19h\x06K\x06Ntq\x1aQK\x00K\x03K\x02\x86q\x1bK\x01K\x03\x86q\x1c"
    "\x89h\x0a)Rq\x1dtq\x1eRq\x1fX\x03\x00\x00\x00rowq h\x02((h\x03h\x18X\x09\x00\x00\x00"
    "2"
    "88222736q!h\x06K\x06Ntq\x22QK\x03K\x03\x85q#K\x01\x85q$\x89h\x0a)Rq%tq&Rq'X\x01\x00\x00\x00"
    "hq(h\x02((h\x03"
    "ctorch\x0aHalfStorage\x0aq)X\x09\x00\x00\x00"
    "288125504q*h\x06K\x02Nt"
    "q+QK\x00K\x02\x85q,K\x01\x85q-\x89h\x0a)Rq.tq/Rq0X\x01\x00\x00\x00"
    "bq1h\x02((h\x03"
    "c"
    "torch\x0a"
    "BoolStorage\x0aq2X\x09\x00\x00\x00"
    "226150512q3h\x06K\x02Ntq4QK\x00K\x02\x85"
    "q5K\x01\x85q6\x89h\x0a)Rq7tq8Rq9u.\x80\x02]q\x00(X\x09\x00\x00\x00"
    "226150512q\x01X\x09"
    "\x00\x00\x00"
    "288116960q\x02X\x09\x00\x00\x00"
    "288117200q\x03X\x09\x00\x00\x00"
    "28812"
    "5504q\x04X\x09\x00\x00\x00"
    "288222736q\x05"
    "e.\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00"
    "\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    "\xf8?\x00\x00\x00\x00\x00\x00\x00\xc0\x02\x00\x00\x00\x00\x00\x00\x00\x00"
    "8\x00\xc2\x06"
    "\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00"
    "\x00\x03\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00"
    "\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00";
const std::string multi() { return std::string(kMulti, sizeof(kMulti) - 1); }

// The five pickles of a legacy file and the storage bytes after them.
struct Parts {
  std::string magic, version, sys_info, object, keys, tail;
  std::string join() const { return magic + version + sys_info + object + keys + tail; }
};
Parts split(const std::string& b) {
  std::vector<std::string> p;
  size_t pos = 15;  // the magic-number pickle is 15 bytes in protocol 2
  p.push_back(b.substr(0, pos));
  auto any_storage = [](const std::string&, ScalarType dt, int64_t n) {
    return make_intrusive<StorageImpl>(static_cast<size_t>(n) * element_size(dt), cpu_allocator(),
                                       Device(kCPU));
  };
  for (int i = 0; i < 4; ++i) {
    size_t used = 0;
    sd::unpickle(std::string_view(b).substr(pos), any_storage, {}, &used);
    p.push_back(b.substr(pos, used));
    pos += used;
  }
  return {p[0], p[1], p[2], p[3], p[4], b.substr(pos)};
}

std::string load_error(const std::string& bytes) {
  return error_of([&] { sd::load_legacy(bytes); });
}
bool has(const std::string& msg, const std::string& part) {
  return msg.find(part) != std::string::npos;
}

}  // namespace

// Moved from pt_test.cpp.
TEST(PtLoadLegacy, FilesFromBeforeTheZipFormat) {
  // torch.save(..., _use_new_zipfile_serialization=False)
  IValue a = pt_load(kDir + "legacy.pt");
  EXPECT_TRUE(all_close(at(a, "a").toTensor(), ember::ones({2}), 0, 0));
  expect_views_fixture(pt_load(kDir + "legacy_views.pt"));
  expect_views_fixture(pt_load(kDir + "legacy_views_p4.pt"));  // FRAME, MEMOIZE
  expect_views_fixture(pt_load_bytes(read_file(kDir + "legacy_views.pt")));
  expect_nested_fixture(pt_load(kDir + "legacy_nested.pt"));
  nn::Sequential m(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                   nn::Conv2d(4, 2, 3), nn::Tanh(), nn::Flatten(), nn::Linear(8, 5));
  auto r = m->load_state_dict(load_file(kDir + "legacy_cnn.pt"));
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  auto io = pt_load_tensors(kDir + "cnn_io.pt");
  NoGradGuard ng;
  EXPECT_TRUE(all_close(m->forward(io["x"]), io["y"], 1e-5, 1e-6));
}

// Moved from pt_test.cpp.
TEST(PtLoadLegacy, HostileFiles) {
  const std::string good = read_file(kDir + "legacy_views.pt");
  const size_t tail = good.size() - 24 * 4 - 8;  // count + 24 floats of the one storage
  auto err = [](const std::string& bytes) { return error_of([&] { pt_load_bytes(bytes); }); };
  // Wrong magic number, protocol version, endianness.
  std::string bad = good;
  bad[5] ^= 1;
  EXPECT_NE(err(bad).find("without the legacy magic number"), std::string::npos);
  bad = good;
  ASSERT_EQ(bad.substr(15, 6), "\x80\x02M\xe9\x03."s);
  bad[18] = 'x';
  EXPECT_NE(err(bad).find("unsupported protocol version"), std::string::npos);
  bad = good;
  const size_t le = bad.find("little_endian");
  ASSERT_NE(le, std::string::npos);
  ASSERT_EQ(bad[le + 15], '\x88');
  bad[le + 15] = '\x89';
  EXPECT_NE(err(bad).find("big-endian files are not supported"), std::string::npos);
  // Element count that disagrees with the object, truncated data, missing storage.
  bad = good;
  bad[tail] = 23;
  EXPECT_NE(err(bad).find("has 23 elements but the object declares 24"), std::string::npos);
  EXPECT_NE(err(good.substr(0, good.size() - 1)).find("is truncated"), std::string::npos);
  EXPECT_NE(err(good.substr(0, tail + 4)).find("is truncated"), std::string::npos);
  // The storage key list names no storage: replace it with [] (EMPTY_LIST STOP).
  const size_t keys = good.rfind("\x80\x02]", tail);
  ASSERT_NE(keys, std::string::npos);
  EXPECT_NE(
      err(good.substr(0, keys) + "\x80\x02]."s + good.substr(tail)).find("no data for storage"),
      std::string::npos);
  // A key that the object does not use, or a non-list.
  EXPECT_NE(err(good.substr(0, keys) + "\x80\x02]X\x01\x00\x00\x00za."s + good.substr(tail))
                .find("is not used by the object"),
            std::string::npos);
  EXPECT_NE(err(good.substr(0, keys) + "\x80\x02K\x01."s + good.substr(tail))
                .find("storage keys must be a list"),
            std::string::npos);
  // Every truncation and every single-byte corruption: an error or a valid load.
  for (size_t n = 0; n < good.size(); n += 5) EXPECT_THROW(pt_load_bytes(good.substr(0, n)), Error);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string b = good;
    b[i] = static_cast<char>(b[i] ^ 0x5a);
    try {
      pt_load_bytes(b);
    } catch (const Error&) {
    }
  }
}

TEST(LegacyFormat, RecognisedByItsFirstBytes) {
  EXPECT_TRUE(sd::looks_like_legacy(multi()));
  EXPECT_TRUE(sd::looks_like_legacy("\x80\x05"));  // protocols 2 to 5
  EXPECT_FALSE(sd::looks_like_legacy("\x80\x01"));
  EXPECT_FALSE(sd::looks_like_legacy("\x80\x06"));
  EXPECT_FALSE(sd::looks_like_legacy("\x80"));
  EXPECT_FALSE(sd::looks_like_legacy(""));
  EXPECT_FALSE(sd::looks_like_legacy(read_file(kDir + "views.pt")));  // a zip
}

TEST(LegacyFormat, EveryDtypeSharedAndEmptyStorages) {
  for (const IValue& v : {sd::load_legacy(multi()), pt_load_bytes(multi())}) {
    Tensor e = at(v, "e").toTensor();
    EXPECT_EQ(e.scalar_type(), kFloat);
    EXPECT_EQ(e.sizes(), IntArrayRef({0, 3}));
    Tensor d = at(v, "d").toTensor();
    EXPECT_EQ(d.scalar_type(), kDouble);
    EXPECT_TRUE(all_close(d, tensor({1.5, -2.0}, kDouble), 0, 0));
    Tensor it = at(v, "it").toTensor(), row = at(v, "row").toTensor();
    EXPECT_EQ(it.scalar_type(), kLong);
    EXPECT_EQ(it.strides(), IntArrayRef({1, 3}));
    EXPECT_TRUE(all_close(it, tensor({1L, 4L, 2L, 5L, 3L, 6L}).view({3, 2}), 0, 0));
    EXPECT_EQ(row.storage_offset(), 3);
    EXPECT_TRUE(all_close(row, tensor({4L, 5L, 6L}), 0, 0));
    EXPECT_EQ(row.unsafeGetTensorImpl()->storage().get(),
              it.unsafeGetTensorImpl()->storage().get());
    Tensor h = at(v, "h").toTensor();
    EXPECT_EQ(h.scalar_type(), kHalf);
    EXPECT_TRUE(all_close(h.to(kFloat), tensor({0.5f, -3.0f}), 0, 0));
    Tensor b = at(v, "b").toTensor();
    EXPECT_EQ(b.scalar_type(), kBool);
    EXPECT_TRUE(b[0].item<bool>());
    EXPECT_FALSE(b[1].item<bool>());
  }
  // The storages are copies: the bytes can go away.
  Tensor d;
  {
    std::string bytes = multi();
    d = at(sd::load_legacy(bytes), "d").toTensor();
    bytes.assign(bytes.size(), '\0');
  }
  EXPECT_EQ(d[1].item<double>(), -2.0);
}

TEST(LegacyFormat, MalformedRecords) {
  const std::string good = multi();
  const Parts parts = split(good);
  ASSERT_EQ(parts.join(), good);
  ASSERT_EQ(parts.version, "\x80\x02M\xe9\x03."s);
  // Something between the magic number and STOP.
  std::string bad = good;
  bad[14] = 'N';
  EXPECT_TRUE(has(load_error(bad), "[torch.load] legacy file: malformed magic number record"));
  // sys_info: a dict with a bool little_endian.
  Parts p = parts;
  p.sys_info = "\x80\x02K\x01."s;
  EXPECT_TRUE(has(load_error(p.join()), "[torch.load] legacy file: sys_info must be a dict"));
  p.sys_info = "\x80\x02}X\x0d\x00\x00\x00little_endianK\x01s."s;
  EXPECT_TRUE(has(load_error(p.join()), "[torch.load] legacy file: little_endian must be a bool"));
  p.sys_info = "\x80\x02}."s;  // no little_endian entry: little-endian assumed
  EXPECT_TRUE(
      all_close(at(sd::load_legacy(p.join()), "d").toTensor(), tensor({1.5, -2.0}, kDouble), 0, 0));
  // Storages referenced anywhere but in the object.
  p = parts;
  p.version = parts.object;
  EXPECT_TRUE(has(load_error(p.join()),
                  "[torch.load] legacy file: storage reference outside the object pickle"));
  // Key lists: not strings, a key twice.
  p = parts;
  p.keys =
      "\x80\x02]K\x01"
      "a."s;
  EXPECT_TRUE(has(load_error(p.join()), "[torch.load] legacy file: storage keys must be strings"));
  const IValue keys = sd::unpickle(parts.keys, {});
  ASSERT_EQ(keys.toList().size(), 5u);
  const std::string first = keys.toList()[0].toStringRef();  // the bool storage: 2 bytes
  const std::string x = "X"s + static_cast<char>(first.size()) + "\0\0\0"s + first;
  p.keys = "\x80\x02](" + x + x + "e."s;
  p.tail = parts.tail.substr(0, 10) + parts.tail.substr(0, 10);
  EXPECT_TRUE(has(load_error(p.join()), "legacy file: storage '" + first + "' appears twice"));
}

TEST(LegacyFormat, StorageSizesAreChecked) {
  const Parts parts = split(read_file(kDir + "legacy.pt"));  // {'a': torch.ones(2)}
  // A storage declaring 2^28 floats in a file of a few hundred bytes.
  Parts p = parts;
  const size_t at_numel = p.object.find("cpuq\x06K\x02N"s);
  ASSERT_NE(at_numel, std::string::npos);
  p.object.replace(at_numel + 5, 2, "J\x00\x00\x00\x10"s);
  std::string e = load_error(p.join());
  EXPECT_TRUE(has(e, "declares 268435456 elements")) << e;
  EXPECT_TRUE(has(e, "more than the file holds")) << e;
  // The element count before the data must match the object's.
  p = parts;
  p.tail[0] = 3;
  e = load_error(p.join());
  EXPECT_TRUE(has(e, "has 3 elements but the object declares 2")) << e;
  // Missing bytes: count or data.
  EXPECT_TRUE(has(load_error(parts.join().substr(0, parts.join().size() - 4)),
                  "[torch.load] legacy file is truncated"));
  EXPECT_TRUE(has(load_error(parts.join().substr(0, parts.join().size() - 12)),
                  "[torch.load] legacy file is truncated"));
  // Trailing bytes after the last storage are ignored, as PyTorch does.
  IValue v = sd::load_legacy(parts.join() + "junk");
  EXPECT_TRUE(all_close(at(v, "a").toTensor(), ones({2}), 0, 0));
}
