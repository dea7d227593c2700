// IValue: tags, accessors with clear errors, containers, Python-style printing.
#include "ember/core/ivalue.h"

#include <gtest/gtest.h>

#include <sstream>

#include "ember/ember.h"
#include "support/error_of.h"

using namespace ember;

namespace {
std::string repr(const IValue& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}
}  // namespace

TEST(IValue, PythonRepr) {
  EXPECT_EQ(repr(IValue(0.1)), "0.1");
  EXPECT_EQ(repr(IValue(1.0)), "1.0");
  EXPECT_EQ(repr(IValue(1e16)), "1e+16");
  EXPECT_EQ(repr(IValue(1e-5)), "1e-05");
  EXPECT_EQ(repr(IValue(123456789012.0)), "123456789012.0");
  EXPECT_EQ(repr(IValue(-2.5e-7)), "-2.5e-07");
  EXPECT_EQ(repr(IValue(std::string("it's"))), "\"it's\"");
  EXPECT_EQ(repr(IValue(Tuple::create({IValue(1)}))), "(1,)");
  GenericDict d;
  d.insert_or_assign(1, "a");
  d.insert_or_assign(true, "b");  // True == 1 in Python: same key, first position kept
  d.insert_or_assign(2.0, "c");
  EXPECT_EQ(repr(IValue(std::move(d))), "{1: 'b', 2.0: 'c'}");
  EXPECT_NE(error_of([] { IValue(1).toStringRef(); }).find("expected String but got Int"),
            std::string::npos);
  EXPECT_NE(
      error_of([] { IValue("x").toGenericDict(); }).find("expected GenericDict but got String"),
      std::string::npos);
}

TEST(IValue, TagsAndContainers) {
  EXPECT_TRUE(IValue().isNone());
  EXPECT_TRUE(IValue(true).isBool());
  EXPECT_TRUE(IValue(int64_t(3)).isInt());
  EXPECT_TRUE(IValue(2.5).isDouble());
  EXPECT_TRUE(IValue("s").isString());
  EXPECT_TRUE(IValue(ember::ones({2})).isTensor());
  IValue l(GenericList{IValue(1), IValue("a")});
  ASSERT_TRUE(l.isList());
  IValue alias = l;  // containers are shared, as in c10
  alias.toList().push_back(IValue(2.0));
  EXPECT_EQ(l.toList().size(), 3u);
  EXPECT_TRUE(l.is(alias));
  EXPECT_FALSE(l.is(IValue(GenericList{})));
  IValue t(Tuple::create({IValue(1), IValue()}));
  EXPECT_TRUE(t.isTuple());
  EXPECT_EQ(t.toTuple()->elements().size(), 2u);
  GenericDict d;
  d.insert_or_assign("k", 1);
  d.insert_or_assign("k", 2);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_EQ(d.at("k").toInt(), 2);
  EXPECT_TRUE(d.contains("k"));
  EXPECT_FALSE(d.contains(IValue()));
  EXPECT_NE(error_of([&] { d.at("missing"); }).find("not found"), std::string::npos);
  EXPECT_NE(error_of([&] { d.insert_or_assign(IValue(GenericList{}), 1); }).find("dict keys"),
            std::string::npos);
  IValue dv(std::move(d));
  EXPECT_TRUE(dv.isGenericDict());
  EXPECT_EQ(repr(IValue(GenericList{IValue(), IValue(true), IValue(int64_t(-3))})),
            "[None, True, -3]");
  EXPECT_EQ(repr(IValue(std::string("a\nb'"))), "\"a\\nb'\"");
  EXPECT_NE(error_of([] { IValue(1).toTuple(); }).find("expected Tuple but got Int"),
            std::string::npos);
}

