#include "compiler/sema/sema.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cassert>
#include <set>

#include "compiler/ast/printer.h"
#include "compiler/sema/expr_checker.h"
#include "compiler/sema/histogram.h"
#include "compiler/sema/naming.h"
#include "compiler/sema/probes.h"
#include "compiler/sema/slo.h"
#include "compiler/sema/stack.h"
#include "runtime/spec/aggregations.h"
#include "runtime/spec/metric_names.h"
#include "support/text.h"

namespace sonde::sema {
namespace {

using ast::Expr;
using ast::ExprPtr;
using ast::Type;
using ast::TypeKind;

ExprPtr clone(const ExprPtr& e) { return e ? e->clone() : nullptr; }

// Whether `where` (its top-level conjunction) keeps `value` from being negative:
// `ret > 0`, `ret >= 4096`, `0 < ret`. A sum of such values is a counter even when
// their type is signed.
bool keeps_nonnegative(const Expr* where, const Expr& value) {
  if (!where || where->kind != ast::ExprKind::kBinary || where->args.size() != 2) return false;
  const Expr& a = *where->args[0];
  const Expr& b = *where->args[1];
  auto constant = [](const Expr& e) {
    return e.kind == ast::ExprKind::kNumber && static_cast<int64_t>(e.number) >= 0;
  };
  const std::string v = ast::print(value);
  switch (where->op) {
    case ast::Op::kAnd:
      return keeps_nonnegative(&a, value) || keeps_nonnegative(&b, value);
    case ast::Op::kGt:
    case ast::Op::kGe:
      return constant(b) && ast::print(a) == v;
    case ast::Op::kLt:
    case ast::Op::kLe:
      return constant(a) && ast::print(b) == v;
    default:
      return false;
  }
}

// "60s", "1.5s", "500ms": how help texts state a window.
std::string duration_text(uint64_t ns) {
  if (ns % 1'000'000'000 == 0) return fmt::format("{}s", ns / 1'000'000'000);
  if (ns >= 1'000'000'000) return fmt::format("{}s", static_cast<double>(ns) / 1e9);
  return fmt::format("{}ms", static_cast<double>(ns) / 1e6);
}

ExprPtr conjunction(ExprPtr a, ExprPtr b) {
  if (!a) return b;
  if (!b) return a;
  auto e = std::make_unique<Expr>();
  e->kind = ast::ExprKind::kBinary;
  e->op = ast::Op::kAnd;
  e->range = b->range;
  e->args.push_back(std::move(a));
  e->args.push_back(std::move(b));
  return e;
}

// Two types that must share one slot of a map key (a label across probes, a span key
// between start and end). Returns false when they cannot.
bool unify(Type& into, const Type& t) {
  if (into.kind == TypeKind::kNone) {
    into = t;
    return true;
  }
  bool into_text = into.kind == TypeKind::kString;
  bool t_text = t.kind == TypeKind::kString;
  if (into_text != t_text) return false;
  if (into.kind == TypeKind::kDecoded || t.kind == TypeKind::kDecoded) {
    if (into.decoder != t.decoder) return false;
  }
  if (into.kind == TypeKind::kStack || t.kind == TypeKind::kStack)
    return into.kind == t.kind && into.decoder == t.decoder;
  into.size = std::max(into.size, t.size);
  into.is_signed = into.is_signed || t.is_signed;
  if (!into.symbols) into.symbols = t.symbols;
  return true;
}

// One table of names for a statement's programs, with each program's value in it; a
// program with no name (`func` of profile:) gets none and names nothing.
std::vector<NameTable> name_table(const std::vector<std::optional<std::string>>& by_program) {
  auto names = std::make_shared<std::vector<ast::SymbolName>>();
  std::vector<NameTable> out;
  for (const auto& name : by_program) {
    NameTable t{names, 0};
    if (name) {
      auto same = std::find_if(names->begin(), names->end(),
                               [&](const ast::SymbolName& s) { return s.name == *name; });
      if (same == names->end()) {
        names->push_back({static_cast<int64_t>(names->size()), *name});
        same = names->end() - 1;
      }
      t.value = static_cast<uint32_t>(same->value);
    }
    out.push_back(t);
  }
  return out;
}

// What `probe` and `func` decode to in each of a statement's programs (one table each).
struct ProgramNames {
  std::vector<NameTable> probe;
  std::vector<NameTable> func;
  // Some but not all probes have a field or alias `func` (sys_enter_modify_ldt among
  // sys_enter_*): the first of them. `func` is then the builtin at every probe.
  std::string func_shadowed_in;
};

class StatementChecker {
 public:
  StatementChecker(const Definitions& defs, KernelInfo& kernel, const ast::SourceManager& sources,
                   ast::Diagnostics& diags, const Options& options)
      : defs_(defs), kernel_(kernel), sources_(sources), diags_(diags), options_(options) {}

  Verdict check(const ast::MetricStmt& stmt, CheckedStatement& out) {
    out.stmt = &stmt;
    out.source = std::string(trim(sources_.text(stmt.range)));
    out.origin = sources_.location(stmt.range);
    out.aggregation = stmt.aggregation.kind;
    if (stmt.print) return print_statement(stmt, out);
    const spec::AggregationInfo& a = spec::aggregation_info(out.aggregation);
    if (a.windowed) out.window_ns = options_.minmax_window_ns;
    if (Verdict v = check_aggregation(stmt, a); !v) return v;
    if (Verdict v = check_capacity(stmt, out); !v) return v;
    if (Verdict v = stmt.is_span ? span_statement(stmt, out) : probe_statement(stmt, out); !v)
      return v;
    if (Verdict v = labels(stmt, out); !v) return v;
    if (Verdict v = fits_stack(stmt, out); !v) return v;
    return name_metric(stmt, out);
  }

  // `on PROBE print EXPR, ...`: the fields are checked and laid out as labels are.
  Verdict print_statement(const ast::MetricStmt& stmt, CheckedStatement& out) {
    if (!options_.events) {
      return diags_.reject(stmt.range,
                           "'print' shows events while you explore; a bundle exports metrics only",
                           "run it with 'sonde run' or in the REPL; for sonde-agent, aggregate the "
                           "events instead, e.g. 'count by comm'");
    }
    if (stmt.keys.empty()) {
      return diags_.reject(stmt.range, "'print' needs at least one field",
                           "e.g. 'print pid, comm'");
    }
    out.print = true;
    out.capacity = options_.default_capacity;  // stack traces printed are kept this many
    if (Verdict v = stmt.is_span ? span_statement(stmt, out) : probe_statement(stmt, out); !v)
      return v;
    if (Verdict v = labels(stmt, out); !v) return v;
    if (Verdict v = fits_stack(stmt, out); !v) return v;
    out.metric_name = fmt::format("sonde_print{}", out.index);
    out.help =
        fmt::format("events of {} (sonde: {})",
                    stmt.is_span ? out.span_name : out.programs.front().probe.display, out.source);
    return accepted();
  }

  // Each program's keys, strings and values read into locals fit the BPF stack.
  Verdict fits_stack(const ast::MetricStmt& stmt, const CheckedStatement& out) {
    for (const auto& prog : out.programs) {
      const StackUse use = stack_use(out, prog);
      if (use.total() <= kStackBudget) continue;
      return diags_.reject(
          stmt.range,
          fmt::format("this statement needs about {} bytes of BPF stack on {}; a program has {}",
                      use.total(), prog.probe.display, kStackBudget),
          fmt::format("its labels{} take {} bytes, its compared strings and the values it reads "
                      "through pointers {}: use shorter str() bounds, fewer string labels or "
                      "fewer members per statement",
                      out.is_span ? " and span records" : "", use.records, use.values));
    }
    return accepted();
  }

 private:
  Verdict check_aggregation(const ast::MetricStmt& stmt, const spec::AggregationInfo& a) {
    if (stmt.is_span) return accepted();  // a span's value is its latency
    if (!a.takes_value && stmt.value) {
      return diags_.reject(stmt.value->range, fmt::format("{} takes no value", a.keyword),
                           a.no_value_hint);
    }
    if (a.takes_value && !stmt.value) {
      return diags_.reject(
          stmt.aggregation.range, fmt::format("{} needs a value", a.keyword),
          fmt::format("write what to aggregate after it, e.g. '{} ret'", a.keyword));
    }
    return accepted();
  }

  Verdict check_capacity(const ast::MetricStmt& stmt, CheckedStatement& out) {
    out.capacity = options_.default_capacity;
    // One series for ever: nothing to expire (docs/churn.md).
    if (stmt.ttl_ns && stmt.keys.empty())
      diags_.warning(stmt.ttl_range, "ttl has no effect on a statement without 'by' keys");
    if (!stmt.capacity) return accepted();
    if (*stmt.capacity == 0 || *stmt.capacity > kMaxCapacity) {
      return diags_.reject(stmt.capacity_range,
                           fmt::format("capacity must be from 1 to {}", kMaxCapacity));
    }
    if (stmt.keys.empty()) {
      diags_.warning(stmt.capacity_range,
                     "capacity has no effect on a statement without 'by' keys");
    }
    out.capacity = static_cast<uint32_t>(*stmt.capacity);
    return accepted();
  }

  // `func` means something of this probe itself: a field, or an alias (timer_start's).
  bool func_is_own(const ResolvedProbe& p) {
    if (p.format && p.format->field("func") && !p.format->field("func")->common) return true;
    for (const auto& a : p.args) {
      if (a.name == "func") return true;
    }
    for (const auto* a : aliases_for(p)) {
      if (a->name == "func") return true;
    }
    return false;
  }

  template <typename T, typename Probe>
  ProgramNames program_names(const std::vector<T>& programs, Probe probe_of) {
    std::vector<std::optional<std::string>> displays, funcs;
    ProgramNames out;
    size_t own = 0;
    for (const auto& program : programs) {
      const ResolvedProbe& p = probe_of(program);
      displays.emplace_back(p.display);
      funcs.push_back(func_name(p));
      if (func_is_own(p) && own++ == 0) out.func_shadowed_in = p.display;
    }
    // Where every probe has its own `func`, it is theirs, as before the builtin existed.
    if (own == programs.size()) out.func_shadowed_in.clear();
    out.probe = name_table(displays);
    out.func = name_table(funcs);
    return out;
  }
  ProgramNames program_names(const std::vector<ResolvedProbe>& probes) {
    return program_names(probes, [](const ResolvedProbe& p) -> const ResolvedProbe& { return p; });
  }
  ProgramNames program_names(const std::vector<ProbeProgram>& programs) {
    return program_names(programs,
                         [](const ProbeProgram& p) -> const ResolvedProbe& { return p.probe; });
  }

  static void name_program(Scope& scope, const ProgramNames& names, size_t i) {
    scope.probe_names = names.probe[i];
    scope.func_names = names.func[i];
    scope.func_shadowed_in = names.func_shadowed_in;
    scope.warn_shadowed_func = i == 0;  // once per statement: its programs check alike
  }

  std::vector<const ast::AliasDef*> aliases_for(const ResolvedProbe& p) {
    std::vector<const ast::AliasDef*> out;
    for (const auto* a : defs_.aliases()) {
      std::string pattern = canonical_probe_text(a->probe.text);
      if (fnmatch(pattern.c_str(), p.display.c_str(), 0) == 0) out.push_back(a);
    }
    return out;
  }

  // Resolves a probe reference that may name an event; `where` collects the event's
  // own condition.
  ResolvedProbes resolve(const ast::ProbeRef& ref, ExprPtr& where) {
    if (!ref.is_event_name) return resolve_probe(ref, kernel_, diags_);
    const ast::EventDef* event = defs_.event(ref.text);
    if (!event) {
      std::vector<std::string> names;
      for (const auto* e : defs_.events()) names.push_back(e->name);
      return diags_.reject(
          ref.range, fmt::format("unknown event '{}'{}", ref.text, did_you_mean(ref.text, names)),
          fmt::format("probes are written KIND:..., e.g. tracepoint:sched:sched_switch; events: {}",
                      join(names, ", ")));
    }
    if (event->probe.is_event_name) {
      return diags_.reject(event->probe.range,
                           "an event must be defined on a probe, not on another event");
    }
    where = conjunction(clone(event->where), std::move(where));
    ResolvedProbes probes = resolve_probe(event->probe, kernel_, diags_);
    if (probes) {
      for (auto& p : *probes) p.short_name = event->name;
    }
    return probes;
  }

  Verdict probe_statement(const ast::MetricStmt& stmt, CheckedStatement& out) {
    ExprPtr event_where;
    ResolvedProbes probes = resolve(stmt.probe, event_where);
    if (!probes) return probes.verdict();
    const ProgramNames names = program_names(*probes);
    for (auto& probe : *probes) {
      ProbeProgram prog;
      prog.probe = std::move(probe);
      prog.role = ProgramRole::kMetric;
      Scope scope;
      scope.probe = &prog.probe;
      scope.aliases = aliases_for(prog.probe);
      name_program(scope, names, out.programs.size());
      ExprChecker checker(kernel_, diags_, scope);
      prog.where = conjunction(clone(event_where), clone(stmt.where));
      if (prog.where) {
        if (Verdict v = checker.check(*prog.where, Use::kPredicate); !v) return v;
      }
      if (stmt.value) {
        prog.value = stmt.value->clone();
        if (Verdict v = checker.check(*prog.value, Use::kValue); !v) return v;
        out.value_signed = out.value_signed || prog.value->type.is_signed;
      }
      for (const auto& key : stmt.keys) {
        prog.keys.push_back(key.expr->clone());
        if (Verdict v = checker.check(*prog.keys.back(), Use::kKey); !v) return v;
        prog.key_from_start.push_back(-1);
      }
      out.programs.push_back(std::move(prog));
    }
    if (out.value_signed && stmt.value && keeps_nonnegative(stmt.where.get(), *stmt.value))
      out.value_signed = false;
    return accepted();
  }

  // ---- spans ----

  Verdict span_statement(const ast::MetricStmt& stmt, CheckedStatement& out) {
    Definitions::SpanParams params;
    const ast::SpanDef* def = defs_.span(stmt.span, params);
    std::string written = join(stmt.span, " ");
    if (!def) {
      std::vector<std::string> names;
      for (const auto* s : defs_.spans()) names.push_back(Definitions::span_name(*s));
      return diags_.reject(
          stmt.span_range,
          fmt::format("unknown span '{}'{}", written, did_you_mean(written, names)),
          fmt::format("spans: {}", join(names, ", ")));
    }
    out.is_span = true;
    out.span_name = written;
    // A span's value is its latency; a count of spans is a number of them.
    out.unit = spec::aggregation_info(out.aggregation).takes_value ? spec::Unit::kNanoseconds
                                                                   : spec::Unit::kNone;
    if (def->starts.empty() || def->ends.empty()) {
      return diags_.reject(
          def->name_range,
          fmt::format("span '{}' has no {} probe", Definitions::span_name(*def),
                      def->starts.empty() ? "start" : "end"),
          "a span needs at least one 'start PROBE key ...' and one 'end PROBE key ...'");
    }

    // Resolve and check both ends.
    std::vector<ProbeProgram> starts, ends;
    auto endpoints = [&](const std::vector<ast::SpanEndpoint>& list, ProgramRole role,
                         std::vector<ProbeProgram>& into) -> Verdict {
      for (const auto& ep : list) {
        ast::ProbeRef ref = ep.probe;
        ref.text = substitute_params(ref.text, params);
        ExprPtr where = clone(ep.where);
        // A parameterised span reports resolution problems where the user named it: its
        // probe is resolved against scratch diagnostics, whose error is said again here.
        ast::Diagnostics scratch;
        StatementChecker inner(defs_, kernel_, sources_, scratch, options_);
        ResolvedProbes probes = params.empty() ? resolve(ref, where) : inner.resolve(ref, where);
        if (!probes && !params.empty()) {
          auto d = std::find_if(scratch.all().begin(), scratch.all().end(),
                                [](const auto& x) { return x.severity == ast::Severity::kError; });
          return diags_.reject(stmt.span_range,
                               fmt::format("span '{}': {}", written,
                                           d == scratch.all().end() ? "no such probe" : d->message),
                               d == scratch.all().end() ? "" : d->hint);
        }
        if (!probes) return probes.verdict();
        for (auto& probe : *probes) {
          ProbeProgram prog;
          prog.probe = std::move(probe);
          prog.role = role;
          Scope scope;
          scope.probe = &prog.probe;
          scope.aliases = aliases_for(prog.probe);
          ExprChecker checker(kernel_, diags_, scope);
          prog.where = clone(where);
          if (prog.where) {
            if (Verdict v = checker.check(*prog.where, Use::kPredicate); !v) return v;
          }
          for (const auto& k : ep.keys) {
            prog.span_keys.push_back(k->clone());
            if (Verdict v = checker.check(*prog.span_keys.back(), Use::kSpanKey); !v) return v;
          }
          into.push_back(std::move(prog));
        }
      }
      return accepted();
    };
    if (Verdict v = endpoints(def->starts, ProgramRole::kSpanStart, starts); !v) return v;
    if (Verdict v = endpoints(def->ends, ProgramRole::kSpanEnd, ends); !v) return v;

    // Keys: same count and compatible types at every start and end.
    size_t nkeys = starts.front().span_keys.size();
    out.span_key_types.assign(nkeys, Type{});
    for (const auto* group : {&starts, &ends}) {
      for (const auto& prog : *group) {
        if (prog.span_keys.size() != nkeys) {
          return diags_.reject(
              prog.probe.ref.range,
              fmt::format("span '{}': this probe has {} key{} but the first start has {}",
                          Definitions::span_name(*def), prog.span_keys.size(),
                          prog.span_keys.size() == 1 ? "" : "s", nkeys),
              "the start and the end of a span are paired by keys of the same number and types");
        }
        for (size_t i = 0; i < nkeys; ++i) {
          if (!unify(out.span_key_types[i], prog.span_keys[i]->type)) {
            return diags_.reject(
                prog.span_keys[i]->range,
                fmt::format("span '{}': key {} is a {} here but a {} at the start",
                            Definitions::span_name(*def), i + 1, describe(prog.span_keys[i]->type),
                            describe(out.span_key_types[i])),
                "the start and the end of a span are paired by keys of the same types");
          }
        }
      }
    }

    // Labels: evaluated at the end when every end probe can, else stored at the start.
    std::vector<SpanLabelScope> label_scopes;
    for (const auto& label : def->labels) {
      std::string label_name =
          label.label.empty() ? derive_label_name(*label.expr, sources_) : label.label;
      SpanLabelScope ls;
      ls.name = label_name;
      if (evaluates_everywhere(*label.expr, ends, Use::kKey)) {
        ls.expr = label.expr.get();
      } else if (evaluates_everywhere(*label.expr, starts, Use::kKey)) {
        ls.start_index = static_cast<int>(out.start_label_types.size());
        Type unified;
        const ProgramNames names = program_names(starts);
        for (size_t p = 0; p < starts.size(); ++p) {
          auto& prog = starts[p];
          prog.start_labels.push_back(label.expr->clone());
          Scope scope;
          scope.probe = &prog.probe;
          scope.aliases = aliases_for(prog.probe);
          name_program(scope, names, p);
          ExprChecker checker(kernel_, diags_, scope);
          if (Verdict v = checker.check(*prog.start_labels.back(), Use::kKey); !v) return v;
          if (!unify(unified, prog.start_labels.back()->type)) {
            return diags_.reject(
                label.range,
                fmt::format("label '{}' has different types at different starts", label_name));
          }
        }
        ls.type = unified;
        out.start_label_types.push_back(unified);
      } else {
        // Report why, from the end's point of view.
        Scope scope;
        scope.probe = &ends.front().probe;
        scope.aliases = aliases_for(ends.front().probe);
        ExprChecker checker(kernel_, diags_, scope);
        auto copy = label.expr->clone();
        const std::string why = fmt::format(
            "label '{}' can be computed neither at every end nor at every start of span '{}'",
            label_name, Definitions::span_name(*def));
        if (Verdict v = checker.check(*copy, Use::kKey); !v) {
          diags_.note(label.range, why);
          return v;
        }
        return diags_.reject(label.range, why,
                             "a label must be computable at all the ends or all the starts");
      }
      label_scopes.push_back(std::move(ls));
    }

    // The statement's own condition and keys are evaluated at the end.
    const ProgramNames end_names = program_names(ends);
    for (size_t p = 0; p < ends.size(); ++p) {
      auto& prog = ends[p];
      Scope scope;
      scope.probe = &prog.probe;
      scope.aliases = aliases_for(prog.probe);
      name_program(scope, end_names, p);
      scope.span_labels = label_scopes;
      scope.latency = true;
      ExprChecker checker(kernel_, diags_, scope);
      if (stmt.where) {
        auto where = stmt.where->clone();
        if (Verdict v = checker.check(*where, Use::kPredicate); !v) return v;
        prog.filter = std::move(where);
      }
      for (const auto& key : stmt.keys) {
        auto expr = key.expr->clone();
        if (Verdict v = checker.check(*expr, Use::kKey); !v) return v;
        if (expr->binding.kind == ast::BindingKind::kStartLabel) {
          prog.key_from_start.push_back(static_cast<int>(expr->binding.index));
        } else {
          prog.key_from_start.push_back(-1);
        }
        prog.keys.push_back(std::move(expr));
      }
    }
    for (auto& p : starts) out.programs.push_back(std::move(p));
    for (auto& p : ends) out.programs.push_back(std::move(p));
    return accepted();
  }

  bool evaluates_everywhere(const Expr& expr, const std::vector<ProbeProgram>& programs, Use use) {
    for (const auto& prog : programs) {
      ast::Diagnostics scratch;
      Scope scope;
      scope.probe = &prog.probe;
      scope.aliases = aliases_for(prog.probe);
      ExprChecker checker(kernel_, scratch, scope);
      auto copy = expr.clone();
      if (!checker.check(*copy, use)) return false;
    }
    return true;
  }

  // ---- labels and naming ----

  Verdict labels(const ast::MetricStmt& stmt, CheckedStatement& out) {
    if (stmt.keys.size() > kMaxLabels) {
      return diags_.reject(stmt.keys[kMaxLabels].range,
                           fmt::format("at most {} labels per statement", kMaxLabels));
    }
    std::set<std::string> seen;
    for (size_t i = 0; i < stmt.keys.size(); ++i) {
      const auto& key = stmt.keys[i];
      Label label;
      label.name = key.label.empty() ? derive_label_name(*key.expr, sources_) : key.label;
      label.range = key.label.empty() ? key.expr->range : key.label_range;
      if (label.name.size() > kMaxNameLength) {
        return diags_.reject(label.range,
                             fmt::format("a label name of {} characters is too long: at most {}",
                                         label.name.size(), kMaxNameLength),
                             "name it with 'NAME = EXPR'");
      }
      if (!valid_label_name(label.name)) {
        return diags_.reject(
            label.range, fmt::format("'{}' is not a valid label name", label.name),
            "label names are letters, digits and underscores, not starting with a digit "
            "or '__'; name it with 'NAME = EXPR'");
      }
      if (label.name == "le" &&
          spec::aggregation_info(out.aggregation).family == spec::Family::kHistogram) {
        return diags_.reject(label.range, "the label name 'le' is reserved for histogram buckets",
                             "name it with 'NAME = EXPR'");
      }
      if (!seen.insert(label.name).second) {
        return diags_.reject(label.range, fmt::format("two labels are named '{}'", label.name),
                             "name one of them with 'NAME = EXPR'");
      }
      for (const auto& prog : out.programs) {
        if (prog.role == ProgramRole::kSpanStart) continue;
        const Type& t =
            prog.keys[i] ? prog.keys[i]->type : out.start_label_types[prog.key_from_start[i]];
        if (!unify(label.type, t)) {
          return diags_.reject(
              key.range,
              fmt::format("label '{}' has different types on different probes ({} and {})",
                          label.name, describe(label.type), describe(t)));
        }
      }
      out.labels.push_back(std::move(label));
    }
    return accepted();
  }

  Verdict name_metric(const ast::MetricStmt& stmt, CheckedStatement& out) {
    const spec::AggregationInfo& a = spec::aggregation_info(out.aggregation);
    std::string base;
    std::string value_name;
    if (stmt.is_span) {
      base = sanitize_name(join(stmt.span, "_"));
      value_name = "latency";
    } else {
      base = sanitize_name(out.programs.front().probe.short_name);
      if (stmt.value) value_name = derive_label_name(*stmt.value, sources_);
    }
    bool user_named = !stmt.name.empty();
    std::string name = user_named ? stmt.name : "sonde_" + base;
    if (!user_named && a.takes_value && !value_name.empty()) name += "_" + value_name;
    if (out.unit == spec::Unit::kNone && a.takes_value && name.find("bytes") != std::string::npos)
      out.unit = spec::Unit::kBytes;
    // Bounds written with a unit give unitless values theirs, hence the name's suffix.
    if (a.bucketed) {
      if (Verdict v = check_histogram(stmt.aggregation, sources_, diags_, out.unit, out.buckets);
          !v)
        return v;
    }
    auto add_suffix = [&](const std::string& suffix) {
      if (!name.ends_with(suffix)) name += suffix;
    };
    if (a.keyword_in_name && !user_named) name += std::string("_") + a.keyword;
    if (out.unit == spec::Unit::kNanoseconds) add_suffix("_seconds");
    // Counters end in _total; a sum that can go down is a gauge, and only counters may end
    // so (Prometheus' naming rule; promtool flags a gauge named *_total).
    const spec::Family family = out.value_signed ? a.signed_family : a.family;
    if (family == spec::Family::kCounter) {
      add_suffix("_total");
    } else if (user_named && name.ends_with("_total")) {
      const bool signed_sum = out.value_signed && a.family == spec::Family::kCounter;
      return diags_.reject(
          stmt.name_range,
          fmt::format("'{}' ends in _total, which Prometheus keeps for counters, but {}", name,
                      signed_sum ? fmt::format("a {} of a signed value can go down: it is "
                                               "exported as a gauge",
                                               a.keyword)
                                 : fmt::format("a {} is not a counter", a.keyword)),
          signed_sum ? fmt::format("name it without _total, or {} a value that cannot be "
                                   "negative (e.g. u64(...))",
                                   a.keyword)
                     : "name it without _total");
    }
    out.metric_name = name;
    out.help = fmt::format("{} (sonde: {})", describe_statement(out, a), out.source);
    return accepted();
  }

  static std::string describe_statement(const CheckedStatement& s, const spec::AggregationInfo& a) {
    const char* text = s.is_span && *a.span_help          ? a.span_help
                       : s.value_signed && *a.signed_help ? a.signed_help
                                                          : a.help;
    std::string what =
        s.is_span ? fmt::format("latency of {}", s.span_name) : s.programs.front().probe.display;
    return fmt::format(fmt::runtime(text), fmt::arg("what", what), fmt::arg("span", s.span_name),
                       fmt::arg("window", duration_text(s.window_ns)),
                       fmt::arg("window2", duration_text(2 * s.window_ns)));
  }

  const Definitions& defs_;
  KernelInfo& kernel_;
  const ast::SourceManager& sources_;
  ast::Diagnostics& diags_;
  const Options& options_;
};

}  // namespace

CheckedProgram check(const ast::Program& program, const Definitions& definitions,
                     KernelInfo& kernel, const ast::SourceManager& sources, ast::Diagnostics& diags,
                     const Options& options) {
  CheckedProgram out;
  std::map<std::string, std::string> names;  // metric name -> origin
  uint32_t index = options.first_statement;
  for (const auto& statement : program.statements) {
    const auto* stmt = std::get_if<ast::MetricStmt>(&statement);
    if (!stmt) continue;
    CheckedStatement checked;
    checked.index = index++;
    StatementChecker checker(definitions, kernel, sources, diags, options);
    [[maybe_unused]] const size_t errors = diags.error_count();
    if (!checker.check(*stmt, checked)) {
      // Rejected means diagnosed, by construction (verdict.h). What the type cannot see:
      // that the error went to `diags` and not to scratch diagnostics of a check.
      assert(diags.error_count() > errors);
      continue;
    }
    if (checked.metric_name.size() > kMaxNameLength) {
      diags.error(stmt->name.empty() ? stmt->range : stmt->name_range,
                  fmt::format("a metric name of {} characters is too long: at most {}",
                              checked.metric_name.size(), kMaxNameLength),
                  "Prometheus stores the name with every sample; name it shorter with 'as NAME'");
      continue;
    }
    if (spec::is_reserved_metric_name(checked.metric_name)) {
      diags.error(stmt->name.empty() ? stmt->range : stmt->name_range,
                  fmt::format("metric '{}' is one of sonde's own metrics", checked.metric_name),
                  "sonde exports it beside every program; give this statement another name "
                  "with 'as NAME'");
      continue;
    }
    if (auto it = names.find(checked.metric_name); it != names.end()) {
      diags.error(stmt->name.empty() ? stmt->range : stmt->name_range,
                  fmt::format("metric '{}' is already produced by the statement at {}",
                              checked.metric_name, it->second),
                  "give this statement its own name with 'as NAME'");
      continue;
    }
    names[checked.metric_name] = checked.origin;
    out.statements.push_back(std::move(checked));
  }
  out.slos = check_slos(program, out, sources, diags);
  return out;
}

}  // namespace sonde::sema
