// The metrics endpoint's latencies that tests only check by order: a scrape while 100
// slow clients (a partial request each, one more byte every second) hold workers, with
// the default options; and how long stop() takes (civetweb alone notices a stop only
// when its poll() times out, up to 2 s). Prints medians and maxima of 20 runs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
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
  constexpr int kSlowClients = 100;
  std::vector<double> scrape_ms, stop_ms;
  for (int i = 0; i < kRuns; ++i) {
    auto server = MetricsServer::start("127.0.0.1:0", [](sonde::metrics::Snapshot& snapshot) {
      sonde::metrics::Family family;
      family.name = "x_total";
      family.series.emplace_back().value = 1;
      snapshot.families.push_back(std::move(family));
      return sonde::Status();
    });
    if (!server.ok()) {
      std::fprintf(stderr, "server_bench: %s\n", server.error().message.c_str());
      return 1;
    }
    const uint16_t port = server->address().port;
    {
      std::vector<std::unique_ptr<testing::OpenConnection>> slow;
      for (int c = 0; c < kSlowClients; ++c)
        slow.push_back(
            std::make_unique<testing::OpenConnection>(port, "GET /metrics HTTP/1.1\r\nHo"));
      std::atomic<bool> trickling = true;
      std::thread trickle([&] {
        while (trickling) {
          for (auto& c : slow) c->send_more("s");
          for (int t = 0; t < 10 && trickling; ++t)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // they hold workers
      auto start = Clock::now();
      const bool served = testing::http_get(port, "/metrics").status == 200;
      scrape_ms.push_back(ms_since(start));
      trickling = false;
      trickle.join();
      if (!served) return 1;
    }
    auto start = Clock::now();
    server->stop();
    stop_ms.push_back(ms_since(start));
  }
  std::printf(
      "server: scrape beside %d slow clients %.2f ms (max %.2f), stop %.2f ms (medians of %d)\n",
      kSlowClients, median(scrape_ms), *std::max_element(scrape_ms.begin(), scrape_ms.end()),
      median(stop_ms), kRuns);
  return 0;
}
