// sonde build + sonde-agent against the real kernel: a real Prometheus scrapes the agent,
// the agent links no compiler, bad bundles attach nothing, --strict refuses partial
// starts, and self-metrics say what runs.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "runtime/spec/program.h"
#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/bundle_fixture.h"
#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

using AgentTest = BundleTest;

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(AgentTest, LinksNoCompilerOrParser) {
  int code = -1;
  std::string ldd = shell("ldd " + agent_binary(), &code);
  ASSERT_EQ(code, 0) << ldd;
  ASSERT_NE(ldd.find("libbpf"), std::string::npos) << ldd;  // ldd did list libraries
  std::string lower = ldd;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* forbidden : {"llvm", "clang", "antlr"}) {
    EXPECT_EQ(lower.find(forbidden), std::string::npos) << forbidden << " in:\n" << ldd;
  }
}

TEST_F(AgentTest, PrometheusScrapesCountersAndHistograms) {
  constexpr uint64_t kCalls = 5000;
  std::string bundle = build("getpid",
                             "on tracepoint:syscalls:sys_enter_getpid count by pid\n"
                             "histogram log2 latency of syscall getpid\n");
  int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 3 probes")) << agent.err();
  GetpidWorkload workload(kCalls);
  workload.go();
  workload.wait();

  PrometheusServer prometheus({"127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(prometheus.ready()) << "Prometheus did not start";
  const std::string counter =
      "sonde_sys_enter_getpid_total{pid=\"" + std::to_string(workload.pid()) + "\"}";
  std::optional<double> calls;
  for (int i = 0; i < 60 && !calls; ++i) {
    calls = prometheus.query_value(counter);
    if (!calls) usleep(500'000);
  }
  ASSERT_TRUE(calls) << prometheus.query(counter);
  EXPECT_EQ(*calls, static_cast<double>(kCalls));

  auto p99 = prometheus.query_value(
      "histogram_quantile(0.99, sonde_syscall_getpid_latency_seconds_bucket)");
  ASSERT_TRUE(p99) << prometheus.query("sonde_syscall_getpid_latency_seconds_bucket");
  EXPECT_GT(*p99, 0.0);
  EXPECT_LT(*p99, 1.0);  // a getpid takes microseconds, not seconds
  auto observed = prometheus.query_value("sonde_syscall_getpid_latency_seconds_count");
  ASSERT_TRUE(observed);
  EXPECT_GE(*observed, static_cast<double>(kCalls));

  // Self-metrics reach Prometheus too.
  EXPECT_EQ(prometheus.query_value("min(sonde_probe_attached)"), 1.0);
  EXPECT_EQ(prometheus.query_value("count(sonde_bundle_info)"), 1.0);

  agent.signal(SIGTERM);
  Exit e = agent.wait();
  EXPECT_EQ(e.code, 0) << e.err;
}

TEST_F(AgentTest, SelfMetricsCountProgramRunsAndExitLeavesNothing) {
  constexpr uint64_t kCalls = 3000;
  std::string bundle = build("runs", "on tracepoint:syscalls:sys_enter_getpid count by pid\n");
  int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 probe")) << agent.err();
  std::set<uint32_t> programs = bpf_objects_of(agent.pid()).programs;
  ASSERT_EQ(programs.size(), 1u);

  GetpidWorkload workload(kCalls);
  workload.go();
  workload.wait();
  auto body = http_get(port);
  ASSERT_TRUE(body);
  const std::string labels =
      "program=\"sonde_s0_p0\",probe=\"tracepoint:syscalls:sys_enter_getpid\",statement=\"" + dir_ +
      "/runs.sonde:1:1\"";
  // The kernel counts runs only while run-time statistics are on: the agent turned them on.
  auto runs = sample(*body, "sonde_program_runs_total", labels);
  ASSERT_TRUE(runs) << *body;
  EXPECT_GE(*runs, static_cast<double>(kCalls));
  auto seconds = sample(*body, "sonde_program_run_seconds_total", labels);
  ASSERT_TRUE(seconds) << *body;
  EXPECT_GT(*seconds, 0.0);
  EXPECT_EQ(sample(*body, "sonde_probe_attached",
                   "probe=\"tracepoint:syscalls:sys_enter_getpid\",statement=\"" + dir_ +
                       "/runs.sonde:1:1\""),
            1.0);
  EXPECT_EQ(sample(*body, "sonde_map_capacity",
                   "metric=\"sonde_sys_enter_getpid_total\",map=\"sonde_m0\""),
            10240.0);
  EXPECT_TRUE(sample(*body, "sonde_map_entries",
                     "metric=\"sonde_sys_enter_getpid_total\",map=\"sonde_m0\""));
  EXPECT_EQ(
      sample(*body, "sonde_map_updates_dropped_total", "metric=\"sonde_sys_enter_getpid_total\""),
      0.0);
  EXPECT_TRUE(sample(*body, "sonde_decode_errors_total"));
  EXPECT_TRUE(sample(*body, "sonde_scrape_duration_seconds"));

  std::string file = dir_ + "/metrics.txt";
  std::ofstream(file) << *body;
  int code = -1;
  std::string promtool = shell("promtool check metrics < " + file + " 2>&1", &code);
  EXPECT_EQ(code, 0) << promtool;

  agent.signal(SIGINT);
  Exit e = agent.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.signal, 0);
  // The kernel frees it a moment after the last holder lets go.
  BpfIds left = wait_until_freed(BpfIds{programs, {}, {}});
  EXPECT_TRUE(left.empty()) << left.to_string() << " outlived the agent";
}

// One program per source file in a bundle, and several bundles in one agent.
TEST_F(AgentTest, SeveralProgramsPerBundleAndSeveralBundles) {
  std::ofstream(dir_ + "/exec.sonde") << "on tracepoint:sched:sched_process_exec count\n";
  std::ofstream(dir_ + "/fork.sonde") << "on tracepoint:sched:sched_process_fork count\n";
  Exit built =
      run_sonde({"build", dir_ + "/exec.sonde", dir_ + "/fork.sonde", "-o", dir_ + "/two.bundle"});
  ASSERT_EQ(built.code, 0) << built.err;
  EXPECT_NE(built.err.find("2 programs, 2 probes, 2 metrics"), std::string::npos) << built.err;
  std::string third = build("getpid", "on tracepoint:syscalls:sys_enter_getpid count\n");
  int port = free_port();
  Process agent({agent_binary(), dir_ + "/two.bundle", third, "--listen",
                 "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 3 probes")) << agent.err();
  shell("/bin/true");
  auto body = http_get(port);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait().code, 0);
  ASSERT_TRUE(body);
  EXPECT_GE(sample(*body, "sonde_sched_process_exec_total").value_or(0), 1.0) << *body;
  EXPECT_GE(sample(*body, "sonde_sched_process_fork_total").value_or(0), 1.0) << *body;
  EXPECT_TRUE(sample(*body, "sonde_sys_enter_getpid_total")) << *body;
  // The checksum label is the one in the file's header (bytes 12-15, little-endian).
  std::string bytes = read_all(third);
  ASSERT_GE(bytes.size(), 16u);
  uint32_t crc = 0;
  for (int i = 0; i < 4; ++i)
    crc |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[12 + i])) << (8 * i);
  char hex[9];
  snprintf(hex, sizeof hex, "%08x", crc);
  EXPECT_EQ(sample(*body, "sonde_bundle_info",
                   "bundle=\"" + third + "\",checksum=\"" + hex + "\",producer=\"sonde 0.1.0\""),
            1.0)
      << *body;
}

