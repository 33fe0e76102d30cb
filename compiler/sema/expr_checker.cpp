#include "compiler/sema/expr_checker.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/sema/btf_types.h"
#include "compiler/sema/decoders_table.h"
#include "compiler/sema/functions_table.h"
#include "compiler/sema/probes.h"
#include "compiler/sema/typing.h"
#include "support/text.h"

namespace sonde::sema {
namespace {

using ast::BindingKind;
using ast::Builtin;
using ast::Expr;
using ast::ExprKind;
using ast::Op;
using ast::Type;
using ast::TypeKind;

constexpr uint32_t kMaxStringBound = 256;

// The longest cgroup path in_cgroup() takes (PATH_MAX).
constexpr size_t kMaxCgroupPath = 4096;

// Every call a program can make, decoders first, for suggestions and hints.
const std::vector<std::string>& call_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& d : decoders()) out.emplace_back(d.name);
    for (const auto& f : functions()) out.emplace_back(f.name);
    return out;
  }();
  return names;
}

// What is wrong with a path given to in_cgroup(), or "" when nothing is.
std::string cgroup_path_problem(const std::string& path) {
  if (path.empty() || path[0] != '/')
    return "a cgroup path starts at the root of the cgroup2 hierarchy, with '/'";
  if (path.size() > kMaxCgroupPath)
    return fmt::format("a cgroup path is at most {} bytes long", kMaxCgroupPath);
  if (path.size() > 1 && path.back() == '/') return "a cgroup path does not end in '/'";
  for (std::string_view part : split(std::string_view(path).substr(1), '/')) {
    if (path.size() == 1) break;
    if (part.empty()) return "a cgroup path has no empty parts ('//')";
    if (part == "." || part == "..") return "a cgroup path names directories, not '.' or '..'";
  }
  return {};
}

bool is_comparison(Op op) {
  return op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe || op == Op::kEq ||
         op == Op::kNe;
}

Type decoded(spec::Decoder decoder, const Type& inner) {
  Type t = inner;
  t.buffer = inner.kind == TypeKind::kBytes || inner.kind == TypeKind::kString;
  t.kind = TypeKind::kDecoded;
  t.decoder = decoder;
  if (t.size == 0) t.size = 8;
  return t;
}

// `probe` and `func` are indices into their statement's table of names: labels, fields of
// a `print`, or compared with == and != to a name of the table (func == sys_enter_read);
// as numbers they would mean whatever order the table has.
bool names_the_probe(const Expr& x) {
  return x.binding.kind == BindingKind::kBuiltin &&
         (x.binding.builtin == Builtin::kProbe || x.binding.builtin == Builtin::kFunc);
}

}  // namespace

ExprChecker::ExprChecker(KernelInfo& kernel, ast::Diagnostics& diags, const Scope& scope)
    : kernel_(kernel), diags_(diags), scope_(scope) {}

std::string ExprChecker::probe_display() const {
  return scope_.probe ? scope_.probe->display : "this probe";
}

std::vector<std::string> ExprChecker::field_names(const ResolvedProbe& probe) {
  std::vector<std::string> names;
  if (probe.format) {
    for (const auto& f : probe.format->fields) {
      if (!f.common) names.push_back(f.name);
    }
  }
  for (const auto& a : probe.args) names.push_back(a.name);
  return names;
}

std::vector<std::string> ExprChecker::builtin_names(const ResolvedProbe& probe) {
  std::vector<std::string> names = {"pid",    "tid",   "comm",   "cpu",    "uid",  "gid",
                                    "cgroup", "nsecs", "kstack", "ustack", "probe"};
  if (probe.kind && probe.kind->func) names.push_back("func");
  // argN are read from registers (or USDT argument specs); at a function's return those
  // registers hold whatever the function left there.
  if (probe.kind && probe.kind->retval) names.push_back("retval");
  if (probe.kind && probe.kind->arg_builtins) {
    for (int i = 0; i < 6; ++i) names.push_back(fmt::format("arg{}", i));
  }
  return names;
}

Verdict ExprChecker::check(Expr& e, Use use) {
  nodes_ = 0;
  if (Verdict v = visit(e, use, true); !v) return v;
  if (use != Use::kKey && names_the_probe(e)) return probe_name_as_number(e);
  const Type& t = e.type;
  switch (use) {
    case Use::kPredicate:
      if (!t.is_numeric()) {
        return diags_.reject(
            e.range,
            fmt::format("a condition must be a number or a comparison, not a {}", describe(t)),
            t.kind == TypeKind::kString ? "compare strings with ==, e.g. comm == \"nginx\"" : "");
      }
      return accepted();
    case Use::kValue:
      if (!t.is_numeric()) {
        return diags_.reject(
            e.range, fmt::format("cannot aggregate a {}; a value must be a number", describe(t)),
            t.kind == TypeKind::kString ? "to count per string, use it as a key: count by ..."
                                        : "");
      }
      return accepted();
    case Use::kKey:
      if (t.kind == TypeKind::kRecord) {
        return diags_.reject(e.range, "a struct cannot be a label",
                             "use one of its members, e.g. prev.pid");
      }
      if (t.kind == TypeKind::kBytes) {
        return diags_.reject(e.range, fmt::format("a {} cannot be a label as it is", describe(t)),
                             "for IP addresses use ntop(...); for text use str(...)");
      }
      return accepted();
    case Use::kSpanKey:
      if (!t.is_numeric() && t.kind != TypeKind::kString) {
        return diags_.reject(
            e.range, fmt::format("a span key must be a number or a string, not a {}", describe(t)));
      }
      return accepted();
  }
  return accepted();
}

