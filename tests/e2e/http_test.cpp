// The /metrics endpoint of a running `sonde run` under abuse: malformed, oversized and
// slow requests get refused or timed out while real scrapes keep being answered, and 50
// concurrent scrapers for 30 s all get complete, valid expositions whose counters never
// go backwards.
#include <arpa/inet.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

using Clock = std::chrono::steady_clock;

const std::string kProgram =
    "on tracepoint:raw_syscalls:sys_enter count by comm\n"
    "on tracepoint:sched:sched_switch count\n"
    "histogram log2 latency of sched runq\n";

int connect_to(int port, const char* host = "127.0.0.1") {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host, &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  timeval tv{60, 0};  // a server that never answers fails the test instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early on a request it refuses
    done += static_cast<size_t>(n);
  }
}

// Everything the server sends until it closes the connection; `closed` says whether it
// did (rather than the 60 s receive timeout running out).
std::string read_to_end(int fd, bool* closed = nullptr) {
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  if (closed) *closed = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  return out;
}

std::string exchange(int port, const std::string& request) {
  int fd = connect_to(port);
  if (fd < 0) return {};
  send_all(fd, request);
  shutdown(fd, SHUT_WR);
  std::string response = read_to_end(fd);
  close(fd);
  return response;
}

// civetweb echoes the request's version in its status line ("HTTP/9.9 505 ...").
int status_of(const std::string& response) {
  return response.rfind("HTTP/", 0) == 0 && response.size() > 12 ? std::atoi(response.c_str() + 9)
                                                                 : 0;
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

Response scrape(int port) {
  Response r;
  std::string raw =
      exchange(port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  r.status = status_of(raw);
  size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) return r;
  std::istringstream head(raw.substr(0, end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (!value.empty() && value.back() == '\r') value.pop_back();
    r.headers[name] = value;
  }
  r.body = raw.substr(end + 4);
  return r;
}

// The exposition is whole: as long as it says, ends with a newline, every line a
// comment or "name[{labels}] value".
std::string incomplete(const Response& r) {
  if (r.status != 200) return "status " + std::to_string(r.status);
  auto length = r.headers.find("content-length");
  if (length == r.headers.end()) return "no Content-Length";
  if (std::stoul(length->second) != r.body.size()) {
    return "Content-Length " + length->second + " but " + std::to_string(r.body.size()) + " bytes";
  }
  if (r.body.empty() || r.body.back() != '\n') return "does not end with a newline";
  std::istringstream in(r.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    char* end = nullptr;
    if (space == std::string::npos || (std::strtod(line.c_str() + space + 1, &end), *end != '\0')) {
      return "malformed line: " + line;
    }
  }
  return {};
}

// Samples of counters and histograms (which only ever grow), by name and labels.
std::map<std::string, double> monotonic_samples(const std::string& body) {
  std::map<std::string, std::string> type_of;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    std::istringstream words(line.substr(7));
    std::string name, type;
    words >> name >> type;
    type_of[name] = type;
  }
  std::map<std::string, double> out;
  for (const auto& [key, value] : parse_exposition(body)) {
    std::string name = key.substr(0, key.find('{'));
    for (const char* suffix : {"_bucket", "_count", "_sum"}) {
      std::string s(suffix);
      if (name.size() > s.size() && name.ends_with(s) &&
          type_of[name.substr(0, name.size() - s.size())] == "histogram") {
        name.resize(name.size() - s.size());
      }
    }
    const std::string& type = type_of[name];
    if (type == "counter" || type == "histogram") out[key] = value;
  }
  return out;
}

// promtool's verdict on one exposition: "" when valid.
std::string promtool_errors(const std::string& body, const std::string& tag) {
  std::string file = "/tmp/sonde-http-test-" + std::to_string(getpid()) + "-" + tag + ".txt";
  std::ofstream(file) << body;
  int code = -1;
  std::string out = shell("promtool check metrics < " + file + " 2>&1", &code);
  unlink(file.c_str());
  return code == 0 ? "" : out;
}

class Endpoint : public testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    sonde_ = std::make_unique<Process>(std::vector<std::string>{
        sonde_binary(), "run", "-e", kProgram, "--listen", std::to_string(port_), "--quiet"});
    // --quiet: no "attached" line; serving is what is waited for.
    auto deadline = Clock::now() + 60s;
    while (Clock::now() < deadline && scrape(port_).status != 200)
      std::this_thread::sleep_for(100ms);
    ASSERT_EQ(scrape(port_).status, 200) << sonde_->err();
  }
  void TearDown() override {
    sonde_->signal(SIGTERM);
    Exit e = sonde_->wait();
    EXPECT_EQ(e.code, 0) << e.err;
  }

  void expect_still_serving(const std::string& after) {
    Response r = scrape(port_);
    EXPECT_EQ(incomplete(r), "") << "after " << after;
  }

  int port_ = 0;
  std::unique_ptr<Process> sonde_;
};

