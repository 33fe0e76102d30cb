// What operators expect of an exporter endpoint, checked on sonde-agent with real
// clients: a real Prometheus scraping over TLS with basic authentication (gzip-encoded),
// curl, the process metrics against /proc, and a warning when the endpoint is open to
// the network.
#include <crypt.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "tests/e2e/bundle_fixture.h"
#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string bcrypt(const std::string& password) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  crypt_gensalt_rn("$2b$", 6, nullptr, 0, setting, sizeof setting);
  crypt_data data{};
  return crypt_r(password.c_str(), setting, &data);
}

class ExporterTest : public BundleTest {
 protected:
  std::string build(const std::string& program) { return BundleTest::build("p", program); }

  // A self-signed certificate for localhost and 127.0.0.1, made by the openssl tool.
  bool make_certificate() {
    int code = -1;
    const std::string out = shell(
        "/usr/bin/openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
            dir_ + "/server.key -out " + dir_ + "/server.crt 2>&1",
        &code);
    EXPECT_EQ(code, 0) << out;
    return code == 0;
  }
};

// The whole chain an operator sets up: a web config (exporter-toolkit's format, bcrypt
// password), sonde-agent serving over TLS, a real Prometheus with tls_config and
// basic_auth. The counter Prometheus stores is the workload's own count; a job with the
// wrong password is refused (up 0); asked for gzip, the agent writes (as the kernel
// counts it) less than half the text curl reads uncompressed.
TEST_F(ExporterTest, PrometheusScrapesTheAgentOverTlsWithBasicAuthAndGzip) {
  if (access("/usr/bin/openssl", X_OK) != 0 || access("/usr/bin/curl", X_OK) != 0)
    GTEST_SKIP() << "needs /usr/bin/openssl (to make a certificate) and /usr/bin/curl";
  ASSERT_TRUE(make_certificate());
  constexpr uint64_t kCalls = 5000;
  const std::string bundle = build("on tracepoint:syscalls:sys_enter_getpid count by pid\n");
  const std::string web = dir_ + "/web.yml";
  // Relative paths: read from the web config's directory, as exporter-toolkit does.
  std::ofstream(web) << "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                        "basic_auth_users:\n  prometheus: "
                     << bcrypt("scrape me") << "\n";
  const int port = free_port();
  const std::string target = "127.0.0.1:" + std::to_string(port);
  Process agent({agent_binary(), bundle, "--listen", target, "--web-config", web});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 probe")) << agent.err();
  EXPECT_NE(agent.err().find("serving https://" + target + "/metrics"), std::string::npos)
      << agent.err();
  EXPECT_EQ(agent.err().find("warning"), std::string::npos) << agent.err();
  GetpidWorkload workload(kCalls);
  workload.go();
  workload.wait();

  const std::string ca = dir_ + "/server.crt";
  std::optional<PrometheusServer> server;
  server.emplace(std::vector<PrometheusServer::Job>{
      {"sonde", {target}, {ca, "localhost", "prometheus", "scrape me"}},
      {"wrong", {target}, {ca, "localhost", "prometheus", "guess"}}});
  PrometheusServer& prometheus = *server;
  ASSERT_TRUE(prometheus.ready()) << "Prometheus did not start";
  const std::string counter =
      "sonde_sys_enter_getpid_total{job=\"sonde\",pid=\"" + std::to_string(workload.pid()) + "\"}";
  std::optional<double> calls, wrong_up;
  for (int i = 0; i < 60 && (!calls || !wrong_up); ++i) {
    calls = prometheus.query_value(counter);
    wrong_up = prometheus.query_value("up{job=\"wrong\"}");
    if (!calls || !wrong_up) usleep(500'000);
  }
  ASSERT_TRUE(calls) << prometheus.query(counter) << "\n" << prometheus.query("up");
  EXPECT_EQ(*calls, static_cast<double>(kCalls));
  ASSERT_TRUE(wrong_up) << prometheus.query("up");
  EXPECT_EQ(*wrong_up, 0.0) << "a wrong password was let in";
  EXPECT_EQ(prometheus.query_value("up{job=\"sonde\"}"), 1.0);

  // Prometheus asks for gzip (its default), and what it stored is the workload's count:
  // it read what it got. That the agent sends gzip when asked, and less than the text: the
  // kernel's count of the bytes the agent wrote (/proc/PID/io wchar, TLS records
  // included) over one scrape with curl each way, Prometheus stopped so that only those
  // two scrapes write.
  server.reset();
  auto written = [&] {
    std::ifstream io("/proc/" + std::to_string(agent.pid()) + "/io");
    std::string key;
    uint64_t value = 0;
    while (io >> key >> value) {
      if (key == "wchar:") return value;
    }
    return uint64_t{0};
  };
  auto scrape_bytes = [&](const std::string& flags, std::string* body) {
    const uint64_t before = written();
    int code = -1;
    *body = shell("/usr/bin/curl --silent --fail " + flags + " --cacert " + ca +
                      " --user 'prometheus:scrape me' https://localhost:" + std::to_string(port) +
                      "/metrics",
                  &code);
    EXPECT_EQ(code, 0) << flags;
    return written() - before;
  };
  std::string identity, decoded;
  const uint64_t plain_bytes = scrape_bytes("", &identity);
  const uint64_t gzip_bytes = scrape_bytes("--compressed", &decoded);
  ASSERT_NE(identity.find("sonde_sys_enter_getpid_total"), std::string::npos) << identity;
  ASSERT_NE(decoded.find("sonde_sys_enter_getpid_total"), std::string::npos) << decoded;
  EXPECT_GE(plain_bytes, identity.size());
  // Gzip shrinks this text to a third or less; the TLS handshake is the same both ways.
  EXPECT_LT(gzip_bytes, plain_bytes - identity.size() / 2)
      << "gzip " << gzip_bytes << " bytes, identity " << plain_bytes << " for " << identity.size()
      << " bytes of text";

  const std::string refused = shell(
      "/usr/bin/curl --silent --cacert " + ca +
      " --write-out '%{http_code}' --output /dev/null https://localhost:" + std::to_string(port) +
      "/metrics");
  EXPECT_EQ(refused, "401");
}

// The standard process metrics, read by the agent from /proc/self, against what /proc
// shows of its pid from outside, read just before and just after the scrape.
TEST_F(ExporterTest, ProcessAndBuildMetricsAreTheAgents) {
  const std::string bundle = build("on tracepoint:syscalls:sys_enter_getpid count\n");
  const int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 probe")) << agent.err();
  const std::string proc = "/proc/" + std::to_string(agent.pid());
  auto status_kib = [&](const std::string& field) {
    std::istringstream in(read_all(proc + "/status"));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1));
    }
    return -1.0;
  };
  auto cpu_seconds = [&] {
    const std::string stat = read_all(proc + "/stat");
    std::istringstream in(stat.substr(stat.rfind(')') + 2));
    std::string f;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && in >> f; ++i) {
      if (i == 14) utime = std::stod(f);
      if (i == 15) stime = std::stod(f);
    }
    return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  };
  const double rss_before = status_kib("VmRSS") * 1024, vm_before = status_kib("VmSize") * 1024;
  const double cpu_before = cpu_seconds();
  const std::optional<std::string> body = http_get(port);
  const double rss_after = status_kib("VmRSS") * 1024, vm_after = status_kib("VmSize") * 1024;
  const double cpu_after = cpu_seconds();
  ASSERT_TRUE(body);

  auto rss = sample(*body, "process_resident_memory_bytes");
  ASSERT_TRUE(rss) << *body;
  // Pages come and go during the scrape (its buffers): within 1 MiB of the bracket.
  EXPECT_GE(*rss, std::min(rss_before, rss_after) - (1 << 20));
  EXPECT_LE(*rss, std::max(rss_before, rss_after) + (1 << 20));
  auto vm = sample(*body, "process_virtual_memory_bytes");
  ASSERT_TRUE(vm);
  EXPECT_GE(*vm, std::min(vm_before, vm_after) - (16 << 20));
  EXPECT_LE(*vm, std::max(vm_before, vm_after) + (16 << 20));
  auto cpu = sample(*body, "process_cpu_seconds_total");
  ASSERT_TRUE(cpu);
  EXPECT_GE(*cpu, cpu_before);
  EXPECT_LE(*cpu, cpu_after);

  // Open fds while idle, counted from outside; the scrape holds its connection (and
  // the count its directory) on top.
  int code = -1;
  const double fds = std::stod(shell("ls " + proc + "/fd | wc -l", &code));
  auto open = sample(*body, "process_open_fds");
  ASSERT_TRUE(open);
  EXPECT_GE(*open, fds);
  EXPECT_LE(*open, fds + 3);
  std::istringstream limits(read_all(proc + "/limits"));
  std::string line;
  double soft = -1;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) == 0) soft = std::stod(line.substr(26));
  }
  EXPECT_EQ(sample(*body, "process_max_fds"), soft);

  // Start time: the kernel's boot time plus the process' start in clock ticks.
  const std::string stat = read_all(proc + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string f;
  double start_ticks = 0;
  for (int i = 3; i <= 22 && fields >> f; ++i) {
    if (i == 22) start_ticks = std::stod(f);
  }
  const double btime = std::stod(shell("awk '/^btime/{print $2}' /proc/stat"));
  auto start = sample(*body, "process_start_time_seconds");
  ASSERT_TRUE(start);
  EXPECT_NEAR(*start, btime + start_ticks / static_cast<double>(sysconf(_SC_CLK_TCK)), 0.011);

  // sonde_build_info: the version the binary reports, the libbpf Debian installed, the
  // source's commit; no llvm label (the agent links none).
  const std::string version = shell(agent_binary() + " --version");  // "sonde-agent 0.1.0\n"
  const std::string libbpf = shell(
      "dpkg-query -W -f='${Version}' libbpf1 | sed -E 's/^[0-9]+://; s/^([0-9]+\\.[0-9]+).*/\\1/'");
  const std::string revision = shell("git -C " + source_dir() + " rev-parse --short=12 HEAD");
  const std::string info_line = [&] {
    const size_t at = body->find("\nsonde_build_info{");
    return at == std::string::npos ? std::string()
                                   : body->substr(at + 1, body->find('\n', at + 1) - at - 1);
  }();
  EXPECT_NE(info_line.find("version=\"" + version.substr(12, version.size() - 13) + "\""),
            std::string::npos)
      << info_line << " / " << version;
  EXPECT_NE(info_line.find("libbpf=\"" + libbpf + "\""), std::string::npos) << info_line;
  EXPECT_NE(info_line.find("revision=\"" + revision.substr(0, 12)), std::string::npos) << info_line;
  EXPECT_EQ(info_line.find("llvm="), std::string::npos) << info_line;
  EXPECT_TRUE(info_line.ends_with("} 1")) << info_line;

  // What Prometheus' own linter says of the whole page.
  const std::string page = dir_ + "/page.txt";
  std::ofstream(page) << *body;
  const std::string lint = shell("/usr/bin/promtool check metrics < " + page + " 2>&1", &code);
  EXPECT_EQ(code, 0) << lint;
}

