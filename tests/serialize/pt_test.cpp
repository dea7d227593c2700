// PyTorch .pt files: fixtures written by PyTorch 1.13 (tools/gen_pt_fixtures.py), round trips
// that PyTorch reads back, real models' state_dicts, and hostile files.
#include "ember/serialize/pt.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ember/ember.h"
#include "serialize/pt_fixtures.h"
#include "src/serialize/zip.h"
#include "support/error_of.h"
#include "support/gradcheck.h"

using namespace ember;
using namespace ember::serialize;
using ember::testing::all_close;
using namespace std::string_literals;
using namespace pt_fixtures;

namespace {

const std::string kScript = std::string(EMBER_GOLDEN_DIR) + "/../../tools/gen_pt_fixtures.py";

std::string tmp_path(const std::string& name) {
  return ::testing::TempDir() + "/ember_pt_" + name + "_" + std::to_string(::getpid()) + ".pt";
}

// A python3 that imports torch, or "" (round-trip tests then skip).
const std::string& python_with_torch() {
  static const std::string py = [] {
    for (const char* c : {"python3", "/usr/bin/python3"}) {
      const std::string cmd = std::string(c) + " -c 'import torch' >/dev/null 2>&1";
      if (std::system(cmd.c_str()) == 0) return std::string(c);
    }
    return std::string();
  }();
  return py;
}
// Runs `gen_pt_fixtures.py --check FILE NAME ...` (torch.load(weights_only=True) + compare with
// the object the script builds for NAME), one Python start for all files.
::testing::AssertionResult torch_accepts(const std::string& files_and_names) {
  const std::string cmd =
      python_with_torch() + " " + kScript + " --check " + files_and_names + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return ::testing::AssertionFailure() << "popen failed";
  std::string out;
  char b[256];
  while (std::fgets(b, sizeof(b), p)) out += b;
  const int rc = ::pclose(p);
  if (rc != 0) return ::testing::AssertionFailure() << out;
  return ::testing::AssertionSuccess();
}

void expect_dtype_fixture(const IValue& v) {
  const auto& d = v.toGenericDict();
  EXPECT_EQ(d.size(), 13u);
  const Tensor fv = ember::tensor({1.5, -2.25, 3.0, 0.5, 0.125, -7.0}, kDouble).reshape({2, 3});
  const Tensor iv = ember::tensor({0, -1, 2, -100, 120, 7}, kLong).reshape({2, 3});
  for (auto [name, dt] : {std::pair{"float32", kFloat},
                          {"float64", kDouble},
                          {"float16", kHalf},
                          {"bfloat16", kBFloat16}}) {
    Tensor t = d.at(name).toTensor();
    EXPECT_EQ(t.scalar_type(), dt) << name;
    EXPECT_TRUE(all_close(t, fv, 0, 0)) << name;
  }
  for (auto [name, dt] :
       {std::pair{"int8", kChar}, {"int16", kShort}, {"int32", kInt}, {"int64", kLong}}) {
    Tensor t = d.at(name).toTensor();
    EXPECT_EQ(t.scalar_type(), dt) << name;
    EXPECT_TRUE(all_close(t, iv, 0, 0)) << name;
  }
  Tensor big = d.at("int64_big").toTensor();
  EXPECT_EQ(big[0].item<int64_t>(), int64_t(1) << 40);
  EXPECT_EQ(big[1].item<int64_t>(), -(int64_t(1) << 50));
  EXPECT_EQ(big[2].item<int64_t>(), int64_t(1) << 62);
  Tensor u8 = d.at("uint8").toTensor();
  EXPECT_EQ(u8.scalar_type(), kByte);
  EXPECT_EQ(u8[0][1].item<int64_t>(), 255);
  EXPECT_EQ(u8[1][0].item<int64_t>(), 128);
  Tensor b = d.at("bool").toTensor();
  EXPECT_EQ(b.scalar_type(), kBool);
  EXPECT_EQ(b.sum().item<int64_t>(), 3);
  EXPECT_FALSE(b[1].item<bool>());
  Tensor s = d.at("scalar").toTensor();
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<float>(), 2.5f);
  EXPECT_EQ(d.at("empty").toTensor().sizes(), IntArrayRef({0, 3}));
}