Verdict ExprChecker::visit(Expr& e, Use use, bool top) {
  // Aliases and span labels expand in place: bound how large (aliases using aliases
  // several times multiply) and how deep (lowering's C nests ~2 brackets per level,
  // Clang takes 256) an expression grows.
  struct Level {
    explicit Level(int& d) : depth(++d) {}
    ~Level() { --depth; }
    int& depth;
  } level(depth_);
  if (++nodes_ > kMaxExpandedNodes || depth_ > kMaxExpandedDepth) {
    if (!expansion_rejected_) {
      expansion_rejected_ = diags_.reject(
          e.range,
          nodes_ > kMaxExpandedNodes
              ? fmt::format(
                    "this expression grows past {} operations once its aliases are expanded",
                    kMaxExpandedNodes)
              : fmt::format(
                    "this expression nests more than {} levels deep once its aliases are expanded",
                    kMaxExpandedDepth),
          "simplify it, or the aliases it uses");
    }
    return *expansion_rejected_;  // said once, at the first node past the bound
  }
  switch (e.kind) {
    case ExprKind::kNumber:
      // Signed when it fits; binary() lets it take the other operand's type.
      e.type = Type::integer(8, e.number <= static_cast<uint64_t>(INT64_MAX));
      return accepted();
    case ExprKind::kString:
      if (use == Use::kKey && top) {
        return diags_.reject(e.range, "a string literal cannot be a label",
                             "labels come from the event: fields, builtins, ...");
      }
      e.type = Type::string(static_cast<uint32_t>(e.text.size() + 1));
      return accepted();
    case ExprKind::kName:
      return name(e, use);
    case ExprKind::kCall:
      return call(e, use, top);
    case ExprKind::kMember:
      return member(e);
    case ExprKind::kIndex:
      return index(e);
    case ExprKind::kUnary:
      return unary(e);
    case ExprKind::kBinary:
      return binary(e);
  }
  return diags_.reject(e.range, "sonde cannot check this kind of expression (a bug in sonde)");
}

Verdict ExprChecker::name(Expr& e, Use use) {
  const std::string n = e.text;
  // 1. Span labels (at the end of a span). Inside its own definition a label's name
  // means what it would without the label (`label prev_pid = prev_pid` is the field).
  for (const auto& label : scope_.span_labels) {
    if (label.name != n || expanding("label", n)) continue;
    if (label.start_index >= 0) {
      e.binding.kind = BindingKind::kStartLabel;
      e.binding.index = static_cast<uint32_t>(label.start_index);
      e.type = label.type;
      return accepted();
    }
    return expand(e, *label.expr, "label", n, use);
  }
  // 2. Fields of the probe shadow builtins, but for `func` of a wildcard whose probes
  // disagree: the builtin everywhere, rather than a label that means two things.
  if (n == "func" && !scope_.func_shadowed_in.empty()) return func(e);
  if (scope_.probe) {
    bool is_field = false;
    if (scope_.probe->format)
      is_field = scope_.probe->format->field(n) && !scope_.probe->format->field(n)->common;
    for (const auto& a : scope_.probe->args) is_field |= a.name == n;
    if (is_field) return field(e, n);
  }
  // 3. Aliases of this probe (not while expanding that same alias).
  for (const auto* alias : scope_.aliases) {
    if (alias->name != n || expanding("alias", n)) continue;
    return expand(e, *alias->expr, "alias", n, use);
  }
  // 4. Builtins.
  if (n == "latency" && scope_.latency) {
    e.binding.kind = BindingKind::kBuiltin;
    e.binding.builtin = Builtin::kLatency;
    e.type = Type::integer(8, false);
    return accepted();
  }
  const auto builtins = builtin_names(scope_.probe ? *scope_.probe : ResolvedProbe{});
  if (std::find(builtins.begin(), builtins.end(), n) != builtins.end()) return builtin(e, n, false);
  if (n == "func" && scope_.probe) return func(e);  // a probe without a name part: says so
  if (n == "current") {
    return diags_.reject(e.range, "'current' needs a member",
                         "current.comm, current.pid, ... name the current task's builtins");
  }
  // 5. Enum constants.
  if (constant(e, nullptr)) return accepted();
  if (n == "retval" || (n.size() == 4 && n.starts_with("arg") && n[3] >= '0' && n[3] <= '5')) {
    bool ret = n == "retval";
    std::string hint =
        ret ? "return values are read at a function's return: uretprobe:, kretprobe:, fexit:"
        : scope_.probe && scope_.probe->kind->at_return
            ? "at a function's return its argument registers hold other values; read arguments in "
              "uprobe: or "
              "kprobe: (fexit: keeps them)"
            : "argN reads the arguments of uprobe:, usdt: and kprobe: probes; tracepoints and raw "
              "tracepoints "
              "name their fields";
    return diags_.reject(e.range, fmt::format("'{}' is not known in {}", n, probe_display()), hint);
  }
  if (expanding("alias", n) || expanding("label", n)) {
    std::vector<std::string> chain;
    for (const auto& [kind, name] : expanding_) chain.push_back(name);
    chain.push_back(n);
    return diags_.reject(
        e.range,
        fmt::format("{} '{}' refers to itself ({})", expanding("alias", n) ? "alias" : "label", n,
                    join(chain, " -> ")),
        "define it from fields, builtins or other names");
  }
  return unknown_name(e);
}

bool ExprChecker::expanding(std::string_view kind, const std::string& name) const {
  for (const auto& [k, n] : expanding_) {
    if (k == kind && n == name) return true;
  }
  return false;
}

// An alias or a span label used in an expression: its definition is checked in place
// of the name. An error inside it is reported at the use, with a note pointing where in
// the definition it is (one per level of a chain of aliases).
Verdict ExprChecker::expand(Expr& e, const Expr& definition, const char* kind,
                            const std::string& name, Use use) {
  const ast::SourceRange at = e.range;
  e = std::move(*definition.clone());
  expanding_.emplace_back(kind, name);
  const size_t first = diags_.all().size();
  Verdict v = visit(e, use, true);
  expanding_.pop_back();
  // Notes for the outermost uses only: a long chain would bury the error under them.
  constexpr size_t kNotedLevels = 3;
  if (!v) {
    diags_.expanded_at(first, at,
                       expanding_.size() < kNotedLevels
                           ? fmt::format("in {} '{}', defined here", kind, name)
                           : std::string());
  }
  e.range = at;
  return v;
}

