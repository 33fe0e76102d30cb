// `slo` statements as sema sees them: what each form selects (the series Prometheus
// rates) and located errors with hints for objectives that cannot be measured.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "compiler/sema/sema.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

// The fixture loads no stdlib: a span of read(2), an SLO histogram of it and two
// counters for the statements on line 5 to state objectives over.
constexpr const char* kProgram =
    "span rd { start tracepoint:syscalls:sys_enter_read key tid; end "
    "tracepoint:syscalls:sys_exit_read key tid }\n"
    "histogram buckets(1ms, 5ms, 10ms, 50ms) latency of rd by comm as read_slo\n"
    "on tracepoint:syscalls:sys_exit_read count by comm as reads\n"
    "on tracepoint:syscalls:sys_exit_read where ret < 0 count by comm as failed\n";

std::string on_line_five(std::string expected) {
  for (size_t at = expected.find("<input>:1:"); at != std::string::npos;
       at = expected.find("<input>:1:", at))
    expected.replace(at, 10, "<input>:5:");
  return expected;
}

TEST(Slo, BucketOfAHistogramOverItsCount) {
  Checker checker;
  ASSERT_EQ(checker.check(std::string(kProgram) +
                          "slo \"reads under 10ms\" objective 99.5% window 28d: read_slo <= 10ms "
                          "where comm == \"dd\""),
            "");
  ASSERT_EQ(checker.result().slos.size(), 1u);
  const spec::Slo& slo = checker.result().slos[0];
  EXPECT_EQ(slo.name, "reads under 10ms");
  EXPECT_EQ(slo.id, "reads_under_10ms");
  EXPECT_DOUBLE_EQ(slo.objective, 0.995);
  EXPECT_EQ(slo.window_seconds, 28u * 86400);
  EXPECT_TRUE(slo.bucket);
  EXPECT_EQ(slo.bound, 10'000'000);
  EXPECT_EQ(slo.unit, spec::Unit::kNanoseconds);
  EXPECT_EQ(slo.good_metric, "read_slo_seconds_bucket");
  EXPECT_EQ(slo.total_metric, "read_slo_seconds_count");
  ASSERT_EQ(slo.good_matchers.size(), 1u);
  EXPECT_EQ(slo.good_matchers[0].label, "comm");
  EXPECT_TRUE(slo.good_matchers[0].equal);
  EXPECT_EQ(slo.good_matchers[0].value, "dd");
  EXPECT_EQ(slo.total_matchers.size(), 1u);
  EXPECT_EQ(slo.origin, "<input>:5:1");
}

TEST(Slo, TheFullNameAndADefaultWindowOfThirtyDays) {
  Checker checker;
  ASSERT_EQ(
      checker.check(std::string(kProgram) + "slo \"fast\" objective 99%: read_slo_seconds <= 50ms"),
      "");
  ASSERT_EQ(checker.result().slos.size(), 1u);
  EXPECT_EQ(checker.result().slos[0].window_seconds, 30u * 86400);
  EXPECT_EQ(checker.result().slos[0].bound, 50'000'000);
  EXPECT_TRUE(checker.result().slos[0].good_matchers.empty());
}

TEST(Slo, ACounterFilteredByItsLabels) {
  Checker checker;
  ASSERT_EQ(checker.check(std::string(kProgram) +
                          "slo \"not dd\" objective 99.95%: reads where comm != \"dd\""),
            "");
  ASSERT_EQ(checker.result().slos.size(), 1u);
  const spec::Slo& slo = checker.result().slos[0];
  EXPECT_DOUBLE_EQ(slo.objective, 0.9995);
  EXPECT_FALSE(slo.bucket);
  EXPECT_EQ(slo.good_metric, "reads_total");
  EXPECT_EQ(slo.total_metric, "reads_total");
  ASSERT_EQ(slo.good_matchers.size(), 1u);
  EXPECT_FALSE(slo.good_matchers[0].equal);
  EXPECT_TRUE(slo.total_matchers.empty());
}

