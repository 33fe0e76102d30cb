// Histogram schemes as sema sees them: the bounds each one lists (what the kernel
// buckets with and the runtime exports), units, and located errors for bad schemes.
// Also what the other aggregations export as: units and names.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "compiler/sema/sema.h"
#include "tests/unit/sema/sema_fixture.h"

namespace sonde::sema {
namespace {

struct Case {
  const char* source;
  const char* expected;
};

// A span of this kernel's read(2) for the statements to measure (the fixture loads no
// stdlib); statements follow on line 2.
constexpr const char* kSpan =
    "span rd { start tracepoint:syscalls:sys_enter_read key tid; end "
    "tracepoint:syscalls:sys_exit_read key tid }\n";

std::string on_line_two(std::string expected) {
  for (size_t at = expected.find("<input>:1:"); at != std::string::npos;
       at = expected.find("<input>:1:", at))
    expected.replace(at, 10, "<input>:2:");
  return expected;
}

class BadSchemes : public testing::TestWithParam<Case> {};

TEST_P(BadSchemes, AreLocatedErrorsWithHints) {
  Checker checker;
  EXPECT_EQ(checker.check(std::string(kSpan) + GetParam().source), on_line_two(GetParam().expected))
      << GetParam().source;
}

INSTANTIATE_TEST_SUITE_P(
    Histograms, BadSchemes,
    testing::Values(
        Case{"histogram buckets(10ms, 5ms) latency of rd",
             "<input>:1:25: error: bucket bounds must increase: 5ms is not above 10ms\n"
             "histogram buckets(10ms, 5ms) latency of rd\n"
             "                        ^~~\n"
             "hint: write each bound once, from the smallest to the largest\n"},
        Case{"histogram buckets(1ms, 1ms) latency of rd",
             "<input>:1:24: error: bucket bounds must increase: 1ms is not above 1ms\n"
             "histogram buckets(1ms, 1ms) latency of rd\n"
             "                       ^~~\n"
             "hint: write each bound once, from the smallest to the largest\n"},
        Case{"histogram buckets(1ms, 4KiB) latency of rd",
             "<input>:1:24: error: 4KiB is a size, but 1ms is a duration\n"
             "histogram buckets(1ms, 4KiB) latency of rd\n"
             "                       ^~~~\n"
             "hint: the bounds of one histogram measure one thing\n"},
        Case{"on tracepoint:block:block_rq_issue histogram buckets(1ms, 2ms) bytes",
             "<input>:1:54: error: 1ms is a duration, but the values of this histogram are sizes "
             "(bytes)\n"
             "on tracepoint:block:block_rq_issue histogram buckets(1ms, 2ms) bytes\n"
             "                                                     ^~~\n"
             "hint: write the bounds as sizes (512B, 4KiB, 1MiB) or plain numbers of bytes\n"},
        Case{"histogram log2(1KiB, 1MiB) latency of rd",
             "<input>:1:16: error: 1KiB is a size, but the values of this histogram are durations "
             "(ns)\n"
             "histogram log2(1KiB, 1MiB) latency of rd\n"
             "               ^~~~\n"
             "hint: write the bounds as durations (1us, 10ms, 1s) or plain numbers of "
             "nanoseconds\n"},
        Case{"histogram linear(0, 300ms, 0) latency of rd",
             "<input>:1:28: error: the step of linear() must be positive, not 0\n"
             "histogram linear(0, 300ms, 0) latency of rd\n"
             "                           ^\n"},
        Case{"histogram log2(10s, 1us) latency of rd",
             "<input>:1:11: error: log2(10s, 1us) has no buckets: the upper bound must be above "
             "the lower\n"
             "histogram log2(10s, 1us) latency of rd\n"
             "          ^~~~~~~~~~~~~~\n"},
        Case{"histogram log2(-1, 10) latency of rd",
             "<input>:1:16: error: log2() bounds start at 0 or above, not -1\n"
             "histogram log2(-1, 10) latency of rd\n"
             "               ^~\n"
             "hint: values at or below the first bound count in the first bucket\n"},
        Case{"histogram log2(1ms) latency of rd",
             "<input>:1:11: error: log2(LOW, HIGH) takes two numbers, not 1\n"
             "histogram log2(1ms) latency of rd\n"
             "          ^~~~~~~~~\n"
             "hint: e.g. log2(1us, 10s): buckets from 1us, each twice as wide as the last, up to "
             "10s or just above\n"},
        Case{"histogram linear(0, 1s) latency of rd",
             "<input>:1:11: error: linear(LOW, HIGH, STEP) takes three numbers, not 2\n"
             "histogram linear(0, 1s) latency of rd\n"
             "          ^~~~~~~~~~~~~\n"
             "hint: e.g. linear(0, 300ms, 25ms): buckets from 0 to 300ms, 25ms wide\n"},
        Case{"histogram log2(1, 9223372036854775807) latency of rd",
             "<input>:1:11: error: log2(1, 9223372036854775807) has a bound above the largest "
             "64-bit integer\n"
             "histogram log2(1, 9223372036854775807) latency of rd\n"
             "          ^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
             "hint: give a lower upper bound\n"},
        Case{"on tracepoint:block:block_rq_issue histogram linear(0, 1048576, 1) bytes",
             "<input>:1:46: error: linear(0, 1048576, 1) makes 1048577 bucket bounds; at most 1024 "
             "are allowed\n"
             "on tracepoint:block:block_rq_issue histogram linear(0, 1048576, 1) bytes\n"
             "                                             ^~~~~~~~~~~~~~~~~~~~~\n"
             "hint: use a larger step, or histogram log2\n"}));

TEST(BadSchemes, AtMostSixtyFourExplicitBoundsAndTheErrorIsAtTheFirstTooMany) {
  std::string list;
  for (int i = 1; i <= 65; ++i) list += (i > 1 ? ", " : "") + std::to_string(i);
  const std::string statement = "histogram buckets(" + list + ") latency of rd";
  const size_t at = statement.find("65");
  Checker checker;
  EXPECT_EQ(checker.check(kSpan + statement),
            "<input>:2:" + std::to_string(at + 1) + ": error: buckets() takes at most 64 bounds\n" +
                statement + "\n" + std::string(at, ' ') +
                "^~\nhint: for evenly spaced bounds use linear(LOW, HIGH, STEP), for a wide range "
                "log2(LOW, HIGH)\n");
}

const CheckedStatement& checked(Checker& checker, const char* source) {
  EXPECT_EQ(checker.check(std::string(kSpan) + source), "") << source;
  static const CheckedStatement kNone;
  return checker.result().statements.empty() ? kNone : checker.result().statements.front();
}

std::vector<int64_t> powers(int64_t low, int count) {
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i) out.push_back(low << i);
  return out;
}

TEST(HistogramBounds, LatencyDefaultsFromOneMicrosecondToSeventeenSeconds) {
  Checker checker;
  const auto& s = checked(checker, "histogram log2 latency of rd");
  EXPECT_EQ(s.buckets.bounds, powers(1000, 25));  // 1us ... 16.777216 s
  EXPECT_EQ(s.unit, spec::Unit::kNanoseconds);
}

TEST(HistogramBounds, SizesAndPlainNumbersFromZeroThenPowersOfTwoToOneGiB) {
  std::vector<int64_t> expected = {0};
  for (int64_t b : powers(1, 31)) expected.push_back(b);  // 1 ... 2^30
  for (const char* source : {"on tracepoint:block:block_rq_issue histogram bytes",
                             "on tracepoint:syscalls:sys_exit_read histogram log2 ret"}) {
    Checker checker;
    EXPECT_EQ(checked(checker, source).buckets.bounds, expected) << source;
  }
}

TEST(HistogramBounds, WrittenRangesAndLists) {
  {
    Checker checker;
    const auto& s = checked(checker, "histogram log2(1ms, 1s) latency of rd");
    EXPECT_EQ(s.buckets.bounds, powers(1'000'000, 11));  // 1ms ... 1.024 s
  }
  {
    Checker checker;
    const auto& s = checked(checker, "histogram linear(0, 300ms, 25ms) latency of rd");
    ASSERT_EQ(s.buckets.bounds.size(), 13u);
    EXPECT_EQ(s.buckets.bounds.front(), 0);
    EXPECT_EQ(s.buckets.bounds[1], 25'000'000);
    EXPECT_EQ(s.buckets.bounds.back(), 300'000'000);
  }
  {
    Checker checker;
    const auto& s = checked(checker, "histogram linear(-10, 10, 3) latency of rd");
    EXPECT_EQ(s.buckets.bounds, (std::vector<int64_t>{-10, -7, -4, -1, 2, 5, 8, 11}));
  }
  {
    Checker checker;
    const auto& s =
        checked(checker, "histogram buckets(1ms, 5ms, 10ms, 50ms, 100ms, 500ms) latency of rd");
    EXPECT_EQ(s.buckets.bounds, (std::vector<int64_t>{1'000'000, 5'000'000, 10'000'000, 50'000'000,
                                                      100'000'000, 500'000'000}));
    EXPECT_EQ(s.buckets.scheme, spec::BucketScheme::kExplicit);
  }
}

TEST(HistogramBounds, BoundsWithAUnitGiveItToValuesWithout) {
  Checker checker;
  const auto& s =
      checked(checker, "on tracepoint:syscalls:sys_exit_read histogram buckets(1ms, 10ms) ret");
  EXPECT_EQ(s.unit, spec::Unit::kNanoseconds);
  EXPECT_EQ(s.metric_name, "sonde_sys_exit_read_ret_seconds");
  Checker plain;
  EXPECT_EQ(checked(plain,
                    "on tracepoint:block:block_rq_issue histogram linear(0, 1000000, "
                    "100000) bytes")
                .unit,
            spec::Unit::kBytes);
}

TEST(Aggregations, ACountOfSpansHasNoUnit) {
  Checker checker;
  const auto& s = checked(checker, "count latency of rd");
  EXPECT_EQ(s.unit, spec::Unit::kNone);
  EXPECT_EQ(s.metric_name, "sonde_rd_total");
}

TEST(Aggregations, AverageIsASummaryNamedAfterItsValue) {
  Checker checker;
  const auto& s = checked(checker, "avg latency of rd");
  EXPECT_EQ(s.metric_name, "sonde_rd_latency_seconds");
  EXPECT_NE(s.help.find("rate(_sum[W]) / rate(_count[W])"), std::string::npos) << s.help;
  Checker signed_value;
  const auto& r = checked(signed_value, "on tracepoint:syscalls:sys_exit_read avg ret");
  EXPECT_TRUE(r.value_signed);
  EXPECT_NE(r.help.find("_sum can go down"), std::string::npos) << r.help;
}

TEST(Aggregations, MinAndMaxStateTheirWindow) {
  Checker checker;
  const auto& s = checked(checker, "max latency of rd");
  EXPECT_EQ(s.window_ns, kDefaultWindowNs);
  EXPECT_NE(s.help.find("over the last 60s to 120s"), std::string::npos) << s.help;
}

TEST(Aggregations, SignedSumsSayTheyCanGoDown) {
  Checker checker;
  const auto& s = checked(checker, "on tracepoint:syscalls:sys_exit_read sum ret");
  EXPECT_TRUE(s.value_signed);
  EXPECT_EQ(s.metric_name, "sonde_sys_exit_read_ret");  // a gauge: no _total
  EXPECT_NE(s.help.find("not rate()"), std::string::npos) << s.help;
  // A condition that keeps the value positive keeps the sum a counter.
  Checker positive;
  const auto& p =
      checked(positive, "on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret by comm");
  EXPECT_FALSE(p.value_signed);
  EXPECT_EQ(p.metric_name, "sonde_sys_exit_read_ret_total");
}

// _total is the counters' suffix: a name that ends so on a gauge or a histogram is refused
// where it is written, not exported for promtool to flag.
TEST(Aggregations, OnlyCountersMayBeNamedTotal) {
  Checker signed_sum;
  EXPECT_NE(signed_sum.check("on tracepoint:syscalls:sys_exit_read sum ret as got_total")
                .find("<input>:1:49: error: 'got_total' ends in _total, which Prometheus keeps "
                      "for counters, but a sum of a signed value can go down"),
            std::string::npos);
  Checker histogram;
  EXPECT_NE(histogram.check("on tracepoint:syscalls:sys_exit_read histogram log2 ret as h_total")
                .find("error: 'h_total' ends in _total, which Prometheus keeps for counters, but "
                      "a histogram is not a counter"),
            std::string::npos);
  Checker counter;
  EXPECT_EQ(counter.check("on tracepoint:syscalls:sys_exit_read sum u64(ret) as got_total"), "");
  EXPECT_EQ(counter.result().statements.front().metric_name, "got_total");
}

}  // namespace
}  // namespace sonde::sema