ast::Rejection ExprChecker::unknown_name(Expr& e) {
  std::vector<std::string> candidates;
  std::vector<std::string> fields;
  if (scope_.probe) fields = field_names(*scope_.probe);
  candidates = fields;
  for (const auto* a : scope_.aliases) candidates.push_back(a->name);
  for (const auto& l : scope_.span_labels) candidates.push_back(l.name);
  auto builtins = builtin_names(scope_.probe ? *scope_.probe : ResolvedProbe{});
  candidates.insert(candidates.end(), builtins.begin(), builtins.end());
  if (scope_.latency) candidates.push_back("latency");
  const std::string suggestion = did_you_mean(e.text, candidates);

  std::string hint;
  if (!fields.empty()) {
    hint = fmt::format("fields of {}: {}", probe_display(), join(fields, ", "));
  } else if (scope_.probe) {
    hint = fmt::format("{} has no fields; builtins: {}", probe_display(), join(builtins, ", "));
  }
  if (scope_.probe && (scope_.probe->format || !scope_.probe->args.empty())) {
    return diags_.reject(
        e.range, fmt::format("unknown field '{}' in {}{}", e.text, probe_display(), suggestion),
        hint);
  }
  return diags_.reject(e.range, fmt::format("unknown name '{}'{}", e.text, suggestion), hint);
}

std::string ExprChecker::derive_text(const Expr& e) const {
  switch (e.kind) {
    case ExprKind::kName:
      return e.text;
    case ExprKind::kNumber:
      return fmt::format("{}", e.number);
    case ExprKind::kMember:
      return fmt::format("{}.{}", derive_text(*e.args[0]), e.text);
    case ExprKind::kCall: {
      std::vector<std::string> args;
      for (const auto& a : e.args) args.push_back(derive_text(*a));
      return fmt::format("{}({})", e.text, join(args, ", "));
    }
    default:
      return "the value";
  }
}

ast::Rejection ExprChecker::unknown_constant(Expr& e, const Expr& other) {
  if (!other.type.symbols || other.type.symbols->empty()) return unknown_name(e);
  std::vector<std::string> names;
  for (const auto& s : *other.type.symbols) names.push_back(s.name);
  const std::string suggestion = did_you_mean(e.text, names);
  if (names.size() > 16) names.resize(16), names.push_back("...");
  return diags_.reject(e.range, fmt::format("unknown name '{}'{}", e.text, suggestion),
                       fmt::format("values of {}: {}", derive_text(other), join(names, ", ")));
}

bool ExprChecker::constant(Expr& e, const Type* context) {
  if (context && context->symbols) {
    for (const auto& s : *context->symbols) {
      if (s.name == e.text) {
        e.binding.kind = BindingKind::kConstant;
        e.binding.constant = s.value;
        e.type = Type::integer(8, true);
        return true;
      }
    }
  }
  auto btf = kernel_.btf();
  if (!btf) return false;
  auto c = (*btf)->find_enum_constant(e.text);
  if (!c) return false;
  e.binding.kind = BindingKind::kConstant;
  e.binding.constant = c->value;
  e.type = Type::integer(8, true);
  return true;
}

Verdict ExprChecker::field(Expr& e, const std::string& field_name) {
  e.binding.kind = BindingKind::kField;
  e.binding.field = field_name;
  const ResolvedProbe& p = *scope_.probe;
  for (const auto& a : p.args) {
    if (a.name == field_name) {
      e.type = a.type;
      if (e.type.kind == TypeKind::kNone) {
        return diags_.reject(
            e.range,
            fmt::format("argument '{}' of {} has a type sonde cannot read", field_name, p.display));
      }
      return accepted();
    }
  }
  const kernel::TracepointField* f = p.format->field(field_name);
  switch (f->kind) {
    case kernel::FieldKind::kInteger:
      e.type = Type::integer(f->size, f->is_signed);
      if (!f->symbols.empty()) {
        auto symbols = std::make_shared<std::vector<ast::SymbolName>>();
        for (const auto& s : f->symbols) symbols->push_back({s.value, s.name});
        e.type.symbols = std::move(symbols);
        e.type.decoder = spec::Decoder::kEnum;
      }
      break;
    case kernel::FieldKind::kPointer:
      e.type.kind = TypeKind::kPointer;
      e.type.size = 8;
      // The pointer arguments of system calls point into the caller's memory.
      e.type.user = p.category == "syscalls";
      // The record's BTF knows what a pointer field points to (tracefs says only "void *").
      if (p.record_struct) {
        if (auto btf = kernel_.btf()) {
          if (auto m = (*btf)->find_member(p.record_struct, field_name)) {
            Type bt = type_from_btf(**btf, m->type);
            if (bt.kind == TypeKind::kPointer) e.type.btf = bt.btf;
          }
        }
      }
      break;
    case kernel::FieldKind::kCharArray:
      // A flexible `char buf[]` ends the record with a string of its own length
      // (ftrace:print): read as one of at most the default bound.
      e.type = Type::string(f->array_len ? f->array_len : kUnsizedStringBound);
      break;
    case kernel::FieldKind::kArray:
      e.type.kind = TypeKind::kBytes;
      e.type.size = f->size;
      break;
    case kernel::FieldKind::kDataLoc:
      e.type = Type::string(kUnsizedStringBound);
      break;
    case kernel::FieldKind::kDataLocArray:
      return diags_.reject(
          e.range,
          fmt::format("field '{}' is a dynamic array, which sonde cannot read yet", field_name));
  }
  return accepted();
}

