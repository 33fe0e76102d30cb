// Programs built to exhaust sonde get a located error and exit 1, within 1 GB of
// memory: nesting deep enough to overflow the stack, and aliases of aliases that grow
// exponentially when expanded (before the bounds, 8 such lines took 3 GB and aborted).
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

struct Limited {
  int code = -1;
  std::string out;
};

// `sonde check FILE` with its memory limited to 1 GB: its address space, or, when it is
// built with AddressSanitizer (which reserves terabytes of address space), its RSS.
Limited check_limited(const std::string& program) {
  char templ[] = "/tmp/sonde-limits-XXXXXX.sonde";
  int fd = mkstemps(templ, 6);
  close(fd);
  std::ofstream(templ) << program;
  const std::string sonde = "'" + sonde_binary() + "'";
  Limited r;
  r.out = shell("if ldd " + sonde +
                " | grep -q libasan; then export ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}"
                "hard_rss_limit_mb=1024\"; else ulimit -v 1000000; fi; " +
                sonde + " check " + templ + " 2>&1; echo \"exit $?\"");
  unlink(templ);
  size_t at = r.out.rfind("exit ");
  if (at != std::string::npos) r.code = std::atoi(r.out.c_str() + at + 5);
  return r;
}

TEST(Limits, DeepNestingIsAnError) {
  std::string program = "on tracepoint:sched:sched_switch where ";
  program += std::string(50000, '(') + "next_pid" + std::string(50000, ')') + " > 0 count\n";
  Limited r = check_limited(program);
  EXPECT_EQ(r.code, 1) << r.out.substr(0, 500);
  EXPECT_NE(r.out.find(":1:104: error: this expression nests more than 64 levels deep"),
            std::string::npos)
      << r.out.substr(0, 500);
}

TEST(Limits, AliasesThatMultiplyAreAnError) {
  std::string program = "alias tracepoint:timer:timer_start a0 = expires + 1\n";
  for (int i = 1; i < 8; ++i) {
    program +=
        "alias tracepoint:timer:timer_start a" + std::to_string(i) + " = a" + std::to_string(i - 1);
    for (int k = 1; k < 12; ++k) program += " + a" + std::to_string(i - 1);
    program += "\n";
  }
  program += "on tracepoint:timer:timer_start sum a7\n";
  Limited r = check_limited(program);
  EXPECT_EQ(r.code, 1) << r.out.substr(0, 500);
  EXPECT_NE(
      r.out.find("error: this expression grows past 4096 operations once its aliases are expanded"),
      std::string::npos)
      << r.out.substr(0, 500);
}

TEST(Limits, AliasesThatNestTooDeepAreAnError) {
  std::string program = "alias tracepoint:timer:timer_start a0 = expires + 1\n";
  for (int i = 1; i < 9; ++i) {
    program +=
        "alias tracepoint:timer:timer_start a" + std::to_string(i) + " = a" + std::to_string(i - 1);
    for (int k = 0; k < 40; ++k) program += " + 1";
    program += "\n";
  }
  program += "on tracepoint:timer:timer_start sum a8\n";
  Limited r = check_limited(program);
  EXPECT_EQ(r.code, 1) << r.out.substr(0, 500);
  EXPECT_NE(
      r.out.find(
          "error: this expression nests more than 100 levels deep once its aliases are expanded"),
      std::string::npos)
      << r.out.substr(0, 500);
}

}  // namespace
}  // namespace sonde::e2e
