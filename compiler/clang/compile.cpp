#include "compiler/clang/compile.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <span>
#include <utility>

#include <fmt/format.h>

#include "compiler/clang/frame.h"
#include "compiler/clang/plugin_abi.h"
#include "compiler/clang/plugin_loader.h"

namespace sonde::clang_bpf {
namespace {

constexpr const char* kReport = "this is a bug in sonde, please report it";

// The plugin's view of a CompileInput; pointers into `input`, which must outlive it.
struct PluginInput {
  PluginInput(const PluginInput&) = delete;  // `abi` points into the vectors
  PluginInput& operator=(const PluginInput&) = delete;
  explicit PluginInput(const CompileInput& input) {
    for (const auto& [path, text] : input.files) {
      files.push_back({path.c_str(), text.data(), text.size()});
    }
    for (const auto& dir : input.include_dirs) include_dirs.push_back(dir.c_str());
    for (const auto& define : input.defines) defines.push_back(define.c_str());
    abi = sonde_cc_input{
        .main_file = input.main_file.c_str(),
        .files = files.data(),
        .file_count = files.size(),
        .include_dirs = include_dirs.data(),
        .include_dir_count = include_dirs.size(),
        .defines = defines.data(),
        .define_count = defines.size(),
        .on_fatal_error = nullptr,
        .fatal_error_context = nullptr,
    };
  }
  std::vector<sonde_cc_file> files;
  std::vector<const char*> include_dirs;
  std::vector<const char*> defines;
  sonde_cc_input abi{};
};

void report_fatal_error(void* context, const char* reason) {
  int fd = *static_cast<int*>(context);
  write_frame(fd, FrameKind::llvm_fatal_error, {}, reason);
  ::close(fd);
  ::_exit(0);
}

std::vector<uint8_t> read_all(int fd);

// One frame, then EOF for the parent at once: the child's exit (unmapping LLVM, ~10 ms
// here) happens after, and the parent does not wait for it.
[[noreturn]] void send_and_exit(int fd, FrameKind kind, std::span<const uint8_t> object,
                                std::string_view text) {
  write_frame(fd, kind, object, text);
  ::close(fd);
  ::_exit(0);
}

// Runs in the forked child: load the plugin, read the input, compile, send one frame,
// exit without running the parent's atexit handlers or flushing its stdio buffers.
[[noreturn]] void run_child(int fd, Plugin plugin, const std::string& plugin_path) {
  // A crash must kill the child with its signal, whatever handlers the parent set.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS}) {
    std::signal(sig, SIG_DFL);
  }
  // Drop every descriptor inherited from the parent but stdio and our socket: another
  // thread's compile would otherwise not see EOF until this child exits, and the
  // compiler has no business holding the parent's sockets or BPF objects.
  if (fd > 3) ::close_range(3, static_cast<unsigned>(fd) - 1, 0);
  ::close_range(static_cast<unsigned>(fd) + 1, ~0u, 0);
  std::string load_error;
  if (plugin.compile == nullptr) {
    Result<Plugin> loaded = load_plugin(plugin_path);
    if (loaded) {
      plugin = *loaded;
    } else {
      load_error = loaded.error().message;
    }
  }
  // All of the input (EOF) before any answer: the parent writes before it reads.
  std::vector<uint8_t> bytes = read_all(fd);
  if (bytes.empty()) ::_exit(0);  // abandoned: nothing to compile
  if (!load_error.empty()) send_and_exit(fd, FrameKind::plugin_error, {}, load_error);
  std::optional<CompileInput> input = decode_input(bytes);
  if (!input) send_and_exit(fd, FrameKind::plugin_error, {}, "the compile input arrived damaged");
  PluginInput plugin_input(*input);
  plugin_input.abi.on_fatal_error = report_fatal_error;
  plugin_input.abi.fatal_error_context = &fd;

  sonde_cc_output output{};
  int status = plugin.compile(SONDE_CC_ABI_VERSION, &plugin_input.abi, &output);
  std::string_view text(output.diagnostics != nullptr ? output.diagnostics : "",
                        output.diagnostics_size);
  switch (status) {
    case SONDE_CC_OK:
      send_and_exit(fd, FrameKind::object, {output.object, output.object_size}, text);
    case SONDE_CC_COMPILE_ERROR:
      send_and_exit(fd, FrameKind::compile_error, {}, text);
    default:
      send_and_exit(fd, FrameKind::plugin_error, {}, text);
  }
}

bool write_all(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return true;
}

// Children whose answer is in but whose exit was not waited for: reaped later, without
// blocking, so they do not stay zombies for the life of a long-running process.
std::mutex unreaped_mutex;
std::vector<pid_t> unreaped;

void reap_later(pid_t pid) {
  int status;
  if (::waitpid(pid, &status, WNOHANG) != 0) return;  // gone already (or not ours)
  std::lock_guard lock(unreaped_mutex);
  unreaped.push_back(pid);
}

void reap_finished() {
  std::lock_guard lock(unreaped_mutex);
  std::erase_if(unreaped, [](pid_t pid) {
    int status;
    return ::waitpid(pid, &status, WNOHANG) != 0;
  });
}

// Reads to EOF; false when `deadline` passed first (what arrived is in `bytes`).
bool read_all_until(int fd, std::chrono::steady_clock::time_point deadline,
                    std::vector<uint8_t>& bytes) {
  size_t size = 0;
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      bytes.resize(size);
      return false;
    }
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    int ready = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;      // as a read error: the frame check reports it
    if (ready == 0) continue;  // the deadline check above ends it
    bytes.resize(size + 64 * 1024);
    ssize_t got = ::read(fd, bytes.data() + size, bytes.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF, or an error: the frame check reports it
    size += static_cast<size_t>(got);
  }
  bytes.resize(size);
  return true;
}

