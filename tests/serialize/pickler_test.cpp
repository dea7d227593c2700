// Protocol-2 pickler: what torch.save writes, read back by the restricted unpickler.
#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"
#include "src/serialize/pickle.h"

using namespace ember;
using namespace ember::serialize::detail;
using namespace std::string_literals;

namespace {
std::string to_string(const IValue& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

TEST(Pickle, RoundTripsThroughTheUnpickler) {
  Tensor base = ember::arange(12, kFloat).reshape({3, 4});
  GenericDict d;
  d.insert_or_assign("base", base);
  d.insert_or_assign("view", base.select(1, 2));
  d.insert_or_assign("ints", GenericList{IValue(1), IValue(-70000), IValue(int64_t(1) << 40),
                                         IValue(int64_t(-1) << 62)});
  d.insert_or_assign("t", Tuple::create({IValue(1.25), IValue("x"), IValue(), IValue(false)}));
  d.insert_or_assign(IValue(3), IValue(true));
  PickleResult r = pickle(IValue(d), true);
  ASSERT_EQ(r.storages.size(), 1u);  // base and view share a storage
  EXPECT_EQ(r.storages[0].key, "0");
  EXPECT_EQ(r.data.substr(0, 2), "\x80\x02");
  EXPECT_NE(r.data.find("collections\nOrderedDict"), std::string::npos);
  IValue back = unpickle(r.data, [&](const std::string& key, ScalarType, int64_t numel) {
    EXPECT_EQ(numel, 12);
    return r.storages.at(std::stoul(key)).storage;
  });
  EXPECT_EQ(to_string(back.toGenericDict().at("ints")),
            "[1, -70000, 1099511627776, -4611686018427387904]");
  EXPECT_EQ(to_string(back.toGenericDict().at("t")), "(1.25, 'x', None, False)");
  EXPECT_EQ(back.toGenericDict().at(3).toBool(), true);
  Tensor view = back.toGenericDict().at("view").toTensor();
  EXPECT_EQ(view.storage_offset(), 2);
  EXPECT_EQ(view.strides(), IntArrayRef({4}));
  EXPECT_EQ(view[2].item<float>(), 10.0f);
}

TEST(Pickle, RefusesRecursionAndBadStrings) {
  IValue l{GenericList{}};
  l.toList().push_back(l);
  EXPECT_THROW(pickle(l), ember::Error);
  l.toList().clear();  // break the cycle (no leak)
  EXPECT_THROW(pickle(IValue("\xff"s)), ember::Error);
  EXPECT_THROW(pickle(IValue(Tensor())), ember::Error);
}
