// Zip reader and writer for PyTorch's .pt files (see zip.h).
#include "src/serialize/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

#include "ember/core/error.h"

namespace ember {
namespace serialize {
namespace detail {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEocdSig = 0x06054b50;
constexpr uint32_t kZip64EocdSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalSize = 30, kCentralSize = 46, kEocdSize = 22;
constexpr size_t kZip64EocdSize = 56, kZip64LocatorSize = 20;
constexpr uint64_t kAlignment = 64;  // PyTorch aligns every record's data to 64 bytes
// Deflate cannot expand data by more than about 1032:1; more is a lie or a bomb.
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t rd16(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint16_t>(u[0] | (u[1] << 8));
}
uint32_t rd32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | (static_cast<uint32_t>(u[1]) << 8) |
         (static_cast<uint32_t>(u[2]) << 16) | (static_cast<uint32_t>(u[3]) << 24);
}
uint64_t rd64(const char* p) { return rd32(p) | (static_cast<uint64_t>(rd32(p + 4)) << 32); }

void put16(std::string& s, uint16_t v) {
  s.push_back(static_cast<char>(v & 0xff));
  s.push_back(static_cast<char>(v >> 8));
}
void put32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// `..` components, absolute paths, backslashes, drive letters and NULs are refused: entry names
// are never used as paths, but a file carrying them is not one PyTorch wrote.
bool safe_name(const std::string& n) {
  if (n.empty() || n[0] == '/' || n.find('\\') != std::string::npos ||
      n.find('\0') != std::string::npos)
    return false;
  if (n.size() >= 2 && n[1] == ':') return false;
  size_t start = 0;
  while (start <= n.size()) {
    size_t end = n.find('/', start);
    if (end == std::string::npos) end = n.size();
    std::string_view part(n.data() + start, end - start);
    if (part == "..") return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

uint32_t crc32_of(std::string_view data) {
  uLong c = ::crc32(0L, Z_NULL, 0);
  const char* p = data.data();
  size_t n = data.size();
  while (n > 0) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    c = ::crc32(c, reinterpret_cast<const Bytef*>(p), chunk);
    p += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(c);
}

ZipReader::ZipReader(std::shared_ptr<const std::string> buffer, std::string what)
    : owner_(buffer), what_(std::move(what)) {
  EMBER_CHECK(buffer != nullptr, what_, " no data");
  data_ = *buffer;
  parse();
}

ZipReader::ZipReader(std::string_view data, std::shared_ptr<const void> owner, std::string what)
    : data_(data), owner_(std::move(owner)), what_(std::move(what)) {
  parse();
}

void ZipReader::parse() {
  const size_t size = data_.size();
  const char* d = data_.data();
  EMBER_CHECK(size >= kEocdSize, what_, " not a zip archive: ", size,
              " bytes is too short for an end of central directory record");
  // The end record is the last 22 bytes plus a comment of up to 65535 bytes.
  size_t eocd = std::string::npos;
  const size_t lowest = size - kEocdSize > 65535 ? size - kEocdSize - 65535 : 0;
  for (size_t p = size - kEocdSize + 1; p-- > lowest;) {
    if (rd32(d + p) == kEocdSig && p + kEocdSize + rd16(d + p + 20) <= size) {
      eocd = p;
      break;
    }
  }
  EMBER_CHECK(eocd != std::string::npos, what_,
              " not a zip archive (no end of central directory record found)");
  uint64_t disk = rd16(d + eocd + 4), cd_disk = rd16(d + eocd + 6);
  uint64_t count = rd16(d + eocd + 10), cd_size = rd32(d + eocd + 12);
  uint64_t cd_offset = rd32(d + eocd + 16);
  if (eocd >= kZip64LocatorSize && rd32(d + eocd - kZip64LocatorSize) == kZip64LocatorSig) {
    const char* loc = d + eocd - kZip64LocatorSize;
    uint64_t rec = rd64(loc + 8);
    EMBER_CHECK(rec <= eocd - kZip64LocatorSize && eocd - kZip64LocatorSize - rec >= kZip64EocdSize,
                what_, " corrupt zip64 end of central directory locator (record offset ", rec,
                " in a ", size, "-byte file)");
    const char* r = d + rec;
    EMBER_CHECK(rd32(r) == kZip64EocdSig, what_,
                " corrupt zip64 end of central directory record (bad signature)");
    disk = rd32(r + 16);
    cd_disk = rd32(r + 20);
    count = rd64(r + 32);
    cd_size = rd64(r + 40);
    cd_offset = rd64(r + 48);
  } else {
    EMBER_CHECK(count != 0xffff && cd_size != 0xffffffffu && cd_offset != 0xffffffffu, what_,
                " corrupt zip archive: zip64 values without a zip64 end record");
  }
  EMBER_CHECK(disk == 0 && cd_disk == 0, what_, " multi-disk zip archives are not supported");
  EMBER_CHECK(cd_offset <= size && cd_size <= size - cd_offset && cd_offset + cd_size <= eocd,
              what_, " corrupt central directory: offset ", cd_offset, " size ", cd_size, " in a ",
              size, "-byte file");
  EMBER_CHECK(count <= cd_size / kCentralSize, what_, " corrupt central directory: ", count,
              " entries cannot fit in ", cd_size, " bytes");
  entries_.reserve(count);
  uint64_t pos = cd_offset;
  const uint64_t cd_end = cd_offset + cd_size;
  for (uint64_t i = 0; i < count; ++i) {
    EMBER_CHECK(cd_end - pos >= kCentralSize && rd32(d + pos) == kCentralSig, what_,
                " corrupt central directory: entry ", i, " at offset ", pos, " is invalid");
    const char* h = d + pos;
    const uint16_t flags = rd16(h + 8);
    ZipEntry e;
    e.method = rd16(h + 10);
    e.crc32 = rd32(h + 16);
    e.compressed_size = rd32(h + 20);
    e.uncompressed_size = rd32(h + 24);
    const uint64_t name_len = rd16(h + 28), extra_len = rd16(h + 30), comment_len = rd16(h + 32);
    uint64_t entry_disk = rd16(h + 34);
    e.local_header_offset = rd32(h + 42);
    EMBER_CHECK(cd_end - pos - kCentralSize >= name_len + extra_len + comment_len, what_,
                " corrupt central directory: entry ", i, " runs past its end");
    e.name.assign(h + kCentralSize, name_len);
    // Zip64 extended information: only the fields whose 32-bit value is saturated, in order.
    const char* x = h + kCentralSize + name_len;
    const char* x_end = x + extra_len;
    while (x_end - x >= 4) {
      const uint16_t id = rd16(x), len = rd16(x + 2);
      EMBER_CHECK(static_cast<size_t>(x_end - x - 4) >= len, what_, " corrupt extra field in '",
                  e.name, "'");
      if (id == 0x0001) {
        const char* f = x + 4;
        const char* f_end = f + len;
        auto take = [&](uint64_t& v) {
          EMBER_CHECK(f_end - f >= 8, what_, " truncated zip64 extra field in '", e.name, "'");
          v = rd64(f);
          f += 8;
        };
        if (e.uncompressed_size == 0xffffffffu) take(e.uncompressed_size);
        if (e.compressed_size == 0xffffffffu) take(e.compressed_size);
        if (e.local_header_offset == 0xffffffffu) take(e.local_header_offset);
        if (entry_disk == 0xffff) {
          EMBER_CHECK(f_end - f >= 4, what_, " truncated zip64 extra field in '", e.name, "'");
          entry_disk = rd32(f);
        }
      }
      x += 4 + len;
    }
    EMBER_CHECK(entry_disk == 0, what_, " multi-disk zip archives are not supported");
    EMBER_CHECK(safe_name(e.name), what_, " unsafe zip entry name '", e.name, "'");
    EMBER_CHECK(!(flags & 1), what_, " encrypted zip entry '", e.name, "' is not supported");
    EMBER_CHECK(e.method == 0 || e.method == 8, what_, " zip entry '", e.name,
                "' uses unsupported compression method ", e.method);
    if (e.method == 0) {
      EMBER_CHECK(e.compressed_size == e.uncompressed_size, what_, " stored zip entry '", e.name,
                  "' declares ", e.compressed_size, " compressed but ", e.uncompressed_size,
                  " uncompressed bytes");
    } else {
      EMBER_CHECK(e.uncompressed_size / kMaxDeflateRatio <= e.compressed_size, what_,
                  " zip entry '", e.name, "' declares ", e.uncompressed_size, " bytes from only ",
                  e.compressed_size, " compressed bytes (decompression bomb?)");
    }
    // Local header: its name must agree; its sizes may be zero (data descriptor), the central
    // directory's are authoritative.
    const uint64_t lho = e.local_header_offset;
    EMBER_CHECK(lho < cd_offset && cd_offset - lho >= kLocalSize && rd32(d + lho) == kLocalSig,
                what_, " corrupt zip: local header of '", e.name, "' at offset ", lho,
                " is invalid");
    const uint64_t l_name = rd16(d + lho + 26), l_extra = rd16(d + lho + 28);
    EMBER_CHECK(cd_offset - lho - kLocalSize >= l_name + l_extra, what_,
                " corrupt zip: local header of '", e.name, "' runs past the data");
    EMBER_CHECK(std::string_view(d + lho + kLocalSize, l_name) == e.name, what_,
                " corrupt zip: local header name differs from central directory for '", e.name,
                "'");
    EMBER_CHECK(rd16(d + lho + 8) == e.method, what_,
                " corrupt zip: local header method differs for '", e.name, "'");
    e.data_offset = lho + kLocalSize + l_name + l_extra;
    EMBER_CHECK(e.compressed_size <= cd_offset - e.data_offset, what_, " zip entry '", e.name,
                "' claims ", e.compressed_size, " bytes at offset ", e.data_offset,
                ", past the end of the data");
    EMBER_CHECK(index_.emplace(e.name, entries_.size()).second, what_,
                " duplicate zip entry name '", e.name, "'");
    entries_.push_back(std::move(e));
    pos += kCentralSize + name_len + extra_len + comment_len;
  }
  // Records must not overlap (overlapping entries are how zip bombs multiply their data).
  std::vector<const ZipEntry*> by_offset;
  for (const auto& e : entries_) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(), [](const ZipEntry* a, const ZipEntry* b) {
    return a->local_header_offset < b->local_header_offset;
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const ZipEntry* prev = by_offset[i - 1];
    EMBER_CHECK(prev->data_offset + prev->compressed_size <= by_offset[i]->local_header_offset,
                what_, " corrupt zip: entries '", prev->name, "' and '", by_offset[i]->name,
                "' overlap");
  }
}

std::vector<std::string> ZipReader::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::string_view ZipReader::stored_view(const ZipEntry& e) const {
  EMBER_CHECK(e.method == 0, what_, " zip entry '", e.name, "' is compressed, not stored");
  std::string_view v(data_.data() + e.data_offset, e.compressed_size);
  EMBER_CHECK(crc32_of(v) == e.crc32, what_, " CRC-32 mismatch in zip entry '", e.name, "'");
  return v;
}

std::string ZipReader::read(std::string_view name) const {
  const ZipEntry* e = find(name);
  EMBER_CHECK(e != nullptr, what_, " zip entry '", name, "' not found");
  return read(*e);
}

std::string ZipReader::read(const ZipEntry& e) const {
  if (e.method == 0) return std::string(stored_view(e));
  // Grow as data arrives: a size that lies costs no more memory than the data really inflates to.
  std::string out(std::min<uint64_t>(e.uncompressed_size, uint64_t{1} << 26), '\0');
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  EMBER_CHECK(inflateInit2(&zs, -MAX_WBITS) == Z_OK, what_, " zlib initialisation failed");
  const char* in = data_.data() + e.data_offset;
  uint64_t in_left = e.compressed_size, out_done = 0;
  int rc = Z_OK;
  enum { kOk, kTooLong, kTruncated } fault = kOk;
  char overflow[64];
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_left > 0) {
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
      zs.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
      in += zs.avail_in;
      in_left -= zs.avail_in;
    }
    if (out_done == out.size() && out.size() < e.uncompressed_size)
      out.resize(std::min<uint64_t>(e.uncompressed_size, 2 * out.size()));
    const bool full = out_done == e.uncompressed_size;
    // Once the declared size is reached, inflate into a scratch buffer: any byte there is a lie.
    zs.next_out = reinterpret_cast<Bytef*>(full ? overflow : out.data() + out_done);
    zs.avail_out = full ? sizeof(overflow)
                        : static_cast<uInt>(std::min<uint64_t>(out.size() - out_done, 1u << 30));
    const uInt before = zs.avail_out;
    rc = inflate(&zs, Z_NO_FLUSH);
    const uInt produced = before - zs.avail_out;
    if (full && produced > 0) {
      fault = kTooLong;
      break;
    }
    out_done += produced;
    if (rc != Z_STREAM_END && zs.avail_in == 0 && in_left == 0 &&
        (rc == Z_BUF_ERROR || (rc == Z_OK && produced == 0))) {
      fault = kTruncated;
      break;
    }
    if (rc != Z_OK && rc != Z_STREAM_END) break;
  }
  inflateEnd(&zs);
  EMBER_CHECK(fault != kTooLong, what_, " zip entry '", e.name,
              "' inflates to more than its declared ", e.uncompressed_size, " bytes");
  EMBER_CHECK(fault != kTruncated, what_, " zip entry '", e.name,
              "' is truncated (deflate stream ends early)");
  EMBER_CHECK(rc == Z_STREAM_END, what_, " zip entry '", e.name,
              "' has corrupt deflate data (zlib error ", rc, ")");
  EMBER_CHECK(out_done == e.uncompressed_size, what_, " zip entry '", e.name, "' inflates to ",
              out_done, " bytes but declares ", e.uncompressed_size);
  EMBER_CHECK(crc32_of(out) == e.crc32, what_, " CRC-32 mismatch in zip entry '", e.name, "'");
  return out;
}

// Note [PyTorch zip alignment]: PyTorch's writer puts an extra field "FB" + u16 length + 'Z'
// padding in every local header so the data starts at a multiple of 64 (the field is present
// even when no padding is needed). Large records get a zip64 extra field before it.
void ZipWriter::add(const std::string& name, std::string_view data) {
  EMBER_CHECK(!finished_, "[torch.save] zip archive already finished");
  EMBER_CHECK(!name.empty() && name.size() <= 0xffff, "[torch.save] bad zip entry name length ",
              name.size());
  for (const auto& e : entries_)
    EMBER_CHECK(e.name != name, "[torch.save] duplicate zip entry name '", name, "'");
  ZipEntry e;
  e.name = name;
  e.crc32 = crc32_of(data);
  e.compressed_size = e.uncompressed_size = data.size();
  e.local_header_offset = out_.size();
  const bool zip64 =
      force_zip64_ || data.size() >= 0xffffffffu || e.local_header_offset >= 0xffffffffu;
  const uint64_t before_pad =
      e.local_header_offset + kLocalSize + name.size() + (zip64 ? 20 : 0) + 4;
  const uint64_t pad = (kAlignment - before_pad % kAlignment) % kAlignment;
  put32(out_, kLocalSig);
  put16(out_, zip64 ? 45 : 0);  // version needed
  put16(out_, 0x0800);          // UTF-8 names
  put16(out_, 0);               // stored
  put16(out_, 0);               // time
  put16(out_, 0);               // date
  put32(out_, e.crc32);
  put32(out_, zip64 ? 0xffffffffu : static_cast<uint32_t>(data.size()));
  put32(out_, zip64 ? 0xffffffffu : static_cast<uint32_t>(data.size()));
  put16(out_, static_cast<uint16_t>(name.size()));
  put16(out_, static_cast<uint16_t>((zip64 ? 20 : 0) + 4 + pad));
  out_ += name;
  if (zip64) {
    put16(out_, 1);
    put16(out_, 16);
    put64(out_, data.size());
    put64(out_, data.size());
  }
  out_ += "FB";
  put16(out_, static_cast<uint16_t>(pad));
  out_.append(pad, 'Z');
  e.data_offset = out_.size();
  out_.append(data.data(), data.size());
  entries_.push_back(std::move(e));
}

std::string ZipWriter::finish() {
  EMBER_CHECK(!finished_, "[torch.save] zip archive already finished");
  finished_ = true;
  const uint64_t cd_offset = out_.size();
  for (const auto& e : entries_) {
    const bool zip64 =
        force_zip64_ || e.uncompressed_size >= 0xffffffffu || e.local_header_offset >= 0xffffffffu;
    put32(out_, kCentralSig);
    put16(out_, zip64 ? 45 : 0);  // version made by
    put16(out_, zip64 ? 45 : 0);  // version needed
    put16(out_, 0x0800);
    put16(out_, 0);
    put16(out_, 0);
    put16(out_, 0);
    put32(out_, e.crc32);
    put32(out_, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.compressed_size));
    put32(out_, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.uncompressed_size));
    put16(out_, static_cast<uint16_t>(e.name.size()));
    put16(out_, zip64 ? 28 : 0);
    put16(out_, 0);  // comment
    put16(out_, 0);  // disk
    put16(out_, 0);  // internal attributes
    put32(out_, 0);  // external attributes
    put32(out_, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.local_header_offset));
    out_ += e.name;
    if (zip64) {
      put16(out_, 1);
      put16(out_, 24);
      put64(out_, e.uncompressed_size);
      put64(out_, e.compressed_size);
      put64(out_, e.local_header_offset);
    }
  }
  const uint64_t cd_size = out_.size() - cd_offset;
  const uint64_t n = entries_.size();
  // Like PyTorch, always write the zip64 end record and locator.
  const uint64_t rec = out_.size();
  put32(out_, kZip64EocdSig);
  put64(out_, kZip64EocdSize - 12);
  put16(out_, 45);
  put16(out_, 45);
  put32(out_, 0);
  put32(out_, 0);
  put64(out_, n);
  put64(out_, n);
  put64(out_, cd_size);
  put64(out_, cd_offset);
  put32(out_, kZip64LocatorSig);
  put32(out_, 0);
  put64(out_, rec);
  put32(out_, 1);
  const bool big =
      force_zip64_ || n >= 0xffff || cd_size >= 0xffffffffu || cd_offset >= 0xffffffffu;
  put32(out_, kEocdSig);
  put16(out_, 0);
  put16(out_, 0);
  put16(out_, big ? 0xffff : static_cast<uint16_t>(n));
  put16(out_, big ? 0xffff : static_cast<uint16_t>(n));
  put32(out_, big ? 0xffffffffu : static_cast<uint32_t>(cd_size));
  put32(out_, big ? 0xffffffffu : static_cast<uint32_t>(cd_offset));
  put16(out_, 0);
  return std::move(out_);
}

}  // namespace detail
}  // namespace serialize
}  // namespace ember
