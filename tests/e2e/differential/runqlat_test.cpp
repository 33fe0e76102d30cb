// `sched runq` (stdlib/sched.sonde, examples/runqlat.sonde) against libbpf-tools'
// runqlat on the same window. runqlat -p PID counts the waits of one process: every
// wakeup of its threads and every switch away from one still runnable (read from the
// task, prev->__state), ended when the thread runs. sonde's span, filtered on the same
// process at its end, must count exactly those waits, and bucket them alike.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

using namespace std::chrono_literals;

struct Result {
  std::vector<LibbpfHist> runqlat;
  std::string sonde;
};

// runqlat -p and sonde over one run of `workload`, both attached before it starts and
// stopped after it ended.
void run_both(Workload& workload, const std::string& program, Result& out) {
  auto runqlat = libbpf_tool("runqlat", {"-p", std::to_string(workload.pid())});
  if (!runqlat) GTEST_SKIP() << not_installed("runqlat");
  if (!runqlat->ready("Tracing run queue latency")) GTEST_SKIP() << runqlat->why_not_ready();
  Sonde sonde(program);
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  out.sonde = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0) << sonde.err();
  Exit e = runqlat->stop();
  ASSERT_EQ(e.code, 0) << e.err;
  out.runqlat = parse_libbpf_hists(e.out, 1000);
}

// Threads that share one CPU and spend their time in the kernel (reading 64 MiB of
// /dev/zero per call): the scheduler preempts them inside the kernel, where
// sched_switch's prev_state reads TASK_REPORT_MAX instead of TASK_RUNNING. runqlat counts
// those waits (it reads prev->__state); sonde counted almost none (8 against 742).
// Two threads on one CPU reading 64 MiB of /dev/zero per call for `seconds`.
int readers_sharing_a_cpu(std::chrono::seconds seconds) {
  auto until = std::chrono::steady_clock::now() + seconds;
  auto reader = [until] {
    int fd = open("/dev/zero", O_RDONLY);
    std::vector<char> buf(64 << 20);
    while (std::chrono::steady_clock::now() < until)
      if (read(fd, buf.data(), buf.size()) <= 0) return;
    close(fd);
  };
  std::thread a(reader), b(reader);
  a.join();
  b.join();
  return 0;
}

TEST(Runqlat, WaitsOfTasksPreemptedInTheKernelAreCounted) {
  Workload workload(
      "sonde_preempt", [] { return readers_sharing_a_cpu(2s); }, last_allowed_cpu());
  Result r;
  // By the tracepoint's field name, which meant the same before the span moved to the
  // raw tracepoint: the task that ran after waiting.
  run_both(workload, "histogram log2 latency of sched runq where next_comm == \"sonde_preempt\"",
           r);
  if (testing::Test::IsSkipped() || testing::Test::HasFatalFailure()) return;
  ASSERT_EQ(r.runqlat.size(), 1u) << "runqlat printed no histogram";
  const auto hist = sonde_histogram(r.sonde, "sonde_sched_runq_latency_seconds");
  measured("runqlat -p: " + std::to_string(r.runqlat[0].total()) +
           " waits; sonde: " + std::to_string(hist.count));
  // Two threads taking turns on one CPU for 2 s wait hundreds of times.
  EXPECT_GT(r.runqlat[0].total(), 100) << "the workload was not preempted: is the CPU shared?";
  EXPECT_EQ(hist.count, r.runqlat[0].total()) << r.sonde;
  EXPECT_EQ(within_one_bucket(r.runqlat[0].buckets, hist, 1e-9), "");
}