// Tracepoint fields are read at offsets relocated for this kernel (the agent hands
// libbpf the subset of the kernel's BTF the object needs, runtime/btf).
TEST_F(AgentTest, ReadsTracepointFieldsOfThisKernel) {
  std::string bundle = build("exec", "on tracepoint:sched:sched_process_exec count by pid\n");
  int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 probe")) << agent.err();
  std::vector<pid_t> children;
  for (int i = 0; i < 3; ++i) {
    pid_t child = fork();
    if (child == 0) {
      execl("/bin/true", "true", nullptr);
      _exit(127);
    }
    children.push_back(child);
    int status = 0;
    waitpid(child, &status, 0);
  }
  auto body = http_get(port);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait().code, 0);
  ASSERT_TRUE(body);
  for (pid_t child : children) {
    EXPECT_EQ(
        sample(*body, "sonde_sched_process_exec_total", "pid=\"" + std::to_string(child) + "\""),
        1.0)
        << *body;
  }
}

// A syscall wildcard is one raw_syscalls program with its table of numbers in the
// object (compiler/lower/syscall_wildcard.h): the bundle carries it as it is, and the
// agent counts a forked child's syscalls by name, as the child made them.
TEST_F(AgentTest, SyscallWildcardIsOneRawProgramInTheBundle) {
  constexpr int kParent = 25, kGroup = 10;
  GatedChild child([] {
    for (int i = 0; i < kParent; ++i) syscall(SYS_getppid);
    for (int i = 0; i < kGroup; ++i) syscall(SYS_getpgid, 0);
    return 0;
  });
  std::string bundle =
      build("wild", "on tracepoint:syscalls:sys_enter_* where current.pid == " +
                        std::to_string(child.pid()) + " count by func as entered\n");
  int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached")) << agent.err();
  // One raw tracepoint link for the syscalls the header knows.
  EXPECT_EQ(attachments_of(agent.pid()).links["raw_tracepoint"], 1);
  child.go();
  ASSERT_TRUE(child.wait());
  auto body = http_get(port);
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait().code, 0);
  ASSERT_TRUE(body);
  EXPECT_EQ(sample(*body, "entered_total", "func=\"sys_enter_getppid\""), kParent) << *body;
  EXPECT_EQ(sample(*body, "entered_total", "func=\"sys_enter_getpgid\""), kGroup) << *body;
  EXPECT_EQ(sample(*body, "entered_total", "func=\"sys_enter_exit_group\""), 1) << *body;
  EXPECT_FALSE(sample(*body, "entered_total", "func=\"sys_enter_getpid\"")) << *body;
}

