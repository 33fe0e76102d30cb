// The differential harness's parsers and its comparison, on outputs the tools print
// (copied from runs here): a comparison that cannot fail proves nothing.
#include <gtest/gtest.h>

#include <cmath>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

constexpr const char* kBiolatency =
    "Tracing block device I/O... Hit Ctrl-C to end.\n"
    "\n"
    "\n"
    "disk = vda\tflags = Sync-Write\n"
    "     usecs               : count    distribution\n"
    "         0 -> 1          : 0        |                                        |\n"
    "         2 -> 3          : 0        |                                        |\n"
    "         4 -> 7          : 0        |                                        |\n"
    "         8 -> 15         : 0        |                                        |\n"
    "        16 -> 31         : 0        |                                        |\n"
    "        32 -> 63         : 94       |****************************************|\n"
    "        64 -> 127        : 13       |*****                                   |\n"
    "\n"
    "disk = vda\tflags = PreFlush-Flush\n"
    "     usecs               : count    distribution\n"
    "         0 -> 1          : 2        |****************************************|\n";

TEST(Harness, ParsesLibbpfToolsHistograms) {
  auto hists = parse_libbpf_hists(kBiolatency, 1000);
  ASSERT_EQ(hists.size(), 2u);
  EXPECT_EQ(hists[0].title, "disk = vda flags = Sync-Write");
  EXPECT_EQ(hists[0].unit, "usecs");
  ASSERT_EQ(hists[0].buckets.size(), 7u);
  // "32 -> 63" usecs holds [32000, 64000) ns.
  EXPECT_EQ(hists[0].buckets[5].low, 32000);
  EXPECT_EQ(hists[0].buckets[5].high, 64000);
  EXPECT_EQ(hists[0].buckets[5].count, 94);
  EXPECT_EQ(hists[0].total(), 107);
  EXPECT_EQ(hists[1].title, "disk = vda flags = PreFlush-Flush");
  EXPECT_EQ(hists[1].buckets[0].low, 0);
  EXPECT_EQ(hists[1].buckets[0].high, 2000);
}

TEST(Harness, ParsesBpftraceHistogramsAndMaps) {
  const std::string out =
      "Attaching 3 probes...\nready\n\n\n"
      "@c[sleep]: 2\n"
      "@h: \n"
      "[0]                    3 |@@@                |\n"
      "[1]                    1 |@                  |\n"
      "[8K, 16K)              1 |@@@@@@@@@@@@@@@@@@@|\n"
      "[16K, 32K)             0 |                   |\n"
      "\n"
      "@s[\n"
      "    do_exit+957\n"
      "    entry_SYSCALL_64_after_hwframe+118\n"
      "]: 2\n";
  auto h = parse_bpftrace_hists(out, "h")[""];
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(h[0].low, 0);
  EXPECT_EQ(h[0].high, 1);
  EXPECT_EQ(h[1].low, 1);
  EXPECT_EQ(h[2].low, 8192);
  EXPECT_EQ(h[2].high, 16384);
  EXPECT_EQ(h[2].count, 1);
  auto c = parse_bpftrace_map(out, "c");
  EXPECT_EQ(c["sleep"], 2);
  auto s = parse_bpftrace_map(out, "s");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.begin()->first, "\n    do_exit+957\n    entry_SYSCALL_64_after_hwframe+118\n");
  EXPECT_EQ(s.begin()->second, 2);
}

TEST(Harness, ReadsSondeHistogramsByLeValue) {
  const std::string exposition =
      "# TYPE x_seconds histogram\n"
      "x_seconds_bucket{op=\"read\",le=\"1.6384e-05\"} 1\n"
      "x_seconds_bucket{op=\"read\",le=\"3.2768e-05\"} 3\n"
      "x_seconds_bucket{op=\"read\",le=\"+Inf\"} 4\n"
      "x_seconds_sum{op=\"read\"} 0.001\n"
      "x_seconds_count{op=\"read\"} 4\n"
      "x_seconds_bucket{op=\"write\",le=\"+Inf\"} 9\n"
      "x_seconds_count{op=\"write\"} 9\n";
  auto h = sonde_histogram(exposition, "x_seconds", "op=\"read\"");
  ASSERT_TRUE(h.found);
  EXPECT_EQ(h.count, 4);
  EXPECT_EQ(h.le.size(), 3u);
  EXPECT_EQ(h.le[3.2768e-05], 3);
  EXPECT_EQ(sonde_histogram(exposition, "x_seconds").count, 13);
}

// Values in [16, 32) us measured by a reference; sonde saw them (a) alike, (b) a bit
// larger (the next bucket), (c) four times larger.
TEST(Harness, WithinOneBucketAcceptsNeighboursAndRejectsAFactorOfFour) {
  const std::vector<Bucket> reference = {{16000, 32000, 10}};
  auto sonde_at = [](double le_ns) {
    Cumulative c;
    for (double le = 1024; le <= 1 << 22; le *= 2) c.le[le * 1e-9] = le >= le_ns ? 10 : 0;
    c.le[INFINITY] = 10;
    c.count = 10;
    return c;
  };
  EXPECT_EQ(within_one_bucket(reference, sonde_at(32768), 1e-9), "");
  EXPECT_EQ(within_one_bucket(reference, sonde_at(65536), 1e-9), "");
  EXPECT_NE(within_one_bucket(reference, sonde_at(131072 * 2), 1e-9), "");
  EXPECT_NE(within_one_bucket(reference, sonde_at(4096), 1e-9), "");
  // A count that differs is a difference, unless the slack allows it.
  auto fewer = sonde_at(32768);
  for (auto& [le, n] : fewer.le) n = n ? 8 : 0;
  EXPECT_NE(within_one_bucket(reference, fewer, 1e-9), "");
  EXPECT_EQ(within_one_bucket(reference, fewer, 1e-9, 2), "");
}

TEST(Harness, ParsesToolTables) {
  const std::string out =
      "Tracing syscalls, printing top 100... Ctrl+C to quit.\n"
      "[00:06:21]\n"
      "SYSCALL                   COUNT        TIME (us)\n"
      "getppid                    3000         1234.500\n"
      "nanosleep                    50        63211.683\n"
      "\n";
  auto rows = parse_table(out, "SYSCALL");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"getppid", "3000", "1234.500"}));
}

}  // namespace
}  // namespace sonde::e2e::diff
