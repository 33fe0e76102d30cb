// Capabilities: without CAP_BPF/CAP_PERFMON (dropped from the bounding set with capsh,
// so that even root lacks them) sonde run, sonde-agent and sonde repl say which are
// missing and how to grant them; `sonde-agent --drop-capabilities` gives up every
// capability it no longer needs once attached, says which it keeps, and still counts
// exactly, decodes kernel symbols and reports program runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

const std::string kProgram = "on tracepoint:sched:sched_process_exec count by comm";

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string capsh() {
  std::string path = shell("command -v capsh");
  while (!path.empty() && path.back() == '\n') path.pop_back();
  return path;
}

// Runs `command` (already quoted) as root without the capabilities `drop` (capsh names).
Exit run_without(const std::string& drop, const std::string& command,
                 const std::string& stdin_text = {}) {
  Process p({capsh(), "--drop=" + drop, "--", "-c", "exec " + command}, stdin_text);
  return p.wait(60s);
}

class WithoutCapabilities : public testing::Test {
 protected:
  void SetUp() override {
    if (capsh().empty()) GTEST_SKIP() << "capsh is missing (package libcap2-bin)";
    char templ[] = "/tmp/sonde-caps-XXXXXX";
    ASSERT_NE(mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { shell("rm -rf '" + dir_ + "'"); }

  static void expect_clear(const Exit& e, const std::string& missing) {
    EXPECT_EQ(e.signal, 0) << e.err;
    EXPECT_NE(e.err.find("not permitted to load BPF programs: this process lacks " + missing),
              std::string::npos)
        << e.err;
    EXPECT_NE(e.err.find("hint: run it as root, or grant"), std::string::npos) << e.err;
    EXPECT_EQ(e.err.find("RLIMIT_MEMLOCK"), std::string::npos) << e.err;
  }

  std::string dir_;
};

TEST_F(WithoutCapabilities, RunNamesWhatIsMissing) {
  Exit e = run_without("cap_bpf,cap_perfmon,cap_sys_admin",
                       quote(sonde_binary()) + " run -e " + quote(kProgram) + " --duration 1s");
  EXPECT_EQ(e.code, 1);
  expect_clear(e, "CAP_BPF and CAP_PERFMON");
  EXPECT_NE(e.err.find("setcap cap_bpf,cap_perfmon+ep"), std::string::npos) << e.err;
}

TEST_F(WithoutCapabilities, RunNamesOnlyWhatIsMissing) {
  Exit e = run_without("cap_perfmon,cap_sys_admin",
                       quote(sonde_binary()) + " run -e " + quote(kProgram) + " --duration 1s");
  EXPECT_EQ(e.code, 1);
  expect_clear(e, "CAP_PERFMON");
  EXPECT_EQ(e.err.find("lacks CAP_BPF"), std::string::npos) << e.err;
}

TEST_F(WithoutCapabilities, AgentNamesWhatIsMissing) {
  std::ofstream(dir_ + "/p.sonde") << kProgram << "\n";
  Exit built = run_sonde({"build", dir_ + "/p.sonde", "-o", dir_ + "/p.bundle"});
  ASSERT_EQ(built.code, 0) << built.err;
  Exit e = run_without("cap_bpf,cap_perfmon,cap_sys_admin", quote(build_dir() + "/sonde-agent") +
                                                                " " + quote(dir_ + "/p.bundle") +
                                                                " --listen 127.0.0.1:0");
  EXPECT_EQ(e.code, 1);
  expect_clear(e, "CAP_BPF and CAP_PERFMON");
}

TEST_F(WithoutCapabilities, ReplSaysSoAtTheStartAndAtEachAttach) {
  Exit e = run_without("cap_bpf,cap_perfmon,cap_sys_admin", quote(sonde_binary()) + " repl",
                       kProgram + "\n");
  expect_clear(e, "CAP_BPF and CAP_PERFMON");
  EXPECT_NE(e.err.find("statements can be checked but not attached"), std::string::npos) << e.err;
  size_t first = e.err.find("lacks CAP_BPF");
  EXPECT_NE(e.err.find("lacks CAP_BPF", first + 1), std::string::npos)
      << "the statement's attach does not say it\n"
      << e.err;
}

// "CapEff:\t0000000400000000" of /proc/PID/status.
uint64_t capability_set(pid_t pid, const std::string& which) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(which + ":", 0) == 0)
      return std::stoull(line.substr(which.size() + 1), nullptr, 16);
  }
  return ~uint64_t{0};
}