// A field of enum type (skb_drop_reason): CO-RE matches it with an enum only, so the
// generated C declares it as one (an integer there failed to relocate, and the agent
// refused the bundle). Each UDP datagram to a loopback port nobody listens on is freed
// with reason NO_SOCKET: at least that many, whatever else the machine drops.
TEST_F(AgentTest, ReadsEnumFieldsOfThisKernel) {
  std::string bundle = build("drops", "on tracepoint:skb:kfree_skb count by reason\n");
  int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 probe")) << agent.err();

  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(udp, 0);
  sockaddr_in closed{};
  closed.sin_family = AF_INET;
  closed.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof closed;
  // A port that was free a moment ago: bound, named, closed again.
  int probe = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_EQ(bind(probe, reinterpret_cast<sockaddr*>(&closed), sizeof closed), 0);
  ASSERT_EQ(getsockname(probe, reinterpret_cast<sockaddr*>(&closed), &len), 0);
  close(probe);
  const int kDatagrams = 40;
  for (int i = 0; i < kDatagrams; ++i) {
    ASSERT_EQ(sendto(udp, "x", 1, 0, reinterpret_cast<sockaddr*>(&closed), sizeof closed), 1);
  }
  close(udp);

  // A datagram is dropped when the loopback's softirq receives it: in a softirq thread,
  // that can be after sendto() returned; wait (bounded) for them.
  std::optional<std::string> body;
  wait_until([&] {
    body = http_get(port);
    return !body ||
           sample(*body, "sonde_kfree_skb_total", "reason=\"NO_SOCKET\"").value_or(0) >= kDatagrams;
  });
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait().code, 0);
  ASSERT_TRUE(body);
  EXPECT_GE(sample(*body, "sonde_kfree_skb_total", "reason=\"NO_SOCKET\"").value_or(0), kDatagrams)
      << *body;
}