// Waits for `pid` to end, its status in `status`: 0, or -1 with errno set when it cannot
// be waited for (e.g. SIGCHLD ignored).
int wait_for_exit(pid_t pid, int& status) {
  pid_t reaped;
  do {
    reaped = ::waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  return reaped == pid ? 0 : -1;
}

std::vector<uint8_t> read_all(int fd) {
  std::vector<uint8_t> bytes;
  read_all_until(fd, std::chrono::steady_clock::time_point::max(), bytes);
  return bytes;
}

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev != nullptr ? fmt::format("SIG{}", abbrev) : fmt::format("signal {}", sig);
}

std::string_view trim_newlines(std::string_view text) {
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

// `wait_error` is the errno of a failed waitpid (e.g. SIGCHLD ignored), else 0.
Result<CompileOutput> interpret(const CompileInput& input, const std::optional<Frame>& frame,
                                int wait_status, int wait_error) {
  const std::string& file = input.main_file;
  if (wait_error == 0 && WIFSIGNALED(wait_status)) {
    return Error{fmt::format("the BPF C compiler crashed ({}) while compiling {}; {}",
                             signal_name(WTERMSIG(wait_status)), file, kReport),
                 "sonde itself is unaffected: the compiler runs in a child process"};
  }
  if (!frame) {
    std::string how = wait_error != 0
                          ? fmt::format("ended (waitpid: {})", std::strerror(wait_error))
                          : fmt::format("exited with status {}", WEXITSTATUS(wait_status));
    return Error{fmt::format("the BPF C compiler {} without a result while compiling {}; {}", how,
                             file, kReport),
                 ""};
  }
  switch (frame->kind) {
    case FrameKind::object:
      return CompileOutput{frame->object, std::string(trim_newlines(frame->text))};
    case FrameKind::compile_error:
      return Error{std::string(trim_newlines(frame->text)), ""};
    case FrameKind::llvm_fatal_error:
      return Error{fmt::format("the BPF C compiler failed (LLVM ERROR: {}) while compiling {}; {}",
                               trim_newlines(frame->text), file, kReport),
                   ""};
    case FrameKind::plugin_error:
      break;
  }
  return Error{
      fmt::format("the BPF C compiler could not compile {}: {}", file, trim_newlines(frame->text)),
      ""};
}

}  // namespace

Result<PendingCompile> PendingCompile::start() {
  reap_finished();
  Plugin plugin = preloaded_plugin();
  std::string plugin_path;
  if (plugin.compile == nullptr) {
    Result<std::string> found = find_plugin();
    if (!found) return found.error();
    plugin_path = std::move(*found);
  }
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return Error{
        fmt::format("cannot connect to the BPF C compiler: socketpair: {}", std::strerror(errno)),
        ""};
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return Error{fmt::format("cannot start the BPF C compiler: fork: {}", std::strerror(err)), ""};
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], plugin, plugin_path);
  }
  ::close(fds[1]);
  return PendingCompile(pid, fds[0]);
}

PendingCompile::PendingCompile(PendingCompile&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), socket_(std::exchange(other.socket_, -1)) {}

PendingCompile& PendingCompile::operator=(PendingCompile&& other) noexcept {
  if (this != &other) {
    abandon();
    pid_ = std::exchange(other.pid_, -1);
    socket_ = std::exchange(other.socket_, -1);
  }
  return *this;
}

PendingCompile::~PendingCompile() { abandon(); }

void PendingCompile::abandon() {
  if (socket_ >= 0) ::close(socket_);  // EOF with no input: the child exits
  if (pid_ > 0) reap_later(pid_);
  socket_ = -1;
  pid_ = -1;
}

Result<CompileOutput> PendingCompile::finish(const CompileInput& input,
                                             std::chrono::milliseconds deadline) {
  if (pid_ <= 0) return Error{"this compile was already finished", std::string(kReport)};
  if (!input.files.contains(input.main_file)) {
    return Error{fmt::format("compile input has no file {}", input.main_file),
                 std::string(kReport)};
  }
  // A child that died early closes its end: the write fails (no SIGPIPE) and what is
  // read then says why.
  write_all(socket_, encode_input(input));
  ::shutdown(socket_, SHUT_WR);
  // Read to EOF before waiting: the child blocks once the socket buffer is full.
  std::vector<uint8_t> bytes;
  const bool answered = read_all_until(socket_, std::chrono::steady_clock::now() + deadline, bytes);
  ::close(socket_);
  socket_ = -1;
  const pid_t pid = std::exchange(pid_, -1);
  if (!answered) {
    ::kill(pid, SIGKILL);
    int status = 0;
    wait_for_exit(pid, status);
    return Error{fmt::format("the BPF C compiler did not finish {} within {} ms, and was stopped",
                             input.main_file, deadline.count()),
                 "a compile takes well under a second: if the machine is not overloaded, "
                 "this is a bug in sonde, please report it"};
  }

  std::optional<Frame> frame = decode_frame(bytes);
  if (frame) {
    reap_later(pid);  // the answer is complete: how the child ends changes nothing
    return interpret(input, frame, 0, 0);
  }
  int wait_status = 0;
  const int waited = wait_for_exit(pid, wait_status);
  return interpret(input, frame, wait_status, waited == 0 ? 0 : errno);
}

Result<CompileOutput> compile(const CompileInput& input) {
  if (!input.files.contains(input.main_file)) {
    return Error{fmt::format("compile input has no file {}", input.main_file),
                 std::string(kReport)};
  }
  Result<PendingCompile> pending = PendingCompile::start();
  if (!pending) return pending.error();
  return pending->finish(input);
}

}  // namespace sonde::clang_bpf
