#include "runtime/export/metrics_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/export/http_client.h"

namespace sonde::exporter {
namespace {

using namespace std::chrono_literals;
using testing::header_value;
using testing::http_exchange;
using testing::http_get;
using testing::HttpReply;
using testing::OpenConnection;

constexpr const char* kBody = "# HELP up_total x\n# TYPE up_total counter\nup_total 1\n";

MetricsServer start_or_die(MetricsServer::Handler handler, const ServerOptions& options = {}) {
  auto server = MetricsServer::start("127.0.0.1:0", std::move(handler), options);
  if (!server.ok()) {
    ADD_FAILURE() << server.error().message;
    std::abort();
  }
  return std::move(server).value();
}

MetricsServer::Handler fixed_body() {
  return [](std::string& body) {
    body += kBody;
    return Status();
  };
}

TEST(MetricsServer, ServesMetrics) {
  MetricsServer server = start_or_die(fixed_body());
  EXPECT_EQ(server.address().host, "127.0.0.1");
  EXPECT_NE(server.address().port, 0);  // port 0 picked a free port and reports it
  const HttpReply reply = http_get(server.address().port, "/metrics");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, kBody);
  EXPECT_EQ(header_value(reply, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(header_value(reply, "Content-Length"), std::to_string(std::string(kBody).size()));
  // A query string (Prometheus adds none, people do) is ignored.
  EXPECT_EQ(http_get(server.address().port, "/metrics?x=1").body, kBody);
}

TEST(MetricsServer, IndexLinksToMetrics) {
  MetricsServer server = start_or_die(fixed_body());
  const HttpReply reply = http_get(server.address().port, "/");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(header_value(reply, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(reply.body.find("<a href=\"/metrics\">"), std::string::npos) << reply.body;
}

TEST(MetricsServer, HeadHasNoBody) {
  MetricsServer server = start_or_die(fixed_body());
  const HttpReply reply = http_get(server.address().port, "/metrics", "HEAD");
  ASSERT_EQ(reply.status, 200) << reply.error;
  EXPECT_EQ(reply.body, "");
  EXPECT_EQ(header_value(reply, "Content-Length"), std::to_string(std::string(kBody).size()));
}

TEST(MetricsServer, RefusesOtherPathsAndMethods) {
  std::atomic<int> calls = 0;
  MetricsServer server = start_or_die([&](std::string& body) {
    ++calls;
    body += kBody;
    return Status();
  });
  const uint16_t port = server.address().port;
  EXPECT_EQ(http_get(port, "/nope").status, 404);
  EXPECT_EQ(http_get(port, "/metrics/").status, 404);
  EXPECT_EQ(http_get(port, "/../etc/passwd").status, 404);
  const HttpReply post = http_get(port, "/metrics", "POST");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(header_value(post, "Allow"), "GET, HEAD");
  EXPECT_EQ(http_get(port, "/", "DELETE").status, 405);
  EXPECT_EQ(http_get(port, "/metrics", "OPTIONS").status, 405);
  EXPECT_EQ(calls.load(), 0);
}

TEST(MetricsServer, HandlerErrorIs500) {
  MetricsServer server = start_or_die([](std::string&) {
    return Status(Error{"map read failed", ""});
  });
  const HttpReply reply = http_get(server.address().port, "/metrics");
  EXPECT_EQ(reply.status, 500);
  EXPECT_EQ(reply.body, "error: map read failed\n");
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

  auto server = MetricsServer::start(std::to_string(port), fixed_body());
  close(fd);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.error().message,
            "cannot listen on 127.0.0.1:" + std::to_string(port) + ": address already in use");
  EXPECT_EQ(server.error().hint,
            "is another sonde or exporter running? choose another port with --listen");
}

TEST(MetricsServer, BadAddressesAreExplained) {
  auto bad = MetricsServer::start("127.0.0.1:99999", fixed_body());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "invalid listen address '127.0.0.1:99999': '99999' is not a port number (0-65535)");

  // TEST-NET-1 is never a local address.
  auto foreign = MetricsServer::start("192.0.2.1:9435", fixed_body());
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().message,
            "cannot listen on 192.0.2.1:9435: no interface of this machine has that address");

  auto unknown = MetricsServer::start("no-such-host.invalid:9435", fixed_body());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message.rfind("cannot listen on no-such-host.invalid:9435: ", 0), 0u)
      << unknown.error().message;
}

TEST(MetricsServer, HostNamesAndIpv6) {
  auto local = MetricsServer::start("localhost:0", fixed_body());
  ASSERT_TRUE(local.ok()) << local.error().message;
  EXPECT_EQ(local->address().host, "127.0.0.1");

  // Debian's civetweb is built without IPv6: either it works or it says so.
  auto v6 = MetricsServer::start("[::1]:0", fixed_body());
  if (v6.ok()) {
    EXPECT_TRUE(v6->address().ipv6);
    EXPECT_NE(v6->address().port, 0);
  } else {
    EXPECT_EQ(v6.error().message,
              "cannot listen on [::1]:0: this build's HTTP server (civetweb) has no IPv6 support");
    EXPECT_EQ(v6.error().hint, "listen on an IPv4 address, e.g. 127.0.0.1:0");
  }
}

TEST(MetricsServer, OversizedRequestsAreRefusedAndServingGoesOn) {
  MetricsServer server = start_or_die(fixed_body());
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

  EXPECT_EQ(http_get(port, "/metrics").body, kBody);
}

TEST(MetricsServer, SlowClientDoesNotBlockScrapes) {
  ServerOptions options;
  options.threads = 2;
  options.request_timeout_ms = 30000;  // the slow client outlives the scrape by far
  MetricsServer server = start_or_die(fixed_body(), options);
  const uint16_t port = server.address().port;

  OpenConnection slow(port, "GET /metrics HTTP/1.1\r\nHost: loc");
  ASSERT_TRUE(slow.connected());
  // Served while the slow client still holds its worker: the scrape did not wait for it.
  EXPECT_EQ(http_get(port, "/metrics").body, kBody);
  EXPECT_FALSE(slow.closed_by_server(0));
}

TEST(MetricsServer, SlowClientIsCutOffWhenItsTimeIsUp) {
  ServerOptions options;
  options.threads = 2;
  options.request_timeout_ms = 500;
  MetricsServer server = start_or_die(fixed_body(), options);
  OpenConnection slow(server.address().port, "GET /metrics HTTP/1.1\r\nHost: loc");
  ASSERT_TRUE(slow.connected());
  // 30 s only bounds a hang; the server cuts it off after its 500 ms.
  EXPECT_TRUE(slow.closed_by_server(30000));
}

TEST(MetricsServer, FiftyConcurrentScrapersAreAllServedOneHandlerAtATime) {
  std::atomic<int> inside = 0;
  std::atomic<int> overlaps = 0;
  int calls = 0;  // deliberately not atomic: the server serializes handler calls
  MetricsServer server = start_or_die([&](std::string& body) {
    if (inside.fetch_add(1) != 0) ++overlaps;
    ++calls;
    std::this_thread::sleep_for(1ms);
    body += kBody;
    inside.fetch_sub(1);
    return Status();
  });
  const uint16_t port = server.address().port;
  std::atomic<int> served = 0;
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 50; ++i) {
    scrapers.emplace_back([&] {
      if (http_get(port, "/metrics").body == kBody) ++served;
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
  auto server = MetricsServer::start("127.0.0.1:0", fixed_body());
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
  auto again = MetricsServer::start("127.0.0.1:" + std::to_string(port), fixed_body());
  EXPECT_TRUE(again.ok()) << again.error().message;
}

}  // namespace
}  // namespace sonde::exporter
