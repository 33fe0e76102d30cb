#include "tests/unit/export/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sonde::exporter::testing {

namespace {

int connect_loopback(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool wait_readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) > 0;
}

void parse(const std::string& raw, HttpReply& reply) {
  const size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || raw.size() < 12 || end == std::string::npos) {
    reply.error = "no HTTP response: " + raw.substr(0, 80);
    return;
  }
  reply.status = std::stoi(raw.substr(9, 3));
  reply.headers = raw.substr(0, end + 2);
  reply.body = raw.substr(end + 4);
}

}  // namespace

HttpReply http_exchange(uint16_t port, std::string_view request, int timeout_ms) {
  HttpReply reply;
  const int fd = connect_loopback(port);
  if (fd < 0) {
    reply.error = std::string("connect: ") + std::strerror(errno);
    return reply;
  }
  size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse early; still read what it answered
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buffer[65536];
  while (wait_readable(fd, timeout_ms)) {
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n <= 0) break;
    raw.append(buffer, static_cast<size_t>(n));
  }
  close(fd);
  parse(raw, reply);
  return reply;
}

HttpReply http_get(uint16_t port, std::string_view path, std::string_view method) {
  std::string request(method);
  request += ' ';
  request += path;
  request += " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  return http_exchange(port, request);
}

OpenConnection::OpenConnection(uint16_t port, std::string_view partial_request)
    : fd_(connect_loopback(port)) {
  if (fd_ >= 0) send(fd_, partial_request.data(), partial_request.size(), MSG_NOSIGNAL);
}

void OpenConnection::send_more(std::string_view bytes) {
  if (fd_ >= 0) send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

OpenConnection::~OpenConnection() {
  if (fd_ >= 0) close(fd_);
}

bool OpenConnection::closed_by_server(int timeout_ms) {
  char buffer[4096];
  while (wait_readable(fd_, timeout_ms)) {
    if (recv(fd_, buffer, sizeof(buffer), 0) <= 0) return true;
  }
  return false;
}

std::string header_value(const HttpReply& reply, std::string_view name) {
  size_t at = 0;
  while (at < reply.headers.size()) {
    const size_t end = reply.headers.find("\r\n", at);
    const std::string line = reply.headers.substr(at, end - at);
    const size_t colon = line.find(':');
    if (colon == name.size() && strncasecmp(line.c_str(), name.data(), name.size()) == 0) {
      size_t value = colon + 1;
      while (value < line.size() && line[value] == ' ') ++value;
      return line.substr(value);
    }
    if (end == std::string::npos) break;
    at = end + 2;
  }
  return "";
}

}  // namespace sonde::exporter::testing
