// The strict JSON pull reader used for file headers (src/serialize/json.h).
#include <gtest/gtest.h>

#include "src/serialize/json.h"

using ember::json::JsonError;
using ember::json::Reader;

namespace {
// The error message of skipping one value of `text` and finishing, or "" when it is valid.
std::string error_of(std::string_view text, size_t depth = 64) {
  try {
    Reader r(text, depth);
    r.skip_value();
    r.finish();
  } catch (const JsonError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Json, ReadsObjectsArraysAndScalars) {
  Reader r(R"( {"a": [1, 18446744073709551615, 0], "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00",
              "t": true, "f": false, "n": null, "o": {}, "e": []} )");
  std::string key;
  r.begin_object();
  ASSERT_TRUE(r.next_member(key));
  EXPECT_EQ(key, "a");
  r.begin_array();
  std::vector<uint64_t> v;
  while (r.next_element()) v.push_back(r.read_uint64());
  EXPECT_EQ(v, (std::vector<uint64_t>{1, UINT64_MAX, 0}));
  ASSERT_TRUE(r.next_member(key));
  EXPECT_EQ(r.read_string(), "x\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
  ASSERT_TRUE(r.next_member(key));
  EXPECT_TRUE(r.read_bool());
  ASSERT_TRUE(r.next_member(key));
  EXPECT_FALSE(r.read_bool());
  ASSERT_TRUE(r.next_member(key));
  EXPECT_EQ(r.peek(), Reader::Type::Null);
  r.read_null();
  ASSERT_TRUE(r.next_member(key));
  r.skip_value();
  ASSERT_TRUE(r.next_member(key));
  EXPECT_EQ(r.peek(), Reader::Type::Array);
  r.skip_value();
  EXPECT_FALSE(r.next_member(key));
  r.finish();
}

TEST(Json, SkipsValidDocuments) {
  for (const char* ok : {"0", "-0", "-1.5e+10", "1E-2", "\"\"", "[]", "{}", "[[[]]]",
                         R"({"a":{"b":[1,"2",{"c":null}]}})", " \t\r\n[1 , 2 ]\n"})
    EXPECT_EQ(error_of(ok), "") << ok;
}

TEST(Json, RefusesMalformedInput) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "unexpected end"},
      {"[1,]", "expected a value"},
      {"[,1]", "expected a value"},
      {"[1 2]", "expected ',' or ']'"},
      {"{\"a\" 1}", "expected ':'"},
      {"{\"a\":1,}", "expected a string key"},
      {"{1:2}", "expected a string key"},
      {"[1", "unterminated"},
      {"01", "trailing characters"},
      {"1.", "malformed number"},
      {"-", "malformed number"},
      {"1e", "malformed number"},
      {".5", "unexpected character"},
      {"+1", "unexpected character"},
      {"NaN", "unexpected character"},
      {"tru", "invalid literal"},
      {"nul", "expected null"},
      {"\"abc", "unterminated string"},
      {"\"a\tb\"", "control character"},
      {"\"\\x\"", "invalid escape"},
      {"\"\\u12x4\"", "bad hex digit"},
      {"\"\\u12\"", "truncated"},
      {"\"\\ud800\"", "lone leading surrogate"},
      {"\"\\ud800\\u0041\"", "lone leading surrogate"},
      {"\"\\udc00\"", "lone trailing surrogate"},
      {"[] []", "trailing characters"},
      {"'a'", "unexpected character"},
  };
  for (const auto& [text, want] : bad) {
    std::string msg = error_of(text);
    EXPECT_NE(msg.find(want), std::string::npos) << text << ": got '" << msg << "'";
    EXPECT_NE(msg.find(" at byte "), std::string::npos) << msg;
  }
}

TEST(Json, RefusesInvalidUtf8) {
  for (const char* bad : {"\"\xff\"", "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"",
                          "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"", "\"\xc3\"", "\"\x80\""})
    EXPECT_NE(error_of(bad).find("not valid UTF-8 at byte 1"), std::string::npos) << bad;
  EXPECT_TRUE(ember::json::valid_utf8("a\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80"));
}

TEST(Json, NestingIsLimitedWithoutRecursion) {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  EXPECT_NE(error_of(deep).find("nesting deeper than 64 levels"), std::string::npos);
  std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_EQ(error_of(ok), "");
  EXPECT_NE(error_of(std::string(65, '[') + std::string(65, ']')).find("nesting"),
            std::string::npos);
  EXPECT_EQ(error_of(std::string(1000, '[') + std::string(1000, ']'), 1000), "");
}

TEST(Json, ExactIntegers) {
  auto uint_error = [](const char* text) {
    try {
      Reader r(text);
      r.read_uint64();
      r.finish();
    } catch (const JsonError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(uint_error("18446744073709551615"), "");
  EXPECT_NE(uint_error("18446744073709551616").find("too large"), std::string::npos);
  EXPECT_NE(uint_error("99999999999999999999999").find("too large"), std::string::npos);
  EXPECT_NE(uint_error("-1").find("negative"), std::string::npos);
  EXPECT_NE(uint_error("-0").find("negative"), std::string::npos);
  EXPECT_NE(uint_error("1.0").find("not an integer"), std::string::npos);
  EXPECT_NE(uint_error("1e3").find("not an integer"), std::string::npos);
  EXPECT_NE(uint_error("\"1\"").find("expected a number"), std::string::npos);
}

TEST(Json, QuoteEscapesLikeSerdeJson) {
  EXPECT_EQ(ember::json::quote("a\"b\\c\b\f\n\r\t\x01\x1f\x7f/\xc3\xa9"),
            "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0001\\u001f\x7f/\xc3\xa9\"");
  std::string all;
  for (int c = 1; c < 128; ++c) all += static_cast<char>(c);
  std::string quoted = ember::json::quote(all);
  Reader r(quoted);
  EXPECT_EQ(r.read_string(), all);
}
