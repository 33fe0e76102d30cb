// `sonde dashboard`: Grafana's dashboard model (schemaVersion 39), written by hand: a
// row per program with a heatmap and quantiles per histogram, rates of counters by
// their labels, values of gauges, a row per SLO, and a row of sonde's own metrics.
#include <fmt/format.h>

#include <algorithm>

#include "runtime/export/json_lines.h"
#include "runtime/export/slo_rules.h"
#include "runtime/spec/aggregations.h"

namespace sonde::exporter {
namespace {

constexpr int kWidth = 24;  // Grafana's grid is 24 columns wide

std::string json(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

struct Target {
  std::string expr;
  std::string legend;
  bool heatmap = false;
};

class Layout {
 public:
  void row(const std::string& title) {
    next_line();
    add(fmt::format(R"({{"type": "row", "title": {}, "collapsed": false, "panels": [], )"
                    R"("gridPos": {{"h": 1, "w": 24, "x": 0, "y": {}}}, "id": {}}})",
                    json(title), y_, ++id_));
    y_ += 1;
  }

  // A panel `w` columns wide, placed left to right, wrapping at the grid's edge.
  void panel(const std::string& type, const std::string& title, int w, int h,
             const std::vector<Target>& targets, const std::string& extra = "") {
    if (x_ + w > kWidth) next_line();
    std::string t;
    char ref = 'A';
    for (const auto& target : targets) {
      t += fmt::format(R"({}{{"refId": "{}", "expr": {}, "legendFormat": {}{}, )"
                       R"("datasource": {{"type": "prometheus", "uid": "${{datasource}}"}}}})",
                       t.empty() ? "" : ", ", ref++, json(target.expr), json(target.legend),
                       target.heatmap ? R"(, "format": "heatmap")" : "");
    }
    add(fmt::format(R"({{"type": {}, "title": {}, "id": {}, )"
                    R"("datasource": {{"type": "prometheus", "uid": "${{datasource}}"}}, )"
                    R"("gridPos": {{"h": {}, "w": {}, "x": {}, "y": {}}}, "targets": [{}]{}}})",
                    json(type), json(title), ++id_, h, w, x_, y_, t,
                    extra.empty() ? "" : ", " + extra));
    x_ += w;
    line_height_ = std::max(line_height_, h);
  }

  std::string panels() const { return "[\n    " + panels_ + "\n  ]"; }

 private:
  void next_line() {
    if (x_ > 0) y_ += line_height_;
    x_ = 0;
    line_height_ = 0;
  }
  void add(const std::string& p) { panels_ += (panels_.empty() ? "" : ",\n    ") + p; }

  std::string panels_;
  int x_ = 0, y_ = 0, line_height_ = 0, id_ = 0;
};

std::string by(const spec::Metric& m) {
  std::vector<std::string> names;
  for (const auto& l : m.labels) {
    // Stack labels hold whole traces: a legend of them is unreadable.
    if (l.decoder != spec::Decoder::kKstack && l.decoder != spec::Decoder::kUstack)
      names.push_back(l.name);
  }
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string legend(const spec::Metric& m) {
  std::string out;
  for (const auto& l : m.labels) {
    if (l.decoder != spec::Decoder::kKstack && l.decoder != spec::Decoder::kUstack)
      out += (out.empty() ? "" : " ") + fmt::format("{{{{{}}}}}", l.name);
  }
  return out.empty() ? "all" : out;
}

const char* unit_of(const spec::Metric& m, bool rate) {
  if (m.unit == spec::Unit::kNanoseconds) return "s";
  if (m.unit == spec::Unit::kBytes) return rate ? "Bps" : "bytes";
  return rate ? "ops" : "short";
}

void metric_panels(const spec::Metric& m, Layout& layout) {
  const std::string labels = by(m);
  const std::string sum_by = labels.empty() ? "sum" : "sum by (" + labels + ")";
  const std::string unit = fmt::format(
      R"("fieldConfig": {{"defaults": {{"unit": "{}"}}, "overrides": []}})", unit_of(m, false));
  const std::string rate_unit = fmt::format(
      R"("fieldConfig": {{"defaults": {{"unit": "{}"}}, "overrides": []}})", unit_of(m, true));
  switch (spec::family(m)) {
    case spec::Family::kHistogram: {
      // The heatmap shows what a line of quantiles hides: two modes, a tail.
      layout.panel("heatmap", m.name + ": distribution", 12, 8,
                   {{fmt::format("sum by (le) (increase({}_bucket[5m]))", m.name), "{{le}}", true}},
                   R"("options": {"calculate": false, "yAxis": {"unit": ")" +
                       std::string(unit_of(m, false)) +
                       R"("}, "cellGap": 1, "color": {"scheme": "Oranges", "mode": "scheme"}})");
      std::vector<Target> q;
      for (auto [q_value, q_name] : {std::pair{"0.5", "p50"}, {"0.9", "p90"}, {"0.99", "p99"}}) {
        q.push_back({fmt::format("histogram_quantile({}, sum by (le) (rate({}_bucket[5m])))",
                                 q_value, m.name),
                     q_name});
      }
      layout.panel("timeseries", m.name + ": p50, p90, p99", 12, 8, q, unit);
      if (!labels.empty()) {
        layout.panel("timeseries", m.name + ": events per second", 12, 8,
                     {{fmt::format("{} (rate({}_count[5m]))", sum_by, m.name), legend(m)}}, "");
      }
      break;
    }
    case spec::Family::kCounter:
      layout.panel("timeseries", m.name + ": per second", 12, 8,
                   {{fmt::format("{} (rate({}[5m]))", sum_by, m.name), legend(m)}}, rate_unit);
      break;
    case spec::Family::kSummary:
      layout.panel("timeseries", m.name + ": average", 12, 8,
                   {{fmt::format("{} (rate({}_sum[5m])) / {} (rate({}_count[5m]))", sum_by, m.name,
                                 sum_by, m.name),
                     legend(m)}},
                   unit);
      break;
    case spec::Family::kGauge: {
      // The extreme of extremes; the sum of last values.
      std::string op = m.aggregation == spec::Aggregation::kMin   ? "min"
                       : m.aggregation == spec::Aggregation::kMax ? "max"
                                                                  : "sum";
      if (!labels.empty()) op += " by (" + labels + ")";
      layout.panel("timeseries", m.name, 12, 8, {{fmt::format("{} ({})", op, m.name), legend(m)}},
                   unit);
      break;
    }
  }
}

void slo_panels(const spec::Slo& slo, Layout& layout) {
  const std::string budget = fmt::format("{:.12g}", 1 - slo.objective);
  auto ratio = [&](const std::string& window) {
    return fmt::format("sum(rate({}[{}])) / sum(rate({}[{}]))", good_selector(slo), window,
                       total_selector(slo), window);
  };
  const std::string window = scaled_duration(slo.window_seconds, 1);
  layout.row(fmt::format("SLO: {} ({:.12g}% over {})", slo.name, 100 * slo.objective, window));
  const std::string percent =
      R"("fieldConfig": {"defaults": {"unit": "percentunit", "decimals": 3}, "overrides": []})";
  layout.panel("stat", "error budget left", 6, 6,
               {{fmt::format("1 - (1 - ({})) / {}", ratio(window), budget), "budget left"}},
               percent);
  layout.panel("stat", "good events", 6, 6, {{ratio(window), "SLI"}}, percent);
  std::vector<Target> burn;
  for (const char* w : {"5m", "1h", "6h"}) {
    burn.push_back({fmt::format("(1 - ({})) / {}", ratio(w), budget), fmt::format("over {}", w)});
  }
  layout.panel("timeseries", "burn rate (1 spends the budget in exactly the window)", 12, 6, burn,
               R"("fieldConfig": {"defaults": {"unit": "short"}, "overrides": []})");
}

void self_panels(Layout& layout) {
  layout.row("sonde itself");
  layout.panel("timeseries", "probes attached", 8, 6,
               {{"sum by (instance, probe) (sonde_probe_attached)", "{{instance}} {{probe}}"}});
  layout.panel("timeseries", "map fill", 8, 6,
               {{"max by (instance, metric) (sonde_map_entries / sonde_map_capacity)",
                 "{{instance}} {{metric}}"}},
               R"("fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []})");
  layout.panel("timeseries", "updates lost to full maps", 8, 6,
               {{"sum by (instance, metric) (rate(sonde_map_updates_dropped_total[5m]))",
                 "{{instance}} {{metric}}"}});
  layout.panel("timeseries", "CPU in BPF programs", 8, 6,
               {{"sum by (instance) (rate(sonde_program_run_seconds_total[5m]))", "{{instance}}"}},
               R"("fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []})");
  layout.panel("timeseries", "scrape duration", 8, 6,
               {{"max by (instance) (sonde_scrape_duration_seconds)", "{{instance}}"}},
               R"("fieldConfig": {"defaults": {"unit": "s"}, "overrides": []})");
  layout.panel("timeseries", "sonde's CPU", 8, 6,
               {{"sum by (instance) (rate(process_cpu_seconds_total[5m]))", "{{instance}}"}},
               R"("fieldConfig": {"defaults": {"unit": "percentunit"}, "overrides": []})");
}

}  // namespace

std::string grafana_dashboard(const std::vector<const spec::Program*>& programs,
                              const std::string& title) {
  Layout layout;
  for (const spec::Program* p : programs) {
    for (const spec::Slo& slo : p->slos) slo_panels(slo, layout);
  }
  for (const spec::Program* p : programs) {
    layout.row(p->source_names.empty() ? "metrics" : p->source_names.front());
    for (const spec::Metric& m : p->metrics) metric_panels(m, layout);
  }
  self_panels(layout);
  return fmt::format(R"({{
  "title": {},
  "uid": null,
  "description": "Made by `sonde dashboard`",
  "tags": ["sonde"],
  "schemaVersion": 39,
  "version": 1,
  "editable": true,
  "graphTooltip": 1,
  "refresh": "30s",
  "time": {{"from": "now-1h", "to": "now"}},
  "timepicker": {{}},
  "annotations": {{"list": []}},
  "links": [],
  "templating": {{"list": [
    {{"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
     "current": {{}}, "hide": 0, "refresh": 1, "options": []}}
  ]}},
  "panels": {}
}}
)",
                     json(title), layout.panels());
}

}  // namespace sonde::exporter
