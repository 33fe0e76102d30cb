// System calls (examples/syscount.sonde, `syscall NAME` in stdlib/syscalls.sonde,
// examples/syslatency.sonde) against libbpf-tools' syscount -L -p PID on one process
// that makes a known number of each call.
//
// syscount counts a call when it returns (raw_syscalls:sys_exit) and times it from its
// entry; the example counts entries. They differ only at the window's edges: the
// workload's wait for go() entered read() before anything attached and returns after,
// and its exit_group never returns. The calls compared here are the others.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <map>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

struct Calls {
  const char* name;
  int count;
};
constexpr Calls kCalls[] = {
    {"getppid", 3000}, {"getuid", 2000}, {"pread64", 1000}, {"nanosleep", 50}};

int make_calls() {
  int zero = open("/dev/zero", O_RDONLY);
  char buf[4096];
  for (int i = 0; i < 3000; ++i) syscall(SYS_getppid);
  for (int i = 0; i < 2000; ++i) syscall(SYS_getuid);
  for (int i = 0; i < 1000; ++i)
    if (syscall(SYS_pread64, zero, buf, sizeof buf, 0) != sizeof buf) return 1;
  timespec ms{0, 1'000'000};
  for (int i = 0; i < 50; ++i) syscall(SYS_nanosleep, &ms, nullptr);
  close(zero);
  return 0;
}

TEST(Syscount, CallsAndTheirLatencyAsSyscountCountsThem) {
  Workload workload("sonde_syscalls", make_calls);
  const std::string pid = std::to_string(workload.pid());
  auto tool = libbpf_tool("syscount", {"-L", "-p", pid, "-T", "100"});
  if (!tool) GTEST_SKIP() << not_installed("syscount");
  if (!tool->ready("Tracing syscalls")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on tracepoint:raw_syscalls:sys_enter where pid == " + pid +
              " count by syscall(id), comm as calls\n"
              "histogram log2 latency of syscall pread64 where pid == " +
              pid +
              " as pread\n"
              "histogram log2 latency of syscall nanosleep where pid == " +
              pid + " as sleep");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0) << sonde.err();
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;

  // "SYSCALL  COUNT  TIME (us)" rows.
  std::map<std::string, std::pair<double, double>> theirs;
  for (const auto& row : parse_table(e.out, "SYSCALL"))
    if (row.size() == 3) theirs[row[0]] = {std::stod(row[1]), std::stod(row[2])};
  for (const auto& [name, count] : kCalls) {
    const std::string label = "syscall=\"" + std::string(name) + "\"";
    const double ours = sonde_total(body, "calls_total", {label, "comm=\"sonde_syscalls\""});
    measured(std::string(name) + ": workload " + std::to_string(count) + ", syscount " +
             std::to_string(theirs[name].first) + ", sonde " + std::to_string(ours));
    EXPECT_EQ(theirs[name].first, count) << name << "\n" << e.out;
    EXPECT_EQ(ours, count) << name << "\n" << body;
  }
  // The spans time the same calls from the same tracepoint (the per-call events hang off
  // raw_syscalls), so their averages agree well within a factor of two.
  for (const auto& [name, metric] :
       {std::pair{"pread64", "pread_seconds"}, std::pair{"nanosleep", "sleep_seconds"}}) {
    const Cumulative h = sonde_histogram(body, metric);
    const auto [count, total_us] = theirs[name];
    measured(std::string(name) + " latency: syscount avg " + std::to_string(total_us / count) +
             " us, sonde avg " + std::to_string(h.sum / h.count * 1e6) + " us");
    EXPECT_EQ(h.count, count) << name << "\n" << body;
    ASSERT_GT(count, 0);
    const double ratio = (h.sum * 1e6 / h.count) / (total_us / count);
    EXPECT_GT(ratio, 0.5) << name;
    EXPECT_LT(ratio, 2.0) << name;
  }
}

// Every syscall's exit through one raw_syscalls program (sys_exit_*, with its
// table of numbers from sonde's header): each call counted under its event's name, as
// syscount counts it under the header's, for calls whose tracepoint is named after the
// kernel function (fstat's is sys_exit_newfstat, uname's sys_exit_newuname).
TEST(Syscount, ExitWildcardCountsEachSyscallAsSyscountDoes) {
  struct Named {
    const char* syscount;  // syscount's name (the header's)
    const char* event;     // the tracepoint's, after sys_exit_
    int count;
  };
  static constexpr Named kNamed[] = {{"getppid", "getppid", 700}, {"getuid", "getuid", 500},
                                     {"fstat", "newfstat", 300},  {"uname", "newuname", 200},
                                     {"stat", "newstat", 150},    {"lstat", "newlstat", 120},
                                     {"pread64", "pread64", 100}, {"umask", "umask", 80}};
  Workload workload("sonde_sysexits", [] {
    struct utsname u;
    struct stat st;
    char buf[64];
    for (int i = 0; i < 700; ++i) syscall(SYS_getppid);
    for (int i = 0; i < 500; ++i) syscall(SYS_getuid);
    for (int i = 0; i < 300; ++i)
      if (syscall(SYS_fstat, 0, &st) != 0) return 1;
    for (int i = 0; i < 200; ++i) syscall(SYS_uname, &u);
    for (int i = 0; i < 150; ++i) syscall(SYS_stat, "/", &st);
    for (int i = 0; i < 120; ++i) syscall(SYS_lstat, "/", &st);
    int zero = static_cast<int>(syscall(SYS_open, "/dev/zero", O_RDONLY));
    for (int i = 0; i < 100; ++i)
      if (syscall(SYS_pread64, zero, buf, sizeof buf, 0) != sizeof buf) return 1;
    for (int i = 0; i < 80; ++i) syscall(SYS_umask, 022);
    return 0;
  });
  const std::string pid = std::to_string(workload.pid());
  auto tool = libbpf_tool("syscount", {"-p", pid, "-T", "100"});
  if (!tool) GTEST_SKIP() << not_installed("syscount");
  if (!tool->ready("Tracing syscalls")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on tracepoint:syscalls:sys_exit_* where current.pid == " + pid +
              " count by func as exits");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0) << sonde.err();
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;
  std::map<std::string, double> theirs;
  for (const auto& row : parse_table(e.out, "SYSCALL"))
    if (row.size() == 2) theirs[row[0]] = std::stod(row[1]);
  for (const auto& n : kNamed) {
    const double ours =
        sonde_total(body, "exits_total", {"func=\"sys_exit_" + std::string(n.event) + "\""});
    measured(std::string(n.syscount) + ": workload " + std::to_string(n.count) + ", syscount " +
             std::to_string(theirs[n.syscount]) + ", sonde sys_exit_" + n.event + " " +
             std::to_string(ours));
    EXPECT_EQ(theirs[n.syscount], n.count) << n.syscount << "\n" << e.out;
    EXPECT_EQ(ours, n.count) << n.event << "\n" << body;
  }
}

}  // namespace
}  // namespace sonde::e2e::diff
