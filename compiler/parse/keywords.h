// The grammar's keywords, read from grammar/Sonde.g4 as ANTLR compiled it, for the
// REPL's completion: it offers what the grammar accepts instead of a copy of it.
#pragma once

#include <string>
#include <vector>

namespace sonde::parse {

// Every keyword of the language, as written ("on", "where", "count", ...), sorted.
std::vector<std::string> keywords();

// Places in a statement where the grammar expects one of a few keywords.
enum class KeywordPlace {
  kStatement,  // what starts a statement: on, count, ..., print, span, event, alias, use, slo
  kSpanItem,   // what starts an item of a span definition: start, end, label
  kTail,       // what follows a metric's aggregation: by, capacity, ttl, as
  kScheme,     // a histogram's bucket scheme: log2, linear, buckets
};

// The keywords that can begin `place`, sorted: from the parser's ATN (the rule's first
// tokens), so a keyword added to the grammar is offered without editing the REPL.
std::vector<std::string> keywords_at(KeywordPlace place);

}  // namespace sonde::parse
