// sonde repl against the real kernel: driven in a terminal (tmux) as a person would,
// and through a pipe as a script would.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/bpf_objects.h"
#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string temp_dir(const std::string& what) {
  static std::atomic<int> counter{0};
  std::string dir =
      "/tmp/sonde-e2e-" + what + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  shell("rm -rf " + quote(dir) + " && mkdir -p " + quote(dir));
  return dir;
}

int occurrences(const std::string& haystack, const std::string& needle) {
  int n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size()))
    ++n;
  return n;
}

// sonde repl in a tmux pane of its own server, read back with capture-pane. Its
// history goes to a directory of its own (`dir()`), removed at the end.
class ReplTerminal {
 public:
  explicit ReplTerminal(const std::string& repl_args = "") : dir_(temp_dir("repl")) {
    static std::atomic<int> counter{0};
    socket_ = "sonde-repl-test-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    std::string command = "XDG_STATE_HOME=" + dir_ + " " + sonde_binary() + " repl " + repl_args;
    // The pane outlives sonde so its last words and exit status can still be read. The
    // shell runs sonde in its own process group, so Ctrl-C reaches it too: trap it.
    std::string pane = "trap : INT; " + command + "; echo \"repl exited with $?\"; sleep 600";
    int code = -1;
    shell(tmux("-f /dev/null start-server \\; set -g history-limit 50000 \\; new-session -d -s "
               "repl -x 200 -y 50 " +
               quote("sh -c " + quote(pane))),
          &code);
    started_ = code == 0 && wait_for("sonde [1]>");
  }
  ~ReplTerminal() {
    shell(tmux("kill-server") + " 2>/dev/null");
    shell("rm -rf " + quote(dir_));
  }

  const std::string& dir() const { return dir_; }
  bool started() const { return started_; }
  void type(const std::string& text) { shell(tmux("send-keys -t repl -l " + quote(text))); }
  void key(const std::string& name) { shell(tmux("send-keys -t repl " + name)); }
  void line(const std::string& text) {
    type(text);
    key("Enter");
  }
  std::string screen() { return shell(tmux("capture-pane -p -J -S - -t repl")); }

  // Ctrl-C, then a wait for the prompt it brings back. The terminal discards what is
  // queued behind a ^C (ISIG without NOFLSH flushes the input not yet read), so keys
  // sent right after it were lost on a loaded machine: what follows waits for the REPL.
  bool interrupt() {
    const int prompts = occurrences(screen(), "sonde [");
    key("C-c");
    return wait_for("sonde [", prompts + 1);
  }

  // Until `text` shows `count` times in the pane and its history.
  bool wait_for(const std::string& text, int count = 1, std::chrono::milliseconds timeout = 60s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (occurrences(screen(), text) >= count) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  }

  // The sonde process: the child of the pane's shell.
  pid_t sonde_pid() {
    std::string shell_pid = shell(tmux("display -p -t repl '#{pane_pid}'"));
    while (!shell_pid.empty() && shell_pid.back() == '\n') shell_pid.pop_back();
    std::ifstream children("/proc/" + shell_pid + "/task/" + shell_pid + "/children");
    pid_t pid = -1;
    children >> pid;
    return pid;
  }

 private:
  std::string tmux(const std::string& args) const { return "tmux -L " + socket_ + " " + args; }

  std::string dir_;
  std::string socket_;
  bool started_ = false;
};

// The kernel frees a program a moment after its last holder lets go (a link's hold is
// dropped after an RCU grace period), so this waits for that, up to 10 s.
void expect_unloaded(const std::set<uint32_t>& programs) {
  BpfIds left = wait_until_freed(BpfIds{programs, {}, {}});
  EXPECT_TRUE(left.empty()) << left.to_string() << " outlived the REPL's statements";
}

