#include "tests/e2e/harness.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sonde::e2e {

std::string build_dir() { return SONDE_BUILD_DIR; }
std::string source_dir() { return SONDE_SOURCE_DIR; }
std::string sonde_binary() { return build_dir() + "/sonde"; }

struct Process::Impl {
  std::mutex mutex;
  std::condition_variable changed;
  std::string out, err;
  bool out_closed = false, err_closed = false;
  std::thread out_reader, err_reader;
  bool reaped = false;
  Exit exit;
};

namespace {

void read_into(int fd, std::mutex& m, std::condition_variable& cv, std::string& sink,
               bool& closed) {
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(m);
    if (n <= 0) {
      closed = true;
      cv.notify_all();
      break;
    }
    sink.append(buf, static_cast<size_t>(n));
    cv.notify_all();
  }
  close(fd);
}

}  // namespace

Process::Process(const std::vector<std::string>& argv, const std::string& stdin_text)
    : impl_(std::make_unique<Impl>()) {
  int out[2], err[2], in[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(in, O_CLOEXEC))
    throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  close(in[0]);
  if (!stdin_text.empty()) (void)!write(in[1], stdin_text.data(), stdin_text.size());
  close(in[1]);
  impl_->out_reader =
      std::thread(read_into, out[0], std::ref(impl_->mutex), std::ref(impl_->changed),
                  std::ref(impl_->out), std::ref(impl_->out_closed));
  impl_->err_reader =
      std::thread(read_into, err[0], std::ref(impl_->mutex), std::ref(impl_->changed),
                  std::ref(impl_->err), std::ref(impl_->err_closed));
}

Process::~Process() {
  if (!impl_->reaped) {
    kill(pid_, SIGKILL);
    wait(5s);
  }
  if (impl_->out_reader.joinable()) impl_->out_reader.join();
  if (impl_->err_reader.joinable()) impl_->err_reader.join();
}

bool Process::wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] {
    return impl_->err.find(text) != std::string::npos || impl_->err_closed;
  }) && impl_->err.find(text) != std::string::npos;
}

bool Process::wait_for_stdout(const std::string& text, std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] {
    return impl_->out.find(text) != std::string::npos || impl_->out_closed;
  }) && impl_->out.find(text) != std::string::npos;
}

void Process::signal(int sig) {
  if (!impl_->reaped) kill(pid_, sig);
}

Exit Process::wait(std::chrono::milliseconds timeout) {
  if (impl_->reaped) return impl_->exit;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  impl_->reaped = true;
  if (impl_->out_reader.joinable()) impl_->out_reader.join();
  if (impl_->err_reader.joinable()) impl_->err_reader.join();
  Exit e;
  if (WIFEXITED(status)) e.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) e.signal = WTERMSIG(status);
  e.out = impl_->out;
  e.err = impl_->err;
  impl_->exit = e;
  return e;
}

std::string Process::out() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->out;
}

std::string Process::err() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->err;
}

Exit run_sonde(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  std::vector<std::string> argv = {sonde_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  Process p(argv);
  return p.wait(timeout);
}

GatedChild::GatedChild(const std::function<int()>& body) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC)) throw std::runtime_error("pipe");
  pid_ = fork();
  if (pid_ == 0) {
    close(fds[1]);
    char c;
    // exit_group itself, not _exit(): under ASan _exit() runs the runtime's exit
    // handlers, whose sigaltstack() call the tests counting this child's syscalls see.
    if (read(fds[0], &c, 1) != 1) syscall(SYS_exit_group, 1);
    syscall(SYS_exit_group, body());
  }
  close(fds[0]);
  go_fd_ = fds[1];
}

