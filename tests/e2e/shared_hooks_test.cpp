// Statements on one hook share one BPF program (compiler/lower/lower.h, share_hooks):
// each statement's count against what a forked child did itself (exactly N getpid
// calls), and how many programs and attachments the kernel shows for the sonde process
// (its fds and fdinfo), through `sonde run` and through a bundle run by sonde-agent.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/bundle_fixture.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

constexpr uint64_t kCalls = 700;

// Four statements on raw_syscalls:sys_enter and two on syscalls:sys_enter_getpid, each
// hook's first statement rejecting every event: a body that returns early must not stop
// the next statement's (no syscall has number 1000000; getpid's tracepoint fires for
// syscall 39 only). `pid` is the workload's.
std::string program(pid_t pid) {
  return fmt::format(
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == 1000000 count as "
      "raw_never\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} count as raw_getpid\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} count by pid as "
      "raw_by_pid\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} histogram linear(0, "
      "100, 10) id as raw_ids\n"
      "on tracepoint:syscalls:sys_enter_getpid where pid == {0} && __syscall_nr != {1} count "
      "as tp_never\n"
      "on tracepoint:syscalls:sys_enter_getpid where pid == {0} count as tp_getpid\n",
      pid, SYS_getpid);
}

// Every statement's value against the workload's own count.
void expect_counts(const std::string& body, pid_t pid) {
  const double n = static_cast<double>(kCalls);
  EXPECT_EQ(sample(body, "raw_never_total").value_or(-1), 0) << body;
  EXPECT_EQ(sample(body, "raw_getpid_total"), n) << body;
  EXPECT_EQ(sample(body, "raw_by_pid_total", fmt::format("pid=\"{}\"", pid)), n) << body;
  EXPECT_EQ(sample(body, "raw_ids_count"), n) << body;
  EXPECT_EQ(sample(body, "raw_ids_sum"), n * SYS_getpid) << body;
  EXPECT_EQ(sample(body, "raw_ids_bucket", "le=\"30\""), 0) << body;
  EXPECT_EQ(sample(body, "raw_ids_bucket", "le=\"40\""), n) << body;
  EXPECT_EQ(sample(body, "tp_never_total").value_or(-1), 0) << body;
  EXPECT_EQ(sample(body, "tp_getpid_total"), n) << body;
}

// One program and one attachment per hook: a raw tracepoint link for raw_syscalls, a
// perf event for the classic tracepoint.
void expect_one_program_per_hook(pid_t holder) {
  const Attachments a = attachments_of(holder);
  EXPECT_EQ(a.links.count("raw_tracepoint") ? a.links.at("raw_tracepoint") : 0, 1);
  EXPECT_EQ(a.perf_events, 1);
  EXPECT_EQ(bpf_objects_of(holder).programs.size(), 2u) << bpf_objects_of(holder).to_string();
}

TEST(SharedHooks, StatementsOnOneHookAreOneProgramAndEachCountsItsOwn) {
  GetpidWorkload w(kCalls);
  ASSERT_GT(w.pid(), 0);
  Sonde sonde(program(w.pid()));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  expect_one_program_per_hook(sonde.pid());
  w.go();
  ASSERT_TRUE(w.wait());
  expect_counts(sonde.metrics(), w.pid());
}

// The bench knob: a program per statement, counting the same.
TEST(SharedHooks, SeparateProgramsKnobKeepsAProgramPerStatement) {
  GetpidWorkload w(kCalls);
  ASSERT_GT(w.pid(), 0);
  setenv("SONDE_SEPARATE_PROGRAMS", "1", 1);
  Sonde sonde(program(w.pid()));
  unsetenv("SONDE_SEPARATE_PROGRAMS");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const Attachments a = attachments_of(sonde.pid());
  EXPECT_EQ(a.links.count("raw_tracepoint") ? a.links.at("raw_tracepoint") : 0, 4);
  EXPECT_EQ(a.perf_events, 2);
  w.go();
  ASSERT_TRUE(w.wait());
  expect_counts(sonde.metrics(), w.pid());
}

// Statements whose bodies read the same values (id, pid_tgid, comm) and test the same
// predicate, which the shared program reads and tests once (compiler/lower/
// shared_values.h): runs of one predicate broken by a differing one, a run whose
// predicate rejects every event, and a statement alone rejecting every event in the
// middle. Each count against the workload's own getpid() calls, each comm label against
// the kernel's /proc/PID/comm of the workload.
std::string common_values_program(pid_t pid) {
  return fmt::format(
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} count by comm as "
      "a_comm\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} count by pid as a_pid\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} sum id by comm, pid as "
      "a_sum\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == 1000000 count by comm as "
      "never_one\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} count by comm as "
      "b_comm\n"
      "on tracepoint:raw_syscalls:sys_enter where pid == {0} && id == {1} count by uid, comm as "
      "b_uid\n"
      "on tracepoint:raw_syscalls:sys_enter where id == 1000001 && pid == {0} count by comm as "
      "never_a\n"
      "on tracepoint:raw_syscalls:sys_enter where id == 1000001 && pid == {0} count by pid as "
      "never_b\n"
      "on tracepoint:raw_syscalls:sys_enter where id == {1} && pid == {0} count by comm as "
      "c_comm\n",
      pid, SYS_getpid);
}

std::string comm_of(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/comm", pid));
  std::string comm;
  std::getline(in, comm);
  return comm;
}

TEST(SharedHooks, StatementsSharingPredicatesAndValuesEachCountTheirOwn) {
  GetpidWorkload w(kCalls);
  ASSERT_GT(w.pid(), 0);
  const std::string comm = comm_of(w.pid());
  ASSERT_FALSE(comm.empty());
  Sonde sonde(common_values_program(w.pid()));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  const Attachments a = attachments_of(sonde.pid());
  EXPECT_EQ(a.links.count("raw_tracepoint") ? a.links.at("raw_tracepoint") : 0, 1);
  w.go();
  ASSERT_TRUE(w.wait());
  const std::string body = sonde.metrics();
  const double n = static_cast<double>(kCalls);
  const std::string by_comm = fmt::format("comm=\"{}\"", comm);
  const std::string by_pid = fmt::format("pid=\"{}\"", w.pid());
  EXPECT_EQ(sample(body, "a_comm_total", by_comm), n) << body;
  EXPECT_EQ(sample(body, "a_pid_total", by_pid), n) << body;
  EXPECT_EQ(sample(body, "a_sum", by_comm + "," + by_pid), n * SYS_getpid) << body;
  EXPECT_EQ(sample(body, "b_comm_total", by_comm), n) << body;
  // The child runs as this test does.
  EXPECT_EQ(sample(body, "b_uid_total", fmt::format("uid=\"{}\",{}", getuid(), by_comm)), n)
      << body;
  EXPECT_EQ(sample(body, "c_comm_total", by_comm), n) << body;
  for (const char* never : {"never_one_total", "never_a_total", "never_b_total"})
    EXPECT_EQ(body.find(never + std::string("{")), std::string::npos) << never << "\n" << body;
}

class SharedHooksBundle : public BundleTest {};

TEST_F(SharedHooksBundle, AgentAttachesTheSharedProgramOnce) {
  GetpidWorkload w(kCalls);
  ASSERT_GT(w.pid(), 0);
  const std::string bundle = build("shared", program(w.pid()));
  const int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached")) << agent.err();
  expect_one_program_per_hook(agent.pid());
  w.go();
  ASSERT_TRUE(w.wait());
  auto body = http_get(port);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait().code, 0);
  ASSERT_TRUE(body);
  expect_counts(*body, w.pid());
}

}  // namespace
}  // namespace sonde::e2e