TEST(Slo, TwoCounters) {
  Checker checker;
  ASSERT_EQ(checker.check(std::string(kProgram) +
                          "slo \"reads fail\" objective 90%: failed / reads where comm == \"x\" "
                          "&& comm != \"y\""),
            "");
  ASSERT_EQ(checker.result().slos.size(), 1u);
  const spec::Slo& slo = checker.result().slos[0];
  EXPECT_EQ(slo.good_metric, "failed_total");
  EXPECT_EQ(slo.total_metric, "reads_total");
  EXPECT_EQ(slo.good_matchers.size(), 2u);
  EXPECT_EQ(slo.total_matchers.size(), 2u);
}

struct Case {
  const char* source;
  const char* expected;
};

class BadSlos : public testing::TestWithParam<Case> {};

TEST_P(BadSlos, AreLocatedErrorsWithHints) {
  Checker checker;
  EXPECT_EQ(checker.check(std::string(kProgram) + GetParam().source),
            on_line_five(GetParam().expected))
      << GetParam().source;
  EXPECT_TRUE(checker.result().slos.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Slo, BadSlos,
    testing::Values(
        Case{"slo \"x\" objective 99%: read_slo <= 20ms",
             "<input>:1:36: error: 20ms is not a bucket bound of 'read_slo_seconds', so no series "
             "counts the events at or below it\n"
             "slo \"x\" objective 99%: read_slo <= 20ms\n"
             "                                   ^~~~\n"
             "hint: its bounds are 1ms, 5ms, 10ms, 50ms; give the histogram this bound: histogram "
             "buckets(..., 20ms, ...)\n"},
        Case{"slo \"x\" objective 99%: read_slo <= 4KiB",
             "<input>:1:36: error: 4KiB is a size, but 'read_slo_seconds' measures durations\n"
             "slo \"x\" objective 99%: read_slo <= 4KiB\n"
             "                                   ^~~~\n"
             "hint: the threshold is one of the histogram's bounds\n"},
        Case{"slo \"x\" objective 99%: read_sol <= 10ms",
             "<input>:1:24: error: no metric of this program is named 'read_sol'\n"
             "slo \"x\" objective 99%: read_sol <= 10ms\n"
             "                       ^~~~~~~~\n"
             "hint: the program's metrics are read_slo, reads, failed; did you mean 'read_slo'?\n"},
        Case{"slo \"x\" objective 99%: reads <= 10ms",
             "<input>:1:24: error: 'reads_total' is not a histogram, so '<=' has no bucket to "
             "count\n"
             "slo \"x\" objective 99%: reads <= 10ms\n"
             "                       ^~~~~\n"
             "hint: compare a histogram with one of its bounds, or use a counter: COUNTER where "
             "LABEL == \"value\"\n"},
        Case{"slo \"x\" objective 99%: read_slo <= 10ms where cmm == \"dd\"",
             "<input>:1:47: error: 'read_slo_seconds' has no label 'cmm'\n"
             "slo \"x\" objective 99%: read_slo <= 10ms where cmm == \"dd\"\n"
             "                                              ^~~\n"
             "hint: its labels are comm; did you mean 'comm'?\n"},
        Case{"slo \"x\" objective 99%: reads where comm < \"dd\"",
             "<input>:1:36: error: an SLO selects series by their labels: LABEL == VALUE, "
             "LABEL != VALUE, or a number label compared with <, <=, >, >= to a number\n"
             "slo \"x\" objective 99%: reads where comm < \"dd\"\n"
             "                                   ^~~~~~~~~~~\n"
             "hint: join them with '&&'; the labels are those of the metric's 'by'\n"},
        Case{"slo \"x\" objective 100%: reads where comm == \"dd\"",
             "<input>:1:19: error: an objective is a percentage above 0 and below 100, not 100%\n"
             "slo \"x\" objective 100%: reads where comm == \"dd\"\n"
             "                  ^~~~\n"
             "hint: write it like 99.5%: 100% would leave no error budget\n"},
        Case{"slo \"x\" objective 99. 5%: reads where comm == \"dd\"",
             "<input>:1:19: error: an objective is written without spaces\n"
             "slo \"x\" objective 99. 5%: reads where comm == \"dd\"\n"
             "                  ^~~~~~\n"
             "hint: like 99.5%\n"},
        Case{"slo \"x\" objective 99% window 30x: reads where comm == \"dd\"",
             "<input>:1:30: error: an SLO window is a duration like 30d, not '30x'\n"
             "slo \"x\" objective 99% window 30x: reads where comm == \"dd\"\n"
             "                             ^~~\n"
             "hint: a whole number of s, m, h, d or w (28d, 4w, 30d)\n"},
        Case{"slo \"x\" objective 99%: most where comm == \"dd\"\n"
             "on tracepoint:syscalls:sys_exit_read max ret as most",
             "<input>:1:24: error: 'most' is not a counter: an SLO counts events\n"
             "slo \"x\" objective 99%: most where comm == \"dd\"\n"
             "                       ^~~~\n"
             "hint: state it over a `count` (or a never negative `sum`), or over a histogram's "
             "bucket: METRIC <= BOUND\n"}));

// `status < 500` on a number label: a regex of the decimal texts, which Prometheus
// anchors; checked against the comparison itself for every value near the bounds.
TEST(Slo, OrderComparisonsOfNumberLabelsAreRegexesOfTheirTexts) {
  for (const char* op : {"<", "<=", ">", ">="}) {
    for (int64_t n : {0,   1,   9,   10,  11,  19,  20,  99,  100,  101,  199,
                      200, 299, 399, 400, 499, 500, 501, 599, 1000, 1009, 1234}) {
      Checker checker;
      ASSERT_EQ(
          checker.check(std::string(kProgram) +
                        fmt::format("on tracepoint:syscalls:sys_exit_read count by ret as results\n"
                                    "slo \"x\" objective 99%: results where ret {} {}",
                                    op, n)),
          "")
          << op << n;
      const spec::SloMatcher& m = checker.result().slos.at(0).good_matchers.at(0);
      EXPECT_TRUE(m.regex);
      const std::regex re("^(?:" + m.value + ")$");
      const std::string o = op;
      for (int64_t x = -25; x <= 1300; ++x) {
        const bool want = o == "<" ? x < n : o == "<=" ? x <= n : o == ">" ? x > n : x >= n;
        EXPECT_EQ(std::regex_match(std::to_string(x), re) == m.equal, want)
            << "ret " << o << " " << n << " at " << x << ": " << m.value;
      }
    }
  }
}

TEST(Slo, OrderComparisonsNeedANumberLabel) {
  Checker checker;
  EXPECT_EQ(checker.check(std::string(kProgram) + "slo \"x\" objective 99%: reads where comm < 5"),
            on_line_five("<input>:1:36: error: 'comm' of 'reads_total' is not shown as a number: "
                         "< compares numbers\n"
                         "slo \"x\" objective 99%: reads where comm < 5\n"
                         "                                   ^~~~~~~~\n"
                         "hint: select its values with ==, e.g. comm == \"...\"\n"));
}

TEST(Slo, TwoOfOneNameAreAnError) {
  Checker checker;
  EXPECT_EQ(
      checker.check(std::string(kProgram) + "slo \"x\" objective 99%: reads where comm == \"a\"\n"
                                            "slo \"X\" objective 90%: reads where comm == \"b\""),
      "<input>:6:5: error: another SLO is also named 'x'\n"
      "slo \"X\" objective 90%: reads where comm == \"b\"\n"
      "    ^~~\n"
      "hint: the rules tell SLOs apart by name: give each its own\n");
  EXPECT_EQ(checker.result().slos.size(), 1u);
}

}  // namespace
}  // namespace sonde::sema