TEST(IValue, ScalarTypeAndDevice) {
  IValue d(kBFloat16);
  EXPECT_TRUE(d.isScalarType());
  EXPECT_EQ(d.toScalarType(), kBFloat16);
  EXPECT_STREQ(d.tagKind(), "ScalarType");
  EXPECT_EQ(repr(d), "torch.bfloat16");
  EXPECT_EQ(IValue(static_cast<int64_t>(kLong)).toScalarType(), kLong);  // c10: Int converts
  IValue dev(Device(kCUDA, 1));
  EXPECT_TRUE(dev.isDevice());
  EXPECT_STREQ(dev.tagKind(), "Device");
  EXPECT_EQ(dev.toDevice(), Device(kCUDA, 1));
  EXPECT_EQ(repr(dev), "device(type='cuda', index=1)");
  EXPECT_EQ(repr(IValue(Device(kCPU))), "device(type='cpu')");
  EXPECT_TRUE(dev.is(IValue(Device(kCUDA, 1))));
  EXPECT_FALSE(dev.is(IValue(Device(kCUDA, 0))));
  EXPECT_TRUE(d.is(IValue(kBFloat16)));
  EXPECT_NE(error_of([&] { d.toDevice(); }).find("expected Device but got ScalarType"),
            std::string::npos);
  EXPECT_NE(error_of([&] { IValue(1.5).toScalarType(); }).find("expected ScalarType"),
            std::string::npos);
}

// IValue keeps its objects in tagged storage (ivalue.cpp): copies, moves and assignments must
// construct, share and destroy exactly as the held types do.
TEST(IValue, CopyMoveAndAssign) {
  Tensor t = ember::ones({3});
  std::vector<IValue> values = {IValue(),
                                IValue(false),
                                IValue(int64_t(-7)),
                                IValue(0.25),
                                IValue(std::string(100, 'x')),  // past the short-string buffer
                                IValue(t),
                                IValue(std::vector<Tensor>{t, t}),
                                IValue(GenericList{IValue(1)}),
                                IValue(Tuple::create({IValue("a")})),
                                IValue(GenericDict()),
                                IValue(kHalf),
                                IValue(Device(kCUDA, 2))};
  for (const IValue& v : values) {
    SCOPED_TRACE(v.tagKind());
    IValue copy(v);
    EXPECT_EQ(copy.tag(), v.tag());
    EXPECT_TRUE(copy.is(v) || v.isTensorList());  // a tensor list is never `is` another
    IValue moved(std::move(copy));
    EXPECT_TRUE(copy.isNone());  // NOLINT(bugprone-use-after-move): moved-from is None, as in c10
    EXPECT_EQ(moved.tag(), v.tag());
    IValue assigned(1.5);
    assigned = v;
    EXPECT_EQ(assigned.tag(), v.tag());
    assigned = IValue("other");
    EXPECT_EQ(assigned.toStringRef(), "other");
    assigned = std::move(moved);
    EXPECT_EQ(assigned.tag(), v.tag());
    const IValue& self = assigned;
    assigned = self;  // self-assignment keeps the value
    EXPECT_EQ(assigned.tag(), v.tag());
  }
  EXPECT_EQ(values[4].toStringRef(), std::string(100, 'x'));
  EXPECT_EQ(values[11].toDevice(), Device(kCUDA, 2));
  EXPECT_EQ(values[10].toScalarType(), kHalf);
  // Tensors are shared, not copied: t is held by values[5] and twice by values[6].
  EXPECT_EQ(t.use_count(), 4u);
  values.clear();
  EXPECT_EQ(t.use_count(), 1u);

  // Assigning a value from inside the container being replaced.
  IValue nested(GenericList{IValue(GenericList{IValue(std::string(64, 'y'))})});
  nested = nested.toList()[0];
  ASSERT_TRUE(nested.isList());
  nested = std::move(nested.toList()[0]);
  EXPECT_EQ(nested.toStringRef(), std::string(64, 'y'));
  EXPECT_NE(error_of([&] { (void)nested.toTensor(); }).find("expected Tensor but got String"),
            std::string::npos);
}