Verdict ExprChecker::builtin(Expr& e, const std::string& n, bool qualified) {
  e.binding.kind = BindingKind::kBuiltin;
  Type& t = e.type;
  if (n == "pid" || n == "tid" || n == "cpu" || n == "uid" || n == "gid") {
    e.binding.builtin = n == "pid"   ? Builtin::kPid
                        : n == "tid" ? Builtin::kTid
                        : n == "cpu" ? Builtin::kCpu
                        : n == "uid" ? Builtin::kUid
                                     : Builtin::kGid;
    t = Type::integer(4, false);
  } else if (n == "comm") {
    e.binding.builtin = Builtin::kComm;
    t = Type::string(16);
  } else if (n == "cgroup") {
    e.binding.builtin = Builtin::kCgroup;
    t = Type::integer(8, false);
    t.decoder = spec::Decoder::kCgroup;
  } else if (n == "probe" && !qualified) {
    e.binding.builtin = Builtin::kProbe;
    return named_constant(e, scope_.probe_names,
                          scope_.probe ? scope_.probe->display : std::string("?"));
  } else if (n == "func" && !qualified) {
    return func(e);
  } else if (n == "nsecs") {
    e.binding.builtin = Builtin::kNsecs;
    t = Type::integer(8, false);
  } else if (n == "kstack" || n == "ustack") {
    e.binding.builtin = n == "kstack" ? Builtin::kKstack : Builtin::kUstack;
    t.kind = TypeKind::kStack;
    t.size = 8;
    t.decoder = n == "kstack" ? spec::Decoder::kKstack : spec::Decoder::kUstack;
  } else if (n == "retval" && !qualified) {
    e.binding.builtin = Builtin::kRetval;
    t = Type::integer(8, true);
  } else if (n.size() == 4 && n.rfind("arg", 0) == 0 && n[3] >= '0' && n[3] <= '5' && !qualified) {
    e.binding.builtin = Builtin::kArg;
    e.binding.index = static_cast<uint32_t>(n[3] - '0');
    // A register's width and signedness are unknown: s64, as retval; cast to narrow
    // (s32(arg0) for an int).
    t = Type::integer(8, true);
  } else {
    return diags_.reject(
        e.range, fmt::format("unknown builtin '{}'", n),
        "current.pid, current.tid, current.comm, current.cpu, current.uid, current.gid, "
        "current.cgroup");
  }
  return accepted();
}

ast::Rejection ExprChecker::probe_name_as_number(const Expr& x) {
  const bool probe = x.binding.builtin == Builtin::kProbe;
  std::optional<std::string> own = scope_.probe ? func_name(*scope_.probe) : std::nullopt;
  return diags_.reject(
      x.range,
      fmt::format("'{}' names the probe that fired; it is not a number to compute with",
                  probe ? "probe" : "func"),
      fmt::format("use it as a label (by {}){}", probe ? "probe" : "func",
                  own ? fmt::format(", or select probes by name: where func == {}", *own) : ""));
}

// A constant of the program, named in user space from the table in the label (kEnum).
Verdict ExprChecker::named_constant(Expr& e, const NameTable& table, const std::string& own_name) {
  e.binding.kind = BindingKind::kBuiltin;
  e.binding.index = table.names ? table.value : 0;
  e.type = Type::integer(4, false);
  e.type.decoder = spec::Decoder::kEnum;
  if (table.names) {
    e.type.symbols = table.names;
  } else {
    auto own = std::make_shared<std::vector<ast::SymbolName>>();
    own->push_back({0, own_name});
    e.type.symbols = std::move(own);
  }
  return accepted();
}

// `func` where no field or alias of the probe is called so (those win, as for any builtin).
Verdict ExprChecker::func(Expr& e) {
  const std::optional<std::string> own =
      scope_.probe ? func_name(*scope_.probe) : std::optional<std::string>();
  if (!own) {
    return diags_.reject(
        e.range, fmt::format("{} has no function or event name for 'func'", probe_display()),
        "func is the function of uprobe: and kprobe: probes, the event of tracepoint: "
        "and software: probes, the probe of usdt: probes; 'probe' names any probe in full");
  }
  if (!scope_.func_shadowed_in.empty() && scope_.warn_shadowed_func) {
    diags_.warning(
        e.range,
        fmt::format("'func' is the builtin at every probe of this statement (each "
                    "one's name); the field or alias 'func' of {} is not read here",
                    scope_.func_shadowed_in),
        fmt::format("to read it, write a statement on {} alone", scope_.func_shadowed_in));
  }
  e.binding.builtin = Builtin::kFunc;
  return named_constant(e, scope_.func_names, *own);
}

Verdict ExprChecker::member(Expr& e) {
  Expr& object = *e.args[0];
  if (object.kind == ExprKind::kName && object.text == "current") {
    bool is_field = false;
    if (scope_.probe) {
      auto fields = field_names(*scope_.probe);
      is_field = std::count(fields.begin(), fields.end(), "current") > 0;
    }
    if (!is_field) {
      std::string n = e.text;
      ast::SourceRange at = e.range;
      e.args.clear();
      e.kind = ExprKind::kName;
      e.text = n;
      e.range = at;
      return builtin(e, n, true);
    }
  }
  if (Verdict v = visit(object, Use::kValue, false); !v) return v;
  const Type& ot = object.type;
  uint32_t record = 0;
  if (ot.kind == TypeKind::kRecord) record = ot.btf;
  if (ot.kind == TypeKind::kPointer) record = ot.btf;
  auto btf = kernel_.btf();
  if (record == 0 || !btf) {
    return diags_.reject(
        e.range,
        fmt::format("cannot read member '{}': the value is a {} with no known type", e.text,
                    describe(ot)),
        ot.kind == TypeKind::kPointer ? "tracepoint pointers are often untyped (void *); "
                                        "rawtracepoint:NAME gives typed arguments"
                                      : "");
  }
  kernel::Type rt = (*btf)->type(record);
  if (rt.kind != kernel::TypeKind::kStruct && rt.kind != kernel::TypeKind::kUnion) {
    return diags_.reject(
        e.range, fmt::format("cannot read member '{}' of {}", e.text, (*btf)->type_name(record)));
  }
  auto m = (*btf)->find_member(record, e.text);
  if (!m) {
    std::vector<std::string> names;
    for (const auto& mm : (*btf)->members(record)) names.emplace_back(mm.name);
    return diags_.reject(e.range,
                         fmt::format("no member '{}' in {}{}", e.text, (*btf)->type_name(record),
                                     did_you_mean(e.text, names)));
  }
  if (m->bitfield_size) {
    return diags_.reject(
        e.range, fmt::format("member '{}' is a bitfield, which sonde cannot read yet", e.text));
  }
  e.binding.kind = BindingKind::kMember;
  e.type = type_from_btf(**btf, m->type);
  if (e.type.kind == TypeKind::kNone) {
    return diags_.reject(e.range, fmt::format("member '{}' has a type sonde cannot read ({})",
                                              e.text, (*btf)->type_name(m->type)));
  }
  return accepted();
}

