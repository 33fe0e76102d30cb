#include "runtime/export/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/export/exposition.h"
#include "runtime/export/text_buffer.h"
#include "tests/unit/export/http_client.h"
#include "tests/unit/export/test_snapshots.h"

namespace sonde::exporter {
namespace {

using namespace std::chrono_literals;
using testing::header_value;
using testing::http_exchange;
using testing::http_get;
using testing::HttpReply;
using testing::OpenConnection;

constexpr const char* kSample = "up_total 1\n";

MetricsServer start_or_die(MetricsServer::Source source, const ServerOptions& options = {}) {
  auto server = MetricsServer::start("127.0.0.1:0", std::move(source), options);
  if (!server.ok()) {
    ADD_FAILURE() << server.error().message;
    std::abort();
  }
  return std::move(server).value();
}

MetricsServer::Source fixed_source() {
  return [](metrics::Snapshot& snapshot) {
    snapshot.families.push_back(testing::counter("up_total", {}, {testing::value_series({}, 1)}));
    return Status();
  };
}

bool has_line(const std::string& body, std::string_view line) {
  return body.starts_with(line) || body.find("\n" + std::string(line)) != std::string::npos;
}

std::string gunzip(const std::string& compressed) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) return "<inflateInit2 failed>";
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  stream.avail_in = static_cast<uInt>(compressed.size());
  char chunk[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof chunk;
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(chunk, sizeof chunk - stream.avail_out);
  }
  inflateEnd(&stream);
  return rc == Z_STREAM_END ? out : "<not gzip>";
}

