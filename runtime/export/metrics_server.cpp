#include "runtime/export/metrics_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <civetweb.h>
#include <fmt/format.h>
#include <malloc.h>

#include "runtime/export/listen_socket.h"
#include "runtime/export/prometheus_text.h"

namespace sonde::exporter {

namespace {

constexpr unsigned kCivetwebIpv6 = 8;  // mg_check_feature bit

constexpr std::string_view kIndexPage =
    "<!DOCTYPE html>\n<html><head><title>sonde</title></head>\n"
    "<body><h1>sonde</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

struct Response {
  int status = 200;
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string_view body;
  const char* allow = nullptr;  // the Allow header of a 405
};

int send_response(mg_connection* connection, const Response& response, bool head) {
  mg_response_header_start(connection, response.status);
  mg_response_header_add(connection, "Content-Type", response.content_type.data(),
                         static_cast<int>(response.content_type.size()));
  const std::string length = fmt::format("{}", response.body.size());
  mg_response_header_add(connection, "Content-Length", length.c_str(), -1);
  mg_response_header_add(connection, "X-Content-Type-Options", "nosniff", -1);
  mg_response_header_add(connection, "Cache-Control", "no-store", -1);
  if (response.allow != nullptr) mg_response_header_add(connection, "Allow", response.allow, -1);
  mg_response_header_send(connection);
  if (!head && !response.body.empty()) {
    mg_write(connection, response.body.data(), response.body.size());
  }
  return response.status;
}

}  // namespace

struct MetricsServer::State {
  Handler handler;
  std::mutex handler_mutex;  // serializes handler calls
  mutable std::mutex stats_mutex;
  ScrapeStats stats;
  ListenAddress address;
  mg_context* context = nullptr;
  std::mutex log_mutex;
  std::string last_log;  // civetweb's latest message, which explains a failed start
  // Response bodies kept from scrape to scrape (their capacity is the point), one per
  // scrape in progress rather than one per worker thread: a 100k-series body is ~4 MB.
  std::mutex bodies_mutex;
  std::vector<std::string> bodies;

