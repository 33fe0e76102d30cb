// `slo` statements end to end: the rules `sonde rules` prints are judged by Prometheus
// itself (promtool's checker and its rule unit tests, on series written here), then a
// real Prometheus loads them, scrapes sonde while one workload breaches its objective
// and another keeps it, and the page alert fires for the first only. The dashboard
// of `sonde dashboard` has Grafana's model, and each of its queries returns data.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {
namespace {

bool have_prometheus() {
  return access("/usr/bin/prometheus", X_OK) == 0 && access("/usr/bin/promtool", X_OK) == 0;
}

std::string temp_dir() {
  char templ[] = "/tmp/sonde-slo-XXXXXX";
  return mkdtemp(templ);
}

void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

// Latencies of nanosleep, by process: an SLO histogram with a 10 ms bound, and one
// objective per workload (a fast one that keeps it, a slow one that breaches it).
constexpr const char* kProgram =
    "histogram buckets(1ms, 10ms, 100ms) latency of syscall nanosleep by comm as nap\n"
    "on tracepoint:syscalls:sys_enter_nanosleep count by comm as naps\n"
    "slo \"fast naps\" objective 99% window 28d: nap <= 10ms where comm == \"slo_fast\"\n"
    "slo \"slow naps\" objective 99%: nap <= 10ms where comm == \"slo_slow\"\n";

TEST(SloRules, PassPromtoolsCheck) {
  if (!have_prometheus())
    GTEST_SKIP() << "Debian's prometheus package is not installed (scripts/setup.sh installs it)";
  Exit rules = run_sonde({"rules", "-e", kProgram});
  ASSERT_EQ(rules.code, 0) << rules.err;
  const std::string dir = temp_dir();
  write(dir + "/rules.yml", rules.out);
  int code = 0;
  const std::string out = shell("promtool check rules '" + dir + "/rules.yml' 2>&1", &code);
  EXPECT_EQ(code, 0) << out << rules.out;
  // Two SLOs: 8 recording rules and 3 alerts each, and sonde's 3 alerts.
  EXPECT_NE(out.find("SUCCESS: 25 rules found"), std::string::npos) << out;
  // The operational alerts are those of deploy/sonde-alerts.yml, which people load alone.
  std::istringstream deployed(shell("cat '" + source_dir() + "/deploy/sonde-alerts.yml'"));
  int alerts = 0;
  for (std::string line; std::getline(deployed, line);) {
    if (line.find("- alert:") != std::string::npos) ++alerts;
    if (line.find("- alert:") != std::string::npos || line.find("summary:") != std::string::npos) {
      EXPECT_NE(rules.out.find(line), std::string::npos) << line;
    }
  }
  EXPECT_EQ(alerts, 3);
  shell("rm -rf '" + dir + "'");
}

// An objective without the metric it is over is a located error, not an empty rule set.
TEST(SloRules, AnSloAloneIsALocatedError) {
  Exit e = run_sonde({"rules", "-e", "slo \"x\" objective 99%: nap <= 10ms"});
  EXPECT_EQ(e.code, 1);
  EXPECT_NE(e.err.find("<input>:1:24: error: an SLO is stated over a metric of the program, "
                       "and this program measures nothing"),
            std::string::npos)
      << e.err;
  EXPECT_EQ(e.out, "");
}

// A fleet gets the rules and dashboard of what it runs: sonde-agent reads the SLOs
// from the bundle, and prints the rules `sonde rules` prints for the source.
TEST(SloRules, TheAgentPrintsTheRulesOfItsBundles) {
  const std::string dir = temp_dir();
  const std::string example = source_dir() + "/examples/slo.sonde";
  Exit build = run_sonde({"build", example, "-o", dir + "/slo.bundle"});
  ASSERT_EQ(build.code, 0) << build.err;
  Exit rules = run_sonde({"rules", example});
  ASSERT_EQ(rules.code, 0) << rules.err;
  EXPECT_NE(rules.out.find("slo: \"block_reads_under_10ms\""), std::string::npos) << rules.out;
  Process agent({build_dir() + "/sonde-agent", "--print-rules", dir + "/slo.bundle"});
  Exit printed = agent.wait();
  EXPECT_EQ(printed.code, 0) << printed.err;
  EXPECT_EQ(printed.out, rules.out);
  Process dashboard({build_dir() + "/sonde-agent", "--print-dashboard", dir + "/slo.bundle"});
  Exit board = dashboard.wait();
  EXPECT_EQ(board.code, 0) << board.err;
  EXPECT_NE(board.out.find("block_slo_seconds_bucket{le=\\\"0.01\\\",op=\\\"read\\\"}"),
            std::string::npos)
      << board.out;
  shell("rm -rf '" + dir + "'");
}

// The SRE workbook's table, asked of Prometheus' own rule engine over series of a
// minute's resolution: the good and all counters of `slow naps` grow at a known error
// rate, and each alert fires exactly when its two windows both burn faster than its
// factor. Alerts are read back as Prometheus' ALERTS series.
TEST(SloRules, BurnRateAlertsFireInPromtoolsRuleTests) {
  if (!have_prometheus())
    GTEST_SKIP() << "Debian's prometheus package is not installed (scripts/setup.sh installs it)";
  Exit rules = run_sonde({"rules", "-e", kProgram});
  ASSERT_EQ(rules.code, 0) << rules.err;
  const std::string dir = temp_dir();
  write(dir + "/rules.yml", rules.out);
  // Counters of `slow naps` in promtool's expanding notation, a value a minute:
  // 0+800x120 grows by 800 a minute for two hours.
  auto series = [](const std::string& good, const std::string& all) {
    return "    input_series:\n"
           "      - series: 'nap_seconds_bucket{comm=\"slo_slow\",le=\"0.01\"}'\n"
           "        values: '" +
           good +
           "'\n"
           "      - series: 'nap_seconds_count{comm=\"slo_slow\"}'\n"
           "        values: '" +
           all +
           "'\n"
           "    promql_expr_test:\n";
  };
  // The alerts firing at `at`, by their long window.
  auto firing = [](const std::string& at, const std::vector<std::string>& windows) {
    std::string t =
        "      - expr: 'ALERTS{slo=\"slow_naps\",alertstate=\"firing\"}'\n"
        "        eval_time: " +
        at + "\n        exp_samples:";
    if (windows.empty()) return t + " []\n";
    t += "\n";
    for (const std::string& w : windows) {
      t += "          - labels: 'ALERTS{alertname=\"SondeSloErrorBudgetBurn\","
           "alertstate=\"firing\",slo=\"slow_naps\",severity=\"" +
           std::string(w == "3d" ? "ticket" : "page") + "\",long_window=\"" + w +
           "\"}'\n            value: 1\n";
    }
    return t;
  };
  std::string tests = "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n";
  // 1000 events a minute. 20% errors, 20x the budget of 1%: every alert.
  tests +=
      "  - interval: 1m\n" + series("0+800x120", "0+1000x120") + firing("30m", {"1h", "6h", "3d"});
  // 7% errors: above 6x (6%), below 14.4x (14.4%): the slow page and the ticket.
  tests += "  - interval: 1m\n" + series("0+930x120", "0+1000x120") + firing("30m", {"6h", "3d"});
  // 0.5% errors, within the objective: silence.
  tests += "  - interval: 1m\n" + series("0+995x600", "0+1000x600") + firing("30m", {}) +
           firing("9h", {});
  // 20% errors for an hour, then none. At 75m the 5 minute window ends the fast page
  // though the 1h window still burns at 15% (more than 14.4%): the short window says
  // the burning stopped. 30m and 6h still burn at more than 6x: the slow page stays.
  tests += "  - interval: 1m\n" + series("0+800x60 49000+1000x20", "0+1000x60 61000+1000x20") +
           firing("59m", {"1h", "6h", "3d"}) + firing("75m", {"6h", "3d"});
  // 30% errors for an hour, then none: at 66m the 30m window still burns at 24%, but
  // the fast page's own short window, 5m, has ended it.
  tests += "  - interval: 1m\n" + series("0+700x60 43000+1000x20", "0+1000x60 61000+1000x20") +
           firing("66m", {"6h", "3d"});
  write(dir + "/tests.yml", tests);
  int code = 0;
  const std::string out = shell("cd '" + dir + "' && promtool test rules tests.yml 2>&1", &code);
  EXPECT_EQ(code, 0) << out << "\n" << tests;
  shell("rm -rf '" + dir + "'");
}

// `status < 500` on a number label, as Prometheus evaluates the generated regex: of
// 1000 responses a minute, the 30 with status 500 and the 20 with 503 are the errors
// (5%), the 404s and 499s are not. The ratio is read as a whole number of thousandths.
TEST(SloRules, AnOrderComparisonOfAStatusSelectsTheErrors) {
  if (!have_prometheus())
    GTEST_SKIP() << "Debian's prometheus package is not installed (scripts/setup.sh installs it)";
  Exit rules =
      run_sonde({"rules", "-e",
                 "on tracepoint:syscalls:sys_exit_read count by status = ret as http_requests\n"
                 "slo \"http ok\" objective 99%: http_requests where status < 500"});
  ASSERT_EQ(rules.code, 0) << rules.err;
  EXPECT_NE(rules.out.find("status=~"), std::string::npos) << rules.out;
  const std::string dir = temp_dir();
  write(dir + "/rules.yml", rules.out);
  std::string tests =
      "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n"
      "    input_series:\n";
  for (const auto& [status, per_minute] :
       std::vector<std::pair<int, int>>{{200, 880}, {404, 60}, {499, 10}, {500, 30}, {503, 20}}) {
    tests += "      - series: 'http_requests_total{status=\"" + std::to_string(status) +
             "\"}'\n        values: '0+" + std::to_string(per_minute) + "x60'\n";
  }
  tests +=
      "    promql_expr_test:\n"
      "      - expr: 'round(sonde_slo:error_ratio:rate5m{slo=\"http_ok\"} * 1000)'\n"
      "        eval_time: 30m\n"
      "        exp_samples:\n"
      "          - labels: '{slo=\"http_ok\"}'\n"
      "            value: 50\n";
  write(dir + "/tests.yml", tests);
  int code = 0;
  const std::string out = shell("cd '" + dir + "' && promtool test rules tests.yml 2>&1", &code);
  EXPECT_EQ(code, 0) << out << "\n" << tests << rules.out;
  shell("rm -rf '" + dir + "'");
}

// A child named `comm` that sleeps `sleep_ns` in nanosleep(2) until killed, and counts
// its calls and those its own clock saw end within 10 ms: the truth the SLO is held to.
class Napper {
 public:
  Napper(const char* comm, long sleep_ns) {
    counts_ = static_cast<Counts*>(
        mmap(nullptr, sizeof(Counts), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    new (counts_) Counts();
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_NAME, comm);
      for (;;) {
        timespec a{}, b{}, nap{0, sleep_ns};
        clock_gettime(CLOCK_MONOTONIC, &a);
        syscall(SYS_nanosleep, &nap, nullptr);
        clock_gettime(CLOCK_MONOTONIC, &b);
        const long ns = (b.tv_sec - a.tv_sec) * 1'000'000'000L + (b.tv_nsec - a.tv_nsec);
        counts_->within.fetch_add(ns <= 10'000'000 ? 1 : 0);
        counts_->calls.fetch_add(1);
      }
    }
  }
  ~Napper() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    munmap(counts_, sizeof(Counts));
  }
  uint64_t calls() const { return counts_->calls.load(); }
  double error_share() const {
    const uint64_t calls = counts_->calls.load();
    return calls ? 1 - static_cast<double>(counts_->within.load()) / static_cast<double>(calls) : 0;
  }