Verdict ExprChecker::index(Expr& e) {
  if (Verdict v = visit(*e.args[0], Use::kValue, false); !v) return v;
  Expr& idx = *e.args[1];
  if (idx.kind != ExprKind::kNumber) {
    return diags_.reject(idx.range, "an index must be a constant number");
  }
  const Type& at = e.args[0]->type;
  if (at.kind != TypeKind::kBytes && at.kind != TypeKind::kString) {
    return diags_.reject(e.range, fmt::format("cannot index a {}", describe(at)));
  }
  uint32_t element = 1;
  if (at.kind == TypeKind::kBytes && at.btf) {
    if (auto btf = kernel_.btf()) {
      kernel::Type arr = (*btf)->type(at.btf);
      kernel::Type elem = (*btf)->type((*btf)->resolve(arr.ref));
      element = elem.size ? elem.size : 1;
    }
  } else if (at.kind == TypeKind::kBytes && scope_.probe && scope_.probe->format &&
             e.args[0]->binding.kind == BindingKind::kField) {
    if (const auto* f = scope_.probe->format->field(e.args[0]->binding.field))
      element = f->element_size ? f->element_size : 1;
  }
  uint64_t count = at.size / element;
  if (idx.number >= count) {
    return diags_.reject(
        idx.range,
        fmt::format("index {} is out of bounds (the array has {} elements)", idx.number, count));
  }
  e.type = Type::integer(element, at.kind == TypeKind::kString);
  return accepted();
}

Verdict ExprChecker::unary(Expr& e) {
  if (Verdict v = visit(*e.args[0], Use::kValue, false); !v) return v;
  if (names_the_probe(*e.args[0])) return probe_name_as_number(*e.args[0]);
  const Type& t = e.args[0]->type;
  if (!t.is_numeric()) {
    return diags_.reject(e.range, fmt::format("operator '{}' needs a number, not a {}",
                                              ast::op_spelling(e.op), describe(t)));
  }
  e.type = unary_result_type(e.op, t);
  return accepted();
}

Verdict ExprChecker::binary(Expr& e) {
  Expr& lhs = *e.args[0];
  Expr& rhs = *e.args[1];
  // An enum constant is named from the other side's values (newstate == TCP_ESTABLISHED).
  auto is_bare_constant = [&](const Expr& x) {
    if (x.kind != ExprKind::kName || !scope_.probe) return false;
    auto fields = field_names(*scope_.probe);
    auto builtins = builtin_names(*scope_.probe);
    if (std::count(fields.begin(), fields.end(), x.text) ||
        std::count(builtins.begin(), builtins.end(), x.text))
      return false;
    for (const auto* a : scope_.aliases)
      if (a->name == x.text) return false;
    for (const auto& l : scope_.span_labels)
      if (l.name == x.text) return false;
    return !(x.text == "latency" && scope_.latency);
  };
  if (is_comparison(e.op) && is_bare_constant(lhs) && !is_bare_constant(rhs)) {
    if (Verdict v = visit(rhs, Use::kValue, false); !v) return v;
    if (!constant(lhs, &rhs.type)) {
      return unknown_constant(lhs, rhs);
    }
  } else {
    if (Verdict v = visit(lhs, Use::kValue, false); !v) return v;
    if (is_comparison(e.op) && is_bare_constant(rhs)) {
      if (!constant(rhs, &lhs.type)) {
        return unknown_constant(rhs, lhs);
      }
    } else if (Verdict v = visit(rhs, Use::kValue, false); !v) {
      return v;
    }
  }
  for (const Expr* side : {&lhs, &rhs}) {
    const Expr& other = side == &lhs ? rhs : lhs;
    if (names_the_probe(*side) &&
        !((e.op == Op::kEq || e.op == Op::kNe) && is_bare_constant(other)))
      return probe_name_as_number(*side);
  }
  const Type& lt = lhs.type;
  const Type& rt = rhs.type;
  for (const Expr* side : {&lhs, &rhs}) {
    if (side->type.kind == TypeKind::kDecoded) {
      return diags_.reject(
          side->range, "a decoded label cannot be computed with in the kernel",
          "decoders (ksym, syscall, disk, ...) run in user space: use them only in 'by'");
    }
  }
  bool strings = lt.kind == TypeKind::kString || rt.kind == TypeKind::kString;
  if (strings && !is_comparison(e.op)) {
    const Expr& text = lt.kind == TypeKind::kString ? lhs : rhs;
    return diags_.reject(text.range,
                         fmt::format("operator '{}' needs numbers, not a {}",
                                     ast::op_spelling(e.op), describe(text.type)),
                         "strings can only be compared, with == and !=");
  }
  if (strings) {
    if (lt.kind != TypeKind::kString || rt.kind != TypeKind::kString) {
      return diags_.reject(e.range,
                           fmt::format("cannot compare a {} with a {}", describe(lt), describe(rt)),
                           "compare strings with strings: comm == \"nginx\"");
    }
    if (e.op != Op::kEq && e.op != Op::kNe) {
      return diags_.reject(e.range,
                           fmt::format("strings can only be compared with == and !=, not '{}'",
                                       ast::op_spelling(e.op)));
    }
    const Expr& literal = lhs.kind == ExprKind::kString ? lhs : rhs;
    const Expr& other = lhs.kind == ExprKind::kString ? rhs : lhs;
    if (literal.kind == ExprKind::kString && other.kind != ExprKind::kString &&
        literal.text.size() + 1 > other.type.size) {
      return diags_.reject(
          literal.range,
          fmt::format(
              "\"{}\" is longer than the {} bytes the other side can hold, so it never matches",
              literal.text, other.type.size));
    }
    e.type = Type::boolean();
    return accepted();
  }
  if (!lt.is_numeric() || !rt.is_numeric()) {
    const Expr& bad = lt.is_numeric() ? rhs : lhs;
    return diags_.reject(bad.range, fmt::format("operator '{}' needs numbers, not a {}",
                                                ast::op_spelling(e.op), describe(bad.type)));
  }
  if (Verdict v = adopt_literal(e); !v) return v;
  if (Verdict v = defined_for_constants(e); !v) return v;
  e.type = result_type(e.op, lhs.type, rhs.type);
  return accepted();
}

