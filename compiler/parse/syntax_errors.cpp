#include "compiler/parse/syntax_errors.h"

#include <fmt/format.h>

#include <set>

#include "SondeLexer.h"
#include "SondeParser.h"

namespace sonde::parse {
namespace {

using sonde_grammar::SondeLexer;
using sonde_grammar::SondeParser;

std::string token_description(const antlr4::dfa::Vocabulary& vocabulary, size_t type) {
  switch (type) {
    case SondeLexer::PROBE_SPEC:
      return "a probe";
    case SondeLexer::NUMBER:
      return "a number";
    case SondeLexer::STRING:
      return "a string";
    case SondeLexer::IDENT:
      return "a name";
    case SondeLexer::PARAM:
      return "a $parameter";
    case SondeLexer::NEWLINE:
      return "end of line";
    case antlr4::Token::EOF:
      return "end of input";
    default:
      break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  return literal.empty() ? vocabulary.getSymbolicName(type) : literal;
}

std::string offending_text(antlr4::Token* t) {
  if (t->getType() == antlr4::Token::EOF) return "end of input";
  if (t->getType() == SondeLexer::NEWLINE) return "end of line";
  std::string text = t->getText();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return fmt::format("'{}'", text);
}

constexpr const char* kAggregations =
    "count, sum EXPR, min EXPR, max EXPR, avg EXPR, gauge EXPR, histogram log2 EXPR, "
    "histogram linear(LOW, HIGH, STEP) EXPR or histogram buckets(B1, B2, ...) EXPR";

}  // namespace

void SyntaxErrorListener::syntaxError(antlr4::Recognizer* recognizer, antlr4::Token* offending,
                                      size_t, size_t, const std::string&, std::exception_ptr) {
  if (failed_) return;  // later errors are usually echoes of the first
  failed_ = true;
  ast::SourceRange range = range_of_(offending);
  std::string what = offending_text(offending);

  std::set<size_t> expected;
  if (auto* parser = dynamic_cast<antlr4::Parser*>(recognizer)) {
    for (ssize_t t : parser->getExpectedTokens().toList()) expected.insert(static_cast<size_t>(t));
  } else {
    // The lexer's only failure mode: ERROR_CHAR covers any character.
  }
  if (offending && offending->getType() == SondeLexer::ERROR_CHAR) {
    std::string hint;
    if (offending->getText() == "'") hint = "strings are written in double quotes: \"nginx\"";
    if (offending->getText() == "@")
      hint = "sonde has no @maps: write an aggregation, e.g. 'on PROBE count by comm'";
    if (offending->getText() == "$") hint = "$parameters are only used in span definitions";
    diags_.error(range, fmt::format("unexpected character {}", what), hint);
    return;
  }
  auto has = [&](size_t t) { return expected.count(t) > 0; };
  if (has(SondeParser::ON) && has(SondeParser::SPAN)) {
    std::string hint =
        "a statement is 'on PROBE [where ...] AGGREGATION [by ...]', "
        "'AGGREGATION latency of SPAN', or a definition (span, event, alias, use)";
    if (offending->getType() == SondeLexer::PROBE_SPEC) {
      hint = fmt::format("probes follow 'on': on {} count", offending->getText());
    }
    diags_.error(range, fmt::format("unexpected {} at the start of a statement", what), hint);
    return;
  }
  if (has(SondeParser::NUMBER) && has(SondeParser::STRING) && has(SondeParser::IDENT) &&
      expected.size() > 6) {
    diags_.error(range, fmt::format("expected an expression, found {}", what));
    return;
  }
  if (has(SondeParser::PROBE_SPEC)) {
    diags_.error(range, fmt::format("expected a probe, found {}", what),
                 "probes look like tracepoint:CATEGORY:NAME, uprobe:PATH:SYMBOL, profile:hz:99, "
                 "or the name of an event");
    return;
  }
  if (has(SondeParser::COUNT) && has(SondeParser::HISTOGRAM)) {
    std::string hint = fmt::format("aggregations: {}", kAggregations);
    if (has(SondeParser::PRINT)) hint += "; or 'print EXPR, ...' to see each event";
    diags_.error(range, fmt::format("expected an aggregation, found {}", what), hint);
    return;
  }
  if (has(SondeParser::LATENCY) && expected.size() <= 3) {
    diags_.error(
        range, fmt::format("expected 'latency of SPAN', found {}", what),
        "without 'on PROBE', a statement measures a span: histogram log2 latency of block rq");
    return;
  }
  std::vector<std::string> names;
  for (size_t t : expected) {
    if (t == SondeParser::NEWLINE || t == SondeParser::SEMI) continue;
    names.push_back(token_description(recognizer->getVocabulary(), t));
  }
  if (names.empty() || names.size() > 8) {
    diags_.error(range, fmt::format("unexpected {}", what));
    return;
  }
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) list += i + 1 == names.size() ? " or " : ", ";
    list += names[i];
  }
  diags_.error(range, fmt::format("unexpected {}; expected {}", what, list));
}

}  // namespace sonde::parse
