// Every probe kind and decoder, against the real kernel: uprobes, uretprobes and USDT
// probes on a test binary with known calls, syscall names, TCP states and addresses,
// kernel and user stacks, and the probe kinds this kernel refuses.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

double value(const std::string& body, const std::string& name, const std::string& labels = "") {
  auto v = sample(body, name, labels);
  EXPECT_TRUE(v) << name << "{" << labels << "} not in:\n" << body;
  return v ? *v : -1;
}

// Values of one label of a metric, from the exposition.
std::vector<std::string> label_values(const std::string& body, const std::string& metric,
                                      const std::string& label) {
  std::vector<std::string> out;
  std::regex line("^" + metric + R"(\{.*)" + label + R"(="((?:[^"\\]|\\.)*)\")");
  std::istringstream in(body);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) out.push_back(m[1]);
  }
  return out;
}

TEST(Probes, UprobeCountsEveryCallWithItsArgumentsAndTask) {
  constexpr int kCalls = 1000;
  Sonde sonde(
      "on uprobe:W:sonde_probed_add count\n"
      "on uprobe:W:sonde_probed_add sum arg0 as added\n"
      "on uprobe:W:sonde_probed_add count by pid, tid, uid, comm as calls_by_task");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  auto w = run_workload({"add", std::to_string(kCalls)});
  std::string body = sonde.metrics();
  EXPECT_EQ(value(body, "sonde_sonde_probed_add_total"), kCalls);
  EXPECT_EQ(value(body, "added"),
            kCalls * (kCalls - 1) /
                2);  // arg0 is 0, 1, ..., N-1; a register is signed, so a sum of it is a gauge
  EXPECT_EQ(value(body, "calls_by_task_total",
                  fmt::format("pid=\"{}\",tid=\"{}\",uid=\"{}\",comm=\"probes_workload\"", w->pid(),
                              w->pid(), getuid())),
            kCalls);
}

TEST(Probes, UretprobeHistogramOfReturnValues) {
  // sonde_probed_value returns 1, 10, 100, 1000 in turn.
  Sonde sonde("on uretprobe:W:sonde_probed_value histogram log2 retval as returned");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"value", "1000"});
  std::string body = sonde.metrics();
  EXPECT_EQ(value(body, "returned_bucket", "le=\"0\""), 0);
  EXPECT_EQ(value(body, "returned_bucket", "le=\"1\""), 250);
  EXPECT_EQ(value(body, "returned_bucket", "le=\"8\""), 250);
  EXPECT_EQ(value(body, "returned_bucket", "le=\"16\""), 500);
  EXPECT_EQ(value(body, "returned_bucket", "le=\"128\""), 750);
  EXPECT_EQ(value(body, "returned_bucket", "le=\"512\""), 750);
  EXPECT_EQ(value(body, "returned_bucket", "le=\"1024\""), 1000);
  EXPECT_EQ(value(body, "returned_bucket", "le=\"+Inf\""), 1000);
  EXPECT_EQ(value(body, "returned_sum"), 250 * (1 + 10 + 100 + 1000));
  EXPECT_EQ(value(body, "returned_count"), 1000);
}

TEST(Probes, UsdtProbeAndItsArgument) {
  Sonde sonde(
      "on usdt:W:sonde:tick count as ticks\n"
      "on usdt:W:sonde:tick sum arg0 as tick_args");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"usdt", "100"});
  std::string body = sonde.metrics();
  EXPECT_EQ(value(body, "ticks_total"), 100);
  EXPECT_EQ(value(body, "tick_args"), 99 * 100 / 2);
}

TEST(Probes, SyscallNamesOfAGetpidLoop) {
  constexpr int kCalls = 5000;
  Sonde sonde(
      fmt::format("on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm\n"
                  "on rawtracepoint:sys_enter where id == {} count by comm as raw_getpid\n"
                  "on tracepoint:syscalls:sys_enter_getp* count by comm as getp",
                  SYS_getpid));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"getpid", std::to_string(kCalls)});
  std::string body = sonde.metrics();
  EXPECT_EQ(value(body, "sonde_sys_enter_total", "syscall=\"getpid\",comm=\"probes_workload\""),
            kCalls);
  EXPECT_EQ(value(body, "raw_getpid_total", "comm=\"probes_workload\""), kCalls);
  EXPECT_EQ(value(body, "getp_total", "comm=\"probes_workload\""), kCalls);
}

