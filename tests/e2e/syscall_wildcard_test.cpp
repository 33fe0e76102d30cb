// Wildcards over syscalls:sys_enter_* / sys_exit_* lowered as one program on
// raw_syscalls (compiler/lower/syscall_wildcard.h): counts and values against what a
// forked workload did itself, and how sonde attached, from the kernel's fdinfo.
#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fnmatch.h>
#include <gtest/gtest.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

// compiler/lower/lower.h: from this many selected syscalls on, one raw program.
constexpr size_t kThreshold = 13;

constexpr int kParent = 70, kGroup = 30, kReads = 5, kReadBytes = 7;

// The syscalls tracepoints of this kernel that `pattern` selects.
size_t events_matching(const std::string& pattern) {
  size_t n = 0;
  DIR* dir = opendir("/sys/kernel/tracing/events/syscalls");
  if (!dir) return 0;
  while (dirent* d = readdir(dir)) n += fnmatch(pattern.c_str(), d->d_name, 0) == 0 ? 1 : 0;
  closedir(dir);
  return n;
}

// A gated child that makes kParent getppid, kGroup getpgid(0) and kReads reads of
// kReadBytes bytes from /dev/zero, and exits through exit_group. The read of its gate
// returns after go(): one more read, of one byte, at the exit.
class Workload : public GatedChild {
 public:
  Workload() : Workload(open("/dev/zero", O_RDONLY | O_CLOEXEC)) {}
  // Lets it run; true when it exited 0.
  bool go() {
    GatedChild::go();
    return wait();
  }

 private:
  explicit Workload(int zero)
      : GatedChild([zero] {
          for (int i = 0; i < kParent; ++i) syscall(SYS_getppid);
          for (int i = 0; i < kGroup; ++i) syscall(SYS_getpgid, 0);
          char buf[kReadBytes];
          for (int i = 0; i < kReads; ++i) {
            if (syscall(SYS_read, zero, buf, sizeof(buf)) != kReadBytes) return 2;
          }
          return 0;
        }) {
    close(zero);
  }
};

// Every sample of `name` (a metric labelled by func alone) as func -> value.
std::map<std::string, double> by_func(const std::string& body, const std::string& name) {
  std::map<std::string, double> out;
  std::regex line("^" + name + R"re(\{func="([^"]*)"\} (\S+))re");
  std::istringstream in(body);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) out[m[1]] = std::stod(m[2]);
  }
  return out;
}

TEST(SyscallWildcard, EveryEnterCountedByFuncOnOneRawProgram) {
  Workload w;
  ASSERT_GT(w.pid(), 0);
  Sonde sonde(fmt::format(
      "on tracepoint:syscalls:sys_enter_* where current.pid == {} count by func as entered",
      w.pid()));
  // Bounds a hang only: the per-event lowering took ~13 s here.
  ASSERT_TRUE(sonde.attached(std::chrono::minutes(3))) << sonde.err();
  Attachments a = attachments_of(sonde.pid());
  ASSERT_TRUE(w.go());
  const auto counts = by_func(sonde.metrics(), "entered_total");
  const std::map<std::string, double> expected = {{"sys_enter_getppid", kParent},
                                                  {"sys_enter_getpgid", kGroup},
                                                  {"sys_enter_read", kReads},
                                                  {"sys_enter_exit_group", 1}};
  EXPECT_EQ(counts, expected);
  // One raw tracepoint for the syscalls the header knows; a classic tracepoint each for
  // those newer than it (none the workload makes).
  EXPECT_EQ(a.links.count("raw_tracepoint") ? a.links.at("raw_tracepoint") : 0, 1);
  EXPECT_LT(a.perf_events, 60) << "of " << events_matching("sys_enter_*") << " events";
  std::cerr << "links: raw_tracepoint " << a.links["raw_tracepoint"] << ", perf events "
            << a.perf_events << " for " << events_matching("sys_enter_*") << " events\n";
}

// `pid` is the task's at most syscalls and an argument at some (getpgid's, kill's): the
// raw program runs a variant of the body for each reading, as the classic programs did.
// getpgid(0) and kill(self, 0) count only where the argument is the child's pid.
TEST(SyscallWildcard, BarePidIsTheArgumentWhereTheSyscallHasOne) {
  constexpr int kOwnGroup = 12, kKills = 9;
  GatedChild child([] {
    const pid_t self = static_cast<pid_t>(syscall(SYS_getpid));
    for (int i = 0; i < kGroup; ++i) syscall(SYS_getpgid, 0);
    for (int i = 0; i < kOwnGroup; ++i) syscall(SYS_getpgid, self);
    for (int i = 0; i < kKills; ++i) syscall(SYS_kill, self, 0);
    return 0;
  });
  Sonde sonde(fmt::format(
      "on tracepoint:syscalls:sys_enter_* where pid == {} count by func as entered", child.pid()));
  ASSERT_TRUE(sonde.attached(std::chrono::minutes(3))) << sonde.err();
  Attachments a = attachments_of(sonde.pid());
  child.go();
  ASSERT_TRUE(child.wait());
  const auto counts = by_func(sonde.metrics(), "entered_total");
  const std::map<std::string, double> expected = {{"sys_enter_getpid", 1},
                                                  {"sys_enter_getpgid", kOwnGroup},
                                                  {"sys_enter_kill", kKills},
                                                  {"sys_enter_exit_group", 1}};
  EXPECT_EQ(counts, expected);
  EXPECT_EQ(a.links["raw_tracepoint"], 1);
}

