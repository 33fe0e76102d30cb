// sonde run --interval against the real kernel: each print shows what its interval added.
// A workload makes known events in steps; the test starts a step only once sonde has
// printed the one before, so it synchronises on what sonde prints, never on timing.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>
#include <sstream>
#include <thread>

#include "tests/e2e/harness.h"
#include "tests/e2e/workload.h"

namespace sonde::e2e {
namespace {

struct Step {
  uint32_t calls;
  uint32_t bytes;
};

// Steps of getpid calls and single writes of known sizes (0: none), idle ones included.
const std::vector<Step> kSteps = {{2000, 1000}, {0, 3000}, {15000, 0}, {1, 20000}, {500, 7}};

std::string program(pid_t pid) {
  return fmt::format(
      "on tracepoint:syscalls:sys_enter_getpid where pid == {0} count as steps_calls\n"
      "on tracepoint:syscalls:sys_enter_write where pid == {0} && fd == {1} sum count as "
      "steps_bytes\n"
      "on tracepoint:syscalls:sys_enter_write where pid == {0} && fd == {1} histogram log2 "
      "count as steps_sizes",
      pid, StepWorkload::kStepFd);
}

// One JSON line of one metric, as read back (the series has no labels).
struct Line {
  std::string start, end;  // the interval's bounds, as printed
  bool final = false;
  double total = 0, interval = 0;                             // counter: value; histogram: sum
  uint64_t count = 0, interval_count = 0;                     // histogram
  std::vector<std::pair<double, uint64_t>> interval_buckets;  // le, cumulative count
};

std::map<std::string, std::vector<Line>> parse(const std::string& out) {
  static const std::regex head(
      R"re(^\{"ts":[^,]+,"interval":\{"start":([^,]+),"end":([^,]+),"final":(true|false)\},"metric":"([a-z_]+)",)re");
  static const std::regex counter(R"re("value":([^,]+),"interval":\{"value":([^}]+)\}\}\]\}$)re");
  static const std::regex histogram(
      R"re("sum":([^,]+),"count":(\d+),"interval":\{"buckets":\[([^\]]*)\],"sum":([^,]+),"count":(\d+)\}\}\]\}$)re");
  static const std::regex bucket(R"re(\{"le":([^,]+),"count":(\d+)\})re");
  std::map<std::string, std::vector<Line>> lines;
  std::istringstream in(out);
  for (std::string text; std::getline(in, text);) {
    std::smatch m;
    if (!std::regex_search(text, m, head)) continue;
    Line line{m[1], m[2], m[3] == "true"};
    const std::string metric = m[4];
    if (std::regex_search(text, m, counter)) {
      line.total = std::stod(m[1]);
      line.interval = std::stod(m[2]);
    } else if (std::regex_search(text, m, histogram)) {
      line.total = std::stod(m[1]);
      line.count = std::stoull(m[2]);
      const std::string buckets = m[3];
      line.interval = std::stod(m[4]);
      line.interval_count = std::stoull(m[5]);
      for (std::sregex_iterator b(buckets.begin(), buckets.end(), bucket), e; b != e; ++b)
        line.interval_buckets.emplace_back(std::stod((*b)[1]), std::stoull((*b)[2]));
    }  // else: no series yet, all zero
    lines[metric].push_back(std::move(line));
  }
  return lines;
}

// Until the last line of `metric` (a name starting so) shows `total`. The deadline only
// bounds a hang.
bool wait_for_total(Process& sonde, const std::string& metric, double total) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto& [name, lines] : parse(sonde.out())) {
      if (name.starts_with(metric) && !lines.empty() && lines.back().total == total) return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

const std::vector<Line>& of(const std::map<std::string, std::vector<Line>>& all,
                            const std::string& metric) {
  for (const auto& [name, lines] : all) {
    if (name.starts_with(metric)) return lines;
  }
  static const std::vector<Line> kNone;
  ADD_FAILURE() << "no lines of " << metric;
  return kNone;
}

// Intervals follow each other without gap or overlap, and only the last is final.
void expect_contiguous(const std::vector<Line>& lines) {
  ASSERT_FALSE(lines.empty());
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(std::stod(lines[i].start), std::stod(lines[i].end));
    if (i > 0) {
      EXPECT_EQ(lines[i].start, lines[i - 1].end) << "line " << i;
    }
    EXPECT_EQ(lines[i].final, i + 1 == lines.size()) << "line " << i;
  }
}

TEST(Interval, JsonLinesCarryEachIntervalBesideTheTotal) {
  StepWorkload workload;
  Process sonde({sonde_binary(), "run", "--interval", "200ms", "--format", "json", "-e",
                 program(workload.pid())});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  int64_t calls = 0, bytes = 0;
  std::vector<size_t> seen_at;  // per step: the first line of steps_calls showing it
  for (const Step& step : kSteps) {
    const int64_t made = workload.step(step.calls, step.bytes);
    ASSERT_EQ(made, step.calls);
    calls += made;
    bytes += step.bytes;
    ASSERT_TRUE(wait_for_total(sonde, "steps_calls", static_cast<double>(calls))) << sonde.out();
    ASSERT_TRUE(wait_for_total(sonde, "steps_bytes", static_cast<double>(bytes))) << sonde.out();
    const auto lines = of(parse(sonde.out()), "steps_calls");
    size_t first = lines.size() - 1;
    while (first > 0 && lines[first - 1].total == static_cast<double>(calls)) --first;
    seen_at.push_back(first);
  }
  sonde.signal(SIGINT);
  Exit e = sonde.wait();
  ASSERT_EQ(e.code, 0) << e.err;
  const auto all = parse(e.out);

  // Counts: the intervals add up to the total, and to the workload's own count; a step's
  // calls fall between the print before it began and the first that showed them.
  const auto& call_lines = of(all, "steps_calls");
  expect_contiguous(call_lines);
  double sum = 0;
  for (const Line& l : call_lines) sum += l.interval;
  EXPECT_EQ(sum, static_cast<double>(calls));
  EXPECT_EQ(call_lines.back().total, static_cast<double>(calls));
  for (size_t s = 0; s < kSteps.size(); ++s) {
    double in_step = 0;
    for (size_t i = s == 0 ? 0 : seen_at[s - 1] + 1; i <= seen_at[s]; ++i)
      in_step += call_lines[i].interval;
    EXPECT_EQ(in_step, kSteps[s].calls) << "step " << s;
  }

  // One write per step: each lands whole in one interval, so the intervals that changed
  // are the steps' sizes, in order.
  std::vector<double> sizes, changed;
  for (const Step& step : kSteps) {
    if (step.bytes > 0) sizes.push_back(step.bytes);
  }
  const auto& byte_lines = of(all, "steps_bytes");
  expect_contiguous(byte_lines);
  for (const Line& l : byte_lines) {
    if (l.interval != 0) changed.push_back(l.interval);
  }
  EXPECT_EQ(changed, sizes);
  EXPECT_EQ(byte_lines.back().total, static_cast<double>(bytes));

  // The histogram of those writes: one observation per interval that had one, in the
  // log2 bucket of its size.
  const auto& size_lines = of(all, "steps_sizes");
  expect_contiguous(size_lines);
  std::vector<double> observed;
  for (const Line& l : size_lines) {
    if (l.interval_count == 0) continue;
    EXPECT_EQ(l.interval_count, 1u);
    observed.push_back(l.interval);
    auto first = std::find_if(l.interval_buckets.begin(), l.interval_buckets.end(),
                              [](const auto& b) { return b.second > 0; });
    ASSERT_NE(first, l.interval_buckets.end());
    EXPECT_GE(first->first, l.interval);
    if (first != l.interval_buckets.begin()) {
      EXPECT_LT(std::prev(first)->first, l.interval);
    }
  }
  EXPECT_EQ(observed, sizes);
  EXPECT_EQ(size_lines.back().count, sizes.size());
}

// The terminal: each block shows the interval's increase beside the total; a series that
// did not change is left out and said so; the print on exit says what it covers.
TEST(Interval, TerminalShowsTheIntervalBesideTheTotal) {
  constexpr uint32_t kCalls[] = {3000, 40};
  StepWorkload workload;
  Process sonde({sonde_binary(), "run", "--interval", "200ms", "-e",
                 fmt::format("on tracepoint:syscalls:sys_enter_getpid where pid == {} count",
                             workload.pid())});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  uint32_t total = 0;
  for (uint32_t calls : kCalls) {
    ASSERT_EQ(workload.step(calls, 0), calls);
    total += calls;
    // A row of the step's total, then a print after it (nothing more happened).
    ASSERT_TRUE(sonde.wait_for_stdout(fmt::format(" {}\n", total), 60s)) << sonde.out();
    const size_t shown = sonde.out().rfind(fmt::format(" {}\n", total));
    const auto deadline = std::chrono::steady_clock::now() + 60s;  // bounds a hang
    while (sonde.out().find("no change in this interval", shown) == std::string::npos &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
  }
  sonde.signal(SIGINT);
  Exit e = sonde.wait();
  ASSERT_EQ(e.code, 0) << e.err;
  // Rows under "interval  total": the increases add up to the calls made.
  std::regex row(R"(^\s+(\d+)\s+(\d+)$)");
  std::istringstream in(e.out);
  uint64_t sum = 0, last_total = 0, rows = 0, headings = 0;
  std::string last_heading;
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (l.find("; total: since attach") != std::string::npos) {
      ++headings;
      last_heading = l;
    } else if (std::regex_match(l, m, row)) {
      sum += std::stoull(m[1]);
      last_total = std::stoull(m[2]);
      ++rows;
    }
  }
  // A step's calls may straddle two intervals: a row each. The blocks in between (the
  // workload idle) have none: unchanged series are left out.
  EXPECT_GE(rows, std::size(kCalls)) << e.out;
  EXPECT_EQ(sum, total) << e.out;
  EXPECT_EQ(last_total, total) << e.out;
  EXPECT_GT(headings, rows) << e.out;
  EXPECT_NE(e.out.find("  interval  total\n"), std::string::npos) << e.out;
  EXPECT_NE(last_heading.find("on exit, last (partial) interval"), std::string::npos) << e.out;
  EXPECT_NE(e.out.find("(no change in this interval; 1 series in total)"), std::string::npos)
      << e.out;
}

// --cumulative: the totals only, as before per-interval views.
TEST(Interval, CumulativePrintsTotalsOnly) {
  Exit e = run_sonde({"run", "--interval", "100ms", "--cumulative", "--duration", "300ms", "-e",
                      "on tracepoint:sched:sched_switch count"});
  ASSERT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("  value\n"), std::string::npos) << e.out;
  EXPECT_EQ(e.out.find("interval"), std::string::npos) << e.out;
}

}  // namespace
}  // namespace sonde::e2e
