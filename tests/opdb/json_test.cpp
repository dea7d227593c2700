// The golden-file reader: what Python's json module writes, and refusal of malformed text.
#include "opdb/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using ember::opdb::Json;

TEST(GoldenJson, ParsesPythonOutput) {
  // json.dumps({"a": [1, -2.5, 1e-3, NaN, Infinity, -Infinity], "b": None, "c": True, ...})
  Json j = Json::parse(
      R"({"a":[1,-2.5,1e-3,NaN,Infinity,-Infinity],"b":null,"c":true,"d":false,"e":"x\"y\\n\u0041"})");
  const Json& a = j["a"];
  ASSERT_EQ(a.size(), 6u);
  EXPECT_TRUE(a[0].is_integer());
  EXPECT_EQ(a[0].integer(), 1);
  EXPECT_FALSE(a[1].is_integer());
  EXPECT_EQ(a[1].number(), -2.5);
  EXPECT_EQ(a[2].number(), 1e-3);
  EXPECT_TRUE(std::isnan(a[3].number()));
  EXPECT_EQ(a[4].number(), INFINITY);
  EXPECT_EQ(a[5].number(), -INFINITY);
  EXPECT_TRUE(j["b"].is_null());
  EXPECT_TRUE(j["c"].boolean());
  EXPECT_FALSE(j["d"].boolean());
  EXPECT_EQ(j["e"].string(), "x\"y\\nA");
  EXPECT_EQ(j.find("missing"), nullptr);
  EXPECT_EQ(Json::parse(" [ ] ").size(), 0u);
  EXPECT_EQ(Json::parse("{}").members().size(), 0u);
}

TEST(GoldenJson, RejectsMalformedText) {
  for (const char* bad : {"", "[1,", "{\"a\" 1}", "[1] x", "\"open", "[1.2.3]", "{1:2}", "nul"})
    EXPECT_THROW(Json::parse(bad), std::runtime_error) << bad;
  Json j = Json::parse("[1.5]");
  EXPECT_THROW(j[0].integer(), std::runtime_error);
  EXPECT_THROW(j[0].string(), std::runtime_error);
  EXPECT_THROW(j[1], std::runtime_error);
  EXPECT_THROW(j["key"], std::runtime_error);
}