IValue nested_expected() {
  GenericDict d;
  d.insert_or_assign("i", 3);
  d.insert_or_assign("neg", -70000);
  d.insert_or_assign("big", int64_t(1) << 40);
  d.insert_or_assign("f", 1.5);
  d.insert_or_assign("s", "h\xc3\xa9llo");
  d.insert_or_assign("b", true);
  d.insert_or_assign("n", IValue());
  d.insert_or_assign(
      "l", GenericList{IValue(1), IValue("two"), IValue(Tuple::create({IValue(3), IValue(4.0)}))});
  d.insert_or_assign("t", Tuple::create({IValue(ember::ones({2}))}));
  GenericDict inner;
  inner.insert_or_assign("x", ember::arange(3));
  d.insert_or_assign("d", std::move(inner));
  d.insert_or_assign(7, "int key");
  d.insert_or_assign("empty_l", GenericList{});
  d.insert_or_assign("empty_t", Tuple::create({}));
  return IValue(std::move(d));
}

}  // namespace

TEST(PtLoad, EveryDtype) { expect_dtype_fixture(pt_load(kDir + "dtypes.pt")); }

TEST(PtLoad, ViewsKeepSharingOffsetsAndStrides) {
  expect_views_fixture(pt_load(kDir + "views.pt"));
  expect_views_fixture(pt_load(kDir + "views_p4.pt"));
}

TEST(PtLoad, NestedContainersAllProtocols) {
  for (const char* f : {"nested_p2.pt", "nested_p4.pt", "nested_p5.pt"}) {
    SCOPED_TRACE(f);
    expect_nested_fixture(pt_load(kDir + f));
  }
}

TEST(PtLoad, DeflatedArchiveAndStreams) {
  expect_views_fixture(pt_load(kDir + "deflated.pt"));
  std::ifstream f(kDir + "views.pt", std::ios::binary);
  expect_views_fixture(pt_load(f));
  expect_views_fixture(pt_load_bytes(read_file(kDir + "views.pt")));
}

TEST(PtLoad, SmallCnnStateDictGivesPyTorchsOutput) {
  nn::Sequential m(nn::Conv2d(nn::Conv2dOptions(1, 4, 3).padding(1)), nn::ReLU(), nn::MaxPool2d(2),
                   nn::Conv2d(4, 2, 3), nn::Tanh(), nn::Flatten(), nn::Linear(8, 5));
  auto sd = pt_load_tensors(kDir + "cnn.pt");
  EXPECT_EQ(sd.size(), 6u);
  auto r = m->load_state_dict(sd);
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  auto io = pt_load_tensors(kDir + "cnn_io.pt");
  NoGradGuard ng;
  EXPECT_TRUE(all_close(m->forward(io["x"]), io["y"], 1e-5, 1e-6));
}

TEST(PtLoad, LstmStateDictGivesPyTorchsOutput) {
  nn::LSTM m(nn::LSTMOptions(3, 4).num_layers(2));
  auto sd = pt_load_tensors(kDir + "lstm.pt");
  EXPECT_EQ(sd.size(), 8u);
  m->load_state_dict(sd);
  auto io = pt_load_tensors(kDir + "lstm_io.pt");
  NoGradGuard ng;
  auto [y, hc] = m->forward(io["x"]);
  EXPECT_TRUE(all_close(y, io["y"], 1e-5, 1e-6));
  EXPECT_TRUE(all_close(std::get<0>(hc), io["h"], 1e-5, 1e-6));
  EXPECT_TRUE(all_close(std::get<1>(hc), io["c"], 1e-5, 1e-6));
}

TEST(PtSave, RoundTripInProcess) {
  const std::string b = pt_save_bytes(nested_expected());
  expect_nested_fixture(pt_load_bytes(b));
  // Records are 64-byte aligned and laid out as torch.save does.
  serialize::detail::ZipReader z(std::make_shared<const std::string>(b));
  EXPECT_EQ(z.names(),
            (std::vector<std::string>{"archive/data.pkl", "archive/byteorder", "archive/data/0",
                                      "archive/data/1", "archive/version"}));
  for (const auto& e : z.entries()) EXPECT_EQ(e.data_offset % 64, 0u) << e.name;
  // Views share one storage record.
  IValue views = pt_load(kDir + "views.pt");
  const std::string vb = pt_save_bytes(views);
  serialize::detail::ZipReader vz(std::make_shared<const std::string>(vb));
  EXPECT_EQ(vz.entries().size(), 4u);
  expect_views_fixture(pt_load_bytes(vb));
  expect_dtype_fixture(pt_load_bytes(pt_save_bytes(pt_load(kDir + "dtypes.pt"))));
  // Streams and files.
  std::ostringstream os;
  pt_save(nested_expected(), os);
  std::istringstream is(os.str());
  expect_nested_fixture(pt_load(is));
  const std::string path = tmp_path("nested");
  pt_save(nested_expected(), path);
  expect_nested_fixture(pt_load(path));
  std::remove(path.c_str());
}

