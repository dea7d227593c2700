// PyTorch's .pt format: zip archive + restricted pickle (include/ember/serialize/pt.h).
#include "ember/serialize/pt.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <sstream>

#include "ember/serialize.h"
#include "src/serialize/legacy.h"
#include "src/serialize/mapped_file.h"
#include "src/serialize/pickle.h"
#include "src/serialize/zip.h"

namespace ember {
namespace serialize {

namespace {

// Note [.pt layout]: torch.save writes a zip whose entries share one folder name (the file's stem
// in PyTorch 1.x, "archive" in 2.x): <folder>/data.pkl, <folder>/data/<key> per storage,
// <folder>/version, and since 2.1 <folder>/byteorder. Any folder name is read.
// With `map` (loading from a path), stored records aligned to 64 bytes become zero-copy views of
// the mapping (see Note [Zero-copy loading]); deflated or misaligned ones are copied.
IValue load_archive(std::string_view b, std::shared_ptr<const void> owner,
                    const std::shared_ptr<detail::MappedFile>& map) {
  static_assert(std::endian::native == std::endian::little,
                "ember's .pt reader assumes a little-endian host");
  if (detail::looks_like_legacy(b)) return detail::load_legacy(b);
  EMBER_CHECK(b.size() >= 4 && std::memcmp(b.data(), "PK\x03\x04", 4) == 0,
              "[torch.load] not a PyTorch file (no zip header)");
  detail::ZipReader zip(b, std::move(owner));
  std::string prefix;
  int found = 0;
  for (const auto& e : zip.entries()) {
    const size_t slash = e.name.find('/');
    if (slash != std::string::npos && e.name.compare(slash, std::string::npos, "/data.pkl") == 0) {
      prefix = e.name.substr(0, slash + 1);
      ++found;
    }
  }
  if (found == 0) {
    for (const auto& e : zip.entries())
      EMBER_CHECK(e.name.find("constants.pkl") == std::string::npos,
                  "[torch.load] TorchScript archives (torch.jit.save) are not supported");
    EMBER_ERROR("[torch.load] no data.pkl record: not a file written by torch.save");
  }
  EMBER_CHECK(found == 1, "[torch.load] ", found, " data.pkl records in one archive");
  if (const detail::ZipEntry* bo = zip.find(prefix + "byteorder")) {
    const std::string order = zip.read(*bo);
    EMBER_CHECK(order != "big", "[torch.load] big-endian files are not supported");
    EMBER_CHECK(order == "little", "[torch.load] unknown byteorder record '", order.substr(0, 16),
                "'");
  }
  const std::string pkl = zip.read(prefix + "data.pkl");
  auto loader = [&](const std::string& key, ScalarType dtype, int64_t numel) {
    const detail::ZipEntry* e = zip.find(prefix + "data/" + key);
    EMBER_CHECK(e != nullptr, "[torch.load] storage record '", prefix, "data/", key,
                "' is missing");
    const uint64_t want = static_cast<uint64_t>(numel) * element_size(dtype);
    EMBER_CHECK(e->uncompressed_size == want, "[torch.load] storage record '", e->name, "' has ",
                e->uncompressed_size, " bytes but its ", numel, " elements of ", dtype, " need ",
                want);
    if (e->method == 0 && map && want > 0) {
      std::string_view v = zip.stored_view(*e);
      if (reinterpret_cast<uintptr_t>(v.data()) % 64 == 0)
        return detail::view_storage(map, v.data(), want);
    }
    Storage s = make_intrusive<StorageImpl>(want, cpu_allocator(), Device(kCPU));
    if (e->method == 0) {
      std::string_view v = zip.stored_view(*e);
      if (want > 0) std::memcpy(s->data(), v.data(), want);
    } else {
      const std::string v = zip.read(*e);
      if (want > 0) std::memcpy(s->data(), v.data(), want);
    }
    return s;
  };
  return detail::unpickle(pkl, loader);
}

std::string save_archive(const IValue& obj, bool ordered_dict) {
  detail::PickleResult p = detail::pickle(obj, ordered_dict);
  std::sort(p.storages.begin(), p.storages.end(),
            [](const auto& a, const auto& b) { return a.key < b.key; });  // as torch.save
  detail::ZipWriter zip;
  zip.add("archive/data.pkl", p.data);
  zip.add("archive/byteorder", "little");
  for (const auto& s : p.storages)
    zip.add("archive/data/" + s.key,
            std::string_view(static_cast<const char*>(s.storage->data()), s.nbytes));
  zip.add("archive/version", "3\n");
  return zip.finish();
}

std::string read_all(std::istream& stream) {
  std::stringstream ss;
  ss << stream.rdbuf();
  return ss.str();
}

OrderedDict<std::string, Tensor> to_tensor_dict(const IValue& v) {
  EMBER_CHECK(v.isGenericDict(), "[torch.load] expected a dict of tensors at the top level, got ",
              v.tagKind());
  OrderedDict<std::string, Tensor> out("Key");
  for (const auto& e : v.toGenericDict()) {
    EMBER_CHECK(e.key().isString(), "[torch.load] expected string keys, got ", e.key().tagKind());
    EMBER_CHECK(e.value().isTensor(), "[torch.load] value of '", e.key().toStringRef(), "' is a ",
                e.value().tagKind(), ", not a Tensor");
    out.insert(e.key().toStringRef(), e.value().toTensor());
  }
  return out;
}

IValue from_tensor_dict(const OrderedDict<std::string, Tensor>& tensors) {
  GenericDict d;
  for (const auto& item : tensors) d.insert_or_assign(item.key(), item.value());
  return IValue(std::move(d));
}

}  // namespace

IValue pt_load_bytes(std::string_view bytes) {
  auto buffer = std::make_shared<const std::string>(bytes);
  return load_archive(*buffer, buffer, nullptr);
}

IValue pt_load(std::istream& stream) {
  auto buffer = std::make_shared<const std::string>(read_all(stream));
  return load_archive(*buffer, buffer, nullptr);
}

IValue pt_load(const std::string& path) {
  auto map = detail::MappedFile::open(path, "[torch.load] '" + path + "': ");
  try {
    return load_archive(map->bytes(), map, map);
  } catch (const Error& e) {
    EMBER_ERROR(e.what(), " (file '", path, "')");
  }
}

std::string pt_save_bytes(const IValue& obj) { return save_archive(obj, false); }

void pt_save(const IValue& obj, std::ostream& stream) {
  const std::string b = save_archive(obj, false);
  stream.write(b.data(), static_cast<std::streamsize>(b.size()));
  EMBER_CHECK(stream.good(), "[torch.save] failed to write to the stream");
}

void pt_save(const IValue& obj, const std::string& path) {
  write_file_atomic(path, save_archive(obj, false));
}

OrderedDict<std::string, Tensor> pt_load_tensors(const std::string& path) {
  return to_tensor_dict(pt_load(path));
}

OrderedDict<std::string, Tensor> pt_load_tensors_bytes(std::string_view bytes) {
  return to_tensor_dict(pt_load_bytes(bytes));
}

std::string pt_save_tensors_bytes(const OrderedDict<std::string, Tensor>& tensors) {
  return save_archive(from_tensor_dict(tensors), true);
}

void pt_save_tensors(const OrderedDict<std::string, Tensor>& tensors, const std::string& path) {
  write_file_atomic(path, pt_save_tensors_bytes(tensors));
}

}  // namespace serialize
}  // namespace ember
