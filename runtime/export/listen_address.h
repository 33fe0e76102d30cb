// The --listen argument: where the metrics endpoint binds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "support/result.h"

namespace sonde::exporter {

struct ListenAddress {
  std::string host;  // as written, without brackets: "127.0.0.1", "localhost", "::1"
  uint16_t port = 0;
  bool ipv6 = false;  // written in brackets

  // "127.0.0.1:9435", "[::1]:9435".
  std::string to_string() const;
};

// "HOST:PORT", "[IPV6]:PORT", or "PORT" alone, which means 127.0.0.1: the endpoint is
// reachable from elsewhere only when asked for (0.0.0.0:PORT). Port 0 picks a free one.
Result<ListenAddress> parse_listen_address(std::string_view text);

// Whether a numeric host is a loopback address (127.0.0.0/8, ::1): reachable from this
// machine only.
bool is_loopback(const ListenAddress& address);

}  // namespace sonde::exporter
