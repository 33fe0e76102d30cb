// Histograms and aggregations as Prometheus computes with them, against the real kernel
// and a real Prometheus, checked against what the workloads measured themselves:
// every bucket scheme loads through the verifier, every series of a histogram shows the
// same `le` set in every scrape, fleet quantiles land in the bucket of the truth, and
// count, avg, min, max and sum export what a query over them needs.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

// ---- the schemes load ----

// The linear schemes of the bug report: a step that is not a power of two made the
// verifier lose the bucket index's bound ("math between map_value pointer and register
// with unbounded min value").
TEST(Histograms, EverySchemeLoadsThroughTheVerifier) {
  for (const char* program : {
           "histogram linear(0, 300ms, 25ms) latency of syscall read",
           "on uretprobe:/bin/bash:readline histogram linear(0,1000,100) retval",
           "on tracepoint:block:block_rq_issue histogram linear(0, 1000000, 100000) bytes",
           "on tracepoint:syscalls:sys_exit_read histogram linear(-4096, 1MiB, 4096) ret",
           "histogram buckets(1ms, 5ms, 10ms, 50ms, 100ms, 500ms) latency of syscall read",
           "on tracepoint:syscalls:sys_exit_read histogram buckets(-1, 0, 1, 512, 4KiB, 1MiB) ret",
           "histogram log2(3us, 10s) latency of syscall read by comm",
           "on tracepoint:syscalls:sys_exit_read histogram log2(0, 1GiB) ret",
       }) {
    if (std::string(program).find("/bin/bash") != std::string::npos &&
        access("/bin/bash", X_OK) != 0) {
      ADD_FAILURE() << "/bin/bash is missing: cannot load " << program;
      continue;
    }
    Exit e = run_sonde({"run", "--no-cache", "-e", program, "--duration", "1s"});
    EXPECT_EQ(e.code, 0) << program << "\n" << e.err;
    EXPECT_NE(e.err.find("attached"), std::string::npos) << program << "\n" << e.err;
  }
}

// ---- workloads ----

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// A child named `name` that, at each byte read from `go_fd`, makes `calls[i]` raw
// nanosleeps of `sleep`, and reports how long each took as it saw it (ns around the
// syscall) on `report_fd` when it is done.
struct Sleeper {
  pid_t pid = -1;
  int go = -1;
  int report = -1;
};

Sleeper start_sleeper(const char* name, std::vector<int> calls, std::chrono::nanoseconds sleep) {
  int go[2], report[2];
  if (pipe(go) != 0 || pipe(report) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    close(go[1]);
    close(report[0]);
    prctl(PR_SET_NAME, name);
    const timespec ts{0, static_cast<long>(sleep.count())};
    std::vector<int64_t> took;
    for (int n : calls) {
      char c;
      if (read(go[0], &c, 1) != 1) _exit(1);
      for (int i = 0; i < n; ++i) {
        const int64_t before = monotonic_ns();
        syscall(SYS_nanosleep, &ts, nullptr);
        took.push_back(monotonic_ns() - before);
      }
    }
    const auto bytes = static_cast<ssize_t>(took.size() * sizeof(int64_t));
    _exit(write(report[1], took.data(), took.size() * sizeof(int64_t)) == bytes ? 0 : 1);
  }
  close(go[0]);
  close(report[1]);
  return {pid, go[1], report[0]};
}

std::vector<int64_t> finish(Sleeper& s, size_t calls) {
  std::vector<int64_t> took(calls);
  const auto want = static_cast<ssize_t>(calls * sizeof(int64_t));
  ssize_t got = 0;
  while (got < want) {
    ssize_t n = read(s.report, reinterpret_cast<char*>(took.data()) + got, want - got);
    if (n <= 0) break;
    got += n;
  }
  close(s.report);
  close(s.go);
  int status = 0;
  waitpid(s.pid, &status, 0);
  if (got != want) took.clear();
  return took;
}

// ---- reading expositions ----

// One histogram family in one exposition: per series (its labels without `le`), the
// `le` values in order and the cumulative counts.
struct HistogramSeries {
  std::vector<std::string> les;
  std::vector<double> counts;
};

