#include "tests/e2e/workload.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include <regex>

namespace sonde::e2e {

std::string workload() { return build_dir() + "/tests/probes_workload"; }

std::string with_workload(const std::string& program) {
  return std::regex_replace(program, std::regex(R"(\bW:)"), workload() + ":");
}

Sonde::Sonde(const std::string& program)
    : port_(free_port()),
      process_({sonde_binary(), "run", "-e", with_workload(program), "--listen",
                "127.0.0.1:" + std::to_string(port_)}) {}

Sonde::~Sonde() {
  process_.signal(SIGINT);
  process_.wait();
}

std::string Sonde::metrics() {
  auto body = http_get(port_);
  return body ? *body : std::string();
}

std::unique_ptr<Process> run_workload(std::vector<std::string> args, bool hold) {
  args.insert(args.begin(), workload());
  if (hold) args.push_back("--hold");
  auto p = std::make_unique<Process>(args);
  EXPECT_TRUE(p->wait_for_stdout("done", 60s)) << p->err();
  if (!hold) {
    EXPECT_EQ(p->wait().code, 0);
  }
  return p;
}

StepWorkload::StepWorkload() {
  int command[2], answer[2];
  if (pipe2(command, O_CLOEXEC) || pipe2(answer, O_CLOEXEC)) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ == 0) {
    close(command[1]);
    close(answer[0]);
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd < 0 || dup2(null_fd, kStepFd) != kStepFd) _exit(1);
    static char buffer[1 << 16];
    uint32_t order[2];
    while (read(command[0], order, sizeof order) == sizeof order) {
      int64_t made = 0;
      for (uint32_t i = 0; i < order[0]; ++i, ++made) syscall(SYS_getpid);
      if (order[1] > 0 && syscall(SYS_write, kStepFd, buffer, order[1]) != order[1]) _exit(1);
      if (write(answer[1], &made, sizeof made) != sizeof made) _exit(1);
    }
    _exit(0);
  }
  close(command[0]);
  close(answer[1]);
  command_fd_ = command[1];
  answer_fd_ = answer[0];
}

StepWorkload::~StepWorkload() {
  close(command_fd_);
  close(answer_fd_);
  if (pid_ > 0) waitpid(pid_, nullptr, 0);  // it ends when its command pipe closes
}

int64_t StepWorkload::step(uint32_t calls, uint32_t bytes) {
  if (bytes > (1u << 16)) throw std::invalid_argument("at most 64 KiB a step");
  const uint32_t order[2] = {calls, bytes};
  int64_t made = -1;
  if (write(command_fd_, order, sizeof order) != sizeof order ||
      read(answer_fd_, &made, sizeof made) != sizeof made)
    return -1;
  return made;
}

}  // namespace sonde::e2e
