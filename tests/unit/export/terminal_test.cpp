#include "runtime/export/terminal.h"

#include <gtest/gtest.h>

#include "tests/unit/export/test_snapshots.h"

namespace sonde::exporter {
namespace {

using testing::counter;
using testing::gauge;
using testing::histogram;
using testing::histogram_series;
using testing::log2_bounds;
using testing::value_series;

std::string render(metrics::Family family, TerminalOptions options = {}) {
  metrics::Snapshot snapshot;
  snapshot.families.push_back(std::move(family));
  std::string out;
  append_terminal_text(snapshot, options, out);
  return out;
}

TEST(Terminal, TableSortedByValueAndCapped) {
  metrics::Family family =
      counter("syscalls_total", {"syscall", "comm"},
              {value_series({"read", "nginx"}, 120), value_series({"write", "nginx"}, 300),
               value_series({"openat", "bash"}, 5), value_series({"futex", "java"}, 120)});
  family.source = "on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm";
  EXPECT_EQ(render(family, {.top = 3}),
            "syscalls_total: on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm\n"
            "  syscall  comm   value\n"
            "  write    nginx    300\n"
            "  futex    java     120\n"
            "  read     nginx    120\n"
            "  ... and 1 more\n"
            "\n");
}

std::string render_with(metrics::Family family, View view, double seconds) {
  metrics::Snapshot snapshot;
  snapshot.interval = metrics::Interval{0, seconds, seconds, false, false};
  snapshot.families.push_back(std::move(family));
  std::string out;
  append_terminal_text(snapshot, {.view = view}, out);
  return out;
}

// An interval view shows what changed, by its increase, beside the total.
TEST(Terminal, IntervalShowsIncreasesBesideTotalsAndLeavesOutTheUnchanged) {
  metrics::Family family = counter(
      "calls_total", {"comm"},
      {value_series({"nginx"}, 300), value_series({"bash"}, 5), value_series({"java"}, 90)});
  family.increases = {{.value = 20, .changed = true}, {.value = 0}, {.value = 40, .changed = true}};
  EXPECT_EQ(render_with(family, View::kInterval, 5),
            "calls_total\n"
            "  comm   interval  total\n"
            "  java         40     90\n"
            "  nginx        20    300\n"
            "  (1 series unchanged in this interval not shown)\n"
            "\n");
  for (auto& i : family.increases) i = {};
  EXPECT_EQ(render_with(family, View::kInterval, 5),
            "calls_total\n"
            "  (no change in this interval; 3 series in total)\n"
            "\n");
}

// A rate view: the total beside its increase per second.
TEST(Terminal, RatesAreIncreasesPerSecond) {
  metrics::Family family = counter("calls_total", {}, {value_series({}, 300)});
  family.increases = {{.value = 25, .changed = true}};
  EXPECT_EQ(render_with(family, View::kRate, 2),
            "calls_total\n"
            "  value  rate/s\n"
            "    300    12.5\n"
            "\n");
}

TEST(Terminal, DroppedUpdatesWarnAndBytesAreHumanized) {
  metrics::Family family = counter("read_bytes_total", {}, {value_series({}, 1536)});
  family.unit = spec::Unit::kBytes;
  family.source = "on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret as read_bytes";
  family.dropped = 1234;
  family.capacity = 10240;
  EXPECT_EQ(render(family),
            "read_bytes_total: on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret as "
            "read_bytes\n"
            "WARNING: 1234 updates found the map full (capacity 10240): counted under "
            "__overflow__; raise it with `capacity N`\n"
            "   value\n"
            "  1.5KiB\n"
            "\n");
}

TEST(Terminal, AverageWithItsCount) {
  metrics::Family family = testing::summary(
      "read_latency_seconds", spec::Unit::kNanoseconds, {"comm"},
      {testing::summary_series({"nginx"}, 4, 6000), testing::summary_series({"idle"}, 0, 0),
       testing::summary_series({"bash"}, 1, 2'500'000)});
  family.source = "avg latency of syscall read by comm";
  EXPECT_EQ(render(family),
            "read_latency_seconds: avg latency of syscall read by comm\n"
            "  comm     avg  count\n"
            "  bash   2.5ms      1\n"
            "  nginx  1.5us      4\n"
            "  idle       -      0\n"
            "\n");
}

TEST(Terminal, EvictedSpanStartsAndMissedEventsWarn) {
  metrics::Family family = counter("leak_total", {}, {value_series({}, 3)});
  family.source = "count latency of leak";
  family.span_evicted = 19760;
  family.span_capacity = 10240;
  family.missed = 7;
  EXPECT_EQ(render(family),
            "leak_total: count latency of leak\n"
            "WARNING: 19760 span starts evicted: more than 10240 in flight at once; their ends "
            "were not measured\n"
            "WARNING: 7 events missed: the kernel skipped this probe while another BPF program "
            "ran on the same CPU\n"
            "  value\n"
            "      3\n"
            "\n");
}

TEST(Terminal, EmptyFamily) {
  metrics::Family family = counter("oom_kills_total", {"comm"}, {});
  family.source = "on tracepoint:oom:mark_victim count by comm";
  EXPECT_EQ(render(family),
            "oom_kills_total: on tracepoint:oom:mark_victim count by comm\n"
            "  (no events yet)\n"
            "\n");
}

TEST(Terminal, ControlCharactersInLabelsAreShownNotObeyed) {
  EXPECT_EQ(render(gauge("g", {"comm"}, {value_series({"a\x1b[31m"}, 2.5)})),
            "g\n"
            "  comm       value\n"
            "  a\\x1b[31m    2.5\n"
            "\n");
}

metrics::Family latency() {
  std::vector<uint64_t> counts(12, 0);
  counts[9] = 3;
  counts[10] = 40;
  counts[11] = 7;
  metrics::Family family =
      histogram("block_rq_latency_seconds", spec::Unit::kNanoseconds, {"disk"},
                {histogram_series({"vdb"}, log2_bounds(12), {}, 0, 0),
                 histogram_series({"vda"}, log2_bounds(12), counts, 2, 30000)});
  family.source = "histogram log2 latency of block rq by disk";
  return family;
}

TEST(Terminal, LatencyHistogram) {
  EXPECT_EQ(render(latency(), {.bar_width = 20}),
            "block_rq_latency_seconds: histogram log2 latency of block rq by disk\n"
            "  disk=vda\n"
            "  (128ns, 256ns]   3 |@                   |\n"
            "  (256ns, 512ns]  40 |@@@@@@@@@@@@@@@@@@@@|\n"
            "  (512ns, 1.02us]  7 |@@@                 |\n"
            "  (1.02us, +inf)   2 |@                   |\n"
            "  count 52, sum 30us, avg 577ns\n"
            "\n"
            "  disk=vdb\n"
            "  (no events yet)\n"
            "\n");
}

TEST(Terminal, HistogramSeriesCapped) {
  const std::string out = render(latency(), {.top = 1, .bar_width = 20});
  EXPECT_EQ(out.find("disk=vdb"), std::string::npos) << out;
  EXPECT_NE(out.find("  count 52, sum 30us, avg 577ns\n  ... and 1 more series\n\n"),
            std::string::npos)
      << out;
}

TEST(Terminal, BytesHistogramFromTheFirstBucket) {
  metrics::Family family =
      histogram("io_size_bytes", spec::Unit::kBytes, {},
                {histogram_series({}, {0, 65536, 131072}, {1, 0, 2}, 0, 200000)});
  EXPECT_EQ(render(family),
            "io_size_bytes\n"
            "  (-inf, 0B]      1 |@@@@@@@@@@@@@@@@@@@@                    |\n"
            "  (0B, 64KiB]     0 |                                        |\n"
            "  (64KiB, 128KiB] 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
            "  count 3, sum 195KiB, avg 65.1KiB\n"
            "\n");
}

TEST(Terminal, NoBars) {
  const std::string out = render(latency(), {.top = 1, .bar_width = 0});
  EXPECT_NE(out.find("  (256ns, 512ns]  40 ||\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace sonde::exporter
