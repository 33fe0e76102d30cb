#include "tests/e2e/differential/reference.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace sonde::e2e::diff {

// ---- running the two sides ----

Reference::Reference(std::string name, std::vector<std::string> argv, std::string attach_error)
    : name_(std::move(name)),
      attach_error_(std::move(attach_error)),
      process_(std::make_unique<Process>(argv)) {}

bool Reference::ready(const std::string& marker, std::chrono::milliseconds timeout) {
  marker_ = marker;
  waited_ = timeout;
  if (!process_->wait_for_stdout(marker, timeout)) return false;
  // On a failed attach bpftrace writes the error ("Error attaching probe", or for a probe
  // with alternatives "could not attach probe ..., skipping" and runs on with nothing
  // attached), then BEGIN's output: the error is in the pipe before the marker; give
  // the reader thread a moment for it.
  return attach_error_.empty() || !process_->wait_for_stderr(attach_error_, 500ms);
}

Exit Reference::stop(std::chrono::milliseconds timeout) {
  process_->signal(SIGINT);
  return process_->wait(timeout);
}

std::string Reference::why_not_ready() {
  // Still running: it never printed its header; the wait below kills it.
  Exit e = process_->wait(1s);
  std::string said = e.err.empty() ? e.out : e.err;
  if (said.size() > 2000) said = said.substr(0, 2000) + "...";
  if (e.signal == SIGKILL &&
      e.err.find(attach_error_.empty() ? "\x01" : attach_error_) == std::string::npos)
    return name_ + " printed no '" + marker_ + "' within " +
           std::to_string(waited_.count() / 1000) + " s: " + said;
  std::string how = e.signal ? "was killed by signal " + std::to_string(e.signal)
                             : "exited " + std::to_string(e.code);
  return name_ + " could not attach here (" + how + "): " + said;
}

std::unique_ptr<Reference> libbpf_tool(const std::string& name,
                                       const std::vector<std::string>& args) {
  std::string path = "/usr/sbin/" + name;
  if (access(path.c_str(), X_OK) != 0) return nullptr;
  std::vector<std::string> argv = {"/usr/bin/stdbuf", "-oL", path};
  argv.insert(argv.end(), args.begin(), args.end());
  return std::make_unique<Reference>(name, argv);
}

std::string not_installed(const std::string& name) {
  return "/usr/sbin/" + name + " is not installed (Debian's libbpf-tools package)";
}

std::unique_ptr<Reference> bpftrace(const std::string& script) {
  if (access("/usr/bin/bpftrace", X_OK) != 0) return nullptr;
  return std::make_unique<Reference>(
      "bpftrace", std::vector<std::string>{"/usr/bin/bpftrace", "-B", "line", "-e", script},
      "attach");
}

std::unique_ptr<Reference> bpftrace_file(const std::string& path) {
  if (access("/usr/bin/bpftrace", X_OK) != 0 || access(path.c_str(), R_OK) != 0) return nullptr;
  return std::make_unique<Reference>(
      path.substr(path.rfind('/') + 1),
      std::vector<std::string>{"/usr/bin/bpftrace", "-B", "line", path}, "attach");
}

Sonde::Sonde(const std::string& program) : port_(free_port()) {
  process_ = std::make_unique<Process>(std::vector<std::string>{
      sonde_binary(), "run", "-e", program, "--listen", "127.0.0.1:" + std::to_string(port_)});
}

bool Sonde::attached() { return process_->wait_for_stderr("attached"); }

std::string Sonde::scrape() { return http_get(port_).value_or(""); }

Exit Sonde::stop() {
  process_->signal(SIGINT);
  return process_->wait();
}

void measured(const std::string& what) { std::printf("[ measured ] %s\n", what.c_str()); }

// ---- workloads ----

int last_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  for (int cpu = CPU_SETSIZE - 1; cpu >= 0; --cpu)
    if (CPU_ISSET(cpu, &set)) return cpu;
  return 0;
}

Workload::Workload(const std::string& comm, std::function<int()> body, int cpu) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC)) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ == 0) {
    close(fds[1]);
    prctl(PR_SET_NAME, comm.c_str());
    if (cpu >= 0 && !pin_to_cpu(cpu)) _exit(125);
    char c;
    if (read(fds[0], &c, 1) != 1) _exit(126);
    _exit(body());
  }
  close(fds[0]);
  go_fd_ = fds[1];
}

