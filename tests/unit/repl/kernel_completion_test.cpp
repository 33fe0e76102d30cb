// Completion against this kernel's tracepoints and formats and the real stdlib.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "compiler/driver/compiler.h"
#include "tools/sonde/repl/commands.h"
#include "tools/sonde/repl/completion.h"
#include "tools/sonde/repl/kernel_source.h"

namespace sonde::repl {
namespace {

using ::testing::Contains;
using ::testing::Each;
using ::testing::IsSupersetOf;
using ::testing::Not;
using ::testing::StartsWith;

class KernelCompletion : public ::testing::Test {
 protected:
  KernelCompletion() : source_(compiler_, [] { return std::vector<std::string>{"1"}; }) {
    compiler_.set_keep_definitions(true);
    compiler_.load_stdlib();
  }

  std::vector<std::string> offer(const std::string& text) {
    return complete(text, source_, command_names()).candidates;
  }

  driver::Compiler compiler_;
  KernelSource source_;
};

TEST_F(KernelCompletion, SchedCategory) {
  EXPECT_THAT(offer("on tracepoint:sch"), Contains("sched:"));
  EXPECT_THAT(offer("on tracepoint:sch"), Each(StartsWith("sch")));
}

TEST_F(KernelCompletion, FieldsOfSchedSwitch) {
  auto fields = offer("on tracepoint:sched:sched_switch where prev_");
  EXPECT_THAT(fields, IsSupersetOf({"prev_comm", "prev_pid", "prev_prio", "prev_state"}));
  EXPECT_THAT(fields, Each(StartsWith("prev_")));
}

TEST_F(KernelCompletion, TracepointNames) {
  EXPECT_THAT(offer("on tracepoint:sched:sched_sw"), Contains("sched_switch"));
  EXPECT_THAT(offer("on rawtracepoint:sched_sw"), Contains("sched_switch"));
}

TEST_F(KernelCompletion, StdlibSpansEventsAndParameters) {
  EXPECT_THAT(offer("histogram log2 latency of "), IsSupersetOf({"block", "sched", "syscall"}));
  EXPECT_THAT(offer("histogram log2 latency of sched "), Contains("runq"));
  EXPECT_THAT(offer("histogram log2 latency of syscall rea"), Contains("read"));
  EXPECT_THAT(offer("histogram log2 latency of block rq by "),
              IsSupersetOf({"disk", "op", "latency"}));
  EXPECT_THAT(offer("on ex"), IsSupersetOf({"exec", "exit"}));
  EXPECT_THAT(offer("on exec count by file"), Contains("filename"));
}

// `func` where the probe has a name part; profile: has none.
TEST_F(KernelCompletion, FuncWhereTheProbeHasAName) {
  EXPECT_THAT(offer("on tracepoint:syscalls:sys_enter_* count by fu"), Contains("func"));
  EXPECT_THAT(offer("on profile:hz:99 count by fu"), Not(Contains("func")));
}

TEST_F(KernelCompletion, AliasesOfTheProbe) {
  // stdlib: alias tracepoint:timer:timer_start func = function
  EXPECT_THAT(offer("on tracepoint:timer:timer_start count by ksym(fu"),
              IsSupersetOf({"func", "function"}));
}

TEST_F(KernelCompletion, DefinitionsTypedEarlierAreOffered) {
  ASSERT_TRUE(
      compiler_.compile("<repl:1>", "event my_exec = tracepoint:sched:sched_process_exec").ok)
      << compiler_.render();
  EXPECT_THAT(offer("on my_"), Contains("my_exec"));
  EXPECT_THAT(offer("on my_exec count by old_"), Contains("old_pid"));
}

}  // namespace
}  // namespace sonde::repl
