// ember's checkpoint format (Note [Checkpoint format]) and torch::save / torch::load.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ember/autograd/grad_mode.h"
#include "ember/ember.h"
#include "ember/serialize.h"

namespace ember {
namespace serialize {

namespace {

constexpr char kMagic[8] = {'E', 'M', 'B', 'R', 'C', 'K', 'P', 'T'};
constexpr uint32_t kVersion = 1;
enum Kind : uint8_t { kTensor = 0, kInt = 1, kDouble = 2, kString = 3 };

uint32_t crc32(const std::string& data, size_t n) {
  static uint32_t table[256] = {};
  static bool init = [] {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return true;
  }();
  (void)init;
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) c = table[(c ^ static_cast<uint8_t>(data[i])) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

class Reader {
 public:
  Reader(const std::string& data, size_t end, const std::string& what)
      : data_(data), end_(end), what_(what) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string bytes(uint64_t n) {
    need(n);
    std::string s = data_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  const char* ptr() const { return data_.data() + pos_; }
  void skip(uint64_t n) {
    need(n);
    pos_ += n;
  }
  size_t pos() const { return pos_; }

 private:
  void need(uint64_t n) {
    EMBER_CHECK(n <= end_ - pos_, "[load] ", what_, ": file is truncated or corrupt (needed ", n,
                " more bytes at offset ", pos_, ")");
  }
  const std::string& data_;
  size_t end_;
  std::string what_;
  size_t pos_ = 0;
};

bool known_dtype(int8_t t) {
  for (ScalarType s : kAllScalarTypes)
    if (static_cast<int8_t>(s) == t) return true;
  return false;
}

}  // namespace

void OutputArchive::write(const std::string& key, const Tensor& tensor, bool) {
  EMBER_CHECK(tensor.defined(), "[save] cannot save an undefined tensor under '", key, "'");
  Value v;
  v.kind = kTensor;
  NoGradGuard ng;
  v.tensor = tensor.detach().cpu().contiguous();
  records_[key] = std::move(v);
}
void OutputArchive::write(const std::string& key, int64_t value) {
  Value v;
  v.kind = kInt;
  v.i = value;
  records_[key] = std::move(v);
}
void OutputArchive::write(const std::string& key, double value) {
  Value v;
  v.kind = kDouble;
  v.d = value;
  records_[key] = std::move(v);
}
void OutputArchive::write(const std::string& key, const std::string& value) {
  Value v;
  v.kind = kString;
  v.s = value;
  records_[key] = std::move(v);
}
void OutputArchive::write(const std::string& key, const OutputArchive& nested) {
  for (const auto& [k, v] : nested.records_) records_[key + "." + k] = v;
}

std::string OutputArchive::to_bytes() const {
  std::string out(kMagic, 8);
  put<uint32_t>(out, kVersion);
  put<uint64_t>(out, records_.size());
  for (const auto& [key, v] : records_) {
    put<uint32_t>(out, static_cast<uint32_t>(key.size()));
    out += key;
    put<uint8_t>(out, v.kind);
    switch (v.kind) {
      case kTensor: {
        put<int8_t>(out, static_cast<int8_t>(v.tensor.dtype()));
        put<uint32_t>(out, static_cast<uint32_t>(v.tensor.dim()));
        for (int64_t s : v.tensor.sizes()) put<int64_t>(out, s);
        put<uint64_t>(out, v.tensor.nbytes());
        out.append(static_cast<const char*>(v.tensor.data_ptr()), v.tensor.nbytes());
        break;
      }
      case kInt: put<int64_t>(out, v.i); break;
      case kDouble: put<double>(out, v.d); break;
      default:
        put<uint32_t>(out, static_cast<uint32_t>(v.s.size()));
        out += v.s;
    }
  }
  put<uint32_t>(out, crc32(out, out.size()));
  return out;
}

void OutputArchive::save_to(const std::string& filename) const {
  write_file_atomic(filename, to_bytes());
}
void OutputArchive::save_to(std::ostream& stream) const {
  std::string b = to_bytes();
  stream.write(b.data(), static_cast<std::streamsize>(b.size()));
  EMBER_CHECK(stream.good(), "[save] failed to write the archive to the stream");
}

void InputArchive::load_from_bytes(const std::string& data) {
  const std::string what = "checkpoint";
  EMBER_CHECK(data.size() >= 8 + 4 + 8 + 4 && std::memcmp(data.data(), kMagic, 8) == 0,
              "[load] not an ember checkpoint (bad magic or too short)");
  size_t body = data.size() - 4;
  uint32_t stored;
  std::memcpy(&stored, data.data() + body, 4);
  EMBER_CHECK(stored == crc32(data, body), "[load] checkpoint is corrupt (CRC mismatch)");
  Reader r(data, body, what);
  r.skip(8);
  uint32_t version = r.get<uint32_t>();
  EMBER_CHECK(version == kVersion, "[load] unsupported checkpoint version ", version);
  uint64_t count = r.get<uint64_t>();
  EMBER_CHECK(count <= body / 14, "[load] checkpoint record count ", count, " is impossible");
  std::map<std::string, OutputArchive::Value> records;
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t klen = r.get<uint32_t>();
    std::string key = r.bytes(klen);
    OutputArchive::Value v;
    v.kind = r.get<uint8_t>();
    switch (v.kind) {
      case kTensor: {
        int8_t dt = r.get<int8_t>();
        EMBER_CHECK(known_dtype(dt), "[load] tensor '", key, "' has unknown dtype code ",
                    static_cast<int>(dt));
        uint32_t ndim = r.get<uint32_t>();
        EMBER_CHECK(ndim <= 64, "[load] tensor '", key, "' has ", ndim, " dimensions");
        DimVector sizes;
        for (uint32_t d = 0; d < ndim; ++d) sizes.push_back(r.get<int64_t>());
        int64_t numel = checked_numel(sizes, "load");
        uint64_t nbytes = r.get<uint64_t>();
        ScalarType st = static_cast<ScalarType>(dt);
        EMBER_CHECK(nbytes == static_cast<uint64_t>(numel) * element_size(st), "[load] tensor '",
                    key, "' claims ", nbytes, " bytes but its shape needs ",
                    static_cast<uint64_t>(numel) * element_size(st));
        const char* src = r.ptr();
        r.skip(nbytes);
        v.tensor = make_tensor(sizes, st);
        if (nbytes) std::memcpy(v.tensor.data_ptr(), src, nbytes);
        break;
      }
      case kInt: v.i = r.get<int64_t>(); break;
      case kDouble: v.d = r.get<double>(); break;
      case kString: {
        uint32_t n = r.get<uint32_t>();
        v.s = r.bytes(n);
        break;
      }
      default: EMBER_ERROR("[load] record '", key, "' has unknown kind ", static_cast<int>(v.kind));
    }
    EMBER_CHECK(records.emplace(key, std::move(v)).second, "[load] duplicate key '", key, "'");
  }
  EMBER_CHECK(r.pos() == body, "[load] checkpoint has ", body - r.pos(), " trailing bytes");
  records_ = std::move(records);
}

void InputArchive::load_from(const std::string& filename) {
  std::ifstream f(filename, std::ios::binary);
  EMBER_CHECK(f.good(), "[load] cannot open '", filename, "': ", std::strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  try {
    load_from_bytes(ss.str());
  } catch (const Error& e) {
    EMBER_ERROR(e.what(), " (file '", filename, "')");
  }
}

void InputArchive::load_from(std::istream& stream) {
  std::stringstream ss;
  ss << stream.rdbuf();
  load_from_bytes(ss.str());
}

bool InputArchive::try_read(const std::string& key, Tensor& tensor, bool) const {
  auto it = records_.find(key);
  if (it == records_.end()) return false;
  EMBER_CHECK(it->second.kind == kTensor, "[load] '", key, "' is not a tensor");
  tensor = it->second.tensor;
  return true;
}
void InputArchive::read(const std::string& key, Tensor& tensor, bool is_buffer) const {
  EMBER_CHECK(try_read(key, tensor, is_buffer), "[load] no tensor '", key, "' in the checkpoint");
}
bool InputArchive::try_read(const std::string& key, int64_t& value) const {
  auto it = records_.find(key);
  if (it == records_.end()) return false;
  EMBER_CHECK(it->second.kind == kInt, "[load] '", key, "' is not an integer");
  value = it->second.i;
  return true;
}
void InputArchive::read(const std::string& key, int64_t& value) const {
  EMBER_CHECK(try_read(key, value), "[load] no integer '", key, "' in the checkpoint");
}
void InputArchive::read(const std::string& key, double& value) const {
  auto it = records_.find(key);
  EMBER_CHECK(it != records_.end() && it->second.kind == kDouble, "[load] no number '", key,
              "' in the checkpoint");
  value = it->second.d;
}
void InputArchive::read(const std::string& key, std::string& value) const {
  auto it = records_.find(key);
  EMBER_CHECK(it != records_.end() && it->second.kind == kString, "[load] no string '", key,
              "' in the checkpoint");
  value = it->second.s;
}
bool InputArchive::try_read(const std::string& key, InputArchive& nested) const {
  std::string prefix = key + ".";
  nested.records_.clear();
  for (auto it = records_.lower_bound(prefix); it != records_.end(); ++it) {
    if (it->first.compare(0, prefix.size(), prefix) != 0) break;
    nested.records_[it->first.substr(prefix.size())] = it->second;
  }
  return !nested.records_.empty();
}
void InputArchive::read(const std::string& key, InputArchive& nested) const {
  EMBER_CHECK(try_read(key, nested), "[load] no entries under '", key, "' in the checkpoint");
}
std::vector<std::string> InputArchive::keys() const {
  std::vector<std::string> k;
  for (const auto& [key, v] : records_) k.push_back(key);
  return k;
}

}  // namespace serialize

void write_file_atomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  EMBER_CHECK(fd >= 0, "[save] cannot create '", tmp, "': ", std::strerror(errno));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      EMBER_ERROR("[save] writing '", path, "' failed: ", std::strerror(err),
                  " (the previous file, if any, is unchanged)");
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    EMBER_ERROR("[save] flushing '", path, "' failed: ", std::strerror(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    EMBER_ERROR("[save] renaming '", tmp, "' to '", path, "' failed: ", std::strerror(err));
  }
}

void save(const Tensor& tensor, const std::string& path) {
  serialize::OutputArchive a;
  a.write("0", tensor);
  a.write("__kind__", std::string("tensor"));
  a.save_to(path);
}

void save(const std::vector<Tensor>& tensors, const std::string& path) {
  serialize::OutputArchive a;
  for (size_t i = 0; i < tensors.size(); ++i) a.write(std::to_string(i), tensors[i]);
  a.write("__kind__", std::string("tensors"));
  a.write("__size__", static_cast<int64_t>(tensors.size()));
  a.save_to(path);
}

void load(Tensor& tensor, const std::string& path) {
  serialize::InputArchive a;
  a.load_from(path);
  a.read("0", tensor);
}

void load(std::vector<Tensor>& tensors, const std::string& path) {
  serialize::InputArchive a;
  a.load_from(path);
  int64_t n = 0;
  a.read("__size__", n);
  EMBER_CHECK(n >= 0 && n < (int64_t(1) << 32), "[load] invalid tensor count ", n);
  tensors.clear();
  for (int64_t i = 0; i < n; ++i) {
    Tensor t;
    a.read(std::to_string(i), t);
    tensors.push_back(t);
  }
}

void save_state(const nn::Module& module, serialize::OutputArchive& archive) {
  for (const auto& item : module.named_parameters()) archive.write(item.key(), item.value());
  for (const auto& item : module.named_buffers()) archive.write(item.key(), item.value(), true);
}

void load_state(nn::Module& module, const serialize::InputArchive& archive) {
  // Read and check everything first so that a bad checkpoint leaves the module unchanged.
  std::vector<std::pair<Tensor, Tensor>> pairs;
  auto collect = [&](const OrderedDict<std::string, Tensor>& dict) {
    for (const auto& item : dict) {
      Tensor src;
      archive.read(item.key(), src);
      EMBER_CHECK(src.sizes() == item.value().sizes(), "[load] '", item.key(),
                  "' has shape ", src.sizes(), " in the checkpoint but ", item.value().sizes(),
                  " in the module");
      pairs.emplace_back(item.value(), src);
    }
  };
  collect(module.named_parameters());
  collect(module.named_buffers());
  NoGradGuard ng;
  for (auto& [dst, src] : pairs) dst.copy_(src);
}

void save_state(const optim::Optimizer& opt, serialize::OutputArchive& archive) {
  int64_t index = 0;
  for (size_t g = 0; g < opt.param_groups().size(); ++g) {
    const auto& group = opt.param_groups()[g];
    archive.write("param_groups." + std::to_string(g) + ".lr", group.options().get_lr());
    archive.write("param_groups." + std::to_string(g) + ".size",
                  static_cast<int64_t>(group.params().size()));
    for (const auto& p : group.params()) {
      auto it = opt.state().find(p.unsafeGetTensorImpl());
      if (it != opt.state().end()) {
        serialize::OutputArchive nested;
        it->second->serialize(nested);
        archive.write("state." + std::to_string(index), nested);
      }
      ++index;
    }
  }
}

void load_state(optim::Optimizer& opt, const serialize::InputArchive& archive) {
  int64_t index = 0;
  for (size_t g = 0; g < opt.param_groups().size(); ++g) {
    auto& group = opt.param_groups()[g];
    int64_t n = 0;
    archive.read("param_groups." + std::to_string(g) + ".size", n);
    EMBER_CHECK(n == static_cast<int64_t>(group.params().size()), "[load] optimizer parameter "
                "group ", g, " has ", group.params().size(), " parameters but the checkpoint has ",
                n);
    double lr = 0;
    archive.read("param_groups." + std::to_string(g) + ".lr", lr);
    group.options().set_lr(lr);
    for (const auto& p : group.params()) {
      serialize::InputArchive nested;
      if (archive.try_read("state." + std::to_string(index), nested)) {
        auto st = opt.make_param_state();
        EMBER_CHECK(st != nullptr, "[load] this optimizer has no loadable state");
        st->serialize(nested);
        opt.set_param_state(p, std::move(st));
      }
      ++index;
    }
  }
}

void save(const nn::Module& module, const std::string& path) {
  serialize::OutputArchive a;
  save_state(module, a);
  a.save_to(path);
}
void load(nn::Module& module, const std::string& path) {
  serialize::InputArchive a;
  a.load_from(path);
  load_state(module, a);
}
void save(const optim::Optimizer& optimizer, const std::string& path) {
  serialize::OutputArchive a;
  save_state(optimizer, a);
  a.save_to(path);
}
void load(optim::Optimizer& optimizer, const std::string& path) {
  serialize::InputArchive a;
  a.load_from(path);
  load_state(optimizer, a);
}

}  // namespace ember
