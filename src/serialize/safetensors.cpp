// safetensors reader and writer. See Note [safetensors] in ember/serialize/safetensors.h.
#include "ember/serialize/safetensors.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <istream>
#include <memory>
#include <ostream>
#include <sstream>
#include <unordered_set>

#include "ember/autograd/grad_mode.h"
#include "ember/core/wrap_dim.h"
#include "ember/ops/factory.h"
#include "ember/serialize.h"
#include "src/serialize/json.h"
#include "src/serialize/mapped_file.h"

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; ember's reader assumes a little-endian host");

namespace ember {
namespace serialize {

namespace {

constexpr uint64_t kMaxHeader = 100'000'000;

#define ST_CHECK(cond, ...) EMBER_CHECK(cond, "[safetensors] ", file_, ": ", __VA_ARGS__)
#define ST_ERROR(...) EMBER_ERROR("[safetensors] ", file_, ": ", __VA_ARGS__)

// Reference enum order (increasing alignment); the writer sorts by it, descending.
struct DtypeInfo {
  const char* name;
  ScalarType type;  // Undefined: known to the format, not to ember
  int rank;
};
constexpr DtypeInfo kDtypes[] = {
    {"BOOL", kBool, 0},
    {"F4", ScalarType::Undefined, 1},
    {"F6_E2M3", ScalarType::Undefined, 2},
    {"F6_E3M2", ScalarType::Undefined, 3},
    {"U8", kByte, 4},
    {"I8", kChar, 5},
    {"F8_E5M2", ScalarType::Undefined, 6},
    {"F8_E4M3", ScalarType::Undefined, 7},
    {"F8_E8M0", ScalarType::Undefined, 8},
    {"I16", kShort, 9},
    {"U16", ScalarType::Undefined, 10},
    {"F16", kHalf, 11},
    {"BF16", kBFloat16, 12},
    {"I32", kInt, 13},
    {"U32", ScalarType::Undefined, 14},
    {"F32", kFloat, 15},
    {"C64", ScalarType::Undefined, 16},
    {"F64", kDouble, 17},
    {"I64", kLong, 18},
    {"U64", ScalarType::Undefined, 19},
};

const DtypeInfo& info_of(ScalarType t) {
  for (const auto& d : kDtypes)
    if (d.type == t) return d;
  EMBER_ERROR("[safetensors] dtype ", t, " has no safetensors equivalent");
}

struct Entry {
  std::string name;
  ScalarType dtype = ScalarType::Undefined;
  DimVector shape;
  uint64_t begin = 0, end = 0;
};

struct Header {
  size_t data_start = 0;       // 8 + header length
  std::vector<Entry> entries;  // sorted by data offset
  SafetensorsMetadata metadata;
};

std::string shape_str(const DimVector& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << ']';
  return os.str();
}

class HeaderParser {
 public:
  HeaderParser(std::string_view buf, const std::string& file) : buf_(buf), file_(file) {}

  Header parse() {
    ST_CHECK(buf_.size() >= 8, "file is too small (", buf_.size(),
             " bytes) to hold the 8-byte header length");
    uint64_t n;
    std::memcpy(&n, buf_.data(), 8);
    ST_CHECK(n <= kMaxHeader, "header length ", n, " exceeds the limit of ", kMaxHeader, " bytes");
    ST_CHECK(n <= buf_.size() - 8, "header length ", n, " reaches past the end of the file (",
             buf_.size(), " bytes)");
    ST_CHECK(n > 0, "header length is 0 (the header must be a JSON object)");
    std::string_view text = buf_.substr(8, n);
    ST_CHECK(text[0] == '{', "header does not start with '{'");
    Header h;
    h.data_start = 8 + n;
    try {
      read_json(text, h);
    } catch (const json::JsonError& e) {
      ST_ERROR("invalid JSON header: ", e.what());
    }
    validate(h);
    return h;
  }

 private:
  void read_json(std::string_view text, Header& h) {
    json::Reader r(text);
    std::unordered_set<std::string> seen;
    std::string key;
    r.begin_object();
    while (r.next_member(key)) {
      ST_CHECK(seen.insert(key).second, "duplicate key '", key, "' in the header");
      if (key == "__metadata__") {
        read_metadata(r, h);
      } else {
        h.entries.push_back(read_entry(r, key));
      }
    }
    r.finish();
  }

