#include "runtime/export/metrics_server.h"

#include <CivetServer.h>
#include <civetweb.h>
#include <fmt/format.h>
#include <malloc.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>

#include <strings.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/export/basic_auth.h"
#include "runtime/export/families.h"
#include "runtime/export/listen_socket.h"
#include "runtime/export/prometheus_text.h"
#include "runtime/export/tls.h"

namespace sonde::exporter {

namespace {

constexpr unsigned kCivetwebIpv6 = 8;  // mg_check_feature bit
constexpr const char* kRealm = "sonde";

constexpr std::string_view kIndexPage =
    "<!DOCTYPE html>\n<html><head><title>sonde</title></head>\n"
    "<body><h1>sonde</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

// What civetweb knows of one connection, for the callbacks that see it.
struct Connection {
  bool answered = false;  // a response was started (by us, the library or civetweb)
  bool scraping = false;  // holds one of the concurrent scrape places
};

// The snapshot source as prometheus-cpp sees it: read at scrape time. The library calls
// Collect() under its own lock, one scrape at a time; this lock also covers the server's
// own calls (answers to requests that carried an Upgrade header).
class SnapshotCollectable : public prometheus::Collectable {
 public:
  explicit SnapshotCollectable(MetricsServer::Source source) : source_(std::move(source)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const std::lock_guard lock(mutex_);
    const auto start = std::chrono::steady_clock::now();
    snapshot_.families.clear();
    const Status status = source_(snapshot_);
    std::vector<prometheus::MetricFamily> families = builder_.build(snapshot_);
    for (const std::string& name : builder_.left_out())
      warn_once(fmt::format("left out a second family named {}: its name is taken", name));
    if (!status.ok()) warn_once(status.error().message);
    families.push_back(scrape_error(!status.ok()));
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    ++stats_.scrapes;
    stats_.last_seconds = took.count();
    stats_.total_seconds += took.count();
    return families;
  }

  ScrapeStats stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  static prometheus::MetricFamily scrape_error(bool failed) {
    prometheus::MetricFamily family;
    family.name = "sonde_scrape_error";
    family.help = "1 when this scrape could not read every map (stderr says why), else 0";
    family.type = prometheus::MetricType::Gauge;
    family.metric.emplace_back().gauge.value = failed ? 1 : 0;
    return family;
  }

  void warn_once(const std::string& message) const {
    if (!warned_.insert(message).second) return;
    fmt::print(stderr, "warning: /metrics: {}\n", message);
  }

  mutable std::mutex mutex_;
  MetricsServer::Source source_;
  mutable metrics::Snapshot snapshot_;
  mutable FamilyBuilder builder_;
  mutable ScrapeStats stats_;
  mutable std::set<std::string> warned_;
};

}  // namespace

struct MetricsServer::State {
  ServerOptions options;
  ListenAddress address;
  std::shared_ptr<SnapshotCollectable> collectable;
  std::unique_ptr<Passwords> passwords;
  std::unique_ptr<prometheus::Exposer> exposer;
  const mg_context* context = nullptr;
  std::atomic<bool> ready = false;  // the collectable is registered

  std::mutex log_mutex;
  std::string last_log;   // civetweb's latest message, which explains a failed start
  std::string tls_error;  // why the certificate or key could not be used

  // Places for scrapes being answered at once.
  std::mutex gate_mutex;
  std::condition_variable gate;
  int scraping = 0;
  bool stopping = false;

