// Kernel stacks (`kstack`, runtime/decode) against bpftrace's kstack for the same
// probe on the same window. bpftrace prints each frame as symbol+offset of the address
// itself; sonde names a caller's frame by the byte before its return address (the
// call). The two agree on every frame but one whose return address is the first byte
// of a function (offset 0): the call was the caller's last instruction (a call to a
// noreturn function), and sonde names the caller, the symbol below.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

using namespace std::chrono_literals;

// /proc/kallsyms text symbols: every name at an address, and the address of a name.
class Kallsyms {
 public:
  Kallsyms() {
    std::ifstream in("/proc/kallsyms");
    std::string line;
    while (std::getline(in, line)) {
      if (line.size() < 20) continue;
      char type = line[17];
      if (type != 't' && type != 'T' && type != 'w' && type != 'W') continue;
      uint64_t addr = std::stoull(line.substr(0, 16), nullptr, 16);
      if (addr == 0) continue;
      std::string name = line.substr(19, line.find('\t', 19) - 19);
      by_addr_[addr].insert(name);
      if (!addr_.count(name)) addr_[name] = addr;
    }
  }
  bool empty() const { return by_addr_.empty(); }

  // Names sonde may show for bpftrace's frame "func+off" (any alias at that address):
  // the function itself, or for a caller's frame at offset 0, the symbol below.
  std::set<std::string> expected(const std::string& frame, bool caller, bool* at_offset_0) const {
    auto plus = frame.rfind('+');
    std::string func = frame.substr(0, plus);
    long off = plus == std::string::npos ? 0 : std::stol(frame.substr(plus + 1));
    auto it = addr_.find(func);
    if (it == addr_.end()) return {func};
    auto at = by_addr_.find(it->second);
    if (caller && off == 0 && at != by_addr_.begin()) {
      *at_offset_0 = true;
      return std::prev(at)->second;
    }
    return at->second;
  }

 private:
  std::map<uint64_t, std::set<std::string>> by_addr_;
  std::map<std::string, uint64_t> addr_;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep))
    if (!part.empty()) out.push_back(part);
  return out;
}

// bpftrace's key: frames, leaf first, one per line (indented).
std::vector<std::string> bpftrace_frames(const std::string& key) {
  std::vector<std::string> frames;
  for (auto& line : split(key, '\n')) {
    auto b = line.find_first_not_of(' ');
    if (b == std::string::npos) continue;
    frames.push_back(line.substr(b));
  }
  return frames;
}

// sonde's kstack label: "root;...;leaf" -> leaf first.
std::vector<std::string> sonde_frames(const std::string& folded) {
  auto frames = split(folded, ';');
  std::reverse(frames.begin(), frames.end());
  return frames;
}

// kstack -> count from sonde's exposition (`stacks_total{kstack="..."}`).
std::map<std::string, double> sonde_stacks(const std::string& exposition,
                                           const std::string& metric) {
  std::map<std::string, double> out;
  for (const auto& [series, value] : parse_exposition(exposition)) {
    if (series.rfind(metric + "{kstack=\"", 0) != 0) continue;
    auto begin = metric.size() + 9;
    out[series.substr(begin, series.rfind('"') - begin)] += value;
  }
  return out;
}

// "" when sonde's frames are the names bpftrace's frames call for.
std::string compare(const Kallsyms& ksyms, const std::vector<std::string>& bpftrace,
                    const std::vector<std::string>& sonde, int* offset_0_frames) {
  if (bpftrace.size() != sonde.size())
    return std::to_string(bpftrace.size()) + " frames against " + std::to_string(sonde.size());
  int at_0_frames = 0;
  for (size_t i = 0; i < bpftrace.size(); ++i) {
    bool at_0 = false;
    auto names = ksyms.expected(bpftrace[i], i > 0, &at_0);
    if (!names.count(sonde[i]))
      return "frame " + std::to_string(i) + ": bpftrace " + bpftrace[i] + ", sonde " + sonde[i];
    at_0_frames += at_0;
  }
  *offset_0_frames += at_0_frames;
  return "";
}

