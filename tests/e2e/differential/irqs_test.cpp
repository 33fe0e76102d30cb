// Interrupts (examples/softirqs.sonde, examples/hardirqs.sonde, the spans `softirq` and
// `hardirq` of stdlib/irq.sonde) against libbpf-tools'
// softirqs -d and hardirqs -C, all bracketed by the kernel's own counters
// (/proc/softirqs, /proc/interrupts). Interrupts are system-wide, so each side's count
// must lie between the kernel's count over a window inside its own and over one
// outside it. The tools run longer than sonde's window (their start and exit are slow),
// so their outer window is wider.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

using namespace std::chrono_literals;

// Disk writes that reach the device (virtio-blk interrupts, block softirqs), and some
// sleeping (timers).
int disk_and_timers() {
  const std::string path = "/var/tmp/sonde-diff-irq-" + std::to_string(getpid());
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  unlink(path.c_str());
  void* buf = nullptr;
  if (fd < 0 || posix_memalign(&buf, 4096, 4096) != 0) return 1;
  memset(buf, 1, 4096);
  for (int i = 0; i < 200; ++i) {
    if (pwrite(fd, buf, 4096, static_cast<off_t>(i) * 4096) != 4096) return 2;
    if (i % 20 == 0) usleep(10000);
  }
  close(fd);
  free(buf);
  return 0;
}

// The kernel's counter read around both sides' windows:
// p0 < tool attached < q0 < sonde's first scrape < p1 < workload < p2 < sonde's second
// scrape < q3 < tool stopped < p3. sonde lies between [p1, p2] and [q0, q3], the tool
// between [p1, p2] and [p0, p3].
template <typename Counter>
struct Windows {
  Counter p0, q0, p1, p2, q3, p3;
};

// How a trace line of irq:softirq_entry and irq:irq_handler_entry names its kind, as
// /proc/softirqs and /proc/interrupts do.
constexpr char kSoftirqKind[] = R"(softirq_entry: vec=\d+ \[action=(\w+)\])";
constexpr char kHardirqKind[] = R"(irq_handler_entry: irq=\d+ name=(\S+))";

// The kernel's count less the events no BPF program could see (UnseenByBpf): the lower
// bound of what any BPF tool counts.
uint64_t visible(uint64_t kernel, const std::map<std::string, uint64_t>& hidden,
                 const std::string& kind) {
  auto it = hidden.find(kind);
  const uint64_t h = it == hidden.end() ? 0 : it->second;
  return kernel > h ? kernel - h : 0;
}