GatedChild::~GatedChild() {
  if (go_fd_ >= 0) close(go_fd_);
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void GatedChild::go() {
  char c = 'g';
  (void)!write(go_fd_, &c, 1);
}

bool GatedChild::wait() {
  if (!reaped_) {
    int status = 0;
    reaped_ = waitpid(pid_, &status, 0) == pid_;
    exited_zero_ = reaped_ && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return exited_zero_;
}

GetpidWorkload::GetpidWorkload(uint64_t calls, int threads)
    : GatedChild([calls, threads] {
        // Threads share the tgid; each makes its share of the calls.
        std::vector<std::thread> workers;
        uint64_t per = calls / static_cast<uint64_t>(threads);
        uint64_t extra = calls % static_cast<uint64_t>(threads);
        for (int t = 0; t < threads; ++t) {
          uint64_t n = per + (t == 0 ? extra : 0);
          workers.emplace_back([n] {
            for (uint64_t i = 0; i < n; ++i) syscall(SYS_getpid);
          });
        }
        for (auto& w : workers) w.join();
        return 0;
      }) {}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::optional<std::string> http_get(int port, const std::string& path, int* status) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return std::nullopt;
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string response;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) response.append(buf, static_cast<size_t>(n));
  close(fd);
  if (status) *status = response.size() > 12 ? std::atoi(response.c_str() + 9) : 0;
  auto body = response.find("\r\n\r\n");
  if (body == std::string::npos) return std::nullopt;
  return response.substr(body + 4);
}

std::map<std::string, double> parse_exposition(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

std::optional<double> sample(const std::string& exposition, const std::string& name,
                             const std::string& labels) {
  auto all = parse_exposition(exposition);
  auto it = all.find(labels.empty() ? name : name + "{" + labels + "}");
  if (it == all.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> sonde_programs_in_kernel() {
  std::vector<std::string> out;
  uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    int fd = bpf_prog_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && std::strncmp(info.name, "sonde", 5) == 0) {
      out.emplace_back(info.name);
    }
    close(fd);
  }
  return out;
}

bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

namespace {

template <typename List>
auto once_empty(List list) {
  decltype(list()) left;
  wait_until([&] {
    left = list();
    return left.empty();
  });
  return left;
}

}  // namespace

std::vector<std::string> sonde_programs_left() { return once_empty(sonde_programs_in_kernel); }
std::vector<uint32_t> sonde_links_left() { return once_empty(sonde_links_in_kernel); }

std::vector<uint32_t> sonde_links_in_kernel() {
  std::vector<uint32_t> out;
  uint32_t id = 0;
  while (bpf_link_get_next_id(id, &id) == 0) {
    int fd = bpf_link_get_fd_by_id(id);
    if (fd < 0) continue;
    bpf_link_info info{};
    uint32_t len = sizeof info;
    if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
      int pfd = bpf_prog_get_fd_by_id(info.prog_id);
      if (pfd >= 0) {
        bpf_prog_info pinfo{};
        uint32_t plen = sizeof pinfo;
        if (bpf_obj_get_info_by_fd(pfd, &pinfo, &plen) == 0 &&
            std::strncmp(pinfo.name, "sonde", 5) == 0)
          out.push_back(id);
        close(pfd);
      }
    }
    close(fd);
  }
  return out;
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

PrometheusServer::PrometheusServer(const std::vector<std::string>& targets)
    : PrometheusServer(std::vector<Job>{{"sonde", targets, {}}}) {}

PrometheusServer::PrometheusServer(const std::vector<Job>& jobs,
                                   const std::vector<std::string>& rule_files) {
  char templ[] = "/tmp/sonde-prometheus-XXXXXX";
  dir_ = mkdtemp(templ);
  port_ = free_port();
  std::string config = "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n";
  if (!rule_files.empty()) {
    config += "rule_files:\n";
    for (const auto& f : rule_files) config += "  - '" + f + "'\n";
  }
  config += "scrape_configs:\n";
  for (const Job& job : jobs) {
    config += "  - job_name: '" + job.name + "'\n";
    const ScrapeSecurity& s = job.security;
    if (!s.ca_file.empty()) {
      config += "    scheme: https\n    tls_config:\n      ca_file: '" + s.ca_file + "'\n";
      if (!s.server_name.empty()) config += "      server_name: '" + s.server_name + "'\n";
    }
    if (!s.username.empty()) {
      config += "    basic_auth:\n      username: '" + s.username + "'\n      password: '" +
                s.password + "'\n";
    }
    config += "    static_configs:\n      - targets: [";
    for (size_t i = 0; i < job.targets.size(); ++i)
      config += (i ? ", '" : "'") + job.targets[i] + "'";
    config += "]\n";
  }
  std::string path = dir_ + "/prometheus.yml";
  FILE* f = fopen(path.c_str(), "w");
  fwrite(config.data(), 1, config.size(), f);
  fclose(f);
  process_ = std::make_unique<Process>(std::vector<std::string>{
      "/usr/bin/prometheus", "--config.file=" + path, "--storage.tsdb.path=" + dir_ + "/data",
      "--web.listen-address=127.0.0.1:" + std::to_string(port_)});
}

PrometheusServer::~PrometheusServer() {
  process_->signal(SIGTERM);
  process_->wait(10s);
  shell("rm -rf '" + dir_ + "'");
}

bool PrometheusServer::ready(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (http_get(port_, "/-/ready", &status) && status == 200) return true;
    std::this_thread::sleep_for(200ms);
  }
  return false;
}

