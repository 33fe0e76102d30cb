// Smoke tests on the running kernel: the probes and types the fixture imitates exist
// here too, and sema reads this machine's BTF and tracefs the way it reads the fixture's.
// Exact diagnostics and types are asserted on the fixture (the other tests here).
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler/sema/probes.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

const CheckedStatement& only(const Checker& checker) { return checker.result().statements.at(0); }

TEST(RunningKernel, ProgramsOfEveryKindCheck) {
  for (const char* source : {
           "on tracepoint:sched:sched_switch count by prev_comm",
           "on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm",
           "on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHED count by comm",
           "on tracepoint:block:block_rq_issue histogram log2 bytes by disk(dev), op(rwbs)",
           "on rawtracepoint:sched_switch count by prev.comm, next_pid = next.pid",
           "on rawtracepoint:sched_switch where prev.__state == 0 count by prev.se.nr_migrations",
           "on rawtracepoint:inet_sock_set_state count by ntop(sk.__sk_common.skc_daddr)",
           "on rawtracepoint:block_rq_issue count by op(rq.cmd_flags)",
           "on kprobe:vfs_read sum count by ksym(arg0)",
           "on profile:hz:99 count by kstack",
           "on software:page-faults:100 count by comm, pid",
           "on uprobe:libc.so.6:malloc histogram log2 arg0",
       }) {
    Checker checker(running_kernel());
    EXPECT_EQ(checker.check(source), "") << source;
    EXPECT_EQ(checker.result().statements.size(), 1u) << source;
  }
}

TEST(RunningKernel, RawTracepointsHaveTypedArguments) {
  Checker checker(running_kernel());
  ASSERT_EQ(checker.check("on rawtracepoint:sched_switch count by prev.comm"), "");
  const ResolvedProbe& p = only(checker).programs.at(0).probe;
  std::vector<std::string> args;
  for (const auto& a : p.args) args.push_back(a.name);
  EXPECT_THAT(args, testing::ElementsAre("preempt", "prev", "next", "prev_state"));
}

TEST(RunningKernel, TracepointsHaveTheirRecordStructs) {
  Checker checker(running_kernel());
  ASSERT_EQ(checker.check("on tracepoint:sched:sched_switch count by prev_comm"), "");
  EXPECT_NE(only(checker).programs.at(0).probe.record_struct, 0u);
}

// More tracepoints than one statement may attach: the cap and its count.
TEST(RunningKernel, WildcardsAreCappedWithTheirCount) {
  Checker checker(running_kernel());
  std::string diagnostics = checker.check("on tracepoint:*:* count");
  EXPECT_THAT(diagnostics, testing::HasSubstr("'tracepoint:*:*' matches "));
  EXPECT_THAT(diagnostics,
              testing::HasSubstr(fmt::format("at most {} can be attached", kMaxWildcardProbes)));
  EXPECT_TRUE(checker.result().statements.empty());
}

// `char buf[]` (ftrace:print) ends the record with a string of its own length: it was
// a string of 0 bytes, a 0-byte key the kernel refused to create a map for.
TEST(RunningKernel, FlexibleCharArrayIsAStringOfTheDefaultBound) {
  Checker checker(running_kernel());
  if (!running_kernel().tracepoint("ftrace", "print"))
    GTEST_SKIP() << "this kernel has no ftrace:print tracepoint";
  ASSERT_EQ(checker.check("on tracepoint:ftrace:print count by buf, c = str(buf, 10)"), "");
  EXPECT_EQ(only(checker).programs.at(0).keys.at(0)->type.kind, ast::TypeKind::kString);
  EXPECT_EQ(only(checker).programs.at(0).keys.at(0)->type.size, 64u);
  EXPECT_EQ(only(checker).programs.at(0).keys.at(1)->type.size, 11u);
}

// A socket's peer is in skc_daddr or skc_v6_daddr by its family: inet() makes the one
// 16-byte address ntop() shows; tcp:tcp_probe's addresses are 28-byte sockaddrs.
TEST(RunningKernel, SocketAddressesOfEitherFamilyAreLabels) {
  Checker checker(running_kernel());
  ASSERT_EQ(checker.check("on rawtracepoint:sock_send_length count by ntop(inet("
                          "sk.__sk_common.skc_family, sk.__sk_common.skc_daddr, "
                          "sk.__sk_common.skc_v6_daddr.in6_u.u6_addr8))"),
            "");
  const auto& key = *only(checker).programs.at(0).keys.at(0);
  EXPECT_EQ(key.type.kind, ast::TypeKind::kDecoded);
  EXPECT_EQ(key.type.size, 16u);
  EXPECT_TRUE(key.type.buffer);
  Checker probe(running_kernel());
  ASSERT_EQ(probe.check("on tracepoint:tcp:tcp_probe count by ntop(daddr), dport"), "");
  EXPECT_EQ(only(probe).programs.at(0).keys.at(0)->type.size, 28u);
}

TEST(RunningKernel, InetNeedsAFamilyAndTwoAddresses) {
  auto check = [](const std::string& source) {
    Checker checker(running_kernel());
    return checker.check(source);
  };
  EXPECT_THAT(check("on rawtracepoint:sock_send_length count by ntop(inet("
                    "sk.__sk_common.skc_family, sk.__sk_common.skc_daddr, "
                    "sk.__sk_common.skc_v6_daddr))"),
              testing::HasSubstr("inet() needs a 16-byte IPv6 address third, not a struct"));
  EXPECT_THAT(check("on rawtracepoint:sock_send_length count by ntop(inet("
                    "sk.__sk_common.skc_family, sk.__sk_common.skc_dport, "
                    "sk.__sk_common.skc_v6_daddr.in6_u.u6_addr8))"),
              testing::HasSubstr("inet() needs a 4-byte IPv4 address second"));
  EXPECT_THAT(check("on rawtracepoint:sock_send_length count by ntop(inet(1, 2))"),
              testing::HasSubstr("inet() takes 3 arguments, not 2"));
}

}  // namespace
}  // namespace sonde::sema
