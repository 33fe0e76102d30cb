// Rendering cost at scale: the Prometheus exposition (sonde's writer, first and warm,
// and gzip as /metrics does it, each on its own), JSON lines and the terminal table for 100k
// counter series, and Prometheus text for 1000 wide histograms. Prints figures (best of
// 7); exits 1 only if the output is not what it must be.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include <zlib.h>

#include "runtime/export/exposition.h"
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

// gzip as /metrics does it (level 1, one pass).
size_t gzip_size(std::string_view in) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, in.size()), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  const size_t size = zs.total_out;
  deflateEnd(&zs);
  return size;
}

bool counters() {
  const metrics::Snapshot snapshot = many_counters(100'000);
  std::string out;
  // The /metrics path, piece by piece: the text of a first scrape (a fresh writer), of a
  // warm one (the writer and buffer of the last), its gzip.
  TextBuffer buffer;
  const double write_cold = best_ms([&] {
    ExpositionWriter cold;
    buffer.clear();
    cold.write(snapshot, buffer);
  });
  ExpositionWriter writer;
  writer.write(snapshot, buffer);
  const double write_warm = best_ms([&] {
    buffer.clear();
    writer.write(snapshot, buffer);
  });
  const std::string_view text = buffer.view();
  const size_t prometheus_bytes = text.size();
  if (std::count(text.begin(), text.end(), '\n') != 100'002) return false;
  size_t gzipped = 0;
  const double gzip = best_ms([&] { gzipped = gzip_size(text); });
  const double json = best_ms([&] {
    out.clear();
    append_json_lines(snapshot, 1700000000, out);
  });
  const double terminal = best_ms([&] {
    out.clear();
    append_terminal_text(snapshot, {}, out);
  });
  std::printf(
      "render: 100k counter series, 2 labels: prometheus text %.2f ms (first) %.2f ms (warm, "
      "%zu bytes), gzip %.2f ms (%zu bytes); json %.2f ms, terminal top-20 %.2f ms (best of "
      "7)\n",
      write_cold, write_warm, prometheus_bytes, gzip, gzipped, json, terminal);
  return true;
}

bool histograms() {
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
  if (std::count(out.begin(), out.end(), '\n') != 2 + 1000 * 69) return false;
  std::printf("render: 1000 log2 histograms (66 buckets): prometheus %.2f ms (%zu bytes)\n", ms,
              out.size());
  return true;
}

}  // namespace
}  // namespace sonde::exporter

int main() {
  if (!sonde::exporter::counters() || !sonde::exporter::histograms()) {
    std::fprintf(stderr, "render_bench: unexpected output\n");
    return 1;
  }
  return 0;
}
