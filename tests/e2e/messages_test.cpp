// Failures that reach the user from the kernel or the system, said in words with the
// statement they concern: the tracepoint's program limit, and tracefs read without root.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

std::string sixty_five_statements_on_one_tracepoint() {
  const std::string file = ::testing::TempDir() + "/sixty-five.sonde";
  std::ofstream out(file);
  for (int i = 0; i < 65; ++i)
    out << "on tracepoint:sched:sched_switch count as switches_" << i << "\n";
  return file;
}

// The kernel keeps at most 64 programs per classic tracepoint, counting every process's:
// the 65th is named, with the limit, not "Argument list too long" at the first
// statement. Statements on one hook share programs, so one file reaches the limit only
// with a program each (the bench's SONDE_SEPARATE_PROGRAMS=1); other sonde processes and
// REPL statements (a program each) reach it in practice.
TEST(Messages, TheSixtyFifthProgramOnATracepointIsNamed) {
  const std::string file = sixty_five_statements_on_one_tracepoint();
  setenv("SONDE_SEPARATE_PROGRAMS", "1", 1);
  Exit e = run_sonde({"run", file, "--duration", "1s"});
  unsetenv("SONDE_SEPARATE_PROGRAMS");
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find(file + ":65:1: tracepoint:sched:sched_switch: the kernel allows at most 64 "
                              "BPF programs on one tracepoint"),
            std::string::npos)
      << e.err;
  EXPECT_EQ(e.err.find("Argument list too long"), std::string::npos) << e.err;
  EXPECT_TRUE(sonde_programs_left().empty()) << "the 64 that attached were left behind";
}

// Shared, the same 65 statements are 5 programs (16 bodies at most each), far from the
// limit: every statement attaches and reports.
TEST(Messages, SixtyFiveStatementsOnOneTracepointShareFivePrograms) {
  const std::string file = sixty_five_statements_on_one_tracepoint();
  Exit e = run_sonde({"run", file, "--duration", "1s"});
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.err.find("attached 65 probes"), std::string::npos) << e.err;
  EXPECT_NE(e.out.find("switches_64_total"), std::string::npos) << e.out;
  EXPECT_TRUE(sonde_programs_left().empty()) << "programs were left behind";
}

// Without root, tracefs cannot be read here: the message says what to do.
TEST(Messages, WithoutRootTheHintSaysWhy) {
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "setpriv (util-linux) is missing";
  const std::string out =
      shell("setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all " + sonde_binary() +
            " check -e 'on tracepoint:sched:sched_switch count' 2>&1");
  if (out.find("Permission denied") == std::string::npos)
    GTEST_SKIP() << "tracefs is readable by nobody on this machine: " << out;
  EXPECT_NE(out.find("hint: the kernel's tracepoints are read from tracefs, which only root may "
                     "read here: run sonde as root (sudo)"),
            std::string::npos)
      << out;
}

// A string the kernel could not read (a pointer to nowhere) is a marker and a counted
// decode error, not an empty label that looks like a real empty string.
TEST(Messages, AnUnreadableStringIsMarkedAndCounted) {
  Sonde sonde(
      "on tracepoint:syscalls:sys_enter_openat where comm == \"probes_workload\" count by "
      "str(filename, 32) as opens");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"badpath", "7"});
  const std::string body = sonde.metrics();
  EXPECT_EQ(sample(body, "opens_total", "filename=\"[unreadable]\""), 7) << body;
  EXPECT_EQ(sample(body, "opens_total", "filename=\"\""), std::nullopt) << body;
  EXPECT_GE(sample(body, "sonde_decode_errors_total").value_or(0), 1) << body;
}

}  // namespace
}  // namespace sonde::e2e
