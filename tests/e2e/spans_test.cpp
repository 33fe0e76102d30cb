// Histograms of spans against the real kernel, checked against independent truth:
// the block layer's own counters, sleeps of known length, a CPU-bound load.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

// `writes` 4 KiB O_DIRECT writes to a device (or a file it creates), then `reads` reads
// of them: one request each, as each waits for the last to complete.
void direct_io(const std::string& path, int writes, int reads) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_DIRECT, 0600);
  ASSERT_GE(fd, 0) << path << ": " << strerror(errno);
  void* buf = nullptr;
  ASSERT_EQ(posix_memalign(&buf, 4096, 4096), 0);
  memset(buf, 0x5a, 4096);
  for (int i = 0; i < writes; ++i)
    EXPECT_EQ(pwrite(fd, buf, 4096, static_cast<off_t>(i) * 4096), 4096) << strerror(errno);
  for (int i = 0; i < reads && writes > 0; ++i)
    EXPECT_EQ(pread(fd, buf, 4096, static_cast<off_t>(i % writes) * 4096), 4096) << strerror(errno);
  close(fd);
  free(buf);
}

// The disk's counters and sonde's counts at one moment: the counters read on either side
// of the scrape agree, so no request completed while sonde was read. None if the counters
// are unreadable or never stand still.
struct Moment {
  DiskStat disk;
  double reads = 0, writes = 0;
};

std::optional<Moment> settled(int port, const std::string& disk) {
  const std::string metric = "sonde_block_rq_latency_seconds_count";
  const std::string labels = "disk=\"" + disk + "\",op=";
  for (int attempt = 0; attempt < 20; ++attempt) {
    std::optional<DiskStat> before = disk_stat(disk);
    if (!before) return std::nullopt;
    std::optional<std::string> body = http_get(port);
    if (!body || disk_stat(disk) != before) continue;
    return Moment{*before, sample(*body, metric, labels + "\"read\"").value_or(0),
                  sample(*body, metric, labels + "\"write\"").value_or(0)};
  }
  return std::nullopt;
}

// On a loop device of the test's own, every request is the test's: sonde's spans must
// count exactly what the device's counters count (a shared disk also counts the empty
// preflush writes that are never issued, and other processes' requests race the reads
// of the counters; the biolatency differential test brackets those on the real disk).
TEST(Spans, BlockRequestsMatchTheDisksOwnCounters) {
  constexpr int kWrites = 400, kReads = 100;
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e", "histogram log2 latency of block rq by disk, op",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  LoopDevice device(kWrites * 4096);
  if (!device.ok()) GTEST_SKIP() << "no loop device of the test's own: " << device.why_not();
  auto before = settled(port, device.name());
  ASSERT_TRUE(before) << device.name() << ": no counters, or they never stood still";
  direct_io(device.path(), kWrites, kReads);
  auto after = settled(port, device.name());
  ASSERT_TRUE(after) << device.name() << ": no counters, or they never stood still";
  sonde.signal(SIGINT);
  EXPECT_EQ(sonde.wait().code, 0);

  const uint64_t reads = after->disk.reads - before->disk.reads;
  const uint64_t writes = after->disk.writes - before->disk.writes;
  std::printf("%s completed %llu reads and %llu writes; sonde saw %.0f and %.0f\n",
              device.name().c_str(), static_cast<unsigned long long>(reads),
              static_cast<unsigned long long>(writes), after->reads - before->reads,
              after->writes - before->writes);
  // The workload's own count: the block layer may split a request, never merge these.
  EXPECT_GE(writes, static_cast<uint64_t>(kWrites));
  EXPECT_GE(reads, static_cast<uint64_t>(kReads));
  EXPECT_EQ(after->writes - before->writes, static_cast<double>(writes));
  EXPECT_EQ(after->reads - before->reads, static_cast<double>(reads));
}

// A child that names itself, then sleeps `calls` times for `duration` with raw nanosleep,
// and writes how long each call took as it saw it (CLOCK_MONOTONIC around the syscall,
// in ns) to `report_fd`.
pid_t start_sleeper(const char* name, int calls, std::chrono::nanoseconds duration, int go_fd,
                    int report_fd) {
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_NAME, name);
    char c;
    if (read(go_fd, &c, 1) != 1) _exit(1);
    timespec ts{0, static_cast<long>(duration.count())};
    std::vector<int64_t> took(calls);
    for (int i = 0; i < calls; ++i) {
      timespec before{}, after{};
      clock_gettime(CLOCK_MONOTONIC, &before);
      syscall(SYS_nanosleep, &ts, nullptr);
      clock_gettime(CLOCK_MONOTONIC, &after);
      took[i] = (after.tv_sec - before.tv_sec) * 1'000'000'000LL + (after.tv_nsec - before.tv_nsec);
    }
    const auto bytes = static_cast<ssize_t>(took.size() * sizeof(int64_t));
    _exit(write(report_fd, took.data(), took.size() * sizeof(int64_t)) == bytes ? 0 : 1);
  }
  return pid;
}

