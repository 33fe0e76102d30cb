#include "runtime/export/slo_rules.h"

#include <fmt/format.h>

#include <cmath>

#include "runtime/export/numbers.h"

namespace sonde::exporter {
namespace {

uint64_t window_seconds(std::string_view w) {
  const uint64_t n = std::stoull(std::string(w.substr(0, w.size() - 1)));
  switch (w.back()) {
    case 'm':
      return n * 60;
    case 'h':
      return n * 3600;
    case 'd':
      return n * 86400;
    default:
      return n;
  }
}

// A YAML double-quoted scalar: PromQL and templates hold quotes and braces.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string promql_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

std::string selector(const std::string& metric, const std::vector<spec::SloMatcher>& matchers,
                     const std::string& le) {
  std::string out = metric + "{";
  bool first = true;
  auto add = [&](const std::string& label, const char* op, const std::string& value) {
    out += fmt::format("{}{}{}{}", first ? "" : ",", label, op, promql_string(value));
    first = false;
  };
  if (!le.empty()) add("le", "=", le);
  for (const auto& m : matchers)
    add(m.label, m.regex ? (m.equal ? "=~" : "!~") : (m.equal ? "=" : "!="), m.value);
  return out + "}";
}

// 1 - 0.995 printed as 0.005, not 0.0050000000000000044.
std::string budget(double objective) { return fmt::format("{:.12g}", 1 - objective); }

struct Writer {
  std::string out;
  void record(const std::string& name, const std::string& id, const std::string& expr) {
    out += fmt::format("      - record: {}\n        expr: {}\n        labels:\n          slo: {}\n",
                       name, quoted(expr), quoted(id));
  }
};

void slo_group(const spec::Slo& slo, const RulesOptions& options, Writer& w) {
  const std::string id = quoted(slo.id);
  w.out += fmt::format("  # {}: {}\n", slo.origin,
                       slo.source.substr(0, slo.source.find_first_of("\r\n")));
  w.out += fmt::format("  - name: {}\n    rules:\n", quoted("sonde_slo_" + slo.id));
  auto ratio = [&](const std::string& window) {
    return fmt::format("1 - sum(rate({}[{}])) / sum(rate({}[{}]))", good_selector(slo), window,
                       total_selector(slo), window);
  };
  for (const char* window : slo_windows()) {
    w.record(fmt::format("sonde_slo:error_ratio:rate{}", window), slo.id,
             ratio(scaled_duration(window_seconds(window), options.time_scale)));
  }
  w.record("sonde_slo:error_ratio:window", slo.id,
           ratio(scaled_duration(slo.window_seconds, options.time_scale)));
  w.record("sonde_slo:objective", slo.id, fmt::format("vector({:.12g})", slo.objective));
  w.record("sonde_slo:error_budget_remaining", slo.id,
           fmt::format("1 - sonde_slo:error_ratio:window{{slo={}}} / {}", promql_string(slo.id),
                       budget(slo.objective)));
  for (const BurnAlert& a : burn_alerts()) {
    const std::string threshold = fmt::format("({} * {})", a.factor, budget(slo.objective));
    const std::string expr = fmt::format(
        "sonde_slo:error_ratio:rate{}{{slo={}}} > {} and sonde_slo:error_ratio:rate{}{{slo={}}} > "
        "{}",
        a.long_window, promql_string(slo.id), threshold, a.short_window, promql_string(slo.id),
        threshold);
    w.out += fmt::format(
        "      - alert: SondeSloErrorBudgetBurn\n        expr: {}\n        labels:\n"
        "          severity: {}\n          slo: {}\n          long_window: {}\n"
        "        annotations:\n          summary: {}\n          description: {}\n",
        quoted(expr), a.severity, id, quoted(a.long_window),
        quoted(fmt::format("SLO \"{}\" burns its error budget {}x too fast", slo.name, a.factor)),
        quoted(fmt::format("Over {} and {}, more than {}x the {:.12g}% the objective of {:.12g}% "
                           "allows failed: at this rate the {} budget lasts {}. ({}: {})",
                           a.long_window, a.short_window, a.factor, 100 * (1 - slo.objective),
                           100 * slo.objective, scaled_duration(slo.window_seconds, 1),
                           scaled_duration(static_cast<uint64_t>(slo.window_seconds / a.factor), 1),
                           slo.origin, slo.source.substr(0, slo.source.find('\n')))));
  }
}

// The alerts of deploy/sonde-alerts.yml: a probe not running, a map too small.
void operational_group(const RulesOptions& options, Writer& w) {
  const std::string for5m = scaled_duration(300, options.time_scale);
  const std::string w10m = scaled_duration(600, options.time_scale);
  w.out += fmt::format(R"(  - name: "sonde"
    rules:
      - alert: SondeProbeNotAttached
        expr: "sonde_probe_attached == 0"
        for: {}
        annotations:
          summary: "{{{{ $labels.probe }}}} ({{{{ $labels.statement }}}}) is not attached on {{{{ $labels.instance }}}}"
          description: "The agent's log says why; this kernel may lack the probe."
      - alert: SondeMapFull
        expr: "increase(sonde_map_updates_dropped_total[{}]) > 0"
        annotations:
          summary: "{{{{ $labels.metric }}}} on {{{{ $labels.instance }}}} is losing updates: its map is full"
          description: "Raise the statement's `capacity` (or `sonde build --capacity N`) and rebuild the bundle."
      - alert: SondeSpanStartsEvicted
        expr: "increase(sonde_span_starts_evicted_total[{}]) > 0"
        annotations:
          summary: "{{{{ $labels.metric }}}} on {{{{ $labels.instance }}}} loses span starts: latencies are undercounted"
)",
                       for5m, w10m, w10m);
}

}  // namespace