class DropCapabilities : public WithoutCapabilities {};

TEST_F(DropCapabilities, AgentKeepsOnlyWhatDecodingNeedsAndStillWorks) {
  std::ofstream(dir_ + "/p.sonde") << "on tracepoint:syscalls:sys_enter_getpid count by pid\n"
                                      "on tracepoint:timer:timer_start count by ksym(func)\n";
  Exit built = run_sonde({"build", dir_ + "/p.sonde", "-o", dir_ + "/p.bundle"});
  ASSERT_EQ(built.code, 0) << built.err;
  constexpr uint64_t kCalls = 20000;
  GetpidWorkload workload(kCalls);
  int port = free_port();
  Process agent({build_dir() + "/sonde-agent", dir_ + "/p.bundle", "--listen",
                 "127.0.0.1:" + std::to_string(port), "--drop-capabilities"});
  ASSERT_TRUE(agent.wait_for_stderr("attached")) << agent.err();
  EXPECT_NE(
      agent.err().find(
          "dropped every capability but CAP_SYSLOG (kernel symbol addresses in /proc/kallsyms)"),
      std::string::npos)
      << agent.err();
  constexpr uint64_t kSyslog = uint64_t{1} << 34;
  for (const char* set : {"CapEff", "CapPrm", "CapBnd"})
    EXPECT_EQ(capability_set(agent.pid(), set), kSyslog) << set;
  EXPECT_EQ(capability_set(agent.pid(), "CapInh"), 0u);
  EXPECT_EQ(capability_set(agent.pid(), "CapAmb"), 0u);
  BpfIds held = bpf_objects_of(agent.pid());

  workload.go();
  workload.wait();
  shell("sleep 0.3");  // timers fire meanwhile
  auto body = http_get(port);
  ASSERT_TRUE(body);
  // Maps are read, program statistics too, and kernel symbols still resolve.
  EXPECT_EQ(sample(*body, "sonde_sys_enter_getpid_total",
                   "pid=\"" + std::to_string(workload.pid()) + "\""),
            static_cast<double>(kCalls))
      << *body;
  EXPECT_NE(body->find("sonde_timer_start_total{func=\""), std::string::npos) << *body;
  EXPECT_EQ(body->find("func=\"0x"), std::string::npos) << *body;
  double runs = 0;
  for (const auto& [key, value] : parse_exposition(*body)) {
    if (key.rfind("sonde_program_runs_total{", 0) == 0) runs += value;
  }
  EXPECT_GE(runs, static_cast<double>(kCalls)) << *body;

  agent.signal(SIGTERM);
  Exit e = agent.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_TRUE(wait_until_freed(held).empty());
}

TEST_F(DropCapabilities, AgentWithPlainLabelsKeepsNothing) {
  std::ofstream(dir_ + "/p.sonde") << kProgram << "\n";
  Exit built = run_sonde({"build", dir_ + "/p.sonde", "-o", dir_ + "/p.bundle"});
  ASSERT_EQ(built.code, 0) << built.err;
  int port = free_port();
  Process agent({build_dir() + "/sonde-agent", dir_ + "/p.bundle", "--listen",
                 "127.0.0.1:" + std::to_string(port), "--drop-capabilities"});
  ASSERT_TRUE(agent.wait_for_stderr("attached")) << agent.err();
  EXPECT_NE(agent.err().find("dropped every capability\n"), std::string::npos) << agent.err();
  EXPECT_EQ(capability_set(agent.pid(), "CapEff"), 0u);
  EXPECT_EQ(capability_set(agent.pid(), "CapBnd"), 0u);
  shell("/bin/true");  // an exec, counted
  auto body = http_get(port);
  ASSERT_TRUE(body);
  EXPECT_NE(body->find("sonde_sched_process_exec_total{comm=\"true\"}"), std::string::npos)
      << *body;
  agent.signal(SIGINT);
  EXPECT_EQ(agent.wait().code, 0);
}

}  // namespace
}  // namespace sonde::e2e
