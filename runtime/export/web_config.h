// --web-config FILE: TLS and basic authentication for /metrics, configured the way
// Prometheus exporters are (exporter-toolkit's --web.config.file). The subset sonde
// reads:
//
//   tls_server_config:
//     cert_file: server.crt       # PEM, the certificate chain (leaf first)
//     key_file: server.key        # PEM, its private key
//     min_version: TLS12         # TLS12 (default) or TLS13
//   basic_auth_users:
//     prometheus: $2y$10$...      # bcrypt hashes (htpasswd -nBC 10 USER)
//
// Relative paths are read from the file's directory, as exporter-toolkit does. Any
// other key is refused with its line, so that a setting is never silently ignored.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "support/result.h"

namespace sonde::exporter {

struct WebConfig {
  std::string cert_file;  // empty: no TLS
  std::string key_file;
  bool tls13_only = false;
  std::vector<std::pair<std::string, std::string>> users;  // name, bcrypt hash

  bool tls() const { return !cert_file.empty(); }
  bool authenticated() const { return !users.empty(); }
};

// `text` as read from `path` (which names it in messages and anchors relative paths).
Result<WebConfig> parse_web_config(std::string_view text, const std::string& path);

// Reads and parses the file; the certificate and key must be readable.
Result<WebConfig> read_web_config(const std::string& path);

}  // namespace sonde::exporter
