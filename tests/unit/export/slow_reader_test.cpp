// Clients that ask for /metrics and then never read the answer: each holds a worker
// only until the write times out, so scrapes are answered again soon after, and every
// such connection is closed by the server.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/export/metrics_server.h"
#include "tests/unit/export/http_client.h"

namespace sonde::exporter {
namespace {

using namespace std::chrono_literals;

// A connection with a small receive buffer that sends a whole request and reads nothing.
int request_and_never_read(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return -1;
  }
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  return fd;
}

// Reads (and drops) what the server sent on `fd` until it closes the connection; the
// number of bytes, or -1 when it is still open after `within`.
int64_t bytes_until_closed(int fd, std::chrono::seconds within) {
  timeval tv{static_cast<time_t>(within.count()), 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buffer[1 << 16];
  int64_t total = 0;
  while (true) {
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      total += n;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return total;
    return -1;
  }
}

TEST(MetricsServer, ClientsThatNeverReadHoldAWorkerOnlyUntilTheTimeout) {
  ServerOptions options;
  options.threads = 4;
  options.request_timeout_ms = 1000;
  // Far more than the socket buffers hold, so writing it blocks: one label value of
  // 8 MiB.
  const std::string big(8 << 20, 'x');
  auto server = MetricsServer::start(
      "127.0.0.1:0",
      [&](metrics::Snapshot& snapshot) {
        metrics::Family family;
        family.name = "big_total";
        family.label_names = {"x"};
        family.series.emplace_back().label_values = {big};
        snapshot.families.push_back(std::move(family));
        return Status();
      },
      options);
  ASSERT_TRUE(server.ok()) << server.error().message;
  const uint16_t port = server->address().port;

  std::vector<int> readers;
  for (int i = 0; i < 2 * options.threads; ++i) readers.push_back(request_and_never_read(port));
  std::this_thread::sleep_for(200ms);  // let them take the workers

  // Answered once a blocked write gives up (the index page needs no handler).
  testing::HttpReply reply =
      testing::http_exchange(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 60000);
  EXPECT_EQ(reply.status, 200) << reply.error;
  // The index page came once workers were free: the first readers' writes gave up (they
  // got less than the answer). Those still being written to when read here finish.
  int cut_off = 0;
  for (int fd : readers) {
    const int64_t got = bytes_until_closed(fd, 60s);
    EXPECT_GE(got, 0) << "a connection that never reads is still open after a minute";
    cut_off += got >= 0 && got < static_cast<int64_t>(big.size());
    close(fd);
  }
  EXPECT_GE(cut_off, options.threads);
}

}  // namespace
}  // namespace sonde::exporter