std::map<std::string, HistogramSeries> histogram_series(const std::string& text,
                                                        const std::string& name) {
  std::map<std::string, HistogramSeries> out;
  std::istringstream in(text);
  std::string line;
  const std::string prefix = name + "_bucket{";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto le_at = line.find("le=\"");
    const auto le_end = line.find('"', le_at + 4);
    const auto close = line.find("} ", le_end);
    if (le_at == std::string::npos || le_end == std::string::npos || close == std::string::npos)
      continue;
    std::string labels = line.substr(prefix.size(), le_at - prefix.size());
    if (!labels.empty() && labels.back() == ',') labels.pop_back();
    HistogramSeries& s = out[labels];
    s.les.push_back(line.substr(le_at + 4, le_end - le_at - 4));
    s.counts.push_back(std::strtod(line.c_str() + close + 2, nullptr));
  }
  return out;
}

double le_value(const std::string& le) { return le == "+Inf" ? INFINITY : std::stod(le); }

// Index of the first bound >= v among `les` (finite ones, then +Inf).
size_t bucket_of(const std::vector<std::string>& les, double v) {
  for (size_t i = 0; i < les.size(); ++i) {
    if (v <= le_value(les[i])) return i;
  }
  return les.size();
}

bool promtool_accepts(const std::string& text, std::string* output) {
  const std::string file = "/tmp/sonde-e2e-hist-" + std::to_string(getpid()) + ".txt";
  FILE* f = fopen(file.c_str(), "w");
  if (!f) return false;
  fwrite(text.data(), 1, text.size(), f);
  fclose(f);
  int code = -1;
  *output = shell("promtool check metrics < " + file + " 2>&1", &code);
  unlink(file.c_str());
  return code == 0;
}

// ---- fleet quantiles ----

constexpr const char* kLog2 = "sonde_syscall_nanosleep_latency_seconds";
constexpr const char* kSlo = "nanosleep_slo_seconds";
constexpr const char* kLinear = "nanosleep_linear_seconds";
constexpr const char* kAvg = "nanosleep_avg_seconds";
constexpr const char* kComms = "comm=~\"sonde_fast|sonde_slow\"";

std::string fmt_count(const std::string& name, const std::string& comm) {
  return name + "_count{comm=\"" + comm + "\"}";
}

// Polls Prometheus until `promql` is `want` (bounded only against a hang).
bool prometheus_reaches(PrometheusServer& p, const std::string& promql, double want) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto v = p.query_value(promql);
    if (v && *v == want) return true;
    std::this_thread::sleep_for(250ms);
  }
  return false;
}

