// The aggregations: one row each, read by the parser (keywords), sema (values, windows,
// metric names and help), lowering (value layouts and updates) and the runtime (metric
// family types). A new aggregation is a row here, its spec::Aggregation, its value layout
// and update in stdlib/bpf/sonde/ (values.h, runtime.h) and how runtime/metrics reads it.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "runtime/spec/program.h"

namespace sonde::spec {

// How a metric is exposed (Prometheus metric types). kSummary: `_sum` and `_count`
// only, no quantiles.
enum class Family : uint8_t { kCounter, kGauge, kHistogram, kSummary };

struct AggregationInfo {
  const char* keyword;  // as written in programs: "count"
  Aggregation aggregation;
  bool takes_value;  // false: it counts events (`count`, `count latency of ...`)
  // The per-CPU value in the map (stdlib/bpf/sonde/values.h): its C type and size. A
  // bucketed value is this head followed by one __u64 per bucket.
  const char* value_c_type;
  uint32_t value_size;
  bool bucketed;
  bool windowed;  // kept over windows of time (Metric::window_ns)
  // The C statement that adds `x` to the value `v`. Named arguments: {now} (ns),
  // {window} (ns), {buckets} (bucket count), {slot} (the bucket of x).
  const char* update;
  // The family of its metric, and of a metric whose values can be negative (a sum that
  // can go down is a gauge: Prometheus would read a counter that went down as a restart).
  Family family;
  Family signed_family;
  bool keyword_in_name;  // the default metric name ends with "_KEYWORD" ("..._max")
  // Help texts: {what} is the probe or "latency of SPAN", {span} the span's name, {window}
  // and {window2} one and two windows. `signed_help` for values that can be negative and
  // `span_help` for span statements, when they differ.
  const char* help;
  const char* signed_help;
  const char* span_help;
  const char* no_value_hint;  // !takes_value: the hint when a value is given anyway
};

std::span<const AggregationInfo> aggregations();
// The row of `a`; every Aggregation has one.
const AggregationInfo& aggregation_info(Aggregation a);
const AggregationInfo* find_aggregation(std::string_view keyword);
// Whether `a` is a known value (bundles from elsewhere are checked with it).
bool known_aggregation(Aggregation a);

// The family of metric `m`'s values.
Family family(const Metric& m);

}  // namespace sonde::spec