const std::vector<const char*>& slo_windows() {
  static const std::vector<const char*> windows = {"5m", "30m", "1h", "6h", "3d"};
  return windows;
}

const std::vector<BurnAlert>& burn_alerts() {
  static const std::vector<BurnAlert> alerts = {
      {"page", 14.4, "1h", "5m"},
      {"page", 6, "6h", "30m"},
      {"ticket", 1, "3d", "6h"},
  };
  return alerts;
}

std::string scaled_duration(uint64_t seconds, double scale) {
  const auto ms = static_cast<uint64_t>(std::max(1.0, std::round(seconds * 1000.0 * scale)));
  for (auto [unit, size] :
       {std::pair{"d", 86'400'000ull}, {"h", 3'600'000ull}, {"m", 60'000ull}, {"s", 1'000ull}}) {
    if (ms % size == 0) return fmt::format("{}{}", ms / size, unit);
  }
  return fmt::format("{}ms", ms);
}

std::string good_selector(const spec::Slo& slo) {
  std::string le;
  if (slo.bucket) append_number(le, exported_value(static_cast<double>(slo.bound), slo.unit));
  return selector(slo.good_metric, slo.good_matchers, le);
}

std::string total_selector(const spec::Slo& slo) {
  return selector(slo.total_metric, slo.total_matchers, "");
}

std::string prometheus_rules(const std::vector<const spec::Program*>& programs,
                             const RulesOptions& options) {
  Writer w;
  w.out =
      "# Made by `sonde rules`: the error ratio of each SLO over the standard windows,\n"
      "# multiwindow multi-burn-rate alerts, and alerts on sonde's own metrics.\n";
  if (options.time_scale != 1)
    w.out += fmt::format("# Windows scaled by {} (--time-scale): for tests, not production.\n",
                         options.time_scale);
  w.out += "groups:\n";
  for (const spec::Program* p : programs) {
    for (const spec::Slo& slo : p->slos) slo_group(slo, options, w);
  }
  operational_group(options, w);
  return w.out;
}

}  // namespace sonde::exporter
