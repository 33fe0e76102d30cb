// `print`: one record per event through a ring buffer, against the real kernel. What is
// printed is checked against what the workload did (its own calls, in its own order), and
// in a flood, printed + lost against the number of system calls the child made.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "runtime/spec/bundle.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// "N events lost" on sonde's stderr: the last count said (0 when none was).
uint64_t lost_said(const std::string& err) {
  uint64_t lost = 0;
  std::regex said(R"((\d+) events lost)");
  for (std::sregex_iterator it(err.begin(), err.end(), said), end; it != end; ++it)
    lost = std::stoull((*it)[1]);
  return lost;
}

TEST(Events, EveryCallPrintedInOrderWithDecodedFields) {
  constexpr int kCalls = 200;
  Process sonde({sonde_binary(), "run", "-e",
                 with_workload("on uprobe:W:sonde_probed_* where comm == \"probes_workload\" "
                               "print pid, comm, n = arg0, probe")});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  auto w = run_workload({"add", std::to_string(kCalls)});
  // The records are read every 100 ms; the last ones at the latest when sonde stops.
  sonde.signal(SIGINT);
  Exit exit = sonde.wait();
  ASSERT_EQ(exit.code, 0) << sonde.err();
  std::vector<std::string> lines = lines_of(sonde.out());
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(words_of(lines[0]), (std::vector<std::string>{"PID", "COMM", "N", "PROBE"}));
  std::vector<long> seen;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto words = words_of(lines[i]);
    ASSERT_EQ(words.size(), 4u) << lines[i];
    if (words[0] != std::to_string(w->pid())) continue;  // another run of the workload
    EXPECT_EQ(words[1], "probes_workload");
    EXPECT_EQ(words[3], fmt::format("uprobe:{}:sonde_probed_add", workload()));
    seen.push_back(std::stol(words[2]));
  }
  std::vector<long> made(kCalls);
  for (int i = 0; i < kCalls; ++i) made[i] = i;  // the workload's arguments, in its order
  EXPECT_EQ(seen, made);
  EXPECT_EQ(lost_said(sonde.err()), 0u) << sonde.err();
}

// A span's print: one record per completed span, its latency first; the condition runs
// after the pairing, so an "only slower than" statement keeps none of these calls.
TEST(Events, SpanLatencyPerCompletedSpan) {
  constexpr uint64_t kCalls = 40;
  GetpidWorkload child(kCalls);
  Process sonde({sonde_binary(), "run", "-e",
                 fmt::format("print latency of syscall getpid where pid == {0} by pid, comm\n"
                             "print latency of syscall getpid where pid == {0} && latency > 1h",
                             child.pid())});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  child.go();
  child.wait();
  sonde.signal(SIGINT);
  ASSERT_EQ(sonde.wait().code, 0) << sonde.err();
  std::vector<std::string> lines = lines_of(sonde.out());
  // Two statements: each line starts with its statement's name; the headers come first.
  ASSERT_GE(lines.size(), 2u) << sonde.out();
  EXPECT_EQ(words_of(lines[0]),
            (std::vector<std::string>{"sonde_print0:", "LATENCY_NS", "PID", "COMM"}));
  EXPECT_EQ(words_of(lines[1]), (std::vector<std::string>{"sonde_print1:", "LATENCY_NS"}));
  uint64_t spans = 0;
  for (size_t i = 2; i < lines.size(); ++i) {
    auto words = words_of(lines[i]);
    ASSERT_EQ(words.size(), 4u) << lines[i];
    EXPECT_EQ(words[0], "sonde_print0:") << lines[i];
    EXPECT_GT(std::stoull(words[1]), 0u) << lines[i];
    EXPECT_EQ(words[2], std::to_string(child.pid())) << lines[i];
    ++spans;
  }
  EXPECT_EQ(spans, kCalls) << sonde.out();
}

TEST(Events, JsonObjectPerEvent) {
  constexpr uint64_t kCalls = 50;
  GetpidWorkload child(kCalls);
  Process sonde({sonde_binary(), "run", "--format", "json", "-e",
                 fmt::format("on tracepoint:syscalls:sys_enter_getpid where pid == {} "
                             "print pid, comm, syscall(__syscall_nr)",
                             child.pid())});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  child.go();
  child.wait();
  sonde.signal(SIGINT);
  ASSERT_EQ(sonde.wait().code, 0) << sonde.err();
  std::vector<std::string> lines = lines_of(sonde.out());
  ASSERT_EQ(lines.size(), kCalls) << sonde.out();
  std::regex object(fmt::format(
      R"(^\{{"ts":[0-9.]+,"event":"sonde_print0","fields":\{{"pid":"{}","comm":"[^"]+","syscall":"getpid"\}}\}}$)",
      child.pid()));
  for (const auto& l : lines) EXPECT_TRUE(std::regex_match(l, object)) << l;
}

