#include "tools/sonde/repl/input_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sonde::repl {
namespace {

using ::testing::ElementsAre;

TEST(SplitStatements, OneStatementIsItselfTrimmed) {
  EXPECT_THAT(split_statements("  on tracepoint:sched:sched_process_exec count  \n"),
              ElementsAre("on tracepoint:sched:sched_process_exec count"));
}

TEST(SplitStatements, SemicolonsAndNewlinesSeparate) {
  EXPECT_THAT(split_statements(
                  "event e = tracepoint:sched:sched_process_exec; on e count\non e count by comm"),
              ElementsAre("event e = tracepoint:sched:sched_process_exec", "on e count",
                          "on e count by comm"));
}

TEST(SplitStatements, ASpanDefinitionStaysWhole) {
  std::string span =
      "span my rq {\n  start tracepoint:sched:sched_wakeup key pid; end "
      "tracepoint:sched:sched_switch key next_pid\n}";
  EXPECT_THAT(split_statements(span + "\nhistogram log2 latency of my rq"),
              ElementsAre(span, "histogram log2 latency of my rq"));
}

TEST(SplitStatements, SeparatorsInStringsAndCommentsDoNotSplit) {
  EXPECT_THAT(
      split_statements("on tracepoint:sched:sched_process_exec where comm == \"a;b\" count # x; y"),
      ElementsAre("on tracepoint:sched:sched_process_exec where comm == \"a;b\" count # x; y"));
}

TEST(SplitStatements, CommentsAndBlanksAloneAreDropped) {
  EXPECT_THAT(split_statements("# nothing here\n\n  ;  \n"), ElementsAre());
}

TEST(NeedsMoreLines, WhileABraceIsOpen) {
  EXPECT_TRUE(needs_more_lines("span a b {\n  start tracepoint:x:y key pid\n"));
  EXPECT_FALSE(needs_more_lines("span a b {\n  start tracepoint:x:y key pid\n}\n"));
  EXPECT_FALSE(needs_more_lines("on tracepoint:x:y where comm == \"{\" count"));
  EXPECT_FALSE(needs_more_lines("on tracepoint:x:y count # {"));
}

TEST(CurrentStatementStart, AfterTheLastSeparator) {
  EXPECT_EQ(current_statement_start("on a:b count; on t"), 13u);
  EXPECT_EQ(current_statement_start("span x {\n  start t"), 9u);
  EXPECT_EQ(current_statement_start("on t"), 0u);
}

}  // namespace
}  // namespace sonde::repl
