// The legacy (non-zip) torch.save format, read only (src/serialize/legacy.h).
#include "src/serialize/legacy.h"

#include <cstring>
#include <unordered_map>

#include "src/serialize/pickle.h"

namespace ember {
namespace serialize {
namespace detail {

// Note [Legacy .pt format]: torch.save(obj, f, _use_new_zipfile_serialization=False) (the only
// format before PyTorch 1.6) writes five pickles back to back, then raw storages:
//   1. the magic number 0x1950a86a20f9469cfc6c (a 10-byte LONG1),
//   2. the protocol version 1001,
//   3. sys_info: {'protocol_version': 1001, 'little_endian': True, 'type_sizes': {...}},
//   4. the object, whose persistent ids are ('storage', <T>Storage, key, location, numel, None),
//   5. the sorted list of storage keys,
// and for each key in that order an int64 element count followed by the storage's bytes. All
// pickles go through the same restricted unpickler as data.pkl; every count is checked against
// the storage the object declared and against the bytes left.

namespace {

constexpr unsigned char kMagic[] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr int64_t kProtocolVersion = 1001;

Storage no_storage(const std::string&, ScalarType, int64_t) {
  EMBER_ERROR("[torch.load] legacy file: storage reference outside the object pickle");
}

// The magic-number pickle: PROTO, optional FRAME, LONG1 of the 10 magic bytes, optional memo
// opcode, STOP. Returns its length.
size_t skip_magic(std::string_view b) {
  size_t p = 2;
  auto at = [&](size_t i) { return i < b.size() ? static_cast<unsigned char>(b[i]) : 0x100u; };
  if (at(p) == 0x95) p += 9;  // FRAME + 8-byte length
  bool ok = at(p) == 0x8a && at(p + 1) == 10;
  for (size_t i = 0; ok && i < 10; ++i) ok = at(p + 2 + i) == kMagic[i];
  EMBER_CHECK(ok, "[torch.load] not a PyTorch file (a pickle without the legacy magic number)");
  p += 12;
  if (at(p) == 'q') {
    p += 2;
  } else if (at(p) == 'r') {
    p += 5;
  } else if (at(p) == 0x94) {
    p += 1;
  }
  EMBER_CHECK(at(p) == '.', "[torch.load] legacy file: malformed magic number record");
  return p + 1;
}

}  // namespace

bool looks_like_legacy(std::string_view b) {
  return b.size() >= 2 && static_cast<unsigned char>(b[0]) == 0x80 && b[1] >= 2 && b[1] <= 5;
}

IValue load_legacy(std::string_view b) {
  size_t pos = skip_magic(b);
  size_t used = 0;
  auto next = [&](const StorageLoader& loader) {
    IValue v = unpickle(b.substr(pos), loader, {}, &used);
    pos += used;
    return v;
  };
  const IValue version = next(no_storage);
  EMBER_CHECK(version.isInt() && version.toInt() == kProtocolVersion,
              "[torch.load] legacy file: unsupported protocol version ", version,
              " (expected 1001)");
  const IValue sys_info = next(no_storage);
  EMBER_CHECK(sys_info.isGenericDict(), "[torch.load] legacy file: sys_info must be a dict, got ",
              sys_info.tagKind());
  if (const IValue* le = sys_info.toGenericDict().find("little_endian")) {
    EMBER_CHECK(le->isBool(), "[torch.load] legacy file: little_endian must be a bool");
    EMBER_CHECK(le->toBool(), "[torch.load] big-endian files are not supported");
  }

  struct Pending {
    Storage storage;
    ScalarType dtype;
    int64_t numel;
    bool filled = false;
  };
  std::unordered_map<std::string, Pending> pending;
  auto loader = [&](const std::string& key, ScalarType dtype, int64_t numel) {
    // The bytes come after the object; a storage larger than the whole file is a lie.
    const uint64_t want = static_cast<uint64_t>(numel) * element_size(dtype);
    EMBER_CHECK(want <= b.size(), "[torch.load] legacy file: storage '", key, "' declares ", numel,
                " elements of ", dtype, ", more than the file holds");
    Storage s = make_intrusive<StorageImpl>(want, cpu_allocator(), Device(kCPU));
    pending.emplace(key, Pending{s, dtype, numel});
    return s;
  };
  IValue obj = next(loader);

  const IValue keys = next(no_storage);
  EMBER_CHECK(keys.isList(), "[torch.load] legacy file: storage keys must be a list, got ",
              keys.tagKind());
  for (const IValue& k : keys.toList()) {
    EMBER_CHECK(k.isString(), "[torch.load] legacy file: storage keys must be strings, got ",
                k.tagKind());
    auto it = pending.find(k.toStringRef());
    EMBER_CHECK(it != pending.end(), "[torch.load] legacy file: storage '", k.toStringRef(),
                "' is not used by the object");
    Pending& p = it->second;
    EMBER_CHECK(!p.filled, "[torch.load] legacy file: storage '", k.toStringRef(),
                "' appears twice");
    EMBER_CHECK(b.size() - pos >= 8, "[torch.load] legacy file is truncated (storage '",
                k.toStringRef(), "')");
    int64_t count = 0;
    std::memcpy(&count, b.data() + pos, 8);
    pos += 8;
    EMBER_CHECK(count == p.numel, "[torch.load] legacy file: storage '", k.toStringRef(), "' has ",
                count, " elements but the object declares ", p.numel);
    const size_t nbytes = p.storage->nbytes();
    EMBER_CHECK(b.size() - pos >= nbytes, "[torch.load] legacy file is truncated (storage '",
                k.toStringRef(), "' needs ", nbytes, " bytes, ", b.size() - pos, " left)");
    if (nbytes > 0) std::memcpy(p.storage->data(), b.data() + pos, nbytes);
    pos += nbytes;
    p.filled = true;
  }
  for (const auto& [key, p] : pending)
    EMBER_CHECK(p.filled, "[torch.load] legacy file: no data for storage '", key, "'");
  return obj;
}

}  // namespace detail
}  // namespace serialize
}  // namespace ember