// A listening socket on loopback; connections complete in the kernel's backlog.
class Listener {
 public:
  Listener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd_, 128) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      port_ = -1;
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = -1;
};

TEST(Probes, TcpStatesByNameAndAddressesAsText) {
  constexpr int kConnections = 20;
  Listener listener;
  ASSERT_GT(listener.port(), 0);
  int p = listener.port();
  Sonde sonde(fmt::format(
      "on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHED count by comm\n"
      // The client's side of each connection: exact whoever else connects meanwhile.
      "on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHED && dport == {0} "
      "count by ntop(daddr), v6 = ntop(daddr_v6), newstate as clients\n"
      // Both sides of these connections, by the task the kernel ran them in.
      "on tracepoint:sock:inet_sock_set_state where newstate == TCP_ESTABLISHED && (sport == {0} "
      "|| dport == {0}) "
      "count by comm as ours",
      p));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"connect", std::to_string(kConnections), std::to_string(p)});
  // The server's end is established when the handshake's last ACK is processed: in a
  // softirq thread, that can be after the client returned; wait (bounded) for it.
  std::string body;
  double both = 0;
  wait_until([&] {
    body = sonde.metrics();
    both = 0;
    for (const auto& [series, v] : parse_exposition(body)) {
      if (series.starts_with("ours_total{")) both += v;
    }
    return both >= 2 * kConnections;
  });
  EXPECT_EQ(value(body, "clients_total",
                  "daddr=\"127.0.0.1\",v6=\"127.0.0.1\",newstate=\"TCP_ESTABLISHED\""),
            kConnections);
  EXPECT_EQ(both, 2 * kConnections);
  // The one-liner counts exactly the client's share of these connections: it made no
  // others, and each handshake ran either in its context or in softirq threads.
  double mine = value(body, "ours_total", "comm=\"probes_workload\"");
  EXPECT_GT(mine, 0);
  EXPECT_EQ(value(body, "sonde_inet_sock_set_state_total", "comm=\"probes_workload\""), mine);
}

TEST(Probes, ErrnoNamesAndUserStrings) {
  Sonde sonde(
      "on tracepoint:syscalls:sys_exit_openat where ret < 0 count by errno(ret), comm\n"
      "on tracepoint:syscalls:sys_enter_openat where comm == \"probes_workload\" count by "
      "str(filename, 32)");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"eisdir", "7"});
  std::string body = sonde.metrics();
  EXPECT_EQ(value(body, "sonde_sys_exit_openat_total", "errno=\"EISDIR\",comm=\"probes_workload\""),
            7);
  EXPECT_EQ(value(body, "sonde_sys_enter_openat_total", "filename=\"/tmp\""), 7);
}

TEST(Probes, KernelStringsThroughBtfPointersAndDataLoc) {
  Sonde sonde(
      "on rawtracepoint:sched_process_exec where p.comm == \"probes_workload\" "
      "count by file = str(bprm.filename, 128), p.comm\n"
      "on tracepoint:sched:sched_process_exec where comm == \"probes_workload\" count by filename "
      "as execs");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"add", "1"});
  std::string body = sonde.metrics();
  EXPECT_EQ(value(body, "sonde_sched_process_exec_total",
                  fmt::format("file=\"{}\",p_comm=\"probes_workload\"", workload())),
            1);
  EXPECT_EQ(value(body, "execs_total", fmt::format("filename=\"{}\"", workload())), 1);
}

std::string own_cgroup() {
  std::ifstream in("/proc/self/cgroup");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("0::")) return line.substr(3);
  }
  return "";
}

TEST(Probes, CgroupPathsAndSoftwareEvents) {
  std::string cgroup = own_cgroup();
  if (cgroup.empty()) GTEST_SKIP() << "no cgroup v2 line in /proc/self/cgroup";
  Sonde sonde(
      "on uprobe:W:sonde_probed_add count by cgroup\n"
      "on software:page-faults:1 where comm == \"probes_workload\" count as faults");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  run_workload({"add", "10"});
  std::string body = sonde.metrics();
  EXPECT_EQ(value(body, "sonde_sonde_probed_add_total", fmt::format("cgroup=\"{}\"", cgroup)), 10);
  EXPECT_GT(value(body, "faults_total"), 0);  // every new process faults its pages in
}

