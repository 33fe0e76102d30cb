// The HTTP endpoint Prometheus scrapes: GET /metrics (sonde's own handler and text
// writer, gzip when the scraper accepts it, on civetweb as prometheus-cpp's Exposer
// starts it) and a small index page at /, over TLS and behind basic authentication when
// a web config says so.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/export/listen_address.h"
#include "runtime/export/web_config.h"
#include "runtime/metrics/snapshot.h"
#include "support/result.h"

namespace sonde::exporter {

struct ServerOptions {
  // Each connection holds a worker from its first byte to its last. More workers than
  // the slow clients to expect keeps a scrape from waiting behind them: 100 clients
  // trickling a request a byte per second hold 100 workers, and scrapes take the others.
  int threads = 128;
  // A client must send its whole request, and take in the whole answer, within this.
  int request_timeout_ms = 5'000;
  int max_request_bytes = 8'192;  // request line and headers
  // /metrics answers being sent at once (each holds its text, kept for the next scrape);
  // further scrapes wait for one of them to finish. One at a time reads the maps.
  int concurrent_scrapes = 4;
  WebConfig web;  // TLS and basic authentication; none by default
};

struct ScrapeStats {
  uint64_t scrapes = 0;      // snapshots taken for /metrics
  double last_seconds = 0;   // time the latest one took (source, conversion)
  double total_seconds = 0;  // summed over all of them
};

// Serves until destroyed (or stop()). Requests run on a pool of civetweb threads;
// anything but GET/HEAD of /metrics and / is refused (404, 405, 431 for too many headers,
// 400 for a request target that is not a path, 401 without valid credentials when users
// are configured; civetweb answers 400 to oversized or malformed requests itself). One
// request per connection.
class MetricsServer {
 public:
  // Fills in the snapshot of one scrape. Calls are serialized (one at a time, whichever
  // thread serves the scrape), so the source need not be thread-safe. On an error the
  // scrape still serves what the snapshot holds, with `sonde_scrape_error 1` (and the
  // message on stderr, once); a scrape without error has `sonde_scrape_error 0`.
  using Source = std::function<Status(metrics::Snapshot&)>;

  // `listen` as parse_listen_address() reads it ("127.0.0.1:9435", "9435",
  // "[::1]:9435"); a host name is resolved to its first IPv4 address.
  static Result<MetricsServer> start(std::string_view listen, Source source,
                                     const ServerOptions& options = {});

  MetricsServer(MetricsServer&& other) noexcept;
  MetricsServer& operator=(MetricsServer&& other) noexcept;
  ~MetricsServer();

  // Where it listens, with the port actually bound (useful after port 0).
  const ListenAddress& address() const;
  // "http://127.0.0.1:9435/metrics", or https.
  std::string url() const;
  // Non-empty when the endpoint is reachable beyond this machine without TLS or without
  // authentication: what that exposes, and what to do about it.
  std::string exposure_warning() const;
  ScrapeStats scrape_stats() const;
  // Stops accepting and waits for requests in progress. Idempotent.
  void stop();

  struct State;

 private:
  explicit MetricsServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sonde::exporter
