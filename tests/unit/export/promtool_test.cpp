// The exposition checked by Prometheus' own parser and linter.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "runtime/export/prometheus_text.h"
#include "tests/unit/export/test_snapshots.h"

namespace sonde::exporter {
namespace {

constexpr const char* kPromtool = "/usr/bin/promtool";

struct CheckResult {
  int exit_code = -1;
  std::string output;
};

CheckResult promtool_check(const std::string& text) {
  // Named by pid: ctest runs each test case as its own process, in parallel.
  const std::string dir = ::testing::TempDir() + "/" + std::to_string(getpid());
  const std::string input = dir + "-sonde_exposition.txt";
  const std::string output = dir + "-sonde_promtool.out";
  std::ofstream(input) << text;
  const std::string command =
      std::string(kPromtool) + " check metrics < " + input + " > " + output + " 2>&1";
  const int status = std::system(command.c_str());
  CheckResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream read;
  read << std::ifstream(output).rdbuf();
  result.output = read.str();
  return result;
}

TEST(Promtool, AcceptsVariedSnapshot) {
  if (access(kPromtool, X_OK) != 0) GTEST_SKIP() << "promtool is not installed";
  std::string text;
  append_prometheus_text(testing::varied_snapshot(), text);
  const CheckResult result = promtool_check(text);
  EXPECT_EQ(result.exit_code, 0) << result.output << "\n" << text;
}

// The check above can fail: promtool rejects what Prometheus would reject.
TEST(Promtool, RejectsBrokenText) {
  if (access(kPromtool, X_OK) != 0) GTEST_SKIP() << "promtool is not installed";
  const CheckResult result =
      promtool_check("# HELP a_total x\n# TYPE a_total counter\na_total{l=\"\xff\"} 1\n");
  EXPECT_NE(result.exit_code, 0) << result.output;
}

}  // namespace
}  // namespace sonde::exporter
