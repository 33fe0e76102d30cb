// What the differential tests share: run sonde and a reference tool (libbpf-tools in
// /usr/sbin, bpftrace) over one window, read what each printed or exported, read the
// kernel's own counters around that window, and compare histograms bucket by bucket.
//
// Bucket conventions, which differ between the three:
// - libbpf-tools (print_log2_hist) print slot k as "2^k -> 2^(k+1)-1" of an integer
//   value that the tool divided first (ns / 1000 for usecs, bytes / 1024 for Kbytes);
//   in the measured unit slot k holds [2^k * div, 2^(k+1) * div), slot 0 holds [0, 2 * div).
// - bpftrace's hist() prints [0], [1], then [2^k, 2^(k+1)) with K/M/G = 1024 powers.
// - sonde exports cumulative buckets: `le` counts the values v <= le, so its buckets
//   are (low, high].
// A value one tool measures as v and the other as v' (their clocks read a few hundred
// ns apart, their bucket edges differ) lands in buckets at most one apart when v and v'
// are within a factor of two; `within_one_bucket` checks exactly that on the counts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e::diff {

// ---- running the two sides ----

// A reference tool running in the background. libbpf-tools print their header once
// every program is attached; bpftrace scripts here print "ready" from BEGIN, which
// runs after every probe is attached.
class Reference {
 public:
  // `attach_error`: what the tool prints on stderr when a probe did not attach (bpftrace:
  // any line about attaching; its only other one is the RLIMIT_MEMLOCK warning), for
  // tools that print their header before attaching (bpftrace prints BEGIN's output
  // even when a later probe fails).
  Reference(std::string name, std::vector<std::string> argv, std::string attach_error = "");
  // True once stdout shows `marker`. False when the tool exited first (a tool that
  // cannot attach on this kernel) or did not get there within the (generous) deadline.
  bool ready(const std::string& marker, std::chrono::milliseconds timeout = 60s);
  // SIGINT (the tools print their summary on it), then the exit.
  Exit stop(std::chrono::milliseconds timeout = 60s);
  // Why ready() failed, for GTEST_SKIP() and failures: "runqlat exited 1: <its stderr>"
  // or "runqlat printed no 'Tracing' within 60 s"; stops the tool.
  std::string why_not_ready();
  std::string out() const { return process_->out(); }

 private:
  std::string name_;
  std::string attach_error_;
  std::string marker_;
  std::chrono::milliseconds waited_{0};
  std::unique_ptr<Process> process_;
};

// A libbpf-tools program (/usr/sbin/NAME) with `args`, its stdout line-buffered (a pipe
// would hold its header until it exits); nullptr when it is not installed.
std::unique_ptr<Reference> libbpf_tool(const std::string& name,
                                       const std::vector<std::string>& args = {});
// Why libbpf_tool() returned nullptr.
std::string not_installed(const std::string& name);

// bpftrace running `script` (which must print "ready\n" from BEGIN), line-buffered.
// bpftrace runs BEGIN before attaching the other probes but prints its output only once
// they are all attached, so "ready" means attached.
std::unique_ptr<Reference> bpftrace(const std::string& script);
// bpftrace running a script file (/usr/sbin/NAME.bt); nullptr when it is not installed.
std::unique_ptr<Reference> bpftrace_file(const std::string& path);

// sonde run -e PROGRAM --listen, until stop().
class Sonde {
 public:
  explicit Sonde(const std::string& program);
  bool attached();  // "attached N probes" on stderr
  std::string scrape();
  Exit stop();
  std::string err() const { return process_->err(); }

 private:
  int port_;
  std::unique_ptr<Process> process_;
};

// Prints "[ measured ] what" so a run shows the figures it compared.
void measured(const std::string& what);

// ---- workloads ----

