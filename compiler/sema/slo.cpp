#include "compiler/sema/slo.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <set>

#include "compiler/sema/naming.h"
#include "compiler/sema/verdict.h"
#include "runtime/spec/aggregations.h"
#include "support/text.h"

namespace sonde::sema {
namespace {

using ast::Expr;
using ast::ExprKind;

// "10ms", "4096": a bound as the language writes it.
std::string bound_text(int64_t v, spec::Unit unit) {
  if (unit != spec::Unit::kNanoseconds || v == 0) return std::to_string(v);
  if (v % 1'000'000'000 == 0) return fmt::format("{}s", v / 1'000'000'000);
  if (v % 1'000'000 == 0) return fmt::format("{}ms", v / 1'000'000);
  if (v % 1'000 == 0) return fmt::format("{}us", v / 1'000);
  return fmt::format("{}ns", v);
}

// The name without the suffixes sema adds: `read_slo_seconds` is also `read_slo`.
std::string base_name(const std::string& name) {
  std::string out = name;
  for (const char* suffix : {"_total", "_seconds"}) {
    if (out.ends_with(suffix)) out.resize(out.size() - std::string(suffix).size());
  }
  return out;
}

// A regular expression matching the decimal texts of the integers at most `n` (n >= -1),
// as sonde writes a number label (no leading zeros, '-' for negatives). Prometheus
// anchors label regexes: `status=~"..."` matches the whole value.
std::string at_most_regex(int64_t n) {
  std::vector<std::string> alt;
  alt.push_back("-[1-9][0-9]*");  // every negative number
  if (n < 0) return alt.front();
  const std::string d = std::to_string(n);
  const size_t k = d.size();
  // Shorter numbers: all of them.
  if (k > 1) alt.push_back("[0-9]");
  if (k > 2) alt.push_back("[1-9][0-9]");
  for (size_t len = 3; len < k; ++len) alt.push_back(fmt::format("[1-9][0-9]{{{}}}", len - 1));
  // As long: the same first i digits, then a smaller one, then any.
  for (size_t i = 0; i < k; ++i) {
    const char low = i == 0 && k > 1 ? '1' : '0';
    if (d[i] <= low) continue;
    std::string a = d.substr(0, i);
    a += d[i] - 1 == low ? std::string(1, low) : fmt::format("[{}-{}]", low, char(d[i] - 1));
    if (k - i - 1 == 1) a += "[0-9]";
    if (k - i - 1 > 1) a += fmt::format("[0-9]{{{}}}", k - i - 1);
    alt.push_back(a);
  }
  alt.push_back(d);
  return join(alt, "|");
}

class SloChecker {
 public:
  SloChecker(const CheckedProgram& metrics, const ast::SourceManager& sources,
             ast::Diagnostics& diags)
      : metrics_(metrics), sources_(sources), diags_(diags) {}

  Verdict check(const ast::SloStmt& o, spec::Slo& out) {
    out.name = o.name;
    out.id = sanitize_name(o.name);
    out.objective = o.objective;
    out.window_seconds = o.window_seconds;
    out.source = std::string(sources_.text(o.range));
    out.origin = sources_.location(o.range);
    Checked<const CheckedStatement*> found = find(o.metric, o.metric_range);
    if (!found) return found.verdict();
    const CheckedStatement* metric = *found;
    switch (o.form) {
      case ast::SloForm::kBucket:
        return bucket(o, *metric, out);
      case ast::SloForm::kFiltered:
        if (Verdict v = counter(*metric, o.metric_range); !v) return v;
        out.good_metric = out.total_metric = metric->metric_name;
        return matchers(*o.where, {metric}, out.good_matchers);
      case ast::SloForm::kRatio: {
        Checked<const CheckedStatement*> found_total = find(o.total, o.total_range);
        if (!found_total) return found_total.verdict();
        const CheckedStatement* total = *found_total;
        if (Verdict v = counter(*metric, o.metric_range); !v) return v;
        if (Verdict v = counter(*total, o.total_range); !v) return v;
        out.good_metric = metric->metric_name;
        out.total_metric = total->metric_name;
        if (o.where) {
          if (Verdict v = matchers(*o.where, {metric, total}, out.good_matchers); !v) return v;
        }
        out.total_matchers = out.good_matchers;
        return accepted();
      }
    }
    return diags_.reject(o.range, "sonde cannot check this form of SLO (a bug in sonde)");
  }

