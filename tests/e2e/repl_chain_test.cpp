// REPL statements on one hook share its attachment (tools/sonde/repl/hook_chains.h):
// statements attached and detached one by one, as the REPL does, each counting exactly
// the getpid calls, function calls or page faults a forked child made while it was
// attached (the child's own counts), and the hook attached once (this process's
// descriptors, from /proc/self/fdinfo) while several statements are on it.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "compiler/driver/compiler.h"
#include "runtime/session/hook_chain.h"
#include "runtime/session/session.h"
#include "tools/sonde/repl/hook_chains.h"
#include "tools/sonde/repl/registry.h"

// The uprobe's target: called by the child only.
extern "C" __attribute__((noinline)) int sonde_chain_probed(int x) {
  asm volatile("" ::: "memory");
  return x + 1;
}

namespace sonde::repl {
namespace {

// What the child does `n` times when told to: call getpid, call sonde_chain_probed, or
// write to a page of its own it has not touched yet (one page fault each).
enum class Act { kGetpid, kCall, kFault };

// One write to a fresh page. Not instrumented: under AddressSanitizer the check of the
// write would read the page's shadow, whose first read faults too.
__attribute__((no_sanitize("address"), noinline)) void touch(char* page) {
  *static_cast<volatile char*>(page) = 1;
}

// A forked child that does its act exactly `n` times each time it is told to, and
// nothing else the statements count (its other system calls are the reads and writes of
// its pipes, on stack it has faulted in by then: see warm_up()).
class PhasedChild {
 public:
  explicit PhasedChild(Act act = Act::kGetpid) : act_(act) {
    int to[2], from[2];
    if (pipe2(to, O_CLOEXEC) != 0 || pipe2(from, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(to[1]);
      close(from[0]);
      constexpr size_t kPages = 4096;
      auto* pages = static_cast<char*>(mmap(nullptr, kPages * 4096, PROT_READ | PROT_WRITE,
                                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
      if (pages == MAP_FAILED) syscall(SYS_exit_group, 1);
      madvise(pages, kPages * 4096, MADV_NOHUGEPAGE);  // a fault a page, not one a 2 MiB
      size_t next_page = 0;
      uint64_t n = 0;
      while (read(to[0], &n, sizeof n) == sizeof n && n > 0) {
        for (uint64_t i = 0; i < n; ++i) {
          if (act == Act::kCall)
            sonde_chain_probed(static_cast<int>(i));
          else if (act == Act::kFault && next_page < kPages)
            touch(pages + 4096 * next_page++);
          else
            syscall(SYS_getpid);
        }
        if (write(from[1], &n, sizeof n) != sizeof n) break;
      }
      syscall(SYS_exit_group, 0);
    }
    close(to[0]);
    close(from[1]);
    to_ = to[1];
    from_ = from[0];
  }
  ~PhasedChild() {
    close(to_);  // the child's read sees the end and it exits
    close(from_);
    if (pid_ > 0) waitpid(pid_, nullptr, 0);
  }
  pid_t pid() const { return pid_; }
  // Makes the child act `n` times; returns once it did.
  bool calls(uint64_t n) {
    // A perf event's samples past kernel.perf_event_max_sample_rate / HZ in one tick on
    // one CPU (400 here), everyone's faults counted, are throttled until a later tick:
    // this process's own faults (compiling, loading) come just before. A few ticks'
    // wait lets that pass, so the child's faults all count.
    if (act_ == Act::kFault) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    uint64_t done = 0;
    return write(to_, &n, sizeof n) == sizeof n && read(from_, &done, sizeof done) == sizeof done &&
           done == n;
  }
  // One round before anything counts: its first writes to its stack and data after the
  // fork are copy-on-write faults, which a page fault statement would count.
  bool warm_up() { return calls(1); }

 private:
  Act act_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
};

// This process's attachments of a kind: raw tracepoint links, or perf event descriptors
// (a classic tracepoint or a uprobe each, a perf event one a CPU), from /proc/self/fd and fdinfo.
int attachments(bool raw_tracepoint) {
  int n = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    if (!raw_tracepoint) {
      n += target == "anon_inode:[perf_event]" ? 1 : 0;
      continue;
    }
    if (target != "anon_inode:bpf_link") continue;
    std::ifstream info("/proc/self/fdinfo/" + fd.path().filename().string());
    std::string line;
    while (std::getline(info, line)) {
      if (line.starts_with("link_type:") && line.find("raw_tracepoint") != std::string::npos) ++n;
    }
  }
  return n;
}

// This process's BPF programs and maps (their descriptors).
int bpf_objects() {
  int n = 0;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    std::string target = std::filesystem::read_symlink(fd.path(), ec).string();
    n += target == "anon_inode:bpf-prog" || target == "anon_inode:bpf-map" ? 1 : 0;
  }
  return n;
}

class ReplHookChains : public ::testing::Test {
 protected:
  // Compiles and attaches `text` as the REPL does (shell.cpp); its number.
  uint32_t attach(const std::string& text) {
    uint32_t number = registry_.next_number();
    compiler_.set_first_statement(number);
    ChainedCompile chaining(compiler_, chains_);
    driver::Compilation c = compiler_.compile(fmt::format("<repl:{}>", number), text);
    EXPECT_TRUE(c.ok) << compiler_.render();
    if (!c.ok) return 0;
    session::Options options;
    if (auto st = chaining.finish(options); !st) {
      ADD_FAILURE() << st.error().message;
      return 0;
    }
    auto s = session::Session::start(std::move(c.program), options);
    if (!s) {
      ADD_FAILURE() << s.error().message;
      return 0;
    }
    registry_.add_statement(text, c.c_source, std::move(s.value()));
    return number;
  }

