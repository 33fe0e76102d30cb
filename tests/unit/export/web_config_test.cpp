#include "runtime/export/web_config.h"

#include <gtest/gtest.h>

namespace sonde::exporter {
namespace {

constexpr const char* kHash = "$2y$10$XXXXXXXXXXXXXXXXXXXXXOzvrWIjgKgo0CZh5b3y5yFZ8yyH2Mxiu";

TEST(WebConfig, ReadsTheExporterToolkitSubset) {
  const std::string text = std::string(R"(---
# sonde's web config
tls_server_config:
  cert_file: server.crt   # relative to this file
  key_file: "/etc/sonde/server key.pem"
  min_version: TLS13

basic_auth_users:
  prometheus: )") + kHash + "\n  'grafana agent': '" +
                           kHash + "'\n";
  auto config = parse_web_config(text, "/etc/sonde/web.yml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->cert_file, "/etc/sonde/server.crt");
  EXPECT_EQ(config->key_file, "/etc/sonde/server key.pem");
  EXPECT_TRUE(config->tls13_only);
  ASSERT_EQ(config->users.size(), 2u);
  EXPECT_EQ(config->users[0], (std::pair<std::string, std::string>{"prometheus", kHash}));
  EXPECT_EQ(config->users[1].first, "grafana agent");
  EXPECT_TRUE(config->tls());
  EXPECT_TRUE(config->authenticated());
}

TEST(WebConfig, EmptyFileMeansPlainHttpWithoutUsers) {
  auto config = parse_web_config("# nothing\n", "web.yml");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_FALSE(config->tls());
  EXPECT_FALSE(config->authenticated());
}

struct Bad {
  const char* text;
  const char* message;
};

TEST(WebConfig, RefusesWhatItDoesNotReadWithTheLine) {
  const Bad cases[] = {
      {"tls_server_config:\n  cert_file: a\n  client_ca_file: ca.pem\n",
       "web.yml:3: sonde does not support tls_server_config's 'client_ca_file'"},
      {"http_server_config:\n  http2: false\n",
       "web.yml:1: sonde does not support 'http_server_config'"},
      {"tls_server_config:\n  cert_file: a\n",
       "web.yml:1: tls_server_config needs both cert_file and key_file"},
      {"basic_auth_users:\n  alice: secret\n",
       "web.yml:2: the password of 'alice' is not a bcrypt hash"},
      {"basic_auth_users:\n\talice: x\n", "web.yml:2: a tab in the indentation"},
      {"tls_server_config:\n  cert_file: a\n   key_file: b\n",
       "web.yml:3: the keys of one section must be indented alike"},
      {"tls_server_config: {cert_file: a}\n",
       "web.yml:1: sonde reads only plain or quoted one-line values here"},
      {"tls_server_config:\n  min_version: TLS10\n",
       "web.yml:2: min_version 'TLS10' is not TLS12 or TLS13"},
      {"tls_server_config:\n  cert_file: \"a\n",
       "web.yml:2: a quoted value is not closed on its line"},
      {"  cert_file: a\n", "web.yml:1: indented before any section"},
      {"basic_auth_users:\n- alice\n", "web.yml:2: sonde reads only `key: value` lines here"},
  };
  for (const Bad& c : cases) {
    auto config = parse_web_config(c.text, "web.yml");
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_EQ(config.error().message, c.message) << c.text;
  }
  auto twice = parse_web_config(
      std::string("basic_auth_users:\n  a: ") + kHash + "\n  a: " + kHash + "\n", "web.yml");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().message, "web.yml:3: user 'a' is given twice");
  auto hint = parse_web_config("basic_auth_users:\n  alice: secret\n", "web.yml");
  EXPECT_NE(hint.error().hint.find("htpasswd -nBC 10 USER"), std::string::npos);
}

TEST(WebConfig, FilesMustBeReadable) {
  auto missing = read_web_config("/nonexistent/web.yml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message.rfind("cannot read /nonexistent/web.yml", 0), 0u)
      << missing.error().message;
}

}  // namespace
}  // namespace sonde::exporter