  void read_metadata(json::Reader& r, Header& h) {
    if (r.peek() == json::Reader::Type::Null) {
      r.read_null();
      return;
    }
    ST_CHECK(r.peek() == json::Reader::Type::Object,
             "__metadata__ must be an object mapping strings to strings");
    std::unordered_set<std::string> seen;
    std::string key;
    r.begin_object();
    while (r.next_member(key)) {
      ST_CHECK(seen.insert(key).second, "duplicate key '", key, "' in __metadata__");
      ST_CHECK(r.peek() == json::Reader::Type::String, "__metadata__ value of '", key,
               "' is not a string (metadata maps strings to strings)");
      h.metadata.emplace_back(key, r.read_string());
    }
  }

  Entry read_entry(json::Reader& r, const std::string& name) {
    Entry e;
    e.name = name;
    ST_CHECK(r.peek() == json::Reader::Type::Object, "tensor '", name,
             "' is not an object with dtype, shape and data_offsets");
    bool has_dtype = false, has_shape = false, has_offsets = false;
    std::string key;
    r.begin_object();
    while (r.next_member(key)) {
      if (key == "dtype") {
        ST_CHECK(!has_dtype, "tensor '", name, "' has 'dtype' twice");
        has_dtype = true;
        ST_CHECK(r.peek() == json::Reader::Type::String, "tensor '", name,
                 "': dtype is not a string");
        e.dtype = parse_dtype(r.read_string(), name);
      } else if (key == "shape") {
        ST_CHECK(!has_shape, "tensor '", name, "' has 'shape' twice");
        has_shape = true;
        ST_CHECK(r.peek() == json::Reader::Type::Array, "tensor '", name,
                 "': shape is not an array");
        r.begin_array();
        while (r.next_element()) {
          ST_CHECK(e.shape.size() < kMaxDims, "tensor '", name, "': shape has more than ", kMaxDims,
                   " dimensions");
          uint64_t d = read_uint(r, name, "shape");
          ST_CHECK(d <= static_cast<uint64_t>(INT64_MAX), "tensor '", name, "': shape entry ", d,
                   " is too large");
          e.shape.push_back(static_cast<int64_t>(d));
        }
      } else if (key == "data_offsets") {
        ST_CHECK(!has_offsets, "tensor '", name, "' has 'data_offsets' twice");
        has_offsets = true;
        ST_CHECK(r.peek() == json::Reader::Type::Array, "tensor '", name,
                 "': data_offsets is not an array [begin, end]");
        r.begin_array();
        uint64_t v[2];
        size_t count = 0;
        while (r.next_element()) {
          ST_CHECK(count < 2, "tensor '", name, "': data_offsets has more than 2 entries");
          v[count++] = read_uint(r, name, "data_offsets");
        }
        ST_CHECK(count == 2, "tensor '", name, "': data_offsets has ", count,
                 " entries, expected [begin, end]");
        e.begin = v[0];
        e.end = v[1];
      } else {
        ST_ERROR("tensor '", name, "' has unexpected key '", key,
                 "' (expected dtype, shape, data_offsets)");
      }
    }
    ST_CHECK(has_dtype, "tensor '", name, "' has no dtype");
    ST_CHECK(has_shape, "tensor '", name, "' has no shape");
    ST_CHECK(has_offsets, "tensor '", name, "' has no data_offsets");
    return e;
  }

  uint64_t read_uint(json::Reader& r, const std::string& name, const char* field) {
    ST_CHECK(r.peek() == json::Reader::Type::Number, "tensor '", name, "': ", field,
             " holds a non-number");
    try {
      return r.read_uint64();
    } catch (const json::JsonError& err) {
      ST_ERROR("tensor '", name, "': ", field, ": ", err.what());
    }
  }

  ScalarType parse_dtype(const std::string& s, const std::string& name) {
    for (const auto& d : kDtypes) {
      if (s != d.name) continue;
      ST_CHECK(d.type != ScalarType::Undefined, "tensor '", name, "' has dtype ", s,
               ", which ember does not support");
      return d.type;
    }
    ST_ERROR("tensor '", name, "' has unknown dtype '", s, "'");
  }

