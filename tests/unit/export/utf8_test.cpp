#include "runtime/export/utf8.h"

#include <gtest/gtest.h>

namespace sonde::exporter {
namespace {

TEST(Utf8, SequenceLengths) {
  struct Case {
    std::string text;
    size_t length;
  };
  const Case cases[] = {
      {"a", 1},
      {"\xc3\xa9", 2},          // é
      {"\xe2\x82\xac", 3},      // €
      {"\xf0\x9f\x98\x80", 4},  // 😀
      {"\x80", 0},              // stray continuation
      {"\xc0\xaf", 0},          // overlong '/'
      {"\xe0\x80\xaf", 0},      // overlong, 3 bytes
      {"\xed\xa0\x80", 0},      // surrogate U+D800
      {"\xf4\x90\x80\x80", 0},  // above U+10FFFF
      {"\xf5\x80\x80\x80", 0},  // invalid lead
      {"\xe2\x82", 0},          // truncated
      {"\xc3\x28", 0},          // bad continuation
      {"\xef\xbf\xbd", 3},      // U+FFFD itself
      {"\xf4\x8f\xbf\xbf", 4},  // U+10FFFF
  };
  for (const Case& c : cases) {
    EXPECT_EQ(utf8_sequence_length(c.text, 0), c.length) << ::testing::PrintToString(c.text);
  }
}

TEST(Utf8, LossyReplacesEachInvalidByte) {
  std::string out;
  append_utf8_lossy(out, "ok \xff\xc3\xa9 \xe2\x82");
  EXPECT_EQ(out, "ok \xef\xbf\xbd\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
}

TEST(Utf8, PlainAscii) {
  EXPECT_TRUE(is_plain_ascii("tick_sched_timer {}\"\\"));
  EXPECT_FALSE(is_plain_ascii("new\nline"));
  EXPECT_FALSE(is_plain_ascii("caf\xc3\xa9"));
  EXPECT_FALSE(is_plain_ascii("del\x7f"));
}

// What the Prometheus and JSON escapers append untouched: no quote or backslash either.
TEST(Utf8, PlainQuotable) {
  EXPECT_TRUE(is_plain_quotable("tick_sched_timer {} 127.0.0.1:80"));
  EXPECT_TRUE(is_plain_quotable(""));
  EXPECT_FALSE(is_plain_quotable("say \"hi\""));
  EXPECT_FALSE(is_plain_quotable("C:\\path"));
  EXPECT_FALSE(is_plain_quotable("new\nline"));
  EXPECT_FALSE(is_plain_quotable("caf\xc3\xa9"));
  EXPECT_FALSE(is_plain_quotable("del\x7f"));
}

}  // namespace
}  // namespace sonde::exporter