// More events than the buffer holds between reads: every one is printed or counted lost,
// exactly, and the count on stderr is the one /metrics exports. Fifteen comms make a
// record of about 250 bytes, so the 1 MiB buffer holds some 4,000: a tight loop of
// getpid calls fills it between two reads (100 ms apart).
TEST(Events, AFloodIsPrintedOrCountedLostExactly) {
  constexpr uint64_t kCalls = 300'000;
  GetpidWorkload child(kCalls);
  const int port = free_port();
  std::string fields = "pid";
  for (char c = 'a'; c < 'a' + 15; ++c) fields += fmt::format(", {} = comm", c);
  Process sonde({sonde_binary(), "run", "--listen", fmt::format("127.0.0.1:{}", port), "-e",
                 fmt::format("on tracepoint:syscalls:sys_enter_getpid where pid == {} print {}",
                             child.pid(), fields)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  child.go();
  child.wait();
  // Every record is committed or counted by now: the child has exited.
  auto body = http_get(port);
  ASSERT_TRUE(body);
  sonde.signal(SIGINT);
  ASSERT_EQ(sonde.wait().code, 0) << sonde.err();
  std::vector<std::string> lines = lines_of(sonde.out());
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(words_of(lines[0]).size(), 16u) << lines[0];
  EXPECT_EQ(words_of(lines[0])[0], "PID");
  uint64_t printed = 0;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto words = words_of(lines[i]);
    ASSERT_EQ(words.size(), 16u) << "line " << i << ": " << lines[i];
    ASSERT_EQ(words[0], std::to_string(child.pid())) << "line " << i;
    ++printed;
  }
  const uint64_t lost = lost_said(sonde.err());
  EXPECT_EQ(printed + lost, kCalls) << "printed " << printed << ", lost " << lost;
  auto exported =
      sample(*body, "sonde_events_lost_total", "statement=\"sonde_print0\",origin=\"<input>:1:1\"");
  ASSERT_TRUE(exported) << *body;
  EXPECT_EQ(*exported, static_cast<double>(lost));
  // If this machine ever keeps up, the test still holds but no longer tests losses: say so.
  if (lost == 0) GTEST_SKIP() << "no event was lost: the flood did not fill the buffer";
}

TEST(Events, BuildAndTheAgentRefusePrint) {
  const std::string bundle = fmt::format("/tmp/sonde_events_test_{}.bundle", getpid());
  Exit build =
      run_sonde({"build", "-e", "on tracepoint:sched:sched_process_exec print comm", "-o", bundle});
  EXPECT_EQ(build.code, 1);
  EXPECT_THAT(build.err, testing::HasSubstr("<input>:1:1: error: 'print' shows events while you "
                                            "explore; a bundle exports metrics only"));
  EXPECT_THAT(build.err, testing::HasSubstr("hint: run it with 'sonde run'"));
  EXPECT_NE(access(bundle.c_str(), F_OK), 0) << "a bundle was written";
  Exit check = run_sonde({"check", "-e", "on tracepoint:sched:sched_process_exec print comm"});
  EXPECT_EQ(check.code, 0) << check.err;

  // A bundle holding events anyway (not made by sonde build): the agent says no.
  spec::Bundle b;
  b.producer = "events_test";
  spec::Program p;
  spec::Events e;
  e.name = "sonde_print0";
  e.origin = "<input>:1:1";
  e.record_size = 24;
  p.events.push_back(e);
  p.events_map = "sonde_events";
  p.object = {0x7f, 'E', 'L', 'F'};  // never loaded: the agent refuses the bundle first
  b.programs.push_back(p);
  ASSERT_TRUE(spec::write_bundle(bundle, b));
  Process agent({build_dir() + "/sonde-agent", bundle});
  Exit refused = agent.wait();
  unlink(bundle.c_str());
  EXPECT_EQ(refused.code, 1) << agent.err();
  EXPECT_THAT(agent.err(), testing::HasSubstr(fmt::format(
                               "error: {}: <input>:1:1: 'print' shows events while you explore; "
                               "sonde-agent exports metrics only",
                               bundle)));
}

}  // namespace
}  // namespace sonde::e2e
