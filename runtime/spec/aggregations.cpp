#include "runtime/spec/aggregations.h"

#include "stdlib/bpf/sonde/values.h"

namespace sonde::spec {
namespace {

constexpr AggregationInfo kAggregations[] = {
    {"count", Aggregation::kCount, false, "__u64", sizeof(__u64), false, false, "sonde_count(v);",
     Family::kCounter, Family::kCounter, false, "Events of {what}", "", "Completed {span}",
     "count counts events; to add up a value use 'sum VALUE', to count per value use 'count by "
     "VALUE'"},
    {"sum", Aggregation::kSum, true, "__s64", sizeof(__s64), false, false, "sonde_sum(v, x);",
     Family::kCounter, Family::kGauge, false, "Sum over {what}",
     "Sum over {what}; a gauge, since the values can be negative: use delta(), not rate()", "", ""},
    {"min", Aggregation::kMin, true, "struct sonde_minmax", sizeof(sonde_minmax), false, true,
     "sonde_min(v, x, {now} / {window}ULL);", Family::kGauge, Family::kGauge, true,
     "Minimum of {what} over the last {window} to {window2} (the current {window} window and "
     "the one before)",
     "", "", ""},
    {"max", Aggregation::kMax, true, "struct sonde_minmax", sizeof(sonde_minmax), false, true,
     "sonde_max(v, x, {now} / {window}ULL);", Family::kGauge, Family::kGauge, true,
     "Maximum of {what} over the last {window} to {window2} (the current {window} window and "
     "the one before)",
     "", "", ""},
    {"avg", Aggregation::kAvg, true, "struct sonde_avg", sizeof(sonde_avg), false, false,
     "sonde_avg(v, x);", Family::kSummary, Family::kSummary, false,
     "Average over {what}: rate(_sum[W]) / rate(_count[W])",
     "Average over {what}: delta(_sum[W]) / increase(_count[W]) (the values can be negative, "
     "so _sum can go down)",
     "", ""},
    {"gauge", Aggregation::kGauge, true, "struct sonde_gauge", sizeof(sonde_gauge), false, false,
     "sonde_gauge(v, x);", Family::kGauge, Family::kGauge, false, "Last value of {what}", "", "",
     ""},
    {"histogram", Aggregation::kHistogram, true, "struct sonde_hist_head", sizeof(sonde_hist_head),
     true, false, "sonde_hist(&v->head, v->buckets, {buckets}, {slot}, x);", Family::kHistogram,
     Family::kHistogram, false, "Histogram of {what}", "", "", ""},
};

}  // namespace

std::span<const AggregationInfo> aggregations() { return kAggregations; }

const AggregationInfo* find_aggregation(std::string_view keyword) {
  for (const auto& a : kAggregations) {
    if (keyword == a.keyword) return &a;
  }
  return nullptr;
}

bool known_aggregation(Aggregation a) {
  for (const auto& row : kAggregations) {
    if (row.aggregation == a) return true;
  }
  return false;
}

const AggregationInfo& aggregation_info(Aggregation a) {
  for (const auto& row : kAggregations) {
    if (row.aggregation == a) return row;
  }
  return kAggregations[0];  // unreachable for a known value: bundles are checked on decoding
}

Family family(const Metric& m) {
  const AggregationInfo& a = aggregation_info(m.aggregation);
  return m.value_signed ? a.signed_family : a.family;
}

}  // namespace sonde::spec
