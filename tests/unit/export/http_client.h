// A raw HTTP/1.x client for the server tests: sends bytes exactly as given (so tests
// can send broken requests) and reads until the server closes the connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sonde::exporter::testing {

struct HttpReply {
  int status = 0;  // 0: no status line (connection failed or closed early)
  std::string headers;
  std::string body;
  std::string error;
};

HttpReply http_exchange(uint16_t port, std::string_view request, int timeout_ms = 5000);
HttpReply http_get(uint16_t port, std::string_view path, std::string_view method = "GET");

// A connection that has sent part of a request and then waits: a slow client.
class OpenConnection {
 public:
  OpenConnection(uint16_t port, std::string_view partial_request);
  ~OpenConnection();
  OpenConnection(const OpenConnection&) = delete;
  OpenConnection& operator=(const OpenConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // Sends a little more of the request (a client trickling it).
  void send_more(std::string_view bytes);
  // Whether the server closed the connection within `timeout_ms`.
  bool closed_by_server(int timeout_ms);

 private:
  int fd_ = -1;
};

// Header value from a reply, or "" when absent (names compared case-insensitively).
std::string header_value(const HttpReply& reply, std::string_view name);

}  // namespace sonde::exporter::testing