 private:
  Checked<const CheckedStatement*> find(const std::string& name, ast::SourceRange range) {
    std::vector<std::string> names;
    for (const auto& s : metrics_.statements) {
      if (s.metric_name == name || base_name(s.metric_name) == name ||
          (!s.stmt->name.empty() && s.stmt->name == name))
        return &s;
      names.push_back(base_name(s.metric_name));
    }
    return diags_.reject(
        range, fmt::format("no metric of this program is named '{}'", name),
        names.empty()
            ? "an SLO is stated over a metric the program measures: add its "
              "statement, or `use` the file that has it"
            : "the program's metrics are " + join(names, ", ") + did_you_mean(name, names));
  }

  Verdict counter(const CheckedStatement& s, ast::SourceRange range) {
    const spec::AggregationInfo& a = spec::aggregation_info(s.aggregation);
    if ((s.value_signed ? a.signed_family : a.family) == spec::Family::kCounter) return accepted();
    return diags_.reject(
        range, fmt::format("'{}' is not a counter: an SLO counts events", s.metric_name),
        "state it over a `count` (or a never negative `sum`), or over a histogram's "
        "bucket: METRIC <= BOUND");
  }

  Verdict bucket(const ast::SloStmt& o, const CheckedStatement& s, spec::Slo& out) {
    if (s.aggregation != spec::Aggregation::kHistogram) {
      return diags_.reject(
          o.metric_range,
          fmt::format("'{}' is not a histogram, so '<=' has no bucket to count", s.metric_name),
          "compare a histogram with one of its bounds, or use a counter: "
          "COUNTER where LABEL == \"value\"");
    }
    const ast::SchemeNumber& t = o.threshold;
    const bool duration = s.unit == spec::Unit::kNanoseconds;
    if (t.unit != ast::NumberUnit::kNone && (t.unit == ast::NumberUnit::kDuration) != duration) {
      return diags_.reject(t.range,
                           fmt::format("{} is a {}, but '{}' measures {}", sources_.text(t.range),
                                       t.unit == ast::NumberUnit::kDuration ? "duration" : "size",
                                       s.metric_name, duration ? "durations" : "sizes or numbers"),
                           "the threshold is one of the histogram's bounds");
    }
    std::vector<std::string> bounds;
    bool found = false;
    for (int64_t b : s.buckets.bounds) {
      found |= b == t.value;
      bounds.push_back(bound_text(b, s.unit));
    }
    if (!found) {
      return diags_.reject(
          t.range,
          fmt::format("{} is not a bucket bound of '{}', so no series counts the "
                      "events at or below it",
                      sources_.text(t.range), s.metric_name),
          fmt::format("its bounds are {}; give the histogram this bound: histogram "
                      "buckets(..., {}, ...)",
                      join(bounds, ", "), bound_text(t.value, s.unit)));
    }
    out.bucket = true;
    out.bound = t.value;
    out.unit = s.unit;
    out.good_metric = s.metric_name + "_bucket";
    out.total_metric = s.metric_name + "_count";
    if (o.where) {
      if (Verdict v = matchers(*o.where, {&s}, out.good_matchers); !v) return v;
    }
    out.total_matchers = out.good_matchers;
    return accepted();
  }