  // The statement's count (its one counter).
  double value(uint32_t number) {
    metrics::Snapshot snapshot;
    if (auto st = registry_.snapshot(number, snapshot); !st) {
      ADD_FAILURE() << st.error().message;
      return -1;
    }
    if (snapshot.families.size() != 1 || snapshot.families[0].series.size() != 1) return -1;
    return snapshot.families[0].series[0].value;
  }

  // Statements A and B on one hook: A counts every call, B only those made while it was
  // attached; one attachment while both are; detaching the statement whose attach
  // brought the hook's dispatcher (A) keeps the others counting.
  void check_hook(const std::string& probe, const std::string& condition, bool raw_tracepoint,
                  Act act = Act::kGetpid) {
    PhasedChild child(act);
    ASSERT_GT(child.pid(), 0);
    ASSERT_TRUE(child.warm_up());
    // Rounds of a few page faults, far below the throttling limit (calls()).
    const uint64_t scale = act == Act::kFault ? 1 : 10;
    const std::string text =
        fmt::format("on {} where {}pid == {} count", probe, condition, child.pid());
    const int before = attachments(raw_tracepoint);
    const int objects = bpf_objects();
    uint32_t a = attach(text);
    ASSERT_NE(a, 0u);
    // One attachment of the hook: one descriptor, or one a CPU for a perf event.
    const int hook = attachments(raw_tracepoint) - before;
    EXPECT_GE(hook, 1);
    ASSERT_TRUE(child.calls(30 * scale));  // N
    uint32_t b = attach(text);
    ASSERT_NE(b, 0u);
    EXPECT_EQ(attachments(raw_tracepoint), before + hook) << "two statements, one attachment";
    EXPECT_EQ(chains_.attached_chains(), 1u);
    ASSERT_TRUE(child.calls(20 * scale));  // M
    EXPECT_EQ(value(b), static_cast<double>(20 * scale));
    ASSERT_TRUE(registry_.detach(b));
    ASSERT_TRUE(child.calls(10 * scale));  // K
    EXPECT_EQ(value(a), static_cast<double>(60 * scale));

    // C joins, then A, whose attach brought the dispatcher, leaves: C keeps counting.
    uint32_t c = attach(text);
    ASSERT_NE(c, 0u);
    ASSERT_TRUE(child.calls(5 * scale));
    ASSERT_TRUE(registry_.detach(a));
    EXPECT_EQ(attachments(raw_tracepoint), before + hook);
    ASSERT_TRUE(child.calls(7 * scale));
    EXPECT_EQ(value(c), static_cast<double>(12 * scale));

    // The last statement takes the dispatcher, its program and its prog array with it.
    ASSERT_TRUE(registry_.detach(c));
    EXPECT_EQ(attachments(raw_tracepoint), before);
    EXPECT_EQ(chains_.attached_chains(), 0u);
    EXPECT_EQ(bpf_objects(), objects);
  }

  driver::Compiler compiler_;
  session::HookChains chains_;
  Registry registry_;
};

TEST_F(ReplHookChains, ClassicTracepoint) {
  check_hook("tracepoint:syscalls:sys_enter_getpid", "", false);
}

TEST_F(ReplHookChains, RawTracepoint) {
  check_hook("tracepoint:raw_syscalls:sys_enter", fmt::format("id == {} && ", SYS_getpid), true);
}

// A chain has HookChains::kSlots slots: the statement after them opens a second chain,
// a second attachment, and every statement still counts each call once.
TEST_F(ReplHookChains, AFullChainOpensAnother) {
  PhasedChild child;
  ASSERT_GT(child.pid(), 0);
  const std::string text =
      fmt::format("on tracepoint:syscalls:sys_enter_getpid where pid == {} count", child.pid());
  const int before = attachments(false);
  std::vector<uint32_t> numbers;
  for (uint32_t i = 0; i <= session::HookChains::kSlots; ++i) {
    numbers.push_back(attach(text));
    ASSERT_NE(numbers.back(), 0u);
  }
  EXPECT_EQ(attachments(false), before + 2);
  EXPECT_EQ(chains_.attached_chains(), 2u);
  ASSERT_TRUE(child.calls(40));
  for (uint32_t number : numbers) EXPECT_EQ(value(number), 40) << "[" << number << "]";
  // The first chain's slot 0 leaves; a new statement takes it, not a third chain.
  ASSERT_TRUE(registry_.detach(numbers.front()));
  uint32_t again = attach(text);
  EXPECT_EQ(chains_.attached_chains(), 2u);
  ASSERT_TRUE(child.calls(10));
  EXPECT_EQ(value(again), 10);
  EXPECT_EQ(value(numbers.back()), 50);
}

TEST_F(ReplHookChains, Uprobe) {
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  check_hook(fmt::format("uprobe:{}:sonde_chain_probed", self), "", false, Act::kCall);
}

// Every page fault (a sample period of 1) of the child, which faults exactly once for
// each page it writes; the hook is a perf event on each CPU.
TEST_F(ReplHookChains, SoftwarePerfEvent) {
  // At most 30 faults a round must fit in one tick's samples: rate / HZ, HZ <= 1000.
  int rate = 0;
  std::ifstream("/proc/sys/kernel/perf_event_max_sample_rate") >> rate;
  if (rate < 30000)
    GTEST_SKIP() << "kernel.perf_event_max_sample_rate is " << rate
                 << ": the kernel would throttle a round of 30 page faults";
  check_hook("software:page-faults:1", "", false, Act::kFault);
}

}  // namespace
}  // namespace sonde::repl