 private:
  struct Counts {
    std::atomic<uint64_t> calls{0};
    std::atomic<uint64_t> within{0};
  };
  Counts* counts_ = nullptr;
  pid_t pid_ = -1;
};

// The expressions of every panel, by Python's JSON parser, which also checks the
// shape of Grafana's dashboard model; "ERROR ..." when it is not.
std::vector<std::string> dashboard_queries(const std::string& dir, const std::string& json) {
  write(dir + "/dashboard.json", json);
  write(dir + "/queries.py", R"(import json, sys
d = json.load(open(sys.argv[1]))
def fail(why):
    print("ERROR " + why); sys.exit(0)
if not isinstance(d.get("schemaVersion"), int): fail("no schemaVersion")
if not d.get("title"): fail("no title")
names = [v.get("name") for v in d.get("templating", {}).get("list", []) if v.get("type") == "datasource"]
if "datasource" not in names: fail("no datasource variable")
ids = set()
for p in d["panels"]:
    g = p.get("gridPos", {})
    if not all(isinstance(g.get(k), int) for k in ("h", "w", "x", "y")): fail("gridPos of " + p.get("title", "?"))
    if g["x"] + g["w"] > 24: fail("panel beyond the grid: " + p["title"])
    if p.get("id") in ids: fail("id used twice: " + str(p.get("id")))
    ids.add(p.get("id"))
    if p["type"] == "row": continue
    if p.get("datasource", {}).get("uid") != "${datasource}": fail("datasource of " + p["title"])
    if not p.get("targets"): fail("no targets: " + p["title"])
    for t in p["targets"]:
        print(t["expr"])
)");
  int code = 0;
  std::istringstream out(
      shell("python3 '" + dir + "/queries.py' '" + dir + "/dashboard.json'", &code));
  std::vector<std::string> queries;
  for (std::string line; std::getline(out, line);) queries.push_back(line);
  if (code != 0) queries.insert(queries.begin(), "ERROR python3 could not read the dashboard");
  return queries;
}