TEST_F(Endpoint, BareListenPortIsLoopbackOnly) {
  // Any address of this machine other than loopback.
  std::string addresses = shell("hostname -I 2>/dev/null");
  std::istringstream in(addresses);
  std::string address;
  bool tried = false;
  while (in >> address) {
    if (address.find(':') != std::string::npos || address.rfind("127.", 0) == 0) continue;
    tried = true;
    int fd = connect_to(port_, address.c_str());
    EXPECT_LT(fd, 0) << "reachable on " << address;
    if (fd >= 0) close(fd);
  }
  if (!tried) GTEST_SKIP() << "this machine has no IPv4 address but loopback to try";
}

TEST_F(Endpoint, RefusesWhatIsNotAScrape) {
  struct Case {
    const char* name;
    std::string request;
    std::vector<int> statuses;  // any of these; 0: the server just closes
  };
  const std::string big(20000, 'a');
  std::string many_headers = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 200; ++i) many_headers += "X-H" + std::to_string(i) + ": v\r\n";
  many_headers += "\r\n";
  const Case cases[] = {
      {"post", "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", {405}},
      {"put", "PUT /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", {405}},
      {"delete", "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", {405}},
      {"options", "OPTIONS /metrics HTTP/1.1\r\nHost: x\r\n\r\n", {405}},
      {"trace",
       "TRACE /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
       {405, 400}},  // civetweb refuses TRACE itself
      {"connect", "CONNECT example.com:443 HTTP/1.1\r\nHost: x\r\n\r\n", {404, 405, 400}},
      {"other path", "GET /etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", {404}},
      {"traversal", "GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n", {404, 400}},
      {"encoded traversal",
       "GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
       {404, 400}},
      // civetweb hangs up on absolute-form requests (only proxies are sent those).
      {"absolute uri",
       "GET http://evil.example/metrics/x HTTP/1.1\r\nHost: x\r\n\r\n",
       {404, 400, 0}},
      {"binary junk", std::string("\x00\x01\x02\xff\xfe garbage\r\n\r\n", 17), {400, 0}},
      {"no version", "GET /metrics\r\n\r\n", {400, 505, 0}},
      {"bad version", "GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n", {400, 505}},
      {"long uri", "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n", {400, 413, 414, 431, 0}},
      {"long header",
       "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n",
       {400, 413, 431, 0}},
      {"many headers", many_headers, {400, 431, 0}},
      {"lying length",
       "GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n",
       {200, 400, 413, 0}},
      {"chunked junk",
       "POST /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
       {405, 400, 0}},
      {"only newlines", std::string(5000, '\n'), {400, 0}},
  };
  for (const Case& c : cases) {
    std::string response = exchange(port_, c.request);
    int status = status_of(response);
    bool expected = false;
    for (int s : c.statuses) expected |= s == status;
    EXPECT_TRUE(expected) << c.name << ": status " << status << "\n" << response.substr(0, 300);
    if (status != 200) {
      EXPECT_EQ(response.find("# TYPE"), std::string::npos) << c.name << " got the metrics";
    }
    expect_still_serving(c.name);
  }
}

// Scrapers that find the port open while sonde is still starting get a whole answer,
// "starting" or the metrics, and leave nothing behind. A connection civetweb closed
// before its mg_start returned once leaked what sonde kept for it; under ASan,
// LeakSanitizer's exit status (the check of `code`) says so. That window is narrow: the
// test crowds sonde and four scrapers onto one CPU, where the start is preempted, and
// starts sonde five times (with the old code, 3 of 6 runs of this test failed).
struct StartRound {
  int starting = 0, whole = 0;
  std::vector<std::string> failures;
  Exit exit;
};

StartRound start_while_scraped() {
  const int port = free_port();
  Process sonde(
      {sonde_binary(), "run", "-e", kProgram, "--listen", std::to_string(port), "--quiet"});
  std::atomic<int> starting = 0, whole = 0;
  std::mutex failures_mutex;
  StartRound round;
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 4; ++i) {
    scrapers.emplace_back([&] {
      const auto deadline = Clock::now() + 60s;
      int served = 0;
      while (Clock::now() < deadline && served < 20) {
        Response r = scrape(port);
        if (r.status == 0) continue;  // not listening yet: knock again at once
        if (r.status == 503 && r.body == "starting\n") {
          ++starting;
          continue;
        }
        std::string wrong = incomplete(r);
        if (!wrong.empty()) {
          const std::lock_guard lock(failures_mutex);
          round.failures.push_back(wrong + ": " + r.body.substr(0, 200));
          return;
        }
        ++whole;
        ++served;
      }
    });
  }
  for (auto& t : scrapers) t.join();
  sonde.signal(SIGTERM);
  round.exit = sonde.wait();
  round.starting = starting;
  round.whole = whole;
  return round;
}