// Wakeups: a thread that sleeps 1 ms 300 times and one that spins, on one CPU.
TEST(Runqlat, WakeupsOfASleeperSharingACpu) {
  Workload workload(
      "sonde_sleeper",
      [] {
        std::atomic<bool> done{false};
        std::thread spinner([&] {
          volatile uint64_t x = 0;
          while (!done) x = x + 1;
        });
        timespec ms{0, 1'000'000};
        for (int i = 0; i < 300; ++i) nanosleep(&ms, nullptr);
        done = true;
        spinner.join();
        return 0;
      },
      last_allowed_cpu());
  Result r;
  // `pid` at the span's end is the process of the task that waited.
  run_both(workload,
           "histogram log2 latency of sched runq where pid == " + std::to_string(workload.pid()),
           r);
  if (testing::Test::IsSkipped() || testing::Test::HasFatalFailure()) return;
  ASSERT_EQ(r.runqlat.size(), 1u) << "runqlat printed no histogram";
  const auto hist = sonde_histogram(r.sonde, "sonde_sched_runq_latency_seconds");
  measured("runqlat -p: " + std::to_string(r.runqlat[0].total()) +
           " waits; sonde: " + std::to_string(hist.count));
  EXPECT_GE(r.runqlat[0].total(), 300) << "every sleep ends in a wakeup";
  EXPECT_EQ(hist.count, r.runqlat[0].total()) << r.sonde;
  EXPECT_EQ(within_one_bucket(r.runqlat[0].buckets, hist, 1e-9), "");
}

// pid 0 is the idle task of every CPU. runqlat never starts a wait for it; sonde
// started one whenever a CPU left idle (prev_state 0) and ended it when the CPU went
// idle again, so the idle time of every CPU showed up as run-queue latency.
TEST(Runqlat, TheIdleTaskNeverWaits) {
  Sonde sonde(
      "histogram log2 latency of sched runq where next_pid == 0 as idle_waits\n"
      "on tracepoint:sched:sched_switch where prev_pid == 0 count as from_idle\n"
      "on tracepoint:sched:sched_switch where next_pid == 0 count as to_idle");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  // CPUs go idle whenever nothing is runnable; on a machine whose CPUs others keep busy
  // that may take a while, so wait (bounded) until a CPU left idle and went back 20 times.
  std::string body;
  auto deadline = std::chrono::steady_clock::now() + 15s;  // only bounds a hang
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    body = sonde.scrape();
    if (sonde_total(body, "from_idle_total") >= 20 && sonde_total(body, "to_idle_total") >= 20)
      break;
  }
  body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  if (sonde_total(body, "to_idle_total") < 20)
    GTEST_SKIP() << "no CPU went idle 20 times in 15 s (every CPU busy), so the idle task was "
                    "not exercised:\n"
                 << body;
  EXPECT_EQ(sonde_histogram(body, "idle_waits_seconds").count, 0) << body;
}

// runqslower prints each wait longer than a threshold (1000 us: it keeps the waits
// whose delta in whole microseconds exceeds it). sonde's waits over 0.9 ms and over
// 1.1 ms bracket its count: the two measure each wait a few hundred ns apart.
TEST(Runqslower, WaitsLongerThanAThreshold) {
  Workload workload(
      "sonde_slower", [] { return readers_sharing_a_cpu(1s); }, last_allowed_cpu());
  const std::string pid = std::to_string(workload.pid());
  auto tool = libbpf_tool("runqslower", {"-p", pid, "1000"});
  if (!tool) GTEST_SKIP() << not_installed("runqslower");
  if (!tool->ready("Tracing run queue latency higher than")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("count latency of sched runq where pid == " + pid +
              " && latency > 900us as over_900us\n"
              "count latency of sched runq where pid == " +
              pid + " && latency > 1100us as over_1100us");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  const std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0) << sonde.err();
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;
  // TIME COMM TID LAT(us)
  double theirs = 0;
  for (const auto& row : parse_table(e.out, "TIME"))
    if (row.size() == 4 && row[1] == "sonde_slower") ++theirs;
  EXPECT_EQ(e.out.find("Lost"), std::string::npos) << "runqslower lost events:\n" << e.out;
  const double lo = sonde_total(body, "over_1100us_total"),
               hi = sonde_total(body, "over_900us_total");
  measured("waits over 1 ms: runqslower " + std::to_string(theirs) + ", sonde " +
           std::to_string(lo) + " over 1.1 ms to " + std::to_string(hi) + " over 0.9 ms");
  EXPECT_GT(theirs, 20) << "two threads sharing a CPU for 1 s wait over 1 ms many times";
  EXPECT_GE(theirs, lo) << e.out;
  EXPECT_LE(theirs, hi) << e.out;
}

}  // namespace
}  // namespace sonde::e2e::diff
