// /metrics over TLS with basic authentication, checked by real clients: curl (and, in
// tests/e2e/agent_test.cpp, a real Prometheus). Certificates come from the openssl tool.
#include <crypt.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "runtime/export/metrics_server.h"
#include "tests/unit/export/http_client.h"
#include "tests/unit/export/test_snapshots.h"

namespace sonde::exporter {
namespace {

struct Ran {
  int exit_code = -1;
  std::string output;
};

Ran run(const std::string& command) {
  Ran ran;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return ran;
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) ran.output.append(buffer, n);
  const int status = pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

std::string bcrypt(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  crypt_gensalt_rn("$2b$", 4, nullptr, 0, setting, sizeof setting);
  crypt_data data{};
  return crypt_r(password.c_str(), setting, &data);
}

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access("/usr/bin/openssl", X_OK) != 0 || access("/usr/bin/curl", X_OK) != 0)
      GTEST_SKIP() << "needs /usr/bin/openssl (to make a certificate) and /usr/bin/curl";
    dir_ = ::testing::TempDir() + "/sonde_tls_" + std::to_string(getpid());
    ASSERT_EQ(run("mkdir -p " + dir_).exit_code, 0);
    for (const char* name : {"server", "other"}) {
      const Ran made =
          run("/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
              "-days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
              "-keyout " +
              dir_ + "/" + name + ".key -out " + dir_ + "/" + name + ".crt");
      ASSERT_EQ(made.exit_code, 0) << made.output;
    }
  }

  WebConfig config(bool users) const {
    WebConfig web;
    web.cert_file = dir_ + "/server.crt";
    web.key_file = dir_ + "/server.key";
    if (users) web.users = {{"prometheus", bcrypt("correct horse")}};
    return web;
  }

  // curl's HTTP status code, then the body.
  Ran curl(uint16_t port, const std::string& extra) const {
    return run("/usr/bin/curl --silent --show-error --max-time 60 --cacert " + dir_ +
               "/server.crt --write-out '\\n%{http_code}' " + extra +
               " https://localhost:" + std::to_string(port) + "/metrics");
  }

  std::string dir_;
};

MetricsServer::Source fixed_source() {
  return [](metrics::Snapshot& snapshot) {
    snapshot.families.push_back(testing::counter("up_total", {}, {testing::value_series({}, 1)}));
    return Status();
  };
}

TEST_F(Tls, CurlScrapesOverTlsWithBasicAuthAndGzip) {
  ServerOptions options;
  options.web = config(true);
  auto server = MetricsServer::start("127.0.0.1:0", fixed_source(), options);
  ASSERT_TRUE(server.ok()) << server.error().message;
  const uint16_t port = server->address().port;
  EXPECT_EQ(server->url(), "https://127.0.0.1:" + std::to_string(port) + "/metrics");

  const Ran good = curl(port, "--compressed --user 'prometheus:correct horse'");
  EXPECT_EQ(good.exit_code, 0) << good.output;
  EXPECT_NE(good.output.find("\nup_total 1\n"), std::string::npos) << good.output;
  EXPECT_TRUE(good.output.ends_with("\n200")) << good.output;
  // gzip on the wire: curl reports what it downloaded, the compressed size.
  const Ran encoding = curl(port,
                            "--compressed --user 'prometheus:correct horse' --head "
                            "--request GET --output /dev/null --dump-header -");
  EXPECT_NE(encoding.output.find("Content-Encoding: gzip"), std::string::npos) << encoding.output;

  const Ran none = curl(port, "");
  EXPECT_TRUE(none.output.ends_with("\n401")) << none.output;
  const Ran wrong = curl(port, "--user 'prometheus:wrong horse'");
  EXPECT_TRUE(wrong.output.ends_with("\n401")) << wrong.output;
  const Ran stranger = curl(port, "--user 'grafana:correct horse'");
  EXPECT_TRUE(stranger.output.ends_with("\n401")) << stranger.output;
  // HEAD and the index page are behind the same door.
  const Ran head = curl(port, "--head");
  EXPECT_TRUE(head.output.ends_with("\n401")) << head.output;

  // Plain HTTP to the TLS port gets no metrics.
  const testing::HttpReply plain = testing::http_get(port, "/metrics");
  EXPECT_NE(plain.status, 200);
  EXPECT_EQ(plain.body.find("up_total"), std::string::npos);
}

TEST_F(Tls, TlsWithoutUsersServesAnyone) {
  ServerOptions options;
  options.web = config(false);
  auto server = MetricsServer::start("127.0.0.1:0", fixed_source(), options);
  ASSERT_TRUE(server.ok()) << server.error().message;
  const Ran ran = curl(server->address().port, "");
  EXPECT_TRUE(ran.output.ends_with("\n200")) << ran.output;
  EXPECT_NE(ran.output.find("\nup_total 1\n"), std::string::npos) << ran.output;
}

TEST_F(Tls, AKeyThatIsNotTheCertificatesIsRefused) {
  ServerOptions options;
  options.web = config(false);
  options.web.key_file = dir_ + "/other.key";
  auto server = MetricsServer::start("127.0.0.1:0", fixed_source(), options);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.error().message.find("other.key is not the key of the certificate in"),
            std::string::npos)
      << server.error().message;

  options.web.cert_file = dir_ + "/server.key";  // not a certificate at all
  auto garbage = MetricsServer::start("127.0.0.1:0", fixed_source(), options);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("as the TLS certificate"), std::string::npos)
      << garbage.error().message;
}

}  // namespace
}  // namespace sonde::exporter