  // `LABEL == "value" && LABEL != 3 && LABEL < 500 ...`: what a Prometheus selector can
  // say; an order comparison of a number label becomes a regex of the decimal texts.
  Verdict matchers(const Expr& e, const std::vector<const CheckedStatement*>& of,
                   std::vector<spec::SloMatcher>& out) {
    if (e.kind == ExprKind::kBinary && e.op == ast::Op::kAnd) {
      if (Verdict v = matchers(*e.args[0], of, out); !v) return v;
      return matchers(*e.args[1], of, out);
    }
    const bool order =
        e.kind == ExprKind::kBinary && (e.op == ast::Op::kLt || e.op == ast::Op::kLe ||
                                        e.op == ast::Op::kGt || e.op == ast::Op::kGe);
    const bool comparison =
        e.kind == ExprKind::kBinary && (e.op == ast::Op::kEq || e.op == ast::Op::kNe || order);
    if (!comparison || e.args[0]->kind != ExprKind::kName ||
        (e.args[1]->kind != ExprKind::kString && e.args[1]->kind != ExprKind::kNumber) ||
        (order && e.args[1]->kind != ExprKind::kNumber)) {
      return diags_.reject(
          e.range,
          "an SLO selects series by their labels: LABEL == VALUE, LABEL != VALUE, or a "
          "number label compared with <, <=, >, >= to a number",
          "join them with '&&'; the labels are those of the metric's 'by'");
    }
    const Expr& name = *e.args[0];
    for (const CheckedStatement* s : of) {
      std::vector<std::string> labels;
      for (const auto& l : s->labels) labels.push_back(l.name);
      if (std::find(labels.begin(), labels.end(), name.text) == labels.end()) {
        return diags_.reject(
            name.range, fmt::format("'{}' has no label '{}'", s->metric_name, name.text),
            labels.empty()
                ? std::string("it has no labels: add `by " + name.text + "`")
                : "its labels are " + join(labels, ", ") + did_you_mean(name.text, labels));
      }
    }
    const Expr& value = *e.args[1];
    if (order) return order_matcher(e, of, out);
    out.push_back({name.text, e.op == ast::Op::kEq, false,
                   value.kind == ExprKind::kString ? value.text : std::to_string(value.number)});
    return accepted();
  }

  // LABEL < N, <= N: the texts of the numbers at most N (or N - 1); > N, >= N: not those.
  Verdict order_matcher(const Expr& e, const std::vector<const CheckedStatement*>& of,
                        std::vector<spec::SloMatcher>& out) {
    const Expr& name = *e.args[0];
    const Expr& value = *e.args[1];
    for (const CheckedStatement* s : of) {
      for (const auto& l : s->labels) {
        if (l.name != name.text) continue;
        const bool number = l.type.kind == ast::TypeKind::kInt && !l.type.symbols &&
                            (l.type.decoder == spec::Decoder::kUnsigned ||
                             l.type.decoder == spec::Decoder::kSigned);
        if (!number) {
          return diags_.reject(
              e.range,
              fmt::format("'{}' of '{}' is not shown as a number: {} compares numbers", name.text,
                          s->metric_name, ast::op_spelling(e.op)),
              fmt::format("select its values with ==, e.g. {} == \"...\"", name.text));
        }
      }
    }
    // A literal is non-negative here (a minus sign makes it an expression).
    if (value.number > static_cast<uint64_t>(INT64_MAX)) {
      return diags_.reject(value.range, "the number is too large for a label comparison");
    }
    const int64_t n = static_cast<int64_t>(value.number);
    const bool below = e.op == ast::Op::kLt || e.op == ast::Op::kLe;
    const bool strict = e.op == ast::Op::kLt || e.op == ast::Op::kGe;  // x < n is x <= n - 1
    out.push_back({name.text, below, true, at_most_regex(strict ? n - 1 : n)});
    return accepted();
  }

  const CheckedProgram& metrics_;
  const ast::SourceManager& sources_;
  ast::Diagnostics& diags_;
};

}  // namespace

std::vector<spec::Slo> check_slos(const ast::Program& program, const CheckedProgram& metrics,
                                  const ast::SourceManager& sources, ast::Diagnostics& diags) {
  std::vector<spec::Slo> out;
  std::set<std::string> ids;
  for (const auto& statement : program.statements) {
    const auto* o = std::get_if<ast::SloStmt>(&statement);
    if (!o) continue;
    spec::Slo slo;
    if (!SloChecker(metrics, sources, diags).check(*o, slo)) continue;  // said why
    if (!ids.insert(slo.id).second) {
      diags.error(o->name_range, fmt::format("another SLO is also named '{}'", slo.id),
                  "the rules tell SLOs apart by name: give each its own");
      continue;
    }
    out.push_back(std::move(slo));
  }
  return out;
}

}  // namespace sonde::sema