Workload::~Workload() {
  if (go_fd_ >= 0) close(go_fd_);
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void Workload::go() {
  char c = 'g';
  (void)!write(go_fd_, &c, 1);
}

int Workload::wait() {
  if (!reaped_) {
    waitpid(pid_, &status_, 0);
    reaped_ = true;
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : -WTERMSIG(status_);
}

// ---- parsing what the tools print ----

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// bpftrace's bucket bounds: 4, 8K, 16M (1024 powers).
double bpftrace_number(const std::string& s) {
  double v = std::strtod(s.c_str(), nullptr);
  switch (s.empty() ? 0 : s.back()) {
    case 'K':
      return v * 1024;
    case 'M':
      return v * 1024 * 1024;
    case 'G':
      return v * 1024 * 1024 * 1024;
    case 'T':
      return v * 1024 * 1024 * 1024 * 1024;
    default:
      return v;
  }
}

}  // namespace

double LibbpfHist::total() const {
  double n = 0;
  for (const auto& b : buckets) n += b.count;
  return n;
}

std::vector<LibbpfHist> parse_libbpf_hists(const std::string& text, double scale) {
  static const std::regex header(R"(^\s+(\S+)\s+: count\s+distribution)");
  static const std::regex row(R"(^\s+(\d+) -> (\d+)\s+: (\d+)\s+\|)");
  std::vector<LibbpfHist> out;
  std::string title;
  LibbpfHist* current = nullptr;
  for (const auto& line : lines_of(text)) {
    std::smatch m;
    if (std::regex_search(line, m, header)) {
      out.push_back({title, m[1], {}});
      current = &out.back();
      title.clear();
      continue;
    }
    if (current && std::regex_search(line, m, row)) {
      // Slot k prints "2^k -> 2^(k+1)-1" (slot 0: "0 -> 1"): integers in the printed unit.
      double low = std::stod(m[1]), high = std::stod(m[2]) + 1;
      current->buckets.push_back({low * scale, high * scale, std::stod(m[3])});
      continue;
    }
    current = nullptr;
    std::string t = trim(line);
    if (!t.empty() && t.rfind("Tracing", 0) != 0) title = title.empty() ? t : title + " " + t;
  }
  for (auto& h : out) std::replace(h.title.begin(), h.title.end(), '\t', ' ');
  return out;
}

std::map<std::string, std::vector<Bucket>> parse_bpftrace_hists(const std::string& text,
                                                                const std::string& name) {
  static const std::regex row(R"(^\[([0-9.KMGT]+)(?:, ([0-9.KMGT]+)\))?\]?\s+(\d+) \|)");
  std::map<std::string, std::vector<Bucket>> out;
  std::vector<Bucket>* current = nullptr;
  const std::string head = "@" + name;
  for (const auto& line : lines_of(text)) {
    if (line.rfind(head, 0) == 0 && (line.size() > head.size()) &&
        (line[head.size()] == ':' || line[head.size()] == '[')) {
      std::string key;
      if (line[head.size()] == '[')
        key = line.substr(head.size() + 1, line.rfind("]:") - head.size() - 1);
      current = &out[key];
      continue;
    }
    std::smatch m;
    if (current && std::regex_search(line, m, row)) {
      double low = bpftrace_number(m[1]);
      // "[0]" and "[1]" are single values; "[a, b)" a range.
      double high = m[2].matched ? bpftrace_number(m[2]) : low + 1;
      current->push_back({low, high, std::stod(m[3])});
      continue;
    }
    if (!trim(line).empty()) current = nullptr;
  }
  return out;
}

std::map<std::string, double> parse_bpftrace_map(const std::string& text, const std::string& name) {
  std::map<std::string, double> out;
  const std::string head = "@" + name + "[";
  size_t at = 0;
  while ((at = text.find(head, at)) != std::string::npos) {
    if (at != 0 && text[at - 1] != '\n') {
      ++at;
      continue;
    }
    size_t key_begin = at + head.size();
    // The key ends at the "]: " that is followed by the value and the end of the line.
    static const std::regex end(R"(\]: (-?[0-9]+)\n)");
    std::smatch m;
    std::string rest = text.substr(key_begin);
    if (!std::regex_search(rest, m, end)) break;
    out[rest.substr(0, m.position(0))] = std::stod(m[1]);
    at = key_begin + m.position(0) + m.length(0);
  }
  return out;
}

std::vector<std::vector<std::string>> parse_table(const std::string& text,
                                                  const std::string& header_start) {
  std::vector<std::vector<std::string>> rows;
  bool in_table = false;
  for (const auto& line : lines_of(text)) {
    std::string t = trim(line);
    if (!in_table) {
      in_table = t.rfind(header_start, 0) == 0;
      continue;
    }
    if (t.empty()) {
      in_table = false;
      continue;
    }
    std::istringstream in(t);
    std::vector<std::string> cols;
    std::string c;
    while (in >> c) cols.push_back(c);
    rows.push_back(std::move(cols));
  }
  return rows;
}

// ---- what sonde exported ----

namespace {

// `name{labels} value` lines of one metric; labels as written.
std::vector<std::pair<std::string, double>> series_of(const std::string& exposition,
                                                      const std::string& name) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto& [series, value] : parse_exposition(exposition)) {
    if (series.rfind(name, 0) != 0) continue;
    std::string rest = series.substr(name.size());
    if (!rest.empty() && rest[0] != '{') continue;
    std::string labels = rest.empty() ? "" : rest.substr(1, rest.size() - 2);
    out.emplace_back(labels, value);
  }
  return out;
}

}  // namespace

