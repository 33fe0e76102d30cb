#include "runtime/export/metrics_server.h"

#include <CivetServer.h>
#include <civetweb.h>
#include <fmt/format.h>
#include <malloc.h>
#include <prometheus/exposer.h>
#include <zlib.h>

#include <strings.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/export/basic_auth.h"
#include "runtime/export/exposition.h"
#include "runtime/export/listen_socket.h"
#include "runtime/export/prometheus_text.h"
#include "runtime/export/text_buffer.h"
#include "runtime/export/tls.h"
#include "support/scrape_stages.h"
#include "support/text.h"

namespace sonde::exporter {

namespace {

constexpr unsigned kCivetwebIpv6 = 8;  // mg_check_feature bit
constexpr const char* kRealm = "sonde";

constexpr std::string_view kIndexPage =
    "<!DOCTYPE html>\n<html><head><title>sonde</title></head>\n"
    "<body><h1>sonde</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";

// Whether a response was started on a connection (by us or by civetweb), kept as the
// connection's user pointer naming one of these two, not as an allocation: civetweb's C++
// wrapper skips the close callback of a connection that ends before mg_start returns (a
// scrape answered "starting"), which leaked whatever the connection owned.
char unanswered_mark = 0;
char answered_mark = 0;

void mark_answered(const mg_connection* connection) {
  if (mg_get_user_connection_data(connection) == &unanswered_mark)
    mg_set_user_connection_data(connection, &answered_mark);
}

// SONDE_SCRAPE_MEMORY=1: where the heap stands after each scrape (glibc's
// mallinfo2), to tell memory in use from memory freed but kept by malloc.
bool memory_report_enabled() {
  static const bool on = [] {
    const char* value = std::getenv("SONDE_SCRAPE_MEMORY");
    return value != nullptr && std::string_view(value) == "1";
  }();
  return on;
}

// The snapshot source, read at scrape time, and what sonde keeps between scrapes to
// answer the next one: the snapshot's families and the writer's text of them. One
// scrape at a time reads the source and writes its text.
class Scraper {
 public:
  explicit Scraper(MetricsServer::Source source) : source_(std::move(source)) {}

  // Writes this scrape's exposition into `out` (emptied first), whose sink (if any) takes
  // the text as it is written: the client then reads it under this lock.
  void scrape(TextBuffer& out) {
    const std::lock_guard lock(mutex_);
    const auto start = std::chrono::steady_clock::now();
    // The last scrape's families lend their memory to this one's (Snapshot::recycled).
    snapshot_.recycled.swap(snapshot_.families);
    snapshot_.families.clear();
    const Status status = source_(snapshot_);
    out.clear();
    {
      const stages::Timer timer(stages::kSerialize);
      writer_.write(snapshot_, out);
      out.append(status.ok() ? kScrapeOk : kScrapeFailed);
    }
    // Streamed series (Snapshot::stream_series) are written: their sources may change.
    for (metrics::Family& family : snapshot_.families) family.stream = nullptr;
    snapshot_.held.clear();
    for (const std::string& name : writer_.left_out())
      warn_once(fmt::format("left out a second family named {}: its name is taken", name));
    if (!status.ok()) warn_once(status.error().message);
    // A scrape whose text grew or shrank by much made or dropped many series: the
    // collector's and the writer's tables were reallocated as they grew (this scrape and
    // the next, whose buffers of the last read's keys come in then), and the old blocks
    // glibc keeps (touched, so resident: 2-4 MB after the first scrapes of 100k counters)
    // go back to the kernel. A warm scrape allocates next to nothing, so there is nothing
    // to give back then; every 64th scrape does it anyway, for slow growth.
    const size_t written = out.written();
    const size_t change =
        written > last_written_ ? written - last_written_ : last_written_ - written;
    if (change > last_written_ / 16) trims_due_ = 2;
    if (trims_due_ > 0 || stats_.scrapes % 64 == 0) {
      trim_heap();
      if (trims_due_ > 0) --trims_due_;
    }
    last_written_ = written;
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    ++stats_.scrapes;
    stats_.last_seconds = took.count();
    stats_.total_seconds += took.count();
  }

