// A full map never fails silently: with `capacity N` and N + k distinct keys, exactly k
// updates find it full, are counted in its overflow series (every label __overflow__,
// docs/churn.md), exported as sonde_map_updates_dropped_total, and the terminal warns.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

constexpr int kCapacity = 8;
constexpr int kExtra = 5;
// close() of descriptors nobody has: the tracepoint fires, nothing else happens, and no
// other process on the machine closes these numbers.
constexpr int kFirstFd = 1'000'000;
const std::string kProgram =
    "on tracepoint:syscalls:sys_enter_close where fd >= 1000000 && fd < 1000100 count by fd";
const std::string kMetric = "sonde_sys_enter_close_total";

void close_distinct_descriptors(int n) {
  for (int i = 0; i < n; ++i) syscall(SYS_close, kFirstFd + i);
}

size_t series_of(const std::string& exposition, const std::string& name) {
  size_t n = 0;
  for (const auto& [key, value] : parse_exposition(exposition)) n += key.rfind(name + "{", 0) == 0;
  return n;
}

void expect_exactly_k_dropped(const std::string& body) {
  EXPECT_EQ(sample(body, "sonde_map_updates_dropped_total", "metric=\"" + kMetric + "\""), kExtra)
      << body;
  EXPECT_EQ(sample(body, "sonde_map_entries", "metric=\"" + kMetric + "\",map=\"sonde_m0\""),
            kCapacity)
      << body;
  EXPECT_EQ(sample(body, "sonde_map_capacity", "metric=\"" + kMetric + "\",map=\"sonde_m0\""),
            kCapacity)
      << body;
  // The N keys that fit, and the overflow series holding the k that did not: the
  // series still add up to the N + k close() calls made.
  EXPECT_EQ(series_of(body, kMetric), static_cast<size_t>(kCapacity) + 1) << body;
  EXPECT_EQ(sample(body, kMetric, "fd=\"__overflow__\""), kExtra) << body;
  double total = 0;
  for (const auto& [key, value] : parse_exposition(body))
    if (key.rfind(kMetric + "{", 0) == 0) total += value;
  EXPECT_EQ(total, kCapacity + kExtra) << body;
}

TEST(Capacity, StatementCapacityDropsAreCountedExportedAndShown) {
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e", kProgram + " capacity " + std::to_string(kCapacity),
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  close_distinct_descriptors(kCapacity + kExtra);
  auto body = http_get(port);
  ASSERT_TRUE(body);
  expect_exactly_k_dropped(*body);
  sonde.signal(SIGINT);
  Exit e = sonde.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(
      e.out.find("WARNING: " + std::to_string(kExtra) + " updates found the map full (capacity " +
                 std::to_string(kCapacity) + "): counted under __overflow__"),
      std::string::npos)
      << e.out;
}

TEST(Capacity, BuildFlagBoundsTheAgentsMaps) {
  char templ[] = "/tmp/sonde-capacity-XXXXXX";
  ASSERT_NE(mkdtemp(templ), nullptr);
  std::string dir = templ;
  std::ofstream(dir + "/close.sonde") << kProgram << "\n";
  Exit built = run_sonde({"build", dir + "/close.sonde", "-o", dir + "/close.bundle", "--capacity",
                          std::to_string(kCapacity)});
  ASSERT_EQ(built.code, 0) << built.err;
  int port = free_port();
  Process agent({build_dir() + "/sonde-agent", dir + "/close.bundle", "--listen",
                 "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached")) << agent.err();
  close_distinct_descriptors(kCapacity + kExtra);
  auto body = http_get(port);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait().code, 0);
  shell("rm -rf '" + dir + "'");
  ASSERT_TRUE(body);
  expect_exactly_k_dropped(*body);
}

// A span's start map holds 10240 starts; 30000 starts whose end never comes push out
// all but what it holds. Every one pushed out is counted, exported and shown.
TEST(Capacity, SpanStartsBeyondTheStartMapAreEvictedCountedAndShown) {
  constexpr int kStarts = 30000;
  constexpr int kSpanFd = 2'000'000;
  const std::string program =
      "span leak {\n"
      "  start tracepoint:syscalls:sys_enter_close where fd >= 2000000 && fd < 2100000 key fd\n"
      "  end tracepoint:syscalls:sys_enter_close where fd == 1 && fd == 2 key fd\n"
      "}\n"
      "histogram log2 latency of leak as leak_latency\n";
  int port = free_port();
  Process sonde(
      {sonde_binary(), "run", "-e", program, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  for (int i = 0; i < kStarts; ++i) syscall(SYS_close, kSpanFd + i);
  auto body = http_get(port);
  ASSERT_TRUE(body);
  auto evicted = sample(*body, "sonde_span_starts_evicted_total",
                        "span=\"leak\",metric=\"leak_latency_seconds\"");
  auto in_flight =
      sample(*body, "sonde_map_entries", "metric=\"leak_latency_seconds\",map=\"sonde_st0\"");
  ASSERT_TRUE(evicted && in_flight) << *body;
  EXPECT_GT(*evicted, 0) << *body;
  EXPECT_LE(*in_flight, 10240) << *body;
  EXPECT_EQ(*evicted + *in_flight, kStarts) << *body;
  sonde.signal(SIGINT);
  Exit e = sonde.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("WARNING: " + std::to_string(static_cast<uint64_t>(*evicted)) +
                       " span starts evicted: more than 10240 in flight"),
            std::string::npos)
      << e.out;
}

}  // namespace
}  // namespace sonde::e2e
