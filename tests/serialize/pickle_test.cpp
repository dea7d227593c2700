// Restricted unpickler and pickler: opcodes, allow-listed globals, limits, hostile pickles.
#include "src/serialize/pickle.h"

#include <gtest/gtest.h>

#include <cstring>

#include "ember/ember.h"

using namespace ember;
using namespace ember::serialize::detail;
using namespace std::string_literals;

namespace {

// Storage "0" holds floats 0, 1, 2, ... (numel of them); other keys are refused.
Storage float_storage(const std::string& key, ScalarType dtype, int64_t numel) {
  EMBER_CHECK(key == "0", "[test] unknown storage key ", key);
  Storage s =
      make_intrusive<StorageImpl>(numel * element_size(dtype), cpu_allocator(), Device(kCPU));
  if (dtype == kFloat)
    for (int64_t i = 0; i < numel; ++i) static_cast<float*>(s->data())[i] = float(i);
  return s;
}

IValue load(const std::string& p) { return unpickle(p, float_storage); }

std::string error_of(const std::string& p) {
  try {
    load(p);
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "<no error>";
}

std::string str(const std::string& s) {  // BINUNICODE
  uint32_t n = static_cast<uint32_t>(s.size());
  return "X"s + std::string(reinterpret_cast<const char*>(&n), 4) + s;
}

// (storage, FloatStorage, '0', 'cpu', numel) BINPERSID, offset, size, stride, False, hooks
std::string tensor(int numel, const std::string& offset, const std::string& size,
                   const std::string& stride) {
  return "ctorch._utils\n_rebuild_tensor_v2\n((" + str("storage") + "ctorch\nFloatStorage\n" +
         str("0") + str("cpu") + "K" + std::string(1, char(numel)) + "tQ" + offset + size + stride +
         "\x89"
         "ccollections\nOrderedDict\n)Rtq\x00R"s;
}

std::string to_string(const IValue& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

}  // namespace

TEST(Unpickle, Scalars) {
  EXPECT_TRUE(load("\x80\x02N."s).isNone());
  EXPECT_EQ(load("\x80\x02\x88."s).toBool(), true);
  EXPECT_EQ(load("\x80\x02K\xff."s).toInt(), 255);
  EXPECT_EQ(load("\x80\x02M\x01\x02."s).toInt(), 513);
  EXPECT_EQ(load("\x80\x02J\xfe\xff\xff\xff."s).toInt(), -2);
  EXPECT_EQ(load("\x80\x02\x8a\x01\xff."s).toInt(), -1);
  EXPECT_EQ(load("\x80\x02\x8a\x06\x00\x00\x00\x00\x00\x01."s).toInt(), int64_t(1) << 40);
  EXPECT_EQ(load("\x80\x02\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f."s).toInt(), INT64_MAX);
  EXPECT_NE(error_of("\x80\x02\x8a\x09\x00\x00\x00\x00\x00\x00\x00\x80\x00."s).find("int64"),
            std::string::npos);
  EXPECT_EQ(load("\x80\x02G\x3f\xf8\x00\x00\x00\x00\x00\x00."s).toDouble(), 1.5);
  EXPECT_EQ(load("\x80\x02" + str("h\xc3\xa9") + ".").toStringRef(), "h\xc3\xa9");
  EXPECT_EQ(load("\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00\x8c\x02hi\x94."s).toStringRef(),
            "hi");
  EXPECT_EQ(load("\x80\x02U\x03"
                 "abc."s)
                .toStringRef(),
            "abc");
  EXPECT_EQ(load("\x80\x02"
                 "c_codecs\nencode\n" +
                 str("\xc3\xa9") + str("latin1") + "\x86R.")
                .toStringRef(),
            "\xe9");
}

TEST(Unpickle, Containers) {
  // [1, (2, 'a'), {'k': None}]
  IValue v = load("\x80\x02]q\x00(K\x01K\x02"s + str("a") + "\x86}(" + str("k") + "Nue.");
  ASSERT_TRUE(v.isList());
  EXPECT_EQ(to_string(v), "[1, (2, 'a'), {'k': None}]");
  // Memo: the same list twice in a tuple is one list.
  IValue t = load(
      "\x80\x02]q\x01K\x07"
      "ah\x01\x86."s);
  ASSERT_TRUE(t.isTuple());
  EXPECT_TRUE(t.toTuple()->elements()[0].is(t.toTuple()->elements()[1]));
  // OrderedDict with BUILD (_metadata) as a state_dict has; keys keep insertion order.
  IValue d = load(
      "\x80\x02"
      "ccollections\nOrderedDict\n)R(" +
      str("b") + "K\x01" + str("a") + "K\x02u}" + str("_metadata") + "}sb.");
  ASSERT_TRUE(d.isGenericDict());
  EXPECT_EQ(to_string(d), "{'b': 1, 'a': 2}");
  // torch.Size((2, 3)) -> tuple
  EXPECT_EQ(to_string(load("\x80\x02"
                           "ctorch\nSize\nK\x02K\x03\x86\x85R."s)),
            "(2, 3)");
  // POP, POP_MARK, DUP, LIST, DICT
  EXPECT_EQ(to_string(load("\x80\x02K\x01K\x02"
                           "0(K\x03"
                           "1\x85"
                           "2\x86."s)),
            "((1,), (1,))");
  EXPECT_EQ(to_string(load("\x80\x02(K\x01K\x02l(K\x01K\x02"
                           "d\x86."s)),
            "([1, 2], {1: 2})");
}

TEST(Unpickle, TensorsAndSharedStorages) {
  const std::string t1 = tensor(6, "K\x00"s, "K\x02K\x03\x86", "K\x03K\x01\x86");
  const std::string t2 = tensor(6, "K\x02", "K\x02\x85", "K\x03\x85");
  IValue v = load("\x80\x02" + t1 + t2 + "\x86.");
  const auto& e = v.toTuple()->elements();
  Tensor a = e[0].toTensor(), b = e[1].toTensor();
  EXPECT_EQ(a.sizes(), IntArrayRef({2, 3}));
  EXPECT_EQ(b.strides(), IntArrayRef({3}));
  EXPECT_EQ(b.storage_offset(), 2);
  EXPECT_EQ(a.unsafeGetTensorImpl()->storage().get(), b.unsafeGetTensorImpl()->storage().get());
  EXPECT_EQ(b[1].item<float>(), 5.0f);
  EXPECT_FALSE(a.requires_grad());
  // _rebuild_parameter(tensor, True, OrderedDict())
  IValue p = load(
      "\x80\x02"
      "ctorch._utils\n_rebuild_parameter\n(" +
      t1 +
      "\x88"
      "ccollections\nOrderedDict\n)RtR.");
  EXPECT_TRUE(p.toTensor().requires_grad());
}

TEST(Unpickle, ViewsPastTheStorage) {
  // size 3 x stride 3 from a 6-element storage
  EXPECT_NE(error_of("\x80\x02" + tensor(6, "K\x00"s, "K\x03K\x03\x86", "K\x03K\x01\x86") + ".")
                .find("reaches past its storage '0' of 6 elements"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + tensor(6, "K\x00"s, "K\x02\x85", "K\x06\x85") + ".")
                .find("reaches past its storage"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + tensor(6, "K\x07", ")", ")") + ".").find("reaches past"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + tensor(6, "J\xff\xff\xff\xff", ")", ")") + ".").find("invalid"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" +
                     tensor(6, "K\x00"s, "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40\x85"s,
                            "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x40\x85"s) +
                     ".")
                .find("invalid"),
            std::string::npos);
  // A zero-element view at the storage's end is fine.
  EXPECT_EQ(
      load("\x80\x02" + tensor(6, "K\x06", "K\x00\x85"s, "K\x01\x85") + ".").toTensor().numel(), 0);
  EXPECT_NE(error_of("\x80\x02" + tensor(6, "K\x00"s, "K\x02\x85", ")") + ".").find("strides"),
            std::string::npos);
}

TEST(Unpickle, EvilGlobalsAreNeverResolved) {
  EXPECT_NE(error_of("\x80\x02"
                     "cos\nsystem\n" +
                     str("echo pwned") + "\x85R."s)
                .find("unsupported global 'os.system' (weights_only)"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x04\x8c\x08"
                     "builtins\x8c\x04"
                     "eval\x93."s)
                .find("unsupported global 'builtins.eval'"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch\nload\n."s)
                .find("unsupported global 'torch.load'"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch._utils\n_rebuild_qtensor\n."s)
                .find("quantized tensors are not supported"),
            std::string::npos);
  // REDUCE on something that is not an allowed callable.
  EXPECT_NE(error_of("\x80\x02" + str("os.system") + ")R."s).find("non-allowed callable"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch\nFloatStorage\n)R."s)
                .find("cannot be called"),
            std::string::npos);
  // A global is not a value.
  EXPECT_NE(error_of("\x80\x02"
                     "ccollections\nOrderedDict\n."s)
                .find("cannot be used as a value"),
            std::string::npos);
  // Persistent ids other than storages.
  EXPECT_NE(error_of("\x80\x02(" + str("module") + "ctorch\nFloatStorage\n" + str("0") +
                     str("cpu") + "K\x01tQ.")
                .find("only persistent ids of storages"),
            std::string::npos);
}

TEST(Unpickle, DisallowedOpcodes) {
  EXPECT_NE(error_of("\x80\x02(cos\nsystem\ni."s).find("unsupported global"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02(i."s).find("opcode INST is not allowed"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02I1\n."s).find("opcode INT is not allowed"), std::string::npos);
  EXPECT_NE(error_of("\x80\x04\x8f."s).find("EMPTY_SET"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02\x81."s).find("NEWOBJ"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02\xff."s).find("unknown opcode"), std::string::npos);
  EXPECT_NE(error_of("\x80\x09N."s).find("unsupported pickle protocol 9"), std::string::npos);
}

TEST(Unpickle, StackMemoAndTruncation) {
  EXPECT_NE(error_of("\x80\x02."s).find("stack underflow"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02K\x01(a."s).find("stack underflow"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02K\x01\x86."s).find("stack underflow"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02u."s).find("no MARK"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02h\x05."s).find("memo index 5 is not defined"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02q\x00."s).find("stack underflow"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02N"s).find("truncated (no STOP"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02X\xff\xff\xff\x00"s
                     "ab."s)
                .find("truncated"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff"
                     "ab."s)
                .find("truncated"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02"
                     "cos\nsys"s)
                .find("unterminated line"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02X\x02\x00\x00\x00\xff\xfe."s).find("UTF-8"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02K\x01K\x02\x86}(h\x00Nu."s).find("memo index"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02}K\x01\x85K\x02s."s).find("unsupported dict key type Tuple"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02K\x01K\x01"
                     "a."s)
                .find("can only append to a list"),
            std::string::npos);
  // Every truncation of a real pickle fails cleanly.
  const std::string good = "\x80\x02]q\x00(K\x01"s + str("a") + "\x85}(" + str("k") + "Nue.";
  for (size_t n = 0; n < good.size(); ++n) EXPECT_THROW(load(good.substr(0, n)), ember::Error);
}

TEST(Unpickle, DepthAndCycles) {
  // 2000 nested lists: ] ] ] ... a a a
  std::string deep = "\x80\x02";
  for (int i = 0; i < 2000; ++i) deep += "]";
  for (int i = 0; i < 1999; ++i) deep += "a";
  deep += ".";
  EXPECT_NE(error_of(deep).find("nested deeper than 1000"), std::string::npos);
  std::string tuples = "\x80\x02N";
  for (int i = 0; i < 5000; ++i) tuples += "\x85";
  EXPECT_NE(error_of(tuples + ".").find("nested deeper"), std::string::npos);
  std::string marks = "\x80\x02";
  for (int i = 0; i < 10000; ++i) marks += "(";
  EXPECT_NE(error_of(marks + ".").find("too many nested MARKs"), std::string::npos);
  // A list containing itself, and a list modified after being nested (the way to a cycle).
  EXPECT_NE(error_of("\x80\x02]q\x00h\x00"s
                     "a."s)
                .find("contain itself"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02]q\x00]q\x01h\x00"
                     "ah\x00h\x01"s
                     "a."s)
                .find("modified after"),
            std::string::npos);
  // Billion laughs through shared tuples stays linear.
  std::string laughs = "\x80\x02" + str("lol");
  for (int i = 0; i < 60; ++i) laughs += "2\x86";
  IValue v = load(laughs + ".");
  EXPECT_TRUE(v.isTuple());
}

TEST(Unpickle, StorageLoaderFailuresPropagate) {
  std::string p = "\x80\x02" + tensor(6, "K\x00"s, ")", ")") + ".";
  const size_t key = p.find(
      "X\x01\x00\x00\x00"
      "0"s);
  p[key + 5] = '9';
  EXPECT_NE(error_of(p).find("unknown storage key 9"), std::string::npos);
}

TEST(Unpickle, ConfigurableLimits) {
  UnpickleLimits limits;
  limits.max_stack = 10;
  limits.max_memo = 2;
  const std::string many = "\x80\x02(NNNNNNNNNNNt.";
  EXPECT_THROW(unpickle(many, float_storage, limits), ember::Error);
  EXPECT_EQ(unpickle("\x80\x02(NNNt."s, float_storage, limits).toTuple()->size(), 3u);
  try {
    unpickle("\x80\x02Nq\x01q\x02q\x03."s, float_storage, limits);
    ADD_FAILURE() << "no error";
  } catch (const ember::Error& e) {
    EXPECT_NE(std::string(e.what()).find("memo is too large"), std::string::npos);
  }
}

TEST(Unpickle, DtypesAndDevices) {
  EXPECT_EQ(to_string(load("\x80\x02(ctorch\nbfloat16\nctorch\nuint8\nt."s)),
            "(torch.bfloat16, torch.uint8)");
  EXPECT_EQ(load("\x80\x02"
                 "ctorch\nbool\n."s)
                .toScalarType(),
            kBool);
  // torch.device('cpu'), ('cuda', 2), ('cuda:3',), ('cuda', None)
  const std::string dev = "ctorch\ndevice\n";
  EXPECT_EQ(to_string(load("\x80\x02" + dev + str("cpu") + "\x85R.")), "device(type='cpu')");
  EXPECT_EQ(load("\x80\x02" + dev + str("cuda") + "K\x02\x86R.").toDevice(), Device(kCUDA, 2));
  EXPECT_EQ(load("\x80\x02" + dev + str("cuda:3") + "\x85R.").toDevice(), Device(kCUDA, 3));
  EXPECT_EQ(load("\x80\x02" + dev + str("cuda") + "N\x86R.").toDevice(), Device(kCUDA));
  // Hostile devices.
  EXPECT_NE(error_of("\x80\x02" + dev + str("mps") + "\x85R.").find("device type 'mps'"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + dev + str("cuda") + "M\xe8\x03\x86R.").find("out of range"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + dev + str("cuda:x") + "\x85R.").find("invalid device string"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + dev + str("cuda:1") + "K\x01\x86R.").find("index twice"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + dev + ")R.").find("torch.device takes"), std::string::npos);
  EXPECT_NE(error_of("\x80\x02" + dev + "K\x01\x85R.").find("must be a string"), std::string::npos);
  // A dtype is not callable, and not a dict key.
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch\nfloat32\n)R."s)
                .find("non-allowed callable (ScalarType)"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02}ctorch\nfloat32\nK\x01s."s).find("unsupported dict key type"),
            std::string::npos);
}

TEST(Unpickle, UnsupportedButNamed) {
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch\ncomplex128\n."s)
                .find("dtype torch.complex128 is not supported"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch\nQInt8Storage\n."s)
                .find("torch.qint8"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch._utils\n_rebuild_meta_tensor_no_storage\n."s)
                .find("meta tensors"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x02"
                     "cbuiltins\nfrozenset\n."s)
                .find("sets (builtins.frozenset)"),
            std::string::npos);
  EXPECT_NE(error_of("\x80\x04\x8f."s).find("sets are not supported"), std::string::npos);
  // Names outside weights_only stay "unsupported global".
  EXPECT_NE(error_of("\x80\x02"
                     "ctorch\nload\n."s)
                .find("unsupported global 'torch.load' (weights_only)"),
            std::string::npos);
  // BUILD state must be an attribute dict.
  EXPECT_NE(error_of("\x80\x02"
                     "ccollections\nOrderedDict\n)RK\x01"
                     "b."s)
                .find("BUILD state of an OrderedDict must be a dict"),
            std::string::npos);
}

TEST(Unpickle, TensorMetadataArgument) {
  // _rebuild_tensor_v2 with a 7th argument: None or {} is accepted, anything else refused.
  const std::string t = tensor(4, "K\x00"s, "K\x04\x85"s, "K\x01\x85"s);
  std::string with_none = t;
  with_none.replace(with_none.find(")Rtq\x00R"s), 6, ")RNtq\x00R"s);
  EXPECT_EQ(load("\x80\x02" + with_none + ".").toTensor().numel(), 4);
  std::string with_meta = t;
  with_meta.replace(with_meta.find(")Rtq\x00R"s), 6, ")R}(" + str("neg") + "\x88utq\x00R"s);
  EXPECT_NE(error_of("\x80\x02" + with_meta + ".").find("tensor metadata"), std::string::npos);
}