  ScrapeStats stats() const {
    const std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  static constexpr std::string_view kScrapeOk =
      "# HELP sonde_scrape_error 1 when this scrape could not read every map (stderr says "
      "why), else 0\n# TYPE sonde_scrape_error gauge\nsonde_scrape_error 0\n";
  static constexpr std::string_view kScrapeFailed =
      "# HELP sonde_scrape_error 1 when this scrape could not read every map (stderr says "
      "why), else 0\n# TYPE sonde_scrape_error gauge\nsonde_scrape_error 1\n";

  static void trim_heap() {
    const auto start = std::chrono::steady_clock::now();
    malloc_trim(0);
    if (memory_report_enabled()) {
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      fmt::print(stderr, "scrape memory: malloc_trim took {:.2f} ms\n", took.count());
    }
  }

  void warn_once(const std::string& message) {
    if (!warned_.insert(message).second) return;
    fmt::print(stderr, "warning: /metrics: {}\n", message);
  }

  mutable std::mutex mutex_;
  MetricsServer::Source source_;
  metrics::Snapshot snapshot_;
  ExpositionWriter writer_;
  size_t last_written_ = 0;
  int trims_due_ = 0;  // scrapes still to give back the heap's free memory
  ScrapeStats stats_;
  std::set<std::string> warned_;
};

// One answer in the making: its text and, for a scraper that accepts it, its gzip.
// Pooled: a warm scrape reuses the memory (and the deflate state) of an earlier one.
class Body {
 public:
  Body() = default;
  Body(const Body&) = delete;
  Body& operator=(const Body&) = delete;
  ~Body() {
    if (deflating_) deflateEnd(&stream_);
  }

  TextBuffer text;

  // The gzip of `text` (RFC 1952), or nothing if zlib failed.
  std::optional<std::string_view> gzip() {
    const stages::Timer timer(stages::kGzip);
    // Level 1: scrape text is repetitive enough that it still shrinks 8-14x (100k
    // counters, histograms), at a fraction of the default level's time.
    if (!deflating_) {
      if (deflateInit2(&stream_, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK)
        return std::nullopt;
      deflating_ = true;
    } else if (deflateReset(&stream_) != Z_OK) {
      return std::nullopt;
    }
    compressed_.clear();
    const size_t bound = deflateBound(&stream_, text.size());
    if (compressed_.capacity() > 2 * bound + (size_t{1} << 20)) compressed_.shrink_to(bound);
    compressed_.reserve(bound);
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    stream_.avail_in = static_cast<uInt>(text.size());
    stream_.next_out = reinterpret_cast<Bytef*>(compressed_.room(compressed_.capacity()));
    stream_.avail_out = static_cast<uInt>(compressed_.capacity());
    if (deflate(&stream_, Z_FINISH) != Z_STREAM_END) return std::nullopt;
    compressed_.commit(reinterpret_cast<char*>(stream_.next_out));
    return compressed_.view();
  }

  // A gzip stream fed piece by piece (compress()), for a text streamed to its client:
  // what comes out is handed on in pieces of at most `piece` bytes, never held whole.
  bool start_gzip(size_t piece) {
    if (!deflating_) {
      if (deflateInit2(&stream_, Z_BEST_SPEED, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
          Z_OK)
        return false;
      deflating_ = true;
    } else if (deflateReset(&stream_) != Z_OK) {
      return false;
    }
    compressed_.clear();
    compressed_.shrink_to(piece);
    compressed_.reserve(piece);
    return true;
  }
  // Compresses `input` into the stream started by start_gzip(); `last` ends it. `emit`
  // gets the compressed bytes as they come out.
  template <typename Emit>
  bool compress(std::string_view input, bool last, Emit&& emit) {
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    stream_.avail_in = static_cast<uInt>(input.size());
    for (;;) {
      char* out = compressed_.room(compressed_.capacity());
      stream_.next_out = reinterpret_cast<Bytef*>(out);
      stream_.avail_out = static_cast<uInt>(compressed_.capacity());
      int rc = Z_OK;
      {
        const stages::Timer timer(stages::kGzip);  // not the sending: that is kSend's
        rc = deflate(&stream_, last ? Z_FINISH : Z_NO_FLUSH);
      }
      if (rc == Z_STREAM_ERROR) return false;
      const size_t made = reinterpret_cast<char*>(stream_.next_out) - out;
      if (made > 0) emit(std::string_view(out, made));
      // Done when the input is taken and the output had room to spare (Z_NO_FLUSH), or
      // the stream has ended (Z_FINISH).
      if (last ? rc == Z_STREAM_END : stream_.avail_out > 0) return true;
      if (rc == Z_BUF_ERROR && made == 0) return false;  // no progress possible
    }
  }

 private:
  z_stream stream_{};
  bool deflating_ = false;
  TextBuffer compressed_;
};

}  // namespace

struct MetricsServer::State {
  ServerOptions options;
  ListenAddress address;
  std::unique_ptr<Scraper> scraper;
  std::unique_ptr<Passwords> passwords;
  std::unique_ptr<prometheus::Exposer> exposer;
  const mg_context* context = nullptr;
  std::atomic<bool> ready = false;  // started, the port known

