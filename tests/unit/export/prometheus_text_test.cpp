#include "runtime/export/prometheus_text.h"

#include <cmath>

#include <gtest/gtest.h>

#include "runtime/export/families.h"
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
ratio{k="nan"} Nan
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
  FamilyBuilder builder;
  const auto& families = builder.build(snapshot);
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[1].name, "ok_total");
  EXPECT_EQ(builder.left_out(), (std::vector<std::string>{"req_count", "req"}));
}

// prometheus-cpp 1.0.1 writes HELP as given: a newline in it would end the line early.
TEST(PrometheusText, HelpIsEscapedBeforeTheLibrarySeesIt) {
  EXPECT_EQ(escape_help("a\\b\nc \"d\" \xff"), "a\\\\b\\nc \"d\" \xef\xbf\xbd");
}

// A warm scrape reuses the converted series; what changed still shows.
TEST(PrometheusText, BuilderReusedAcrossScrapesFollowsChanges) {
  FamilyBuilder builder;
  metrics::Snapshot first;
  first.families.push_back(
      counter("a_total", {"comm"}, {value_series({"bash"}, 1), value_series({"sshd"}, 2)}));
  builder.build(first);
  metrics::Snapshot second;
  second.families.push_back(
      counter("a_total", {"comm"}, {value_series({"bash"}, 3), value_series({"\xffx"}, 4)}));
  second.families.push_back(gauge("g", {}, {value_series({}, 5)}));
  std::string out;
  append_serialized(builder.build(second), out);
  EXPECT_EQ(out,
            "# HELP a_total Help for a_total\n# TYPE a_total counter\n"
            "a_total{comm=\"bash\"} 3\na_total{comm=\"\xef\xbf\xbdx\"} 4\n"
            "# HELP g Help for g\n# TYPE g gauge\ng 5\n");
  metrics::Snapshot third;  // the family at place 0 is another one now
  third.families.push_back(histogram("a_total", spec::Unit::kNone, {"comm"},
                                     {histogram_series({"bash"}, {1}, {1}, 0, 1)}));
  out.clear();
  append_serialized(builder.build(third), out);
  EXPECT_EQ(out,
            "# HELP a_total Help for a_total\n# TYPE a_total histogram\n"
            "a_total_count{comm=\"bash\"} 1\na_total_sum{comm=\"bash\"} 1\n"
            "a_total_bucket{comm=\"bash\",le=\"1\"} 1\n"
            "a_total_bucket{comm=\"bash\",le=\"+Inf\"} 1\n");
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
