#include "compiler/parse/keywords.h"

#include <antlr4-runtime.h>

#include <algorithm>

#include "SondeLexer.h"
#include "SondeParser.h"

namespace sonde::parse {
namespace {

using sonde_grammar::SondeLexer;
using sonde_grammar::SondeParser;

// Keywords come first in the grammar, before the probe token (as lexer.cpp reads them).
bool is_keyword(ssize_t type) { return type > 0 && type < SondeLexer::PROBE_SPEC; }

// "'on'" -> "on"
std::string text_of(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  std::string literal = vocabulary.getLiteralName(type);
  return literal.size() >= 2 ? literal.substr(1, literal.size() - 2) : literal;
}

size_t rule_of(KeywordPlace place) {
  switch (place) {
    case KeywordPlace::kStatement:
      return SondeParser::RuleStatement;
    case KeywordPlace::kSpanItem:
      return SondeParser::RuleSpanItem;
    case KeywordPlace::kTail:
      return SondeParser::RuleTail;
    case KeywordPlace::kScheme:
      return SondeParser::RuleScheme;
  }
  return SondeParser::RuleStatement;
}

}  // namespace

std::vector<std::string> keywords() {
  antlr4::ANTLRInputStream input{std::string()};
  SondeLexer lexer(&input);
  std::vector<std::string> out;
  for (ssize_t type = 1; is_keyword(type); ++type)
    out.push_back(text_of(lexer.getVocabulary(), static_cast<size_t>(type)));
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> keywords_at(KeywordPlace place) {
  // A parser over no input: only its ATN, the grammar compiled, is read.
  antlr4::ANTLRInputStream input{std::string()};
  SondeLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  SondeParser parser(&tokens);
  const antlr4::atn::ATN& atn = parser.getATN();
  const antlr4::misc::IntervalSet& first = atn.nextTokens(atn.ruleToStartState[rule_of(place)]);
  std::vector<std::string> out;
  for (ssize_t type : first.toList()) {
    if (is_keyword(type)) out.push_back(text_of(parser.getVocabulary(), static_cast<size_t>(type)));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sonde::parse
