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
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

// Requests the disk completed: reads + writes + discards + flushes (Documentation/block/stat.rst).
uint64_t completed_requests(const std::string& disk) {
  std::ifstream in("/sys/block/" + disk + "/stat");
  std::vector<uint64_t> f;
  uint64_t v;
  while (in >> v) f.push_back(v);
  uint64_t total = f.size() > 4 ? f[0] + f[4] : 0;
  if (f.size() > 11) total += f[11];
  if (f.size() > 15) total += f[15];
  return total;
}

void write_direct(const std::string& path, int blocks) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
  ASSERT_GE(fd, 0) << strerror(errno);
  void* buf = nullptr;
  ASSERT_EQ(posix_memalign(&buf, 4096, 4096), 0);
  memset(buf, 0x5a, 4096);
  for (int i = 0; i < blocks; ++i)
    ASSERT_EQ(pwrite(fd, buf, 4096, static_cast<off_t>(i) * 4096), 4096);
  fsync(fd);
  close(fd);
  free(buf);
}

TEST(Spans, BlockRequestsMatchTheDisksOwnCounters) {
  const std::string file = "/var/tmp/sonde-e2e-direct-" + std::to_string(getpid());
  std::string disk = disk_of("/var/tmp");
  if (disk.empty())
    GTEST_SKIP()
        << "cannot tell which block device holds /var/tmp (not a block-backed filesystem?)";
  int port = free_port();
  Process sonde({sonde_binary(), "run", "-e", "histogram log2 latency of block rq by disk",
                 "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  sync();
  std::this_thread::sleep_for(300ms);
  // What sonde saw before the window, and the disk's count at its start.
  std::string labels = "disk=\"" + disk + "\"";
  double before =
      sample(http_get(port).value_or(""), "sonde_block_rq_latency_seconds_count", labels)
          .value_or(0);
  uint64_t start = completed_requests(disk);
  write_direct(file, 400);
  unlink(file.c_str());
  sync();
  std::this_thread::sleep_for(300ms);
  uint64_t end = completed_requests(disk);
  double after = sample(http_get(port).value_or(""), "sonde_block_rq_latency_seconds_count", labels)
                     .value_or(0);
  sonde.signal(SIGINT);
  EXPECT_EQ(sonde.wait().code, 0);

  double seen = after - before;
  double truth = static_cast<double>(end - start);
  ASSERT_GE(truth, 400) << "the disk completed fewer requests than the O_DIRECT writes made";
  // Requests in flight when either sample was taken may fall on either side.
  EXPECT_NEAR(seen, truth, 4) << "sonde saw " << seen << " completions on " << disk
                              << ", the disk counted " << truth;
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
    write_direct(file, 16);
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
