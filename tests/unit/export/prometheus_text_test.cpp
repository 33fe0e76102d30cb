#include "runtime/export/prometheus_text.h"

#include <cmath>

#include <gtest/gtest.h>

#include "runtime/export/exposition.h"
#include "tests/unit/export/test_snapshots.h"

namespace sonde::exporter {
namespace {

using testing::counter;
using testing::gauge;
using testing::histogram;
using testing::histogram_series;
using testing::summary;
using testing::value_series;

std::string render(std::vector<metrics::Family> families) {
  metrics::Snapshot snapshot;
  snapshot.families = std::move(families);
  std::string out;
  append_prometheus_text(snapshot, out);
  return out;
}

struct Case {
  const char* name;
  std::vector<metrics::Family> families;
  const char* expected;
};

metrics::Family with_help(metrics::Family family, std::string help) {
  family.help = std::move(help);
  return family;
}

metrics::Family with_unit(metrics::Family family, spec::Unit unit) {
  family.unit = unit;
  return family;
}

std::vector<Case> cases() {
  return {
      {"counter with escaped labels and help",
       {with_help(counter("timer_start_total", {"func", "path"},
                          {value_series({"tick\"sched", "C:\\x\nnew"}, 3),
                           value_series({"a", "b"}, 1e20)}),
                  "Timer starts\nby function \\ \"path\"")},
       R"(# HELP timer_start_total Timer starts\nby function \\ "path"
# TYPE timer_start_total counter
timer_start_total{func="tick\"sched",path="C:\\x\nnew"} 3
timer_start_total{func="a",path="b"} 1e+20
)"},
      {"gauges without labels and odd values",
       {gauge("queue_depth", {}, {value_series({}, -2.5)}),
        gauge("ratio", {"k"},
              {value_series({"nan"}, NAN), value_series({"inf"}, INFINITY),
               value_series({"tiny"}, 1e-300)})},
       R"(# HELP queue_depth Help for queue_depth
# TYPE queue_depth gauge
queue_depth -2.5
# HELP ratio Help for ratio
# TYPE ratio gauge
ratio{k="nan"} NaN
ratio{k="inf"} +Inf
ratio{k="tiny"} 1e-300
)"},
      {"latency histogram: cumulative, in seconds, +Inf equals count",
       {histogram("lat_seconds", spec::Unit::kNanoseconds, {"disk"},
                  {histogram_series({"vda"}, {256, 512, 1024}, {1, 0, 3}, 2, 5000)})},
       R"(# HELP lat_seconds Help for lat_seconds
# TYPE lat_seconds histogram
lat_seconds_count{disk="vda"} 6
lat_seconds_sum{disk="vda"} 5e-06
lat_seconds_bucket{disk="vda",le="2.56e-07"} 1
lat_seconds_bucket{disk="vda",le="5.12e-07"} 1
lat_seconds_bucket{disk="vda",le="1.024e-06"} 4
lat_seconds_bucket{disk="vda",le="+Inf"} 6
)"},
      {"bytes histogram without labels, two series share bounds",
       {histogram("size_bytes", spec::Unit::kBytes, {"op"},
                  {histogram_series({"read"}, {0, 1024, 2048}, {1, 2, 3}, 0, 4096),
                   histogram_series({"write"}, {0, 1024, 2048}, {}, 0, 0)}),
        histogram("plain", spec::Unit::kNone, {}, {histogram_series({}, {0, 1}, {0, 1}, 0, 1)})},
       R"(# HELP size_bytes Help for size_bytes
# TYPE size_bytes histogram
size_bytes_count{op="read"} 6
size_bytes_sum{op="read"} 4096
size_bytes_bucket{op="read",le="0"} 1
size_bytes_bucket{op="read",le="1024"} 3
size_bytes_bucket{op="read",le="2048"} 6
size_bytes_bucket{op="read",le="+Inf"} 6
size_bytes_count{op="write"} 0
size_bytes_sum{op="write"} 0
size_bytes_bucket{op="write",le="0"} 0
size_bytes_bucket{op="write",le="1024"} 0
size_bytes_bucket{op="write",le="2048"} 0
size_bytes_bucket{op="write",le="+Inf"} 0
# HELP plain Help for plain
# TYPE plain histogram
plain_count 1
plain_sum 1
plain_bucket{le="0"} 0
plain_bucket{le="1"} 1
plain_bucket{le="+Inf"} 1
)"},
      {"families without series still say what they are",
       {counter("oom_kills_total", {"comm"}, {}),
        with_help(histogram("empty_seconds", spec::Unit::kNanoseconds, {}, {}), "")},
       R"(# HELP oom_kills_total Help for oom_kills_total
# TYPE oom_kills_total counter
# HELP empty_seconds empty_seconds
# TYPE empty_seconds histogram
)"},
      {"nanosecond sums are seconds too",
       {with_unit(counter("busy_seconds_total", {}, {value_series({}, 1.5e9)}),
                  spec::Unit::kNanoseconds)},
       R"(# HELP busy_seconds_total Help for busy_seconds_total
# TYPE busy_seconds_total counter
busy_seconds_total 1.5
)"},
      {"invalid names and bytes never make invalid text",
       {counter("9bad-name", {"my label", "my-label", "0x"},
                {value_series({"\xff", "caf\xc3\xa9"}, 1)}),
        histogram("h", spec::Unit::kNone, {"le"}, {histogram_series({"x"}, {1}, {1}, 0, 1)})},
       "# HELP _9bad_name Help for 9bad-name\n"
       "# TYPE _9bad_name counter\n"
       "_9bad_name{my_label=\"\xef\xbf\xbd\",my_label_2=\"caf\xc3\xa9\",_0x=\"\"} 1\n"
       "# HELP h Help for h\n"
       "# TYPE h histogram\n"
       "h_count{le_2=\"x\"} 1\n"
       "h_sum{le_2=\"x\"} 1\n"
       "h_bucket{le_2=\"x\",le=\"1\"} 1\n"
       "h_bucket{le_2=\"x\",le=\"+Inf\"} 1\n"},
      {"a family whose names collide with an earlier one is left out",
       {histogram("req", spec::Unit::kNone, {}, {}), counter("req_count", {}, {}),
        gauge("req", {}, {})},
       R"(# HELP req Help for req
# TYPE req histogram
)"},
      {"avg is a summary without quantiles, in seconds, zero before its first value",
       {summary("read_seconds", spec::Unit::kNanoseconds, {"comm", "quantile"},
                {testing::summary_series({"nginx", "q"}, 4, 6000),
                 testing::summary_series({"idle", "q"}, 0, 0)}),
        summary("read_seconds_count", spec::Unit::kNone, {}, {})},
       R"(# HELP read_seconds Help for read_seconds
# TYPE read_seconds summary
read_seconds_count{comm="nginx",quantile_2="q"} 4
read_seconds_sum{comm="nginx",quantile_2="q"} 6e-06
read_seconds_count{comm="idle",quantile_2="q"} 0
read_seconds_sum{comm="idle",quantile_2="q"} 0
)"},
      {"bounds that do not ascend are folded into the next bucket",
       {histogram("h", spec::Unit::kNone, {},
                  {histogram_series({}, {1, 1, NAN, 4}, {1, 2, 3, 4}, 0, 10)})},
       R"(# HELP h Help for h
# TYPE h histogram
h_count 10
h_sum 10
h_bucket{le="1"} 1
h_bucket{le="4"} 10
h_bucket{le="+Inf"} 10
)"},
  };
}

TEST(PrometheusText, ExactExposition) {
  for (const Case& c : cases()) {
    EXPECT_EQ(render(c.families), c.expected) << c.name;
  }
}

TEST(PrometheusText, CollidingFamiliesAreNamed) {
  metrics::Snapshot snapshot;
  snapshot.families = {histogram("req", spec::Unit::kNone, {}, {}), counter("req_count", {}, {}),
                       gauge("req", {}, {}), counter("ok_total", {}, {})};
  ExpositionWriter writer;
  TextBuffer text;
  writer.write(snapshot, text);
  EXPECT_EQ(writer.left_out(), (std::vector<std::string>{"req_count", "req"}));
  EXPECT_NE(text.view().find("# TYPE ok_total counter\n"), std::string_view::npos) << text.view();
}

TEST(PrometheusText, HelpIsEscaped) {
  EXPECT_EQ(escape_help("a\\b\nc \"d\" \xff"), "a\\\\b\\nc \"d\" \xef\xbf\xbd");
}

std::string write_with(ExpositionWriter& writer, const metrics::Snapshot& snapshot) {
  TextBuffer text;
  writer.write(snapshot, text);
  return std::string(text.view());
}

// A warm scrape reuses the label text of the series at the same place; what changed
// still shows, whether a value, a label, the family at a place or the series count.
TEST(PrometheusText, WriterReusedAcrossScrapesFollowsChanges) {
  ExpositionWriter writer;
  metrics::Snapshot first;
  first.families.push_back(
      counter("a_total", {"comm"},
              {value_series({"bash"}, 1), value_series({"sshd"}, 2), value_series({"cron"}, 7)}));
  write_with(writer, first);
  metrics::Snapshot second;
  second.families.push_back(
      counter("a_total", {"comm"}, {value_series({"bash"}, 3), value_series({"\xffx"}, 4)}));
  second.families.push_back(gauge("g", {}, {value_series({}, 5)}));
  EXPECT_EQ(write_with(writer, second),
            "# HELP a_total Help for a_total\n# TYPE a_total counter\n"
            "a_total{comm=\"bash\"} 3\na_total{comm=\"\xef\xbf\xbdx\"} 4\n"
            "# HELP g Help for g\n# TYPE g gauge\ng 5\n");
  metrics::Snapshot third;  // the family at place 0 is another one now
  third.families.push_back(histogram("a_total", spec::Unit::kNone, {"comm"},
                                     {histogram_series({"bash"}, {1}, {1}, 0, 1)}));
  EXPECT_EQ(write_with(writer, third),
            "# HELP a_total Help for a_total\n# TYPE a_total histogram\n"
            "a_total_count{comm=\"bash\"} 1\na_total_sum{comm=\"bash\"} 1\n"
            "a_total_bucket{comm=\"bash\",le=\"1\"} 1\n"
            "a_total_bucket{comm=\"bash\",le=\"+Inf\"} 1\n");
  // Values that differ only in where one label ends and the next begins.
  metrics::Snapshot fourth, fifth;
  fourth.families.push_back(counter("p_total", {"a", "b"}, {value_series({"ab", "c"}, 1)}));
  fifth.families.push_back(counter("p_total", {"a", "b"}, {value_series({"a", "bc"}, 1)}));
  write_with(writer, fourth);
  EXPECT_EQ(
      write_with(writer, fifth),
      "# HELP p_total Help for p_total\n# TYPE p_total counter\np_total{a=\"a\",b=\"bc\"} 1\n");
  // Series lacking a value of a label (never produced by the runtime) get an empty one.
  metrics::Snapshot sixth;
  sixth.families.push_back(counter("p_total", {"a", "b"}, {value_series({"a"}, 2)}));
  EXPECT_EQ(write_with(writer, sixth),
            "# HELP p_total Help for p_total\n# TYPE p_total counter\np_total{a=\"a\",b=\"\"} 2\n");
}

// Whatever a label value holds, the line stays one line that a Prometheus parser reads
// back to the same value: backslash, double quote and newline escaped, nothing else.
TEST(PrometheusText, LabelValuesEscaped) {
  const std::string text = render(
      {counter("e_total", {"v"},
               {value_series({"back\\slash"}, 1), value_series({"say \"hi\""}, 2),
                value_series({"two\nlines"}, 3), value_series({"\\\"\n"}, 4),
                value_series({"tab\there"}, 5), value_series({"caf\xc3\xa9 \xe2\x82\xac"}, 6)})});
  EXPECT_EQ(text,
            "# HELP e_total Help for e_total\n# TYPE e_total counter\n"
            "e_total{v=\"back\\\\slash\"} 1\n"
            "e_total{v=\"say \\\"hi\\\"\"} 2\n"
            "e_total{v=\"two\\nlines\"} 3\n"
            "e_total{v=\"\\\\\\\"\\n\"} 4\n"
            "e_total{v=\"tab\there\"} 5\n"
            "e_total{v=\"caf\xc3\xa9 \xe2\x82\xac\"} 6\n");
}

// Non-finite values in Prometheus' spellings; integers of any size exact, never rounded
// to 16 digits (the library's %.16g printed 2^53 - 1 as 9.007199254740991e+15, and a
// bucket count above 2^53 must not go through a double at all).
TEST(PrometheusText, NumbersExact) {
  const std::string text =
      render({gauge("g", {"k"},
                    {value_series({"nan"}, NAN), value_series({"inf"}, INFINITY),
                     value_series({"-inf"}, -INFINITY), value_series({"max"}, 9007199254740991.0),
                     value_series({"big"}, 18446744073709551616.0),
                     value_series({"third"}, 1.0 / 3), value_series({"sum"}, 0.1 + 0.2)}),
              histogram("h", spec::Unit::kNone, {},
                        {histogram_series({}, {1}, {18446744073709551615ull}, 0, 1e300)})});
  EXPECT_EQ(text,
            "# HELP g Help for g\n# TYPE g gauge\n"
            "g{k=\"nan\"} NaN\n"
            "g{k=\"inf\"} +Inf\n"
            "g{k=\"-inf\"} -Inf\n"
            "g{k=\"max\"} 9007199254740991\n"
            "g{k=\"big\"} 1.8446744073709552e+19\n"
            "g{k=\"third\"} 0.3333333333333333\n"
            "g{k=\"sum\"} 0.30000000000000004\n"
            "# HELP h Help for h\n# TYPE h histogram\n"
            "h_count 18446744073709551615\n"
            "h_sum 1e+300\n"
            "h_bucket{le=\"1\"} 18446744073709551615\n"
            "h_bucket{le=\"+Inf\"} 18446744073709551615\n");
}

TEST(PrometheusText, AppendsWithoutClearing) {
  metrics::Snapshot snapshot;
  snapshot.families.push_back(counter("a_total", {}, {value_series({}, 1)}));
  std::string out = "# previous\n";
  append_prometheus_text(snapshot, out);
  EXPECT_EQ(out,
            "# previous\n# HELP a_total Help for a_total\n# TYPE a_total counter\na_total 1\n");
}

TEST(PrometheusText, RenderingIsDeterministic) {
  metrics::Snapshot snapshot = testing::varied_snapshot();
  std::string first, second;
  append_prometheus_text(snapshot, first);
  append_prometheus_text(snapshot, second);
  EXPECT_EQ(first, second);
  EXPECT_NE(
      first.find("block_rq_latency_seconds_bucket{disk=\"vda\",op=\"read\",le=\"0.016777216\"}"),
      std::string::npos)
      << first;
}

}  // namespace
}  // namespace sonde::exporter
