// Restricted unpickler and protocol-2 pickler for PyTorch's data.pkl (see pickle.h).
#include "src/serialize/pickle.h"

#include <cstring>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "ember/core/tensor_impl.h"

namespace ember {
namespace serialize {
namespace detail {

// Note [Restricted unpickler]: data.pkl is interpreted by a small stack machine that knows only the
// opcodes a weights_only file needs (protocols 2-5, no code objects, no sets, no INST/OBJ) and
// resolves GLOBAL names against a fixed allow-list (what PyTorch's weights_only unpickler allows
// and ember can represent: OrderedDict, the tensor/parameter rebuild functions, storage types,
// torch.Size, dtypes such as torch.float32, and torch.device, which PyTorch >= 2.0 allows). A
// "global" is only a tag; REDUCE on a tag runs ember's own constructor for it. Names weights_only
// allows but ember cannot represent (complex and quantized dtypes, sparse/meta tensors, sets) are
// refused with an error saying what is unsupported. Containers that have been nested into another
// may no longer be modified, which rules out cycles; nesting depth, MARK depth and memo size are
// bounded; every length is checked against the bytes left.

namespace {

const char* opcode_name(unsigned char op) {
  switch (op) {
    case '(':
      return "MARK";
    case '.':
      return "STOP";
    case '0':
      return "POP";
    case '1':
      return "POP_MARK";
    case '2':
      return "DUP";
    case 'F':
      return "FLOAT";
    case 'I':
      return "INT";
    case 'J':
      return "BININT";
    case 'K':
      return "BININT1";
    case 'L':
      return "LONG";
    case 'M':
      return "BININT2";
    case 'N':
      return "NONE";
    case 'P':
      return "PERSID";
    case 'Q':
      return "BINPERSID";
    case 'R':
      return "REDUCE";
    case 'S':
      return "STRING";
    case 'T':
      return "BINSTRING";
    case 'U':
      return "SHORT_BINSTRING";
    case 'V':
      return "UNICODE";
    case 'X':
      return "BINUNICODE";
    case 'a':
      return "APPEND";
    case 'b':
      return "BUILD";
    case 'c':
      return "GLOBAL";
    case 'd':
      return "DICT";
    case '}':
      return "EMPTY_DICT";
    case 'e':
      return "APPENDS";
    case 'g':
      return "GET";
    case 'h':
      return "BINGET";
    case 'i':
      return "INST";
    case 'j':
      return "LONG_BINGET";
    case 'l':
      return "LIST";
    case ']':
      return "EMPTY_LIST";
    case 'o':
      return "OBJ";
    case 'p':
      return "PUT";
    case 'q':
      return "BINPUT";
    case 'r':
      return "LONG_BINPUT";
    case 's':
      return "SETITEM";
    case 't':
      return "TUPLE";
    case ')':
      return "EMPTY_TUPLE";
    case 'u':
      return "SETITEMS";
    case 'G':
      return "BINFLOAT";
    case 0x80:
      return "PROTO";
    case 0x81:
      return "NEWOBJ";
    case 0x82:
      return "EXT1";
    case 0x83:
      return "EXT2";
    case 0x84:
      return "EXT4";
    case 0x85:
      return "TUPLE1";
    case 0x86:
      return "TUPLE2";
    case 0x87:
      return "TUPLE3";
    case 0x88:
      return "NEWTRUE";
    case 0x89:
      return "NEWFALSE";
    case 0x8a:
      return "LONG1";
    case 0x8b:
      return "LONG4";
    case 'B':
      return "BINBYTES";
    case 'C':
      return "SHORT_BINBYTES";
    case 0x8c:
      return "SHORT_BINUNICODE";
    case 0x8d:
      return "BINUNICODE8";
    case 0x8e:
      return "BINBYTES8";
    case 0x8f:
      return "EMPTY_SET";
    case 0x90:
      return "ADDITEMS";
    case 0x91:
      return "FROZENSET";
    case 0x92:
      return "NEWOBJ_EX";
    case 0x93:
      return "STACK_GLOBAL";
    case 0x94:
      return "MEMOIZE";
    case 0x95:
      return "FRAME";
    case 0x96:
      return "BYTEARRAY8";
    case 0x97:
      return "NEXT_BUFFER";
    case 0x98:
      return "READONLY_BUFFER";
    default:
      return nullptr;
  }
}

enum class GlobalId {
  OrderedDict,
  RebuildTensorV2,
  RebuildTensor,
  RebuildParameter,
  RebuildParameterWithState,
  StorageType,
  Size,
  Device,
  CodecsEncode
};
struct Global {
  GlobalId id;
  ScalarType dtype = kFloat;  // for StorageType
  std::string name;
};
struct StorageRef {
  Storage storage;
  ScalarType dtype;
  std::string key;
};
struct PValue;
struct PTuple {
  std::vector<PValue> items;
  size_t depth = 1;
  std::optional<IValue> converted;  // cached so shared tuples convert once
};
struct PValue {
  std::variant<IValue, Global, StorageRef, std::shared_ptr<PTuple>> v;
};

constexpr struct {
  const char* name;
  ScalarType dtype;
} kStorageTypes[] = {{"ByteStorage", kByte},   {"CharStorage", kChar},
                     {"ShortStorage", kShort}, {"IntStorage", kInt},
                     {"LongStorage", kLong},   {"HalfStorage", kHalf},
                     {"FloatStorage", kFloat}, {"DoubleStorage", kDouble},
                     {"BoolStorage", kBool},   {"BFloat16Storage", kBFloat16}};

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 200) out += "...";
  return out;
}

// PyTorch dtypes ember has no ScalarType for (torch.<name>), and storage classes of them.
constexpr const char* kUnsupportedDtypes[] = {
    "complex32",   "complex64",       "complex128",      "quint8", "qint8",  "qint32",
    "quint4x2",    "quint2x4",        "uint16",          "uint32", "uint64", "float8_e4m3fn",
    "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "bits8",  "bits16"};
constexpr struct {
  const char* storage;
  const char* dtype;
} kUnsupportedStorages[] = {
    {"ComplexFloatStorage", "complex64"}, {"ComplexDoubleStorage", "complex128"},
    {"ComplexHalfStorage", "complex32"},  {"QInt8Storage", "qint8"},
    {"QUInt8Storage", "quint8"},          {"QInt32Storage", "qint32"},
    {"QUInt4x2Storage", "quint4x2"},      {"QUInt2x4Storage", "quint2x4"}};

std::optional<ScalarType> dtype_global(const std::string& module, const std::string& name) {
  if (module != "torch") return std::nullopt;
  for (ScalarType t : kAllScalarTypes)
    if (name == dtype_name(t) + 6) return t;  // dtype_name: "torch.float32"
  return std::nullopt;
}

// Why a global that weights_only allows (or that names a PyTorch dtype) is refused, or "".
std::string unsupported_reason(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  if (module == "torch") {
    for (const char* d : kUnsupportedDtypes)
      if (name == d) return "dtype torch." + name + " is not supported";
    for (const auto& s : kUnsupportedStorages)
      if (name == s.storage)
        return std::string("tensors of dtype torch.") + s.dtype + " (" + full +
               ") are not supported";
  }
  if (full == "torch._utils._rebuild_sparse_tensor" ||
      full == "torch._utils._rebuild_sparse_csr_tensor" ||
      full == "torch.serialization._get_layout")
    return "sparse tensors (" + full + ") are not supported";
  if (full == "torch._utils._rebuild_meta_tensor_no_storage")
    return "meta tensors (" + full + ") are not supported";
  if (full == "torch._utils._rebuild_qtensor") return "quantized tensors are not supported";
  if (full == "builtins.set" || full == "__builtin__.set" || full == "builtins.frozenset" ||
      full == "__builtin__.frozenset")
    return "sets (" + full + ") are not supported";
  return std::string();
}

std::optional<Global> resolve_global(const std::string& module, const std::string& name) {
  const std::string full = module + "." + name;
  if (full == "collections.OrderedDict") return Global{GlobalId::OrderedDict, kFloat, full};
  if (full == "torch._utils._rebuild_tensor_v2")
    return Global{GlobalId::RebuildTensorV2, kFloat, full};
  if (full == "torch._utils._rebuild_tensor") return Global{GlobalId::RebuildTensor, kFloat, full};
  if (full == "torch._utils._rebuild_parameter")
    return Global{GlobalId::RebuildParameter, kFloat, full};
  if (full == "torch._utils._rebuild_parameter_with_state")
    return Global{GlobalId::RebuildParameterWithState, kFloat, full};
  if (full == "torch.Size") return Global{GlobalId::Size, kFloat, full};
  if (full == "torch.device") return Global{GlobalId::Device, kFloat, full};
  if (full == "_codecs.encode") return Global{GlobalId::CodecsEncode, kFloat, full};
  if (module == "torch")
    for (const auto& s : kStorageTypes)
      if (name == s.name) return Global{GlobalId::StorageType, s.dtype, full};
  return std::nullopt;
}

// Structural UTF-8 check (lead and continuation bytes); Python decodes with surrogatepass.
bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    if (c < 0x80) {
      n = 0;
    } else if (c >= 0xc2 && c < 0xe0) {
      n = 1;
    } else if (c >= 0xe0 && c < 0xf0) {
      n = 2;
    } else if (c >= 0xf0 && c < 0xf5) {
      n = 3;
    } else {
      return false;
    }
    if (n > s.size() - i - 1) return false;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += n + 1;
  }
  return true;
}

class Unpickler {
 public:
  Unpickler(std::string_view data, const StorageLoader& loader, const UnpickleLimits& limits)
      : d_(data), loader_(loader), limits_(limits) {}

