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
TEST(Runqlat, WaitsOfTasksPreemptedInTheKernelAreCounted) {
  const int cpu = last_allowed_cpu();
  Workload workload(
      "sonde_preempt",
      [] {
        auto until = std::chrono::steady_clock::now() + 2s;
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
      },
      cpu);
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
  auto deadline = std::chrono::steady_clock::now() + 30s;  // only bounds a hang
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(200ms);
    body = sonde.scrape();
    if (sonde_total(body, "from_idle_total") >= 20 && sonde_total(body, "to_idle_total") >= 20)
      break;
  }
  body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  if (sonde_total(body, "to_idle_total") < 20)
    GTEST_SKIP() << "no CPU went idle 20 times in 30 s (every CPU busy), so the idle task was "
                    "not exercised:\n"
                 << body;
  EXPECT_EQ(sonde_histogram(body, "idle_waits_seconds").count, 0) << body;
}

}  // namespace
}  // namespace sonde::e2e::diff
