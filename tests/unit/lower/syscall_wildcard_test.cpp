// Syscall wildcards lowered as one raw program (compiler/lower/syscall_wildcard.h) on
// the fixture kernel, with a threshold low enough for its few syscalls; and the numbers
// of the running kernel's syscall tracepoints (compiler/kernel/syscall_numbers.h).
#include <dirent.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "compiler/kernel/syscall_numbers.h"
#include "compiler/lower/lower.h"
#include "tests/fixtures/kernel/fixture_kernel.h"
#include "tests/unit/lower/lowering.h"

namespace sonde::lower {
namespace {

std::string lowered_c(const std::string& source, size_t threshold) {
  Checked checked = check_on_fixture(source);
  EXPECT_FALSE(checked.has_errors) << checked.diagnostics;
  Options options;
  options.syscall_wildcard_threshold = threshold;
  auto out = lower(checked.program, fixture::fixture_kernel(), options);
  EXPECT_TRUE(out) << (out ? "" : out.error().message);
  return out ? out->c_source : "";
}

// read(fd, buf, count) and write(fd, buf, count): each field is the register of its
// position among the syscall's arguments (di, si, dx, r10, r8, r9).
TEST(SyscallWildcard, FieldsAreTheRegistersOfTheirPositions) {
  const std::string c =
      lowered_c("on tracepoint:syscalls:sys_enter_[rw]* where fd == 1 sum count by func", 2);
  EXPECT_NE(c.find("SEC(\"raw_tp/sys_enter\")"), std::string::npos) << c;
  EXPECT_NE(c.find("[0] = {1, 0, 0, 0},\n  [1] = {1, 0, 1, 0}"), std::string::npos) << c;
  const size_t fd = c.find("&((struct pt_regs *)ctx->args[0])->di);");
  const size_t count = c.find("&((struct pt_regs *)ctx->args[0])->dx);");
  EXPECT_NE(fd, std::string::npos) << c;
  EXPECT_NE(count, std::string::npos) << c;
  EXPECT_LT(fd, count) << c;  // the condition first, then the value
  EXPECT_EQ(c.find("tracepoint/syscalls/"), std::string::npos) << c;
}

// The threshold counts syscalls (one is enough at 1), and a field at the same position
// of each event is one read: close(fd) and lseek(fd, offset, whence).
TEST(SyscallWildcard, TheThresholdCountsSyscallsAndFieldsMapByPosition) {
  const std::string c = lowered_c("on tracepoint:syscalls:sys_enter_close count", 1);
  EXPECT_NE(c.find("SEC(\"raw_tp/sys_enter\")"), std::string::npos) << c;
  const std::string same = lowered_c("on tracepoint:syscalls:sys_enter_[cl]* sum fd", 2);
  EXPECT_NE(same.find("SEC(\"raw_tp/sys_enter\")"), std::string::npos) << same;
  // __syscall_nr is the number the table was indexed by.
  const std::string nr =
      lowered_c("on tracepoint:syscalls:sys_enter_* count by syscall(__syscall_nr)", 2);
  EXPECT_NE(nr.find("key.k0 = (__s64)(__s32)(nr);"), std::string::npos) << nr;
}

// Every syscall tracepoint of the running kernel: the number the header gives it, or
// none (newer than the header), never one number for two tracepoints.
TEST(SyscallNumbers, EveryTracepointOfThisKernelMapsOnceOrNotAtAll) {
  DIR* dir = opendir("/sys/kernel/tracing/events/syscalls");
  if (!dir) GTEST_SKIP() << "no tracefs at /sys/kernel/tracing: cannot list this kernel's syscalls";
  std::map<uint32_t, std::string> by_number;
  std::set<std::string> unknown;
  size_t events = 0;
  while (dirent* d = readdir(dir)) {
    std::string name = d->d_name;
    if (!name.starts_with("sys_enter_")) continue;
    ++events;
    std::string syscall = name.substr(10);
    auto nr = kernel::syscall_number(syscall);
    if (!nr) {
      unknown.insert(syscall);
      continue;
    }
    EXPECT_LT(*nr, kernel::syscall_number_limit());
    auto [it, fresh] = by_number.emplace(*nr, syscall);
    EXPECT_TRUE(fresh) << syscall << " and " << it->second << " both map to " << *nr;
  }
  closedir(dir);
  ASSERT_GT(events, 0u);
  // The header's own names for the renamed entry points name no tracepoint.
  EXPECT_EQ(kernel::syscall_number("stat"), std::nullopt);
  EXPECT_EQ(kernel::syscall_number("newstat"), 4u);
  EXPECT_EQ(kernel::syscall_number("umount"), 166u);
  EXPECT_EQ(kernel::syscall_number("read"), 0u);
  std::string list;
  for (const auto& u : unknown) list += " " + u;
  // Reported, not asserted: the header may be older than the kernel (they keep a
  // classic program each).
  std::cerr << events - unknown.size() << " of " << events
            << " syscall tracepoints have a number; not in the header:" << list << "\n";
  EXPECT_GT(by_number.size(), events / 2);
}

}  // namespace
}  // namespace sonde::lower