// Windows of 1/120 of their length (1h is 30 s): Prometheus evaluates the rules every
// second, scraping sonde every second, while one process sleeps 20 ms (every call is
// outside the 10 ms objective) and another 1 ms. The page fires for the first; the
// second, measured as long, stays silent. Then every query of the dashboard returns data.
TEST(SloEndToEnd, APrometheusPagesOnTheBreachAloneAndTheDashboardsQueriesReturnData) {
  if (!have_prometheus())
    GTEST_SKIP() << "Debian's prometheus package is not installed (scripts/setup.sh installs it)";
  if (geteuid() != 0) GTEST_SKIP() << "sonde run needs root (CAP_BPF, CAP_PERFMON)";
  const std::string dir = temp_dir();
  Exit rules = run_sonde({"rules", "--time-scale", "1/120", "-e", kProgram});
  ASSERT_EQ(rules.code, 0) << rules.err;
  write(dir + "/rules.yml", rules.out);
  const int port = free_port();
  Process sonde(
      {sonde_binary(), "run", "-e", kProgram, "--listen", "127.0.0.1:" + std::to_string(port)});
  ASSERT_TRUE(sonde.wait_for_stderr("attached")) << sonde.err();
  Napper slow("slo_slow", 20'000'000), fast("slo_fast", 1'000'000);
  PrometheusServer prometheus({{"sonde", {"127.0.0.1:" + std::to_string(port)}, {}}},
                              {dir + "/rules.yml"});
  ASSERT_TRUE(prometheus.ready()) << "prometheus did not start";

  const std::string page =
      "ALERTS{alertname=\"SondeSloErrorBudgetBurn\",alertstate=\"firing\",slo=\"slow_naps\","
      "severity=\"page\",long_window=\"1h\"}";
  // Generous: only bounds a hang. The page needs two scrapes of the breach.
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  bool paged = false;
  while (!paged && std::chrono::steady_clock::now() < deadline) {
    paged = prometheus.query_value(page).has_value();
    if (!paged) std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(paged) << "no page for slow_naps; rules:\n"
                     << rules.out
                     << "\nerror ratio: " << prometheus.query("sonde_slo:error_ratio:rate5m")
                     << "\nscrape: " << http_get(port).value_or("");
  // Every call of the slow process was outside the objective, by its own clock and by
  // Prometheus' ratio of sonde's counters.
  EXPECT_EQ(slow.error_share(), 1.0);
  EXPECT_EQ(prometheus.query_value("sonde_slo:error_ratio:rate1h{slo=\"slow_naps\"}"), 1.0);

  // The fast process was measured as long as the slow one: its ratios were recorded
  // (so silence is not an absence of data), and no alert of it ever fired.
  ASSERT_GT(fast.calls(), 100u);
  // Five evaluations of its short window with data: two whole short windows and more.
  const std::string recorded =
      "count_over_time(sonde_slo:error_ratio:rate5m{slo=\"fast_naps\"}[5m]) >= 5";
  bool evaluated = false;
  while (!evaluated && std::chrono::steady_clock::now() < deadline + 30s) {
    evaluated = prometheus.query_value(recorded).has_value();
    if (!evaluated) std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(evaluated) << prometheus.query("sonde_slo:error_ratio:rate5m");
  // The ticket alert fires at a burn of 1: past 1% of calls over 10 ms (the budget), by
  // the process's own clock, an alert for it would be right, not a fault of sonde's. So
  // silence is checked well below that; above it the check is skipped, saying so.
  const double fast_errors = fast.error_share();
  const bool quiet_enough = fast_errors < 0.005;
  if (quiet_enough) {
    EXPECT_EQ(prometheus.query_value("count_over_time(ALERTS{slo=\"fast_naps\"}[5m])"),
              std::nullopt)
        << "the fast process saw " << fast_errors * 100 << "% of its calls over 10 ms";
  }

  Exit dashboard = run_sonde({"dashboard", "-e", kProgram});
  ASSERT_EQ(dashboard.code, 0) << dashboard.err;
  const std::vector<std::string> queries = dashboard_queries(dir, dashboard.out);
  ASSERT_FALSE(queries.empty());
  ASSERT_NE(queries[0].rfind("ERROR", 0), 0u) << queries[0] << "\n" << dashboard.out;
  EXPECT_GE(queries.size(), 15u);
  for (const std::string& q : queries) {
    const std::string json = prometheus.query(q);
    EXPECT_NE(json.find("\"status\":\"success\""), std::string::npos) << q << "\n" << json;
    EXPECT_NE(json.find("\"value\":["), std::string::npos) << "no data: " << q << "\n" << json;
  }
  shell("rm -rf '" + dir + "'");
  if (!quiet_enough)
    GTEST_SKIP() << "the page and the dashboard were checked, not the fast process's silence: "
                 << "the machine was too busy, " << fast_errors * 100
                 << "% of its 1 ms sleeps took more than 10 ms (its budget is 1%)";
}

}  // namespace
}  // namespace sonde::e2e