  int serve(mg_connection* connection, Connection* state);
  bool authorized(mg_connection* connection);
  int serve_metrics_here(mg_connection* connection);
  bool take_scrape_place();
  void leave_scrape_place();
};

namespace {

// The server of each civetweb context. Civetweb's own per-context pointer is taken by
// prometheus-cpp (its CivetServer), so contexts are registered as they start: civetweb
// calls init_context (and init_ssl) on the starting thread before any request.
std::mutex registry_mutex;
std::map<const mg_context*, MetricsServer::State*> registry;
thread_local MetricsServer::State* starting = nullptr;

MetricsServer::State* state_of(const mg_connection* connection) {
  const mg_context* context = mg_get_context(connection);
  const std::lock_guard lock(registry_mutex);
  auto it = registry.find(context);
  return it == registry.end() ? nullptr : it->second;
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

struct Response {
  int status = 200;
  std::string_view content_type = "text/plain; charset=utf-8";
  std::string_view body;
  std::string extra_headers;  // "Name: value\r\n" lines
  bool length = true;         // send Content-Length (a HEAD of /metrics does not know it)
};

// Written raw, so that it is a whole HTTP/1.1 response whatever civetweb decided about
// the connection (its header functions refuse to write on one it switched to another
// protocol, which left a body without a status line).
int send(mg_connection* connection, const Response& response, bool head) {
  std::string headers = fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nX-Content-Type-Options: nosniff\r\n"
      "Cache-Control: no-store\r\nConnection: close\r\n{}",
      response.status, reason(response.status), response.content_type, response.extra_headers);
  if (response.length) headers += fmt::format("Content-Length: {}\r\n", response.body.size());
  headers += "\r\n";
  mg_write(connection, headers.data(), headers.size());
  if (!head && !response.body.empty())
    mg_write(connection, response.body.data(), response.body.size());
  return response.status;
}

bool is(const char* text, std::string_view expected) { return text != nullptr && expected == text; }

int on_begin_request(mg_connection* connection) {
  auto* state = static_cast<Connection*>(mg_get_user_connection_data(connection));
  if (state != nullptr) state->answered = true;
  MetricsServer::State* server = state_of(connection);
  if (server == nullptr || !server->ready) return send(connection, {503, {}, "starting\n"}, false);
  return server->serve(connection, state);
}

void on_end_request(const mg_connection* connection, int) {
  auto* state = static_cast<Connection*>(mg_get_user_connection_data(connection));
  MetricsServer::State* server = state_of(connection);
  if (state != nullptr && state->scraping && server != nullptr) {
    state->scraping = false;
    server->leave_scrape_place();
  }
}

int on_http_error(mg_connection* connection, int, const char*) {
  auto* state = static_cast<Connection*>(mg_get_user_connection_data(connection));
  if (state != nullptr) state->answered = true;
  return 1;  // civetweb sends its own error page
}

int on_init_connection(const mg_connection*, void** data) {
  *data = new Connection;
  return 0;
}

// Requests civetweb parsed but gives no handler and no answer (it would close the
// connection in silence): `OPTIONS *` and absolute-form targets (`GET http://h/metrics`),
// which it keeps for a proxy it is not.
void on_connection_close(const mg_connection* connection) {
  auto* state = static_cast<Connection*>(mg_get_user_connection_data(connection));
  if (state == nullptr) return;
  MetricsServer::State* server = state_of(connection);
  if (state->scraping && server != nullptr) server->leave_scrape_place();
  const mg_request_info* request = mg_get_request_info(connection);
  if (!state->answered && request != nullptr && request->request_method != nullptr &&
      request->request_uri != nullptr && request->http_version != nullptr &&
      request->local_uri == nullptr) {
    auto* writable = const_cast<mg_connection*>(connection);
    const bool head = is(request->request_method, "HEAD");
    if (is(request->request_method, "OPTIONS") && is(request->request_uri, "*")) {
      send(writable, {200, {}, "", "Allow: GET, HEAD\r\n"}, false);
    } else {
      send(writable,
           {400,
            {},
            "the request target must be a path, e.g. GET /metrics: this server is not a proxy\n"},
           head);
    }
  }
  delete state;
}

int on_log(const mg_connection* connection, const char* message) {
  MetricsServer::State* server = starting != nullptr ? starting : state_of(connection);
  if (server != nullptr && message != nullptr) {
    const std::lock_guard lock(server->log_mutex);
    server->last_log = message;
  }
  return 1;  // handled: civetweb prints nothing itself
}

void on_init_context(const mg_context* context) {
  if (starting == nullptr) return;
  starting->context = context;
  const std::lock_guard lock(registry_mutex);
  registry[context] = starting;
}

int on_init_ssl(void* ssl_context, void*) {
  if (starting == nullptr) return -1;
  const Status configured = configure_tls(ssl_context, starting->options.web);
  if (configured.ok()) return 1;  // done: civetweb loads no certificate of its own
  starting->tls_error = configured.error().message;
  return -1;
}

}  // namespace

bool MetricsServer::State::authorized(mg_connection* connection) {
  if (!passwords) return true;
  const char* header = mg_get_header(connection, "Authorization");
  std::string user, password;
  return header != nullptr && parse_basic_authorization(header, user, password) &&
         passwords->check(user, password);
}

int MetricsServer::State::serve(mg_connection* connection, Connection* state) {
  const mg_request_info* request = mg_get_request_info(connection);
  const std::string_view method = request->request_method ? request->request_method : "";
  const std::string_view path = request->local_uri ? request->local_uri : "";
  const bool head = method == "HEAD";
  // civetweb keeps the first MG_MAX_HEADERS and drops the rest silently; no scraper
  // sends that many, so a full table means the request was cut.
  if (request->num_headers >= MG_MAX_HEADERS)
    return send(connection, {431, {}, "too many header fields\n"}, head);
  if (!authorized(connection)) {
    return send(
        connection,
        {401,
         {},
         "unauthorized\n",
         fmt::format("WWW-Authenticate: Basic realm=\"{}\", charset=\"UTF-8\"\r\n", kRealm)},
        head);
  }
  if (path != "/metrics" && path != "/") return send(connection, {404, {}, "not found\n"}, head);
  if (method != "GET" && !head)
    return send(connection, {405, {}, "method not allowed\n", "Allow: GET, HEAD\r\n"}, head);
  if (path == "/") return send(connection, {200, "text/html; charset=utf-8", kIndexPage}, head);
  // A HEAD says what a GET would get without building it: the length is unknown.
  if (head) return send(connection, {200, kPrometheusContentType, "", "", false}, true);
  // A protocol upgrade (a WebSocket handshake) is not for this server, which may ignore
  // it (RFC 9110 7.8); civetweb has already switched the connection's protocol, so the
  // library's handler cannot answer it: it is answered here, in full, without gzip.
  if (mg_get_header(connection, "Upgrade") != nullptr) return serve_metrics_here(connection);
  if (!take_scrape_place()) return send(connection, {503, {}, "stopping\n"}, false);
  if (state != nullptr) state->scraping = true;
  return 0;  // prometheus-cpp's handler: its serializer, gzip when accepted
}

int MetricsServer::State::serve_metrics_here(mg_connection* connection) {
  if (!take_scrape_place()) return send(connection, {503, {}, "stopping\n"}, false);
  std::string body;
  append_serialized(collectable->Collect(), body);
  const int status = send(connection, {200, kPrometheusContentType, body}, false);
  leave_scrape_place();
  return status;
}

bool MetricsServer::State::take_scrape_place() {
  std::unique_lock lock(gate_mutex);
  gate.wait(lock, [&] { return stopping || scraping < std::max(1, options.concurrent_scrapes); });
  if (stopping) return false;
  ++scraping;
  return true;
}

void MetricsServer::State::leave_scrape_place() {
  {
    const std::lock_guard lock(gate_mutex);
    --scraping;
  }
  gate.notify_one();
}

Result<MetricsServer> MetricsServer::start(std::string_view listen, Source source,
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
  if (options.web.tls()) {
    if (auto st = prepare_openssl_for_civetweb(); !st) return st.error();
  }

  static std::once_flag initialized;
  std::call_once(initialized, [] {
    mg_init_library(0);
    // Scrapes run on whichever worker thread took the connection, and glibc gives each
    // thread its own arena: every worker would grow (and trim) its own copy of a
    // scrape's transient memory, page-faulting it in each time. One arena lets them reuse it.
    mallopt(M_ARENA_MAX, 1);
  });

  auto state = std::make_unique<State>();
  state->options = options;
  state->collectable = std::make_shared<SnapshotCollectable>(std::move(source));
  if (options.web.authenticated())
    state->passwords = std::make_unique<Passwords>(options.web.users);
  ListenAddress bound = *address;
  bound.host = *host;
  // No document_root: nothing on disk is ever served.
  std::vector<std::string> civetweb_options = {
      "listening_ports",
      bound.to_string() + (options.web.tls() ? "s" : ""),
      "num_threads",
      fmt::format("{}", std::max(1, options.threads)),
      "request_timeout_ms",
      fmt::format("{}", options.request_timeout_ms),
      "max_request_size",
      fmt::format("{}", options.max_request_bytes),
      "enable_keep_alive",
      "no",
      "enable_directory_listing",
      "no",
  };
  if (options.web.tls()) {
    civetweb_options.insert(civetweb_options.end(), {"ssl_protocol_version", "4"});  // TLS 1.2+
  }
  CivetCallbacks callbacks;
  callbacks.begin_request = &on_begin_request;
  callbacks.end_request = &on_end_request;
  callbacks.http_error = &on_http_error;
  callbacks.init_connection = &on_init_connection;
  callbacks.connection_close = &on_connection_close;
  callbacks.log_message = &on_log;
  callbacks.init_context = &on_init_context;
  if (options.web.tls()) callbacks.init_ssl = &on_init_ssl;

  starting = state.get();
  try {
    state->exposer = std::make_unique<prometheus::Exposer>(civetweb_options, &callbacks);
  } catch (const std::exception&) {
    starting = nullptr;
    if (state->context != nullptr) {
      const std::lock_guard lock(registry_mutex);
      registry.erase(state->context);
    }
    if (!state->tls_error.empty()) {
      return Error{
          fmt::format("cannot serve TLS on {}: {}", address->to_string(), state->tls_error),
          "check tls_server_config's cert_file and key_file"};
    }
    const std::lock_guard lock(state->log_mutex);
    return listen_error(*address, *host, state->last_log);
  }
  starting = nullptr;
  state->exposer->RegisterCollectable(state->collectable);
  if (state->passwords) {
    state->exposer->RegisterAuth(
        [passwords = state->passwords.get()](const std::string& user, const std::string& password) {
          return passwords->check(user, password);
        },
        kRealm);
  }
  state->ready = true;
  const std::vector<int> ports = state->exposer->GetListeningPorts();
  if (!ports.empty()) bound.port = static_cast<uint16_t>(ports.front());
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

std::string MetricsServer::url() const {
  return fmt::format("{}://{}/metrics", state_->options.web.tls() ? "https" : "http",
                     state_->address.to_string());
}

std::string MetricsServer::exposure_warning() const {
  const WebConfig& web = state_->options.web;
  if (is_loopback(state_->address) || (web.tls() && web.authenticated())) return {};
  const std::string where = state_->address.to_string();
  if (!web.tls() && !web.authenticated()) {
    return fmt::format(
        "/metrics is served on {} in plain HTTP without authentication: anyone who can reach "
        "this port reads every metric (process names, paths, addresses) and can load this "
        "machine with scrapes",
        where);
  }
  if (!web.tls()) {
    return fmt::format(
        "/metrics is served on {} in plain HTTP: passwords and metrics cross the network "
        "unencrypted, readable by anyone on the way",
        where);
  }
  return fmt::format(
      "/metrics is served on {} over TLS but without authentication: anyone who can reach "
      "this port reads every metric",
      where);
}

ScrapeStats MetricsServer::scrape_stats() const { return state_->collectable->stats(); }

void MetricsServer::stop() {
  if (!state_ || !state_->exposer) return;
  {
    const std::lock_guard lock(state_->gate_mutex);
    state_->stopping = true;
  }
  state_->gate.notify_all();
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
  state_->exposer.reset();
  stopped = true;
  knocker.join();
  const std::lock_guard lock(registry_mutex);
  registry.erase(state_->context);
}

}  // namespace sonde::exporter