TEST(SyscallWildcard, EveryExitSumsRetByFunc) {
  Workload w;
  ASSERT_GT(w.pid(), 0);
  Sonde sonde(fmt::format(
      "on tracepoint:syscalls:sys_exit_* where current.pid == {} sum ret by func as returned",
      w.pid()));
  ASSERT_TRUE(sonde.attached(std::chrono::minutes(3))) << sonde.err();
  const Attachments a = attachments_of(sonde.pid());
  ASSERT_TRUE(w.go());
  const std::string body = sonde.metrics();
  auto sums = by_func(body, "returned");
  if (sums.empty()) sums = by_func(body, "returned_total");
  // getppid returns this process's pid, getpgid(0) the child's group (this one's), each
  // read its bytes; the read the child waited in returns its one byte after attach.
  const std::map<std::string, double> expected = {
      {"sys_exit_getppid", static_cast<double>(kParent) * getpid()},
      {"sys_exit_getpgid", static_cast<double>(kGroup) * getpgrp()},
      {"sys_exit_read", kReads * kReadBytes + 1}};
  EXPECT_EQ(sums, expected) << body;
  EXPECT_EQ(a.links.count("raw_tracepoint") ? a.links.at("raw_tracepoint") : 0, 1);
}

// Fewer syscalls than the threshold: a classic tracepoint each, counted alike.
TEST(SyscallWildcard, NarrowWildcardTakesTheLoweringTheThresholdSays) {
  const size_t selected = events_matching("sys_enter_getp*");
  ASSERT_GE(selected, 2u);
  Workload w;
  ASSERT_GT(w.pid(), 0);
  Sonde sonde(fmt::format(
      "on tracepoint:syscalls:sys_enter_getp* where current.pid == {} count by func as entered",
      w.pid()));
  ASSERT_TRUE(sonde.attached(std::chrono::minutes(1))) << sonde.err();
  const Attachments a = attachments_of(sonde.pid());
  ASSERT_TRUE(w.go());
  const auto counts = by_func(sonde.metrics(), "entered_total");
  const std::map<std::string, double> expected = {{"sys_enter_getppid", kParent},
                                                  {"sys_enter_getpgid", kGroup}};
  EXPECT_EQ(counts, expected);
  const int raw = a.links.count("raw_tracepoint") ? a.links.at("raw_tracepoint") : 0;
  if (selected < kThreshold) {
    EXPECT_EQ(raw, 0);
    EXPECT_EQ(a.perf_events, static_cast<int>(selected));
  } else {
    EXPECT_EQ(raw, 1);
  }
}

// ia32 syscalls (int $0x80) reach raw_syscalls with their own numbers (20 is getpid
// there, writev here) but never the classic syscalls:* tracepoints; the raw program
// skips them as those do.
TEST(SyscallWildcard, CompatSyscallsAreNotCounted) {
  // Can this kernel run one? It refuses with SIGSEGV when ia32 emulation is off.
  pid_t probe = fork();
  ASSERT_GE(probe, 0);
  if (probe == 0) {
    long r;
    asm volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "rcx", "r8", "r9", "r10", "r11");
    _exit(r == getpid() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(probe, &status, 0), probe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    GTEST_SKIP() << "this kernel runs no ia32 syscalls (int $0x80 "
                 << (WIFSIGNALED(status) ? "killed the process" : "failed")
                 << "; ia32_emulation is off): the compat check cannot be exercised here";
  GatedChild child([] {
    for (int i = 0; i < kParent; ++i) {
      long r;
      asm volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "rcx", "r8", "r9", "r10", "r11");
    }
    return 0;
  });
  Sonde sonde(fmt::format(
      "on tracepoint:syscalls:sys_enter_* where current.pid == {} count by func as entered",
      child.pid()));
  ASSERT_TRUE(sonde.attached(std::chrono::minutes(3))) << sonde.err();
  child.go();
  ASSERT_TRUE(child.wait());
  const auto counts = by_func(sonde.metrics(), "entered_total");
  const std::map<std::string, double> expected = {{"sys_enter_exit_group", 1}};
  EXPECT_EQ(counts, expected);
}

}  // namespace
}  // namespace sonde::e2e
