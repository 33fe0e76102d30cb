// The span `http request` (stdlib/http.sonde) against the servers it watches and the
// client that drives them: per status, exactly the requests the client made and the
// answers it got; each request's latency within one bucket of what the server measured
// between reading the request line and writing the status line. No reference tool
// traces HTTP here (libbpf-tools has none; bpftrace's would need uprobes on a server).
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/differential/reference.h"

namespace sonde::e2e::diff {
namespace {

namespace fs = std::filesystem;

// A directory of its own with one file to serve, removed at the end.
struct ServedDir {
  ServedDir() {
    char tmpl[] = "/tmp/sonde_http_XXXXXX";
    path = mkdtemp(tmpl);
    std::ofstream(path + "/index.html") << "<p>hello</p>\n";
  }
  ~ServedDir() { fs::remove_all(path); }
  std::string path;
};

// python3's http.server with a handler of the test's: files as SimpleHTTPRequestHandler
// serves them (200, 404), /slow answered after 200 ms, /fail with 500, each after 4 ms
// at least: sonde's clock reads (in recv, in send) and the server's (after each) are a
// few microseconds apart, more when the server is preempted between them, and the floor
// keeps such a gap far below the factor of two one bucket allows. It handles
// `count` requests, then prints, for each, its status and the nanoseconds from the
// request line read (parse_request runs right after) to the status line sent (the
// buffered headers flushed in one send).
constexpr const char* kServer = R"(import functools, http.server, sys, time
done = []
class H(http.server.SimpleHTTPRequestHandler):
    def parse_request(self):
        self.t0 = time.monotonic_ns()
        return super().parse_request()
    def send_response_only(self, code, message=None):
        self.code = code
        super().send_response_only(code, message)
    def flush_headers(self):
        super().flush_headers()
        if getattr(self, 't0', None) is not None:
            done.append((self.code, time.monotonic_ns() - self.t0))
            self.t0 = None
    def do_GET(self):
        time.sleep(0.004)
        if self.path == '/slow':
            time.sleep(0.2)
            self.send_response(200)
            self.end_headers()
        elif self.path == '/fail':
            self.send_error(500)
        else:
            super().do_GET()
    def log_message(self, *args):
        pass
port, count, root = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
handler = functools.partial(H, directory=root)
server = http.server.HTTPServer(('127.0.0.1', port), handler)
print('ready', flush=True)
for _ in range(count):
    server.handle_request()
for code, ns in done:
    print(code, ns)
)";

struct Mix {
  std::string path;
  int n;
};

// The client: each request on a connection of its own; the statuses it got.
std::map<int, int> drive(int port, const std::vector<Mix>& mix) {
  std::map<int, int> got;
  for (const auto& m : mix) {
    for (int i = 0; i < m.n; ++i) {
      int status = 0;
      http_get(port, m.path, &status);
      got[status] += 1;
    }
  }
  return got;
}

std::map<int, double> sonde_counts(const std::string& body, const std::string& metric) {
  std::map<int, double> out;
  for (const auto& [series, value] : parse_exposition(body)) {
    if (series.rfind(metric + "{", 0) != 0) continue;
    auto at = series.find("status=\"");
    if (at == std::string::npos) continue;
    out[std::stoi(series.substr(at + 8))] += value;
  }
  return out;
}

std::string program(int port) {
  const std::string p = std::to_string(port);
  return "count latency of http request where port == " + p +
         " by comm, status as http_requests\n" +
         "histogram log2 latency of http request where port == " + p + " by status as http_latency";
}

TEST(Http, RequestsOfPythonsHttpServerAsTheClientCountsThem) {
  ServedDir dir;
  const int port = free_port();
  Sonde sonde(program(port));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Process server({"/usr/bin/python3", "-u", "-m", "http.server", "--bind", "127.0.0.1",
                  "--directory", dir.path, std::to_string(port)});
  ASSERT_TRUE(server.wait_for_stdout("Serving HTTP")) << server.err();
  std::map<int, int> got = drive(port, {{"/index.html", 20}, {"/missing", 15}});
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  server.signal(SIGTERM);
  server.wait();
  std::map<int, double> ours = sonde_counts(body, "http_requests_total");
  measured("python3 -m http.server: client 200 x" + std::to_string(got[200]) + ", 404 x" +
           std::to_string(got[404]) + "; sonde 200 x" + std::to_string(ours[200]) + ", 404 x" +
           std::to_string(ours[404]));
  EXPECT_EQ(got, (std::map<int, int>{{200, 20}, {404, 15}}));
  std::map<int, double> want;
  for (const auto& [status, n] : got) want[status] = n;
  EXPECT_EQ(ours, want) << body;
  // The server's thread, by its name.
  EXPECT_NE(body.find("comm=\"python3\""), std::string::npos) << body;
}

TEST(Http, LatencyOfEachStatusAsTheServerTimedIt) {
  ServedDir dir;
  const std::string script = dir.path + "/server.py";
  std::ofstream(script) << kServer;
  const std::vector<Mix> mix = {{"/index.html", 20}, {"/missing", 15}, {"/slow", 5}, {"/fail", 5}};
  int total = 0;
  for (const auto& m : mix) total += m.n;
  const int port = free_port();
  Sonde sonde(program(port));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Process server(
      {"/usr/bin/python3", "-u", script, std::to_string(port), std::to_string(total), dir.path});
  ASSERT_TRUE(server.wait_for_stdout("ready")) << server.err();
  std::map<int, int> got = drive(port, mix);
  Exit exit = server.wait();
  ASSERT_EQ(exit.code, 0) << exit.err;
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);

