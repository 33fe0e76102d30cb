#include "runtime/export/listen_address.h"

#include <charconv>

#include <fmt/format.h>

namespace sonde::exporter {

namespace {

constexpr const char* kHint = "use HOST:PORT, [IPV6]:PORT or PORT alone, e.g. 127.0.0.1:9435";

Error invalid(std::string_view text, std::string_view why) {
  return Error{fmt::format("invalid listen address '{}': {}", text, why), kHint};
}

bool parse_port(std::string_view text, uint16_t& port) {
  if (text.empty() || text.size() > 5) return false;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > 65535) return false;
  port = static_cast<uint16_t>(value);
  return true;
}

}  // namespace

std::string ListenAddress::to_string() const {
  return ipv6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress address;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return invalid(text, "missing ']'");
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return invalid(text, "expected ':PORT' after ']'");
    }
    address.host = std::string(text.substr(1, close - 1));
    address.ipv6 = true;
    port_text = text.substr(close + 2);
    if (address.host.empty()) return invalid(text, "empty IPv6 address");
  } else if (const size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    address.host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (address.host.find(':') != std::string::npos) {
      return invalid(text, "IPv6 addresses are written in brackets, e.g. [::1]:9435");
    }
    // ":9435" means every interface to Go programs and loopback to us: refuse to guess.
    if (address.host.empty()) {
      return Error{fmt::format("invalid listen address '{}': no host before ':'", text),
                   "write 127.0.0.1:PORT for this machine only, 0.0.0.0:PORT for every "
                   "interface"};
    }
  } else {
    address.host = "127.0.0.1";
    port_text = text;
  }
  if (!parse_port(port_text, address.port)) {
    return invalid(text, fmt::format("'{}' is not a port number (0-65535)", port_text));
  }
  return address;
}

bool is_loopback(const ListenAddress& address) {
  if (address.ipv6) return address.host == "::1";
  return address.host.starts_with("127.");
}

}  // namespace sonde::exporter
