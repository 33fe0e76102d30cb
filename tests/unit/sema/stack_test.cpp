// The BPF stack of a statement's programs (compiler/sema/stack.h): what does not fit is
// refused where it is written, instead of failing to compile after `check` said yes.
#include <gtest/gtest.h>

#include "compiler/sema/stack.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

// Three string labels of 251, 251 and 201 bytes: 720 bytes with their padding. clang
// refused the generated C ("the BPF stack limit of 512 bytes is exceeded").
TEST(Stack, LabelsPastTheBudgetAreRefused) {
  const std::string source =
      "on tracepoint:sched:sched_switch count by a = str(nsecs, 250), b = str(cgroup, 250), "
      "c = str(nsecs, 200)";
  Checker checker;
  EXPECT_EQ(checker.check(source),
            "<input>:1:1: error: this statement needs about 720 bytes of BPF stack on "
            "tracepoint:sched:sched_switch; a program has 448\n" +
                source + "\n^" + std::string(source.size() - 1, '~') +
                "\nhint: its labels take 720 bytes, its compared strings and the values it reads "
                "through pointers 0: use shorter str() bounds, fewer string labels or fewer "
                "members per statement\n");
}

// Compared strings need buffers of their own; members read through pointers 8 bytes
// each; a span end holds its key, its start record and the metric key.
TEST(Stack, WhatEachProgramHolds) {
  Checker checker;
  ASSERT_EQ(
      checker.check("on rawtracepoint:sched_switch where str(prev.mm, 99) == str(next.mm, 49) "
                    "&& prev.pid + next.tgid > 0 count by comm, current.pid"),
      "");
  const CheckedStatement& s = checker.result().statements.at(0);
  StackUse use = stack_use(s, s.programs.at(0));
  EXPECT_EQ(use.records, 16u + 8u);            // comm, pid
  EXPECT_EQ(use.values, 100u + 50u + 4 * 8u);  // two buffers, four members (mm twice)

  Checker span;
  ASSERT_EQ(span.check("span s {\n"
                       "  start tracepoint:sched:sched_wakeup key pid\n"
                       "  end tracepoint:sched:sched_switch key next_pid\n"
                       "  label t = target_cpu\n"  // sched_switch has none: kept at the start
                       "}\n"
                       "count latency of s by t, cpu"),
            "");
  const CheckedStatement& t = span.result().statements.at(0);
  for (const ProbeProgram& p : t.programs) {
    StackUse u = stack_use(t, p);
    if (p.role == ProgramRole::kSpanStart) {
      EXPECT_EQ(u.records, 8u + (8u + 8u));
    } else {
      EXPECT_EQ(u.records, 8u + (8u + 8u) + (8u + 8u));
    }
  }
}

// An event's record is its statement's index, then its fields.
TEST(Stack, AnEventsRecordHoldsItsHeader) {
  Checker checker;
  ASSERT_EQ(checker.check("on tracepoint:sched:sched_switch print comm, current.pid"), "");
  const CheckedStatement& s = checker.result().statements.at(0);
  EXPECT_EQ(stack_use(s, s.programs.at(0)).records, 8u + 16u + 8u);
}

}  // namespace
}  // namespace sonde::sema