TEST(Probes, UserStacksAndSymbolsShowTheBinarysFunctions) {
  Sonde sonde(
      "on uprobe:W:sonde_leaf count by ustack\n"
      "on uprobe:W:sonde_call count by fn = usym(arg0) as callbacks");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  auto stacks = run_workload({"stack", "10"}, true);
  auto callbacks = run_workload({"callback", "5"}, true);
  std::string body = sonde.metrics();
  // sonde_leaf is called through two paths: sonde_outer -> sonde_middle, and sonde_call.
  std::map<std::string, double> by_path;
  for (const auto& frames : label_values(body, "sonde_sonde_leaf_total", "ustack")) {
    by_path[frames] = value(body, "sonde_sonde_leaf_total", fmt::format("ustack=\"{}\"", frames));
  }
  EXPECT_THAT(by_path,
              testing::UnorderedElementsAre(
                  testing::Pair(testing::EndsWith("main;sonde_outer;sonde_middle;sonde_leaf"), 10),
                  testing::Pair(testing::EndsWith("main;sonde_call;sonde_leaf"), 5)));
  EXPECT_EQ(value(body, "callbacks_total", "fn=\"sonde_leaf\""), 5);
}

TEST(Probes, ProfileKernelStacksAreSymbolized) {
  Sonde sonde("on profile:hz:99 where comm == \"probes_workload\" count by kstack");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  // Long enough for a hundred samples or more; in kernel mode it is inside getpid.
  run_workload({"getpid", "3000000"});
  std::string body = sonde.metrics();
  auto stacks = label_values(body, "sonde_profile_total", "kstack");
  ASSERT_FALSE(stacks.empty()) << body;
  // Other BPF programs on this machine may run inside getpid and leave a frame without a
  // symbol; the syscall path itself must be names from the entry on.
  bool syscall = false;
  for (const auto& s : stacks) {
    syscall |= s.starts_with("entry_SYSCALL_64_after_hwframe;do_syscall_64") &&
               s.find("0x") == std::string::npos;
  }
  EXPECT_TRUE(syscall) << body;
}

struct Refusal {
  const char* name;
  const char* program;
  const char* probe;
  const char* reason;
};

class Refused : public testing::TestWithParam<Refusal> {};

// Whether the refused program left anything behind is not checked here: other sonde
// processes on a shared machine load programs of the same names at any time, and one
// that exited holds nothing (run_test's EndsCleanly checks clean exits).
TEST_P(Refused, WithTheProbeAndTheReason) {
  Exit e = run_sonde({"run", "-e", GetParam().program, "--duration", "1s"});
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_THAT(e.err,
              testing::HasSubstr(fmt::format("{}: {}", GetParam().probe, GetParam().reason)));
}

constexpr const char* kNoKprobes =
    "kernel-function probes are not available on this kernel (CONFIG_KPROBES is off)";
constexpr const char* kNoFentry = "fentry/fexit are blocked by this kernel";

INSTANTIATE_TEST_SUITE_P(
    ThisKernel, Refused,
    testing::Values(
        Refusal{"kprobe", "on kprobe:vfs_read count", "kprobe:vfs_read", kNoKprobes},
        Refusal{"kretprobe", "on kretprobe:vfs_read histogram log2 retval", "kretprobe:vfs_read",
                kNoKprobes},
        Refusal{"fentry", "on fentry:vfs_read count by comm", "fentry:vfs_read", kNoFentry},
        Refusal{"fexit", "on fexit:vfs_read sum retval", "fexit:vfs_read", kNoFentry},
        Refusal{"hardware", "on hardware:cycles:100000 count", "hardware:cycles:100000",
                "hardware perf events are not available here (no PMU in this virtual machine)"}),
    [](const testing::TestParamInfo<Refusal>& param) { return std::string(param.param.name); });

TEST(Probes, BadUserProbesAreLocatedErrors) {
  Exit binary = run_sonde({"check", "-e", "on uprobe:/no/such/binary:f count"});
  EXPECT_EQ(binary.code, 1);
  EXPECT_THAT(binary.err,
              testing::HasSubstr("<input>:1:11: error: no such binary '/no/such/binary'"));
  Exit symbol = run_sonde({"check", "-e", with_workload("on uprobe:W:sonde_probed_ad count")});
  EXPECT_EQ(symbol.code, 1);
  EXPECT_THAT(symbol.err,
              testing::HasSubstr(fmt::format(
                  "error: '{}' has no function 'sonde_probed_ad'; did you mean 'sonde_probed_add'?",
                  workload())));
  Exit usdt = run_sonde({"check", "-e", with_workload("on usdt:W:sonde:tock count")});
  EXPECT_EQ(usdt.code, 1);
  EXPECT_THAT(usdt.err, testing::HasSubstr("hint: its USDT probes: sonde:tick"));
}