  std::mutex log_mutex;
  std::string last_log;   // civetweb's latest message, which explains a failed start
  std::string tls_error;  // why the certificate or key could not be used

  // Places for scrapes being answered at once, and a body for the next one.
  std::mutex gate_mutex;
  std::condition_variable gate;
  int scraping = 0;
  bool stopping = false;
  std::vector<std::unique_ptr<Body>> bodies;  // idle: at most one

  int serve(mg_connection* connection);
  bool authorized(mg_connection* connection);
  int serve_metrics(mg_connection* connection, bool gzip);
  std::unique_ptr<Body> take_scrape_place();
  void leave_scrape_place(std::unique_ptr<Body> body);
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
  mark_answered(connection);
  MetricsServer::State* server = state_of(connection);
  if (server == nullptr || !server->ready) return send(connection, {503, {}, "starting\n"}, false);
  return server->serve(connection);
}

int on_http_error(mg_connection* connection, int, const char*) {
  mark_answered(connection);
  return 1;  // civetweb sends its own error page
}

int on_init_connection(const mg_connection*, void** data) {
  *data = &unanswered_mark;
  return 0;
}

// Requests civetweb parsed but gives no handler and no answer (it would close the
// connection in silence): `OPTIONS *` and absolute-form targets (`GET http://h/metrics`),
// which it keeps for a proxy it is not.
void on_connection_close(const mg_connection* connection) {
  if (mg_get_user_connection_data(connection) != &unanswered_mark) return;
  const mg_request_info* request = mg_get_request_info(connection);
  if (request != nullptr && request->request_method != nullptr && request->request_uri != nullptr &&
      request->http_version != nullptr && request->local_uri == nullptr) {
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

std::atomic<uint64_t> bodies_made = 0;  // for memory_report()

std::string memory_report() {
  const struct mallinfo2 info = mallinfo2();
  constexpr double kMiB = 1024.0 * 1024.0;
  return fmt::format(
      "heap_mb={:.1f} in_use_mb={:.1f} free_mb={:.1f} top_free_mb={:.1f} mmap_mb={:.1f} "
      "bodies_made={}",
      static_cast<double>(info.arena) / kMiB, static_cast<double>(info.uordblks) / kMiB,
      static_cast<double>(info.fordblks) / kMiB, static_cast<double>(info.keepcost) / kMiB,
      static_cast<double>(info.hblkhd) / kMiB, bodies_made.load());
}

}  // namespace

bool MetricsServer::State::authorized(mg_connection* connection) {
  if (!passwords) return true;
  const char* header = mg_get_header(connection, "Authorization");
  std::string user, password;
  return header != nullptr && parse_basic_authorization(header, user, password) &&
         passwords->check(user, password);
}

namespace {

// Whether an Accept-Encoding value takes gzip: a `gzip` (or `x-gzip`) coding whose
// weight is not 0 (RFC 9110 12.5.3).
bool accepts_gzip(const char* header) {
  if (header == nullptr) return false;
  auto equals = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
  };
  for (std::string_view item : split(header, ',')) {
    const size_t semicolon = item.find(';');
    const std::string_view coding = trim(item.substr(0, semicolon));
    const std::string_view params =
        semicolon == std::string_view::npos ? std::string_view() : trim(item.substr(semicolon + 1));
    if (!equals(coding, "gzip") && !equals(coding, "x-gzip")) continue;
    // q=0, q=0.0, q=0.000: refused.
    return !(params.size() >= 3 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=' &&
             params.substr(2).find_first_not_of("0.") == std::string_view::npos);
  }
  return false;
}

}  // namespace

int MetricsServer::State::serve(mg_connection* connection) {
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
  // it (RFC 9110 7.8): it is answered in full, without gzip.
  const bool upgrade = mg_get_header(connection, "Upgrade") != nullptr;
  return serve_metrics(connection,
                       !upgrade && accepts_gzip(mg_get_header(connection, "Accept-Encoding")));
}

namespace {

// Text held before a /metrics answer is streamed rather than sent whole: a scrape of
// ~25k counter series fits (it is sent with its Content-Length); 100k counters (3.8 MB)
// or histograms (22 MB) go out piece by piece, never held whole. Pieces of 1 MiB rather
// than 256 KiB: a client decoding the chunks in Python (bench/run.py) took 26 ms instead
// of 23 for 100k histograms, for 0.75 MB more held.
constexpr size_t kStreamBound = size_t{1} << 20;
constexpr size_t kGzipPiece = size_t{64} << 10;

// A /metrics answer streamed as the writer makes it: the headers go out with the first
// piece, then each piece (gzipped through one deflate stream when asked), as HTTP/1.1
// chunks, or delimited by the connection's close for an HTTP/1.0 client. A client that
// went away is written no more; the writer still finishes (the scrape is consistent).
class Stream {
 public:
  Stream(mg_connection* connection, Body& body, bool gzip, bool chunked)
      : connection_(connection), body_(body), gzip_(gzip), chunked_(chunked) {}