Cumulative sonde_histogram(const std::string& exposition, const std::string& metric,
                           const std::string& label_filter) {
  Cumulative out;
  for (const auto& [labels, value] : series_of(exposition, metric + "_bucket")) {
    if (labels.find(label_filter) == std::string::npos) continue;
    auto at = labels.find("le=\"");
    if (at == std::string::npos) continue;
    std::string le = labels.substr(at + 4, labels.find('"', at + 4) - at - 4);
    out.le[le == "+Inf" ? INFINITY : std::stod(le)] += value;
    out.found = true;
  }
  for (const auto& [labels, value] : series_of(exposition, metric + "_count"))
    if (labels.find(label_filter) != std::string::npos) out.count += value;
  for (const auto& [labels, value] : series_of(exposition, metric + "_sum"))
    if (labels.find(label_filter) != std::string::npos) out.sum += value;
  return out;
}

Cumulative operator-(const Cumulative& after, const Cumulative& before) {
  Cumulative out = after;
  for (auto& [le, n] : out.le) {
    auto it = before.le.find(le);
    if (it != before.le.end()) n -= it->second;
  }
  out.count -= before.count;
  out.sum -= before.sum;
  return out;
}

double sonde_total(const std::string& exposition, const std::string& metric,
                   const std::vector<std::string>& filters) {
  double total = 0;
  for (const auto& [labels, value] : series_of(exposition, metric)) {
    bool all = true;
    for (const auto& f : filters) all &= labels.find(f) != std::string::npos;
    if (all) total += value;
  }
  return total;
}

// ---- comparing ----

std::string within_one_bucket(const std::vector<Bucket>& reference, const Cumulative& sonde,
                              double sonde_scale, double slack) {
  // Reference: R(x) = values < x, known at each bucket's upper edge.
  std::vector<std::pair<double, double>> r;  // (edge, values below it)
  double below = 0;
  // Histograms of several series (biolatency's flags) add up bucket by bucket.
  std::map<std::pair<double, double>, double> merged;
  for (const auto& b : reference) merged[{b.low, b.high}] += b.count;
  std::vector<Bucket> sorted;
  for (const auto& [range, count] : merged) sorted.push_back({range.first, range.second, count});
  for (const auto& b : sorted) {
    // A bucket's low edge is known too: nothing below the first bucket printed.
    if (r.empty() || r.back().first < b.low) r.emplace_back(b.low, below);
    below += b.count;
    r.emplace_back(b.high, below);
  }
  const double r_total = below;
  // sonde: S(x) = values <= x, at each `le` (in the measured unit).
  std::vector<std::pair<double, double>> s;
  for (const auto& [le, cumulative] : sonde.le)
    s.emplace_back(std::isinf(le) ? INFINITY : le / sonde_scale, cumulative);
  const double s_total = s.empty() ? 0 : s.back().second;

  // Values at most `x`, from the largest known point at or below x (0 if none).
  auto at_or_below = [](const std::vector<std::pair<double, double>>& f, double x) {
    double v = 0;
    for (const auto& [edge, n] : f)
      if (edge <= x) v = n;
    return v;
  };
  // ... and from the smallest known point at or above x (the total if none).
  auto at_or_above = [](const std::vector<std::pair<double, double>>& f, double x, double total) {
    for (const auto& [edge, n] : f)
      if (edge >= x) return n;
    return total;
  };

  std::ostringstream why;
  if (std::fabs(r_total - s_total) > slack)
    why << "totals differ: reference " << r_total << ", sonde " << s_total << " (slack " << slack
        << ")\n";
  for (const auto& [edge, n] : r) {
    double lo = at_or_below(s, edge / 2), hi = at_or_above(s, edge * 2, s_total);
    if (n < lo - slack || n > hi + slack)
      why << "reference counts " << n << " below " << edge << ", sonde " << lo << " at or below "
          << edge / 2 << " and " << hi << " at or below " << edge * 2 << "\n";
  }
  for (const auto& [edge, n] : s) {
    if (std::isinf(edge)) continue;
    double lo = at_or_below(r, edge / 2), hi = at_or_above(r, edge * 2, r_total);
    if (n < lo - slack || n > hi + slack)
      why << "sonde counts " << n << " at or below " << edge << ", the reference " << lo
          << " below " << edge / 2 << " and " << hi << " below " << edge * 2 << "\n";
  }
  if (why.str().empty()) return "";
  why << "reference:";
  for (const auto& b : sorted)
    if (b.count) why << " [" << b.low << ", " << b.high << "): " << b.count;
  why << "\nsonde (cumulative):";
  for (const auto& [edge, n] : s) why << " <=" << edge << ": " << n;
  return why.str();
}

