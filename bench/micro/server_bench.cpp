// The metrics endpoint's latencies that tests only check by order: a scrape while a slow
// client holds a worker, and how long stop() takes (civetweb alone notices a stop only
// when its poll() times out, up to 2 s). Prints medians of 20 runs.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "runtime/export/metrics_server.h"
#include "tests/unit/export/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace sonde::exporter;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main() {
  constexpr int kRuns = 20;
  std::vector<double> scrape_ms, stop_ms;
  for (int i = 0; i < kRuns; ++i) {
    ServerOptions options;
    options.threads = 2;
    auto server = MetricsServer::start(
        "127.0.0.1:0",
        [](std::string& body) {
          body += "x_total 1\n";
          return sonde::Status();
        },
        options);
    if (!server.ok()) {
      std::fprintf(stderr, "server_bench: %s\n", server.error().message.c_str());
      return 1;
    }
    const uint16_t port = server->address().port;
    {
      testing::OpenConnection slow(port, "GET /metrics HTTP/1.1\r\nHost: loc");
      auto start = Clock::now();
      if (testing::http_get(port, "/metrics").status != 200) return 1;
      scrape_ms.push_back(ms_since(start));
    }
    auto start = Clock::now();
    server->stop();
    stop_ms.push_back(ms_since(start));
  }
  std::printf("server: scrape beside a slow client %.2f ms, stop %.2f ms (medians of %d)\n",
              median(scrape_ms), median(stop_ms), kRuns);
  return 0;
}
