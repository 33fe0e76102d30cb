#include "tools/sonde/repl/completion.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "compiler/parse/keywords.h"
#include "compiler/parse/lexer.h"
#include "compiler/sema/functions_table.h"
#include "runtime/spec/aggregations.h"
#include "tools/sonde/repl/input_text.h"

namespace sonde::repl {
namespace {

const std::vector<std::string> kAggregations = [] {
  std::vector<std::string> out;
  for (const auto& a : spec::aggregations()) out.emplace_back(a.keyword);
  return out;
}();
// The grammar's own lists (the first tokens of its rules), read on first use: the
// parser's ATN is a static of another file, not ready while this file's are made.
const std::vector<std::string>& starters() {
  static const auto list = parse::keywords_at(parse::KeywordPlace::kStatement);
  return list;
}
const std::vector<std::string>& span_items() {
  static const auto list = parse::keywords_at(parse::KeywordPlace::kSpanItem);
  return list;
}
const std::vector<std::string>& tail_keywords() {
  static const auto list = parse::keywords_at(parse::KeywordPlace::kTail);
  return list;
}
// Schemes spelled with their '(' where the grammar requires one.
const std::vector<std::string>& schemes() {
  static const auto list = [] {
    std::vector<std::string> out;
    for (auto& s : parse::keywords_at(parse::KeywordPlace::kScheme))
      out.push_back(s == keyword::kLog2 ? s : s + "(");
    return out;
  }();
  return list;
}
const std::string kWhere(keyword::kWhere);
const std::string kKey(keyword::kKey);
const std::string kLatency(keyword::kLatency);
const std::string kOf(keyword::kOf);
const std::string kPrint(keyword::kPrint);
// Calls computed in user space (decoders) or in BPF, spelled with their parenthesis.
const std::vector<std::string>& calls() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& d : sema::decoders()) out.push_back(std::string(d.name) + "(");
    for (const auto& f : sema::functions()) {
      if (f.completed) out.push_back(std::string(f.name) + "(");
    }
    return out;
  }();
  return names;
}
constexpr size_t kMaxPathEntries = 10'000;

enum class Kind { kWord, kProbe, kNumber, kString, kParam, kPunct };

struct Token {
  Kind kind = Kind::kWord;
  std::string text;
  size_t begin = 0;  // offsets in the whole text
  size_t end = 0;
};

// The compiler's tokens of `text` from `from` on, as completion tells them apart: names
// and keywords are words, separators and casts punctuation. A probe being typed with
// nothing yet after its colon (`tracepoint:`) is a name and a colon to the lexer, which
// makes a probe token from the first character of the rest: here it is a probe already.
std::vector<Token> tokenize(std::string_view text, size_t from) {
  using parse::TokenKind;
  std::vector<Token> tokens;
  for (const parse::Token& p : parse::lex(text.substr(from))) {
    Token t;
    t.begin = from + p.begin;
    t.end = from + p.end;
    switch (p.kind) {
      case TokenKind::kKeyword:
      case TokenKind::kIdent:
        t.kind = Kind::kWord;
        break;
      case TokenKind::kProbe:
        t.kind = Kind::kProbe;
        break;
      case TokenKind::kNumber:
        t.kind = Kind::kNumber;
        break;
      case TokenKind::kString:
        t.kind = Kind::kString;
        break;
      case TokenKind::kParam:
        t.kind = Kind::kParam;
        break;
      case TokenKind::kNewline:
        continue;
      default:
        t.kind = Kind::kPunct;
        break;
    }
    if (!tokens.empty() && tokens.back().kind == Kind::kWord && tokens.back().end == t.begin &&
        t.kind == Kind::kPunct && text[t.begin] == ':' && t.end == t.begin + 1) {
      tokens.back().kind = Kind::kProbe;
      tokens.back().end = t.end;
    } else {
      tokens.push_back(t);
    }
  }
  for (Token& t : tokens) t.text = std::string(text.substr(t.begin, t.end - t.begin));
  return tokens;
}