// The kernel's time in each nanosleep lies between what was asked and what the caller
// measured around the call, whatever the machine's load: so a cumulative bucket holds
// nothing below the requested time and at least every call the caller saw end by its
// bound.
TEST(Spans, NanosleepLatenciesLandInTheBucketOfTheirDuration) {
  constexpr int kCalls = 40;
  constexpr int64_t kSleepNs = 3'000'000;
  int go[2], report[2];
  ASSERT_EQ(pipe(go), 0);
  ASSERT_EQ(pipe(report), 0);
  pid_t child =
      start_sleeper("sonde_nsleep", kCalls, std::chrono::nanoseconds(kSleepNs), go[0], report[1]);
  close(report[1]);
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e", "histogram log2 latency of syscall nanosleep by comm",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  ASSERT_EQ(write(go[1], "g", 1), 1);
  std::vector<int64_t> took(kCalls);
  const auto want = static_cast<ssize_t>(took.size() * sizeof(int64_t));
  ssize_t got = 0;
  while (got < want) {
    ssize_t n = read(report[0], reinterpret_cast<char*>(took.data()) + got, want - got);
    if (n <= 0) break;
    got += n;
  }
  close(report[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_EQ(got, want) << "the sleeper did not report its calls";
  std::string body = http_get(port).value_or("");
  sonde.signal(SIGINT);
  sonde.wait();

  const std::string name = "sonde_syscall_nanosleep_latency_seconds";
  const std::string comm = "comm=\"sonde_nsleep\"";
  EXPECT_EQ(sample(body, name + "_count", comm), kCalls) << body;
  int checked = 0;
  for (const auto& [series, value] : parse_exposition(body)) {
    if (series.rfind(name + "_bucket{" + comm, 0) != 0) continue;
    auto le_at = series.find("le=\"");
    std::string le = series.substr(le_at + 4, series.find('"', le_at + 4) - le_at - 4);
    double bound = le == "+Inf" ? INFINITY : std::stod(le);
    if (bound * 1e9 < static_cast<double>(kSleepNs)) {
      EXPECT_EQ(value, 0) << series << " counts sleeps shorter than they were";
    }
    const auto seen_by_caller = std::count_if(took.begin(), took.end(), [&](int64_t ns) {
      return static_cast<double>(ns) <= bound * 1e9;
    });
    EXPECT_GE(value, static_cast<double>(seen_by_caller))
        << series << ": the caller saw " << seen_by_caller << " calls end within " << le;
    ++checked;
  }
  EXPECT_GE(checked, 2) << body;
  int64_t requested = kCalls * kSleepNs, measured = 0;
  for (int64_t ns : took) measured += ns;
  const double sum = sample(body, name + "_sum", comm).value_or(0);
  EXPECT_GE(sum * 1e9, static_cast<double>(requested) * (1 - 1e-9));
  EXPECT_LE(sum * 1e9, static_cast<double>(measured) * (1 + 1e-9));
}

TEST(Spans, RunQueueLatencyUnderLoadOnEveryCore) {
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e", "histogram log2 latency of sched runq", "--listen",
                 "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  std::atomic<bool> stop{false};
  std::vector<std::thread> burners;
  unsigned n = std::max(2u, std::thread::hardware_concurrency()) * 2;
  for (unsigned i = 0; i < n; ++i) {
    burners.emplace_back([&] {
      volatile uint64_t x = 0;
      while (!stop) x = x + 1;
    });
  }
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& t : burners) t.join();
  std::string body = http_get(port).value_or("");
  sonde.signal(SIGTERM);
  sonde.wait();
  auto count = sample(body, "sonde_sched_runq_latency_seconds_count");
  ASSERT_TRUE(count) << body;
  EXPECT_GT(*count, 100) << body;
  EXPECT_GT(sample(body, "sonde_sched_runq_latency_seconds_sum").value_or(0), 0);
}

TEST(Spans, OneLinersAreScrapedByARealPrometheus) {
  if (access("/usr/bin/prometheus", X_OK) != 0)
    GTEST_SKIP() << "Debian's prometheus package is not installed";
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e",
                 "on tracepoint:timer:timer_start count by ksym(func)\n"
                 "histogram log2 latency of block rq\n"
                 "histogram log2 latency of sched runq",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  PrometheusServer prometheus({"127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(prometheus.ready()) << "prometheus did not start";
  // Keep the disk and the scheduler busy while Prometheus takes several scrapes.
  const std::string file = "/var/tmp/sonde-e2e-prom-" + std::to_string(getpid());
  auto deadline = std::chrono::steady_clock::now() + 8s;
  while (std::chrono::steady_clock::now() < deadline) {
    direct_io(file, 16, 0);
    std::this_thread::sleep_for(100ms);
  }
  unlink(file.c_str());

  auto timers = prometheus.query_value("sum(sonde_timer_start_total)");
  EXPECT_TRUE(timers && *timers > 0) << prometheus.query("sum(sonde_timer_start_total)");
  for (const char* h : {"sonde_block_rq_latency_seconds", "sonde_sched_runq_latency_seconds"}) {
    std::string q =
        std::string("histogram_quantile(0.99, sum by (le) (rate(") + h + "_bucket[5s])))";
    auto v = prometheus.query_value(q);
    EXPECT_TRUE(v.has_value()) << q << " -> " << prometheus.query(q);
    if (v) {
      EXPECT_GT(*v, 0);
    }
  }
  sonde.signal(SIGINT);
  EXPECT_EQ(sonde.wait().code, 0);
}

}  // namespace
}  // namespace sonde::e2e
