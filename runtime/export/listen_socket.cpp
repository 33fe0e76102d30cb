#include "runtime/export/listen_socket.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace sonde::exporter {

namespace {

// `host` (numeric) and `port` as a socket address; returns its length.
socklen_t socket_address(const std::string& host, uint16_t port, bool ipv6,
                         sockaddr_storage& storage) {
  storage = {};
  if (ipv6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    inet_pton(AF_INET6, host.c_str(), &sin6->sin6_addr);
    return sizeof(*sin6);
  }
  auto* sin = reinterpret_cast<sockaddr_in*>(&storage);
  sin->sin_family = AF_INET;
  sin->sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &sin->sin_addr);
  return sizeof(*sin);
}

}  // namespace

Result<std::string> resolve_numeric_host(const ListenAddress& address) {
  const int family = address.ipv6 ? AF_INET6 : AF_INET;
  unsigned char scratch[sizeof(in6_addr)];
  if (inet_pton(family, address.host.c_str(), scratch) == 1) return address.host;
  if (address.ipv6) {
    return Error{fmt::format("cannot listen on {}: not an IPv6 address", address.to_string()),
                 "write IPv6 addresses as numbers in brackets, e.g. [::1]:9435"};
  }
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = getaddrinfo(address.host.c_str(), nullptr, &hints, &found); rc != 0) {
    return Error{fmt::format("cannot listen on {}: {}", address.to_string(), gai_strerror(rc)),
                 "give a local IPv4 address such as 127.0.0.1, or a host name that resolves"};
  }
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text, sizeof(text));
  freeaddrinfo(found);
  return std::string(text);
}

Error listen_error(const ListenAddress& address, const std::string& host,
                   const std::string& civetweb_message) {
  int error = 0;
  const int family = address.ipv6 ? AF_INET6 : AF_INET;
  if (const int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0); fd >= 0) {
    const int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    sockaddr_storage storage;
    const socklen_t length = socket_address(host, address.port, address.ipv6, storage);
    if (bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0) error = errno;
    close(fd);
  }
  const std::string where = fmt::format("cannot listen on {}", address.to_string());
  switch (error) {
    case EADDRINUSE:
      return Error{where + ": address already in use",
                   "is another sonde or exporter running? choose another port with --listen"};
    case EADDRNOTAVAIL:
      return Error{where + ": no interface of this machine has that address",
                   "listen on a local address, e.g. 127.0.0.1:PORT, or 0.0.0.0:PORT for all"};
    case EACCES:
      return Error{where + ": permission denied",
                   "ports below 1024 need CAP_NET_BIND_SERVICE; choose another port with "
                   "--listen"};
    case 0:
      return Error{
          where + ": " +
              (civetweb_message.empty() ? "the HTTP server did not start" : civetweb_message),
          ""};
    default:
      return Error{fmt::format("{}: {}", where, std::strerror(error)), ""};
  }
}

void knock(const ListenAddress& address) {
  // A server on every interface is reached through loopback.
  const std::string host = address.host == "0.0.0.0" ? "127.0.0.1"
                           : address.host == "::"    ? "::1"
                                                     : address.host;
  sockaddr_storage storage;
  const socklen_t length = socket_address(host, address.port, address.ipv6, storage);
  const int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return;
  // Loopback: at once; a failure only means the listener is already gone.
  (void)connect(fd, reinterpret_cast<sockaddr*>(&storage), length);
  close(fd);
}

}  // namespace sonde::exporter
