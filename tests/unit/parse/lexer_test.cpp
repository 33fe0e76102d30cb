#include "compiler/parse/lexer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sonde::parse {
namespace {

// Each token as "kind:text", kinds by their first letters.
std::vector<std::string> cut(std::string_view text) {
  std::vector<std::string> out;
  for (const Token& t : lex(text)) {
    const char* kind = "";
    switch (t.kind) {
      case TokenKind::kKeyword:
        kind = "kw";
        break;
      case TokenKind::kIdent:
        kind = "id";
        break;
      case TokenKind::kProbe:
        kind = "probe";
        break;
      case TokenKind::kNumber:
        kind = "num";
        break;
      case TokenKind::kString:
        kind = "str";
        break;
      case TokenKind::kParam:
        kind = "param";
        break;
      case TokenKind::kCast:
        kind = "cast";
        break;
      case TokenKind::kNewline:
        kind = "nl";
        break;
      case TokenKind::kSemicolon:
        kind = "semi";
        break;
      case TokenKind::kOpenBrace:
        kind = "open";
        break;
      case TokenKind::kCloseBrace:
        kind = "close";
        break;
      case TokenKind::kPunct:
        kind = "punct";
        break;
      case TokenKind::kError:
        kind = "error";
        break;
    }
    out.push_back(std::string(kind) + ":" + std::string(text.substr(t.begin, t.end - t.begin)));
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Lexer, CutsAStatementAsTheGrammarDoes) {
  EXPECT_EQ(cut("on tracepoint:syscalls:sys_enter_* where (u32)pid >= 10ms count by comm"),
            (V{"kw:on", "probe:tracepoint:syscalls:sys_enter_*", "kw:where", "cast:(u32)", "id:pid",
               "punct:>=", "num:10ms", "kw:count", "kw:by", "id:comm"}));
}

TEST(Lexer, SkipsCommentsAndKeepsSeparators) {
  EXPECT_EQ(cut("span a { start x:y key $p; } # a { comment\n\"s;{\""),
            (V{"kw:span", "id:a", "open:{", "kw:start", "probe:x:y", "kw:key", "param:$p", "semi:;",
               "close:}", "nl:\n", "str:\"s;{\""}));
}

TEST(Lexer, AStringLeftOpenRunsToTheEndOfItsLine) {
  EXPECT_EQ(cut("where comm == \"ab { c\non"),
            (V{"kw:where", "id:comm", "punct:==", "str:\"ab { c", "nl:\n", "kw:on"}));
}

TEST(Lexer, OffsetsAreBytesWhateverTheText) {
  // ANTLR counts code points: "é" is one of them and two bytes.
  EXPECT_EQ(cut("\"é\" x\r\ny"), (V{"str:\"é\"", "id:x", "nl:\r\n", "id:y"}));
}

TEST(Lexer, InvalidUtf8EndsItsLineInOneErrorToken) {
  EXPECT_EQ(cut("on a\xff b\nc"), (V{"kw:on", "id:a", "error:\xff b", "nl:\n", "id:c"}));
}

TEST(Lexer, AProbeNeedsACharacterAfterItsColon) {
  EXPECT_EQ(cut("on tracepoint: x"), (V{"kw:on", "id:tracepoint", "punct::", "id:x"}));
}

}  // namespace
}  // namespace sonde::parse
