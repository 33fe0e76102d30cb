#include "compiler/ast/printer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "runtime/spec/aggregations.h"

namespace sonde::ast {
namespace {

std::string print_aggregation(const Aggregation& a) {
  std::string out = spec::aggregation_info(a.kind).keyword;
  using spec::BucketScheme;
  const char* scheme = a.scheme == BucketScheme::kLog2       ? "log2"
                       : a.scheme == BucketScheme::kLinear   ? "linear"
                       : a.scheme == BucketScheme::kExplicit ? "buckets"
                                                             : nullptr;
  if (!scheme) return out;
  out += fmt::format(" {}", scheme);
  if (a.args.empty()) return out;
  std::vector<std::string> args;
  for (const auto& n : a.args) {
    args.push_back(fmt::format("{}{}", n.value,
                               n.unit == NumberUnit::kDuration ? "ns"
                               : n.unit == NumberUnit::kSize   ? "B"
                                                               : ""));
  }
  return out + fmt::format("({})", fmt::join(args, ", "));
}

std::string print_keys(const std::vector<KeyItem>& keys) {
  std::string out;
  for (const auto& k : keys) {
    out += " ";
    out += k.label.empty() ? print(*k.expr) : fmt::format("{}={}", k.label, print(*k.expr));
  }
  return out;
}

std::string print_probe(const ProbeRef& p) { return p.is_event_name ? "event " + p.text : p.text; }

}  // namespace

std::string print(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kNumber:
      return fmt::format("{}", static_cast<int64_t>(e.number));
    case ExprKind::kString:
      return fmt::format("\"{}\"", e.text);
    case ExprKind::kName:
      return e.text;
    case ExprKind::kCall: {
      std::string out = "(" + e.text;
      for (const auto& a : e.args) out += " " + print(*a);
      return out + ")";
    }
    case ExprKind::kMember:
      return fmt::format("(. {} {})", print(*e.args[0]), e.text);
    case ExprKind::kIndex:
      return fmt::format("([] {} {})", print(*e.args[0]), print(*e.args[1]));
    case ExprKind::kUnary:
      return fmt::format("({} {})", op_spelling(e.op), print(*e.args[0]));
    case ExprKind::kBinary:
      return fmt::format("({} {} {})", op_spelling(e.op), print(*e.args[0]), print(*e.args[1]));
  }
  return "?";
}

std::string print(const Statement& s) {
  struct Printer {
    std::string operator()(const MetricStmt& m) const {
      std::string out = m.is_span ? fmt::format("(metric latency-of \"{}\"", fmt::join(m.span, " "))
                                  : fmt::format("(metric {}", print_probe(m.probe));
      if (m.where) out += " where " + print(*m.where);
      if (m.print) return out + " print" + print_keys(m.keys) + ")";
      out += " " + print_aggregation(m.aggregation);
      if (m.value) out += " " + print(*m.value);
      if (!m.keys.empty()) out += " by" + print_keys(m.keys);
      if (m.capacity) out += fmt::format(" capacity {}", *m.capacity);
      if (m.ttl_ns) out += fmt::format(" ttl {}ns", *m.ttl_ns);
      if (!m.name.empty()) out += " as " + m.name;
      return out + ")";
    }
    std::string operator()(const SpanDef& d) const {
      std::string name;
      for (const auto& w : d.words)
        name += (name.empty() ? "" : " ") + (w.is_param ? "$" + w.text : w.text);
      std::string out = fmt::format("(span \"{}\"", name);
      auto endpoint = [](const char* what, const SpanEndpoint& e) {
        std::string o = fmt::format(" ({} {}", what, print_probe(e.probe));
        if (e.where) o += " where " + print(*e.where);
        o += " key";
        for (const auto& k : e.keys) o += " " + print(*k);
        return o + ")";
      };
      for (const auto& s : d.starts) out += endpoint("start", s);
      for (const auto& e : d.ends) out += endpoint("end", e);
      if (!d.labels.empty()) out += " (label" + print_keys(d.labels) + ")";
      return out + ")";
    }
    std::string operator()(const EventDef& e) const {
      std::string out = fmt::format("(event {} {}", e.name, print_probe(e.probe));
      if (e.where) out += " where " + print(*e.where);
      return out + ")";
    }
    std::string operator()(const AliasDef& a) const {
      return fmt::format("(alias {} {} {})", print_probe(a.probe), a.name, print(*a.expr));
    }
    std::string operator()(const UseStmt& u) const { return fmt::format("(use \"{}\")", u.path); }
    std::string operator()(const SloStmt& o) const {
      std::string out =
          fmt::format("(slo \"{}\" {}% {}s", o.name, o.objective_text, o.window_seconds);
      if (o.form == SloForm::kBucket)
        out += fmt::format(" (<= {} {})", o.metric, o.threshold.value);
      else if (o.form == SloForm::kRatio)
        out += fmt::format(" (/ {} {})", o.metric, o.total);
      else
        out += " " + o.metric;
      if (o.where) out += " where " + print(*o.where);
      return out + ")";
    }
  };
  return std::visit(Printer{}, s);
}

std::string print(const Program& p) {
  std::string out;
  for (const auto& s : p.statements) out += print(s) + "\n";
  return out;
}

}  // namespace sonde::ast