bool contains(const std::vector<std::string>& list, const std::string& word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

void append(std::vector<std::string>& to, const std::vector<std::string>& more) {
  to.insert(to.end(), more.begin(), more.end());
}

std::vector<std::string> with_suffix(std::vector<std::string> words, const char* suffix) {
  for (auto& w : words) w += suffix;
  return words;
}

// Keeps the candidates that extend what is typed from `start` to the end of `text`.
Completion finish(std::string_view text, size_t start, std::vector<std::string> candidates) {
  std::string_view typed = text.substr(std::min(start, text.size()));
  std::erase_if(candidates, [&](const std::string& c) { return !c.starts_with(typed); });
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  return Completion{start, std::move(candidates)};
}

Completion complete_path(std::string_view text, size_t begin) {
  std::string_view path = text.substr(begin);
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string_view::npos ? "."
                    : slash == 0                    ? "/"
                                                    : std::string(path.substr(0, slash));
  size_t start = slash == std::string_view::npos ? begin : begin + slash + 1;
  std::string_view prefix = text.substr(start);
  std::vector<std::string> names;
  std::error_code ec;
  for (std::filesystem::directory_iterator
           it(dir, std::filesystem::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end && names.size() < kMaxPathEntries; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name[0] == '.' && !prefix.starts_with('.')) continue;
    std::error_code type_ec;
    names.push_back(it->is_directory(type_ec) ? name + "/" : name);
  }
  return finish(text, start, std::move(names));
}

class Completer {
 public:
  Completer(std::string_view text, CompletionSource& source) : text_(text), source_(source) {}

  Completion probe(size_t begin) {
    std::string_view word = text_.substr(begin);
    size_t colon = word.find(':');
    if (colon == std::string_view::npos) {
      std::vector<std::string> c = with_suffix(source_.probe_kinds(), ":");
      append(c, source_.event_names());
      return finish(text_, begin, std::move(c));
    }
    std::string kind = source_.canonical_kind(std::string(word.substr(0, colon)));
    size_t rest = begin + colon + 1;
    std::string_view after = text_.substr(rest);
    if (kind == "tracepoint") {
      size_t second = after.find(':');
      if (second == std::string_view::npos)
        return finish(text_, rest, with_suffix(source_.tracepoint_categories(), ":"));
      return finish(text_, rest + second + 1,
                    source_.tracepoint_names(std::string(after.substr(0, second))));
    }
    if (kind == "rawtracepoint") return finish(text_, rest, source_.tracepoint_names(""));
    if (kind == "uprobe" || kind == "uretprobe" || kind == "usdt") {
      if (after.find(':') == std::string_view::npos) return complete_path(text_, rest);
      return {};
    }
    if (kind == "profile" && after.find(':') == std::string_view::npos)
      return finish(text_, rest, {"hz:"});
    return {};
  }

  // The next word of a span name, after `typed` words of it.
  std::vector<std::string> span_words(const std::vector<std::string>& typed, bool& complete_name) {
    std::vector<std::string> out;
    complete_name = false;
    for (const auto& span : source_.spans()) {
      if (span.size() < typed.size()) continue;
      bool match = true;
      for (size_t i = 0; i < typed.size() && match; ++i)
        match = span[i][0] == '$' || span[i] == typed[i];
      if (!match) continue;
      if (span.size() == typed.size()) {
        complete_name = true;
      } else if (span[typed.size()][0] == '$') {
        append(out, source_.span_parameter_values(span, typed.size()));
      } else {
        out.push_back(span[typed.size()]);
      }
    }
    return out;
  }

  std::vector<std::string> expression_names(const std::string& probe) {
    std::vector<std::string> names = source_.probe_names(probe);
    append(names, calls());
    return names;
  }

  Completion statement() {
    size_t begin = current_statement_start(text_);
    bool in_body = open_braces(text_) > 0;
    std::vector<Token> t = tokenize(text_, begin);
    size_t at = text_.size();  // where the word being completed starts
    if (!t.empty() && t.back().end == text_.size() && t.back().kind != Kind::kPunct &&
        t.back().kind != Kind::kString) {
      at = t.back().begin;
      t.pop_back();
    }
    auto words = [&](std::vector<std::string> c) { return finish(text_, at, std::move(c)); };
    if (t.empty()) return words(in_body ? span_items() : starters());
    const std::string& first = t[0].text;
    const std::string& prev = t.back().text;

    bool endpoint = in_body && (first == keyword::kStart || first == keyword::kEnd);
    if (prev == keyword::kOn || (endpoint && t.size() == 1) ||
        (first == keyword::kAlias && t.size() == 1) ||
        (first == keyword::kEvent && prev == "=" && t.size() == 3)) {
      return probe(at);
    }
    if (prev == keyword::kAs || prev == keyword::kCapacity || prev == keyword::kTtl ||
        first == keyword::kUse || first == keyword::kSpan || first == keyword::kSlo ||
        (first == keyword::kEvent && t.size() < 3) || (first == keyword::kAlias && t.size() < 4)) {
      return {};
    }
    if (prev == keyword::kHistogram) return words(schemes());

    if (first == keyword::kOn && t.size() >= 2) return words(on_statement(t));
    if (endpoint) {
      if (t.size() == 2) return words({kWhere, kKey});
      std::vector<std::string> c = source_.probe_names(t[1].text);
      c.push_back(kKey);
      return words(std::move(c));
    }
    if (first == keyword::kEvent)
      return words(t.size() == 4 ? std::vector<std::string>{kWhere}
                                 : source_.probe_names(t[3].text));
    if (first == keyword::kAlias) return words(expression_names(t[1].text));
    if (contains(kAggregations, first) || first == kPrint) return span_statement(t, at);
    return {};
  }

  Completion command(size_t lead, const std::vector<CommandName>& commands) {
    size_t space = text_.find_first_of(" \t", lead);
    if (space == std::string_view::npos) {
      std::vector<std::string> names;
      names.reserve(commands.size());
      for (const auto& c : commands) names.push_back(c.name);
      return finish(text_, lead, std::move(names));
    }
    std::string name(text_.substr(lead, space - lead));
    auto it = std::find_if(commands.begin(), commands.end(),
                           [&](const CommandName& c) { return c.name == name; });
    if (it == commands.end()) return {};
    size_t at = text_.find_last_of(" \t") + 1;
    switch (it->argument) {
      case ArgumentKind::kNone:
        return {};
      case ArgumentKind::kStatement:
        return finish(text_, at, source_.statement_numbers());
      case ArgumentKind::kStatementOrAll: {
        auto c = source_.statement_numbers();
        c.push_back("all");
        return finish(text_, at, std::move(c));
      }
      case ArgumentKind::kFile:
        return complete_path(text_, at);
      case ArgumentKind::kProbe: {
        // A probe, an event, or a span by its words ("block rq").
        std::vector<std::string> typed;
        for (const auto& w : tokenize(text_.substr(0, at), space)) typed.push_back(w.text);
        bool complete_name = false;
        std::vector<std::string> spans = span_words(typed, complete_name);
        if (!typed.empty()) return finish(text_, at, std::move(spans));
        Completion c = probe(at);
        if (c.start == at) {
          append(c.candidates, spans);
          c = finish(text_, at, std::move(c.candidates));
        }
        return c;
      }
    }
    return {};
  }

 private:
  // Whether t[i] follows the probe or a complete predicate, where an aggregation
  // goes (a field may be called `count`: `where count > 2 count`).
  static bool ends_operand(const std::vector<Token>& t, size_t i) {
    if (i == 2) return true;
    const Token& before = t[i - 1];
    if (before.text == kWhere) return false;
    return before.kind != Kind::kPunct || before.text == ")";
  }

  // `on PROBE [where ...] AGGREGATION [operand] [by ...] [capacity N] [as NAME]`
  std::vector<std::string> on_statement(const std::vector<Token>& t) {
    const std::string& prev = t.back().text;
    if (t.size() == 2) {
      std::vector<std::string> c = kAggregations;
      c.push_back(kPrint);
      c.push_back(kWhere);
      return c;
    }
    bool seen_where = false, seen_aggregation = false, seen_print = false;
    for (size_t i = 2; i < t.size(); ++i) {
      if (t[i].text == kWhere)
        seen_where = true;
      else if (contains(kAggregations, t[i].text) && ends_operand(t, i))
        seen_aggregation = true;
      else if (t[i].text == kPrint && ends_operand(t, i))
        seen_print = true;
    }
    if (seen_print) return expression_names(t[1].text);  // its fields
    // An aggregation of no value (count) is followed by the tail at once.
    if (const spec::AggregationInfo* a = spec::find_aggregation(prev); a && !a->takes_value)
      return tail_keywords();
    std::vector<std::string> c = expression_names(t[1].text);
    if (seen_aggregation || !seen_where) append(c, tail_keywords());
    if (seen_where && !seen_aggregation) {
      append(c, kAggregations);
      c.push_back(kPrint);
    }
    return c;
  }

  // `AGGREGATION latency of SPAN WORDS [where ...] [by ...] ...` (`print` in place of the
  // aggregation: only `by` follows, which the checker says when more is written)
  Completion span_statement(const std::vector<Token>& t, size_t at) {
    auto words = [&](std::vector<std::string> c) { return finish(text_, at, std::move(c)); };
    const std::string& prev = t.back().text;
    auto latency =
        std::find_if(t.begin(), t.end(), [](const Token& x) { return x.text == kLatency; });
    if (latency == t.end()) return words({kLatency});
    if (prev == kLatency) return words({kOf});
    if (latency + 1 == t.end() || (latency + 1)->text != kOf) return {};
    std::vector<std::string> span;
    auto it = latency + 2;
    for (; it != t.end() && it->kind == Kind::kWord && it->text != kWhere &&
           !contains(tail_keywords(), it->text);
         ++it) {
      span.push_back(it->text);
    }
    if (it == t.end()) {
      bool complete_name = false;
      std::vector<std::string> c = span_words(span, complete_name);
      if (complete_name) {
        c.push_back(kWhere);
        append(c, tail_keywords());
      }
      return words(std::move(c));
    }
    std::vector<std::string> c = source_.span_statement_names(span);
    append(c, calls());
    append(c, tail_keywords());
    return words(std::move(c));
  }

  std::string_view text_;
  CompletionSource& source_;
};

}  // namespace

Completion complete(std::string_view text, CompletionSource& source,
                    const std::vector<CommandName>& commands) {
  Completer completer(text, source);
  size_t lead = text.find_first_not_of(" \t");
  if (lead != std::string_view::npos && text[lead] == ':') return completer.command(lead, commands);
  return completer.statement();
}

std::string common_prefix(const std::vector<std::string>& candidates) {
  if (candidates.empty()) return {};
  std::string prefix = candidates.front();
  for (const auto& c : candidates) {
    size_t n = 0;
    while (n < prefix.size() && n < c.size() && prefix[n] == c[n]) ++n;
    prefix.resize(n);
  }
  return prefix;
}

}  // namespace sonde::repl
