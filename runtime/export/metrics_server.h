// The HTTP endpoint Prometheus scrapes: GET /metrics and a small index page at /.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/export/listen_address.h"
#include "support/result.h"

namespace sonde::exporter {

struct ServerOptions {
  int threads = 8;                 // concurrent requests; further ones wait in the queue
  int request_timeout_ms = 5'000;  // a slow client holds one thread at most this long
  int max_request_bytes = 8'192;   // request line and headers
};

struct ScrapeStats {
  uint64_t scrapes = 0;      // bodies produced for GET or HEAD /metrics
  double last_seconds = 0;   // time the handler took for the latest one
  double total_seconds = 0;  // summed over all of them
};

// Serves until destroyed (or stop()). Requests run on a bounded pool of civetweb
// threads; anything but GET/HEAD of /metrics and / is refused (404, 405, 431 for too
// many headers; civetweb answers 400 to oversized or malformed requests itself).
class MetricsServer {
 public:
  // Appends the exposition to `body`, which is empty on entry. Calls are serialized
  // (one at a time, whichever thread serves the scrape), so the handler need not be
  // thread-safe; it may itself read scrape_stats(). An error answers 500.
  using Handler = std::function<Status(std::string& body)>;

  // `listen` as parse_listen_address() reads it ("127.0.0.1:9435", "9435",
  // "[::1]:9435"); a host name is resolved to its first IPv4 address.
  static Result<MetricsServer> start(std::string_view listen, Handler handler,
                                     const ServerOptions& options = {});

  MetricsServer(MetricsServer&& other) noexcept;
  MetricsServer& operator=(MetricsServer&& other) noexcept;
  ~MetricsServer();

  // Where it listens, with the port actually bound (useful after port 0).
  const ListenAddress& address() const;
  ScrapeStats scrape_stats() const;
  // Stops accepting and waits for requests in progress. Idempotent.
  void stop();

 private:
  struct State;
  explicit MetricsServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sonde::exporter
