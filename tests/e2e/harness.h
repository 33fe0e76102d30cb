// What end-to-end tests need to drive sonde against the real kernel: run the binary,
// wait for it to attach, make a known workload, read what it exported, and check that
// nothing was left in the kernel.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sonde::e2e {

using namespace std::chrono_literals;

std::string build_dir();
std::string source_dir();
std::string sonde_binary();

struct Exit {
  int code = -1;   // exit status, or -1 when killed by a signal
  int signal = 0;  // the signal that killed it
  std::string out;
  std::string err;
};

// A child process with stdout and stderr captured (read by background threads).
class Process {
 public:
  explicit Process(const std::vector<std::string>& argv, const std::string& stdin_text = {});
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  // True once stderr contains `text`; false if the process exited or time ran out.
  bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout = 20s);
  bool wait_for_stdout(const std::string& text, std::chrono::milliseconds timeout = 20s);
  void signal(int sig);
  // Waits for the exit; SIGKILLs after `timeout` (then Exit::signal is SIGKILL).
  Exit wait(std::chrono::milliseconds timeout = 30s);
  std::string out() const;
  std::string err() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  pid_t pid_ = -1;
};

// Runs sonde to completion.
Exit run_sonde(const std::vector<std::string>& args, std::chrono::milliseconds timeout = 60s);

// A forked child that runs `body` when go() is called, and not before (it waits in a
// read() of its gate pipe: the one system call it makes after go() besides the body's),
// then exits with the status `body` returns.
class GatedChild {
 public:
  explicit GatedChild(const std::function<int()>& body);
  ~GatedChild();  // kills it if it was not waited for
  GatedChild(const GatedChild&) = delete;
  GatedChild& operator=(const GatedChild&) = delete;
  pid_t pid() const { return pid_; }
  void go();
  // Until it exited; true when it exited with status 0.
  bool wait();

 private:
  pid_t pid_ = -1;
  int go_fd_ = -1;
  bool reaped_ = false;
  bool exited_zero_ = false;
};

// A gated child that makes exactly `calls` getpid system calls (raw syscalls, nothing
// else calls getpid in it) when go() is called, then exits.
class GetpidWorkload : public GatedChild {
 public:
  explicit GetpidWorkload(uint64_t calls, int threads = 1);
};

// HTTP GET on loopback; the body, or nullopt when the connection failed.
std::optional<std::string> http_get(int port, const std::string& path = "/metrics",
                                    int* status = nullptr);
int free_port();

// Prometheus text -> {"name{a="1",b="2"}" -> value} (labels as written).
std::map<std::string, double> parse_exposition(const std::string& text);
// The value of one sample: name and labels as they appear, e.g. sample(t, "x_total", "pid=\"42\"").
std::optional<double> sample(const std::string& exposition, const std::string& name,
                             const std::string& labels = "");

// Pins the calling thread to `cpu` (threads and processes it starts inherit it); false
// when the CPU is not allowed.
bool pin_to_cpu(int cpu);

// Calls `done` every 20 ms until it returns true or `timeout` has passed; its last
// answer. For what the kernel finishes a moment after the call that caused it (a
// softirq thread, an RCU grace period): a deadline that only bounds a hang.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Names of BPF programs currently loaded whose name starts with "sonde".
std::vector<std::string> sonde_programs_in_kernel();
std::vector<uint32_t> sonde_links_in_kernel();
// The same once they are empty, or as they are after 10 s: the kernel frees a program a
// moment after its last holder lets go (a raw tracepoint's or a uprobe's link lets go of
// its program after an RCU grace period), so a check right after an exit must wait.
std::vector<std::string> sonde_programs_left();
std::vector<uint32_t> sonde_links_left();

// How a Prometheus job reaches its targets: over TLS (checking the certificate against
// `ca_file`, for the name `server_name`) and with basic authentication, when given.
struct ScrapeSecurity {
  std::string ca_file;  // non-empty: scheme https
  std::string server_name;
  std::string username;  // non-empty: basic_auth
  std::string password;
};

// A real Prometheus server (Debian's package) on loopback, scraping `targets`
// ("127.0.0.1:PORT") every second, with its own data directory.
class PrometheusServer {
 public:
  explicit PrometheusServer(const std::vector<std::string>& targets);
  // One job per entry: its name, targets and how it reaches them.
  struct Job {
    std::string name;
    std::vector<std::string> targets;
    ScrapeSecurity security;
  };
  // `rule_files`: Prometheus rule files it loads (evaluated every second).
  explicit PrometheusServer(const std::vector<Job>& jobs,
                            const std::vector<std::string>& rule_files = {});
  ~PrometheusServer();
  bool ready(std::chrono::milliseconds timeout = 30s);
  int port() const { return port_; }
  // Result of an instant PromQL query: the raw JSON of /api/v1/query.
  std::string query(const std::string& promql);
  // The first sample value of a vector or scalar result; nullopt when empty or NaN.
  std::optional<double> query_value(const std::string& promql);

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
};

std::string url_encode(const std::string& text);

// Runs a shell command, returns its stdout; exit code in *code.
std::string shell(const std::string& command, int* code = nullptr);

// The whole disk that holds `path` ("vda"), from /sys/dev/block/MAJ:MIN; empty if none.
std::string disk_of(const std::string& path);

// /sys/block/DISK/stat: reads, writes, discards, flushes completed.
struct DiskStat {
  uint64_t reads = 0, writes = 0, discards = 0, flushes = 0;
  bool operator==(const DiskStat&) const = default;
};
std::optional<DiskStat> disk_stat(const std::string& disk);

// A loop device of the test's own over a file in /var/tmp: no other process, journal or
// writeback touches it, so its /sys/block counters count the test's requests alone.
// The kernel detaches it when the last descriptor closes, the test's crash included.
class LoopDevice {
 public:
  explicit LoopDevice(size_t bytes);
  ~LoopDevice();
  LoopDevice(const LoopDevice&) = delete;
  LoopDevice& operator=(const LoopDevice&) = delete;

  bool ok() const { return fd_ >= 0; }
  const std::string& why_not() const { return why_; }
  const std::string& name() const { return name_; }  // "loop3"
  std::string path() const { return "/dev/" + name_; }

 private:
  int fd_ = -1;
  std::string name_, backing_, why_;
};

}  // namespace sonde::e2e
