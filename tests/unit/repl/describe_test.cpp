// :describe against this kernel and the real stdlib.
#include "tools/sonde/repl/describe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sonde::repl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class Describe : public ::testing::Test {
 protected:
  Describe() { compiler_.load_stdlib(); }
  driver::Compiler compiler_;
};

TEST_F(Describe, TracepointFieldsWithTheirTypes) {
  Description d = describe("tracepoint:sched:sched_switch", compiler_, false);
  ASSERT_TRUE(d.found) << d.text;
  EXPECT_THAT(d.text, HasSubstr("prev_comm"));
  EXPECT_THAT(d.text, HasSubstr("char[16]"));
  EXPECT_THAT(d.text, HasSubstr("next_pid"));
  EXPECT_THAT(d.text, Not(HasSubstr("common_pid")));
  EXPECT_THAT(d.text, HasSubstr("builtins: pid tid comm"));
}

TEST_F(Describe, AnEventShowsItsDefinitionAndFields) {
  Description d = describe("exec", compiler_, false);
  ASSERT_TRUE(d.found) << d.text;
  EXPECT_THAT(d.text, HasSubstr("event exec = tracepoint:sched:sched_process_exec"));
  EXPECT_THAT(d.text, HasSubstr("filename"));
}

TEST_F(Describe, ASpanShowsItsDefinitionAndLabels) {
  Description d = describe("block rq", compiler_, false);
  ASSERT_TRUE(d.found) << d.text;
  EXPECT_THAT(d.text, HasSubstr("span block rq {"));
  EXPECT_THAT(d.text, HasSubstr("labels: disk op"));
  EXPECT_THAT(d.text, HasSubstr("histogram log2 latency of block rq by disk, op"));
}

TEST_F(Describe, UnknownThingsSayWhy) {
  Description d = describe("tracepoint:sched:no_such_thing", compiler_, false);
  EXPECT_FALSE(d.found);
  EXPECT_THAT(d.text, HasSubstr("no_such_thing"));
  EXPECT_FALSE(describe("", compiler_, false).found);
  EXPECT_FALSE(describe("no such span", compiler_, false).found);
}

}  // namespace
}  // namespace sonde::repl