  static int on_request(mg_connection* connection);
  static int on_log(const mg_connection* connection, const char* message);
  int serve(mg_connection* connection);
  Response metrics(std::string& body);
};

int MetricsServer::State::on_log(const mg_connection* connection, const char* message) {
  auto* state = static_cast<State*>(mg_get_user_data(mg_get_context(connection)));
  if (state != nullptr && message != nullptr) {
    const std::lock_guard lock(state->log_mutex);
    state->last_log = message;
  }
  return 1;  // handled: civetweb prints nothing itself
}

int MetricsServer::State::on_request(mg_connection* connection) {
  auto* state = static_cast<State*>(mg_get_user_data(mg_get_context(connection)));
  return state->serve(connection);
}

int MetricsServer::State::serve(mg_connection* connection) {
  const mg_request_info* request = mg_get_request_info(connection);
  const std::string_view method = request->request_method ? request->request_method : "";
  const std::string_view path = request->local_uri ? request->local_uri : "";
  const bool head = method == "HEAD";
  // civetweb keeps the first MG_MAX_HEADERS and drops the rest silently; no scraper
  // sends that many, so a full table means the request was cut.
  if (request->num_headers >= MG_MAX_HEADERS) {
    return send_response(connection, {431, "text/plain; charset=utf-8", "too many header fields\n"},
                         head);
  }
  if (path != "/metrics" && path != "/") {
    return send_response(connection, {404, "text/plain; charset=utf-8", "not found\n"}, head);
  }
  if (method != "GET" && !head) {
    return send_response(
        connection, {405, "text/plain; charset=utf-8", "method not allowed\n", "GET, HEAD"}, head);
  }
  if (path == "/") {
    return send_response(connection, {200, "text/html; charset=utf-8", kIndexPage}, head);
  }
  // The handler lock is released before the (possibly slow) write to the client, so
  // concurrent scrapes each take a body of their own.
  std::string body;
  {
    const std::lock_guard lock(bodies_mutex);
    if (!bodies.empty()) {
      body = std::move(bodies.back());
      bodies.pop_back();
    }
  }
  body.clear();
  const int status = send_response(connection, metrics(body), head);
  const std::lock_guard lock(bodies_mutex);
  bodies.push_back(std::move(body));
  return status;
}

Response MetricsServer::State::metrics(std::string& body) {
  Status status;
  const auto start = std::chrono::steady_clock::now();
  {
    const std::lock_guard lock(handler_mutex);
    status = handler(body);
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  {
    const std::lock_guard lock(stats_mutex);
    ++stats.scrapes;
    stats.last_seconds = took.count();
    stats.total_seconds += took.count();
  }
  if (!status.ok()) {
    const Error& error = status.error();
    body = error.hint.empty() ? fmt::format("error: {}\n", error.message)
                              : fmt::format("error: {}\nhint: {}\n", error.message, error.hint);
    return {500, "text/plain; charset=utf-8", body};
  }
  return {200, kPrometheusContentType, body};
}

Result<MetricsServer> MetricsServer::start(std::string_view listen, Handler handler,
                                           const ServerOptions& options) {
  auto address = parse_listen_address(listen);
  if (!address) return address.error();
  if (address->ipv6 && mg_check_feature(kCivetwebIpv6) == 0) {
    return Error{fmt::format("cannot listen on {}: this build's HTTP server (civetweb) has no "
                             "IPv6 support",
                             address->to_string()),
                 fmt::format("listen on an IPv4 address, e.g. 127.0.0.1:{}", address->port)};
  }
  auto host = resolve_numeric_host(*address);
  if (!host) return host.error();

  static std::once_flag initialized;
  std::call_once(initialized, [] {
    mg_init_library(0);
    // Scrapes run on whichever worker thread took the connection, and glibc gives each
    // thread its own arena: every worker would grow (and trim) its own copy of a
    // scrape's transient memory, page-faulting it in each time (4800 faults, ~19 MB, a
    // scrape at 100k series). Scrapes are serialized anyway; one arena lets them reuse it.
    mallopt(M_ARENA_MAX, 1);
  });

  auto state = std::make_unique<State>();
  state->handler = std::move(handler);
  ListenAddress bound = *address;
  bound.host = *host;
  // No document_root: nothing on disk is ever served.
  const std::pair<const char*, std::string> settings[] = {
      {"listening_ports", bound.to_string()},
      {"num_threads", fmt::format("{}", std::max(1, options.threads))},
      {"request_timeout_ms", fmt::format("{}", options.request_timeout_ms)},
      {"max_request_size", fmt::format("{}", options.max_request_bytes)},
      {"enable_keep_alive", "no"},
      {"enable_directory_listing", "no"},
  };
  std::vector<const char*> civetweb_options;
  for (const auto& [name, value] : settings) {
    civetweb_options.push_back(name);
    civetweb_options.push_back(value.c_str());
  }
  civetweb_options.push_back(nullptr);
  mg_callbacks callbacks{};
  callbacks.begin_request = &State::on_request;
  callbacks.log_message = &State::on_log;
  state->context = mg_start(&callbacks, state.get(), civetweb_options.data());
  if (state->context == nullptr) {
    const std::lock_guard lock(state->log_mutex);
    return listen_error(*address, *host, state->last_log);
  }
  mg_server_port port{};
  if (mg_get_server_ports(state->context, 1, &port) == 1) {
    bound.port = static_cast<uint16_t>(port.port);
  }
  state->address = bound;
  return MetricsServer(std::move(state));
}

MetricsServer::MetricsServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

MetricsServer::MetricsServer(MetricsServer&& other) noexcept = default;

MetricsServer& MetricsServer::operator=(MetricsServer&& other) noexcept {
  if (this != &other) {
    stop();
    state_ = std::move(other.state_);
  }
  return *this;
}

MetricsServer::~MetricsServer() { stop(); }

const ListenAddress& MetricsServer::address() const { return state_->address; }

ScrapeStats MetricsServer::scrape_stats() const {
  const std::lock_guard lock(state_->stats_mutex);
  return state_->stats;
}

void MetricsServer::stop() {
  if (!state_ || state_->context == nullptr) return;
  // civetweb's accept loop notices the stop request only when its poll() returns,
  // which it does every 2 s (SOCKET_TIMEOUT_QUANTUM) unless a connection comes in:
  // knock until it has gone, so that stopping takes milliseconds.
  std::atomic<bool> stopped = false;
  std::thread knocker([&] {
    while (!stopped) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!stopped) knock(state_->address);
    }
  });
  mg_stop(state_->context);
  stopped = true;
  knocker.join();
  state_->context = nullptr;
}

}  // namespace sonde::exporter