// Threads that exit (SYS_exit) and a process that exits (SYS_exit_group): one stack per
// path, every event seen by both, so the counts per stack match exactly.
TEST(Kstack, ExitStacksMatchBpftraceFrameByFrame) {
  Kallsyms ksyms;
  if (ksyms.empty()) GTEST_SKIP() << "/proc/kallsyms shows no addresses (kptr_restrict)";
  auto tool = bpftrace(
      "BEGIN { printf(\"ready\\n\"); }\n"
      "tracepoint:sched:sched_process_exit /comm == \"sonde_exiter\"/ { @s[kstack] = count(); }");
  if (!tool) GTEST_SKIP() << "bpftrace is not installed";
  if (!tool->ready("ready")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde(
      "on tracepoint:sched:sched_process_exit where comm == \"sonde_exiter\" count by kstack as "
      "exit_stacks");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Workload workload("sonde_exiter", [] {
    for (int i = 0; i < 10; ++i) std::thread([] {}).join();
    return 0;
  });
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;

  auto theirs = parse_bpftrace_map(e.out, "s");
  auto ours = sonde_stacks(body, "exit_stacks_total");
  double their_total = 0, our_total = 0;
  for (const auto& [k, n] : theirs) their_total += n;
  for (const auto& [k, n] : ours) our_total += n;
  measured("exit stacks: bpftrace " + std::to_string(their_total) + " events in " +
           std::to_string(theirs.size()) + " stacks, sonde " + std::to_string(our_total) + " in " +
           std::to_string(ours.size()));
  EXPECT_EQ(their_total, 11) << "10 threads and the process exit:\n" << e.out;
  EXPECT_EQ(our_total, 11) << body;
  int offset_0 = 0;
  for (const auto& [key, n] : theirs) {
    auto frames = bpftrace_frames(key);
    std::string why_not = "no sonde stack";
    double matched = 0;
    for (const auto& [folded, m] : ours) {
      std::string why = compare(ksyms, frames, sonde_frames(folded), &offset_0);
      if (why.empty())
        matched += m;
      else
        why_not = why;
    }
    EXPECT_EQ(matched, n) << "bpftrace stack:\n" << key << "\n" << why_not << "\nsonde:\n" << body;
  }
}

// The idle loop of CPU 0 runs below x86_64_start_reservations, whose last instruction
// calls start_kernel (noreturn): that frame's return address is the first byte of the
// next function (bpftrace: "__pfx_clear_bss+0"); sonde must name the caller.
TEST(Kstack, AFrameAfterANoreturnCallNamesTheCaller) {
  Kallsyms ksyms;
  if (ksyms.empty()) GTEST_SKIP() << "/proc/kallsyms shows no addresses (kptr_restrict)";
  auto tool = bpftrace(
      "BEGIN { printf(\"ready\\n\"); }\n"
      "tracepoint:power:cpu_idle { @s[kstack] = count(); }");
  if (!tool) GTEST_SKIP() << "bpftrace is not installed";
  if (!tool->ready("ready")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on tracepoint:power:cpu_idle count by kstack as idle_stacks");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  // CPUs enter idle whenever nothing runs; wait (bounded) for enough of it.
  std::string body;
  auto deadline = std::chrono::steady_clock::now() + 20s;  // only bounds a hang
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(500ms);
    body = sonde.scrape();
    // Enough once the boot CPU's idle stack (the one with the noreturn call) showed, and
    // the other CPUs' (below start_secondary), which bpftrace, attached for longer, is
    // sure to have seen: a window that ends at the first idle of CPU 0 may hold none.
    bool boot_cpu = false, other_cpus = sysconf(_SC_NPROCESSORS_ONLN) < 2;
    for (const auto& [k, v] : sonde_stacks(body, "idle_stacks_total")) {
      boot_cpu |= k.find("x86_64_start_kernel") != std::string::npos;
      other_cpus |= k.find("start_secondary") != std::string::npos;
    }
    if (boot_cpu && other_cpus) break;
  }
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  ASSERT_EQ(e.code, 0) << e.err;
  auto theirs = parse_bpftrace_map(e.out, "s");
  auto ours = sonde_stacks(body, "idle_stacks_total");
  // bpftrace attached before sonde and detached after it: every stack sonde saw,
  // bpftrace saw too. The other way round only for stacks frequent enough that sonde's
  // shorter window cannot have missed them all.
  int offset_0 = 0, compared = 0;
  for (const auto& [folded, m] : ours) {
    EXPECT_EQ(folded.find("__pfx_"), std::string::npos)
        << "a padding symbol names a caller: " << folded;
    std::string why_not = "bpftrace saw no stack";
    bool found = false;
    for (const auto& [key, n] : theirs) {
      std::string why = compare(ksyms, bpftrace_frames(key), sonde_frames(folded), &offset_0);
      found |= why.empty();
      if (!why.empty()) why_not = why;
    }
    EXPECT_TRUE(found) << "sonde saw this stack " << m << " times, bpftrace never:\n"
                       << folded << "\n(" << why_not << ")\nbpftrace:\n"
                       << e.out;
    ++compared;
  }
  for (const auto& [key, n] : theirs) {
    if (n < 10) continue;
    bool found = false;
    int ignored = 0;
    for (const auto& [folded, m] : ours)
      found |= compare(ksyms, bpftrace_frames(key), sonde_frames(folded), &ignored).empty();
    EXPECT_TRUE(found) << "bpftrace saw this stack " << n << " times, sonde never:\n"
                       << key << "\nsonde:\n"
                       << body;
  }
  measured("idle stacks: " + std::to_string(compared) + " compared, " + std::to_string(offset_0) +
           " frames at offset 0");
  if (compared == 0) GTEST_SKIP() << "no CPU went idle often enough (every CPU busy):\n" << e.out;
  if (offset_0 == 0)
    GTEST_SKIP() << "no idle stack had a frame at offset 0 on this kernel (CPU 0 never idle?):\n"
                 << e.out;
}

}  // namespace
}  // namespace sonde::e2e::diff
