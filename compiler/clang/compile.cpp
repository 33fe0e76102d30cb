#include "compiler/clang/compile.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <span>

#include <fmt/format.h>

#include "compiler/clang/frame.h"
#include "compiler/clang/plugin_abi.h"
#include "compiler/clang/plugin_loader.h"

namespace sonde::clang_bpf {
namespace {

constexpr const char* kReport = "this is a bug in sonde, please report it";

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The plugin's view of a CompileInput; pointers into `input`, which must outlive it.
// Built before fork() so the child does as little as possible.
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
  write_frame(*static_cast<int*>(context), FrameKind::llvm_fatal_error, {}, reason);
  ::_exit(0);
}

// Runs in the forked child: compile, send one frame, exit without running the
// parent's atexit handlers or flushing its stdio buffers.
[[noreturn]] void run_child(int fd, Plugin plugin, const std::string& plugin_path,
                            sonde_cc_input input) {
  // A crash must kill the child with its signal, whatever handlers the parent set.
  for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS}) {
    std::signal(sig, SIG_DFL);
  }
  // Drop every descriptor inherited from the parent but stdio and our pipe: another
  // thread's compile pipe would otherwise not see EOF until this child exits, and the
  // compiler has no business holding the parent's sockets or BPF objects.
  if (fd > 3) ::close_range(3, static_cast<unsigned>(fd) - 1, 0);
  ::close_range(static_cast<unsigned>(fd) + 1, ~0u, 0);
  if (plugin.compile == nullptr) {
    Result<Plugin> loaded = load_plugin(plugin_path);
    if (!loaded) {
      write_frame(fd, FrameKind::plugin_error, {}, loaded.error().message);
      ::_exit(0);
    }
    plugin = *loaded;
  }
  input.on_fatal_error = report_fatal_error;
  input.fatal_error_context = &fd;

  sonde_cc_output output{};
  int status = plugin.compile(SONDE_CC_ABI_VERSION, &input, &output);
  std::string_view text(output.diagnostics != nullptr ? output.diagnostics : "",
                        output.diagnostics_size);
  switch (status) {
    case SONDE_CC_OK:
      write_frame(fd, FrameKind::object, {output.object, output.object_size}, text);
      break;
    case SONDE_CC_COMPILE_ERROR:
      write_frame(fd, FrameKind::compile_error, {}, text);
      break;
    default:
      write_frame(fd, FrameKind::plugin_error, {}, text);
      break;
  }
  ::_exit(0);
}

std::vector<uint8_t> read_all(int fd) {
  std::vector<uint8_t> bytes;
  size_t size = 0;
  for (;;) {
    bytes.resize(size + 64 * 1024);
    ssize_t got = ::read(fd, bytes.data() + size, bytes.size() - size);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF, or an error: the frame check below reports it
    size += static_cast<size_t>(got);
  }
  bytes.resize(size);
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

Result<CompileOutput> compile(const CompileInput& input) {
  if (!input.files.contains(input.main_file)) {
    return Error{fmt::format("compile input has no file {}", input.main_file),
                 std::string(kReport)};
  }
  Plugin plugin = preloaded_plugin();
  std::string plugin_path;
  if (plugin.compile == nullptr) {
    Result<std::string> found = find_plugin();
    if (!found) return found.error();
    plugin_path = std::move(*found);
  }
  PluginInput plugin_input(input);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Error{
        fmt::format("cannot create a pipe to the BPF C compiler: {}", std::strerror(errno)), ""};
  }
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) {
    return Error{fmt::format("cannot start the BPF C compiler: fork: {}", std::strerror(errno)),
                 ""};
  }
  if (pid == 0) {
    read_end.reset();
    run_child(write_end.get(), plugin, plugin_path, plugin_input.abi);
  }
  write_end.reset();
  // Read to EOF before waiting: the child blocks once the pipe buffer is full.
  std::vector<uint8_t> bytes = read_all(read_end.get());
  read_end.reset();

  int wait_status = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(pid, &wait_status, 0);
  } while (reaped < 0 && errno == EINTR);
  return interpret(input, decode_frame(bytes), wait_status, reaped == pid ? 0 : errno);
}

}  // namespace sonde::clang_bpf
