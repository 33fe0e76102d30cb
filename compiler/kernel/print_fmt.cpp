#include "compiler/kernel/print_fmt.h"

#include <array>
#include <cctype>
#include <string>

namespace sonde::kernel {
namespace {

enum class Tok : uint8_t { kIdent, kNumber, kString, kChar, kPunct };

struct Token {
  Tok kind;
  std::string_view text;
};

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::vector<Token> tokenize(std::string_view s) {
  static constexpr std::array<std::string_view, 10> kTwoChar = {"->", "<<", ">>", "&&", "||",
                                                                "==", "!=", "<=", ">=", "##"};
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t start = i;
    if (ident_start(c)) {
      while (i < s.size() && ident_char(s[i])) ++i;
      out.push_back({Tok::kIdent, s.substr(start, i - start)});
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      while (i < s.size() && (ident_char(s[i]) || s[i] == '.')) ++i;
      out.push_back({Tok::kNumber, s.substr(start, i - start)});
    } else if (c == '"' || c == '\'') {
      for (++i; i < s.size() && s[i] != c; ++i) {
        if (s[i] == '\\') ++i;
      }
      i = std::min(i + 1, s.size());
      out.push_back({c == '"' ? Tok::kString : Tok::kChar, s.substr(start, i - start)});
    } else {
      std::string_view two = s.substr(i, 2);
      bool is_two = false;
      for (std::string_view t : kTwoChar) is_two = is_two || two == t;
      i += is_two ? 2 : 1;
      out.push_back({Tok::kPunct, s.substr(start, i - start)});
    }
  }
  return out;
}

bool is(const Token& t, std::string_view punct) { return t.kind == Tok::kPunct && t.text == punct; }

using Span = std::vector<Token>;

// Index of the bracket closing the one at `open`, or tokens.size().
size_t matching(const Span& tokens, size_t open) {
  int depth = 0;
  for (size_t i = open; i < tokens.size(); ++i) {
    if (is(tokens[i], "(") || is(tokens[i], "{") || is(tokens[i], "[")) ++depth;
    if (is(tokens[i], ")") || is(tokens[i], "}") || is(tokens[i], "]")) {
      if (--depth == 0) return i;
    }
  }
  return tokens.size();
}

// Splits tokens[begin, end) at top-level commas.
std::vector<Span> split_args(const Span& tokens, size_t begin, size_t end) {
  std::vector<Span> args(1);
  int depth = 0;
  for (size_t i = begin; i < end; ++i) {
    const Token& t = tokens[i];
    if (is(t, "(") || is(t, "{") || is(t, "[")) ++depth;
    if (is(t, ")") || is(t, "}") || is(t, "]")) --depth;
    if (depth == 0 && is(t, ",")) {
      args.emplace_back();
    } else {
      args.back().push_back(t);
    }
  }
  if (args.size() == 1 && args[0].empty()) args.clear();
  return args;
}

bool is_type_word(std::string_view w) {
  static constexpr std::array<std::string_view, 13> kWords = {
      "unsigned", "signed", "int",   "long",  "short",    "char", "_Bool",
      "bool",     "struct", "union", "const", "volatile", "enum"};
  for (std::string_view k : kWords) {
    if (w == k) return true;
  }
  return w.size() > 2 && w.ends_with("_t");
}

// Recursive descent over a constant expression, in C precedence.
class Evaluator {
 public:
  Evaluator(const Span& tokens, const ConstantResolver& resolve)
      : tokens_(tokens), resolve_(resolve) {}

  std::optional<int64_t> run() {
    std::optional<uint64_t> v = ternary();
    if (!v || pos_ != tokens_.size()) return std::nullopt;
    return static_cast<int64_t>(*v);
  }

 private:
  using Value = std::optional<uint64_t>;

  bool accept(std::string_view punct) {
    if (pos_ < tokens_.size() && is(tokens_[pos_], punct)) {
      ++pos_;
      return true;
    }
    return false;
  }

  Value ternary() {
    Value c = binary(0);
    if (!c || !accept("?")) return c;
    Value a = ternary();
    if (!a || !accept(":")) return std::nullopt;
    Value b = ternary();
    if (!b) return std::nullopt;
    return *c ? a : b;
  }

  // Binary operators by precedence level, loosest first.
  Value binary(int level) {
    static constexpr std::array<std::array<std::string_view, 4>, 10> kLevels = {{
        {"||"},
        {"&&"},
        {"|"},
        {"^"},
        {"&"},
        {"==", "!="},
        {"<", ">", "<=", ">="},
        {"<<", ">>"},
        {"+", "-"},
        {"*", "/", "%"},
    }};
    if (level == static_cast<int>(kLevels.size())) return unary();
    Value left = binary(level + 1);
    while (left && pos_ < tokens_.size() && tokens_[pos_].kind == Tok::kPunct) {
      std::string_view op = tokens_[pos_].text;
      bool here = false;
      for (std::string_view o : kLevels[level]) here = here || (!o.empty() && o == op);
      if (!here) break;
      ++pos_;
      Value right = binary(level + 1);
      if (!right) return std::nullopt;
      left = apply(op, *left, *right);
    }
    return left;
  }