// A literal takes the type of the other operand when it holds the value (`function > 0`
// compares as the unsigned address it is). A negative constant compared with an
// unsigned 64-bit value would be converted to a huge number: refused.
Verdict ExprChecker::adopt_literal(Expr& e) {
  Expr& lhs = *e.args[0];
  Expr& rhs = *e.args[1];
  if (e.op == Op::kAnd || e.op == Op::kOr || e.op == Op::kShl || e.op == Op::kShr)
    return accepted();
  auto lc = fold(lhs), rc = fold(rhs);
  if (lc.has_value() == rc.has_value()) return accepted();
  Expr& literal = lc ? lhs : rhs;
  const Expr& other = lc ? rhs : lhs;
  const Constant c = lc ? *lc : *rc;
  if (other.type.kind != TypeKind::kInt && other.type.kind != TypeKind::kPointer) return accepted();
  const Type target = other.type.kind == TypeKind::kPointer
                          ? Type::integer(8, false)
                          : Type::integer(other.type.size, other.type.is_signed);
  if (representable(c, target.size, target.is_signed)) {
    if (literal.kind == ExprKind::kNumber) literal.type = target;
    return accepted();
  }
  if (is_comparison(e.op) && c.negative() && !promote(other.type).is_signed) {
    return diags_.reject(
        literal.range,
        fmt::format("{} is compared with an unsigned 64-bit value, which is never "
                    "negative",
                    c.as_signed()),
        fmt::format("to compare it as a signed number, cast it: s64({})", derive_text(other)));
  }
  return accepted();
}

// Operations C leaves undefined, refused when the operands are constants (run-time
// values get the defined results described in typing.h).
Verdict ExprChecker::defined_for_constants(const Expr& e) {
  const Expr& rhs = *e.args[1];
  auto count = fold(rhs);
  if (!count) return accepted();
  if ((e.op == Op::kDiv || e.op == Op::kMod) && count->bits == 0) {
    return diags_.reject(rhs.range, e.op == Op::kDiv ? "division by zero" : "modulo by zero",
                         "the divisor is a constant zero");
  }
  if ((e.op == Op::kShl || e.op == Op::kShr) && (count->negative() || count->bits >= 64)) {
    return diags_.reject(
        rhs.range, fmt::format("shift by {}: values are 64 bits wide, so a shift count must be "
                               "from 0 to 63",
                               count->negative() ? fmt::format("{}", count->as_signed())
                                                 : fmt::format("{}", count->bits)));
  }
  return accepted();
}

Verdict ExprChecker::call(Expr& e, Use use, bool top) {
  const std::string& fn = e.text;
  auto arity = [&](size_t min, size_t max) -> Verdict {
    if (e.args.size() < min || e.args.size() > max) {
      std::string expected = min == max       ? fmt::format("{}", min)
                             : max == min + 1 ? fmt::format("{} or {}", min, max)
                                              : fmt::format("{} to {}", min, max);
      return diags_.reject(e.range, fmt::format("{}() takes {} argument{}, not {}", fn, expected,
                                                max == 1 ? "" : "s", e.args.size()));
    }
    return accepted();
  };
  if (const DecoderInfo* d = find_decoder(fn)) {
    if (Verdict v = arity(1, 1); !v) return v;
    return decoder_call(e, *d, use, top);
  }
  const FunctionInfo* f = find_function(fn);
  if (!f) {
    return diags_.reject(e.range,
                         fmt::format("unknown function '{}'{}", fn, did_you_mean(fn, call_names())),
                         fmt::format("functions: {}", join(call_names(), ", ")));
  }
  if (Verdict v = arity(f->min_args, f->max_args); !v) return v;
  if (f->kind == FunctionKind::kInCgroup) return in_cgroup_call(e);
  if (f->kind == FunctionKind::kInetAddr) return inet_call(e);
  if (f->kind == FunctionKind::kSyscallArg) return syscall_arg_call(e);
  if (f->kind == FunctionKind::kStartsWith || f->kind == FunctionKind::kDigits)
    return text_scan_call(e, f->kind == FunctionKind::kDigits);
  Expr& arg = *e.args[0];
  if (Verdict v = visit(arg, Use::kValue, false); !v) return v;
  if (names_the_probe(arg)) return probe_name_as_number(arg);
  e.binding.kind = BindingKind::kFunction;
  switch (f->kind) {
    case FunctionKind::kString:
      return string_call(e, use);
    case FunctionKind::kCast:
    case FunctionKind::kByteSwap:
      if (arg.type.kind != TypeKind::kInt && arg.type.kind != TypeKind::kBool &&
          arg.type.kind != TypeKind::kPointer) {
        return diags_.reject(
            arg.range, fmt::format("{}() converts numbers, not a {}", fn, describe(arg.type)));
      }
      e.type = Type::integer(f->width, f->is_signed);
      return accepted();
    case FunctionKind::kUserU64:
      if (arg.type.kind != TypeKind::kPointer &&
          !(arg.type.kind == TypeKind::kInt && arg.type.size == 8)) {
        return diags_.reject(
            arg.range,
            fmt::format("user_u64() reads at an address, not at a {}", describe(arg.type)),
            "e.g. user_u64(vec) is the base of writev()'s first iovec");
      }
      e.type = Type::integer(8, false);
      e.type.user = true;  // read from user memory, so what it points to is user memory
      return accepted();
    case FunctionKind::kBlockOp:
      // Either the rwbs text of the block tracepoints or a request's cmd_flags (raw
      // tracepoints: op(rq.cmd_flags)), whose low 8 bits are the REQ_OP_*.
      if (arg.type.kind != TypeKind::kString && arg.type.kind != TypeKind::kInt) {
        return diags_.reject(
            arg.range, fmt::format("op() reads a block request's rwbs flags (a string) or its "
                                   "cmd_flags (a number), not a {}",
                                   describe(arg.type)));
      }
      e.type = Type::integer(1, false);
      e.type.decoder = spec::Decoder::kBlockOp;
      return accepted();
    case FunctionKind::kInCgroup:
    case FunctionKind::kInetAddr:
    case FunctionKind::kSyscallArg:
    case FunctionKind::kStartsWith:
    case FunctionKind::kDigits:
      break;  // checked above
  }
  return diags_.reject(e.range, fmt::format("sonde cannot check {}() here (a bug in sonde)", fn));
}

