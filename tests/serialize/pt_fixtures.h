#pragma once
// Shared by pt_test.cpp and legacy_test.cpp: the .pt fixtures written by PyTorch 1.13
// (tools/gen_pt_fixtures.py) and the checks of their contents.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ember/ember.h"
#include "support/gradcheck.h"

namespace pt_fixtures {
using namespace ember;
using ember::testing::all_close;

inline const std::string kDir = std::string(EMBER_GOLDEN_DIR) + "/../serialize/fixtures/pt/";

inline std::string read_file(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
inline std::string repr(const IValue& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
inline const IValue& at(const IValue& d, const IValue& k) { return d.toGenericDict().at(k); }

// views(): base = arange(24.).reshape(4, 6) and views of it (sub, t, step, col, elem, row).
inline void expect_views_fixture(const IValue& v) {
  const auto& d = v.toGenericDict();
  Tensor base = d.at("base").toTensor();
  EXPECT_TRUE(all_close(base, ember::arange(24, kFloat).reshape({4, 6}), 0, 0));
  const StorageImpl* storage = base.unsafeGetTensorImpl()->storage().get();
  for (const auto& e : d) {
    EXPECT_EQ(e.value().toTensor().unsafeGetTensorImpl()->storage().get(), storage)
        << e.key().toStringRef();
  }
  Tensor sub = d.at("sub").toTensor();
  EXPECT_EQ(sub.storage_offset(), 8);
  EXPECT_EQ(sub.strides(), IntArrayRef({6, 1}));
  EXPECT_TRUE(all_close(sub, base.slice(0, 1, 3).slice(1, 2, 5), 0, 0));
  EXPECT_EQ(d.at("t").toTensor().strides(), IntArrayRef({1, 6}));
  Tensor step = d.at("step").toTensor();
  EXPECT_EQ(step.strides(), IntArrayRef({12, 3}));
  EXPECT_EQ(step[1][1].item<float>(), 15.0f);
  EXPECT_EQ(d.at("col").toTensor().storage_offset(), 2);
  EXPECT_EQ(d.at("elem").toTensor().storage_offset(), 15);
  // Sharing is real: writing through one view shows in the others.
  Tensor(d.at("row").toTensor()).fill_(-1.0);
  EXPECT_EQ(base[1][4].item<float>(), -1.0f);
  EXPECT_EQ(sub[0][0].item<float>(), -1.0f);
}

// nested(): every IValue kind PyTorch pickles, nested.
inline void expect_nested_fixture(const IValue& v) {
  EXPECT_EQ(repr(at(v, "i")), "3");
  EXPECT_EQ(at(v, "neg").toInt(), -70000);
  EXPECT_EQ(at(v, "big").toInt(), int64_t(1) << 40);
  EXPECT_EQ(at(v, "f").toDouble(), 1.5);
  EXPECT_EQ(at(v, "s").toStringRef(), "h\xc3\xa9llo");
  EXPECT_TRUE(at(v, "b").toBool());
  EXPECT_TRUE(at(v, "n").isNone());
  EXPECT_EQ(repr(at(v, "l")), "[1, 'two', (3, 4.0)]");
  EXPECT_TRUE(all_close(at(v, "t").toTuple()->elements().at(0).toTensor(), ember::ones({2})));
  Tensor x = at(at(v, "d"), "x").toTensor();
  EXPECT_EQ(x.scalar_type(), kLong);
  EXPECT_TRUE(all_close(x, ember::arange(3), 0, 0));
  EXPECT_EQ(at(v, 7).toStringRef(), "int key");
  EXPECT_EQ(repr(at(v, "empty_l")), "[]");
  EXPECT_EQ(repr(at(v, "empty_t")), "()");
  std::vector<std::string> keys;
  for (const auto& e : v.toGenericDict()) keys.push_back(repr(e.key()));
  EXPECT_EQ(keys, (std::vector<std::string>{"'i'", "'neg'", "'big'", "'f'", "'s'", "'b'", "'n'",
                                            "'l'", "'t'", "'d'", "7", "'empty_l'", "'empty_t'"}));
}

}  // namespace pt_fixtures