TEST(PtSave, StateDictOfAModuleRoundTrips) {
  nn::Linear lin(3, 2);
  const std::string path = tmp_path("linear");
  pt_save_tensors(lin->state_dict(), path);
  auto sd = pt_load_tensors(path);
  EXPECT_EQ(sd.keys(), (std::vector<std::string>{"weight", "bias"}));
  EXPECT_TRUE(all_close(sd["weight"], lin->weight, 0, 0));
  EXPECT_FALSE(sd["weight"].requires_grad());
  std::remove(path.c_str());
}

TEST(PtSave, PyTorchReadsWhatEmberWrites) {
  if (python_with_torch().empty()) GTEST_SKIP() << "python3 with torch not available";
  const std::string a = tmp_path("rt_dtypes"), b = tmp_path("rt_views"), c = tmp_path("rt_nested"),
                    d = tmp_path("rt_sd");
  pt_save(pt_load(kDir + "dtypes.pt"), a);
  pt_save(pt_load(kDir + "views.pt"), b);
  pt_save(nested_expected(), c);
  OrderedDict<std::string, Tensor> sd;
  sd.insert("w", ember::arange(6, kFloat).reshape({2, 3}));
  sd.insert("b", ember::tensor({int64_t(1), int64_t(2), int64_t(3)}));
  sd.insert("h", ember::tensor({0.5, -1.0}).to(kHalf));
  pt_save_tensors(sd, d);
  EXPECT_TRUE(torch_accepts(a + " dtypes " + b + " views " + c + " nested " + d + " state_dict"));
  for (const auto& p : {a, b, c, d}) std::remove(p.c_str());
}

TEST(PtLoad, RefusesTorchScriptAndForeignFiles) {
  EXPECT_NE(error_of([] { pt_load_bytes("hello"); }).find("not a PyTorch file"), std::string::npos);
  EXPECT_NE(error_of([] { pt_load("/nonexistent/x.pt"); }).find("cannot open"), std::string::npos);
  serialize::detail::ZipWriter w;
  w.add("m/constants.pkl", "x");
  const std::string ts = w.finish();
  EXPECT_NE(error_of([&] { pt_load_bytes(ts); }).find("TorchScript"), std::string::npos);
  EXPECT_NE(error_of([] { pt_load_tensors(kDir + "nested_p2.pt"); }).find("not a Tensor"),
            std::string::npos);
  // The file name is part of the message.
  EXPECT_NE(error_of([] { pt_load(kDir + "set.pt"); }).find("set.pt"), std::string::npos);
}

namespace {
// Rebuilds an archive from `entries`, replacing those named in `patch`.
std::string rezip(const std::string& file,
                  const std::vector<std::pair<std::string, std::string>>& patch) {
  serialize::detail::ZipReader r(std::make_shared<const std::string>(read_file(kDir + file)));
  serialize::detail::ZipWriter w;
  for (const auto& e : r.entries()) {
    std::string data = r.read(e);
    bool skip = false;
    for (const auto& [name, value] : patch) {
      if (name == e.name) {
        if (value == "<drop>") skip = true;
        data = value;
      }
    }
    if (!skip) w.add(e.name, data);
  }
  for (const auto& [name, value] : patch)
    if (!r.find(name)) w.add(name, value);
  return w.finish();
}
}  // namespace

