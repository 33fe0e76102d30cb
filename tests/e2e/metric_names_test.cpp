// The names on /metrics are each exported once: sonde's own families cannot be taken by a
// program, and two files (or bundles) cannot both export one name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "runtime/spec/metric_names.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + std::to_string(getpid()) + "-" + name;
  std::ofstream(path) << text;
  return path;
}

// Every family a running sonde exports beside the program's is a reserved name, so that
// sema's refusal covers all of them (runtime/spec/metric_names.cpp lists them by hand).
TEST(MetricNames, EveryFamilySondeAddsIsReserved) {
  Sonde sonde("on tracepoint:sched:sched_switch count as switches");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  std::istringstream body(sonde.metrics());
  std::set<std::string> families;
  for (std::string line; std::getline(body, line);) {
    if (line.rfind("# TYPE ", 0) == 0) families.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  ASSERT_TRUE(families.count("switches_total")) << sonde.metrics();
  families.erase("switches_total");
  EXPECT_GT(families.size(), 5u);
  for (const auto& f : families) EXPECT_TRUE(spec::is_reserved_metric_name(f)) << f;
}

TEST(MetricNames, AProgramCannotTakeSondesOwnName) {
  Exit e = run_sonde(
      {"check", "-e", "on tracepoint:sched:sched_switch count as sonde_map_updates_dropped"});
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.err.find("<input>:1:43: error: metric 'sonde_map_updates_dropped_total' is one of "
                       "sonde's own metrics"),
            std::string::npos)
      << e.err;
}

TEST(MetricNames, TwoFilesExportingOneNameAreRefusedWithBothPlaces) {
  const std::string a =
      write_temp("a.sonde", "on tracepoint:sched:sched_switch count as switches\n");
  const std::string b =
      write_temp("b.sonde", "\non tracepoint:sched:sched_wakeup count as switches\n");
  Exit run = run_sonde({"run", a, b, "--duration", "1s"});
  EXPECT_EQ(run.code, 1);
  EXPECT_NE(run.err.find("metric 'switches_total' comes from both " + a + ":1:1 and " + b + ":2:1"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(run.err.find("attached"), std::string::npos) << run.err;

  const std::string bundle = ::testing::TempDir() + "/" + std::to_string(getpid()) + "-ab.bundle";
  Exit build = run_sonde({"build", a, b, "-o", bundle});
  EXPECT_EQ(build.code, 1);
  EXPECT_NE(build.err.find("comes from both"), std::string::npos) << build.err;
  EXPECT_NE(access(bundle.c_str(), F_OK), 0) << "a bundle was written";

  // Two bundles, each fine alone, run together.
  const std::string ba = bundle + ".a", bb = bundle + ".b";
  ASSERT_EQ(run_sonde({"build", a, "-o", ba}).code, 0);
  ASSERT_EQ(run_sonde({"build", b, "-o", bb}).code, 0);
  Process agent({build_dir() + "/sonde-agent", ba, bb, "--duration", "1s"});
  Exit e = agent.wait();
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.err.find("metric 'switches_total' comes from both"), std::string::npos) << e.err;
  for (const auto& f : {a, b, ba, bb}) unlink(f.c_str());
}

}  // namespace
}  // namespace sonde::e2e
