#include <gtest/gtest.h>

#include "runtime/bpf/attach.h"
#include "runtime/bpf/stats.h"
#include "tests/unit/bpf/test_util.h"

namespace sonde::bpf {
namespace {

using testing::describe;

TEST(Stats, CountsRunsWhileEnabled) {
  Result<Object> object = Object::open(testing::read_object("plain"), "plain");
  ASSERT_TRUE(object.ok()) << describe(object);
  ASSERT_TRUE(object->load().ok());
  Result<StatsEnabler> enabled = StatsEnabler::enable();
  ASSERT_TRUE(enabled.ok()) << describe(enabled);
  EXPECT_TRUE(enabled->active());
  Result<Links> links =
      attach(*object, testing::probe("count_getpid", spec::AttachKind::kTracepoint,
                                     "syscalls:sys_enter_getpid", "tracepoint"));
  ASSERT_TRUE(links.ok()) << describe(links);
  testing::call_getpid(1000);
  Result<ProgramStats> stats = object->stats("count_getpid");
  ASSERT_TRUE(stats.ok()) << describe(stats);
  EXPECT_EQ(stats->name, "count_getpid");
  EXPECT_GT(stats->id, 0u);
  EXPECT_GE(stats->run_count, 1000u);  // other processes call getpid too
  EXPECT_GT(stats->run_time_ns, 0u);
  EXPECT_FALSE(object->stats("nope").ok());
}

}  // namespace
}  // namespace sonde::bpf