  // The sink of the body's text, called while the text is being written (under the
  // scrape's serialize stage, which does not count this).
  void piece(std::string_view text) {
    const auto start = std::chrono::steady_clock::now();
    emit(text, false);
    if (stages::enabled())
      stages::add(stages::kSerialize, start - std::chrono::steady_clock::now());
  }

  // What the buffer still holds once the writer is done, and the end of the answer.
  void finish(std::string_view rest) {
    emit(rest, true);
    if (chunked_ && !failed_) {
      const stages::Timer timer(stages::kSend);
      constexpr std::string_view kLastChunk = "0\r\n\r\n";
      mg_write(connection_, kLastChunk.data(), kLastChunk.size());
    }
  }

 private:
  // `text` as the answer's next bytes (compressed when gzip was asked; `last`: the end
  // of the compressed stream), the status line and headers first.
  void emit(std::string_view text, bool last) {
    if (!started_) start_answer();
    if (gzip_) {
      if (!body_.compress(text, last, [this](std::string_view bytes) { write(bytes); }))
        failed_ = true;
    } else {
      write(text);
    }
  }

  void start_answer() {
    started_ = true;
    if (gzip_ && !body_.start_gzip(kGzipPiece)) gzip_ = false;  // zlib failed: plain text
    std::string headers;
    if (gzip_) headers += "Content-Encoding: gzip\r\n";
    if (gzip_requested_) headers += "Vary: Accept-Encoding\r\n";
    if (chunked_) headers += "Transfer-Encoding: chunked\r\n";
    const stages::Timer timer(stages::kSend);
    send(connection_, {200, kPrometheusContentType, "", std::move(headers), false}, true);
  }