// A forked child that names itself `comm` (and optionally pins itself to `cpu`), waits
// for go(), runs `body` and exits with its result. Its system calls before go() are
// only the wait itself.
class Workload {
 public:
  Workload(const std::string& comm, std::function<int()> body, int cpu = -1);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;
  pid_t pid() const { return pid_; }
  void go();
  int wait();  // exit status; -signal when killed

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// The highest CPU this process may run on.
int last_allowed_cpu();

// ---- parsing what the tools print ----

// A bucket in the measured unit (ns, bytes): values in [low, high).
struct Bucket {
  double low = 0, high = 0;
  double count = 0;
};

// One print_log2_hist histogram and the lines printed above it ("disk = vda\tflags =
// Write", "Process Name = dd"): `title` is those lines joined by spaces.
struct LibbpfHist {
  std::string title;
  std::string unit;  // "usecs", "msecs", "Kbytes"
  std::vector<Bucket> buckets;
  double total() const;
};
// Every histogram in a libbpf-tools output. `scale` turns the printed unit into the
// measured one (1000 for usecs into ns, 1024 for Kbytes into bytes).
std::vector<LibbpfHist> parse_libbpf_hists(const std::string& text, double scale);

// bpftrace: the buckets of `@name: hist` (or `@name[key]: hist`, the key as printed).
std::map<std::string, std::vector<Bucket>> parse_bpftrace_hists(const std::string& text,
                                                                const std::string& name);
// bpftrace: `@name[key]: value` lines (multi-line keys such as kstack joined by '\n').
std::map<std::string, double> parse_bpftrace_map(const std::string& text, const std::string& name);

// Rows of whitespace-separated columns after the line that starts with `header_start`
// (execsnoop, exitsnoop, tcpstates, syscount, hardirqs, softirqs...).
std::vector<std::vector<std::string>> parse_table(const std::string& text,
                                                  const std::string& header_start);

// ---- what sonde exported ----

// A sonde histogram from /metrics: cumulative counts by `le` (in the exported unit:
// seconds for latencies, bytes for sizes). Series are picked by a label substring and
// summed, so it does not matter how many buckets or which other labels sonde exports.
struct Cumulative {
  std::map<double, double> le;  // +Inf included
  double count = 0, sum = 0;
  bool found = false;
};
Cumulative sonde_histogram(const std::string& exposition, const std::string& metric,
                           const std::string& label_filter = "");
// What `after` counted since `before` (two scrapes of one series).
Cumulative operator-(const Cumulative& after, const Cumulative& before);
// Sum of the samples of `metric` (a counter's full name) whose labels contain every
// `filters` substring.
double sonde_total(const std::string& exposition, const std::string& metric,
                   const std::vector<std::string>& filters = {});

// ---- comparing ----

// "" when `reference` (buckets in the measured unit) and `sonde` (le in the same unit
// times `sonde_scale`, e.g. 1e-9 for ns exported as seconds) agree within one log2
// bucket; otherwise what disagrees, with both histograms. `slack` is how many events one
// side may hold that the other did not see (system-wide measures whose windows differ).
std::string within_one_bucket(const std::vector<Bucket>& reference, const Cumulative& sonde,
                              double sonde_scale, double slack = 0);

// ---- the kernel's own counters ----

std::map<std::string, uint64_t> proc_softirqs();  // "TIMER" -> sum over CPUs
// /proc/interrupts rows with a numeric IRQ: handler names (the last column) -> sum
// over CPUs.
std::map<std::string, uint64_t> proc_interrupts();
// Events the kernel's own tracer (a tracefs instance of its own) records while one of
// PID 1's threads is on the CPU, by kind, between start() and stop(). On this platform
// (a Firecracker guest whose init is the sandbox agent) BPF programs of every kind never
// run in those threads' context, though ftrace sees their events: a softirq that runs on
// the way out of an interrupt taken by PID 1 is in /proc/softirqs and in no BPF program
// (bpftrace and libbpf-tools miss it too). Counters system-wide are compared with this
// subtracted from their lower bound. `event` is "irq/softirq_entry"; `kind` is the
// pattern whose first group names the kind in a trace line ("action=(\w+)").
class UnseenByBpf {
 public:
  UnseenByBpf(const std::string& event, const std::string& kind);
  ~UnseenByBpf();
  UnseenByBpf(const UnseenByBpf&) = delete;
  UnseenByBpf& operator=(const UnseenByBpf&) = delete;
  // False (with why()) when tracefs cannot give an instance: then nothing is subtracted.
  bool ok() const { return why_.empty(); }
  const std::string& why() const { return why_; }
  void start();
  void stop();
  std::map<std::string, uint64_t> counts() const;

 private:
  std::string dir_, event_, kind_, why_;
};

uint64_t proc_stat_processes();  // forks since boot
std::optional<uint64_t> proc_net_snmp(const std::string& group, const std::string& field);

}  // namespace sonde::e2e::diff
