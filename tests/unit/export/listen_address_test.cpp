#include "runtime/export/listen_address.h"

#include <gtest/gtest.h>

namespace sonde::exporter {
namespace {

TEST(ListenAddress, Forms) {
  struct Case {
    const char* text;
    const char* host;
    uint16_t port;
    bool ipv6;
  };
  const Case cases[] = {
      {"9435", "127.0.0.1", 9435, false},
      {"0", "127.0.0.1", 0, false},
      {"127.0.0.1:9435", "127.0.0.1", 9435, false},
      {"0.0.0.0:80", "0.0.0.0", 80, false},
      {"localhost:9435", "localhost", 9435, false},
      {"[::1]:9435", "::1", 9435, true},
      {"[::]:65535", "::", 65535, true},
  };
  for (const Case& c : cases) {
    auto address = parse_listen_address(c.text);
    ASSERT_TRUE(address.ok()) << c.text << ": " << address.error().message;
    EXPECT_EQ(address->host, c.host) << c.text;
    EXPECT_EQ(address->port, c.port) << c.text;
    EXPECT_EQ(address->ipv6, c.ipv6) << c.text;
  }
  EXPECT_EQ(parse_listen_address("[::1]:9435")->to_string(), "[::1]:9435");
  EXPECT_EQ(parse_listen_address("9435")->to_string(), "127.0.0.1:9435");
}

TEST(ListenAddress, Errors) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "invalid listen address '': '' is not a port number (0-65535)"},
      {"65536", "invalid listen address '65536': '65536' is not a port number (0-65535)"},
      {"127.0.0.1:http",
       "invalid listen address '127.0.0.1:http': 'http' is not a port number "
       "(0-65535)"},
      {"127.0.0.1:", "invalid listen address '127.0.0.1:': '' is not a port number (0-65535)"},
      {"-1", "invalid listen address '-1': '-1' is not a port number (0-65535)"},
      {":9435", "invalid listen address ':9435': no host before ':'"},
      {"::1:9435",
       "invalid listen address '::1:9435': IPv6 addresses are written in brackets, "
       "e.g. [::1]:9435"},
      {"[::1]9435", "invalid listen address '[::1]9435': expected ':PORT' after ']'"},
      {"[::1:9435", "invalid listen address '[::1:9435': missing ']'"},
      {"[]:9435", "invalid listen address '[]:9435': empty IPv6 address"},
  };
  for (const Case& c : cases) {
    auto address = parse_listen_address(c.text);
    ASSERT_FALSE(address.ok()) << c.text;
    EXPECT_EQ(address.error().message, c.message);
    EXPECT_FALSE(address.error().hint.empty());
  }
}

}  // namespace
}  // namespace sonde::exporter