  IValue run();
  size_t pos() const { return pos_; }

 private:
  [[noreturn]] void fail(const std::string& msg) const {
    detail_throw("[torch.load] " + msg + " (pickle opcode " + op_name_ + " at offset " +
                 std::to_string(op_pos_) + ")");
  }
  [[noreturn]] static void detail_throw(const std::string& msg) {
    ::ember::detail::throw_error(msg);
  }
  const char* take(uint64_t n) {
    if (n > d_.size() - pos_) fail("pickle data is truncated");
    const char* p = d_.data() + pos_;
    pos_ += n;
    return p;
  }
  template <class T>
  T le() {
    T v;
    std::memcpy(&v, take(sizeof(T)), sizeof(T));
    return v;
  }
  std::string line() {
    size_t end = d_.find('\n', pos_);
    if (end == std::string_view::npos) fail("pickle data is truncated (unterminated line)");
    std::string s(d_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return s;
  }
  void push(PValue v) {
    if (stack_.size() >= limits_.max_stack) fail("stack is too large");
    stack_.push_back(std::move(v));
  }
  PValue pop() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    PValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PValue& top() {
    if (stack_.size() <= (marks_.empty() ? 0 : marks_.back())) fail("stack underflow");
    return stack_.back();
  }
  std::vector<PValue> pop_mark() {
    if (marks_.empty()) fail("no MARK on the stack");
    const size_t m = marks_.back();
    marks_.pop_back();
    std::vector<PValue> items(std::make_move_iterator(stack_.begin() + m),
                              std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }

  // Containers (lists, dicts) are identified by address; all stay alive while unpickling.
  static const void* container_of(const PValue& v) {
    const IValue* iv = std::get_if<IValue>(&v.v);
    if (iv == nullptr) return nullptr;
    if (iv->isList()) return &iv->toList();
    if (iv->isGenericDict()) return &iv->toGenericDict();
    return nullptr;
  }
  size_t depth_of(const PValue& v) const {
    if (auto t = std::get_if<std::shared_ptr<PTuple>>(&v.v)) return (*t)->depth;
    const void* c = container_of(v);
    if (c == nullptr) return 0;
    auto it = depth_.find(c);
    return it == depth_.end() ? 1 : it->second;
  }
  // `item` becomes part of `parent` (nullptr: a tuple being built).
  void nest(const void* parent, const PValue& item, size_t& parent_depth) {
    const void* c = container_of(item);
    if (c != nullptr) {
      if (c == parent) fail("a container cannot contain itself (recursive structures are refused)");
      frozen_.insert(c);
    }
    parent_depth = std::max(parent_depth, depth_of(item) + 1);
    if (parent_depth > limits_.max_depth)
      fail("containers nested deeper than " + std::to_string(limits_.max_depth));
  }
  void check_mutable(const void* c) {
    if (frozen_.count(c))
      fail("container modified after being nested in another (recursive structures are refused)");
  }
  GenericList& list_at_top() {
    PValue& t = top();
    const IValue* iv = std::get_if<IValue>(&t.v);
    if (iv == nullptr || !iv->isList()) fail("can only append to a list, got " + kind(t));
    check_mutable(&iv->toList());
    return iv->toList();
  }
  GenericDict& dict_at_top() {
    PValue& t = top();
    const IValue* iv = std::get_if<IValue>(&t.v);
    if (iv == nullptr || !iv->isGenericDict()) fail("can only set items of a dict, got " + kind(t));
    check_mutable(&iv->toGenericDict());
    return iv->toGenericDict();
  }
  void append(GenericList& list, PValue item) {
    size_t& d = depth_slot(&list);
    nest(&list, item, d);
    list.push_back(to_ivalue(item));
  }
  void set_item(GenericDict& dict, PValue key, PValue value) {
    size_t& d = depth_slot(&dict);
    nest(&dict, key, d);
    nest(&dict, value, d);
    IValue k = to_ivalue(key);
    if (!(k.isNone() || k.isBool() || k.isInt() || k.isDouble() || k.isString()))
      fail(std::string("unsupported dict key type ") + k.tagKind());
    dict.insert_or_assign(std::move(k), to_ivalue(value));
  }
  size_t& depth_slot(const void* c) {
    auto it = depth_.find(c);
    if (it == depth_.end()) it = depth_.emplace(c, 1).first;
    return it->second;
  }
  PValue make_tuple(std::vector<PValue> items) {
    auto t = std::make_shared<PTuple>();
    for (const auto& i : items) nest(nullptr, i, t->depth);
    t->items = std::move(items);
    return PValue{std::move(t)};
  }
  PValue new_list() {
    IValue v{GenericList{}};
    keep_.push_back(v);
    return PValue{std::move(v)};
  }
  PValue new_dict() {
    IValue v{GenericDict{}};
    keep_.push_back(v);
    return PValue{std::move(v)};
  }

  std::string kind(const PValue& v) const {
    if (auto iv = std::get_if<IValue>(&v.v)) return iv->tagKind();
    if (auto g = std::get_if<Global>(&v.v)) return "global '" + g->name + "'";
    if (std::holds_alternative<StorageRef>(v.v)) return "storage";
    return "Tuple";
  }
  IValue to_ivalue(const PValue& v) {
    if (auto iv = std::get_if<IValue>(&v.v)) return *iv;
    if (auto t = std::get_if<std::shared_ptr<PTuple>>(&v.v)) {
      PTuple& pt = **t;
      if (!pt.converted) {
        std::vector<IValue> items;
        items.reserve(pt.items.size());
        for (const auto& i : pt.items) items.push_back(to_ivalue(i));
        pt.converted = IValue(Tuple::create(std::move(items)));
      }
      return *pt.converted;
    }
    fail(kind(v) + " cannot be used as a value");
  }
  const std::vector<PValue>& tuple_items(const PValue& v, const char* what) {
    auto t = std::get_if<std::shared_ptr<PTuple>>(&v.v);
    if (t == nullptr) fail(std::string(what) + " must be a tuple, got " + kind(v));
    return (*t)->items;
  }
  int64_t as_int(const PValue& v, const char* what) {
    auto iv = std::get_if<IValue>(&v.v);
    if (iv == nullptr || !iv->isInt()) fail(std::string(what) + " must be an int, got " + kind(v));
    return iv->toInt();
  }
  bool as_bool(const PValue& v, const char* what) {
    auto iv = std::get_if<IValue>(&v.v);
    if (iv == nullptr || !iv->isBool()) fail(std::string(what) + " must be a bool, got " + kind(v));
    return iv->toBool();
  }
  const std::string& as_string(const PValue& v, const char* what) {
    auto iv = std::get_if<IValue>(&v.v);
    if (iv == nullptr || !iv->isString())
      fail(std::string(what) + " must be a string, got " + kind(v));
    return iv->toStringRef();
  }
  std::vector<int64_t> int_tuple(const PValue& v, const char* what) {
    std::vector<int64_t> out;
    for (const auto& i : tuple_items(v, what)) out.push_back(as_int(i, what));
    return out;
  }
  void check_no_hooks(const PValue& v) {
    auto iv = std::get_if<IValue>(&v.v);
    if (iv != nullptr && iv->isNone()) return;
    if (iv == nullptr || !iv->isGenericDict() || !iv->toGenericDict().empty())
      fail("backward hooks are not supported (expected an empty OrderedDict)");
  }

  std::string read_string(uint64_t n, bool utf8) {
    if (n > d_.size() - pos_) fail("string of " + std::to_string(n) + " bytes is truncated");
    std::string s(take(n), n);
    if (utf8 && !valid_utf8(s)) fail("string is not valid UTF-8");
    return s;
  }
  PValue persistent_load(const PValue& pid);
  Device make_device(const std::vector<PValue>& args);
  PValue reduce(const Global& g, const std::vector<PValue>& args);
  Tensor rebuild_tensor(const std::vector<PValue>& args, bool v2);

  std::string_view d_;
  const StorageLoader& loader_;
  UnpickleLimits limits_;
  size_t pos_ = 0;
  size_t op_pos_ = 0;
  std::string op_name_;
  std::vector<PValue> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, PValue> memo_;
  std::unordered_map<std::string, StorageRef> storages_;
  std::unordered_map<const void*, size_t> depth_;
  std::unordered_set<const void*> frozen_;
  std::vector<IValue> keep_;
};

PValue Unpickler::persistent_load(const PValue& pid) {
  const auto& t = tuple_items(pid, "persistent id");
  // The legacy (non-zip) format appends view metadata, None since PyTorch 0.4.
  if (t.size() != 5 && t.size() != 6)
    fail("persistent id must be ('storage', type, key, location, numel)");
  if (t.size() == 6) {
    auto vm = std::get_if<IValue>(&t[5].v);
    if (vm == nullptr || !vm->isNone())
      fail("storage views (legacy view metadata) are not supported");
  }
  auto tag = std::get_if<IValue>(&t[0].v);
  if (tag == nullptr || !tag->isString() || tag->toStringRef() != "storage")
    fail("only persistent ids of storages are allowed");
  auto g = std::get_if<Global>(&t[1].v);
  if (g == nullptr || g->id != GlobalId::StorageType)
    fail("persistent id needs a storage type, got " + kind(t[1]));
  const std::string& key = as_string(t[2], "storage key");
  as_string(t[3], "storage location");
  const int64_t numel = as_int(t[4], "storage numel");
  if (numel < 0 || numel > (int64_t(1) << 48)) fail("bad storage size " + std::to_string(numel));
  auto it = storages_.find(key);
  if (it == storages_.end()) {
    Storage s = loader_(key, g->dtype, numel);
    EMBER_CHECK(s && s->nbytes() >= static_cast<size_t>(numel) * element_size(g->dtype),
                "[torch.load] storage '", printable(key), "' is shorter than its ", numel,
                " elements");
    it = storages_.emplace(key, StorageRef{std::move(s), g->dtype, key}).first;
  }
  // The same bytes may be viewed with another dtype.
  return PValue{StorageRef{it->second.storage, g->dtype, key}};
}

Tensor Unpickler::rebuild_tensor(const std::vector<PValue>& args, bool v2) {
  const char* fn = v2 ? "_rebuild_tensor_v2" : "_rebuild_tensor";
  if (v2 ? (args.size() != 6 && args.size() != 7) : args.size() != 4)
    fail(std::string(fn) + " got " + std::to_string(args.size()) + " arguments");
  auto s = std::get_if<StorageRef>(&args[0].v);
  if (s == nullptr) fail(std::string(fn) + " needs a storage, got " + kind(args[0]));
  const int64_t offset = as_int(args[1], "storage offset");
  std::vector<int64_t> size = int_tuple(args[2], "tensor size");
  std::vector<int64_t> stride = int_tuple(args[3], "tensor stride");
  bool requires_grad = false;
  if (v2) {
    requires_grad = as_bool(args[4], "requires_grad");
    check_no_hooks(args[5]);
    if (args.size() == 7) {  // PyTorch >= 2.0 appends Python-side tensor metadata when it has any
      auto iv = std::get_if<IValue>(&args[6].v);
      if (iv == nullptr || !(iv->isNone() || (iv->isGenericDict() && iv->toGenericDict().empty())))
        fail("tensor metadata (the 7th argument of _rebuild_tensor_v2) is not supported, got " +
             kind(args[6]));
    }
  }
  const size_t item = element_size(s->dtype);
  const int64_t storage_numel = static_cast<int64_t>(s->storage->nbytes() / item);
  if (size.size() != stride.size() || size.size() > 64)
    fail("tensor has " + std::to_string(size.size()) + " sizes but " +
         std::to_string(stride.size()) + " strides");
  int64_t numel = 1, last = offset;
  bool overflow = offset < 0;
  for (size_t i = 0; i < size.size(); ++i) {
    overflow |= size[i] < 0 || stride[i] < 0;
    overflow |= __builtin_mul_overflow(numel, size[i], &numel);
    int64_t reach = 0;
    if (size[i] > 0) {
      overflow |= __builtin_mul_overflow(size[i] - 1, stride[i], &reach);
      overflow |= __builtin_add_overflow(last, reach, &last);
    }
  }
  std::ostringstream geom;
  geom << "size " << IntArrayRef(size) << ", stride " << IntArrayRef(stride) << " and offset "
       << offset;
  if (overflow) fail("tensor with " + geom.str() + " is invalid");
  if (numel > 0 ? last >= storage_numel : offset > storage_numel)
    fail("tensor with " + geom.str() + " reaches past its storage '" + printable(s->key) + "' of " +
         std::to_string(storage_numel) + " elements");
  Tensor t(make_intrusive<TensorImpl>(s->storage, s->dtype, IntArrayRef(size), IntArrayRef(stride),
                                      offset));
  if (requires_grad) {
    if (!isFloatingType(s->dtype)) fail("only floating point tensors can require gradients");
    t.requires_grad_(true);
  }
  return t;
}

// torch.device('cpu'), torch.device('cuda:1') or torch.device('cuda', 1).
Device Unpickler::make_device(const std::vector<PValue>& args) {
  if (args.empty() || args.size() > 2) fail("torch.device takes a type and an optional index");
  std::string spec = as_string(args[0], "torch.device type");
  int64_t index = -1;
  const size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    const std::string digits = spec.substr(colon + 1);
    if (digits.empty() || digits.size() > 3 ||
        digits.find_first_not_of("0123456789") != std::string::npos)
      fail("invalid device string '" + printable(spec) + "'");
    index = std::stoi(digits);
    spec.resize(colon);
  }
  if (args.size() == 2) {
    if (colon != std::string::npos) fail("torch.device got an index twice");
    auto iv = std::get_if<IValue>(&args[1].v);
    if (iv == nullptr || !(iv->isInt() || iv->isNone()))
      fail("torch.device index must be an int, got " + kind(args[1]));
    if (iv->isInt()) index = iv->toInt();
  }
  if (spec != "cpu" && spec != "cuda")
    fail("device type '" + printable(spec) + "' is not supported (only cpu and cuda)");
  if (index < -1 || index > 127) fail("device index " + std::to_string(index) + " is out of range");
  return Device(spec == "cpu" ? kCPU : kCUDA, static_cast<DeviceIndex>(index));
}

PValue Unpickler::reduce(const Global& g, const std::vector<PValue>& args) {
  switch (g.id) {
    case GlobalId::OrderedDict:
      if (!args.empty()) fail("collections.OrderedDict takes no arguments here");
      return new_dict();
    case GlobalId::RebuildTensorV2:
      return PValue{IValue(rebuild_tensor(args, true))};
    case GlobalId::RebuildTensor:
      return PValue{IValue(rebuild_tensor(args, false))};
    case GlobalId::RebuildParameter:
    case GlobalId::RebuildParameterWithState: {
      const bool with_state = g.id == GlobalId::RebuildParameterWithState;
      if (args.size() != (with_state ? 4u : 3u))
        fail(g.name + " got the wrong number of arguments");
      auto iv = std::get_if<IValue>(&args[0].v);
      if (iv == nullptr || !iv->isTensor()) fail(g.name + " needs a tensor, got " + kind(args[0]));
      const bool rg = as_bool(args[1], "requires_grad");
      check_no_hooks(args[2]);
      Tensor t = iv->toTensor();
      if (rg) {
        if (!isFloatingType(t.scalar_type()))
          fail("only floating point tensors can require gradients");
        t.requires_grad_(true);
      }
      return PValue{IValue(t)};
    }
    case GlobalId::Size: {
      if (args.size() != 1) fail("torch.Size takes one tuple");
      int_tuple(args[0], "torch.Size");
      return args[0];
    }
    case GlobalId::Device:
      return PValue{IValue(make_device(args))};
    case GlobalId::CodecsEncode: {
      if (args.size() != 2) fail("_codecs.encode takes two arguments");
      const std::string& s = as_string(args[0], "_codecs.encode text");
      const std::string& enc = as_string(args[1], "_codecs.encode encoding");
      if (enc != "latin1" && enc != "latin-1") fail("_codecs.encode only supports latin1");
      std::string out;  // UTF-8 code points below 256 -> bytes
      for (size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
          out += static_cast<char>(c);
        } else if ((c == 0xc2 || c == 0xc3) && i + 1 < s.size()) {
          out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[++i]) & 0x3f));
        } else {
          fail("_codecs.encode: text is not latin1");
        }
      }
      return PValue{IValue(std::move(out))};
    }
    case GlobalId::StorageType:
      fail("storage type " + g.name + " cannot be called");
  }
  fail("unreachable");
}

