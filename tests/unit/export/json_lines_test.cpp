#include "runtime/export/json_lines.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/unit/export/test_snapshots.h"

namespace sonde::exporter {
namespace {

using testing::counter;
using testing::histogram;
using testing::histogram_series;
using testing::value_series;

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

TEST(JsonLines, StringEscaping) {
  EXPECT_EQ(json_string("plain"), R"("plain")");
  EXPECT_EQ(json_string("q\"b\\"), R"("q\"b\\")");
  EXPECT_EQ(json_string("a\nb\tc\rd"), R"("a\nb\tc\rd")");
  EXPECT_EQ(json_string(std::string("\x01\x1f\0", 3)), R"("\u0001\u001f\u0000")");
  EXPECT_EQ(json_string("caf\xc3\xa9 \x7f"), "\"caf\xc3\xa9 \x7f\"");
  EXPECT_EQ(json_string("\xff"), "\"\xef\xbf\xbd\"");
}

TEST(JsonLines, ExactLines) {
  metrics::Snapshot snapshot;
  snapshot.families.push_back(
      counter("read_bytes_total", {"comm"}, {value_series({"ng\"inx"}, 4096)}));
  snapshot.families.push_back(histogram("lat_seconds", spec::Unit::kNanoseconds, {"op"},
                                        {histogram_series({"read"}, {256, 512}, {1, 2}, 1, 1500)}));
  snapshot.families.push_back(counter("none_total", {}, {}));
  snapshot.families.push_back(testing::gauge("g", {}, {value_series({}, NAN)}));
  snapshot.families.push_back(testing::summary("avg_seconds", spec::Unit::kNanoseconds, {},
                                               {testing::summary_series({}, 4, 6000)}));
  std::string out;
  append_json_lines(snapshot, 1700000000.25, out);
  EXPECT_EQ(
      out,
      R"({"ts":1700000000.25,"metric":"read_bytes_total","type":"counter","series":[{"labels":{"comm":"ng\"inx"},"value":4096}]}
{"ts":1700000000.25,"metric":"lat_seconds","type":"histogram","series":[{"labels":{"op":"read"},"buckets":[{"le":2.56e-07,"count":1},{"le":5.12e-07,"count":3}],"sum":1.5e-06,"count":4}]}
{"ts":1700000000.25,"metric":"none_total","type":"counter","series":[]}
{"ts":1700000000.25,"metric":"g","type":"gauge","series":[{"labels":{},"value":null}]}
{"ts":1700000000.25,"metric":"avg_seconds","type":"summary","series":[{"labels":{},"value":1.5e-06,"sum":6e-06,"count":4}]}
)");
}

// Per-interval lines: the interval's bounds on the line, and beside each additive
// series' cumulative fields the same fields for the interval alone; gauges as read.
TEST(JsonLines, IntervalValuesBesideTheTotals) {
  metrics::Snapshot snapshot;
  snapshot.interval = metrics::Interval{1700000000, 1700000005.5, 5.5, false, true};
  snapshot.families.push_back(counter("calls_total", {}, {value_series({}, 40)}));
  snapshot.families.back().increases = {{.value = 15, .changed = true}};
  snapshot.families.push_back(histogram("lat_seconds", spec::Unit::kNanoseconds, {},
                                        {histogram_series({}, {256, 512}, {1, 2}, 1, 1500)}));
  snapshot.families.back().increases = {
      {.count = 2, .sum = 600, .buckets = {0, 1}, .changed = true}};
  snapshot.families.push_back(testing::gauge("g", {}, {value_series({}, 3)}));
  std::string out;
  append_json_lines(snapshot, 1700000005.5, out);
  EXPECT_EQ(
      out,
      R"({"ts":1700000005.5,"interval":{"start":1700000000,"end":1700000005.5,"final":true},"metric":"calls_total","type":"counter","series":[{"labels":{},"value":40,"interval":{"value":15}}]}
{"ts":1700000005.5,"interval":{"start":1700000000,"end":1700000005.5,"final":true},"metric":"lat_seconds","type":"histogram","series":[{"labels":{},"buckets":[{"le":2.56e-07,"count":1},{"le":5.12e-07,"count":3}],"sum":1.5e-06,"count":4,"interval":{"buckets":[{"le":2.56e-07,"count":0},{"le":5.12e-07,"count":1}],"sum":6e-07,"count":2}}]}
{"ts":1700000005.5,"interval":{"start":1700000000,"end":1700000005.5,"final":true},"metric":"g","type":"gauge","series":[{"labels":{},"value":3}]}
)");
}

// Python's json module parses every line, and the structure is what consumers expect.
TEST(JsonLines, PythonParsesVariedSnapshot) {
  // The system interpreter starts fastest (no version-manager shims).
  const std::string python = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
  if (std::system((python + " -c '' 2>/dev/null").c_str()) != 0) {
    GTEST_SKIP() << "python3 is not available";
  }
  std::string out;
  append_json_lines(testing::varied_snapshot(), 1700000000, out);
  const std::string dir = ::testing::TempDir();
  const std::string input = dir + "/sonde_lines.json";
  const std::string script = dir + "/sonde_check_json.py";
  const std::string report = dir + "/sonde_check_json.out";
  std::ofstream(input) << out;
  std::ofstream(script) << R"(import json, sys
kinds = {"counter", "gauge", "histogram", "summary"}
seen = []
for line in open(sys.argv[1], encoding="utf-8"):
    obj = json.loads(line)
    assert set(obj) == {"ts", "metric", "type", "series"}, obj.keys()
    assert obj["ts"] == 1700000000 and obj["type"] in kinds
    for s in obj["series"]:
        assert isinstance(s["labels"], dict)
        assert all(isinstance(v, str) for v in s["labels"].values())
        if obj["type"] == "histogram":
            les = [b["le"] for b in s["buckets"]]
            counts = [b["count"] for b in s["buckets"]]
            assert les == sorted(les) and counts == sorted(counts)
            assert not counts or counts[-1] <= s["count"]
            assert isinstance(s["sum"], (int, float))
        elif obj["type"] == "summary":
            assert isinstance(s["sum"], (int, float)) and isinstance(s["count"], int)
            assert s["value"] is None if s["count"] == 0 else s["value"] == s["sum"] / s["count"]
        else:
            assert isinstance(s["value"], (int, float))
    seen.append("%s:%s:%d" % (obj["metric"], obj["type"], len(obj["series"])))
print(" ".join(seen))
first = json.loads(open(sys.argv[1], encoding="utf-8").readline())
print(json.dumps(first["series"][1]["labels"]))
print(json.dumps(first["series"][2]["labels"], ensure_ascii=False))
)";
  const int status = std::system(
      ("PYTHONIOENCODING=utf-8 " + python + " " + script + " " + input + " > " + report + " 2>&1")
          .c_str());
  std::stringstream text;
  text << std::ifstream(report).rdbuf();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text.str() << "\n" << out;
  EXPECT_EQ(
      text.str(),
      "timer_start_total:counter:4 run_queue_length:gauge:3 temperature:gauge:1 "
      "block_rq_latency_seconds:histogram:2 io_size_bytes:histogram:1 "
      "read_latency_seconds:summary:2 cpu_busy_seconds_total:counter:1 oom_kills_total:counter:0 "
      "_9odd_name_total:counter:1\n"
      "{\"func\": \"quote\\\"back\\\\slash\", \"comm\": \"new\\nline\"}\n"
      "{\"func\": \"\xef\xbf\xbd\xef\xbf\xbd invalid utf-8\", \"comm\": \"caf\xc3\xa9\"}\n");
}

}  // namespace
}  // namespace sonde::exporter
