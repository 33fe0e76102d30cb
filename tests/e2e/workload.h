// The test binary tests/probes_workload (known calls to known functions, known system
// calls and sockets) and a `sonde run` serving /metrics, for tests that count what the
// workload did.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/harness.h"

namespace sonde::e2e {

std::string workload();

// Replaces every "W:" of a program with the workload's path and a colon.
std::string with_workload(const std::string& program);

// `sonde run` on a program, serving /metrics; stopped (SIGINT) when destroyed.
class Sonde {
 public:
  explicit Sonde(const std::string& program);
  ~Sonde();
  Sonde(const Sonde&) = delete;
  Sonde& operator=(const Sonde&) = delete;
  // `timeout` only bounds a hang: compiling hundreds of probes takes long on a busy machine.
  bool attached(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    return process_.wait_for_stderr("attached", timeout);
  }
  std::string metrics();
  std::string err() const { return process_.err(); }
  pid_t pid() const { return process_.pid(); }

 private:
  int port_;
  Process process_;
};

// Runs the workload until it printed "done". With `hold` it keeps running (so its
// memory maps stay readable for user symbols) until the returned process is destroyed.
std::unique_ptr<Process> run_workload(std::vector<std::string> args, bool hold = false);

// A forked child that does, at each step() and only then, `calls` getpid system calls
// and one write of `bytes` bytes to /dev/null on file descriptor kStepFd (0 bytes: no
// write), and reports how many calls it made; a program filters by its pid (and fd).
class StepWorkload {
 public:
  static constexpr int kStepFd = 77;
  StepWorkload();
  ~StepWorkload();
  pid_t pid() const { return pid_; }
  // Returns the getpid calls the child counted itself making (-1 if it died).
  int64_t step(uint32_t calls, uint32_t bytes);

 private:
  pid_t pid_ = -1;
  int command_fd_ = -1;
  int answer_fd_ = -1;
};

}  // namespace sonde::e2e