TEST(Repl, ExploresInATerminalAndSavesWhatRuns) {
  constexpr uint64_t kCalls = 2000;
  int port = free_port();
  ReplTerminal term("--listen 127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(term.started()) << term.screen();
  std::string saved = term.dir() + "/session.sonde";

  // A mistake: the caret goes under the typed word, and the REPL goes on.
  term.line("on tracepoint:timer:timer_start count by ksym(fnction)");
  ASSERT_TRUE(term.wait_for("error:")) << term.screen();
  EXPECT_NE(term.screen().find("^~~~~~~"), std::string::npos) << term.screen();

  GetpidWorkload workload(kCalls);
  std::string pid_label = "pid=\"" + std::to_string(workload.pid()) + "\"";
  term.line("on tracepoint:syscalls:sys_enter_getpid count by pid");
  ASSERT_TRUE(term.wait_for("[1] attached")) << term.screen();
  term.line("histogram log2 latency of syscall getpid by pid");
  ASSERT_TRUE(term.wait_for("[2] attached")) << term.screen();
  term.line("event started = tracepoint:sched:sched_process_exec");
  ASSERT_TRUE(term.wait_for("[3] defined")) << term.screen();
  term.line("on started count by comm as execs");
  ASSERT_TRUE(term.wait_for("[4] attached")) << term.screen();

  pid_t sonde = term.sonde_pid();
  std::set<uint32_t> ids = bpf_objects_of(sonde).programs;
  EXPECT_GE(ids.size(), 4u) << "pid " << sonde;

  workload.go();
  workload.wait();
  shell("/bin/true");

  // Values at once, in the terminal and on /metrics.
  term.line(":show 1");
  ASSERT_TRUE(term.wait_for(std::to_string(workload.pid()))) << term.screen();
  term.line(":show 2");
  ASSERT_TRUE(term.wait_for("@")) << term.screen();
  auto body = http_get(port);
  ASSERT_TRUE(body);
  EXPECT_EQ(sample(*body, "sonde_sys_enter_getpid_total", pid_label), static_cast<double>(kCalls))
      << *body;
  EXPECT_EQ(sample(*body, "sonde_syscall_getpid_latency_seconds_count", pid_label),
            static_cast<double>(kCalls))
      << *body;
  EXPECT_NE(body->find("execs_total"), std::string::npos) << *body;

  term.line(":list");
  ASSERT_TRUE(term.wait_for("/s", 3)) << term.screen();  // a rate per attached statement

  // A watch refreshes until Ctrl-C, which leaves the REPL running.
  term.line(":watch 1 200ms");
  ASSERT_TRUE(term.wait_for("any key or Ctrl-C stops")) << term.screen();
  ASSERT_TRUE(term.interrupt()) << term.screen();
  term.line(":detach 1");
  ASSERT_TRUE(term.wait_for("[1] detached")) << term.screen();
  body = http_get(port);
  ASSERT_TRUE(body);
  EXPECT_EQ(body->find("sonde_sys_enter_getpid_total"), std::string::npos) << *body;
  EXPECT_NE(body->find("execs_total"), std::string::npos) << *body;

  term.line(":save " + saved);
  ASSERT_TRUE(term.wait_for("saved 3 statements")) << term.screen();
  term.line(":quit");
  ASSERT_TRUE(term.wait_for("repl exited with 0")) << term.screen();
  EXPECT_NE(term.screen().find("detached 2 statements"), std::string::npos) << term.screen();
  expect_unloaded(ids);

  std::string text;
  std::ifstream in(saved);
  std::getline(in, text, '\0');
  EXPECT_EQ(text.find("sys_enter_getpid count"), std::string::npos) << text;
  EXPECT_NE(
      text.find(
          "event started = tracepoint:sched:sched_process_exec\non started count by comm as execs"),
      std::string::npos)
      << text;

  Exit run = run_sonde({"run", saved, "--duration", "1s"});
  EXPECT_EQ(run.code, 0) << run.err;
  EXPECT_NE(run.err.find("attached"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("sonde_syscall_getpid_latency_seconds"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("execs_total"), std::string::npos) << run.out;

  std::string history;
  std::ifstream h(term.dir() + "/sonde/history");
  std::getline(h, history, '\0');
  // libedit's history file escapes blanks as \040.
  EXPECT_NE(history.find("latency\\040of\\040syscall\\040getpid"), std::string::npos) << history;
}

// `print` streams a forked child's getpid calls (exactly as many lines as it made) until
// a key, then detaches itself; the statement number is not used up.
TEST(Repl, PrintStreamsEventsUntilAKeyThenDetaches) {
  constexpr int kCalls = 25;
  ReplTerminal term;
  ASSERT_TRUE(term.started()) << term.screen();
  GetpidWorkload workload(kCalls);
  term.line("on tracepoint:syscalls:sys_enter_getpid where pid == " +
            std::to_string(workload.pid()) + " print tid, call = syscall(__syscall_nr)");
  ASSERT_TRUE(term.wait_for("any key or Ctrl-C stops")) << term.screen();
  pid_t sonde = term.sonde_pid();
  std::set<uint32_t> ids = bpf_objects_of(sonde).programs;
  // The statement's program and its hook's dispatcher (tools/sonde/repl/hook_chains.h).
  EXPECT_EQ(ids.size(), 2u) << "pid " << sonde;
  workload.go();
  workload.wait();
  // Each event's line ends with the decoded call; the typed statement does not.
  ASSERT_TRUE(term.wait_for("getpid\n", kCalls)) << term.screen();
  term.key("q");
  ASSERT_TRUE(term.wait_for(std::to_string(kCalls) + " events printed, 0 events lost; detached"))
      << term.screen();
  EXPECT_EQ(occurrences(term.screen(), "getpid\n"), kCalls) << term.screen();
  EXPECT_NE(term.screen().find("TID     CALL"), std::string::npos) << term.screen();
  expect_unloaded(ids);
  ASSERT_TRUE(term.wait_for("sonde [1]>", 2)) << term.screen();
  term.line(":quit");
  ASSERT_TRUE(term.wait_for("repl exited with 0")) << term.screen();
}

// --top bounds the rows of each metric in :show and :watch; `:show N ROWS` for one show.
// 30 calls with the arguments 0..29 make 30 series (more if the workload runs elsewhere
// meanwhile: hence "at least").
TEST(Repl, ShowTakesARowLimitAndTopSetsTheDefault) {
  ReplTerminal term("--top 4");
  ASSERT_TRUE(term.started()) << term.screen();
  term.line(with_workload("on uprobe:W:sonde_probed_add count by n = arg0"));
  ASSERT_TRUE(term.wait_for("[1] attached")) << term.screen();
  run_workload({"add", "30"});
  auto rows_and_rest = [&](const std::string& command) {
    term.line(command);
    std::regex more(R"(\.\.\. and (\d+) more)");
    int rest = -1;
    std::string screen;
    for (int tries = 0; tries < 100 && rest < 0; ++tries) {
      screen = term.screen();
      std::string after = screen.substr(screen.rfind(command));
      std::smatch m;
      if (std::regex_search(after, m, more)) {
        rest = std::stoi(m[1]);
        int rows = 0;
        std::istringstream in(after);
        for (std::string l; std::getline(in, l);) {
          if (std::regex_match(l, std::regex(R"(^\s+\d+\s+\d+\s*$)"))) ++rows;
        }
        return std::pair<int, int>{rows, rest};
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << screen;
    return std::pair<int, int>{-1, -1};
  };
  auto [top_rows, top_rest] = rows_and_rest(":show 1");
  EXPECT_EQ(top_rows, 4);
  EXPECT_GE(top_rest, 26);
  auto [rows, rest] = rows_and_rest(":show 1 2");
  EXPECT_EQ(rows, 2);
  EXPECT_EQ(rest, top_rest + 2);
  term.line(":show 1 0");
  ASSERT_TRUE(term.wait_for("'0' is not a number of rows")) << term.screen();
  term.line(":quit");
  ASSERT_TRUE(term.wait_for("repl exited with 0")) << term.screen();
}

// Two statements on sys_enter_*, each one raw_syscalls program of its own: detaching
// the first leaves the second counting what a forked child does (its own counts).
TEST(Repl, DetachingOneSyscallWildcardLeavesTheOtherCounting) {
  constexpr int kParent = 40, kGroup = 15;
  GatedChild child([] {
    for (int i = 0; i < kParent; ++i) syscall(SYS_getppid);
    for (int i = 0; i < kGroup; ++i) syscall(SYS_getpgid, 0);
    return 0;
  });
  ReplTerminal term;
  ASSERT_TRUE(term.started()) << term.screen();
  for (const char* name : {"first", "second"}) {
    term.line("on tracepoint:syscalls:sys_enter_* where current.pid == " +
              std::to_string(child.pid()) + " count by func as " + name);
  }
  // Bounds a hang only (each compiles and attaches one program and ~20 classic ones).
  ASSERT_TRUE(term.wait_for("[2] attached", 1, 120s)) << term.screen();
  term.line(":detach 1");
  ASSERT_TRUE(term.wait_for("[1] detached")) << term.screen();
  child.go();
  ASSERT_TRUE(child.wait());
  term.line(":show 2");
  ASSERT_TRUE(term.wait_for("sys_enter_exit_group")) << term.screen();
  std::string screen = term.screen();
  std::string after = screen.substr(screen.rfind(":show 2"));
  std::map<std::string, long> counts;
  std::regex row(R"((sys_enter_\w+)\s+(\d+))");
  for (std::sregex_iterator it(after.begin(), after.end(), row), end; it != end; ++it)
    counts[(*it)[1]] = std::stol((*it)[2]);
  const std::map<std::string, long> expected = {
      {"sys_enter_getppid", kParent}, {"sys_enter_getpgid", kGroup}, {"sys_enter_exit_group", 1}};
  EXPECT_EQ(counts, expected) << after;
  term.line(":quit");
  ASSERT_TRUE(term.wait_for("repl exited with 0")) << term.screen();
}

// :watch shows each value's rate beside it: the increase since the previous refresh over
// the seconds it says passed. A workload makes getpid calls in steps, each started once
// the screen showed the step before; every refresh (tmux keeps the cleared screens in its
// history) is checked against the one before it, and the last against the calls made.
TEST(Repl, WatchShowsRatesOverTheSecondsItPrints) {
  constexpr uint32_t kSteps[] = {3000, 0, 12345, 7};
  StepWorkload workload;
  ReplTerminal term;
  ASSERT_TRUE(term.started()) << term.screen();
  term.line("on tracepoint:syscalls:sys_enter_getpid where pid == " +
            std::to_string(workload.pid()) + " count as watched");
  ASSERT_TRUE(term.wait_for("[1] attached")) << term.screen();
  term.line(":watch 1 300ms");
  ASSERT_TRUE(term.wait_for("rates over the last")) << term.screen();
  uint64_t total = 0;
  for (uint32_t calls : kSteps) {
    ASSERT_EQ(workload.step(calls, 0), calls);
    total += calls;
    // Two more refreshes with the total (the second: a rate of 0 over its seconds).
    ASSERT_TRUE(term.wait_for(" " + std::to_string(total) + "  ",
                              occurrences(term.screen(), " " + std::to_string(total) + "  ") + 2))
        << term.screen();
  }
  const int prompts = occurrences(term.screen(), "sonde [2]>");
  term.key("q");
  ASSERT_TRUE(term.wait_for("sonde [2]>", prompts + 1)) << term.screen();
  const std::string screen = term.screen();
  struct Refresh {
    double seconds = -1;  // -1: the first, without rates
    uint64_t value = 0;
    double rate = 0;
  };
  std::vector<Refresh> refreshes;
  std::regex heading(R"(^\d\d:\d\d:\d\d  \[1\] every 300ms)");
  std::regex over(R"(^rates over the last (\d+\.\d{3})s$)");
  std::regex row(R"(^\s+(\d+)\s+(\d+(?:\.\d+)?)$)"), first_row(R"(^\s+(\d+)$)");
  std::istringstream in(screen);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, heading)) {
      refreshes.emplace_back();
    } else if (refreshes.empty()) {
      continue;
    } else if (std::regex_match(l, m, over)) {
      refreshes.back().seconds = std::stod(m[1]);
    } else if (std::regex_match(l, m, row)) {
      refreshes.back().value = std::stoull(m[1]);
      refreshes.back().rate = std::stod(m[2]);
    } else if (std::regex_match(l, m, first_row)) {
      refreshes.back().value = std::stoull(m[1]);
    }
  }
  ASSERT_GE(refreshes.size(), 2 * std::size(kSteps)) << screen;
  EXPECT_EQ(refreshes.front().seconds, -1) << screen;
  EXPECT_EQ(refreshes.back().value, total) << screen;
  size_t moving = 0;
  for (size_t i = 1; i < refreshes.size(); ++i) {
    const Refresh &before = refreshes[i - 1], &now = refreshes[i];
    ASSERT_GT(now.seconds, 0) << "refresh " << i << "\n" << screen;
    const double increase = static_cast<double>(now.value - before.value);
    // Printed with two decimals (rate) and three (seconds): that much rounding.
    const double rounding = 0.005 * now.seconds + 0.0005 * now.rate + 1e-9;
    EXPECT_NEAR(now.rate * now.seconds, increase, rounding) << "refresh " << i << "\n" << screen;
    if (increase > 0) ++moving;
  }
  EXPECT_GE(moving, 3u) << screen;  // the three steps with calls
  term.line(":quit");
  ASSERT_TRUE(term.wait_for("repl exited with 0")) << term.screen();
}

TEST(Repl, TabCompletesCategoriesAndFields) {
  ReplTerminal term;
  ASSERT_TRUE(term.started()) << term.screen();
  term.type("on tracepoint:sch");
  term.key("Tab");
  ASSERT_TRUE(term.wait_for("on tracepoint:sched:")) << term.screen();
  ASSERT_TRUE(term.interrupt()) << term.screen();  // drops the line
  term.type("on tracepoint:sched:sched_switch where prev_");
  term.key("Tab");
  ASSERT_TRUE(term.wait_for("prev_state")) << term.screen();
  std::string screen = term.screen();
  for (const char* field : {"prev_comm", "prev_pid", "prev_prio"})
    EXPECT_NE(screen.find(field), std::string::npos) << screen;
  ASSERT_TRUE(term.interrupt()) << term.screen();
  term.key("C-d");
  ASSERT_TRUE(term.wait_for("repl exited with 0")) << term.screen();
}

// Ctrl-D and SIGTERM (SIGHUP alike) end the REPL and detach everything.
class EndsCleanly : public testing::TestWithParam<int> {};

TEST_P(EndsCleanly, LeavesNoProgramInTheKernel) {
  ReplTerminal term;
  ASSERT_TRUE(term.started()) << term.screen();
  term.line("histogram log2 latency of sched runq");
  ASSERT_TRUE(term.wait_for("[1] attached")) << term.screen();
  pid_t sonde = term.sonde_pid();
  ASSERT_GT(sonde, 0);
  std::set<uint32_t> ids = bpf_objects_of(sonde).programs;
  EXPECT_FALSE(ids.empty());
  if (GetParam() == 0)
    term.key("C-d");
  else
    kill(sonde, GetParam());
  ASSERT_TRUE(term.wait_for("repl exited with 0")) << term.screen();
  EXPECT_NE(term.screen().find("detached 1 statement"), std::string::npos) << term.screen();
  expect_unloaded(ids);
}

std::string way_name(const testing::TestParamInfo<int>& way) {
  return way.param == 0 ? "CtrlD" : way.param == SIGTERM ? "Sigterm" : "Sighup";
}

INSTANTIATE_TEST_SUITE_P(Ways, EndsCleanly, testing::Values(0, SIGTERM, SIGHUP), way_name);

// Statements a session might try, each compiled and attached in the same process.
const char* const kTwenty[] = {
    "on tracepoint:timer:timer_start count by ksym(func)",
    "on tracepoint:raw_syscalls:sys_enter count by syscall(id), comm",
    "histogram log2 latency of sched runq",
    "histogram log2 latency of block rq by disk, op",
    "histogram log2 latency of syscall read by comm",
    "histogram log2 latency of syscall write",
    "on tracepoint:sched:sched_switch count by prev_comm",
    "on tracepoint:sched:sched_process_exec count by comm",
    "on tracepoint:syscalls:sys_exit_read where ret > 0 sum ret by comm as read_bytes",
    "on tracepoint:sched:sched_wakeup count by comm",
    "on tracepoint:timer:hrtimer_start count by ksym(func) as hrtimers",
    "on tracepoint:sched:sched_switch where prev_state == 0 count as preemptions",
    "on tracepoint:syscalls:sys_enter_openat count by comm",
    "on tracepoint:raw_syscalls:sys_exit where ret < 0 count by errno(-ret) as syscall_errors",
    "on tracepoint:sched:sched_process_fork count",
    "on tracepoint:syscalls:sys_exit_write where ret > 0 histogram log2 ret as write_sizes",
    "on tracepoint:sched:sched_switch max prev_prio as max_prio",
    "on tracepoint:timer:timer_expire_entry count by ksym(func)",
    "histogram log2 latency of syscall openat by comm",
    "on tracepoint:sched:sched_process_exit count by comm",
};

TEST(Repl, TwentyStatementsInOneSession) {
  std::string script;
  for (const char* s : kTwenty) script += std::string(s) + "\n";
  script += ":list\n:c 20\n:quit\n";
  // Without the compile cache: each statement goes through the compiler in this session.
  Process repl({"/usr/bin/env", "SONDE_NO_CACHE=1", sonde_binary(), "repl"}, script);
  Exit e = repl.wait(300s);
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_EQ(e.signal, 0);
  EXPECT_EQ(e.err.find("error"), std::string::npos) << e.err;
  for (int i = 1; i <= 20; ++i) {
    EXPECT_NE(e.out.find("[" + std::to_string(i) + "] attached"), std::string::npos)
        << "statement " << i << "\n"
        << e.out;
  }
  std::string list = e.out.substr(0, e.out.find("// Generated"));
  EXPECT_EQ(occurrences(list, "/s"), 20) << "a rate per statement in :list\n" << list;
  EXPECT_NE(e.out.find("sonde_s20_"), std::string::npos) << "numbers name the programs:\n" << e.out;
  EXPECT_NE(e.out.find("detached 20 statements"), std::string::npos) << e.out;
}

// A piped script whose last statement never closes its `{` fails (exit 1) with the
// parser's located error, instead of swallowing the rest and exiting 0; a statement
// number that is not one says so.
TEST(Repl, APipedScriptEndingInsideABraceFails) {
  Process repl({sonde_binary(), "repl"},
               ":detach abc\nspan s { start tracepoint:sched:sched_wakeup key pid\n");
  Exit e = repl.wait(60s);
  EXPECT_EQ(e.code, 1) << e.err;
  EXPECT_NE(e.err.find("'abc' is not a statement number"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("<repl:1>:"), std::string::npos) << e.err;
  EXPECT_NE(e.err.find("error: "), std::string::npos) << e.err;
}

TEST(Repl, ACrashingCompilerLeavesTheReplRunning) {
  std::string dir = temp_dir("repl-crash");
  // A compiler plugin that dies the way a compiler bug would.
  std::ofstream(dir + "/crash.c")
      << "#include <stdlib.h>\nint sonde_cc_compile(void) { abort(); }\n";
  int code = -1;
  std::string out =
      shell("cc -shared -fPIC -o " + dir + "/libcrash.so " + dir + "/crash.c 2>&1", &code);
  ASSERT_EQ(code, 0) << out;
  Process repl({"/usr/bin/env", "SONDE_NO_CACHE=1", "SONDE_CC_PLUGIN=" + dir + "/libcrash.so",
                sonde_binary(), "repl"},
               "on tracepoint:sched:sched_process_exec count\n"
               "event started = tracepoint:sched:sched_process_exec\n"
               "on started count\n"
               ":describe started\n"
               ":list\n");
  Exit e = repl.wait(120s);
  EXPECT_EQ(e.code, 1) << "a script with failed statements exits 1\n" << e.err;
  EXPECT_EQ(e.signal, 0);
  EXPECT_EQ(occurrences(e.err, "SIGABRT"), 2) << e.err;
  EXPECT_NE(e.out.find("[1] defined"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("filename"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("detached 0 statements"), std::string::npos) << e.out;
  shell("rm -rf " + quote(dir));
}

}  // namespace
}  // namespace sonde::e2e
