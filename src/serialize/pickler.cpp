// Protocol-2 pickler for PyTorch's data.pkl, as torch.save writes it (see pickle.h).
#include <cstring>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "ember/core/tensor_impl.h"
#include "src/serialize/pickle.h"

namespace ember {
namespace serialize {
namespace detail {

namespace {

class Pickler {
 public:
  explicit Pickler(bool ordered_dict) : ordered_dict_(ordered_dict) {}
  PickleResult run(const IValue& v) {
    out_ += "\x80\x02";
    write(v, 0);
    out_ += '.';
    return PickleResult{std::move(out_), std::move(storages_)};
  }

 private:
  void put_memo() {
    const uint32_t i = next_memo_++;
    if (i < 256) {
      out_ += 'q';
      out_ += static_cast<char>(i);
    } else {
      out_ += 'r';
      put_le<uint32_t>(i);
    }
  }
  void get_memo(uint32_t i) {
    if (i < 256) {
      out_ += 'h';
      out_ += static_cast<char>(i);
    } else {
      out_ += 'j';
      put_le<uint32_t>(i);
    }
  }
  template <class T>
  void put_le(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out_.append(b, sizeof(T));
  }
  void global(const std::string& module, const std::string& name) {
    const std::string key = module + "\n" + name + "\n";
    auto it = globals_.find(key);
    if (it != globals_.end()) return get_memo(it->second);
    out_ += 'c';
    out_ += key;
    globals_[key] = next_memo_;
    put_memo();
  }
  void write_int(int64_t v) {
    if (v >= 0 && v < 256) {
      out_ += 'K';
      out_ += static_cast<char>(v);
    } else if (v >= 0 && v < 65536) {
      out_ += 'M';
      put_le<uint16_t>(static_cast<uint16_t>(v));
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out_ += 'J';
      put_le<int32_t>(static_cast<int32_t>(v));
    } else {  // LONG1 with the fewest two's complement bytes
      uint64_t u;
      std::memcpy(&u, &v, 8);
      std::string bytes;
      for (int i = 0; i < 8; ++i) bytes += static_cast<char>((u >> (8 * i)) & 0xff);
      while (bytes.size() > 1) {
        const auto last = static_cast<uint8_t>(bytes.back());
        const auto prev = static_cast<uint8_t>(bytes[bytes.size() - 2]);
        if ((last == 0 && !(prev & 0x80)) || (last == 0xff && (prev & 0x80))) {
          bytes.pop_back();
        } else {
          break;
        }
      }
      out_ += '\x8a';
      out_ += static_cast<char>(bytes.size());
      out_ += bytes;
    }
  }
  void write_string(const std::string& s) {
    EMBER_CHECK(is_valid_utf8(s), "[torch.save] strings must be valid UTF-8");
    out_ += 'X';
    put_le<uint32_t>(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void write_tensor(const Tensor& t0) {
    EMBER_CHECK(t0.defined(), "[torch.save] cannot save an undefined tensor");
    Tensor t = t0.is_cpu() ? t0 : t0.detach().cpu();
    const ScalarType dtype = t.scalar_type();
    const TensorImpl* impl = t.unsafeGetTensorImpl();
    const Storage& storage = impl->storage();
    const auto skey = std::make_pair(static_cast<const void*>(storage.get()), dtype);
    auto it = storage_keys_.find(skey);
    if (it == storage_keys_.end()) {
      const std::string key = std::to_string(storages_.size());
      const size_t nbytes = storage->nbytes() / element_size(dtype) * element_size(dtype);
      storages_.push_back(PickledStorage{key, storage, nbytes});
      it = storage_keys_.emplace(skey, storages_.size() - 1).first;
    }
    const PickledStorage& ps = storages_[it->second];
    global("torch._utils", "_rebuild_tensor_v2");
    out_ += '(';
    out_ += '(';
    write_string("storage");
    global("torch", storage_type_name(dtype));
    write_string(ps.key);
    write_string("cpu");
    write_int(static_cast<int64_t>(ps.nbytes / element_size(dtype)));
    out_ += 't';
    put_memo();
    out_ += 'Q';
    write_int(impl->storage_offset());
    write_int_tuple(t.sizes());
    write_int_tuple(t.strides());
    out_ += t.requires_grad() ? '\x88' : '\x89';
    global("collections", "OrderedDict");
    out_ += ")R";
    put_memo();
    out_ += "tR";
    put_memo();
  }
  void write_int_tuple(IntArrayRef v) {
    if (v.empty()) {
      out_ += ')';
      return;
    }
    if (v.size() > 3) out_ += '(';
    for (int64_t x : v) write_int(x);
    out_ += v.size() == 1 ? "\x85" : v.size() == 2 ? "\x86" : v.size() == 3 ? "\x87" : "t";
    put_memo();
  }
  bool memoized(const void* p) {
    EMBER_CHECK(!in_progress_.count(p),
                "[torch.save] a container that contains itself cannot be saved");
    auto it = containers_.find(p);
    if (it == containers_.end()) return false;
    get_memo(it->second);
    return true;
  }
  void write(const IValue& v, size_t depth) {
    EMBER_CHECK(depth < 1000, "[torch.save] containers nested too deeply (or recursive)");
    if (v.isNone()) {
      out_ += 'N';
    } else if (v.isBool()) {
      out_ += v.toBool() ? '\x88' : '\x89';
    } else if (v.isInt()) {
      write_int(v.toInt());
    } else if (v.isDouble()) {
      uint64_t u;
      const double d = v.toDouble();
      std::memcpy(&u, &d, 8);
      out_ += 'G';
      for (int i = 7; i >= 0; --i) out_ += static_cast<char>((u >> (8 * i)) & 0xff);
    } else if (v.isString()) {
      write_string(v.toStringRef());
    } else if (v.isTensor()) {
      write_tensor(v.toTensor());
    } else if (v.isScalarType()) {
      global("torch", dtype_name(v.toScalarType()) + 6);  // "torch.float32"
    } else if (v.isDevice()) {  // torch.device('cuda', 1) pickles as device, ('cuda', 1), REDUCE
      const Device d = v.toDevice();
      global("torch", "device");
      write_string(d.is_cpu() ? "cpu" : "cuda");
      if (d.has_index()) write_int(d.index());
      out_ += d.has_index() ? "\x86" : "\x85";
      put_memo();
      out_ += 'R';
      put_memo();
    } else if (v.isTensorList() || v.isList()) {
      std::vector<IValue> tmp;
      const std::vector<IValue>* items = &tmp;
      if (v.isList()) {
        if (memoized(&v.toList())) return;
        items = &v.toList();
      } else {
        for (const auto& t : v.toTensorList()) tmp.emplace_back(t);
      }
      out_ += ']';
      if (v.isList()) containers_[&v.toList()] = next_memo_;
      put_memo();
      in_progress_.insert(items);
      for (size_t i = 0; i < items->size(); i += 1000) {
        const size_t n = std::min<size_t>(1000, items->size() - i);
        if (n > 1) out_ += '(';
        for (size_t k = i; k < i + n; ++k) write((*items)[k], depth + 1);
        out_ += n > 1 ? 'e' : 'a';
      }
      in_progress_.erase(items);
    } else if (v.isTuple()) {
      const auto& tp = v.toTuple();
      if (memoized(tp.get())) return;
      const auto& e = tp->elements();
      if (e.empty()) {
        out_ += ')';
        return;
      }
      if (e.size() > 3) out_ += '(';
      in_progress_.insert(tp.get());
      for (const auto& x : e) write(x, depth + 1);
      in_progress_.erase(tp.get());
      out_ += e.size() == 1 ? "\x85" : e.size() == 2 ? "\x86" : e.size() == 3 ? "\x87" : "t";
      containers_[tp.get()] = next_memo_;
      put_memo();
    } else {
      const GenericDict& d = v.toGenericDict();
      if (memoized(&d)) return;
      if (ordered_dict_ && depth == 0) {
        global("collections", "OrderedDict");
        out_ += ")R";
      } else {
        out_ += '}';
      }
      containers_[&d] = next_memo_;
      put_memo();
      in_progress_.insert(&d);
      size_t n = 0;
      auto it = d.begin();
      while (it != d.end()) {
        const size_t batch = std::min<size_t>(1000, d.size() - n);
        if (batch > 1) out_ += '(';
        for (size_t k = 0; k < batch; ++k, ++it) {
          write(it->key(), depth + 1);
          write(it->value(), depth + 1);
        }
        out_ += batch > 1 ? 'u' : 's';
        n += batch;
      }
      in_progress_.erase(&d);
    }
  }

  bool ordered_dict_;
  std::string out_;
  uint32_t next_memo_ = 0;
  std::unordered_map<std::string, uint32_t> globals_;
  std::unordered_map<const void*, uint32_t> containers_;
  std::unordered_set<const void*> in_progress_;
  std::map<std::pair<const void*, ScalarType>, size_t> storage_keys_;
  std::vector<PickledStorage> storages_;
};

}  // namespace

PickleResult pickle(const IValue& value, bool ordered_dict) {
  return Pickler(ordered_dict).run(value);
}

}  // namespace detail
}  // namespace serialize
}  // namespace ember
