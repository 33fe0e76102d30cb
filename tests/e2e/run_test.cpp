// sonde run against the real kernel: exact counts, exports, clean exits.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

TEST(Run, TimerOneLinerShowsKernelFunctionNames) {
  Exit e = run_sonde(
      {"run", "-e", "on tracepoint:timer:timer_start count by ksym(func)", "--duration", "2s"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.err.find("attached 1 probe"), std::string::npos) << e.err;
  EXPECT_NE(e.out.find("sonde_timer_start_total"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("func"), std::string::npos) << e.out;
  // Timers of a running kernel are armed by functions with names, never bare addresses.
  EXPECT_TRUE(e.out.find("_fn") != std::string::npos || e.out.find("timer") != std::string::npos ||
              e.out.find("timeout") != std::string::npos)
      << e.out;
  EXPECT_EQ(e.out.find("0xffff"), std::string::npos) << "unresolved kernel address in:\n" << e.out;
}

TEST(Run, CountsExactlyTheGetpidCallsOfOneProcess) {
  constexpr uint64_t kCalls = 25000;
  GetpidWorkload workload(kCalls);
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e",
                 "on tracepoint:syscalls:sys_enter_getpid count by pid", "--listen",
                 "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  workload.go();
  workload.wait();
  auto body = http_get(port);
  ASSERT_TRUE(body);
  auto value = sample(*body, "sonde_sys_enter_getpid_total",
                      "pid=\"" + std::to_string(workload.pid()) + "\"");
  sonde.signal(SIGINT);
  Exit e = sonde.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  ASSERT_TRUE(value) << *body;
  EXPECT_EQ(*value, static_cast<double>(kCalls));
}

// Each -e adds its statements (an earlier sonde kept only the last -e, silently); an
// error names the -e it is in.
TEST(Run, EveryDashEAddsItsStatements) {
  constexpr uint64_t kCalls = 3000;
  GetpidWorkload workload(kCalls);
  const std::string pid = std::to_string(workload.pid());
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e",
                 "on tracepoint:syscalls:sys_enter_getpid count by pid as by_pid", "-e",
                 "on tracepoint:raw_syscalls:sys_enter where pid == " + pid + " count as all_calls",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached 2 probes")) << sonde.err();
  workload.go();
  workload.wait();
  auto body = http_get(port);
  ASSERT_TRUE(body);
  sonde.signal(SIGINT);
  EXPECT_EQ(sonde.wait().code, 0) << sonde.err();
  EXPECT_EQ(sample(*body, "by_pid_total", "pid=\"" + pid + "\""), static_cast<double>(kCalls))
      << *body;
  // The child's getpid calls and the few after its go (the write of its result, exit).
  auto all = sample(*body, "all_calls_total");
  ASSERT_TRUE(all) << *body;
  EXPECT_GE(*all, static_cast<double>(kCalls)) << *body;

  Exit check = run_sonde({"check", "-e", "on tracepoint:sched:sched_switch count", "-e",
                          "on tracepoint:sched:sched_switch count by nosuchfield"});
  EXPECT_NE(check.code, 0);
  EXPECT_NE(check.err.find("<input 2>:1:"), std::string::npos) << check.err;
}

TEST(Run, MetricsEndpointPassesPromtool) {
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e",
                 "on tracepoint:timer:timer_start count by ksym(func)\n"
                 "on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm\n"
                 "histogram log2 latency of sched runq\n"
                 "on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret by comm as read_bytes",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  shell("cat /etc/hostname /etc/os-release > /dev/null; sleep 1");
  auto body = http_get(port);
  ASSERT_TRUE(body);
  std::string file = "/tmp/sonde-e2e-metrics-" + std::to_string(getpid()) + ".txt";
  FILE* f = fopen(file.c_str(), "w");
  fwrite(body->data(), 1, body->size(), f);
  fclose(f);
  int code = -1;
  std::string out = shell("promtool check metrics < " + file + " 2>&1", &code);
  unlink(file.c_str());
  EXPECT_EQ(code, 0) << out << "\n" << *body;
  EXPECT_NE(body->find("# TYPE sonde_timer_start_total counter"), std::string::npos);
  EXPECT_NE(body->find("# TYPE sonde_sched_runq_latency_seconds histogram"), std::string::npos);
  EXPECT_NE(body->find("read_bytes_total{comm=\"cat\"}"), std::string::npos) << *body;
  sonde.signal(SIGTERM);
  EXPECT_EQ(sonde.wait().code, 0);
}

TEST(Run, ListenAddressInUseIsAClearError) {
  int port = free_port();
  Process first({sonde_binary(), "run", "-e", "on tracepoint:sched:sched_process_exec count",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(first.wait_for_stderr("attached")) << first.err();
  Exit second = run_sonde({"run", "-e", "on tracepoint:sched:sched_process_exec count", "--listen",
                           "127.0.0.1:" + std::to_string(port), "--duration", "5s"});
  EXPECT_EQ(second.code, 1);
  EXPECT_NE(second.err.find("address already in use"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find(std::to_string(port)), std::string::npos) << second.err;
  first.signal(SIGINT);
  first.wait();
}

TEST(Run, KprobesAreRefusedWithTheReason) {
  Exit e = run_sonde({"run", "-e", "on kprobe:vfs_read count", "--duration", "1s"});
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.err.find("kprobe:vfs_read"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("CONFIG_KPROBES"), std::string::npos) << e.err;
  EXPECT_TRUE(sonde_programs_left().empty());
}

class EndsCleanly : public testing::TestWithParam<int> {};

TEST_P(EndsCleanly, LeavesNoProgramOrLinkInTheKernel) {
  ASSERT_TRUE(sonde_programs_left().empty()) << "programs left by an earlier test";
  int sig = GetParam();
  std::vector<std::string> argv = {
      sonde_binary(), "run", "-e",
      "on tracepoint:timer:timer_start count by ksym(func)\nhistogram log2 latency of block rq"};
  if (sig == 0) argv.insert(argv.end(), {"--duration", "1s"});
  Process sonde(argv);
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  EXPECT_FALSE(sonde_programs_in_kernel().empty());
  if (sig) sonde.signal(sig);
  Exit e = sonde.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.signal, 0);
  EXPECT_TRUE(sonde_programs_left().empty());
  EXPECT_TRUE(sonde_links_left().empty());
}

INSTANTIATE_TEST_SUITE_P(Ways, EndsCleanly, testing::Values(0, SIGINT, SIGTERM),
                         [](const auto& test) {
                           return test.param == 0        ? std::string("Duration")
                                  : test.param == SIGINT ? std::string("Sigint")
                                                         : std::string("Sigterm");
                         });

}  // namespace
}  // namespace sonde::e2e
