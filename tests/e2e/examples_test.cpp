// Every file in examples/ compiles, passes the verifier and attaches here; every
// definition in stdlib/ is usable from a one-liner.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

std::vector<std::string> files_in(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() > suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
        out.push_back(dir + "/" + name);
      }
    }
    closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Examples, EveryExampleCompilesLoadsAndAttaches) {
  auto examples = files_in(source_dir() + "/examples", ".sonde");
  ASSERT_GE(examples.size(), 10u) << "examples/ should hold one file per classic tool";
  for (const auto& file : examples) {
    Exit e = run_sonde({"run", file, "--duration", "200ms", "--format", "json"});
    EXPECT_EQ(e.code, 0) << file << ":\n" << e.err;
    EXPECT_NE(e.err.find("attached"), std::string::npos) << file << ":\n" << e.err;
  }
  EXPECT_TRUE(sonde_programs_left().empty());
}

TEST(Examples, EveryExampleSaysWhichToolItReplaces) {
  for (const auto& file : files_in(source_dir() + "/examples", ".sonde")) {
    std::string text = shell("head -c 400 '" + file + "'");
    EXPECT_EQ(text.rfind("#", 0), 0u)
        << file << " should open with a comment naming the tool it replaces";
  }
}

// One statement per stdlib definition: spans measured, events counted.
TEST(Stdlib, EveryDefinitionIsUsable) {
  const char* statements[] = {
      "histogram log2 latency of block rq by disk, op",
      "histogram log2 latency of sched runq",
      "histogram log2 latency of sched runq by comm, pid, tid",
      "histogram log2 latency of sched runq where next_pid == 0",
      "histogram log2 latency of syscall read by comm",
      "histogram log2 latency of syscall openat",
      "on exec count by comm",
      "on exit count by comm",
      "on process_exit count by comm",
      "on fork count",
      "on oom count by comm",
      "on tcp_retransmit count",
      "on tcp_state count by newstate",
      "on tracepoint:timer:timer_start count by ksym(func)",
      "on tracepoint:timer:hrtimer_start count by ksym(func)",
      "histogram log2 latency of sched offcpu by comm, pid, tid",
      "histogram log2 latency of softirq by vec",
      "histogram log2 latency of hardirq by name, irq",
      "on exited count by comm, exit_code, exit_status, exit_signal",
      "on signal count by sig, result",
      "on cpu_sample count by comm",
      "on page_fault_user count by comm",
      "on page_fault_kernel count by comm",
      "on page_cache_add count by dev, ino",
      "on folio_dirtied count by name",
      "on writeback_written sum nr_pages",
      "on tcp_send sum bytes by ntop(daddr), dport, ntop(saddr), sport, family",
      "on tcp_recv sum bytes by ntop(daddr), dport",
      "on udp_send sum bytes by ntop(daddr), dport",
      "on udp_recv sum bytes by ntop(saddr), sport",
      "histogram log2 latency of tcp connect by daddr, dport",
      "histogram log2 latency of tcp life by daddr, dport, sport",
      "on tcp_rtt histogram log2(1us, 10s) rtt by ntop(daddr), dport",
      "on packet_drop count by reason",
  };
  for (const char* s : statements) {
    Exit e = run_sonde({"run", "-e", s, "--duration", "200ms"});
    EXPECT_EQ(e.code, 0) << s << ":\n" << e.err;
  }
  // And every stdlib file checks on its own, as a user's `use` would load it.
  auto stdlib = files_in(source_dir() + "/stdlib", ".sonde");
  ASSERT_FALSE(stdlib.empty());
  for (const auto& file : stdlib) {
    Exit e = run_sonde({"check", "--no-stdlib", "-e",
                        "use \"" + file + "\"\non tracepoint:sched:sched_process_exec count"});
    EXPECT_EQ(e.code, 0) << file << ":\n" << e.err;
  }
}

}  // namespace
}  // namespace sonde::e2e