// A bundle with a probe this kernel cannot attach (kprobes are off here) next to one
// that works.
TEST_F(AgentTest, NonStrictRunsWhatAttachesAndSaysWhatDidNot) {
  std::string bundle = build("partial",
                             "on tracepoint:syscalls:sys_enter_getpid count\n"
                             "on kprobe:vfs_read count\n");
  int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 of 2 probes")) << agent.err();
  EXPECT_NE(agent.err().find("warning: " + dir_ + "/partial.sonde:2:1: kprobe:vfs_read"),
            std::string::npos)
      << agent.err();
  EXPECT_NE(agent.err().find("CONFIG_KPROBES"), std::string::npos) << agent.err();
  EXPECT_EQ(bpf_objects_of(agent.pid()).links.size(), 1u);  // one attachment
  auto body = http_get(port);
  ASSERT_TRUE(body);
  const std::string statement = "statement=\"" + dir_ + "/partial.sonde:";
  EXPECT_EQ(
      sample(*body, "sonde_probe_attached", "probe=\"kprobe:vfs_read\"," + statement + "2:1\""),
      0.0)
      << *body;
  EXPECT_EQ(sample(*body, "sonde_probe_attached",
                   "probe=\"tracepoint:syscalls:sys_enter_getpid\"," + statement + "1:1\""),
            1.0)
      << *body;
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.wait().code, 0);
}

TEST_F(AgentTest, StrictRefusesToStartWhenAProbeCannotAttach) {
  std::string bundle = build("partial",
                             "on tracepoint:syscalls:sys_enter_getpid count\n"
                             "on kprobe:vfs_read count\n");
  Process agent(
      {agent_binary(), bundle, "--strict", "--listen", "127.0.0.1:" + std::to_string(free_port())});
  Exit e = agent.wait();
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find("error: " + dir_ + "/partial.sonde:2:1: kprobe:vfs_read"), std::string::npos)
      << e.err;
  EXPECT_EQ(e.err.find("attached"), std::string::npos) << e.err;
}

// A tracepoint the build host has and this kernel lacks: the bundle is edited the way
// docs/bundle-format.md describes (same-length rename, checksum recomputed).
TEST_F(AgentTest, MissingTracepointIsNamed) {
  std::string bundle = build("missing", "on tracepoint:syscalls:sys_enter_getpid count\n");
  int code = -1;
  std::string out = shell(
      "python3 - '" + bundle +
          "' <<'EOF'\n"
          "import sys, zlib\n"
          "p = sys.argv[1]\n"
          "b = bytearray(open(p, 'rb').read())\n"
          "assert b.count(b'syscalls:sys_enter_getpid') >= 2\n"
          "b = bytearray(b.replace(b'syscalls:sys_enter_getpid', b'syscalls:sys_enter_getpiq'))\n"
          "b[12:16] = zlib.crc32(bytes(b[16:])).to_bytes(4, 'little')\n"
          "open(p, 'wb').write(b)\n"
          "EOF",
      &code);
  ASSERT_EQ(code, 0) << out;
  Exit e = Process({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(free_port())})
               .wait();
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find("tracepoint:syscalls:sys_enter_getpiq"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("no probe could be attached"), std::string::npos) << e.err;
}

struct BadBundle {
  const char* name;
  const char* damage;    // python3 statements on `b`, the bundle's bytes
  std::string expected;  // in the error
};

class BadBundles : public AgentTest, public testing::WithParamInterface<BadBundle> {};

// The good bundle is given first: nothing of it may be attached either, so the agent
// must not make a single bpf() call (strace says).
TEST_P(BadBundles, ClearErrorExitOneNothingAttached) {
  std::string good = build("good", "on tracepoint:syscalls:sys_enter_getpid count\n");
  std::string bad = dir_ + "/bad.bundle";
  int code = -1;
  std::string out = shell(std::string("python3 - '") + good + "' '" + bad + "' <<'EOF'\n" +
                              "import sys\n"
                              "b = bytearray(open(sys.argv[1], 'rb').read())\n" +
                              GetParam().damage + "\nopen(sys.argv[2], 'wb').write(b)\nEOF",
                          &code);
  ASSERT_EQ(code, 0) << out;
  std::string trace = dir_ + "/strace.txt";
  Exit e =
      Process({"/usr/bin/strace", "-f", "-qq", "-e", "trace=bpf,perf_event_open", "-o", trace,
               agent_binary(), good, bad, "--listen", "127.0.0.1:" + std::to_string(free_port())})
          .wait();
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find("error: " + bad + ": " + GetParam().expected), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("hint: "), std::string::npos) << e.err;
  EXPECT_EQ(e.err.find("attached"), std::string::npos) << e.err;
  std::string calls = read_all(trace);
  EXPECT_EQ(calls.find("bpf("), std::string::npos) << calls;
  EXPECT_EQ(calls.find("perf_event_open("), std::string::npos) << calls;
}

