#include "tests/e2e/generative/generator.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <optional>

#include "compiler/sema/naming.h"

namespace sonde::gen {
namespace {

// ---- names ----

// The generator predicts the label sema gives a key (sanitize_name), so that it names
// keys explicitly only when two would clash.
std::string sanitize(const std::string& text) { return sema::sanitize_name(text); }

// Names sonde derives from expressions are at most 200 characters (sema refuses longer
// ones); the generator names its own past this, which leaves room for a probe's name.
constexpr size_t kMaxDerivedName = 100;

bool valid_label(const std::string& name) {
  return !name.empty() && !(name[0] >= '0' && name[0] <= '9') && !name.starts_with("__") &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

// ---- expressions ----

struct E {
  std::string text;
  VType type;
  bool constant = false;       // sema folds it (literals, enum constants, operators on them)
  bool plain_literal = false;  // a non-negative literal alone
  bool decoded = false;        // a decoder call or a stack: a key only
  std::string label;           // the label sonde derives from it
};

struct Term {
  std::string text;
  VType type;
  std::string label;
  bool key_only = false;
};

struct Scope {
  ProbeKind kind = ProbeKind::kTracepoint;
  std::vector<Term> terms;
  std::set<std::string> names;  // every name that means something here
};

struct Builtin {
  const char* name;
  VType type;
  bool qualifiable;  // current.NAME
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> list = [] {
    VType stack;
    stack.kind = Kind::kStack;
    return std::vector<Builtin>{
        {"pid", VType::integer(4, false), true},
        {"tid", VType::integer(4, false), true},
        {"cpu", VType::integer(4, false), true},
        {"uid", VType::integer(4, false), true},
        {"gid", VType::integer(4, false), true},
        {"cgroup", VType::integer(8, false), true},
        {"nsecs", VType::integer(8, false), true},
        {"comm", VType::string(16), true},
        {"probe", VType::integer(4, false), false},  // which probe fired: a label only
        {"kstack", stack, false},
        {"ustack", stack, false},
    };
  }();
  return list;
}

// The names in scope at a probe: its fields, then `extra` (aliases, span labels), then
// the builtins the fields leave visible; `current.X` always names the builtin.
Scope make_scope(const Probe& p, const std::vector<Term>& extra) {
  Scope s;
  s.kind = p.kind;
  bool field_current = false;
  for (const Field& f : p.fields) {
    s.names.insert(f.name);
    field_current |= f.name == "current";
    if (f.type.kind != Kind::kOther) s.terms.push_back({f.name, f.type, f.name, false});
  }
  for (const Term& t : extra) {
    if (s.names.insert(t.text).second) s.terms.push_back(t);
  }
  for (const Builtin& b : builtins()) {
    // Stacks and `probe` (an index into a table of names, not a number) are labels only.
    const bool key_only = b.type.kind == Kind::kStack || std::string_view(b.name) == "probe";
    if (s.names.insert(b.name).second) s.terms.push_back({b.name, b.type, b.name, key_only});
    if (b.qualifiable && !field_current)
      s.terms.push_back({fmt::format("current.{}", b.name), b.type, b.name, key_only});
  }
  const bool ret = p.kind == ProbeKind::kUretprobe || p.kind == ProbeKind::kKretprobe;
  const bool args =
      p.kind == ProbeKind::kUprobe || p.kind == ProbeKind::kUsdt || p.kind == ProbeKind::kKprobe;
  if (ret && s.names.insert("retval").second)
    s.terms.push_back({"retval", VType::integer(8, true), "retval", false});
  for (int i = 0; args && i < 6; ++i) {
    std::string n = fmt::format("arg{}", i);
    if (s.names.insert(n).second) s.terms.push_back({n, VType::integer(8, true), n, false});
  }
  return s;
}

// Fields every probe of `probes` has with one type: what a statement may use on all of
// them (a span's several ends).
Probe common_probe(const std::vector<const Probe*>& probes) {
  Probe out = *probes.front();
  std::vector<Field> kept;
  for (const Field& f : out.fields) {
    bool everywhere = true;
    for (const Probe* p : probes) {
      auto it = std::find_if(p->fields.begin(), p->fields.end(),
                             [&](const Field& g) { return g.name == f.name; });
      everywhere = everywhere && it != p->fields.end() && it->type.same(f.type);
    }
    if (everywhere) kept.push_back(f);
  }
  // A name some probe has with another type still shadows builtins there.
  for (const Probe* p : probes) {
    for (const Field& f : p->fields) {
      if (std::none_of(kept.begin(), kept.end(),
                       [&](const Field& k) { return k.name == f.name; })) {
        Field hidden = f;
        hidden.type.kind = Kind::kOther;
        kept.push_back(hidden);
      }
    }
  }
  out.fields = std::move(kept);
  for (const Probe* p : probes) {
    if (p->kind != out.kind) out.kind = ProbeKind::kTracepoint;  // no argN, no retval
  }
  return out;
}

enum class Want { kNumber, kString, kAddress };

bool wanted(const VType& t, Want w) {
  switch (w) {
    case Want::kNumber:
      return t.numeric();
    case Want::kString:
      return t.kind == Kind::kString;
    case Want::kAddress:  // what ntop() takes
      return (t.kind == Kind::kInt && (t.size == 4 || t.size == 8)) ||
             (t.kind == Kind::kBytes && (t.size == 4 || t.size == 16));
  }
  return false;
}

struct StringLiteral {
  std::string text;  // as written, quoted
  size_t bytes = 0;  // its length once unescaped
};

StringLiteral string_literal(Rng& rng, size_t max_bytes) {
  static const char kPlain[] = "abcdefghijklmnopqrstuvwxyz0123456789_-./: ";
  StringLiteral s{"\"", 0};
  const size_t n = max_bytes ? static_cast<size_t>(rng.below(max_bytes + 1)) : 0;
  while (s.bytes < n) {
    unsigned r = static_cast<unsigned>(rng.below(100));
    if (r < 88) {
      s.text += kPlain[rng.below(sizeof(kPlain) - 1)];
      s.bytes += 1;
    } else if (r < 96) {
      static const char* kEscapes[] = {"\\\"", "\\\\", "\\n", "\\t", "\\0"};
      s.text += kEscapes[rng.below(5)];
      s.bytes += 1;
    } else if (s.bytes + 2 <= n) {
      s.text += "\xc3\xa9";  // é: two bytes of UTF-8
      s.bytes += 2;
    }
  }
  s.text += "\"";
  return s;
}

class ExprGen {
 public:
  ExprGen(Rng& rng, Catalog& catalog, const Scope& scope, std::set<std::string>& features)
      : rng_(rng), catalog_(catalog), scope_(scope), features_(features) {
    for (const Term& t : scope_.terms) {
      if (t.key_only) continue;
      if (t.type.numeric()) numbers_.push_back(&t);
      if (t.type.kind == Kind::kString) strings_.push_back(&t);
      if (t.type.kind == Kind::kBytes || t.type.kind == Kind::kString) arrays_.push_back(&t);
      if (t.type.symbols && t.type.kind == Kind::kInt) symbolic_.push_back(&t);
      if ((t.type.kind == Kind::kPointer || t.type.kind == Kind::kRecord) &&
          catalog_.is_record(t.type.btf))
        records_.push_back(&t);
      if (t.type.kind == Kind::kPointer || (t.type.kind == Kind::kInt && t.type.size == 8))
        addresses_.push_back(&t);
      if (wanted(t.type, Want::kAddress)) ips_.push_back(&t);
    }
  }

  // A number, a boolean or an address.
  E number(int depth) {
    if (depth <= 0) return rng_.chance(85) ? leaf_number() : literal();
    enum {
      kLeaf,
      kLit,
      kUnary,
      kArith,
      kShift,
      kCompare,
      kLogic,
      kCast,
      kSwap,
      kStrCmp,
      kSymCmp,
      kOp,
      kEnum,
      kScan
    };
    const size_t choice = rng_.weighted({25, 4, 8, 20, 5, 12, 6, 8, 3, strings_.empty() ? 1u : 6u,
                                         symbolic_.empty() ? 0u : 6u, 2,
                                         catalog_.enum_constants().empty() ? 0u : 2u, 3});
    switch (choice) {
      case kLeaf:
        return leaf_number();
      case kLit:
        return rng_.chance(70) ? literal() : negative_literal();
      case kUnary:
        return unary(depth);
      case kArith:
        return arithmetic(depth);
      case kShift:
        return shift(depth);
      case kCompare:
        return compare(depth);
      case kLogic:
        return logic(depth);
      case kCast:
        return cast(depth);
      case kSwap:
        return byte_swap(depth);
      case kStrCmp:
        return compare_strings(depth);
      case kSymCmp:
        return compare_symbol();
      case kOp:
        return block_op(depth);
      case kScan:
        return buffer_scan(depth);
      default:
        return enum_constant();
    }
  }

  // A string.
  E string(int depth, bool key) {
    const size_t choice = rng_.weighted(
        {45, records_.empty() ? 0u : 20u, addresses_.empty() ? 0u : 20u, depth > 0 ? 10u : 0u});
    if (choice == 1) {
      for (int attempt = 0; attempt < 3; ++attempt) {
        if (auto e = chain(*rng_.pick(records_), Want::kString)) return *e;
      }
    }
    if (choice == 2) {
      features_.insert("str(pointer)");
      const Term& t = pick_address();
      E arg = from_term(t);
      if (key || rng_.chance(70)) {
        uint32_t n = bound();
        return call("str", fmt::format("str({}, {})", arg.text, n), VType::string(n + 1),
                    arg.label);
      }
      return call("str", fmt::format("str({})", arg.text), VType::string(64), arg.label);
    }
    if (choice == 3) {
      features_.insert("str(string)");
      E arg = string(depth - 1, key);
      uint32_t n = bound();
      return call("str", fmt::format("str({}, {})", arg.text, n),
                  VType::string(std::min(n + 1, arg.type.size)), arg.label);
    }
    // Without a string in scope (a field shadows comm and `current` too): a number,
    // which the caller's use then makes a located rejection, never a silent one.
    if (strings_.empty()) return number(depth);
    return from_term(*rng_.pick(strings_));
  }

  // An expression for `by`: a number, a string, a decoder, a stack.
  E key(int depth) {
    enum { kNumber, kString, kDecoder, kStack, kOp, kSymbolic };
    switch (rng_.weighted({22, 22, 30, 5, 3, symbolic_.empty() ? 0u : 8u})) {
      case kNumber:
        return number(depth);
      case kString:
        return string(depth, true);
      case kDecoder:
        return decoder(depth);
      case kStack: {
        const char* which = rng_.chance(50) ? "kstack" : "ustack";
        features_.insert(fmt::format("key:{}", which));
        for (const Term& t : scope_.terms) {
          if (t.text == which) return {t.text, t.type, false, false, true, t.label};
        }
        return number(depth);
      }
      case kOp:
        return block_op(depth);
      default:
        features_.insert("key:symbolic");
        return from_term(*rng_.pick(symbolic_));
    }
  }

  // A number nested `n` levels deep, one operation per level, each nesting one or two
  // (parentheses count toward the parser's 64 levels).
  E deep(int n) {
    features_.insert("very deep expression");
    E e = leaf_number();
    for (int i = 0; i < n; ++i) {
      switch (rng_.below(6)) {
        case 0:
          e = {fmt::format("-({})", e.text), VType::integer(8, e.type.promoted_signed())};
          break;
        case 1:
          e = {fmt::format("~{}", e.text), VType::integer(8, e.type.promoted_signed())};
          break;
        case 2:
          e = call("u16", fmt::format("u16({})", e.text), VType::integer(2, false));
          break;
        case 3:
          e = binary(e, "+", literal(), VType::integer(8, e.type.promoted_signed()));
          break;
        case 4:
          e = binary(e, "/", literal(true), VType::integer(8, e.type.promoted_signed()));
          break;
        default:
          e = binary(e, "*", leaf_number(), VType::integer(8, false));
          break;
      }
      e.constant = false;
    }
    e.label = sanitize(e.text);
    return e;
  }

  // Something `str()` accepts without a bound only outside keys: a pointer or a u64.
  bool has_addresses() const { return !addresses_.empty(); }

 private:
  E from_term(const Term& t) { return {t.text, t.type, false, false, t.key_only, t.label}; }

  E call(const std::string& fn, std::string text, VType type, std::string label = {}) {
    return {std::move(text), std::move(type), false,
            false,           false,           label.empty() ? fn : std::move(label)};
  }

  uint32_t bound() {
    return static_cast<uint32_t>(rng_.chance(55) ? rng_.between(1, 64) : rng_.between(65, 256));
  }

  const Term& pick_address() {
    // Prefer what points to text (char *), then any address.
    std::vector<const Term*> text;
    for (const Term* t : addresses_) {
      if (t->type.kind != Kind::kPointer || !t->type.btf) continue;
      kernel::Type pointee = catalog_.btf().type(catalog_.btf().resolve(t->type.btf));
      if (pointee.kind == kernel::TypeKind::kInt && pointee.size == 1) text.push_back(t);
    }
    if (!text.empty() && rng_.chance(60)) return *rng_.pick(text);
    return *rng_.pick(addresses_);
  }

  E leaf_number() {
    enum { kTerm, kChain, kIndex, kLit };
    const size_t choice = rng_.weighted(
        {numbers_.empty() ? 0u : 60u, records_.empty() ? 0u : 25u, arrays_.empty() ? 0u : 10u, 5});
    if (choice == kChain) {
      for (int attempt = 0; attempt < 3; ++attempt) {
        if (auto e = chain(*rng_.pick(records_), Want::kNumber)) return *e;
      }
    }
    if (choice == kIndex) {
      if (auto e = index(from_term(*rng_.pick(arrays_)))) return *e;
    }
    if (choice == kLit || numbers_.empty()) return literal();
    return from_term(*rng_.pick(numbers_));
  }

  // base.member.member...: through pointers and structs held by value.
  std::optional<E> chain(const Term& base, Want want) {
    E cur = from_term(base);
    for (int d = 0; d < 5; ++d) {
      const bool through = cur.type.kind == Kind::kPointer || cur.type.kind == Kind::kRecord;
      if (!through || !catalog_.is_record(cur.type.btf)) return std::nullopt;
      std::vector<const Field*> usable, fitting;
      for (const Field& m : catalog_.members(cur.type.btf)) {
        if (m.type.bitfield || m.type.kind == Kind::kOther) continue;
        usable.push_back(&m);
        if (wanted(m.type, want)) fitting.push_back(&m);
      }
      if (usable.empty()) return std::nullopt;
      const Field* m = !fitting.empty() && rng_.chance(60) ? rng_.pick(fitting) : rng_.pick(usable);
      cur.label = cur.label + "_" + m->name;
      cur.text += "." + m->name;
      cur.type = m->type;
      features_.insert(d == 0 ? "member" : "member chain");
      if (cur.type.kind == Kind::kRecord) {
        features_.insert("member of a nested struct");
        continue;
      }
      const bool record = cur.type.kind == Kind::kPointer && catalog_.is_record(cur.type.btf);
      if (record && d < 3 && rng_.chance(35)) continue;
      if (wanted(cur.type, want)) return cur;
      if (want == Want::kNumber) {
        if (auto e = index(cur)) return e;
      }
      if (!record) return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<E> index(const E& array) {
    uint64_t count = 0;
    VType element;
    if (array.type.kind == Kind::kBytes) {
      count = array.type.size / array.type.element_size;
      element = VType::integer(array.type.element_size, false);
    } else if (array.type.kind == Kind::kString) {
      count = array.type.size;
      element = VType::integer(1, true);
    }
    if (count == 0) return std::nullopt;
    features_.insert(array.type.kind == Kind::kBytes ? "index:bytes" : "index:string");
    std::string text = fmt::format("{}[{}]", array.text, rng_.below(count));
    return E{text, element, false, false, false, sanitize(text)};
  }

  E literal(bool nonzero = false) {
    static const std::pair<const char*, uint64_t> kUnits[] = {
        {"ns", 1},          {"us", 1000},         {"ms", 1000000}, {"s", 1000000000},
        {"m", 60000000000}, {"h", 3600000000000}, {"B", 1},        {"KiB", 1024},
        {"MiB", 1 << 20},   {"GiB", 1ULL << 30},  {"KB", 1000},    {"MB", 1000000},
        {"GB", 1000000000}, {"TiB", 1ULL << 40}};
    std::string text;
    uint64_t value = 0;
    switch (rng_.weighted({50, 10, 12, 6, 14, 8})) {
      case 0:
        value = static_cast<uint64_t>(rng_.between(0, 100));
        text = fmt::format("{}", value);
        break;
      case 1:
        value = rng_.next() >> rng_.below(64);
        text = fmt::format("{}", value);
        break;
      case 2:
        value = rng_.chance(70) ? rng_.below(0x10000) : rng_.next();
        text = rng_.chance(50) ? fmt::format("0x{:x}", value) : fmt::format("0x{:X}", value);
        break;
      case 3:
        value = static_cast<uint64_t>(rng_.between(1000, 999999));
        text = fmt::format("{}_{:03}", value / 1000, value % 1000);
        break;
      case 4: {
        const auto& [unit, scale] = kUnits[rng_.below(std::size(kUnits))];
        value = static_cast<uint64_t>(rng_.between(0, 999));
        text = fmt::format("{}{}", value, unit);
        value *= scale;
        features_.insert("literal with unit");
        break;
      }
      default:
        value = rng_.chance(50) ? 9223372036854775807ULL : 18446744073709551615ULL;
        text = fmt::format("{}", value);
        break;
    }
    if (nonzero && value == 0) {
      value = static_cast<uint64_t>(rng_.between(1, 1000));
      text = fmt::format("{}", value);
    }
    VType t = VType::integer(8, value <= 9223372036854775807ULL);
    return {text, t, true, true, false, sanitize(text)};
  }

  E negative_literal() {
    E e = literal(true);
    e.text = "-" + e.text;
    e.type = VType::integer(8, true);
    e.plain_literal = false;
    return e;
  }

  E unary(int depth) {
    E a = number(depth - 1);
    static const char* kOps[] = {"-", "~", "!"};
    const char* op = kOps[rng_.below(3)];
    features_.insert(fmt::format("unary {}", op));
    std::string text = fmt::format("{}({})", op, a.text);
    VType t = op[0] == '!' ? VType::boolean() : VType::integer(8, a.type.promoted_signed());
    return {text, t, a.constant, false, false, sanitize(text)};
  }

  static VType common(const E& a, const E& b) {
    return VType::integer(8, a.type.promoted_signed() && b.type.promoted_signed());
  }

  E binary(const E& a, const char* op, const E& b, VType t) {
    features_.insert(fmt::format("operator {}", op));
    std::string text = fmt::format("({} {} {})", a.text, op, b.text);
    return {text, t, a.constant && b.constant, false, false, sanitize(text)};
  }

  E arithmetic(int depth) {
    static const char* kOps[] = {"+", "-", "*", "/", "%", "&", "|", "^"};
    const char* op = kOps[rng_.below(std::size(kOps))];
    E a = number(depth - 1);
    E b = number(depth - 1);
    // A constant divisor of zero is refused (sema): give a constant one a value.
    if ((op[0] == '/' || op[0] == '%') && b.constant)
      b = rng_.chance(80) ? literal(true) : negative_literal();
    return binary(a, op, b, common(a, b));
  }

  E shift(int depth) {
    const char* op = rng_.chance(50) ? "<<" : ">>";
    E a = number(depth - 1);
    // A constant count must be 0..63 (sema refuses others).
    E b = rng_.chance(40) ? number(depth - 1) : E{};
    if (b.text.empty() || b.constant) {
      std::string n = fmt::format("{}", rng_.between(0, 63));
      b = {n, VType::integer(8, true), true, true, false, n};
    }
    return binary(a, op, b, VType::integer(8, a.type.promoted_signed()));
  }

  // A constant compared with an unsigned 64-bit value must not be negative.
  void fit_constant(E& c, const E& other) {
    if (c.constant && !other.constant && !other.type.promoted_signed() && !c.plain_literal)
      c = literal();
  }

  E compare(int depth) {
    static const char* kOps[] = {"<", "<=", ">", ">=", "==", "!="};
    E a = number(depth - 1);
    E b = number(depth - 1);
    fit_constant(a, b);
    fit_constant(b, a);
    return binary(a, kOps[rng_.below(std::size(kOps))], b, VType::boolean());
  }

  E logic(int depth) {
    E a = number(depth - 1);
    E b = number(depth - 1);
    return binary(a, rng_.chance(50) ? "&&" : "||", b, VType::boolean());
  }

  E cast(int depth) {
    struct CastName {
      const char* text;
      uint32_t size;
      bool is_signed;
      const char* canonical;
    };
    static const CastName kCasts[] = {
        {"u8", 1, false, "u8"},
        {"u16", 2, false, "u16"},
        {"u32", 4, false, "u32"},
        {"u64", 8, false, "u64"},
        {"s8", 1, true, "s8"},
        {"s16", 2, true, "s16"},
        {"s32", 4, true, "s32"},
        {"s64", 8, true, "s64"},
        {"(int)", 4, true, "s32"},
        {"(unsigned int)", 4, false, "u32"},
        {"(long)", 8, true, "s64"},
        {"(unsigned long)", 8, false, "u64"},
        {"(short)", 2, true, "s16"},
        {"(unsigned short)", 2, false, "u16"},
        {"(char)", 1, true, "s8"},
        {"(unsigned char)", 1, false, "u8"},
        {"(signed char)", 1, true, "s8"},
        {"(long long)", 8, true, "s64"},
        {"(unsigned long long)", 8, false, "u64"},
        {"(unsigned)", 4, false, "u32"},
        {"(long int)", 8, true, "s64"},
        {"( u32 )", 4, false, "u32"},
        {"(__s16)", 2, true, "s16"},
        {"(__u64)", 8, false, "u64"},
    };
    const CastName& c = kCasts[rng_.below(std::size(kCasts))];
    E a = number(depth - 1);
    features_.insert(c.text[0] == '(' ? "cast (C)" : "cast u8..s64");
    std::string text = c.text[0] == '(' ? fmt::format("{}({})", c.text, a.text)
                                        : fmt::format("{}({})", c.text, a.text);
    return call(c.canonical, text, VType::integer(c.size, c.is_signed));
  }

  // What a system call was given, and a look at the first bytes of a buffer:
  // syscall_arg(), user_u64(), startswith(), digits() (stdlib/http.sonde's forms).
  E buffer_scan(int depth) {
    const std::string arg = fmt::format("syscall_arg({})", rng_.below(6));
    switch (rng_.below(4)) {
      case 0:
        features_.insert("syscall_arg");
        return call("syscall_arg", arg, VType::integer(8, false));
      case 1: {
        features_.insert("user_u64");
        std::string at = rng_.chance(60) ? arg : fmt::format("u64({})", number(depth - 1).text);
        return call("user_u64", fmt::format("user_u64({})", at), VType::integer(8, false));
      }
      case 2: {
        features_.insert("startswith");
        const int64_t n = rng_.between(1, 16);
        std::string text = fmt::format("startswith(str({}, {})", arg, n);
        for (int64_t i = 0, k = rng_.between(1, 4); i < k; ++i) {
          StringLiteral lit = string_literal(rng_, static_cast<size_t>(n - 1));
          text += ", \"G" + lit.text.substr(1);
        }
        return call("startswith", text + ")", VType::boolean());
      }
      default: {
        features_.insert("digits");
        const int64_t n = rng_.between(1, 24);
        const int64_t count = rng_.between(1, std::min<int64_t>(n, 18));
        const int64_t at = rng_.between(0, n - count);
        return call("digits", fmt::format("digits(str({}, {}), {}, {})", arg, n, at, count),
                    VType::integer(8, true));
      }
    }
  }

  E byte_swap(int depth) {
    static const char* kFns[] = {"ntohs", "htons", "ntohl", "htonl"};
    const char* fn = kFns[rng_.below(4)];
    features_.insert("byte swap");
    E a = number(depth - 1);
    return call(fn, fmt::format("{}({})", fn, a.text), VType::integer(fn[4] == 's' ? 2 : 4, false));
  }

  E compare_strings(int depth) {
    features_.insert("string comparison");
    E a = string(depth - 1, false);
    E b;
    if (rng_.chance(65) || a.type.size == 0) {
      StringLiteral lit =
          string_literal(rng_, a.type.size > 0 ? std::min<size_t>(a.type.size - 1, 20) : 0);
      b = {lit.text, VType::string(static_cast<uint32_t>(lit.bytes + 1)), false, false, false, ""};
    } else {
      b = string(depth - 1, false);
    }
    if (rng_.chance(30)) std::swap(a, b);
    return binary(a, rng_.chance(60) ? "==" : "!=", b, VType::boolean());
  }

  E compare_symbol() {
    features_.insert("enum symbol");
    const Term& t = *rng_.pick(symbolic_);
    std::vector<std::string> names;
    for (const auto& n : *t.type.symbols) {
      if (!scope_.names.count(n)) names.push_back(n);
    }
    if (names.empty()) return from_term(t);
    E sym{rng_.pick(names), VType::integer(8, true), true, false, false, ""};
    E field = from_term(t);
    static const char* kOps[] = {"==", "!=", "==", "!=", "<", ">="};
    const char* op = kOps[rng_.below(std::size(kOps))];
    return rng_.chance(70) ? binary(field, op, sym, VType::boolean())
                           : binary(sym, op, field, VType::boolean());
  }

  E block_op(int depth) {
    features_.insert("op()");
    E a = !strings_.empty() && rng_.chance(50) ? string(depth - 1, false) : number(depth - 1);
    if (a.type.kind == Kind::kPointer || a.type.kind == Kind::kBool)
      a = call("u32", fmt::format("u32({})", a.text), VType::integer(4, false));
    return call("op", fmt::format("op({})", a.text), VType::integer(1, false));
  }

  E enum_constant() {
    std::vector<std::string> names;
    for (const auto& n : catalog_.enum_constants()) {
      if (!scope_.names.count(n)) names.push_back(n);
    }
    if (names.empty()) return literal();
    features_.insert("enum constant");
    const std::string& n = rng_.pick(names);
    return {n, VType::integer(8, true), true, false, false, n};
  }

  E decoder(int depth) {
    static const char* kDecoders[] = {"ksym", "usym", "syscall", "errno", "disk", "cgroup", "ntop"};
    const char* fn = kDecoders[rng_.weighted({20, 10, 10, 10, 8, 8, 14})];
    features_.insert(fmt::format("decoder:{}", fn));
    E arg;
    if (std::string_view(fn) == "ntop") {
      std::optional<E> ip;
      if (!ips_.empty() && rng_.chance(60)) ip = from_term(*rng_.pick(ips_));
      if (!ip && !records_.empty()) ip = chain(*rng_.pick(records_), Want::kAddress);
      if (!ip) {
        E n = number(depth - 1);
        bool wide = rng_.chance(30);
        ip = call(wide ? "u64" : "u32", fmt::format("{}({})", wide ? "u64" : "u32", n.text),
                  VType::integer(wide ? 8 : 4, false));
      }
      arg = *ip;
    } else {
      arg = rng_.chance(60) ? leaf_number() : number(depth - 1);
    }
    bool named_by_arg = std::string_view(fn) == "ksym" || std::string_view(fn) == "usym" ||
                        std::string_view(fn) == "ntop";
    E e = call(fn, fmt::format("{}({})", fn, arg.text), arg.type, named_by_arg ? arg.label : fn);
    e.decoded = true;
    return e;
  }

  Rng& rng_;
  Catalog& catalog_;
  const Scope& scope_;
  std::set<std::string>& features_;
  std::vector<const Term*> numbers_, strings_, arrays_, symbolic_, records_, addresses_, ips_;
};

// ---- aggregation forms ----

std::string spell_linear(Rng& rng) {
  // Any LOW < HIGH and STEP > 0 whose bucket count sema allows (at most 1024): steps
  // that are not powers of two, bounds far from zero, negative bounds.
  int64_t step = rng.weighted({30, 30, 25, 15}) == 0 ? rng.between(1, 10)
                 : rng.chance(50)                    ? rng.between(11, 100000)
                 : rng.chance(70)                    ? rng.between(100001, 1000000000)
                                                     : rng.between(1000000001, 4000000000000000000);
  int64_t buckets = rng.chance(85) ? rng.between(1, 64) : rng.between(65, 1020);
  int64_t low;
  switch (rng.below(4)) {
    case 0:
      low = 0;
      break;
    case 1:
      low = rng.between(-1000000, 1000000);
      break;
    case 2: {
      // A whole number of steps below zero, where that fits in 64 bits.
      const int64_t n = rng.between(0, buckets);
      low = n != 0 && step > std::numeric_limits<int64_t>::max() / n ? 0 : -step * n;
      break;
    }
    default:
      low = rng.between(-4000000000000000000, 4000000000000000000);
      break;
  }
  // HIGH = LOW + buckets * STEP - r. The last bound is the first LOW + k * STEP at or
  // above HIGH, which must itself fit in 64 bits (sema refuses it otherwise): at most as
  // many steps as fit between LOW and the largest int64.
  // (Unsigned: INT64_MAX - LOW and the span fit in 64 bits unsigned, not always signed.)
  const uint64_t room =
      (static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(low)) / static_cast<uint64_t>(step);
  if (room < static_cast<uint64_t>(buckets)) buckets = static_cast<int64_t>(room);
  if (buckets < 1) return "histogram linear(0, 100, 10)";
  const uint64_t span = static_cast<uint64_t>(step) * static_cast<uint64_t>(buckets) -
                        static_cast<uint64_t>(rng.between(0, step - 1));
  const int64_t high = static_cast<int64_t>(static_cast<uint64_t>(low) + span);
  if (high <= low) return "histogram linear(0, 100, 10)";
  return fmt::format("histogram linear({}, {}, {})", low, high, step);
}

// log2(LOW, HIGH): from 0 (0, 1, 2, 4, ...) or any positive LOW, doubling up to HIGH.
std::string spell_log2_range(Rng& rng) {
  if (rng.chance(25)) {
    static const char* kRanges[][2] = {{"1us", "10s"}, {"100ns", "1s"},  {"1ms", "16s"},
                                       {"0", "1h"},    {"10us", "11us"}, {"1ns", "2ns"}};
    const auto& r = kRanges[rng.below(std::size(kRanges))];
    return fmt::format("histogram log2({}, {})", r[0], r[1]);
  }
  const int64_t low = rng.chance(30) ? 0 : rng.between(1, rng.chance(50) ? 100 : 1000000000);
  const int64_t high = low + 1 + rng.between(0, rng.chance(80) ? 1000000000 : int64_t{1} << 58);
  return fmt::format("histogram log2({}, {})", low, high);
}

// buckets(B1, ..., Bn): up to 64 increasing bounds, negative ones too.
std::string spell_buckets(Rng& rng) {
  const int64_t n = rng.chance(80) ? rng.between(1, 12) : rng.between(13, 64);
  int64_t b = rng.chance(30) ? -rng.between(0, 1000000) : rng.between(0, 1000);
  std::vector<std::string> bounds;
  for (int64_t i = 0; i < n; ++i) {
    bounds.push_back(fmt::format("{}", b));
    b += rng.between(1, rng.chance(70) ? 1000 : 1000000000);
  }
  return fmt::format("histogram buckets({})", fmt::join(bounds, ", "));
}

constexpr AggregationForm kForms[] = {
    {"count", false, [](Rng&) -> std::string { return "count"; }},
    {"sum", true, [](Rng&) -> std::string { return "sum"; }},
    {"min", true, [](Rng&) -> std::string { return "min"; }},
    {"max", true, [](Rng&) -> std::string { return "max"; }},
    {"avg", true, [](Rng&) -> std::string { return "avg"; }},
    {"gauge", true, [](Rng&) -> std::string { return "gauge"; }},
    {"histogram", true, [](Rng&) -> std::string { return "histogram"; }},
    {"histogram log2", true, [](Rng&) -> std::string { return "histogram log2"; }},
    {"histogram linear", true, spell_linear},
    {"histogram log2(LOW, HIGH)", true, spell_log2_range, true},
    {"histogram buckets", true, spell_buckets, true},
};

// ---- statements ----

struct Label {
  std::string name;
  VType type;
  bool key_only = false;
};

class ProgramBuilder {
 public:
  ProgramBuilder(Rng& rng, Catalog& catalog, const Stdlib& stdlib,
                 const std::vector<const AggregationForm*>& forms, GeneratedProgram& out)
      : rng_(rng), catalog_(catalog), stdlib_(stdlib), forms_(forms), out_(out) {}

  void build() {
    const size_t statements = rng_.weighted({40, 30, 15, 8, 4, 3}) + 1;
    const size_t broken = rng_.chance(10) ? rng_.below(statements) : statements;
    for (size_t i = 0; i < statements; ++i) {
      if (i == broken) {
        invalid_statement();
        continue;
      }
      switch (rng_.weighted({62, 5, 5, 8, 14, 6})) {
        case 0:
          probe_statement(pick_probe());
          break;
        case 1:
          generated_event();
          break;
        case 2:
          stdlib_event();
          break;
        case 3:
          stdlib_span();
          break;
        case 4:
          generated_span();
          break;
        default:
          aliased_statement();
          break;
      }
    }
  }

 private:
  // A probe an earlier statement of the program is on, a third of the time: statements on
  // one hook share one BPF program, whose bodies must load together.
  const Probe& pick_probe() {
    if (!picked_.empty() && rng_.chance(35)) {
      out_.features.insert("shared hook");
      return *rng_.pick(picked_);
    }
    const Probe& p = fresh_probe();
    picked_.push_back(&p);
    return p;
  }

  const Probe& fresh_probe() {
    static const ProbeKind kKinds[] = {ProbeKind::kTracepoint, ProbeKind::kRawTracepoint,
                                       ProbeKind::kUprobe,     ProbeKind::kUretprobe,
                                       ProbeKind::kUsdt,       ProbeKind::kPerfEvent,
                                       ProbeKind::kKprobe,     ProbeKind::kKretprobe};
    for (;;) {
      ProbeKind k = kKinds[rng_.weighted({36, 28, 8, 6, 4, 5, 5, 2})];
      std::vector<const Probe*> probes = catalog_.of_kind(k);
      bool wildcard = rng_.chance(12);
      std::vector<const Probe*> fitting;
      for (const Probe* p : probes) {
        if (p->wildcard == wildcard) fitting.push_back(p);
      }
      if (!fitting.empty()) return *rng_.pick(fitting);
    }
  }

  void note_probe(const Probe& p) {
    out_.features.insert(
        fmt::format("probe:{}{}", probe_kind_name(p.kind), p.wildcard ? " (wildcard)" : ""));
  }

  std::vector<Term> stdlib_aliases(const Probe& p) {
    std::vector<Term> out;
    for (const auto& a : stdlib_.aliases) {
      if (fnmatch(a.probe.c_str(), p.spec.c_str(), 0) != 0) continue;
      for (const Field& f : p.fields) {
        if (f.name == a.field && f.type.kind != Kind::kOther) {
          out.push_back({a.name, f.type, a.name, false});
          out_.features.insert("stdlib alias");
        }
      }
    }
    return out;
  }

  std::string metric_name() { return fmt::format("gen_m{}", ++metrics_); }

  // How deep an expression nests: mostly shallow, sometimes deep.
  int depth() {
    if (rng_.chance(6)) {
      out_.features.insert("deep expression");
      return static_cast<int>(rng_.between(5, 7));
    }
    return static_cast<int>(rng_.below(4));
  }

  // ` by k1, k2 ...` with labels named only where sonde's own names would clash.
  std::string keys(ExprGen& g, bool histogram, const std::vector<Label>& labels = {}) {
    std::vector<std::string> items = key_items(g, histogram, labels, 0);
    if (items.empty()) return "";
    return " by " + fmt::format("{}", fmt::join(items, ", "));
  }

  // At least `least` keys, or the fields of a `print`.
  std::vector<std::string> key_items(ExprGen& g, bool histogram, const std::vector<Label>& labels,
                                     size_t least) {
    const size_t n = std::max(least, rng_.weighted({22, 32, 20, 10, 6, 4, 2, 2, 1, 1}));
    std::vector<std::string> items;
    std::set<std::string> names;
    for (size_t i = 0; i < n; ++i) {
      E k;
      if (!labels.empty() && rng_.chance(35)) {
        const Label& l = rng_.pick(labels);
        k = {l.name, l.type, false, false, l.key_only, l.name};
        out_.features.insert("key:span label");
      } else {
        k = g.key(static_cast<int>(rng_.below(3)));
      }
      std::string derived = k.label;
      bool clash = names.count(derived) || !valid_label(derived) ||
                   derived.size() > kMaxDerivedName || (histogram && derived == "le");
      if (clash || rng_.chance(15)) {
        std::string name = fmt::format("k{}", i);
        names.insert(name);
        // A final `KEY as NAME` with no `as METRIC` after it names the metric (README):
        // the last key is named with `=`.
        items.push_back(rng_.chance(50) || i + 1 == n ? fmt::format("{} = {}", name, k.text)
                                                      : fmt::format("{} as {}", k.text, name));
      } else {
        names.insert(derived);
        items.push_back(k.text);
      }
    }
    if (n > 1) out_.features.insert("several keys");
    return items;
  }

  struct Body {
    std::string aggregation;  // "histogram log2", with its value for probe statements
    std::string tail;         // keys, capacity, name
  };

  // The aggregation, its value, the keys, capacity and name of a statement.
  Body body(ExprGen& g, bool span, const std::vector<Label>& labels = {}) {
    const AggregationForm& form = *rng_.pick(forms_);
    out_.features.insert(fmt::format("aggregation:{}", form.name));
    Body b;
    b.aggregation = form.spell(rng_);
    // An unnamed metric is named after its probe and value (sema's rule, at most 200
    // characters): a long value gets a name of its own.
    bool long_value = false;
    if (!span && form.takes_value) {
      // Each level of deep() nests at most two (`-(x)`, `(x + 1)`): 28 levels and the leaf
      // stay inside the parser's 64; past them is a case of invalid_statement().
      E value = rng_.chance(3) ? g.deep(static_cast<int>(rng_.between(10, 28))) : g.number(depth());
      b.aggregation += " " + value.text;
      long_value = value.label.size() > kMaxDerivedName;
    }
    const bool histogram = std::string_view(form.name).starts_with("histogram");
    b.tail = keys(g, histogram, labels);
    // Bounded memory: every key of a keyed map is preallocated, per CPU (a histogram of
    // 1024 buckets is 8 KiB a key), and several engineers share this machine.
    // A histogram map here stays under 16 MiB (1024 keys x 8 KiB x 2 CPUs).
    if (!b.tail.empty() && (histogram || rng_.chance(15))) {
      b.tail +=
          fmt::format(" capacity {}", rng_.chance(70) || histogram ? rng_.between(1, 1024)
                                                                   : rng_.between(1025, 100000));
      out_.features.insert("capacity");
    }
    if (!b.tail.empty() && rng_.chance(8)) {
      static const char* kTtls[] = {"0", "1s", "30s", "10m", "2h", "90s"};
      b.tail += fmt::format(" ttl {}", kTtls[rng_.below(std::size(kTtls))]);
      out_.features.insert("ttl");
    }
    if (!first_statement_ || long_value || rng_.chance(80)) b.tail += " as " + metric_name();
    first_statement_ = false;
    return b;
  }

  std::string where(ExprGen& g, unsigned percent) {
    if (!rng_.chance(percent)) return "";
    out_.features.insert("predicate");
    return " where " + g.number(std::max(1, depth())).text;
  }

  // `on PROBE [where P] AGG [VALUE] [by ...]`; `written` names the probe another way
  // (an event).
  void probe_statement(const Probe& p, const std::string& written = {},
                       std::vector<Term> extra = {}) {
    note_probe(p);
    auto aliases = stdlib_aliases(p);
    extra.insert(extra.end(), aliases.begin(), aliases.end());
    Scope scope = make_scope(p, extra);
    ExprGen g(rng_, catalog_, scope, out_.features);
    std::string w = where(g, 45);
    const std::string probe = written.empty() ? spelled(p) : written;
    if (rng_.chance(8)) {
      // Events: one record per event to user space, its fields what labels can be.
      out_.features.insert("print");
      out_.statements.push_back(
          fmt::format("on {}{} print {}", probe, w, fmt::join(key_items(g, false, {}, 1), ", ")));
      return;
    }
    Body b = body(g, false);
    out_.statements.push_back(fmt::format("on {}{} {}{}", probe, w, b.aggregation, b.tail));
  }

  // The probe as written, its kind sometimes abbreviated ("t:sched:sched_switch").
  std::string spelled(const Probe& p) {
    static const std::pair<const char*, std::vector<const char*>> kShort[] = {
        {"tracepoint:", {"tp:", "t:"}},
        {"rawtracepoint:", {"rawtp:", "rt:"}},
        {"uprobe:", {"u:"}},
        {"uretprobe:", {"ur:"}},
        {"usdt:", {"U:"}},
        {"profile:", {"p:"}},
        {"software:", {"s:"}},
        {"hardware:", {"h:"}},
        {"kprobe:", {"k:"}},
        {"kretprobe:", {"kr:"}}};
    if (!rng_.chance(20)) return p.spec;
    for (const auto& [kind, abbreviations] : kShort) {
      if (!p.spec.starts_with(kind)) continue;
      out_.features.insert("probe kind abbreviated");
      return rng_.pick(abbreviations) + p.spec.substr(std::string_view(kind).size());
    }
    return p.spec;
  }

  void generated_event() {
    const Probe& p = pick_probe();
    std::string name = fmt::format("gen_ev{}", ++events_);
    Scope scope = make_scope(p, stdlib_aliases(p));
    ExprGen g(rng_, catalog_, scope, out_.features);
    out_.definitions.push_back(fmt::format("event {} = {}{}", name, p.spec, where(g, 50)));
    out_.features.insert("event (generated)");
    probe_statement(p, name);
  }

  void stdlib_event() {
    if (stdlib_.events.empty()) return probe_statement(pick_probe());
    const StdlibEvent& e = rng_.pick(stdlib_.events);
    const Probe* p = catalog_.find(e.probe);
    if (!p) return probe_statement(pick_probe());
    out_.features.insert("event (stdlib)");
    probe_statement(*p, e.name);
  }

  // Aliases on one probe, each maybe using the ones before (a chain sema expands in
  // place), then a statement using the last.
  void aliased_statement() {
    const Probe& p = pick_probe();
    std::vector<Term> defined = stdlib_aliases(p);
    const size_t chain = rng_.chance(70) ? 1 : static_cast<size_t>(rng_.between(2, 8));
    for (size_t i = 0; i < chain; ++i) {
      Scope scope = make_scope(p, defined);
      ExprGen g(rng_, catalog_, scope, out_.features);
      std::string name = fmt::format("gen_al{}", ++aliases_);
      E e = rng_.chance(75) ? g.number(static_cast<int>(rng_.below(3))) : g.string(1, true);
      out_.definitions.push_back(fmt::format("alias {} {} = {}", p.spec, name, e.text));
      defined.push_back({name, e.type, name, false});
    }
    // An alias for every probe of a category, of builtins only.
    if (p.kind == ProbeKind::kTracepoint && !p.category.empty() && rng_.chance(25)) {
      Probe none;
      Scope scope = make_scope(none, {});
      ExprGen g(rng_, catalog_, scope, out_.features);
      std::string name = fmt::format("gen_al{}", ++aliases_);
      E e = g.number(static_cast<int>(rng_.below(3)));
      out_.definitions.push_back(
          fmt::format("alias tracepoint:{}:* {} = {}", p.category, name, e.text));
      if (std::none_of(p.fields.begin(), p.fields.end(),
                       [&](const Field& f) { return f.name == name; }))
        defined.push_back({name, e.type, name, false});
      out_.features.insert("alias on a pattern");
    }
    out_.features.insert(chain > 1 ? "alias chain" : "alias (generated)");
    probe_statement(p, {}, defined);
  }

  // A span statement: `AGG latency of WORDS [where P] [by ...]` whose where and keys
  // are written against the span's ends.
  void span_statement(const std::string& words, const std::vector<const Probe*>& ends,
                      const std::vector<Label>& labels) {
    std::vector<Term> extra;
    for (const Label& l : labels) extra.push_back({l.name, l.type, l.name, l.key_only});
    extra.push_back({"latency", VType::integer(8, false), "latency", false});
    // A span's labels shadow the fields of its ends (tcp life's `daddr` is the label,
    // ntop() text, not the byte array of sock:inet_sock_set_state).
    Probe side = common_probe(ends);
    std::erase_if(side.fields, [&](const Field& f) {
      return std::any_of(labels.begin(), labels.end(),
                         [&](const Label& l) { return l.name == f.name; });
    });
    Scope scope = make_scope(side, extra);
    ExprGen g(rng_, catalog_, scope, out_.features);
    std::string w = where(g, 40);
    if (rng_.chance(8)) {
      // One record per completed span: its latency, then fields computed at the end.
      out_.features.insert("print latency");
      std::vector<std::string> fields = key_items(g, false, labels, 0);
      out_.statements.push_back(
          fmt::format("print latency of {}{}{}", words, w,
                      fields.empty() ? "" : fmt::format(" by {}", fmt::join(fields, ", "))));
      return;
    }
    Body b = body(g, true, labels);
    out_.statements.push_back(fmt::format("{} latency of {}{}{}", b.aggregation, words, w, b.tail));
  }

  void stdlib_span() {
    if (stdlib_.spans.empty()) return probe_statement(pick_probe());
    const StdlibSpan& span = rng_.pick(stdlib_.spans);
    std::vector<std::string> words;
    std::string param;
    for (const auto& w : span.words) {
      if (w.starts_with("$")) {
        param = rng_.pick(catalog_.syscalls());
        words.push_back(param);
      } else {
        words.push_back(w);
      }
    }
    std::vector<const Probe*> ends;
    for (std::string probe : span.end_probes) {
      for (size_t at = probe.find('$'); at != std::string::npos; at = probe.find('$')) {
        size_t end = at + 1;
        while (end < probe.size() &&
               (std::isalnum(static_cast<unsigned char>(probe[end])) || probe[end] == '_'))
          ++end;
        probe.replace(at, end - at, param);
      }
      if (const Probe* p = catalog_.find(probe)) ends.push_back(p);
    }
    if (ends.size() != span.end_probes.size()) return probe_statement(pick_probe());
    std::vector<Label> labels;
    for (const auto& l : span.labels) labels.push_back({l, VType{}, true});
    out_.features.insert(fmt::format("span:{} (stdlib)", span.words.front()));
    span_statement(fmt::format("{}", fmt::join(words, " ")), ends, labels);
  }

  // A span defined here: one or two starts, one or two ends, keys of matching kinds on
  // each, labels computed at the start or at the end.
  void generated_span() {
    std::string name = fmt::format("gen_sp{}", ++spans_);
    std::vector<const Probe*> starts, ends;
    // A span with a parameter: `span gen_spN $call { start ...sys_enter_$call ... }`,
    // measured as `latency of gen_spN read`.
    std::string param;
    if (rng_.chance(15) && !catalog_.syscalls().empty()) {
      param = rng_.pick(catalog_.syscalls());
      const Probe* enter = catalog_.find("tracepoint:syscalls:sys_enter_" + param);
      const Probe* exit = catalog_.find("tracepoint:syscalls:sys_exit_" + param);
      if (enter && exit) {
        starts.push_back(enter);
        ends.push_back(exit);
        out_.features.insert("span with a parameter (generated)");
      } else {
        param.clear();
      }
    }
    if (param.empty()) {
      starts.push_back(&pick_probe());
      if (rng_.chance(20)) starts.push_back(&pick_probe());
      ends.push_back(&pick_probe());
      if (rng_.chance(15)) ends.push_back(&pick_probe());
    }
    for (const Probe* p : starts) note_probe(*p);
    for (const Probe* p : ends) note_probe(*p);
    const size_t nkeys = rng_.chance(70) ? 1 : 2;
    std::vector<bool> text_key;
    for (size_t i = 0; i < nkeys; ++i) text_key.push_back(rng_.chance(25));

    std::vector<std::string> lines;
    auto endpoint = [&](const char* kind, const Probe& p) {
      Scope scope = make_scope(p, stdlib_aliases(p));
      ExprGen g(rng_, catalog_, scope, out_.features);
      std::vector<std::string> keys;
      for (bool text : text_key)
        keys.push_back(text ? g.string(1, true).text
                            : g.number(static_cast<int>(rng_.below(2))).text);
      std::string spec = p.spec;
      if (!param.empty()) spec = spec.substr(0, spec.size() - param.size()) + "$call";
      lines.push_back(
          fmt::format("  {} {}{} key {}", kind, spec, where(g, 30), fmt::join(keys, ", ")));
    };
    for (const Probe* p : starts) endpoint("start", *p);
    for (const Probe* p : ends) endpoint("end", *p);

    std::vector<Label> labels;
    std::vector<std::string> label_items;
    const size_t nlabels = rng_.weighted({40, 40, 20});
    for (size_t i = 0; i < nlabels; ++i) {
      const bool at_start = rng_.chance(50);
      Probe side = common_probe(at_start ? starts : ends);
      Scope scope = make_scope(side, stdlib_aliases(side));
      ExprGen g(rng_, catalog_, scope, out_.features);
      E e = g.key(static_cast<int>(rng_.below(2)));
      Label l{fmt::format("lab{}", i), e.type,
              e.decoded || e.type.kind == Kind::kStack || e.type.kind == Kind::kOther};
      label_items.push_back(fmt::format("{} = {}", l.name, e.text));
      labels.push_back(l);
    }
    if (!label_items.empty())
      lines.push_back(fmt::format("  label {}", fmt::join(label_items, ", ")));
    out_.definitions.push_back(fmt::format("span {}{} {{\n{}\n}}", name,
                                           param.empty() ? "" : " $call", fmt::join(lines, "\n")));
    out_.features.insert("span (generated)");
    span_statement(param.empty() ? name : name + " " + param, ends, labels);
  }

  // One statement sonde must reject, with a located diagnostic.
  void invalid_statement() {
    const Probe& p = pick_probe();
    const std::string& s = p.spec;
    Scope scope = make_scope(p, {});
    ExprGen g(rng_, catalog_, scope, out_.features);
    const std::string m = metric_name();
    const std::string w = catalog_.workload();
    const std::vector<std::pair<const char*, std::string>> cases = {
        {"unknown name", fmt::format("on {} where no_such_name_q > 1 count as {}", s, m)},
        {"unknown function", fmt::format("on {} count by frobnicate(nsecs) as {}", s, m)},
        {"decoder in a predicate", fmt::format("on {} where ksym(nsecs) == 1 count as {}", s, m)},
        {"decoder as a value", fmt::format("on {} sum ksym(nsecs) as {}", s, m)},
        {"division by constant zero", fmt::format("on {} sum current.pid / (2 - 2) as {}", s, m)},
        {"modulo by zero", fmt::format("on {} sum current.pid % 0 as {}", s, m)},
        {"shift past 63", fmt::format("on {} sum current.pid << 64 as {}", s, m)},
        {"negative shift", fmt::format("on {} sum current.pid >> -1 as {}", s, m)},
        {"negative vs unsigned", fmt::format("on {} where current.nsecs > -1 count as {}", s, m)},
        {"string arithmetic", fmt::format("on {} sum current.comm + 1 as {}", s, m)},
        {"string as a value", fmt::format("on {} max current.comm as {}", s, m)},
        {"string ordering", fmt::format("on {} where current.comm < \"a\" count as {}", s, m)},
        {"stack arithmetic", fmt::format("on {} sum kstack + 1 as {}", s, m)},
        {"count with a value", fmt::format("on {} count current.pid as {}", s, m)},
        {"sum without a value", fmt::format("on {} sum by current.pid as {}", s, m)},
        {"linear without buckets",
         fmt::format("on {} histogram linear(10, 5, 1) nsecs as {}", s, m)},
        {"linear step 0", fmt::format("on {} histogram linear(0, 100, 0) nsecs as {}", s, m)},
        {"linear negative step",
         fmt::format("on {} histogram linear(0, 100, -5) nsecs as {}", s, m)},
        {"linear too many buckets",
         fmt::format("on {} histogram linear(0, 100000, 7) nsecs as {}", s, m)},
        {"capacity 0", fmt::format("on {} count by current.pid capacity 0 as {}", s, m)},
        {"capacity too large",
         fmt::format("on {} count by current.pid capacity 10000001 as {}", s, m)},
        {"duplicate label", fmt::format("on {} count by current.pid, current.pid as {}", s, m)},
        {"label le in a histogram",
         fmt::format("on {} histogram nsecs by le = current.cpu as {}", s, m)},
        {"invalid label name", fmt::format("on {} count by __x = current.cpu as {}", s, m)},
        {"too many labels",
         fmt::format("on {} count by {} as {}", s,
                     fmt::join(std::vector<std::string>{"a = 1", "b = 2", "c = 3", "d = 4", "e = 5",
                                                        "f = 6", "g = 7", "h = 8", "i = 9",
                                                        "j = 10", "k = 11", "l = 12", "n = 13",
                                                        "o = 14", "p = 15", "q = 16", "r = 17"},
                               ", "),
                     m)},
        {"string literal as a label", fmt::format("on {} count by \"x\" as {}", s, m)},
        {"literal longer than comm",
         fmt::format("on {} where current.comm == \"aaaaaaaaaaaaaaaaaaaa\" count as {}", s, m)},
        {"index out of bounds", fmt::format("on {} sum current.comm[16] as {}", s, m)},
        {"index not constant", fmt::format("on {} sum current.comm[current.cpu] as {}", s, m)},
        {"indexing a number", fmt::format("on {} sum current.pid[0] as {}", s, m)},
        {"str bound 0", fmt::format("on {} count by str(current.comm, 0) as {}", s, m)},
        {"str bound 300", fmt::format("on {} count by str(current.comm, 300) as {}", s, m)},
        {"str of a small number",
         fmt::format("on {} count by str(u16(current.pid), 8) as {}", s, m)},
        {"ksym arity", fmt::format("on {} count by ksym() as {}", s, m)},
        {"str arity", fmt::format("on {} count by str(current.comm, 1, 2) as {}", s, m)},
        {"cast of a string", fmt::format("on {} sum u32(current.comm) as {}", s, m)},
        {"not a C type", fmt::format("on {} sum (long char)current.pid as {}", s, m)},
        {"ntop of 2 bytes", fmt::format("on {} count by ntop(u16(current.pid)) as {}", s, m)},
        {"member of a number", fmt::format("on {} sum current.pid.x as {}", s, m)},
        {"current alone", fmt::format("on {} count by current as {}", s, m)},
        {"unknown builtin of current", fmt::format("on {} sum current.nope as {}", s, m)},
        {"latency outside a span", fmt::format("on {} sum latency as {}", s, m)},
        {"unknown tracepoint", fmt::format("on tracepoint:sched:no_such_tp count as {}", m)},
        {"unknown category", fmt::format("on tracepoint:nosuchcat:x count as {}", m)},
        {"wildcard matching nothing",
         fmt::format("on tracepoint:sched:zz_nothing_* count as {}", m)},
        {"too wide a wildcard", fmt::format("on tracepoint:*:* count as {}", m)},
        {"unknown raw tracepoint", fmt::format("on rawtracepoint:no_such_raw_tp count as {}", m)},
        {"unknown function of the workload",
         fmt::format("on uprobe:{}:no_such_function count as {}", w, m)},
        {"no such binary", fmt::format("on uprobe:/no/such/binary:f count as {}", m)},
        {"unknown USDT probe", fmt::format("on usdt:{}:nope:nope count as {}", w, m)},
        {"unknown probe kind", fmt::format("on nosuchkind:x count as {}", m)},
        {"malformed probe", fmt::format("on tracepoint:sched count as {}", m)},
        {"profile at 0 Hz", fmt::format("on profile:hz:0 count as {}", m)},
        {"unknown profile unit", fmt::format("on profile:parsec:3 count as {}", m)},
        {"unknown software event", fmt::format("on software:nosuch count as {}", m)},
        {"unknown kernel function", fmt::format("on kprobe:no_such_kernel_fn_q count as {}", m)},
        {"unknown span", fmt::format("count latency of no such span as {}", m)},
        {"unknown event", fmt::format("on no_such_event count as {}", m)},
        {"stray character", fmt::format("on {} count by current.pid @ as {}", s, m)},
        {"unterminated string", fmt::format("on {} where current.comm == \"abc count as {}", s, m)},
        {"unknown escape", fmt::format("on {} where current.comm == \"a\\q\" count as {}", s, m)},
        {"missing aggregation", fmt::format("on {} by current.pid as {}", s, m)},
        {"unknown unit", fmt::format("on {} where current.nsecs > 10parsecs count as {}", s, m)},
        {"nested past 64 levels", fmt::format("on {} sum {}current.pid{} as {}", s,
                                              std::string(70, '('), std::string(70, ')'), m)},
        {"number too large",
         fmt::format("on {} where current.nsecs > 99999999999999999999999 count as {}", s, m)},
        {"empty where", fmt::format("on {} where count as {}", s, m)},
        {"retval outside a return probe", fmt::format("on {} sum retval as {}", s, m)},
        {"duplicate metric name", fmt::format("on {} count as {}\non {} count as {}", s, m, s, m)},
        {"alias cycle",
         fmt::format("alias {} gen_cyc_a = gen_cyc_b + 1\nalias {} gen_cyc_b = gen_cyc_a\n"
                     "on {} sum gen_cyc_a as {}",
                     s, s, s, m)},
        {"span without an end",
         fmt::format(
             "span gen_noend {{\n  start {} key current.tid\n}}\ncount latency of gen_noend as {}",
             s, m)},
        {"span keys that differ",
         fmt::format("span gen_keys {{\n  start {} key current.tid\n  end {} key current.comm\n}}\n"
                     "count latency of gen_keys as {}",
                     s, s, m)},
        {"decoder as a span key",
         fmt::format(
             "span gen_dec {{\n  start {} key ksym(current.tid)\n  end {} key current.tid\n}}\n"
             "count latency of gen_dec as {}",
             s, s, m)},
        {"event on an event",
         fmt::format("event gen_e1 = {}\nevent gen_e2 = gen_e1\non gen_e2 count as {}", s, m)},
    };
    const auto& [what, text] = cases[rng_.below(cases.size())];
    out_.invalid = what;
    out_.features.insert(fmt::format("invalid:{}", what));
    // The invalid statement may hold definitions of its own: keep them in order.
    out_.statements.push_back(text);
    (void)g;
  }

  Rng& rng_;
  Catalog& catalog_;
  const Stdlib& stdlib_;
  const std::vector<const AggregationForm*>& forms_;
  GeneratedProgram& out_;
  std::vector<const Probe*> picked_;  // probes of the statements so far
  int metrics_ = 0, events_ = 0, aliases_ = 0, spans_ = 0;
  bool first_statement_ = true;
};

}  // namespace

std::span<const AggregationForm> aggregation_forms() { return kForms; }

std::string GeneratedProgram::text() const {
  std::string out;
  for (const auto& d : definitions) out += d + "\n";
  for (const auto& s : statements) out += s + "\n";
  return out;
}

std::string GeneratedProgram::text_with_only(size_t i) const {
  std::string out;
  for (const auto& d : definitions) out += d + "\n";
  return out + statements[i] + "\n";
}

Generator::Generator(Catalog& catalog, Stdlib stdlib, std::vector<const AggregationForm*> forms)
    : catalog_(catalog), stdlib_(std::move(stdlib)), forms_(std::move(forms)) {}

GeneratedProgram Generator::generate(Rng& rng) {
  GeneratedProgram p;
  ProgramBuilder(rng, catalog_, stdlib_, forms_, p).build();
  return p;
}

}  // namespace sonde::gen
