// The one escaping walk the exporters, the terminal and the string decoder share.
#include <gtest/gtest.h>

#include <string>

#include "support/utf8.h"

namespace sonde {
namespace {

// Escapes quotes and newlines, marks each invalid byte with its value, and records how
// the kept text arrived.
struct Walk {
  std::string out;
  std::vector<std::string> pieces;
  char invalid[4] = {'<', 0, 0, '>'};

  explicit Walk(std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    escape_utf8(
        text,
        [&](std::string_view piece) {
          out += piece;
          pieces.emplace_back(piece);
        },
        [](unsigned char c) {
          return c == '"'    ? std::string_view("\\\"")
                 : c == '\n' ? std::string_view("\\n")
                             : std::string_view();
        },
        [&](unsigned char c) {
          invalid[1] = kHex[c >> 4];
          invalid[2] = kHex[c & 0xF];
          return std::string_view(invalid, 4);
        });
  }
};

TEST(Utf8Walk, KeepsPlainTextInOnePiece) {
  Walk w("tick_sched_timer caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(w.out, "tick_sched_timer caf\xc3\xa9 \xf0\x9f\x98\x80");
  EXPECT_EQ(w.pieces.size(), 1u);
}

TEST(Utf8Walk, EscapesAsciiBytesTheCallerAsksFor) {
  Walk w("say \"hi\"\n");
  EXPECT_EQ(w.out, "say \\\"hi\\\"\\n");
}

TEST(Utf8Walk, ReplacesEachByteThatStartsNoSequence) {
  // A stray continuation, an overlong form, a truncated sequence at the end.
  Walk w(
      "a\x80"
      "b\xc0\xaf"
      "c\xe2\x82");
  EXPECT_EQ(w.out, "a<80>b<c0><af>c<e2><82>");
}

TEST(Utf8Walk, EmptyTextWritesNothing) {
  Walk w("");
  EXPECT_EQ(w.out, "");
  EXPECT_TRUE(w.pieces.empty());
}

}  // namespace
}  // namespace sonde