TEST(PtLoad, HostileArchives) {
  // Big-endian byteorder.
  EXPECT_NE(error_of([] {
              pt_load_bytes(rezip("views.pt", {{"views/byteorder", "big"}}));
            }).find("big-endian files are not supported"),
            std::string::npos);
  // Storage record shorter than the storage it declares (and than the tensors viewing it).
  EXPECT_NE(error_of([] {
              pt_load_bytes(rezip("views.pt", {{"views/data/0", "abcd"}}));
            }).find("has 4 bytes but its 24 elements"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              pt_load_bytes(rezip("views.pt", {{"views/data/0", "<drop>"}}));
            }).find("is missing"),
            std::string::npos);
  // Evil global inside a real archive.
  const std::string evil =
      "\x80\x02"
      "cos\nsystem\nX\x02\x00\x00\x00"
      "id\x85R."s;
  EXPECT_NE(error_of([&] {
              pt_load_bytes(rezip("views.pt", {{"views/data.pkl", evil}}));
            }).find("unsupported global 'os.system' (weights_only)"),
            std::string::npos);
  // Two data.pkl folders.
  EXPECT_NE(error_of([] {
              pt_load_bytes(rezip("views.pt", {{"other/data.pkl", "x"}}));
            }).find("2 data.pkl records"),
            std::string::npos);
  // Every truncation and every single-byte corruption of a real file: an error or a valid load.
  const std::string good = read_file(kDir + "views.pt");
  for (size_t n = 0; n < good.size(); n += 7) EXPECT_THROW(pt_load_bytes(good.substr(0, n)), Error);
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] = static_cast<char>(bad[i] ^ 0xa5);
    try {
      pt_load_bytes(bad);
    } catch (const Error&) {
    }
  }
}

namespace {
void expect_globals_fixture(const IValue& v) {
  EXPECT_TRUE(at(v, "f32").isScalarType());
  EXPECT_EQ(at(v, "f32").toScalarType(), kFloat);
  EXPECT_EQ(repr(at(v, "f32")), "torch.float32");
  std::vector<ScalarType> dts;
  for (const auto& d : at(v, "dtypes").toList()) dts.push_back(d.toScalarType());
  EXPECT_EQ(dts, (std::vector<ScalarType>{kByte, kChar, kShort, kInt, kLong, kHalf, kFloat, kDouble,
                                          kBool, kBFloat16}));
  EXPECT_EQ(at(v, "cpu").toDevice(), Device(kCPU));
  EXPECT_EQ(at(v, "cuda1").toDevice(), Device(kCUDA, 1));
  EXPECT_EQ(at(v, "cuda").toDevice(), Device(kCUDA));
  EXPECT_EQ(repr(at(v, "cuda1")), "device(type='cuda', index=1)");
  EXPECT_EQ(repr(at(v, "cpu")), "device(type='cpu')");
  EXPECT_EQ(repr(at(v, "size")), "(2, 3)");  // torch.Size is a tuple of ints
  Tensor rg = at(v, "rg").toTensor();
  EXPECT_TRUE(rg.requires_grad());
  EXPECT_TRUE(all_close(rg.detach(), ember::ones({2}), 0, 0));
}
}  // namespace

TEST(PtLoad, DtypesDevicesAndSize) {
  expect_globals_fixture(pt_load(kDir + "globals.pt"));
  expect_globals_fixture(pt_load(kDir + "globals_p4.pt"));  // STACK_GLOBAL, MEMOIZE, FRAME
  // ember writes them back and reads them again (dtypes as globals, devices as REDUCE).
  expect_globals_fixture(pt_load_bytes(pt_save_bytes(pt_load(kDir + "globals.pt"))));
}

TEST(PtLoad, ParametersFromModelParameters) {
  // torch.save(list(model.parameters()) + [Parameter(..., requires_grad=False)])
  IValue v = pt_load(kDir + "params.pt");
  const auto& l = v.toList();
  ASSERT_EQ(l.size(), 3u);
  Tensor w = l[0].toTensor(), b = l[1].toTensor(), frozen = l[2].toTensor();
  EXPECT_TRUE(w.requires_grad());
  EXPECT_TRUE(b.requires_grad());
  EXPECT_FALSE(frozen.requires_grad());
  EXPECT_TRUE(w.is_leaf());
  EXPECT_TRUE(all_close(w.detach(), ember::arange(6, kFloat).reshape({2, 3}), 0, 0));
  EXPECT_TRUE(all_close(b.detach(), ember::tensor({0.5f, -0.5f}), 0, 0));
  EXPECT_TRUE(all_close(frozen, ember::tensor({1.0f, 2.0f}), 0, 0));
}

TEST(PtLoad, StateDictWithMetadataAndBuffers) {
  // model.state_dict() pickles as OrderedDict + BUILD({'_metadata': ...}); the metadata is
  // dropped, buffers (running stats, num_batches_tracked) load like parameters.
  auto sd = pt_load_tensors(kDir + "bn.pt");
  EXPECT_EQ(sd.keys(),
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                      "1.running_var", "1.num_batches_tracked"}));
  EXPECT_EQ(sd["1.num_batches_tracked"].scalar_type(), kLong);
  EXPECT_EQ(sd["1.num_batches_tracked"].item<int64_t>(), 3);
  nn::Sequential m(nn::Linear(2, 3), nn::BatchNorm1d(3));
  auto r = m->load_state_dict(sd);
  EXPECT_TRUE(r.missing_keys.empty() && r.unexpected_keys.empty());
  m->eval();
  auto io = pt_load_tensors(kDir + "bn_io.pt");
  NoGradGuard ng;
  EXPECT_TRUE(all_close(m->forward(io["x"]), io["y"], 1e-5, 1e-6));
}