// How many samples of `metric` in `body` carry the label pid="PID".
int lines_of_pid(const std::string& body, const std::string& metric, pid_t pid) {
  int lines = 0;
  std::istringstream in(body);
  for (std::string l; std::getline(in, l);) {
    if (l.starts_with(metric + "{") && l.find(fmt::format("pid=\"{}\"", pid)) != std::string::npos)
      ++lines;
  }
  return lines;
}

// `probe` splits a wildcard by the probe that fired: each workload process calls one of
// the probed functions a known number of times, counted per process so that other runs
// of the workload on this machine do not count.
TEST(Probes, ProbeSplitsAUprobeWildcardPerFunction) {
  Sonde sonde("on uprobe:W:sonde_probed_* count by probe, pid as fired");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  auto add = run_workload({"add", "300"});
  auto returned = run_workload({"value", "200"});
  auto negated = run_workload({"signed", "100"});
  std::string body = sonde.metrics();
  auto calls = [&](const Process& w, const std::string& function) {
    return value(body, "fired_total",
                 fmt::format("probe=\"uprobe:{}:{}\",pid=\"{}\"", workload(), function, w.pid()));
  };
  EXPECT_EQ(calls(*add, "sonde_probed_add"), 300);
  EXPECT_EQ(calls(*returned, "sonde_probed_value"), 200);
  EXPECT_EQ(calls(*negated, "sonde_probed_signed"), 100);
  // Nothing else of these processes fired: each line of a workload names its one function.
  for (const auto* w : {add.get(), returned.get(), negated.get()})
    EXPECT_EQ(lines_of_pid(body, "fired_total", w->pid()), 1) << body;
}

// A forked child makes known numbers of getppid and getpgid system calls (raw, nothing
// else in it makes either) once told to go.
TEST(Probes, ProbeSplitsATracepointWildcardPerSystemCall) {
  constexpr int kParent = 70, kGroup = 30;
  // sys_enter_getpgid has a field `pid` (its argument), which shadows the builtin.
  Sonde sonde(
      "on tracepoint:syscalls:sys_enter_getp* count by probe, pid = current.pid as entered");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  GatedChild child([] {
    for (int i = 0; i < kParent; ++i) syscall(SYS_getppid);
    for (int i = 0; i < kGroup; ++i) syscall(SYS_getpgid, 0);
    return 0;
  });
  child.go();
  ASSERT_TRUE(child.wait());
  std::string body = sonde.metrics();
  auto entered = [&](const std::string& call) {
    return sample(
        body, "entered_total",
        fmt::format("probe=\"tracepoint:syscalls:sys_enter_{}\",pid=\"{}\"", call, child.pid()));
  };
  EXPECT_EQ(entered("getppid"), kParent) << body;
  EXPECT_EQ(entered("getpgid"), kGroup) << body;
  EXPECT_FALSE(entered("getpid")) << body;
}

std::vector<std::string> frames_of(const std::string& folded) {
  std::vector<std::string> out;
  std::istringstream in(folded);
  for (std::string f; std::getline(in, f, ';');) out.push_back(f);
  return out;
}

// The workload's functions as its binary's symbol table names them (nm, not sonde).
std::string workload_symbols() { return shell("nm --defined-only " + workload()); }

bool is_function_of_workload(const std::string& symbols, const std::string& name) {
  return std::regex_search(symbols, std::regex("\\n[0-9a-f]+ [Tt] " + name + "\\n"));
}