  // The server's own record: "STATUS NS" per request.
  std::map<int, std::vector<Bucket>> theirs;
  std::map<int, int> timed;
  std::istringstream lines(exit.out);
  std::string line;
  while (std::getline(lines, line)) {
    int status = 0;
    double ns = 0;
    if (std::sscanf(line.c_str(), "%d %lf", &status, &ns) != 2) continue;
    theirs[status].push_back(Bucket{ns, ns + 1, 1});
    timed[status] += 1;
  }
  EXPECT_EQ(got, (std::map<int, int>{{200, 25}, {404, 15}, {500, 5}}));
  EXPECT_EQ(timed, got) << exit.out;
  std::map<int, double> ours = sonde_counts(body, "http_requests_total");
  std::map<int, double> want;
  for (const auto& [status, n] : got) want[status] = n;
  EXPECT_EQ(ours, want) << body;
  for (const auto& [status, buckets] : theirs) {
    Cumulative hist =
        sonde_histogram(body, "http_latency_seconds", "status=\"" + std::to_string(status) + "\"");
    double server_sum = 0;
    for (const auto& b : buckets) server_sum += b.low;
    measured("status " + std::to_string(status) + ": server timed " +
             std::to_string(buckets.size()) + " in " + std::to_string(server_sum / 1e9) +
             " s, sonde " + std::to_string(hist.count) + " in " + std::to_string(hist.sum) + " s");
    EXPECT_EQ(within_one_bucket(buckets, hist, 1e-9), "") << status << "\n" << exit.out;
  }
}

// lighttpd (Debian's package, if installed) answers with writev: the status line is in
// the first iovec. Its latency has no truth here (the server does not time requests),
// so only the counts are compared.
TEST(Http, RequestsOfLighttpdAsTheClientCountsThem) {
  if (access("/usr/sbin/lighttpd", X_OK) != 0)
    GTEST_SKIP() << "lighttpd is not installed (scripts/setup.sh installs it)";
  ServedDir dir;
  const int port = free_port();
  std::ofstream(dir.path + "/lighttpd.conf")
      << "server.document-root = \"" << dir.path << "\"\n"
      << "server.bind = \"127.0.0.1\"\nserver.port = " << port << "\n"
      << "server.errorlog = \"" << dir.path << "/error.log\"\n";
  Sonde sonde(program(port));
  ASSERT_TRUE(sonde.attached()) << sonde.err();
  Process server({"/usr/sbin/lighttpd", "-D", "-f", dir.path + "/lighttpd.conf"});
  // Ready once it answers; a request before that is refused and not counted by anyone.
  bool up = false;
  for (int i = 0; i < 200 && !up; ++i) {  // 20 s: only bounds a hang
    int status = 0;
    up = http_get(port, "/index.html", &status).has_value() && status == 200;
    if (!up) usleep(100'000);
  }
  ASSERT_TRUE(up) << server.err();
  std::map<int, int> got = drive(port, {{"/index.html", 20}, {"/missing", 15}});
  got[200] += 1;  // the request that found it ready
  std::string body = sonde.scrape();
  EXPECT_EQ(sonde.stop().code, 0);
  server.signal(SIGTERM);
  server.wait();
  std::map<int, double> ours = sonde_counts(body, "http_requests_total");
  measured("lighttpd: client 200 x" + std::to_string(got[200]) + ", 404 x" +
           std::to_string(got[404]) + "; sonde 200 x" + std::to_string(ours[200]) + ", 404 x" +
           std::to_string(ours[404]));
  EXPECT_EQ(got, (std::map<int, int>{{200, 21}, {404, 15}}));
  std::map<int, double> want;
  for (const auto& [status, n] : got) want[status] = n;
  EXPECT_EQ(ours, want) << body;
  EXPECT_NE(body.find("comm=\"lighttpd\""), std::string::npos) << body;
}

}  // namespace
}  // namespace sonde::e2e::diff