// in_cgroup("/path"): is the task in that cgroup2 subtree (tested in the kernel).
Verdict ExprChecker::in_cgroup_call(Expr& e) {
  Expr& arg = *e.args[0];
  if (arg.kind != ExprKind::kString) {
    return diags_.reject(arg.range, "in_cgroup() takes a cgroup path in quotes",
                         "e.g. in_cgroup(\"/system.slice\"), as the cgroup label shows paths");
  }
  if (std::string problem = cgroup_path_problem(arg.text); !problem.empty()) {
    return diags_.reject(arg.range, fmt::format("in_cgroup(\"{}\"): {}", arg.text, problem),
                         "e.g. in_cgroup(\"/system.slice/nginx.service\")");
  }
  e.binding.kind = BindingKind::kFunction;
  e.type = Type::boolean();
  return accepted();
}

// inet(family, v4, v6): a socket's address is in one of two fields, by its family
// (`skc_daddr` or `skc_v6_daddr`); this is the one a label shows, as 16 bytes.
Verdict ExprChecker::inet_call(Expr& e) {
  for (auto& a : e.args) {
    if (Verdict v = visit(*a, Use::kValue, false); !v) return v;
  }
  const Type& family = e.args[0]->type;
  const Type& v4 = e.args[1]->type;
  const Type& v6 = e.args[2]->type;
  const char* hint =
      "e.g. inet(sk.__sk_common.skc_family, sk.__sk_common.skc_daddr, "
      "sk.__sk_common.skc_v6_daddr.in6_u.u6_addr8)";
  if (family.kind != TypeKind::kInt) {
    return diags_.reject(
        e.args[0]->range,
        fmt::format("inet() needs an address family first, not a {}", describe(family)), hint);
  }
  if (!((v4.kind == TypeKind::kInt || v4.kind == TypeKind::kBytes) && v4.size == 4)) {
    return diags_.reject(
        e.args[1]->range,
        fmt::format("inet() needs a 4-byte IPv4 address second, not a {}", describe(v4)), hint);
  }
  if (!(v6.kind == TypeKind::kBytes && v6.size == 16)) {
    return diags_.reject(
        e.args[2]->range,
        fmt::format("inet() needs a 16-byte IPv6 address third, not a {}", describe(v6)),
        "an in6_addr's bytes are its member .in6_u.u6_addr8");
  }
  e.binding.kind = BindingKind::kFunction;
  e.type = Type{};
  e.type.kind = TypeKind::kBytes;
  e.type.size = 16;
  return accepted();
}

// syscall_arg(N): a register the task saved when it entered the kernel, so the same
// value at the call's entry, inside it and at its exit (x86_64 passes arguments in
// di, si, dx, r10, r8, r9, which the kernel restores unchanged).
Verdict ExprChecker::syscall_arg_call(Expr& e) {
  Expr& n = *e.args[0];
  if (n.kind != ExprKind::kNumber || n.number > 5) {
    return diags_.reject(n.range,
                         "syscall_arg() takes the argument's index, a constant from 0 to 5",
                         "e.g. syscall_arg(0) is read()'s fd, syscall_arg(1) its buffer");
  }
  e.binding.kind = BindingKind::kFunction;
  e.type = Type::integer(8, false);
  e.type.user = true;  // what a system call is given points into the caller's memory
  return accepted();
}