std::string unseen_note(const UnseenByBpf& unseen, const std::map<std::string, uint64_t>& hidden,
                        const std::string& kind) {
  if (!unseen.ok()) return ", nothing subtracted: " + unseen.why();
  auto it = hidden.find(kind);
  return it == hidden.end() ? "" : ", less " + std::to_string(it->second) + " under PID 1";
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

TEST(Softirqs, EachKindCountedAsTheKernelCountsIt) {
  auto tool = libbpf_tool("softirqs", {"-d"});
  if (!tool) GTEST_SKIP() << not_installed("softirqs");
  Windows<std::map<std::string, uint64_t>> k;
  k.p0 = proc_softirqs();
  if (!tool->ready("Tracing soft irq")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on tracepoint:irq:softirq_entry count by vec as softirqs");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  UnseenByBpf unseen("irq/softirq_entry", kSoftirqKind);
  k.q0 = proc_softirqs();
  const std::string a = sonde.scrape();
  unseen.start();
  k.p1 = proc_softirqs();
  Workload workload("sonde_irqs", disk_and_timers);
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  k.p2 = proc_softirqs();
  unseen.stop();
  const std::string b = sonde.scrape();
  k.q3 = proc_softirqs();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  k.p3 = proc_softirqs();
  ASSERT_EQ(e.code, 0) << e.err;

  // softirqs -d: one histogram per kind ("softirq = timer"); its count is the events.
  std::map<std::string, double> theirs;
  for (const auto& h : parse_libbpf_hists(e.out, 1000)) {
    auto at = h.title.find("softirq = ");
    if (at != std::string::npos) theirs[h.title.substr(at + 10)] += h.total();
  }
  const auto hidden = unseen.counts();
  int kinds = 0;
  for (const auto& [kind, before] : k.p0) {
    const uint64_t outer = k.p3[kind] - k.p0.at(kind);
    const uint64_t inner = visible(k.p2[kind] - k.p1[kind], hidden, kind);
    const uint64_t sonde_outer = k.q3[kind] - k.q0[kind];
    const double ours = sonde_total(b, "softirqs_total", {"vec=\"" + kind + "\""}) -
                        sonde_total(a, "softirqs_total", {"vec=\"" + kind + "\""});
    const double tool_count = theirs[lower(kind)];
    if (outer == 0) continue;
    ++kinds;
    measured(kind + ": kernel " + std::to_string(inner) + " (inner" +
             unseen_note(unseen, hidden, kind) + ") to " + std::to_string(sonde_outer) +
             " (around sonde), " + std::to_string(outer) + " (around the tool); softirqs " +
             std::to_string(tool_count) + ", sonde " + std::to_string(ours));
    EXPECT_GE(ours, inner) << kind;
    EXPECT_LE(ours, sonde_outer) << kind;
    // The tool counts a softirq when it ends (timing it from its start): one in flight
    // on each CPU when it attached is not counted.
    EXPECT_GE(tool_count + sysconf(_SC_NPROCESSORS_ONLN), inner) << kind << "\n" << e.out;
    EXPECT_LE(tool_count, outer) << kind << "\n" << e.out;
  }
  EXPECT_GE(kinds, 2) << "the kernel counted fewer than two kinds of softirq";
}

TEST(Hardirqs, EachHandlerCountedAsTheKernelCountsIt) {
  auto tool = libbpf_tool("hardirqs", {"-C"});
  if (!tool) GTEST_SKIP() << not_installed("hardirqs");
  Windows<std::map<std::string, uint64_t>> k;
  k.p0 = proc_interrupts();
  if (!tool->ready("Tracing hard irq")) GTEST_SKIP() << tool->why_not_ready();
  Sonde sonde("on tracepoint:irq:irq_handler_entry count by name as hardirqs");
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  UnseenByBpf unseen("irq/irq_handler_entry", kHardirqKind);
  k.q0 = proc_interrupts();
  const std::string a = sonde.scrape();
  unseen.start();
  k.p1 = proc_interrupts();
  Workload workload("sonde_irqs", disk_and_timers);
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  k.p2 = proc_interrupts();
  unseen.stop();
  const std::string b = sonde.scrape();
  k.q3 = proc_interrupts();
  EXPECT_EQ(sonde.stop().code, 0);
  Exit e = tool->stop();
  k.p3 = proc_interrupts();
  ASSERT_EQ(e.code, 0) << e.err;

  std::map<std::string, double> theirs;  // "HARDIRQ  TOTAL_count" rows
  for (const auto& row : parse_table(e.out, "HARDIRQ"))
    if (row.size() == 2) theirs[row[0]] += std::stod(row[1]);
  const auto hidden = unseen.counts();
  int handlers = 0;
  for (const auto& [name, before] : k.p0) {
    // A shared line lists its handlers "a,b" and counts the interrupt once; each handler
    // runs for it. Compare unshared lines only.
    if (name.find(',') != std::string::npos) continue;
    const uint64_t outer = k.p3[name] - before;
    const uint64_t inner = visible(k.p2[name] - k.p1[name], hidden, name);
    if (outer == 0) continue;
    ++handlers;
    const double ours = sonde_total(b, "hardirqs_total", {"name=\"" + name + "\""}) -
                        sonde_total(a, "hardirqs_total", {"name=\"" + name + "\""});
    measured(name + ": kernel " + std::to_string(inner) + " (inner" +
             unseen_note(unseen, hidden, name) + ") to " + std::to_string(outer) +
             " (outer); hardirqs " + std::to_string(theirs[name]) + ", sonde " +
             std::to_string(ours));
    EXPECT_GE(ours, inner) << name;
    EXPECT_LE(ours, k.q3[name] - k.q0[name]) << name;
    EXPECT_GE(theirs[name], inner) << name << "\n" << e.out;
    EXPECT_LE(theirs[name], outer) << name << "\n" << e.out;
  }
  EXPECT_GE(handlers, 1) << "no device interrupt during the test";
}

// The spans `softirq` and `hardirq` (stdlib/irq.sonde) alone, against the kernel's
// counters: a handler counts when it ends, so one in flight on each CPU at either scrape
// moves between windows. In a sonde of their own: every program on these tracepoints
// is one more that an interrupt can find running on its CPU, and skip.
template <typename Read>
void spans_as_the_kernel_counts_them(const std::string& program, const std::string& metric,
                                     const std::string& label, Read read, bool skip_shared,
                                     const std::string& event, const std::string& pattern) {
  Sonde sonde(program);
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  UnseenByBpf unseen(event, pattern);
  auto q0 = read();
  const std::string a = sonde.scrape();
  unseen.start();
  auto p1 = read();
  Workload workload("sonde_irqs", disk_and_timers);
  workload.go();
  ASSERT_EQ(workload.wait(), 0);
  auto p2 = read();
  unseen.stop();
  const std::string b = sonde.scrape();
  auto q3 = read();
  EXPECT_EQ(sonde.stop().code, 0);
  const double cpus = static_cast<double>(sysconf(_SC_NPROCESSORS_ONLN));
  const auto hidden = unseen.counts();
  int kinds = 0;
  for (const auto& [kind, before] : q0) {
    if (skip_shared && kind.find(',') != std::string::npos) continue;
    const double inner = static_cast<double>(visible(p2[kind] - p1[kind], hidden, kind));
    const double outer = static_cast<double>(q3[kind] - before);
    if (outer == 0) continue;
    ++kinds;
    const std::string filter = label + "=\"" + kind + "\"";
    const double spans =
        sonde_histogram(b, metric, filter).count - sonde_histogram(a, metric, filter).count;
    measured(kind + ": kernel " + std::to_string(inner) + " (inner" +
             unseen_note(unseen, hidden, kind) + ") to " + std::to_string(outer) +
             " (outer), sonde spans " + std::to_string(spans));
    EXPECT_GE(spans + cpus, inner) << kind << "\n" << b;
    EXPECT_LE(spans, outer + cpus) << kind << "\n" << b;
  }
  EXPECT_GE(kinds, 1) << "no interrupt during the test";
}

TEST(Softirqs, SpansCountedAsTheKernelCountsSoftirqs) {
  spans_as_the_kernel_counts_them("histogram log2 latency of softirq by vec as softirq_time",
                                  "softirq_time_seconds", "vec", proc_softirqs, false,
                                  "irq/softirq_entry", kSoftirqKind);
}

TEST(Hardirqs, SpansCountedAsTheKernelCountsInterrupts) {
  spans_as_the_kernel_counts_them("histogram log2 latency of hardirq by name as hardirq_time",
                                  "hardirq_time_seconds", "name", proc_interrupts, true,
                                  "irq/irq_handler_entry", kHardirqKind);
}

}  // namespace
}  // namespace sonde::e2e::diff