// `func` splits a wildcard by the function that fired, named as the binary names it:
// each workload process calls one of the probed functions a known number of times.
TEST(Probes, FuncSplitsAUprobeWildcardPerFunction) {
  Sonde sonde("on uprobe:W:sonde_probed_* count by func, pid as fired");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  auto add = run_workload({"add", "300"});
  auto returned = run_workload({"value", "200"});
  auto negated = run_workload({"signed", "100"});
  std::string body = sonde.metrics();
  auto calls = [&](const Process& w, const std::string& function) {
    return value(body, "fired_total", fmt::format("func=\"{}\",pid=\"{}\"", function, w.pid()));
  };
  EXPECT_EQ(calls(*add, "sonde_probed_add"), 300);
  EXPECT_EQ(calls(*returned, "sonde_probed_value"), 200);
  EXPECT_EQ(calls(*negated, "sonde_probed_signed"), 100);
  const std::string symbols = workload_symbols();
  for (const auto& function : label_values(body, "fired_total", "func")) {
    EXPECT_TRUE(is_function_of_workload(symbols, function)) << function << " not in\n" << symbols;
  }
  // One line per process: nothing else of them fired.
  for (const auto* w : {add.get(), returned.get(), negated.get()})
    EXPECT_EQ(lines_of_pid(body, "fired_total", w->pid()), 1) << body;
}

// Every system call entry of the machine, split by event and process: a forked child
// makes known numbers of getppid and getpgid calls (raw, nothing else in it makes
// either) once told to go, then exits once.
TEST(Probes, FuncSplitsATracepointWildcardPerSystemCall) {
  constexpr int kParent = 70, kGroup = 30;
  Sonde sonde(
      "on tracepoint:syscalls:sys_enter_* count by func, probe, pid = current.pid as entered");
  // One raw_syscalls program (and one per syscall newer than sonde's header) since the
  // syscall wildcard lowering; 360 programs took ~13 s. The deadline only bounds a hang.
  ASSERT_TRUE(sonde.attached(std::chrono::minutes(3))) << sonde.err();
  GatedChild child([] {
    for (int i = 0; i < kParent; ++i) syscall(SYS_getppid);
    for (int i = 0; i < kGroup; ++i) syscall(SYS_getpgid, 0);
    return 0;
  });
  child.go();
  ASSERT_TRUE(child.wait());
  std::string body = sonde.metrics();
  // probe names the same event in full, from the same table row.
  auto entered = [&](const std::string& event) {
    return sample(body, "entered_total",
                  fmt::format("func=\"{}\",probe=\"tracepoint:syscalls:{}\",pid=\"{}\"", event,
                              event, child.pid()));
  };
  EXPECT_EQ(entered("sys_enter_getppid"), kParent) << body;
  EXPECT_EQ(entered("sys_enter_getpgid"), kGroup) << body;
  EXPECT_EQ(entered("sys_enter_exit_group"), 1) << body;
  EXPECT_FALSE(entered("sys_enter_getpid")) << body;
  // Each name is a tracepoint of this kernel.
  for (const auto& event : label_values(body, "entered_total", "func")) {
    EXPECT_EQ(access(fmt::format("/sys/kernel/tracing/events/syscalls/{}", event).c_str(), F_OK), 0)
        << event;
  }
}

// A field (or stdlib alias) called func wins over the builtin, as before it existed:
// timer_start's func is the timer's callback, a kernel function (checked in kallsyms),
// not the event's name.
TEST(Probes, FuncOfATracepointThatHasItIsTheField) {
  Sonde sonde("on tracepoint:timer:timer_start count by ksym(func) as timers");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  // Sleeping arms timers (the kernel's own arm timers all the time as well).
  run_workload({"sleep", "200"});
  std::string body = sonde.metrics();
  auto callbacks = label_values(body, "timers_total", "func");
  ASSERT_FALSE(callbacks.empty()) << body;
  std::string kallsyms;
  {
    std::ifstream in("/proc/kallsyms");
    std::stringstream text;
    text << in.rdbuf();
    kallsyms = text.str();
  }
  int named = 0;
  for (const auto& f : callbacks) {
    EXPECT_NE(f, "timer_start");
    if (kallsyms.find(" " + f + "\n") != std::string::npos ||
        kallsyms.find(" " + f + "\t") != std::string::npos)
      ++named;
  }
  EXPECT_GT(named, 0) << body;
  // A wildcard where func is the field in some probes only: the builtin at every probe
  // (one meaning per label), said in a warning; no decoder of addresses takes it.
  Exit mixed = run_sonde({"check", "-e", "on tracepoint:timer:timer_* count by func"});
  EXPECT_EQ(mixed.code, 0) << mixed.err;
  EXPECT_THAT(mixed.err, testing::HasSubstr("warning: 'func' is the builtin at every probe of "
                                            "this statement"));
  Exit decoded = run_sonde({"check", "-e", "on tracepoint:timer:timer_* count by ksym(func)"});
  EXPECT_EQ(decoded.code, 1);
  EXPECT_THAT(decoded.err, testing::HasSubstr("error: 'func' here names the probe that fired, "
                                              "which ksym() cannot decode"));
  Exit profile = run_sonde({"check", "-e", "on profile:hz:99 count by func"});
  EXPECT_EQ(profile.code, 1);
  EXPECT_THAT(profile.err, testing::HasSubstr("<input>:1:27: error: profile:hz:99 has no "
                                              "function or event name for 'func'"));
}