TEST(PtLoad, RefusesWhatEmberCannotRepresentByName) {
  EXPECT_NE(error_of([] { pt_load(kDir + "complex.pt"); })
                .find("tensors of dtype torch.complex64 (torch.ComplexFloatStorage) are not "
                      "supported"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              pt_load(kDir + "complex_dtype.pt");
            }).find("dtype torch.complex64 is not supported"),
            std::string::npos);
  EXPECT_NE(error_of([] { pt_load(kDir + "set.pt"); }).find("sets (__builtin__.set)"),
            std::string::npos);
  EXPECT_NE(error_of([] { pt_load(kDir + "sparse.pt"); }).find("sparse tensors"),
            std::string::npos);
}

namespace {
bool is_mapped(const Tensor& t) { return !t.unsafeGetTensorImpl()->storage()->resizable(); }
std::string copy_to_tmp(const std::string& fixture, const std::string& name) {
  const std::string path = tmp_path(name);
  std::ofstream(path, std::ios::binary) << read_file(kDir + fixture);
  return path;
}
}  // namespace

TEST(PtLoad, ZeroCopyFromAPathIsPrivateAndOutlivesTheFile) {
  const std::string path = copy_to_tmp("views.pt", "zero_copy");
  const std::string before = read_file(path);
  Tensor base, row;
  {
    IValue v = pt_load(path);
    base = at(v, "base").toTensor();
    row = at(v, "row").toTensor();
    EXPECT_TRUE(is_mapped(base));
    EXPECT_EQ(reinterpret_cast<uintptr_t>(base.data_ptr()) % 64, 0u);
    expect_views_fixture(v);  // values and sharing, and it writes -1 through `row`
  }
  // MAP_PRIVATE: the writes stay in this process.
  EXPECT_EQ(read_file(path), before);
  EXPECT_EQ(pt_load(path).toGenericDict().at("base").toTensor()[1][4].item<float>(), 10.0f);
  // The mapping outlives the file.
  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_EQ(base[1][4].item<float>(), -1.0f);
  EXPECT_EQ(base[3][5].item<float>(), 23.0f);
  row.add_(1.0);
  EXPECT_EQ(base[1][0].item<float>(), 0.0f);
  base = Tensor();
  EXPECT_EQ(row[2].item<float>(), 0.0f);  // the storage is held by `row` alone
  // load_file (state dicts) takes the same path.
  const std::string sd_path = copy_to_tmp("cnn.pt", "zero_copy_sd");
  auto sd = load_file(sd_path);
  std::remove(sd_path.c_str());
  for (const auto& item : sd) EXPECT_TRUE(is_mapped(item.value())) << item.key();
}

TEST(PtLoad, DeflatedMisalignedAndInMemoryRecordsAreCopied) {
  for (const char* f : {"deflated.pt", "unaligned.pt"}) {
    SCOPED_TRACE(f);
    IValue v = pt_load(kDir + f);
    EXPECT_FALSE(is_mapped(at(v, "base").toTensor()));
    expect_views_fixture(v);
  }
  // unaligned.pt really holds a stored record that is off a 64-byte boundary.
  serialize::detail::ZipReader z(
      std::make_shared<const std::string>(read_file(kDir + "unaligned.pt")));
  const auto* e = z.find("views/data/0");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->method, 0);
  EXPECT_NE(e->data_offset % 64, 0u);
  EXPECT_FALSE(is_mapped(at(pt_load_bytes(read_file(kDir + "views.pt")), "base").toTensor()));
  // An empty file is an error, not a crash (mmap refuses length 0).
  const std::string empty = tmp_path("empty");
  std::ofstream(empty, std::ios::binary).flush();
  EXPECT_NE(error_of([&] { pt_load(empty); }).find("not a PyTorch file"), std::string::npos);
  std::remove(empty.c_str());
  EXPECT_NE(error_of([] { pt_load("/tmp"); }).find("not a regular file"), std::string::npos);
}