INSTANTIATE_TEST_SUITE_P(
    Damage, BadBundles,
    testing::Values(
        BadBundle{"Corrupted", "b[len(b) // 2] ^= 0xff", "corrupted bundle: checksum mismatch"},
        BadBundle{"Truncated", "b = b[:len(b) // 2]", "truncated bundle: "},
        BadBundle{"WrongVersion", "b[8:12] = (99).to_bytes(4, 'little')",
                  "bundle format version 99, but this sonde reads version " +
                      std::to_string(spec::kFormatVersion)},
        // Version 1 described histograms by a scheme this runtime no longer computes.
        BadBundle{"VersionOne", "b[8:12] = (1).to_bytes(4, 'little')",
                  "bundle format version 1, but this sonde reads version " +
                      std::to_string(spec::kFormatVersion)},
        BadBundle{"NotABundle", "b = bytearray(b'on tracepoint:sched:sched_switch count\\n')",
                  "not a sonde bundle"},
        BadBundle{"Empty", "b = bytearray()", "empty file: not a sonde bundle"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST_F(AgentTest, CheckDescribesWithoutTouchingTheKernel) {
  std::string bundle =
      build("described", "on tracepoint:sched:sched_process_exec count by comm capacity 64\n");
  Exit e = Process({agent_binary(), "--check", bundle}).wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find(bundle + ": format version " + std::to_string(spec::kFormatVersion)),
            std::string::npos)
      << e.out;
  EXPECT_NE(e.out.find("probe  tracepoint:sched:sched_process_exec"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("metric sonde_sched_process_exec_total, capacity 64"), std::string::npos)
      << e.out;
}

// docs/churn.md: comm keys expire after 10 minutes by default; --series-ttl replaces
// that default but not a statement's `ttl`; a TTL under 1s is a usage error.
TEST_F(AgentTest, SeriesTtlFlagReplacesTheDefaultNotTheClause) {
  std::string bundle = build("ttl",
                             "on tracepoint:sched:sched_process_exec count by comm capacity 64\n"
                             "on tracepoint:sched:sched_process_exit count by comm ttl 5m\n");
  Exit e = Process({agent_binary(), "--check", bundle}).wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("sonde_sched_process_exec_total, capacity 64, ttl 600s"), std::string::npos)
      << e.out;
  EXPECT_NE(e.out.find("sonde_sched_process_exit_total, capacity 10240, ttl 300s"),
            std::string::npos)
      << e.out;
  e = Process({agent_binary(), "--check", "--series-ttl", "30s", bundle}).wait();
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("sonde_sched_process_exec_total, capacity 64, ttl 30s"), std::string::npos)
      << e.out;
  EXPECT_NE(e.out.find("sonde_sched_process_exit_total, capacity 10240, ttl 300s"),
            std::string::npos)
      << e.out;
  e = Process({agent_binary(), "--check", "--series-ttl", "0", bundle}).wait();
  EXPECT_NE(e.out.find("sonde_sched_process_exec_total, capacity 64  <-"), std::string::npos)
      << e.out;
  e = Process({agent_binary(), "--check", "--series-ttl", "500ms", bundle}).wait();
  EXPECT_EQ(e.code, 2);
  EXPECT_NE(e.err.find("--series-ttl 500ms is shorter than 1s"), std::string::npos) << e.err;
}

TEST_F(AgentTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Process({agent_binary()}).wait().code, 2);
  EXPECT_EQ(Process({agent_binary(), "x.bundle", "--format", "yaml"}).wait().code, 2);
  Exit e = run_sonde({"build", "-e", "on tracepoint:sched:sched_process_exec count"});
  EXPECT_EQ(e.code, 2);
  EXPECT_NE(e.err.find("-o FILE.bundle"), std::string::npos) << e.err;
}

}  // namespace
}  // namespace sonde::e2e