TEST(Starting, ScrapesDuringTheStartAreAnsweredWholeAndLeaveNothing) {
  cpu_set_t all;
  ASSERT_EQ(sched_getaffinity(0, sizeof all, &all), 0);
  ASSERT_TRUE(pin_to_cpu(sched_getcpu()));  // sonde and the scrapers inherit it
  int starting = 0;
  for (int i = 0; i < 5; ++i) {
    StartRound round = start_while_scraped();
    starting += round.starting;
    EXPECT_TRUE(round.failures.empty()) << "start " << i << ": " << round.failures.front();
    EXPECT_EQ(round.whole, 80) << "start " << i << ": not every scraper was served in a minute";
    EXPECT_EQ(round.exit.code, 0) << "start " << i << ": " << round.exit.err;
  }
  sched_setaffinity(0, sizeof all, &all);
  std::cout << "answered \"starting\" in 5 starts: " << starting << "\n";
}

// Connections that send nothing, or a request a byte at a time, hold a worker for at
// most the request timeout; scrapes are answered meanwhile, and every slow client is
// disconnected.
TEST_F(Endpoint, SlowClientsAreCutOffAndScrapesGoOn) {
  // A hundred slow clients, fewer than the server's 128 workers: none of them can occupy
  // the worker a scrape needs (with 8 workers, 50 of them delayed a scrape by 19 s).
  constexpr int kIdle = 50, kTrickling = 50;
  std::vector<int> idle, trickling;
  for (int i = 0; i < kIdle; ++i) idle.push_back(connect_to(port_));
  for (int i = 0; i < kTrickling; ++i) {
    trickling.push_back(connect_to(port_));
    send_all(trickling.back(), "GET /metrics HTTP/1.1\r\n");
  }
  std::atomic<bool> stop = false;
  std::thread trickle([&] {
    for (int round = 0; !stop && round < 120; ++round) {
      for (int fd : trickling) send_all(fd, "X");
      std::this_thread::sleep_for(500ms);
    }
  });
  // Answered despite them, and before the server cut off any of them: the scrape did
  // not wait for a slow client's timeout to free a worker.
  Response r = scrape(port_);
  EXPECT_EQ(incomplete(r), "");
  int still_open = 0;
  for (int fd : idle) {
    pollfd p{fd, POLLIN, 0};
    still_open += poll(&p, 1, 0) == 0;  // nothing to read: the server has not closed it
  }
  EXPECT_EQ(still_open, kIdle) << "the scrape was answered only after slow clients were cut off";

  // The server closes each slow connection (EOF or reset, perhaps after a 4xx).
  for (int fd : idle) {
    bool closed = false;
    read_to_end(fd, &closed);
    EXPECT_TRUE(closed) << "an idle connection is still open after a minute";
  }
  for (int fd : trickling) {
    bool closed = false;
    std::string got = read_to_end(fd, &closed);
    EXPECT_TRUE(closed) << "a trickling connection is still open after a minute";
    EXPECT_EQ(got.find("# TYPE"), std::string::npos) << "a never-finished request got the metrics";
  }
  stop = true;
  trickle.join();
  for (int fd : idle) close(fd);
  for (int fd : trickling) close(fd);
  expect_still_serving("slow clients");
}

TEST_F(Endpoint, FiftyScrapersForThirtySecondsSeeValidGrowingCounters) {
  constexpr int kScrapers = 50;
  constexpr auto kDuration = 30s;
  constexpr int kPromtoolEvery = 40;  // promtool is a process per check: a sample of them
  std::atomic<uint64_t> scrapes = 0, promtool_checks = 0;
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard lock(failures_mutex);
    if (failures.size() < 20) failures.push_back(std::move(what));
  };
  const auto end = Clock::now() + kDuration;
  std::vector<std::thread> scrapers;
  for (int id = 0; id < kScrapers; ++id) {
    scrapers.emplace_back([&, id] {
      std::map<std::string, double> last;
      for (int n = 0; Clock::now() < end; ++n) {
        Response r = scrape(port_);
        ++scrapes;
        if (std::string why = incomplete(r); !why.empty()) {
          fail("scraper " + std::to_string(id) + ": " + why);
          continue;
        }
        if (n % kPromtoolEvery == id % kPromtoolEvery) {
          ++promtool_checks;
          if (std::string why = promtool_errors(r.body, std::to_string(id)); !why.empty())
            fail("promtool: " + why);
        }
        for (const auto& [key, value] : monotonic_samples(r.body)) {
          auto it = last.find(key);
          if (it != last.end() && value < it->second) {
            fail(key + " went from " + std::to_string(it->second) + " to " + std::to_string(value));
          }
          last[key] = value;
        }
      }
    });
  }
  for (auto& t : scrapers) t.join();
  std::cerr << "scrapes: " << scrapes << " (" << scrapes / 30
            << "/s), promtool checks: " << promtool_checks << "\n";
  EXPECT_GE(scrapes, static_cast<uint64_t>(kScrapers));
  EXPECT_GT(promtool_checks, 0u);
  for (const auto& f : failures) ADD_FAILURE() << f;
}

}  // namespace
}  // namespace sonde::e2e