std::string PrometheusServer::query(const std::string& promql) {
  return http_get(port_, "/api/v1/query?query=" + url_encode(promql)).value_or("");
}

std::optional<double> PrometheusServer::query_value(const std::string& promql) {
  // The value is the last string of the first result: ..."value":[1700000000.123,"0.0041"]...
  std::string json = query(promql);
  std::smatch m;
  if (!std::regex_search(json, m, std::regex(R"re("value":\[[0-9.e+]+,"([^"]+)"\])re")))
    return std::nullopt;
  std::string v = m[1];
  if (v == "NaN" || v == "+Inf" || v == "-Inf") return std::nullopt;
  return std::strtod(v.c_str(), nullptr);
}

std::string shell(const std::string& command, int* code) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (code) *code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// The whole disk that holds `path` ("vda"), from /sys/dev/block/MAJ:MIN.
std::string disk_of(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return {};
  std::string link =
      "/sys/dev/block/" + std::to_string(major(st.st_dev)) + ":" + std::to_string(minor(st.st_dev));
  char target[512] = {};
  if (readlink(link.c_str(), target, sizeof target - 1) < 0) return {};
  std::string t = target;
  // .../block/vda or .../block/vda/vda1: the disk is the component after "block/".
  auto at = t.find("/block/");
  if (at == std::string::npos) return {};
  std::string rest = t.substr(at + 7);
  return rest.substr(0, rest.find('/'));
}

std::optional<DiskStat> disk_stat(const std::string& disk) {
  std::ifstream in("/sys/block/" + disk + "/stat");
  std::vector<uint64_t> f;
  uint64_t v;
  while (in >> v) f.push_back(v);
  // Documentation/block/stat.rst: fields 1, 5, 12 and 16 count completed requests.
  if (f.size() < 17) return std::nullopt;
  return DiskStat{f[0], f[4], f[11], f[15]};
}

LoopDevice::LoopDevice(size_t bytes) {
  backing_ = "/var/tmp/sonde-e2e-loop-" + std::to_string(getpid());
  int file = open(backing_.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (file < 0 || ftruncate(file, static_cast<off_t>(bytes)) != 0) {
    why_ = backing_ + ": " + strerror(errno);
    if (file >= 0) close(file);
    return;
  }
  int control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) why_ = std::string("/dev/loop-control: ") + strerror(errno);
  // Another process may take the free device first: then ask for the next one.
  for (int attempt = 0; control >= 0 && fd_ < 0 && attempt < 10; ++attempt) {
    int n = ioctl(control, LOOP_CTL_GET_FREE);
    if (n < 0) {
      why_ = std::string("LOOP_CTL_GET_FREE: ") + strerror(errno);
      break;
    }
    std::string name = "loop" + std::to_string(n);
    int dev = open(("/dev/" + name).c_str(), O_RDWR | O_CLOEXEC);
    if (dev < 0) {
      why_ = "/dev/" + name + ": " + strerror(errno);
      break;
    }
    loop_config config{};
    config.fd = static_cast<__u32>(file);
    config.block_size = 4096;
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (ioctl(dev, LOOP_CONFIGURE, &config) == 0) {
      fd_ = dev;
      name_ = name;
      why_.clear();
      break;
    }
    const int error = errno;
    why_ = "LOOP_CONFIGURE " + name + ": " + strerror(error);
    close(dev);
    if (error != EBUSY) break;
  }
  if (control >= 0) close(control);
  close(file);  // the device holds the file now
}

LoopDevice::~LoopDevice() {
  if (fd_ >= 0) close(fd_);  // LO_FLAGS_AUTOCLEAR detaches it
  unlink(backing_.c_str());
}

}  // namespace sonde::e2e