  void validate(Header& h) {
    std::stable_sort(h.entries.begin(), h.entries.end(), [](const Entry& a, const Entry& b) {
      return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    const uint64_t data_size = buf_.size() - h.data_start;
    uint64_t start = 0;
    for (const Entry& e : h.entries) {
      const std::string where = "tensor '" + e.name + "': data_offsets [" +
                                std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
      ST_CHECK(e.end >= e.begin, where, " end before begin");
      ST_CHECK(e.begin >= start, where, " overlap the previous tensor (which ends at ", start, ")");
      ST_CHECK(e.begin == start, where, " leave a gap after the previous tensor (which ends at ",
               start, ")");
      ST_CHECK(e.end <= data_size, where, " reach past the end of the data buffer (", data_size,
               " bytes)");
      uint64_t numel = 1, extent = 1;
      bool overflow = false, too_large = false;
      for (int64_t d : e.shape) {
        overflow |= __builtin_mul_overflow(numel, static_cast<uint64_t>(d), &numel);
        too_large |= __builtin_mul_overflow(extent, std::max<uint64_t>(d, 1), &extent);
      }
      uint64_t nbytes = 0;
      overflow |= __builtin_mul_overflow(numel, element_size(e.dtype), &nbytes);
      ST_CHECK(!overflow, "tensor '", e.name, "': shape ", shape_str(e.shape),
               " times the element size overflows");
      // Zero-size tensors with huge other dims would overflow strides.
      ST_CHECK(!too_large && extent <= (uint64_t(1) << 48), "tensor '", e.name, "': shape ",
               shape_str(e.shape), " is too large");
      ST_CHECK(e.end - e.begin == nbytes, where, " hold ", e.end - e.begin, " bytes but shape ",
               shape_str(e.shape), " of ", info_of(e.dtype).name, " needs ", nbytes);
      start = e.end;
    }
    ST_CHECK(start == data_size, "the data buffer has ", data_size, " bytes but the tensors cover ",
             start, " (", data_size - start, " trailing bytes)");
  }

  std::string_view buf_;
  const std::string& file_;
};

// Builds the tensors. With `keep_alive`, aligned tensors view `buf` and hold it.
SafetensorsFile build(std::string_view buf, const std::string& file_,
                      const std::shared_ptr<detail::MappedFile>& keep_alive) {
  Header h = HeaderParser(buf, file_).parse();
  SafetensorsFile out;
  out.metadata = std::move(h.metadata);
  out.tensors.reserve(h.entries.size());
  for (Entry& e : h.entries) {
    const char* src = buf.data() + h.data_start + e.begin;
    size_t nbytes = e.end - e.begin;
    if (e.dtype == kBool) {
      const void* bad = nullptr;
      for (size_t i = 0; i < nbytes && !bad; ++i)
        if (static_cast<unsigned char>(src[i]) > 1) bad = src + i;
      ST_CHECK(bad == nullptr, "tensor '", e.name, "' (BOOL) holds byte value ",
               static_cast<int>(*static_cast<const unsigned char*>(bad)), " at element ",
               static_cast<const char*>(bad) - src, "; only 0 and 1 are valid");
    }
    Tensor t;
    size_t align = element_size(e.dtype);
    if (keep_alive && nbytes > 0 && reinterpret_cast<uintptr_t>(src) % align == 0) {
      std::shared_ptr<detail::MappedFile> hold = keep_alive;
      t = from_blob(
          const_cast<char*>(src), e.shape, [hold](void*) {}, TensorOptions(e.dtype));
    } else {
      t = make_tensor(e.shape, e.dtype);
      if (nbytes) std::memcpy(t.data_ptr(), src, nbytes);
    }
    out.tensors.insert(std::move(e.name), std::move(t));
  }
  return out;
}

bool is_utf8(const std::string& s) { return json::valid_utf8(s); }

}  // namespace

SafetensorsFile safetensors_load_bytes(std::string_view bytes) {
  return build(bytes, "<bytes>", nullptr);
}

SafetensorsFile safetensors_load(std::istream& stream) {
  std::ostringstream ss;
  ss << stream.rdbuf();
  const std::string file_ = "<stream>";
  ST_CHECK(!stream.bad(), "reading the stream failed");
  std::string data = ss.str();
  return build(data, file_, nullptr);
}

SafetensorsFile safetensors_load(const std::string& path) {
  const std::string& file_ = path;
  // See Note [Zero-copy loading]: writes to a zero-copy tensor go to private copies of the pages.
  auto map = detail::MappedFile::open(path, "[safetensors] " + path + ": ");
  ST_CHECK(map->size() >= 8, "file is too small (", map->size(),
           " bytes) to hold the 8-byte header length");
  return build(map->bytes(), path, map);
}

namespace {

std::string serialize_file(const OrderedDict<std::string, Tensor>& tensors,
                           const SafetensorsMetadata& metadata, const std::string& file_) {
  struct Item {
    const std::string* name;
    Tensor t;
    const DtypeInfo* info;
  };
  std::vector<Item> items;
  items.reserve(tensors.size());
  NoGradGuard no_grad;
  for (const auto& it : tensors) {
    const Tensor& t = it.value();
    ST_CHECK(t.defined(), "tensor '", it.key(), "' is undefined");
    ST_CHECK(is_utf8(it.key()), "tensor name '", it.key(), "' is not valid UTF-8");
    ST_CHECK(it.key() != "__metadata__", "'__metadata__' cannot be a tensor name");
    // A tensor on a device is copied to the host first, as the safetensors library does.
    items.push_back({&it.key(), t.detach().cpu().contiguous(), &info_of(t.scalar_type())});
  }
  std::unordered_set<std::string> seen;
  for (const auto& [k, v] : metadata) {
    ST_CHECK(seen.insert(k).second, "duplicate metadata key '", k, "'");
    ST_CHECK(is_utf8(k) && is_utf8(v), "metadata entry '", k, "' is not valid UTF-8");
  }
  std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return a.info->rank != b.info->rank ? a.info->rank > b.info->rank : *a.name < *b.name;
  });
  std::string header = "{";
  if (!metadata.empty()) {
    header += "\"__metadata__\":{";
    for (size_t i = 0; i < metadata.size(); ++i) {
      if (i) header += ',';
      header += json::quote(metadata[i].first) + ':' + json::quote(metadata[i].second);
    }
    header += '}';
  }
  uint64_t offset = 0;
  for (const Item& item : items) {
    if (header.size() > 1) header += ',';
    header += json::quote(*item.name) + ":{\"dtype\":\"" + item.info->name + "\",\"shape\":[";
    for (int64_t d = 0; d < item.t.dim(); ++d)
      header += (d ? "," : "") + std::to_string(item.t.size(d));
    uint64_t n = item.t.nbytes();
    header +=
        "],\"data_offsets\":[" + std::to_string(offset) + ',' + std::to_string(offset + n) + "]}";
    offset += n;
  }
  header += '}';
  header.append((8 - header.size() % 8) % 8, ' ');
  ST_CHECK(header.size() <= kMaxHeader, "the header would be ", header.size(),
           " bytes, over the format's limit of ", kMaxHeader);
  std::string out;
  out.reserve(8 + header.size() + offset);
  uint64_t hn = header.size();
  out.append(reinterpret_cast<const char*>(&hn), 8);
  out += header;
  for (const Item& item : items)
    if (item.t.nbytes()) out.append(static_cast<const char*>(item.t.data_ptr()), item.t.nbytes());
  return out;
}

}  // namespace

std::string safetensors_save_bytes(const OrderedDict<std::string, Tensor>& tensors,
                                   const SafetensorsMetadata& metadata) {
  return serialize_file(tensors, metadata, "<bytes>");
}

void safetensors_save(const OrderedDict<std::string, Tensor>& tensors, const std::string& path,
                      const SafetensorsMetadata& metadata) {
  write_file_atomic(path, serialize_file(tensors, metadata, path));
}

void safetensors_save(const OrderedDict<std::string, Tensor>& tensors, std::ostream& stream,
                      const SafetensorsMetadata& metadata) {
  const std::string file_ = "<stream>";
  std::string bytes = serialize_file(tensors, metadata, file_);
  stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ST_CHECK(stream.good(), "writing to the stream failed");
}

}  // namespace serialize
}  // namespace ember