TEST_F(ExporterTest, SondeRunNamesTheLlvmItLinks) {
  const int port = free_port();
  Process run({sonde_binary(), "run", "-e", "on tracepoint:syscalls:sys_enter_getpid count",
               "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(run.wait_for_stderr("attached 1 probe")) << run.err();
  const std::optional<std::string> body = http_get(port);
  ASSERT_TRUE(body);
  const std::string llvm = shell("llvm-config-16 --version | tr -d '\\n'");
  EXPECT_NE(body->find("llvm=\"" + llvm + "\"} 1\n"), std::string::npos) << *body;
}

TEST_F(ExporterTest, WarnsWhenTheEndpointIsOpenToTheNetwork) {
  const std::string bundle = build("on tracepoint:syscalls:sys_enter_getpid count\n");
  const int port = free_port();
  Process agent({agent_binary(), bundle, "--listen", "0.0.0.0:" + std::to_string(port)});
  ASSERT_TRUE(agent.wait_for_stderr("attached 1 probe")) << agent.err();
  EXPECT_NE(agent.err().find("warning: /metrics is served on 0.0.0.0:" + std::to_string(port) +
                             " in plain HTTP without authentication"),
            std::string::npos)
      << agent.err();
  EXPECT_NE(agent.err().find("hint: give --web-config a file"), std::string::npos) << agent.err();
}

}  // namespace
}  // namespace sonde::e2e