// startswith(s, "text"), digits(s, at, n): both read a string s (str(p, N), comm, a
// char array) once into a buffer and look at a fixed part of it, so every index is a
// constant the checker bounds by s's size and the verifier never sees a variable one.
Verdict ExprChecker::text_scan_call(Expr& e, bool digits) {
  const char* fn = digits ? "digits" : "startswith";
  const std::string example =
      digits ? "e.g. digits(str(syscall_arg(1), 12), 9, 3) reads the status of \"HTTP/1.1 200\""
             : "e.g. startswith(str(syscall_arg(1), 4), \"GET \")";
  Expr& s = *e.args[0];
  if (Verdict v = visit(s, Use::kValue, false); !v) return v;
  if (s.type.kind != TypeKind::kString) {
    return diags_.reject(s.range,
                         fmt::format("{}() reads a string, not a {}", fn, describe(s.type)),
                         "read text through a pointer with str(p, N); " + example);
  }
  const uint64_t chars = s.type.size ? s.type.size - 1 : 0;  // the last byte holds the NUL
  e.binding.kind = BindingKind::kFunction;
  if (!digits) {
    for (size_t i = 1; i < e.args.size(); ++i) {
      Expr& prefix = *e.args[i];
      if (prefix.kind != ExprKind::kString || prefix.text.empty()) {
        return diags_.reject(prefix.range, "startswith() takes the texts to look for in quotes",
                             example);
      }
      if (prefix.text.size() > chars) {
        return diags_.reject(
            prefix.range,
            fmt::format("\"{}\" is {} characters long but {} holds at most {}: it can "
                        "never match",
                        prefix.text, prefix.text.size(), derive_text(s), chars),
            fmt::format("read more, e.g. str(p, {})", prefix.text.size()));
      }
      prefix.type = Type::string(static_cast<uint32_t>(prefix.text.size() + 1));
    }
    e.type = Type::boolean();
    return accepted();
  }
  Expr& at = *e.args[1];
  Expr& n = *e.args[2];
  for (Expr* c : {&at, &n}) {
    if (c->kind != ExprKind::kNumber) {
      return diags_.reject(c->range, "the index and the count of digits() must be constants",
                           example);
    }
  }
  // 18 digits always fit a signed 64-bit value.
  if (n.number == 0 || n.number > 18) {
    return diags_.reject(n.range, "digits() reads from 1 to 18 digits", example);
  }
  if (at.number > chars || n.number > chars - at.number) {
    return diags_.reject(e.range,
                         fmt::format("digits() reads characters {} to {} but {} holds at most {}",
                                     at.number, at.number + n.number - 1, derive_text(s), chars),
                         fmt::format("read more, e.g. str(p, {})", at.number + n.number));
  }
  at.type = Type::integer(8, false);
  n.type = Type::integer(8, false);
  e.type = Type::integer(8, true);
  return accepted();
}

Verdict ExprChecker::decoder_call(Expr& e, const DecoderInfo& d, Use use, bool top) {
  if (use != Use::kKey || !top) {
    return diags_.reject(
        e.range,
        fmt::format("{}() {} in user space; it can only be a label (in 'by')", d.name, d.help),
        d.input == DecoderInput::kCgroupId || d.decoder == spec::Decoder::kCgroup
            ? "select cgroups in the kernel with in_cgroup(\"/path\"), e.g. "
              "in_cgroup(\"/system.slice/nginx.service\")"
        : use == Use::kPredicate ? "filter on the raw value instead, e.g. where id == 39"
                                 : "");
  }
  Expr& arg = *e.args[0];
  if (Verdict v = visit(arg, Use::kValue, false); !v) return v;
  // `probe` and `func` are indices into their own table of names, no addresses or ids
  // (ksym(func) where func is the builtin of a wildcard, not timer_start's field).
  if (arg.binding.kind == BindingKind::kBuiltin &&
      (arg.binding.builtin == Builtin::kProbe || arg.binding.builtin == Builtin::kFunc)) {
    const char* name = arg.binding.builtin == Builtin::kProbe ? "probe" : "func";
    return diags_.reject(
        arg.range,
        fmt::format("'{}' here names the probe that fired, which {}() cannot decode", name, d.name),
        fmt::format("use it as a label as it is: by {}", name));
  }
  const Type& at = arg.type;
  bool ok = at.is_numeric();
  if (d.input == DecoderInput::kCgroupId && !(at.kind == TypeKind::kInt && at.size == 8)) {
    return diags_.reject(arg.range,
                         fmt::format("{}() needs a cgroup id, not a {}", d.name, describe(at)),
                         fmt::format("give it the cgroup builtin: {}(cgroup)", d.name));
  }
  if (d.input == DecoderInput::kAddress) {
    ok = (at.kind == TypeKind::kInt && (at.size == 4 || at.size == 8)) ||
         (at.kind == TypeKind::kBytes && (at.size == 4 || at.size == 16 || at.size == 28));
  }
  if (!ok) {
    std::string wants = d.input == DecoderInput::kAddress
                            ? "a 4-byte or 16-byte address (or a 28-byte sockaddr)"
                            : "a number or an address";
    return diags_.reject(arg.range,
                         fmt::format("{}() needs {}, not a {}", d.name, wants, describe(at)));
  }
  e.binding.kind = BindingKind::kDecoder;
  e.type = decoded(d.decoder, at);
  return accepted();
}

// str(p, N), str(s, N): `e.args[0]` is checked.
Verdict ExprChecker::string_call(Expr& e, Use use) {
  Expr& arg = *e.args[0];
  uint32_t bound = 0;
  if (e.args.size() == 2) {
    Expr& n = *e.args[1];
    if (n.kind != ExprKind::kNumber || n.number == 0 || n.number > kMaxStringBound) {
      return diags_.reject(
          n.range,
          fmt::format("the length of str() must be a constant from 1 to {}", kMaxStringBound));
    }
    // N characters shown, and the NUL after them.
    bound = static_cast<uint32_t>(n.number) + 1;
  }
  if (arg.type.kind == TypeKind::kString) {
    e.type = Type::string(bound ? std::min(bound, arg.type.size) : arg.type.size);
  } else if (arg.type.kind == TypeKind::kPointer ||
             (arg.type.kind == TypeKind::kInt && arg.type.size == 8)) {
    if (!bound) {
      if (use == Use::kKey) {
        return diags_.reject(
            e.range, "a string read through a pointer needs a bound to be a label",
            fmt::format("give the longest length to keep, e.g. str({}, 64)", derive_text(arg)));
      }
      bound = kUnsizedStringBound;
    }
    e.type = Type::string(bound);
    e.type.user = arg.type.user || (scope_.probe && scope_.probe->kind->user_memory);
  } else {
    return diags_.reject(
        arg.range,
        fmt::format("str() needs a character array or a pointer, not a {}", describe(arg.type)),
        arg.type.kind == TypeKind::kInt ? "an address is 8 bytes wide; this value cannot be one"
                                        : "");
  }
  return accepted();
}

}  // namespace sonde::sema