// An instant query evaluated at `time` (seconds, as Prometheus wrote it).
std::optional<double> query_at(PrometheusServer& p, const std::string& promql,
                               const std::string& time) {
  const std::string json =
      http_get(p.port(), "/api/v1/query?query=" + url_encode(promql) + "&time=" + time)
          .value_or("");
  std::smatch m;
  if (!std::regex_search(json, m, std::regex(R"re("value":\[[0-9.e+]+,"([^"]+)"\])re")))
    return std::nullopt;
  const std::string v = m[1];
  if (v == "NaN" || v == "+Inf" || v == "-Inf") return std::nullopt;
  return std::strtod(v.c_str(), nullptr);
}

// The measured calls' window in Prometheus: from the last scrape that saw only the
// first call of each process to the first that saw every call. increase() over exactly
// that range, evaluated at its end, is the difference of the two samples: Prometheus
// extrapolates nothing (it would extrapolate each bucket by its own amount, which moves
// a quantile near the tail by a bucket or two).
struct Window {
  std::string at;     // evaluation time
  std::string range;  // "1234ms"
};

std::optional<Window> measured_window(PrometheusServer& p, const std::string& name,
                                      double fast_total, double slow_total) {
  const std::string json = p.query(name + "_count{" + kComms + "}[5m]");
  // comm -> timestamp text -> value
  std::map<std::string, std::map<std::string, double>> samples;
  size_t at = 0;
  while ((at = json.find("\"metric\":", at)) != std::string::npos) {
    const size_t next = json.find("\"metric\":", at + 1);
    const std::string series = json.substr(at, next == std::string::npos ? next : next - at);
    at = next == std::string::npos ? json.size() : next;
    const std::string comm =
        series.find("\"comm\":\"sonde_fast\"") != std::string::npos ? "fast" : "slow";
    const std::regex pair(R"re(\[([0-9.]+),"([^"]+)"\])re");
    for (std::sregex_iterator it(series.begin(), series.end(), pair), end; it != end; ++it)
      samples[comm][(*it)[1]] = std::strtod((*it)[2].str().c_str(), nullptr);
  }
  std::string first, last;  // timestamps: the same for both series (one target)
  for (const auto& [t, fast] : samples["fast"]) {
    auto slow = samples["slow"].find(t);
    if (slow == samples["slow"].end()) continue;
    auto later = [](const std::string& a, const std::string& b) {
      return b.empty() || std::strtod(a.c_str(), nullptr) > std::strtod(b.c_str(), nullptr);
    };
    if (fast == 1 && slow->second == 1 && later(t, first)) first = t;
    if (fast == fast_total && slow->second == slow_total && (last.empty() || !later(t, last)))
      last = t;
  }
  if (first.empty() || last.empty()) return std::nullopt;
  // One millisecond more, so that the first sample is inside the range either way its
  // left end is read.
  const auto ms = std::llround(
      (std::strtod(last.c_str(), nullptr) - std::strtod(first.c_str(), nullptr)) * 1000 + 1);
  return Window{last, std::to_string(ms) + "ms"};
}

// Two processes sleep 1.5 ms and 20 ms; Prometheus sums their series by `le` and
// estimates quantiles: each must land within one bucket of the quantile of the
// durations the processes measured around their own calls. Fails on a histogram whose
// series show different `le` sets (sums by `le` then decrease as `le` grows).
TEST(Histograms, FleetQuantilesFromARealPrometheusLandInTheBucketOfTheTruth) {
  if (access("/usr/bin/prometheus", X_OK) != 0)
    GTEST_SKIP() << "Debian's prometheus package is not installed (scripts/setup.sh installs it)";
  constexpr int kFastCalls = 60, kSlowCalls = 20;
  // Two sonde processes, so that the log2 histogram is checked even where the others
  // do not compile.
  const int log2_port = free_port(), port = free_port();
  Process log2({sonde_binary(), "run", "-e", "histogram log2 latency of syscall nanosleep by comm",
                "--listen", "127.0.0.1:" + std::to_string(log2_port)});
  Process sonde({sonde_binary(), "run", "-e",
                 "histogram buckets(1ms, 2ms, 5ms, 10ms, 25ms, 50ms) latency of syscall "
                 "nanosleep by comm as nanosleep_slo\n"
                 "histogram linear(0, 30ms, 3ms) latency of syscall nanosleep by comm as "
                 "nanosleep_linear\n"
                 "avg latency of syscall nanosleep by comm as nanosleep_avg",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(log2.wait_for_stderr("attached")) << log2.err();
  const bool others = sonde.wait_for_stderr("attached");
  EXPECT_TRUE(others) << sonde.err();
  std::vector<const char*> histograms = {kLog2}, families = {kLog2};
  if (others) {
    histograms.insert(histograms.end(), {kSlo, kLinear});
    families.insert(families.end(), {kSlo, kLinear, kAvg});
  }
  // Each scrape: the texts of both endpoints, one after the other (checked one by one).
  std::vector<std::string> scrapes;
  auto scrape = [&] {
    scrapes.push_back(http_get(log2_port).value_or(""));
    if (others) scrapes.push_back(http_get(port).value_or(""));
  };
  PrometheusServer prometheus(
      {"127.0.0.1:" + std::to_string(log2_port), "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(prometheus.ready()) << "prometheus did not start";

  // One call each first, so that every series exists in Prometheus before the calls
  // it measures (a series' first sample has no increase before it).
  Sleeper fast = start_sleeper("sonde_fast", {1, kFastCalls}, 1500us);
  Sleeper slow = start_sleeper("sonde_slow", {1, kSlowCalls}, 20ms);
  ASSERT_GT(fast.pid, 0);
  ASSERT_GT(slow.pid, 0);
  ASSERT_EQ(write(fast.go, "g", 1), 1);
  ASSERT_EQ(write(slow.go, "g", 1), 1);
  for (const char* name : families) {
    ASSERT_TRUE(prometheus_reaches(prometheus, fmt_count(name, "sonde_fast"), 1) &&
                prometheus_reaches(prometheus, fmt_count(name, "sonde_slow"), 1))
        << name << ": Prometheus never saw the first calls";
  }
  scrape();
  ASSERT_EQ(write(fast.go, "g", 1), 1);
  ASSERT_EQ(write(slow.go, "g", 1), 1);
  std::vector<int64_t> fast_took = finish(fast, 1 + kFastCalls);
  std::vector<int64_t> slow_took = finish(slow, 1 + kSlowCalls);
  ASSERT_FALSE(fast_took.empty() || slow_took.empty()) << "the sleepers did not report";
  scrape();
  for (const char* name : families) {
    ASSERT_TRUE(prometheus_reaches(prometheus, fmt_count(name, "sonde_fast"), 1 + kFastCalls) &&
                prometheus_reaches(prometheus, fmt_count(name, "sonde_slow"), 1 + kSlowCalls))
        << name << ": Prometheus never saw every call";
  }
  scrape();

  // The truth: every measured call but the first of each process (before the window).
  std::vector<double> truth(fast_took.begin() + 1, fast_took.end());
  truth.insert(truth.end(), slow_took.begin() + 1, slow_took.end());
  for (double& ns : truth) ns /= 1e9;
  std::sort(truth.begin(), truth.end());

  // Every series of each histogram shows one `le` set, the same in every scrape.
  std::map<std::string, std::vector<std::string>> les;
  for (const std::string& text : scrapes) {
    std::string promtool;
    EXPECT_TRUE(promtool_accepts(text, &promtool)) << promtool;
  }
  for (size_t at = 0; at < scrapes.size(); at += others ? 2 : 1) {
    const std::string text = scrapes[at] + (others ? scrapes[at + 1] : "");
    for (const char* name : histograms) {
      auto series = histogram_series(text, name);
      EXPECT_TRUE(series.count("comm=\"sonde_fast\"") && series.count("comm=\"sonde_slow\""))
          << name << " in\n"
          << text;
      for (const auto& [labels, s] : series) {
        if (les[name].empty()) les[name] = s.les;
        EXPECT_EQ(s.les, les[name]) << name << "{" << labels << "}";
        for (size_t i = 1; i < s.counts.size(); ++i) {
          EXPECT_LE(s.counts[i - 1], s.counts[i]) << name << "{" << labels << "} le=" << s.les[i];
        }
      }
    }
  }
  EXPECT_EQ(les[kLog2].size(), 26u);  // 1us ... 16.777216s, +Inf
  if (others) {
    EXPECT_EQ(les[kSlo], (std::vector<std::string>{"0.001", "0.002", "0.005", "0.01", "0.025",
                                                   "0.05", "+Inf"}));
    EXPECT_EQ(les[kLinear].size(), 12u);  // 0, 3ms, ..., 30ms, +Inf
  }

  for (const char* name : histograms) {
    const auto window = measured_window(prometheus, name, 1 + kFastCalls, 1 + kSlowCalls);
    ASSERT_TRUE(window) << name << ": no scrape between the first calls and the others";
    for (double q : {0.5, 0.9, 0.99}) {
      const std::string promql = "histogram_quantile(" + std::to_string(q) +
                                 ", sum by (le) (increase(" + name + "_bucket{" + kComms + "}[" +
                                 window->range + "])))";
      auto estimate = query_at(prometheus, promql, window->at);
      ASSERT_TRUE(estimate) << promql << " -> " << prometheus.query(promql);
      const double real = truth[static_cast<size_t>(std::ceil(q * truth.size())) - 1];
      const size_t got = bucket_of(les[name], *estimate), want = bucket_of(les[name], real);
      printf("%s q=%.2f: Prometheus %.6fs (bucket %zu), workload %.6fs (bucket %zu)\n", name, q,
             *estimate, got, real, want);
      EXPECT_LE(std::max(got, want) - std::min(got, want), 1u)
          << promql << " = " << *estimate << "s, but the workload measured " << real << "s";
    }
  }

  log2.signal(SIGINT);
  EXPECT_EQ(log2.wait().code, 0);
  if (!others) return;
  // The average over a window, from the summary's _sum and _count.
  int64_t requested = 20'000'000, measured = 0;
  for (size_t i = 1; i < slow_took.size(); ++i) measured += slow_took[i];
  const double mean = static_cast<double>(measured) / kSlowCalls / 1e9;
  const auto window = measured_window(prometheus, kAvg, 1 + kFastCalls, 1 + kSlowCalls);
  ASSERT_TRUE(window) << kAvg << ": no scrape between the first calls and the others";
  const std::string avg = std::string("increase(") + kAvg + "_sum{comm=\"sonde_slow\"}[" +
                          window->range + "]) / increase(" + kAvg + "_count{comm=\"sonde_slow\"}[" +
                          window->range + "])";
  auto average = query_at(prometheus, avg, window->at);
  ASSERT_TRUE(average) << avg << " -> " << prometheus.query(avg);
  printf("average of sonde_slow: Prometheus %.6fs, workload %.6fs\n", *average, mean);
  // Within the millisecond the range is widened by (for both _sum and _count alike).
  EXPECT_GE(*average, static_cast<double>(requested) / 1e9 * 0.999) << avg;
  EXPECT_LE(*average, mean * 1.001) << avg << "; the workload measured " << mean << "s on average";

  sonde.signal(SIGINT);
  EXPECT_EQ(sonde.wait().code, 0);
}

// ---- what the other aggregations export ----

// A count of spans is a number: 170 spans are 170, not 1.7e-07 (seconds).
TEST(Aggregations, ACountOfSpansIsANumberInEveryOutput) {
  constexpr int kCalls = 17;
  const int port = free_port();
  Process sonde({sonde_binary(), "run", "-e",
                 "count latency of syscall nanosleep by comm\n"
                 "max latency of syscall nanosleep by comm as sleep_max",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  Sleeper s = start_sleeper("sonde_counted", {kCalls}, 1ms);
  ASSERT_GT(s.pid, 0);
  ASSERT_EQ(write(s.go, "g", 1), 1);
  const std::vector<int64_t> took = finish(s, kCalls);
  ASSERT_EQ(took.size(), static_cast<size_t>(kCalls));
  const std::string body = http_get(port).value_or("");
  sonde.signal(SIGINT);
  Exit e = sonde.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  const std::string comm = "comm=\"sonde_counted\"";
  EXPECT_EQ(sample(body, "sonde_syscall_nanosleep_total", comm), kCalls) << body;
  EXPECT_NE(body.find("# TYPE sonde_syscall_nanosleep_total counter"), std::string::npos) << body;
  // The longest sleep as the kernel saw it: at least what was asked, at most what the
  // caller measured around its longest call.
  const double longest = static_cast<double>(*std::max_element(took.begin(), took.end()));
  const double max = sample(body, "sleep_max_seconds", comm).value_or(0) * 1e9;
  EXPECT_GE(max, 1e6 * (1 - 1e-9)) << body;
  EXPECT_LE(max, longest * (1 + 1e-9)) << body;
  // The table printed at exit: the count, with no unit.
  std::istringstream lines(e.out);
  std::string line;
  bool in_count = false, found = false;
  while (std::getline(lines, line)) {
    if (line.rfind("sonde_", 0) == 0 || line.empty())
      in_count = line.rfind("sonde_syscall_nanosleep_total:", 0) == 0;
    if (!in_count || line.find("sonde_counted") == std::string::npos) continue;
    found = true;
    EXPECT_TRUE(line.size() > 3 && line.substr(line.size() - 3) == " 17") << line;
  }
  EXPECT_TRUE(found) << e.out;
}

// How the terminal prints a plain number that is not an integer: two decimals at most.
std::string fmt_number(double v) {
  char text[64];
  snprintf(text, sizeof text, "%.2f", v);
  std::string out = text;
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out;
}

// A thread named `kReader` reads known sizes from /dev/zero and from a closed descriptor
// (-EBADF), and keeps what each read returned: the truth for min, max, avg and sum.
constexpr const char* kReader = "sonde_reads";

std::vector<int64_t> reads(const std::vector<int>& sizes) {
  std::vector<int64_t> returned;
  std::thread reader([&] {
    prctl(PR_SET_NAME, kReader);
    int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    char buf[8192];
    for (int n : sizes) {
      ssize_t r = n < 0 ? read(-1, buf, 1) : read(fd, buf, static_cast<size_t>(n));
      returned.push_back(r < 0 ? -errno : r);
    }
    close(fd);
  });
  reader.join();
  return returned;
}

// The reads of one phase, retried until the scrape that follows them happened in the
// window they were made in or the next one, so that min and max still cover them (a
// slow machine only makes this loop again; it never fails the test).
struct Phase {
  std::vector<int64_t> returned;
  std::string body;
};

Phase phase_in_window(int port, const std::vector<int>& sizes, int64_t window_ns,
                      std::vector<int64_t>& every_read) {
  Phase p;
  for (int attempt = 0; attempt < 10; ++attempt) {
    const int64_t start = monotonic_ns() / window_ns;
    p.returned = reads(sizes);
    every_read.insert(every_read.end(), p.returned.begin(), p.returned.end());
    p.body = http_get(port).value_or("");
    if (monotonic_ns() / window_ns <= start + 1) return p;
  }
  ADD_FAILURE() << "no scrape within a window of its reads in 10 tries";
  return p;
}

void wait_for_epoch(int64_t epoch, int64_t window_ns) {
  while (monotonic_ns() / window_ns < epoch) std::this_thread::sleep_for(50ms);
}

TEST(Aggregations, MinMaxOverWindowsAvgAsSummarySignedSumAsGauge) {
  constexpr int64_t kWindow = 2'000'000'000;
  const int port = free_port();
  const std::string where = "on tracepoint:syscalls:sys_exit_read where comm == \"sonde_reads\" ";
  Process sonde({sonde_binary(), "run", "--window", "2s", "-e",
                 where + "max ret as read_max\n" + where + "min ret as read_min\n" + where +
                     "avg ret as read_avg\n" + where + "sum ret as read_returned\n" +
                     "on tracepoint:syscalls:sys_exit_read where comm == \"sonde_reads\" && ret > "
                     "0 sum ret as read_bytes",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();

  std::vector<int64_t> every_read;
  Phase first = phase_in_window(port, {100, 7, 3000, -1, 512}, kWindow, every_read);
  ASSERT_EQ(first.returned, (std::vector<int64_t>{100, 7, 3000, -EBADF, 512}));
  EXPECT_EQ(sample(first.body, "read_max"), 3000) << first.body;
  EXPECT_EQ(sample(first.body, "read_min"), -EBADF) << first.body;

  // Two windows later the first reads are out of both windows the kernel keeps.
  wait_for_epoch(monotonic_ns() / kWindow + 2, kWindow);
  Phase second = phase_in_window(port, {50, 60}, kWindow, every_read);
  EXPECT_EQ(sample(second.body, "read_max"), 60) << second.body;
  EXPECT_EQ(sample(second.body, "read_min"), 50) << second.body;

  // Then nothing for two windows: no value to show.
  wait_for_epoch(monotonic_ns() / kWindow + 2, kWindow);
  const std::string quiet = http_get(port).value_or("");
  EXPECT_FALSE(sample(quiet, "read_max")) << quiet;
  EXPECT_FALSE(sample(quiet, "read_min")) << quiet;

  // Sums and counts cover every read since the start.
  const int64_t sum = std::accumulate(every_read.begin(), every_read.end(), int64_t{0});
  int64_t positive = 0;
  for (int64_t r : every_read) positive += r > 0 ? r : 0;
  EXPECT_EQ(sample(quiet, "read_avg_count"), static_cast<double>(every_read.size())) << quiet;
  EXPECT_EQ(sample(quiet, "read_avg_sum"), static_cast<double>(sum)) << quiet;
  EXPECT_NE(quiet.find("# TYPE read_avg summary"), std::string::npos) << quiet;
  // A sum that can go down is a gauge; one its condition keeps positive, a counter.
  EXPECT_EQ(sample(quiet, "read_returned"), static_cast<double>(sum)) << quiet;
  EXPECT_NE(quiet.find("# TYPE read_returned gauge"), std::string::npos) << quiet;
  EXPECT_EQ(sample(quiet, "read_bytes_total"), static_cast<double>(positive)) << quiet;
  EXPECT_NE(quiet.find("# TYPE read_bytes_total counter"), std::string::npos) << quiet;
  EXPECT_NE(quiet.find("# HELP read_max Maximum of"), std::string::npos) << quiet;
  EXPECT_NE(quiet.find("over the last 2s to 4s"), std::string::npos) << quiet;
  std::string promtool;
  EXPECT_TRUE(promtool_accepts(quiet, &promtool)) << promtool << quiet;

  sonde.signal(SIGINT);
  Exit e = sonde.wait();
  EXPECT_EQ(e.code, 0) << e.err;
  // The terminal shows the average and how many values it averages.
  const std::string average =
      fmt_number(static_cast<double>(sum) / static_cast<double>(every_read.size()));
  EXPECT_NE(e.out.find(average), std::string::npos) << "no " << average << " in\n" << e.out;
}

}  // namespace
}  // namespace sonde::e2e