TEST(MetricsServer, ServesMetrics) {
  MetricsServer server = start_or_die(fixed_source());
  EXPECT_EQ(server.address().host, "127.0.0.1");
  EXPECT_NE(server.address().port, 0);  // port 0 picked a free port and reports it
  EXPECT_EQ(server.url(), "http://127.0.0.1:" + std::to_string(server.address().port) + "/metrics");
  const HttpReply reply = http_get(server.address().port, "/metrics");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_TRUE(has_line(reply.body, "# TYPE up_total counter")) << reply.body;
  EXPECT_TRUE(has_line(reply.body, kSample)) << reply.body;
  EXPECT_TRUE(has_line(reply.body, "sonde_scrape_error 0")) << reply.body;
  // sonde's handler answers, not the library's (whose body has its own families).
  EXPECT_EQ(reply.body.find("exposer_"), std::string::npos) << reply.body;
  EXPECT_EQ(header_value(reply, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(header_value(reply, "Content-Length"), std::to_string(reply.body.size()));
  // A query string (Prometheus adds none, people do) is ignored.
  EXPECT_TRUE(has_line(http_get(server.address().port, "/metrics?x=1").body, kSample));
}

TEST(MetricsServer, GzipWhenTheScraperAcceptsIt) {
  MetricsServer server = start_or_die(fixed_source());
  const HttpReply reply = http_exchange(
      server.address().port,
      "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(header_value(reply, "Content-Encoding"), "gzip");
  EXPECT_EQ(header_value(reply, "Content-Length"), std::to_string(reply.body.size()));
  // zlib, which sonde does not drive here, reads it back.
  EXPECT_TRUE(has_line(gunzip(reply.body), kSample));
}

// Accept-Encoding as RFC 9110 reads it: codings in a list, any case, and a weight of 0
// refusing one.
TEST(MetricsServer, GzipOnlyWhenAccepted) {
  MetricsServer server = start_or_die(fixed_source());
  auto encoding_for = [&](const std::string& accept) {
    const HttpReply reply =
        http_exchange(server.address().port, "GET /metrics HTTP/1.1\r\nHost: x\r\n" + accept +
                                                 "Connection: close\r\n\r\n");
    const std::string encoding = header_value(reply, "Content-Encoding");
    const std::string body = encoding == "gzip" ? gunzip(reply.body) : reply.body;
    EXPECT_TRUE(has_line(body, kSample)) << accept << body;
    return encoding;
  };
  EXPECT_EQ(encoding_for(""), "");
  EXPECT_EQ(encoding_for("Accept-Encoding: identity\r\n"), "");
  EXPECT_EQ(encoding_for("Accept-Encoding: deflate, GZIP;q=0.5\r\n"), "gzip");
  EXPECT_EQ(encoding_for("Accept-Encoding: x-gzip\r\n"), "gzip");
  EXPECT_EQ(encoding_for("Accept-Encoding: gzip;q=0\r\n"), "");
  EXPECT_EQ(encoding_for("Accept-Encoding: gzip; q=0.000, br\r\n"), "");
  EXPECT_EQ(encoding_for("Accept-Encoding: gzipped\r\n"), "");
}

// Each scrape's text is written into a buffer kept from an earlier one: a scrape with
// fewer series than the last shows only its own, with the right length, gzipped or not.
TEST(MetricsServer, ReusedBuffersHoldOnlyThisScrape) {
  std::atomic<int> series = 2000;
  MetricsServer server = start_or_die([&](metrics::Snapshot& snapshot) {
    std::vector<metrics::Series> all;
    for (int i = 0; i < series; ++i) all.push_back(testing::value_series({std::to_string(i)}, i));
    snapshot.families.push_back(testing::counter("n_total", {"i"}, std::move(all)));
    return Status();
  });
  const uint16_t port = server.address().port;
  for (int round : {2000, 3, 500, 0, 4000}) {
    series = round;
    for (bool gzip : {false, true}) {
      const HttpReply reply = http_exchange(
          port, std::string("GET /metrics HTTP/1.1\r\nHost: x\r\n") +
                    (gzip ? "Accept-Encoding: gzip\r\n" : "") + "Connection: close\r\n\r\n");
      ASSERT_EQ(reply.status, 200) << reply.error;
      EXPECT_EQ(header_value(reply, "Content-Length"), std::to_string(reply.body.size()));
      const std::string body = gzip ? gunzip(reply.body) : reply.body;
      size_t lines = 0;
      for (size_t at = body.find("\nn_total{"); at != std::string::npos;
           at = body.find("\nn_total{", at + 1))
        ++lines;
      EXPECT_EQ(lines, static_cast<size_t>(round)) << "gzip " << gzip;
      EXPECT_TRUE(body.ends_with("sonde_scrape_error 0\n"))
          << body.substr(body.size() - std::min<size_t>(body.size(), 200));
      if (round > 0) {
        EXPECT_TRUE(has_line(
            body, "n_total{i=\"" + std::to_string(round - 1) + "\"} " + std::to_string(round - 1)));
      }
    }
  }
}

// The body of a chunked answer (RFC 9112 7.1), or "<...>" saying where it is malformed.
std::string dechunk(const std::string& body) {
  std::string out;
  size_t at = 0;
  while (true) {
    const size_t line_end = body.find("\r\n", at);
    if (line_end == std::string::npos) return "<no chunk size line at " + std::to_string(at) + ">";
    char* end = nullptr;
    const std::string size_text = body.substr(at, line_end - at);
    const unsigned long size = std::strtoul(size_text.c_str(), &end, 16);
    if (size_text.empty() || *end != '\0') return "<bad chunk size '" + size_text + "'>";
    at = line_end + 2;
    if (size == 0) return body.substr(at) == "\r\n" ? out : "<bytes after the last chunk>";
    if (body.size() < at + size + 2 || body.compare(at + size, 2, "\r\n") != 0)
      return "<chunk of " + std::to_string(size) + " bytes cut short>";
    out.append(body, at, size);
    at += size + 2;
  }
}

// Series made one at a time as they are written, as the collector gives a scrape its
// series (Family::stream): each is gone once written.
class MadeOnDemand final : public metrics::SeriesStream {
 public:
  explicit MadeOnDemand(int count) : count_(count) {}
  void for_each(const std::function<void(const metrics::Series&)>& each) const override {
    for (int i = 0; i < count_; ++i)
      each(testing::value_series({"k" + std::to_string(i)}, static_cast<double>(i)));
  }

 private:
  int count_;
};

// The sum of the values of the sample lines of `name` (with labels) in `body`.
double sum_of(const std::string& body, const std::string& name) {
  double sum = 0;
  for (size_t at = body.find("\n" + name + "{"); at != std::string::npos;
       at = body.find("\n" + name + "{", at + 1)) {
    const size_t end = body.find('\n', at + 1);
    const size_t space = body.rfind(' ', end);
    sum += std::strtod(body.c_str() + space + 1, nullptr);
  }
  return sum;
}

// Answers larger than the server holds go out as they are written: HTTP/1.1 chunks, one
// gzip stream, or until the close for HTTP/1.0. Each is whole: the writer's text byte for
// byte, as it is when written into memory at once, with the values the source gave.
TEST(MetricsServer, LargeAnswersAreStreamedWhole) {
  constexpr int kHistograms = 20'000;  // 11 lines each: ~2 MB of text
  constexpr int kCounters = 30'000;
  const MadeOnDemand counters(kCounters);
  auto fill = [&](metrics::Snapshot& snapshot) {
    std::vector<metrics::Series> series;
    for (int i = 0; i < kHistograms; ++i) {
      series.push_back(testing::histogram_series({"h" + std::to_string(i)}, {1, 2, 4, 8, 16, 32},
                                                 {uint64_t(i % 3), 1, 0, 2}, uint64_t(i % 5), i));
    }
    snapshot.families.push_back(testing::histogram("lat", spec::Unit::kNone, {"k"}, series));
    metrics::Family streamed = testing::counter("made_total", {"k"}, {});
    streamed.stream = &counters;
    snapshot.families.push_back(std::move(streamed));
  };
  metrics::Snapshot alone;
  fill(alone);
  ExpositionWriter writer;
  TextBuffer text;
  writer.write(alone, text);
  const std::string expected(text.view());
  ASSERT_GT(expected.size(), size_t{2} << 20);
  // Events the source put in: every histogram's count (buckets and above), 0..n-1 counted.
  double events = 0;
  for (int i = 0; i < kHistograms; ++i) events += i % 3 + 1 + 2 + i % 5;
  const double counted = double(kCounters) * (kCounters - 1) / 2;

  MetricsServer server = start_or_die([&](metrics::Snapshot& snapshot) {
    fill(snapshot);
    return Status();
  });
  const uint16_t port = server.address().port;
  for (int round = 0; round < 2; ++round) {  // the second with the memory the first left
    const HttpReply chunked = http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_EQ(chunked.status, 200) << chunked.error;
    EXPECT_EQ(header_value(chunked, "Transfer-Encoding"), "chunked");
    EXPECT_EQ(header_value(chunked, "Content-Length"), "");
    const std::string plain = dechunk(chunked.body);
    EXPECT_EQ(plain.substr(0, expected.size()), expected) << plain.substr(0, 200);
    EXPECT_TRUE(plain.ends_with("sonde_scrape_error 0\n")) << plain.substr(plain.size() - 200);
    EXPECT_EQ(sum_of(plain, "lat_count"), events);
    EXPECT_EQ(sum_of(plain, "made_total"), counted);

    const HttpReply gzipped =
        http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
    ASSERT_EQ(gzipped.status, 200) << gzipped.error;
    EXPECT_EQ(header_value(gzipped, "Content-Encoding"), "gzip");
    EXPECT_EQ(header_value(gzipped, "Transfer-Encoding"), "chunked");
    EXPECT_EQ(gunzip(dechunk(gzipped.body)), plain);

    // HTTP/1.0 knows no chunks: the end of the answer is the connection's.
    const HttpReply old = http_exchange(port, "GET /metrics HTTP/1.0\r\n\r\n");
    ASSERT_EQ(old.status, 200) << old.error;
    EXPECT_EQ(header_value(old, "Transfer-Encoding"), "");
    EXPECT_EQ(header_value(old, "Content-Length"), "");
    EXPECT_EQ(old.body, plain);
  }
}

TEST(MetricsServer, IndexLinksToMetrics) {
  MetricsServer server = start_or_die(fixed_source());
  const HttpReply reply = http_get(server.address().port, "/");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(header_value(reply, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(reply.body.find("<a href=\"/metrics\">"), std::string::npos) << reply.body;
}

TEST(MetricsServer, HeadHasNoBodyAndTakesNoSnapshot) {
  std::atomic<int> calls = 0;
  MetricsServer server = start_or_die([&](metrics::Snapshot&) {
    ++calls;
    return Status();
  });
  const HttpReply reply = http_get(server.address().port, "/metrics", "HEAD");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(header_value(reply, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(calls.load(), 0);
}

TEST(MetricsServer, RefusesOtherPathsAndMethods) {
  std::atomic<int> calls = 0;
  MetricsServer server = start_or_die([&](metrics::Snapshot&) {
    ++calls;
    return Status();
  });
  const uint16_t port = server.address().port;
  EXPECT_EQ(http_get(port, "/nope").status, 404);
  // The library's handler would take /metrics/anything: refused before it sees them.
  EXPECT_EQ(http_get(port, "/metrics/").status, 404);
  EXPECT_EQ(http_get(port, "/metrics/x").status, 404);
  EXPECT_EQ(http_get(port, "/../etc/passwd").status, 404);
  const HttpReply post = http_get(port, "/metrics", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header_value(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(http_get(port, "/", "DELETE").status, 405);
  EXPECT_EQ(http_get(port, "/metrics", "OPTIONS").status, 405);
  EXPECT_EQ(calls.load(), 0);
}

// Issue 18: civetweb switched the connection to WebSocket and the body went out without
// a status line. The Upgrade is ignored (RFC 9110 7.8): a whole HTTP/1.1 answer.
TEST(MetricsServer, UpgradeToWebSocketGetsAWholeHttpAnswer) {
  MetricsServer server = start_or_die(fixed_source());
  const HttpReply reply = http_exchange(
      server.address().port,
      "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_TRUE(has_line(reply.body, kSample)) << reply.body;
  EXPECT_EQ(header_value(reply, "Content-Length"), std::to_string(reply.body.size()));
  const HttpReply index = http_exchange(
      server.address().port,
      "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  EXPECT_EQ(index.status, 404) << index.error;
}

// Issue 18: both closed the connection without a word.
TEST(MetricsServer, OptionsStarAndAbsoluteTargetsAreAnswered) {
  MetricsServer server = start_or_die(fixed_source());
  const uint16_t port = server.address().port;
  const HttpReply options = http_exchange(port, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(options.status, 200) << options.error;
  EXPECT_EQ(header_value(options, "Allow"), "GET, HEAD");
  EXPECT_EQ(header_value(options, "Content-Length"), "0");

  for (const std::string& target : std::vector<std::string>{
           "http://example.com/metrics", "http://127.0.0.1:" + std::to_string(port) + "/metrics"}) {
    const HttpReply absolute =
        http_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(absolute.status, 400) << target << ": " << absolute.error;
    EXPECT_NE(absolute.body.find("not a proxy"), std::string::npos) << absolute.body;
  }
  // Serving goes on.
  EXPECT_TRUE(has_line(http_get(port, "/metrics").body, kSample));
}

TEST(MetricsServer, SourceErrorServesWhatWasReadAndSaysSo) {
  MetricsServer server = start_or_die([](metrics::Snapshot& snapshot) {
    snapshot.families.push_back(testing::counter("up_total", {}, {testing::value_series({}, 1)}));
    return Status(Error{"map read failed", ""});
  });
  const HttpReply reply = http_get(server.address().port, "/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(has_line(reply.body, kSample)) << reply.body;
  EXPECT_TRUE(has_line(reply.body, "sonde_scrape_error 1")) << reply.body;
}

TEST(MetricsServer, AddressInUseIsExplained) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);

  auto server = MetricsServer::start(std::to_string(port), fixed_source());
  close(fd);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().message,
            "cannot listen on 127.0.0.1:" + std::to_string(port) + ": address already in use");
  EXPECT_EQ(server.error().hint,
            "is another sonde or exporter running? choose another port with --listen");
}

TEST(MetricsServer, BadAddressesAreExplained) {
  auto bad = MetricsServer::start("127.0.0.1:99999", fixed_source());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "invalid listen address '127.0.0.1:99999': '99999' is not a port number (0-65535)");

  // TEST-NET-1 is never a local address.
  auto foreign = MetricsServer::start("192.0.2.1:9435", fixed_source());
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().message,
            "cannot listen on 192.0.2.1:9435: no interface of this machine has that address");

  auto unknown = MetricsServer::start("no-such-host.invalid:9435", fixed_source());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message.rfind("cannot listen on no-such-host.invalid:9435: ", 0), 0u)
      << unknown.error().message;
}

TEST(MetricsServer, HostNamesAndIpv6) {
  auto local = MetricsServer::start("localhost:0", fixed_source());
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_EQ(local->address().host, "127.0.0.1");

  // Debian's civetweb is built without IPv6: either it works or it says so.
  auto v6 = MetricsServer::start("[::1]:0", fixed_source());
  if (v6.ok()) {
    EXPECT_TRUE(v6->address().ipv6);
    EXPECT_NE(v6->address().port, 0);
  } else {
    EXPECT_EQ(v6.error().message,
              "cannot listen on [::1]:0: this build's HTTP server (civetweb) has no IPv6 support");
    EXPECT_EQ(v6.error().hint, "listen on an IPv4 address, e.g. 127.0.0.1:0");
  }
}

TEST(MetricsServer, WarnsWhenReachableFromElsewhereWithoutTlsOrAuth) {
  auto local = MetricsServer::start("127.0.0.1:0", fixed_source());
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_EQ(local->exposure_warning(), "");
  auto everywhere = MetricsServer::start("0.0.0.0:0", fixed_source());
  ASSERT_TRUE(everywhere.ok()) << everywhere.error().message;
  EXPECT_NE(everywhere->exposure_warning().find("without authentication: anyone who can reach"),
            std::string::npos)
      << everywhere->exposure_warning();
}

TEST(MetricsServer, OversizedRequestsAreRefusedAndServingGoesOn) {
  MetricsServer server = start_or_die(fixed_source());
  const uint16_t port = server.address().port;

  const HttpReply long_line =
      http_exchange(port, "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_GE(long_line.status, 400) << long_line.error;
  EXPECT_LT(long_line.status, 500);

  std::string many = "GET /metrics HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100; ++i) many += "X-Header-" + std::to_string(i) + ": v\r\n";
  const HttpReply many_headers = http_exchange(port, many + "\r\n");
  EXPECT_EQ(many_headers.status, 431) << many_headers.error;

  const HttpReply garbage = http_exchange(port, "\x16\x03\x01 not http\r\n\r\n");
  EXPECT_EQ(garbage.status, 400) << garbage.error;

  EXPECT_TRUE(has_line(http_get(port, "/metrics").body, kSample));
}

TEST(MetricsServer, SlowClientIsCutOffWhenItsTimeIsUp) {
  ServerOptions options;
  options.threads = 2;
  options.request_timeout_ms = 500;
  MetricsServer server = start_or_die(fixed_source(), options);
  OpenConnection slow(server.address().port, "GET /metrics HTTP/1.1\r\nHost: loc");
  ASSERT_TRUE(slow.connected());
  // 30 s only bounds a hang; the server cuts it off after its 500 ms.
  EXPECT_TRUE(slow.closed_by_server(30000));
}

// Issue 18: 50 clients sending a byte per second held all 8 workers, and a scrape waited
// 19 s. With the default options, 100 such clients hold 100 workers and the scrape takes
// another: it is answered while every one of them is still connected (they are cut off
// only after request_timeout_ms). The order is the property; 60 s only bounds a hang.
TEST(MetricsServer, HundredTricklingClientsDoNotDelayAScrape) {
  MetricsServer server = start_or_die(fixed_source());
  const uint16_t port = server.address().port;
  std::vector<std::unique_ptr<OpenConnection>> slow;
  for (int i = 0; i < 100; ++i) {
    slow.push_back(std::make_unique<OpenConnection>(port, "GET /metrics HTTP/1.1\r\nHo"));
    ASSERT_TRUE(slow.back()->connected());
  }
  std::atomic<bool> trickling = true;
  std::thread trickle([&] {
    // One more byte each, every second, as the clients did.
    while (trickling) {
      for (auto& c : slow) c->send_more("s");
      for (int i = 0; i < 10 && trickling; ++i) std::this_thread::sleep_for(100ms);
    }
  });
  const HttpReply reply =
      http_exchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 60000);
  int closed = 0;
  for (auto& c : slow) closed += c->closed_by_server(0) ? 1 : 0;
  trickling = false;
  trickle.join();
  EXPECT_EQ(reply.status, 200) << reply.error;
  EXPECT_TRUE(has_line(reply.body, kSample));
  EXPECT_EQ(closed, 0) << "the scrape was answered only after slow clients were cut off";
}

TEST(MetricsServer, FiftyConcurrentScrapersAreAllServedOneSnapshotAtATime) {
  std::atomic<int> inside = 0;
  std::atomic<int> overlaps = 0;
  int calls = 0;  // deliberately not atomic: the server serializes source calls
  MetricsServer server = start_or_die([&](metrics::Snapshot& snapshot) {
    if (inside.fetch_add(1) != 0) ++overlaps;
    ++calls;
    std::this_thread::sleep_for(1ms);
    snapshot.families.push_back(
        testing::counter("up_total", {}, {testing::value_series({}, calls)}));
    inside.fetch_sub(1);
    return Status();
  });
  const uint16_t port = server.address().port;
  std::atomic<int> served = 0;
  std::vector<std::thread> scrapers;
  // Half of them take gzip: bodies and their deflate state are pooled across scrapes.
  for (int i = 0; i < 50; ++i) {
    scrapers.emplace_back([&, gzip = i % 2 == 1] {
      const std::string body =
          gzip ? gunzip(http_exchange(port,
                                      "GET /metrics HTTP/1.1\r\nHost: x\r\nAccept-Encoding: "
                                      "gzip\r\nConnection: close\r\n\r\n")
                            .body)
               : http_get(port, "/metrics").body;
      if (body.find("\nup_total ") != std::string::npos && body.ends_with("sonde_scrape_error 0\n"))
        ++served;
    });
  }
  for (std::thread& t : scrapers) t.join();
  EXPECT_EQ(served.load(), 50);
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(calls, 50);

  const ScrapeStats stats = server.scrape_stats();
  EXPECT_EQ(stats.scrapes, 50u);
  EXPECT_GE(stats.last_seconds, 0.001);
  EXPECT_GE(stats.total_seconds, 0.05);
}

TEST(MetricsServer, StopsCleanly) {
  auto server = MetricsServer::start("127.0.0.1:0", fixed_source());
  ASSERT_TRUE(server.ok()) << server.error().message;
  const uint16_t port = server->address().port;
  MetricsServer moved = std::move(server).value();
  EXPECT_EQ(http_get(port, "/metrics").status, 200);
  // How long stopping takes is measured by bench/micro (civetweb alone would take up to
  // 2 s to notice); here, that it stops, twice safely, and frees the port.
  moved.stop();
  moved.stop();
  EXPECT_EQ(http_get(port, "/metrics").status, 0);
  // The port is free again.
  auto again = MetricsServer::start("127.0.0.1:" + std::to_string(port), fixed_source());
  EXPECT_TRUE(again.ok()) << again.error().message;
}

}  // namespace
}  // namespace sonde::exporter