  void write(std::string_view bytes) {
    if (failed_ || bytes.empty()) return;
    const stages::Timer timer(stages::kSend);
    if (chunked_) {
      const std::string size = fmt::format("{:x}\r\n", bytes.size());
      failed_ = mg_write(connection_, size.data(), size.size()) <= 0;
    }
    failed_ = failed_ || mg_write(connection_, bytes.data(), bytes.size()) <= 0;
    if (chunked_ && !failed_) failed_ = mg_write(connection_, "\r\n", 2) <= 0;
  }

  mg_connection* connection_;
  Body& body_;
  bool gzip_;
  const bool gzip_requested_ = gzip_;
  const bool chunked_;
  bool started_ = false;
  bool failed_ = false;
};

}  // namespace

int MetricsServer::State::serve_metrics(mg_connection* connection, bool gzip) {
  std::unique_ptr<Body> body = take_scrape_place();
  if (!body) return send(connection, {503, {}, "stopping\n"}, false);
  const mg_request_info* request = mg_get_request_info(connection);
  Stream stream(connection, *body, gzip, is(request->http_version, "1.1"));
  body->text.set_sink([&stream](std::string_view piece) { stream.piece(piece); }, kStreamBound);
  scraper->scrape(body->text);
  body->text.drop_sink();
  if (body->text.spilled()) {
    stream.finish(body->text.view());
    leave_scrape_place(std::move(body));
    if (stages::enabled()) fmt::print(stderr, "scrape stages ms: {}\n", stages::take_report());
    if (memory_report_enabled()) fmt::print(stderr, "scrape memory: {}\n", memory_report());
    return 200;
  }
  std::optional<std::string_view> compressed;
  if (gzip) compressed = body->gzip();
  int status = 0;
  {
    const stages::Timer timer(stages::kSend);
    status = compressed ? send(connection,
                               {200, kPrometheusContentType, *compressed,
                                "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n"},
                               false)
                        : send(connection,
                               {200, kPrometheusContentType, body->text.view(),
                                gzip ? "Vary: Accept-Encoding\r\n" : ""},
                               false);
  }
  leave_scrape_place(std::move(body));
  if (stages::enabled()) fmt::print(stderr, "scrape stages ms: {}\n", stages::take_report());
  if (memory_report_enabled()) fmt::print(stderr, "scrape memory: {}\n", memory_report());
  return status;
}

std::unique_ptr<Body> MetricsServer::State::take_scrape_place() {
  std::unique_lock lock(gate_mutex);
  gate.wait(lock, [&] { return stopping || scraping < std::max(1, options.concurrent_scrapes); });
  if (stopping) return nullptr;
  ++scraping;
  if (bodies.empty()) {
    bodies_made.fetch_add(1, std::memory_order_relaxed);
    return std::make_unique<Body>();
  }
  std::unique_ptr<Body> body = std::move(bodies.back());
  bodies.pop_back();
  return body;
}

void MetricsServer::State::leave_scrape_place(std::unique_ptr<Body> body) {
  {
    const std::lock_guard lock(gate_mutex);
    --scraping;
    // One body is kept for the next scrape. A second one is made when a scrape comes
    // while another's body is still being sent, which a scraper's next request can do
    // before the last one's thread got here: kept, it would double the text held (22 MB
    // more for 100k histogram series), so it is freed.
    if (bodies.empty()) bodies.push_back(std::move(body));
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
  state->scraper = std::make_unique<Scraper>(std::move(source));
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
  // Every request is answered by serve(): the library's own /metrics handler (its
  // serializer, its gzip) never runs, so nothing is registered with it.
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

ScrapeStats MetricsServer::scrape_stats() const { return state_->scraper->stats(); }

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