// A process that exited before sonde read anything of it: its load addresses went with
// it, so each frame says [exited] (never a bare address) unless the binary alone names
// it; a process read while it lives shows its functions, as the binary names them.
TEST(Probes, UserStacksOfAnExitedProcessAreMarked) {
  Sonde sonde("on uprobe:W:sonde_leaf count by ustack, pid as leaves");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  auto gone = run_workload({"stack", "10"});
  ASSERT_TRUE(gone->wait().code == 0);
  auto held = run_workload({"stack", "7"}, true);
  std::string body = sonde.metrics();
  auto stack_of = [&](pid_t pid) {
    std::string found;
    for (const auto& frames : label_values(body, "leaves_total", "ustack")) {
      if (sample(body, "leaves_total", fmt::format("ustack=\"{}\",pid=\"{}\"", frames, pid)))
        found = frames;
    }
    return found;
  };
  const std::string live = stack_of(held->pid());
  const std::string dead = stack_of(gone->pid());
  ASSERT_THAT(live, testing::EndsWith("main;sonde_outer;sonde_middle;sonde_leaf")) << body;
  EXPECT_EQ(value(body, "leaves_total", fmt::format("ustack=\"{}\",pid=\"{}\"", live, held->pid())),
            7);
  EXPECT_EQ(value(body, "leaves_total", fmt::format("ustack=\"{}\",pid=\"{}\"", dead, gone->pid())),
            10);
  const std::string symbols = workload_symbols();
  for (const char* f : {"sonde_outer", "sonde_middle", "sonde_leaf"})
    EXPECT_TRUE(is_function_of_workload(symbols, f)) << f;
  // The same path, frame by frame: the name, or [exited] where it cannot be had.
  auto live_frames = frames_of(live);
  auto dead_frames = frames_of(dead);
  ASSERT_EQ(dead_frames.size(), live_frames.size()) << dead << " vs " << live;
  int exited = 0;
  for (size_t i = 0; i < dead_frames.size(); ++i) {
    EXPECT_TRUE(dead_frames[i] == live_frames[i] || dead_frames[i] == "[exited]")
        << i << ": " << dead;
    exited += dead_frames[i] == "[exited]";
  }
  EXPECT_EQ(dead.find("0x"), std::string::npos) << dead;
  EXPECT_GT(exited, 0) << dead;  // libc's frames at least: a shared library's bias is lost
}

TEST(List, ProbesWithFieldsAndFunctionsOfABinary) {
  Exit fields = run_sonde({"list", "tracepoint:sched:sched_switch", "-v"});
  EXPECT_EQ(fields.code, 0) << fields.err;
  EXPECT_THAT(fields.out, testing::StartsWith("tracepoint:sched:sched_switch\n"));
  EXPECT_THAT(fields.out, testing::ContainsRegex("\n    prev_comm +char\\[16\\]\n"));
  Exit functions = run_sonde({"list", with_workload("uprobe:W:sonde_*")});
  EXPECT_EQ(functions.code, 0) << functions.err;
  EXPECT_THAT(functions.out, testing::HasSubstr(with_workload("uprobe:W:sonde_probed_add\n")));
  Exit spans = run_sonde({"list", "span"});
  EXPECT_THAT(spans.out, testing::HasSubstr("span:block rq  histogram log2 latency of block rq\n"));
  Exit none = run_sonde({"list", "no_probe_is_called_this"});
  EXPECT_EQ(none.code, 1);
  EXPECT_EQ(none.err, "sonde list: nothing matches 'no_probe_is_called_this'\n");
}

}  // namespace
}  // namespace sonde::e2e
