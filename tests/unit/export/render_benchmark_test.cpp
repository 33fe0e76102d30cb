// Rendering cost at scale. Prints figures; asserts only what the output must be.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "runtime/export/json_lines.h"
#include "runtime/export/prometheus_text.h"
#include "runtime/export/terminal.h"
#include "tests/unit/export/test_snapshots.h"

namespace sonde::exporter {
namespace {

metrics::Snapshot many_counters(size_t series) {
  std::vector<metrics::Series> all;
  all.reserve(series);
  for (size_t i = 0; i < series; ++i) {
    all.push_back(testing::value_series(
        {fmt::format("process-{}", i), fmt::format("cpu{}", i % 64)}, static_cast<double>(i * 7)));
  }
  metrics::Snapshot snapshot;
  snapshot.families.push_back(testing::counter("events_total", {"comm", "cpu"}, std::move(all)));
  return snapshot;
}

template <typename Render>
double best_ms(Render render, int runs = 7) {
  double best = 1e9;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    render();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

TEST(RenderBenchmark, HundredThousandCounterSeries) {
  const metrics::Snapshot snapshot = many_counters(100'000);
  std::string out;
  const double prometheus = best_ms([&] {
    out.clear();  // capacity kept, as at every scrape
    append_prometheus_text(snapshot, out);
  });
  const size_t prometheus_bytes = out.size();
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 100'002);
  EXPECT_NE(out.find("\nevents_total{comm=\"process-99999\",cpu=\"cpu31\"} 699993\n"),
            std::string::npos);

  const double json = best_ms([&] {
    out.clear();
    append_json_lines(snapshot, 1700000000, out);
  });
  const double terminal = best_ms([&] {
    out.clear();
    append_terminal_text(snapshot, {}, out);
  });
  std::printf(
      "[ figures  ] 100k counter series, 2 labels: prometheus %.2f ms (%zu bytes), "
      "json %.2f ms, terminal top-20 %.2f ms (best of 7)\n",
      prometheus, prometheus_bytes, json, terminal);
  RecordProperty("prometheus_ms", fmt::format("{:.2f}", prometheus));
}

TEST(RenderBenchmark, WideHistograms) {
  std::vector<metrics::Series> all;
  for (int i = 0; i < 1000; ++i) {
    std::vector<uint64_t> counts(66);
    for (size_t k = 0; k < counts.size(); ++k) counts[k] = k * static_cast<uint64_t>(i);
    all.push_back(testing::histogram_series({fmt::format("comm-{}", i)}, testing::log2_bounds(66),
                                            counts, 1, 12345));
  }
  metrics::Snapshot snapshot;
  snapshot.families.push_back(
      testing::histogram("lat_seconds", spec::Unit::kNanoseconds, {"comm"}, std::move(all)));
  std::string out;
  const double ms = best_ms([&] {
    out.clear();
    append_prometheus_text(snapshot, out);
  });
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 2 + 1000 * 69);
  std::printf("[ figures  ] 1000 log2 histograms (66 buckets): prometheus %.2f ms (%zu bytes)\n",
              ms, out.size());
}

}  // namespace
}  // namespace sonde::exporter