// ---- the kernel's own counters ----

std::map<std::string, uint64_t> proc_softirqs() {
  std::map<std::string, uint64_t> out;
  std::ifstream in("/proc/softirqs");
  std::string line;
  std::getline(in, line);  // CPU0 CPU1 ...
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string name;
    row >> name;
    if (name.empty()) continue;
    name.pop_back();  // "TIMER:"
    uint64_t v, total = 0;
    while (row >> v) total += v;
    out[name] = total;
  }
  return out;
}

std::map<std::string, uint64_t> proc_interrupts() {
  std::map<std::string, uint64_t> out;
  std::ifstream in("/proc/interrupts");
  std::string line;
  std::getline(in, line);
  const long cpus = std::count(line.begin(), line.end(), 'C');  // "CPU0 CPU1 ..."
  while (std::getline(in, line)) {
    std::istringstream row(line);
    std::string irq;
    row >> irq;
    if (irq.empty() || !std::isdigit(static_cast<unsigned char>(irq[0]))) continue;
    uint64_t total = 0;
    for (long i = 0; i < cpus; ++i) {
      uint64_t v = 0;
      row >> v;
      total += v;
    }
    // Then the chip, the hwirq and edge/level, and the handler names, last.
    std::string rest, word, last;
    while (row >> word) last = word;
    out[last] += total;
  }
  return out;
}

namespace {

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace

UnseenByBpf::UnseenByBpf(const std::string& event, const std::string& kind)
    : event_(event), kind_(kind) {
  std::string root = "/sys/kernel/tracing";
  if (access((root + "/instances").c_str(), W_OK) != 0) root = "/sys/kernel/debug/tracing";
  dir_ = root + "/instances/sonde-diff-" + std::to_string(getpid());
  if (mkdir(dir_.c_str(), 0700) != 0 && errno != EEXIST) {
    why_ = "cannot make a tracefs instance " + dir_ + ": " + strerror(errno);
    dir_.clear();
    return;
  }
  std::string filter;
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator("/proc/1/task", ec)) {
    filter += (filter.empty() ? "" : " || ") + ("common_pid == " + t.path().filename().string());
  }
  const std::string events = dir_ + "/events/" + event_;
  if (filter.empty() || !write_file(dir_ + "/tracing_on", "0") ||
      !write_file(events + "/filter", filter) || !write_file(events + "/enable", "1")) {
    why_ = "cannot trace " + event_ + " of PID 1's threads in " + dir_;
  }
}

UnseenByBpf::~UnseenByBpf() {
  if (dir_.empty()) return;
  write_file(dir_ + "/tracing_on", "0");
  write_file(dir_ + "/events/" + event_ + "/enable", "0");
  rmdir(dir_.c_str());
}

void UnseenByBpf::start() {
  if (ok()) write_file(dir_ + "/tracing_on", "1");
}

void UnseenByBpf::stop() {
  if (ok()) write_file(dir_ + "/tracing_on", "0");
}

std::map<std::string, uint64_t> UnseenByBpf::counts() const {
  std::map<std::string, uint64_t> out;
  if (!ok()) return out;
  std::ifstream in(dir_ + "/trace");
  const std::regex kind(kind_);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#' && std::regex_search(line, m, kind)) ++out[m[1].str()];
  }
  return out;
}

uint64_t proc_stat_processes() {
  std::ifstream in("/proc/stat");
  std::string key;
  uint64_t v = 0;
  while (in >> key) {
    if (key == "processes") {
      in >> v;
      return v;
    }
    in.ignore(1 << 20, '\n');
  }
  return 0;
}

std::optional<uint64_t> proc_net_snmp(const std::string& group, const std::string& field) {
  // Pairs of lines: "Tcp: Name1 Name2 ..." then "Tcp: 1 2 ...".
  std::ifstream in("/proc/net/snmp");
  std::string names, values;
  while (std::getline(in, names) && std::getline(in, values)) {
    if (names.rfind(group + ":", 0) != 0) continue;
    std::istringstream n(names), v(values);
    std::string name, value;
    while (n >> name && v >> value)
      if (name == field) return std::stoull(value);
  }
  return std::nullopt;
}

}  // namespace sonde::e2e::diff
