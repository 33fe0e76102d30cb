#include "tests/unit/export/test_snapshots.h"

#include <cmath>
#include <utility>

namespace sonde::exporter::testing {

namespace {

metrics::Family family(std::string name, metrics::FamilyType type,
                       std::vector<std::string> label_names, std::vector<metrics::Series> series) {
  metrics::Family f;
  f.help = "Help for " + name;
  f.name = std::move(name);
  f.type = type;
  f.label_names = std::move(label_names);
  f.series = std::move(series);
  return f;
}

}  // namespace

metrics::Family counter(std::string name, std::vector<std::string> label_names,
                        std::vector<metrics::Series> series) {
  return family(std::move(name), metrics::FamilyType::kCounter, std::move(label_names),
                std::move(series));
}

metrics::Family gauge(std::string name, std::vector<std::string> label_names,
                      std::vector<metrics::Series> series) {
  metrics::Family f = family(std::move(name), metrics::FamilyType::kGauge, std::move(label_names),
                             std::move(series));
  f.aggregation = spec::Aggregation::kGauge;
  return f;
}

metrics::Family histogram(std::string name, spec::Unit unit, std::vector<std::string> label_names,
                          std::vector<metrics::Series> series) {
  metrics::Family f = family(std::move(name), metrics::FamilyType::kHistogram,
                             std::move(label_names), std::move(series));
  f.unit = unit;
  f.aggregation = spec::Aggregation::kHistogram;
  f.buckets = spec::BucketScheme::kLog2;
  return f;
}

metrics::Family summary(std::string name, spec::Unit unit, std::vector<std::string> label_names,
                        std::vector<metrics::Series> series) {
  metrics::Family f = family(std::move(name), metrics::FamilyType::kSummary, std::move(label_names),
                             std::move(series));
  f.unit = unit;
  f.aggregation = spec::Aggregation::kAvg;
  return f;
}

metrics::Series summary_series(std::vector<std::string> labels, uint64_t count, double sum) {
  metrics::Series s;
  s.label_values = std::move(labels);
  s.count = count;
  s.sum = sum;
  s.value = count ? sum / static_cast<double>(count) : std::nan("");
  return s;
}

metrics::Series value_series(std::vector<std::string> labels, double value) {
  metrics::Series s;
  s.label_values = std::move(labels);
  s.value = value;
  return s;
}

metrics::Series histogram_series(std::vector<std::string> labels, std::vector<double> bounds,
                                 std::vector<uint64_t> counts, uint64_t above, double sum) {
  metrics::Series s;
  s.label_values = std::move(labels);
  s.count = above;
  for (size_t i = 0; i < bounds.size(); ++i) {
    const uint64_t count = i < counts.size() ? counts[i] : 0;
    s.buckets.push_back({bounds[i], count});
    s.count += count;
  }
  s.sum = sum;
  return s;
}

std::vector<double> log2_bounds(size_t slots) {
  std::vector<double> bounds{0};
  for (size_t k = 1; k < slots; ++k) bounds.push_back(std::ldexp(1.0, static_cast<int>(k) - 1));
  return bounds;
}

metrics::Snapshot varied_snapshot() {
  metrics::Snapshot snapshot;
  metrics::Family timers = counter("timer_start_total", {"func", "comm"},
                                   {value_series({"tick_sched_timer", "swapper/0"}, 1234),
                                    value_series({"quote\"back\\slash", "new\nline"}, 17),
                                    value_series({"\xff\xfe invalid utf-8", "caf\xc3\xa9"}, 3),
                                    value_series({"", "empty func"}, 1)});
  timers.help = "Timer starts by function\nsecond line with a \\ backslash";
  timers.source = "on tracepoint:timer:timer_start count by ksym(func), comm";
  snapshot.families.push_back(timers);

  snapshot.families.push_back(
      gauge("run_queue_length", {"cpu"},
            {value_series({"0"}, 3), value_series({"1"}, -2.5), value_series({"2"}, 1e-300)}));
  snapshot.families.push_back(gauge("temperature", {}, {value_series({}, 36.6)}));

  metrics::Family latency =
      histogram("block_rq_latency_seconds", spec::Unit::kNanoseconds, {"disk", "op"},
                {histogram_series({"vda", "read"}, log2_bounds(34),
                                  {0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 40, 7}, 2, 123456789),
                 histogram_series({"vdb", "write"}, log2_bounds(34), {}, 0, 0)});
  latency.source = "histogram log2 latency of block rq by disk, op";
  snapshot.families.push_back(latency);

  snapshot.families.push_back(
      histogram("io_size_bytes", spec::Unit::kBytes, {},
                {histogram_series({}, {0, 65536, 131072, 196608}, {1, 5, 0, 2}, 1, 700000)}));

  snapshot.families.push_back(
      summary("read_latency_seconds", spec::Unit::kNanoseconds, {"comm", "quantile"},
              {summary_series({"nginx", "q"}, 4, 6000), summary_series({"idle", "q"}, 0, 0)}));

  metrics::Family busy =
      counter("cpu_busy_seconds_total", {"comm"}, {value_series({"nginx"}, 1.5e9)});
  busy.unit = spec::Unit::kNanoseconds;
  busy.aggregation = spec::Aggregation::kSum;
  snapshot.families.push_back(busy);

  snapshot.families.push_back(counter("oom_kills_total", {"comm"}, {}));
  metrics::Family odd = counter("9odd-name.total", {"my label", "my-label", "0x"},
                                {value_series({"a", "b", "c"}, 1)});
  snapshot.families.push_back(odd);
  return snapshot;
}

}  // namespace sonde::exporter::testing