  static Value apply(std::string_view op, uint64_t a, uint64_t b) {
    auto sa = static_cast<int64_t>(a);
    auto sb = static_cast<int64_t>(b);
    if (op == "||") return uint64_t{a || b};
    if (op == "&&") return uint64_t{a && b};
    if (op == "|") return a | b;
    if (op == "^") return a ^ b;
    if (op == "&") return a & b;
    if (op == "==") return uint64_t{a == b};
    if (op == "!=") return uint64_t{a != b};
    if (op == "<") return uint64_t{sa < sb};
    if (op == ">") return uint64_t{sa > sb};
    if (op == "<=") return uint64_t{sa <= sb};
    if (op == ">=") return uint64_t{sa >= sb};
    if (op == "<<") return b < 64 ? Value{a << b} : std::nullopt;
    if (op == ">>") return b < 64 ? Value{static_cast<uint64_t>(sa >> b)} : std::nullopt;
    if (op == "+") return a + b;
    if (op == "-") return a - b;
    if (op == "*") return a * b;
    if (b == 0 || (sa == INT64_MIN && sb == -1)) return std::nullopt;
    if (op == "/") return static_cast<uint64_t>(sa / sb);
    if (op == "%") return static_cast<uint64_t>(sa % sb);
    return std::nullopt;
  }

  // Width and signedness a cast converts to; bits 0 when unknown (a typedef: the
  // value passes unchanged).
  struct Conversion {
    unsigned bits = 0;
    bool is_signed = false;
  };

  static Conversion conversion(const Span& words) {
    Conversion c;
    bool is_unsigned = false;
    bool is_int = false;
    int longs = 0;
    for (const Token& t : words) {
      std::string_view w = t.text;
      if (w == "*") return {64, false};
      if (w == "unsigned") is_unsigned = true;
      if (w == "unsigned" || w == "signed" || w == "int") is_int = true;
      if (w == "char" || w == "bool" || w == "_Bool") c.bits = 8;
      if (w == "short") c.bits = 16;
      if (w == "long") ++longs;
      // The kernel's fixed-width typedefs: u8, __u16, s32, __s64, ...
      if (w.starts_with("__")) w.remove_prefix(2);
      if (w.size() >= 2 && (w[0] == 'u' || w[0] == 's') &&
          (w.substr(1) == "8" || w.substr(1) == "16" || w.substr(1) == "32" ||
           w.substr(1) == "64")) {
        return {static_cast<unsigned>(std::stoi(std::string(w.substr(1)))), w[0] == 's'};
      }
    }
    if (longs > 0) c.bits = 64;
    if (c.bits == 0 && is_int) c.bits = 32;
    // The kernel builds with -funsigned-char: only `signed char` is signed.
    c.is_signed = !is_unsigned && (c.bits != 8 || words.size() > 1);
    return c;
  }

  static uint64_t convert(uint64_t v, Conversion c) {
    if (c.bits == 0 || c.bits >= 64) return v;
    uint64_t mask = (uint64_t{1} << c.bits) - 1;
    v &= mask;
    if (c.is_signed && (v >> (c.bits - 1)) != 0) v |= ~mask;
    return v;
  }

  // `( type words )` before an operand: a cast.
  bool skip_cast(Conversion& out) {
    if (!is(tokens_[pos_], "(")) return false;
    size_t close = matching(tokens_, pos_);
    if (close >= tokens_.size() || close == pos_ + 1) return false;
    bool typeish = false;
    for (size_t i = pos_ + 1; i < close; ++i) {
      const Token& t = tokens_[i];
      if (is(t, "*")) {
        typeish = true;
      } else if (t.kind == Tok::kIdent) {
        typeish = typeish || is_type_word(t.text);
      } else {
        return false;
      }
    }
    bool operand_follows =
        close + 1 < tokens_.size() && !is(tokens_[close + 1], ")") && !is(tokens_[close + 1], ",");
    // A lone unknown name followed by an operand is a typedef cast: `(gfp_t)4`.
    if (!typeish && close == pos_ + 2 && operand_follows) {
      const Token& next = tokens_[close + 1];
      typeish = (next.kind != Tok::kPunct || is(next, "(") || is(next, "~") || is(next, "!")) &&
                !(resolve_ && resolve_(tokens_[pos_ + 1].text));
    }
    if (!typeish || !operand_follows) return false;
    out = conversion(Span(tokens_.begin() + static_cast<std::ptrdiff_t>(pos_) + 1,
                          tokens_.begin() + static_cast<std::ptrdiff_t>(close)));
    pos_ = close + 1;
    return true;
  }

  Value unary() {
    if (pos_ >= tokens_.size() || ++depth_ > 200) return std::nullopt;
    Value v;
    if (accept("-")) {
      v = unary();
      if (v) v = ~*v + 1;
    } else if (accept("+")) {
      v = unary();
    } else if (accept("~")) {
      v = unary();
      if (v) v = ~*v;
    } else if (accept("!")) {
      v = unary();
      if (v) v = uint64_t{*v == 0};
    } else if (Conversion c; skip_cast(c)) {
      v = unary();
      if (v) v = convert(*v, c);
    } else {
      v = primary();
    }
    --depth_;
    return v;
  }

