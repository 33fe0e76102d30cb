#include "runtime/export/families.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include <prometheus/check_names.h>

#include "runtime/export/names.h"
#include "runtime/export/numbers.h"
#include "runtime/export/utf8.h"

namespace sonde::exporter {

namespace {

using metrics::Family;
using metrics::FamilyType;
using metrics::Series;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricType metric_type(FamilyType type) {
  switch (type) {
    case FamilyType::kCounter:
      return MetricType::Counter;
    case FamilyType::kGauge:
      return MetricType::Gauge;
    case FamilyType::kHistogram:
      return MetricType::Histogram;
    case FamilyType::kSummary:
      return MetricType::Summary;
  }
  return MetricType::Untyped;
}

// The library's check first; sonde's sanitizer only for what it rejects.
std::string metric_name(const std::string& name) {
  return prometheus::CheckMetricName(name) ? name : sanitize_metric_name(name);
}

std::vector<std::string> sample_names(const std::string& name, FamilyType type) {
  if (type == FamilyType::kSummary) return {name, name + "_sum", name + "_count"};
  if (type != FamilyType::kHistogram) return {name};
  return {name, name + "_bucket", name + "_sum", name + "_count"};
}

const std::string& label_value(const Series& series, size_t i) {
  static const std::string kEmpty;
  return i < series.label_values.size() ? series.label_values[i] : kEmpty;
}

// Label values reach the library as valid UTF-8 (it escapes quotes, backslashes and
// newlines itself). A valid value is kept as it is, so an equal cached value means the
// converted label is already right.
void set_label_value(std::string& out, const std::string& raw) {
  if (out == raw && is_valid_utf8(raw)) return;
  out.clear();
  append_utf8_lossy(out, raw);
}

void set_labels(ClientMetric& metric, const std::vector<std::string>& names, const Series& series) {
  if (metric.label.size() != names.size()) {
    metric.label.resize(names.size());
    for (size_t i = 0; i < names.size(); ++i) metric.label[i].name = names[i];
  }
  for (size_t i = 0; i < names.size(); ++i)
    set_label_value(metric.label[i].value, label_value(series, i));
}

void set_histogram(ClientMetric& metric, const Family& family, const Series& series) {
  auto& histogram = metric.histogram;
  histogram.bucket.clear();
  uint64_t cumulative = 0;
  double last_bound = -INFINITY;
  for (const metrics::Bucket& bucket : series.buckets) {
    cumulative += bucket.count;
    const double bound = exported_value(bucket.le, family.unit);
    // Bounds must strictly ascend; a bucket that breaks this (never produced by the
    // runtime) is folded into the next one rather than invalidating the scrape. The
    // library adds +Inf itself.
    if (!std::isfinite(bound) || !(bound > last_bound)) continue;
    last_bound = bound;
    histogram.bucket.push_back({cumulative, bound});
  }
  histogram.sample_count = std::max(series.count, cumulative);
  histogram.sample_sum = exported_value(series.sum, family.unit);
}

void set_value(ClientMetric& metric, const Family& family, const Series& series) {
  switch (family.type) {
    case FamilyType::kCounter:
      metric.counter.value = exported_value(series.value, family.unit);
      break;
    case FamilyType::kGauge:
      metric.gauge.value = exported_value(series.value, family.unit);
      break;
    case FamilyType::kHistogram:
      set_histogram(metric, family, series);
      break;
    case FamilyType::kSummary:
      // No quantiles: `_sum` and `_count` let PromQL average over any window.
      metric.summary.sample_count = series.count;
      metric.summary.sample_sum = exported_value(series.sum, family.unit);
      break;
  }
}

}  // namespace

std::string escape_help(std::string_view help) {
  std::string valid;
  append_utf8_lossy(valid, help);
  std::string out;
  out.reserve(valid.size());
  for (char c : valid) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

const std::vector<MetricFamily>& FamilyBuilder::build(const metrics::Snapshot& snapshot) {
  left_out_.clear();
  std::unordered_set<std::string> taken;
  size_t kept = 0;
  for (const Family& family : snapshot.families) {
    const std::string name = metric_name(family.name);
    const std::vector<std::string> samples = sample_names(name, family.type);
    if (std::any_of(samples.begin(), samples.end(),
                    [&](const std::string& s) { return taken.count(s) > 0; })) {
      left_out_.push_back(name);
      continue;
    }
    taken.insert(samples.begin(), samples.end());

    if (kept == families_.size()) {
      families_.emplace_back();
      cached_.emplace_back();
    }
    MetricFamily& out = families_[kept];
    Cached& cached = cached_[kept];
    ++kept;
    const std::vector<std::string> label_names = export_label_names(family);
    if (out.name != name || cached.type != family.type || cached.label_names != label_names) {
      out.metric.clear();  // another family than last time at this place
      cached.label_names = label_names;
      cached.type = family.type;
    }
    out.name = name;
    const std::string& help = !family.help.empty()     ? family.help
                              : !family.source.empty() ? family.source
                                                       : family.name;
    out.help = escape_help(help);
    out.type = metric_type(family.type);
    out.metric.resize(family.series.size());
    for (size_t i = 0; i < family.series.size(); ++i) {
      set_labels(out.metric[i], label_names, family.series[i]);
      set_value(out.metric[i], family, family.series[i]);
    }
  }
  families_.resize(kept);
  cached_.resize(kept);
  return families_;
}

}  // namespace sonde::exporter
