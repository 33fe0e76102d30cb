#include "tests/e2e/workload.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

namespace sonde::e2e {

std::string workload() { return build_dir() + "/tests/probes_workload"; }

std::string with_workload(const std::string& program) {
  return std::regex_replace(program, std::regex(R"(\bW:)"), workload() + ":");
}

Sonde::Sonde(const std::string& program)
    : port_(free_port()),
      process_({sonde_binary(), "run", "-e", with_workload(program), "--listen",
                "127.0.0.1:" + std::to_string(port_)}) {}

Sonde::~Sonde() {
  process_.signal(SIGINT);
  process_.wait();
}

std::string Sonde::metrics() {
  auto body = http_get(port_);
  return body ? *body : std::string();
}

std::unique_ptr<Process> run_workload(std::vector<std::string> args, bool hold) {
  args.insert(args.begin(), workload());
  if (hold) args.push_back("--hold");
  auto p = std::make_unique<Process>(args);
  EXPECT_TRUE(p->wait_for_stdout("done", 60s)) << p->err();
  if (!hold) {
    EXPECT_EQ(p->wait().code, 0);
  }
  return p;
}

}  // namespace sonde::e2e