  Value primary() {
    const Token& t = tokens_[pos_];
    if (accept("(")) {
      Value v = ternary();
      if (!accept(")")) return std::nullopt;
      return v;
    }
    ++pos_;
    if (t.kind == Tok::kNumber) return number(t.text);
    if (t.kind == Tok::kChar && t.text.size() == 3)
      return uint64_t{static_cast<uint8_t>(t.text[1])};
    if (t.kind == Tok::kIdent && resolve_) {
      if (std::optional<int64_t> v = resolve_(t.text)) return static_cast<uint64_t>(*v);
    }
    return std::nullopt;
  }

  static Value number(std::string_view text) {
    while (!text.empty() &&
           (text.back() == 'u' || text.back() == 'U' || text.back() == 'l' || text.back() == 'L')) {
      text.remove_suffix(1);
    }
    unsigned base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      base = 16;
      text.remove_prefix(2);
    } else if (text.size() > 1 && text[0] == '0') {
      base = 8;
      text.remove_prefix(1);
    }
    if (text.empty()) return std::nullopt;
    uint64_t v = 0;
    for (char c : text) {
      unsigned d;
      if (c >= '0' && c <= '9') {
        d = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        d = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        d = static_cast<unsigned>(c - 'A' + 10);
      } else {
        return std::nullopt;
      }
      if (d >= base) return std::nullopt;
      v = v * base + d;
    }
    return v;
  }

  const Span& tokens_;
  const ConstantResolver& resolve_;
  size_t pos_ = 0;
  int depth_ = 0;
};

// Removes enclosing parentheses and casts: `((unsigned long)(REC->x))` -> `REC->x`.
Span strip_parens_and_casts(Span tokens) {
  for (;;) {
    if (tokens.empty() || !is(tokens.front(), "(")) return tokens;
    size_t close = matching(tokens, 0);
    if (close == tokens.size() - 1) {
      tokens = Span(tokens.begin() + 1, tokens.end() - 1);
      continue;
    }
    bool cast = close < tokens.size() && close > 1;
    for (size_t i = 1; cast && i < close; ++i) {
      cast = tokens[i].kind == Tok::kIdent || is(tokens[i], "*");
    }
    if (!cast) return tokens;
    tokens.erase(tokens.begin(), tokens.begin() + static_cast<std::ptrdiff_t>(close) + 1);
  }
}

// The field a table describes, or "" when its subject is not a plain field.
std::string subject_field(const Span& arg, bool flags) {
  Span t = strip_parens_and_casts(arg);
  if (t.size() < 3 || t[0].kind != Tok::kIdent || t[0].text != "REC" || !is(t[1], "->") ||
      t[2].kind != Tok::kIdent) {
    return "";
  }
  // A mask over a flags field only drops bits the table does not name.
  if (t.size() == 3 || (flags && is(t[3], "&"))) return std::string(t[2].text);
  return "";
}

std::string unquote(std::string_view s) {
  if (s.size() >= 2) s = s.substr(1, s.size() - 2);
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

}  // namespace

std::optional<int64_t> evaluate_constant(std::string_view expression,
                                         const ConstantResolver& resolve) {
  Span tokens = tokenize(expression);
  if (tokens.empty()) return std::nullopt;
  return Evaluator(tokens, resolve).run();
}

std::vector<PrintTable> parse_print_tables(std::string_view print_fmt,
                                           const ConstantResolver& resolve) {
  std::vector<PrintTable> out;
  Span tokens = tokenize(print_fmt);
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind != Tok::kIdent || !is(tokens[i + 1], "(")) continue;
    bool flags = t.text == "__print_flags" || t.text == "__print_flags_u64";
    bool symbolic = t.text == "__print_symbolic" || t.text == "__print_symbolic_u64";
    if (!flags && !symbolic) continue;
    size_t close = matching(tokens, i + 1);
    std::vector<Span> args = split_args(tokens, i + 2, close);
    i = i + 1;  // nested tables inside the arguments are still visited
    if (args.empty()) continue;
    PrintTable table;
    table.flags = flags;
    table.field = subject_field(args[0], flags);
    if (table.field.empty()) continue;
    for (size_t a = flags ? 2 : 1; a < args.size(); ++a) {
      const Span& entry = args[a];
      if (entry.size() < 2 || !is(entry.front(), "{") || !is(entry.back(), "}")) continue;
      std::vector<Span> parts = split_args(entry, 1, entry.size() - 1);
      if (parts.size() != 2 || parts[1].size() != 1 || parts[1][0].kind != Tok::kString) continue;
      std::optional<int64_t> value = Evaluator(parts[0], resolve).run();
      if (!value) continue;
      table.values.push_back(SymbolicValue{*value, unquote(parts[1][0].text)});
    }
    out.push_back(std::move(table));
  }
  return out;
}

}  // namespace sonde::kernel
