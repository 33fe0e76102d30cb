// Each row of the aggregation table (runtime/spec/aggregations.h) through every layer on
// the fixture kernel: its keyword parses, sema names the metric as its family says, and
// lowering sizes the value and emits the update the row gives.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "runtime/spec/aggregations.h"
#include "tests/unit/lower/lowering.h"

namespace sonde::lower {
namespace {

TEST(Aggregations, EachValueHasOneRowAndOneKeyword) {
  std::set<std::string> keywords;
  std::set<spec::Aggregation> values;
  for (const auto& a : spec::aggregations()) {
    EXPECT_TRUE(keywords.insert(a.keyword).second) << a.keyword;
    EXPECT_TRUE(values.insert(a.aggregation).second) << a.keyword;
    EXPECT_EQ(&spec::aggregation_info(a.aggregation), &a);
    EXPECT_EQ(spec::find_aggregation(a.keyword), &a);
    EXPECT_TRUE(spec::known_aggregation(a.aggregation));
  }
  EXPECT_FALSE(
      spec::known_aggregation(static_cast<spec::Aggregation>(spec::aggregations().size())));
}

TEST(Aggregations, EveryRowLowers) {
  for (const auto& a : spec::aggregations()) {
    const std::string source = fmt::format("on tracepoint:sched:sched_switch {}{}", a.keyword,
                                           a.takes_value ? " prev_pid" : "");
    Lowered lowered = lower_on_fixture(source);
    ASSERT_TRUE(lowered.ok) << source << "\n" << lowered.diagnostics;
    const spec::Metric& m = lowered.program.metrics.at(0);
    EXPECT_EQ(m.aggregation, a.aggregation) << source;
    // A histogram's value is its head and one slot per bound and one above them.
    const uint32_t buckets = a.bucketed ? static_cast<uint32_t>(m.bounds.size()) + 1 : 0;
    EXPECT_EQ(m.value_size, a.value_size + 8 * buckets) << source;
    EXPECT_EQ(m.window_ns != 0, a.windowed) << source;
    EXPECT_EQ(m.name.ends_with("_total"), spec::family(m) == spec::Family::kCounter) << m.name;
    EXPECT_EQ(m.name.find(fmt::format("_{}", a.keyword)) != std::string::npos, a.keyword_in_name)
        << m.name;
    const std::string update(a.update);
    EXPECT_NE(lowered.c_source.find(update.substr(0, update.find('('))), std::string::npos)
        << source;
  }
}

// prev_pid is signed: a sum of it can go down, so it is a gauge and not a counter.
TEST(Aggregations, SignedSumsAreGauges) {
  Lowered lowered = lower_on_fixture("on tracepoint:sched:sched_switch sum prev_pid");
  ASSERT_TRUE(lowered.ok) << lowered.diagnostics;
  const spec::Metric& m = lowered.program.metrics.at(0);
  EXPECT_TRUE(m.value_signed);
  EXPECT_EQ(spec::family(m), spec::Family::kGauge);
  EXPECT_EQ(m.name, "sonde_sched_switch_prev_pid");
}

}  // namespace
}  // namespace sonde::lower
