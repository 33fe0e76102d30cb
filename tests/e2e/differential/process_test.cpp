// Process events of stdlib/sched.sonde against libbpf-tools and the kernel's counter:
// - `exec` (examples/execsnoop.sonde) against execsnoop, which prints the execs that
//   succeeded (a failed exec starts no program: neither counts it);
// - `exit` (per thread) against exitsnoop -T, `process_exit` (the thread group leader)
//   against exitsnoop, which reports processes by default;
// - `fork` (every process and thread created) against /proc/stat's `processes`, the
//   kernel's count of forks since boot, read around sonde's window.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

// Rows of a snoop tool (one per event) whose first column is `comm`.
int rows_of(const std::string& out, const std::string& header, const std::string& comm) {
  int n = 0;
  for (const auto& row : parse_table(out, header))
    if (!row.empty() && row[0] == comm) ++n;
  return n;
}

TEST(Execsnoop, SuccessfulExecsCountedAlike) {
  // A program with a name nothing else runs: a copy of /bin/true.
  const std::string dir = "/tmp/sonde-diff-exec-" + std::to_string(getpid());
  const std::string exe = dir + "/sonde_xtrue";
  ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
  ASSERT_EQ(system(("cp /bin/true " + exe).c_str()), 0);
  constexpr int kExecs = 20, kFailed = 5;
  auto tool = libbpf_tool("execsnoop");
  if (!tool) GTEST_SKIP() << not_installed("execsnoop");
  if (!tool->ready("PCOMM")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on exec count by comm");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_execer", [&] {
    for (int i = 0; i < kExecs + kFailed; ++i) {
      pid_t child = fork();
      if (child == 0) {
        // The failed ones name a file that does not exist.
        std::string path = i < kExecs ? exe : exe + ".missing";
        execl(path.c_str(), "sonde_xtrue", nullptr);
        _exit(127);
      }
      int status = 0;
      waitpid(child, &status, 0);
    }
    return 0;
  });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  shell("rm -rf " + dir);
  ASSERT_EQ(e.code, 0) << e.err;
  const int theirs = rows_of(e.out, "PCOMM", "sonde_xtrue");
  const double ours = sonde_total(body, "sonde_exec_total", {"comm=\"sonde_xtrue\""});
  measured("execs: workload " + std::to_string(kExecs) + " (+" + std::to_string(kFailed) +
           " failed), execsnoop " + std::to_string(theirs) + ", sonde " + std::to_string(ours));
  EXPECT_EQ(theirs, kExecs) << e.out;
  EXPECT_EQ(ours, kExecs) << body;
}

// 5 processes of 4 threads each (the main one and 3 more), all named sonde_exits.
int processes_with_threads() {
  for (int i = 0; i < 5; ++i) {
    pid_t child = fork();
    if (child == 0) {
      std::thread a([] {}), b([] {}), c([] {});
      a.join();
      b.join();
      c.join();
      _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
  }
  return 0;
}

TEST(Exitsnoop, ThreadAndProcessExitsCountedAlike) {
  auto by_process = libbpf_tool("exitsnoop");
  auto by_thread = libbpf_tool("exitsnoop", {"-T"});
  if (!by_process) GTEST_SKIP() << not_installed("exitsnoop");
  if (!by_process->ready("PCOMM")) GTEST_SKIP() << by_process->why_not_ready();
  if (!by_thread->ready("PCOMM")) GTEST_SKIP() << by_thread->why_not_ready();
  Sonde sonde(
      "on exit count by comm as thread_exits\n"
      "on process_exit count by comm as process_exits");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_exits", processes_with_threads);
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit p = by_process->stop(), t = by_thread->stop();
  ASSERT_EQ(p.code, 0) << p.err;
  ASSERT_EQ(t.code, 0) << t.err;
  // The workload and its 5 children; their 5 * 4 threads and the workload's own one.
  constexpr int kProcesses = 6, kThreads = 21;
  const int their_processes = rows_of(p.out, "PCOMM", "sonde_exits");
  const int their_threads = rows_of(t.out, "PCOMM", "sonde_exits");
  const double our_processes = sonde_total(body, "process_exits_total", {"comm=\"sonde_exits\""});
  const double our_threads = sonde_total(body, "thread_exits_total", {"comm=\"sonde_exits\""});
  measured("process exits: workload " + std::to_string(kProcesses) + ", exitsnoop " +
           std::to_string(their_processes) + ", sonde " + std::to_string(our_processes));
  measured("thread exits: workload " + std::to_string(kThreads) + ", exitsnoop -T " +
           std::to_string(their_threads) + ", sonde " + std::to_string(our_threads));
  EXPECT_EQ(their_processes, kProcesses) << p.out;
  EXPECT_EQ(our_processes, kProcesses) << body;
  EXPECT_EQ(their_threads, kThreads) << t.out;
  EXPECT_EQ(our_threads, kThreads) << body;
}

TEST(Fork, EveryForkTheKernelCounts) {
  Sonde sonde(
      "on fork count as forks\n"
      "on fork where parent_comm == \"sonde_exits\" count as workload_forks");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_exits", processes_with_threads);
  // sonde's window (two scrapes) lies between an outer and an inner window of the
  // kernel's counter: P0 < A < P1 < workload < P2 < B < P3.
  const uint64_t p0 = proc_stat_processes();
  const std::string a = sonde.scrape();
  const uint64_t p1 = proc_stat_processes();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  const uint64_t p2 = proc_stat_processes();
  const std::string b = sonde.scrape();
  const uint64_t p3 = proc_stat_processes();
  EXPECT_EQ(sonde.stop().code, 0);
  const double ours = sonde_total(b, "forks_total") - sonde_total(a, "forks_total");
  measured("forks: kernel " + std::to_string(p2 - p1) + " (inner) to " + std::to_string(p3 - p0) +
           " (outer), sonde " + std::to_string(ours));
  // The kernel also counts threads it creates without kernel_clone (io_uring workers),
  // which no fork event reports; none are expected here.
  EXPECT_GE(ours, static_cast<double>(p2 - p1));
  EXPECT_LE(ours, static_cast<double>(p3 - p0));
  // The workload's own count: 5 processes, 3 threads in each.
  EXPECT_EQ(sonde_total(b, "workload_forks_total"), 20) << b;
}

}  // namespace
}  // namespace sonde::e2e::diff