IValue Unpickler::run() {
  while (true) {
    op_pos_ = pos_;
    if (pos_ >= d_.size()) {
      op_name_ = "<end>";
      fail("pickle data is truncated (no STOP opcode)");
    }
    const auto op = static_cast<unsigned char>(d_[pos_++]);
    const char* name = opcode_name(op);
    op_name_ = name ? name : "0x" + [&] {
      char b[8];
      std::snprintf(b, sizeof(b), "%02x", op);
      return std::string(b);
    }();
    switch (op) {
      case 0x80: {  // PROTO
        const auto v = static_cast<unsigned char>(*take(1));
        if (v < 2 || v > 5) fail("unsupported pickle protocol " + std::to_string(v));
        break;
      }
      case 0x95: {  // FRAME
        const uint64_t n = le<uint64_t>();
        if (n > d_.size() - pos_) fail("frame is truncated");
        break;
      }
      case '.': {
        PValue v = pop();
        return to_ivalue(v);
      }
      case '(':
        if (marks_.size() >= 4 * limits_.max_depth) fail("too many nested MARKs");
        marks_.push_back(stack_.size());
        break;
      case '0':
        if (!marks_.empty() && stack_.size() == marks_.back()) {
          marks_.pop_back();
        } else {
          pop();
        }
        break;
      case '1':
        pop_mark();
        break;
      case '2':
        push(top());
        break;
      case 'N':
        push(PValue{IValue()});
        break;
      case 0x88:
        push(PValue{IValue(true)});
        break;
      case 0x89:
        push(PValue{IValue(false)});
        break;
      case 'J':
        push(PValue{IValue(static_cast<int64_t>(le<int32_t>()))});
        break;
      case 'K':
        push(PValue{IValue(static_cast<int64_t>(le<uint8_t>()))});
        break;
      case 'M':
        push(PValue{IValue(static_cast<int64_t>(le<uint16_t>()))});
        break;
      case 0x8a:
      case 0x8b: {  // LONG1, LONG4: little-endian two's complement
        const uint64_t n = op == 0x8a ? le<uint8_t>() : le<uint32_t>();
        if (n > 8) fail("integer of " + std::to_string(n) + " bytes does not fit in int64");
        const char* p = take(n);
        uint64_t u = 0;
        for (uint64_t i = 0; i < n; ++i)
          u |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
        if (n > 0 && n < 8 && (static_cast<uint8_t>(p[n - 1]) & 0x80)) u |= ~uint64_t{0} << (8 * n);
        int64_t v;
        std::memcpy(&v, &u, 8);
        push(PValue{IValue(v)});
        break;
      }
      case 'G': {  // big-endian double
        const char* p = take(8);
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u = (u << 8) | static_cast<uint8_t>(p[i]);
        double v;
        std::memcpy(&v, &u, 8);
        push(PValue{IValue(v)});
        break;
      }
      case 'X':
        push(PValue{IValue(read_string(le<uint32_t>(), true))});
        break;
      case 0x8c:
        push(PValue{IValue(read_string(le<uint8_t>(), true))});
        break;
      case 0x8d:
        push(PValue{IValue(read_string(le<uint64_t>(), true))});
        break;
      case 'U':
      case 'C':
        push(PValue{IValue(read_string(le<uint8_t>(), false))});
        break;
      case 'B':
      case 'T':
        push(PValue{IValue(read_string(le<uint32_t>(), false))});
        break;
      case 0x8e:
        push(PValue{IValue(read_string(le<uint64_t>(), false))});
        break;
      case ')':
        push(make_tuple({}));
        break;
      case 't':
        push(make_tuple(pop_mark()));
        break;
      case 0x85:
      case 0x86:
      case 0x87: {
        const size_t n = op - 0x84u;
        std::vector<PValue> items(n);
        for (size_t i = n; i-- > 0;) items[i] = pop();
        push(make_tuple(std::move(items)));
        break;
      }
      case ']':
        push(new_list());
        break;
      case 'l': {
        std::vector<PValue> items = pop_mark();
        push(new_list());
        GenericList& l = list_at_top();
        for (auto& i : items) append(l, std::move(i));
        break;
      }
      case 'a': {
        PValue item = pop();
        append(list_at_top(), std::move(item));
        break;
      }
      case 'e': {
        std::vector<PValue> items = pop_mark();
        GenericList& l = list_at_top();
        for (auto& i : items) append(l, std::move(i));
        break;
      }
      case '}':
        push(new_dict());
        break;
      case 'd':
      case 'u': {
        std::vector<PValue> items = pop_mark();
        if (items.size() % 2) fail("odd number of items for a dict");
        if (op == 'd') push(new_dict());
        GenericDict& dict = dict_at_top();
        for (size_t i = 0; i < items.size(); i += 2)
          set_item(dict, std::move(items[i]), std::move(items[i + 1]));
        break;
      }
      case 's': {
        PValue v = pop();
        PValue k = pop();
        set_item(dict_at_top(), std::move(k), std::move(v));
        break;
      }
      case 'c':
      case 0x93: {
        std::string module, gname;
        if (op == 'c') {
          module = line();
          gname = line();
        } else {
          PValue n = pop();
          PValue m = pop();
          gname = as_string(n, "STACK_GLOBAL name");
          module = as_string(m, "STACK_GLOBAL module");
        }
        if (auto dt = dtype_global(module, gname)) {
          push(PValue{IValue(*dt)});
          break;
        }
        auto g = resolve_global(module, gname);
        if (!g) {
          const std::string why = unsupported_reason(module, gname);
          if (!why.empty()) fail(why);
          op_name_ = op == 'c' ? "GLOBAL" : "STACK_GLOBAL";
          detail_throw("[torch.load] unsupported global '" + printable(module + "." + gname) +
                       "' (weights_only)");
        }
        push(PValue{std::move(*g)});
        break;
      }
      case 'R': {
        PValue args = pop();
        PValue& f = top();
        auto g = std::get_if<Global>(&f.v);
        if (g == nullptr) fail("REDUCE on a non-allowed callable (" + kind(f) + ")");
        const std::vector<PValue> a = tuple_items(args, "REDUCE arguments");
        const Global gc = *g;
        for (const auto& i : a) {
          const void* c = container_of(i);
          if (c != nullptr) frozen_.insert(c);
        }
        f = reduce(gc, a);
        break;
      }
      case 'b': {  // BUILD: only the attribute state of an OrderedDict (e.g. _metadata), ignored
        PValue state = pop();
        PValue& inst = top();
        auto iv = std::get_if<IValue>(&inst.v);
        if (iv == nullptr || !iv->isGenericDict())
          fail("BUILD is only supported on an OrderedDict, got " + kind(inst));
        auto st = std::get_if<IValue>(&state.v);
        if (st == nullptr || !st->isGenericDict())
          fail("BUILD state of an OrderedDict must be a dict of attributes, got " + kind(state));
        break;
      }
      case 0x8f:
      case 0x90:
      case 0x91:
        fail("sets are not supported");
      case 'Q': {
        PValue pid = pop();
        push(persistent_load(pid));
        break;
      }
      case 'h':
      case 'j': {
        const uint32_t i = op == 'h' ? le<uint8_t>() : le<uint32_t>();
        auto it = memo_.find(i);
        if (it == memo_.end()) fail("memo index " + std::to_string(i) + " is not defined");
        push(it->second);
        break;
      }
      case 'q':
      case 'r':
      case 0x94: {
        const uint32_t i = op == 'q'   ? le<uint8_t>()
                           : op == 'r' ? le<uint32_t>()
                                       : static_cast<uint32_t>(memo_.size());
        if (memo_.size() >= limits_.max_memo && !memo_.count(i)) fail("memo is too large");
        memo_[i] = top();
        break;
      }
      default:
        fail(name ? std::string("opcode ") + name + " is not allowed (weights_only)"
                  : std::string("unknown opcode"));
    }
  }
}

}  // namespace

const char* storage_type_name(ScalarType dtype) {
  for (const auto& s : kStorageTypes)
    if (s.dtype == dtype) return s.name;
  EMBER_CHECK(false, "[torch.save] unsupported dtype ", dtype);
  return nullptr;
}

bool is_valid_utf8(std::string_view s) { return valid_utf8(s); }

IValue unpickle(std::string_view data, const StorageLoader& load_storage,
                const UnpickleLimits& limits, size_t* consumed) {
  Unpickler u(data, load_storage, limits);
  IValue v = u.run();
  if (consumed != nullptr) *consumed = u.pos();
  return v;
}

}  // namespace detail
}  // namespace serialize
}  // namespace ember
