// Large scrapes of a running `sonde run`, checked against the workload that made the
// series: every one of 20,000 offsets a child lseek()s is a series whose count is the
// child's own number of calls for it, in plain text and in gzip (decoded by curl), on a
// first scrape and on warm ones after the counts changed and series were added (text
// buffers and label texts reused from the scrape before). promtool checks the text.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

using Clock = std::chrono::steady_clock;

// lseek()s on /dev/null with a `whence` nothing else uses (the call fails at once), in
// phases: each go() runs the next one and returns when it is done.
//   phase 1: offset k (k < kFirst) k % 3 + 1 times;
//   phase 2: every offset of phase 1 once more, and offsets kFirst..kSecond-1 twice.
class LseekWorkload {
 public:
  static constexpr int kWhence = 13;
  static constexpr long kFirst = 20'000;
  static constexpr long kSecond = 20'500;

  LseekWorkload() {
    int go[2], done[2];
    if (pipe2(go, O_CLOEXEC) != 0 || pipe2(done, O_CLOEXEC) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      close(go[1]);
      close(done[0]);
      const int fd = open("/dev/null", O_RDONLY);
      char c = 0;
      if (read(go[0], &c, 1) != 1) _exit(1);
      for (long k = 0; k < kFirst; ++k)
        for (long i = 0; i < k % 3 + 1; ++i) lseek(fd, k, kWhence);
      if (write(done[1], "1", 1) != 1 || read(go[0], &c, 1) != 1) _exit(1);
      for (long k = 0; k < kFirst; ++k) lseek(fd, k, kWhence);
      for (long k = kFirst; k < kSecond; ++k) {
        lseek(fd, k, kWhence);
        lseek(fd, k, kWhence);
      }
      if (write(done[1], "2", 1) != 1) _exit(1);
      _exit(0);
    }
    close(go[0]);
    close(done[1]);
    go_ = go[1];
    done_ = done[0];
  }
  ~LseekWorkload() {
    if (go_ >= 0) close(go_);
    if (done_ >= 0) close(done_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  bool go() {
    char c = 'g';
    return write(go_, &c, 1) == 1 && read(done_, &c, 1) == 1;
  }
  // Calls made for offset k after `phases` phases.
  static double calls(long k, int phases) {
    if (k >= kFirst) return phases >= 2 && k < kSecond ? 2 : 0;
    return static_cast<double>(k % 3 + 1) + (phases >= 2 ? 1 : 0);
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
  int done_ = -1;
};

struct Fetched {
  std::string headers;
  std::string body;  // as curl decoded it
};

// curl, not sonde, decodes the gzip.
Fetched fetch(int port, bool gzip, const std::string& tag) {
  const std::string prefix = "/tmp/sonde-scrape-test-" + std::to_string(getpid()) + "-" + tag;
  shell(std::string("curl -s --max-time 60 ") + (gzip ? "--compressed " : "") + "-D " + prefix +
        ".h -o " + prefix + ".b http://127.0.0.1:" + std::to_string(port) + "/metrics");
  Fetched out;
  std::ifstream h(prefix + ".h"), b(prefix + ".b");
  out.headers.assign(std::istreambuf_iterator<char>(h), {});
  out.body.assign(std::istreambuf_iterator<char>(b), {});
  unlink((prefix + ".h").c_str());
  unlink((prefix + ".b").c_str());
  return out;
}

std::string promtool_errors(const std::string& body, const std::string& tag) {
  const std::string file =
      "/tmp/sonde-scrape-test-" + std::to_string(getpid()) + "-" + tag + ".txt";
  std::ofstream(file) << body;
  int code = -1;
  const std::string out = shell("promtool check metrics < " + file + " 2>&1", &code);
  unlink(file.c_str());
  return code == 0 ? "" : out;
}

// Every offset's series against the workload's count: the counter, and the histogram's
// _count, +Inf bucket and the bucket its one observed value (whence 13) falls in.
void expect_matches_workload(const std::string& body, int phases, const std::string& what) {
  const auto samples = parse_exposition(body);
  size_t counters = 0, wrong = 0;
  std::string first_wrong;
  for (const auto& [key, value] : samples) {
    if (key.rfind("e2e_offsets_total{", 0) != 0) continue;
    ++counters;
    const long k = std::stol(key.substr(key.find('"') + 1));
    if (value != LseekWorkload::calls(k, phases)) {
      if (wrong++ == 0) first_wrong = key + " " + std::to_string(value);
    }
  }
  const long expected_series = phases >= 2 ? LseekWorkload::kSecond : LseekWorkload::kFirst;
  EXPECT_EQ(counters, static_cast<size_t>(expected_series)) << what;
  EXPECT_EQ(wrong, 0u) << what << ": first: " << first_wrong;
  for (long k : {0L, 1L, 2L, 12'345L, LseekWorkload::kFirst - 1, LseekWorkload::kSecond - 1}) {
    if (LseekWorkload::calls(k, phases) == 0) continue;
    const std::string labels = "{offset=\"" + std::to_string(k) + "\"";
    const double calls = LseekWorkload::calls(k, phases);
    auto value = [&](const std::string& key) {
      auto it = samples.find(key);
      return it == samples.end() ? std::optional<double>() : it->second;
    };
    EXPECT_EQ(value("e2e_whence_count" + labels + "}"), calls) << what << " " << k;
    EXPECT_EQ(value("e2e_whence_bucket" + labels + ",le=\"+Inf\"}"), calls) << what << k;
    EXPECT_EQ(value("e2e_whence_bucket" + labels + ",le=\"16\"}"), calls) << what << k;
    EXPECT_EQ(value("e2e_whence_bucket" + labels + ",le=\"8\"}"), 0.0) << what << k;
    EXPECT_EQ(value("e2e_whence_sum" + labels + "}"), 13 * calls) << what << k;
  }
}

TEST(Scrape, ManySeriesMatchTheWorkloadPlainAndGzippedFirstAndWarm) {
  if (access("/usr/bin/curl", X_OK) != 0) GTEST_SKIP() << "needs /usr/bin/curl to decode gzip";
  LseekWorkload workload;
  ASSERT_GT(workload.pid(), 0);
  const std::string filter = "where whence == " + std::to_string(LseekWorkload::kWhence) +
                             " && pid == " + std::to_string(workload.pid());
  const std::string program = "on tracepoint:syscalls:sys_enter_lseek " + filter +
                              " count by offset as e2e_offsets\n" +
                              "on tracepoint:syscalls:sys_enter_lseek " + filter +
                              " histogram log2 whence by offset as e2e_whence\n";
  const int port = free_port();
  Process sonde({sonde_binary(), "run", "-e", program, "--listen",
                 "127.0.0.1:" + std::to_string(port), "--capacity", "32768"});
  ASSERT_TRUE(sonde.wait_for_stderr("attached ", 60s)) << sonde.err();
  ASSERT_TRUE(workload.go());

  for (int phase = 1; phase <= 2; ++phase) {
    if (phase == 2) {
      ASSERT_TRUE(workload.go());
    }
    for (int round = 0; round < 2; ++round) {  // the first scrape of a phase, then a warm one
      for (bool gzip : {false, true}) {
        const std::string what = "phase " + std::to_string(phase) + " round " +
                                 std::to_string(round) + (gzip ? " gzip" : " plain");
        const Fetched got = fetch(port, gzip, std::to_string(phase) + std::to_string(round));
        EXPECT_NE(got.headers.find(" 200 "), std::string::npos) << what << got.headers;
        EXPECT_EQ(got.headers.find("Content-Encoding: gzip") != std::string::npos, gzip)
            << what << got.headers;
        ASSERT_TRUE(got.body.ends_with("sonde_scrape_error 0\n")) << what;
        expect_matches_workload(got.body, phase, what);
        if (round == 0 && !gzip && access("/usr/bin/promtool", X_OK) == 0) {
          EXPECT_EQ(promtool_errors(got.body, "p" + std::to_string(phase)), "") << what;
        }
      }
    }
  }
  sonde.signal(SIGTERM);
  EXPECT_EQ(sonde.wait().code, 0);
}

}  // namespace
}  // namespace sonde::e2e
