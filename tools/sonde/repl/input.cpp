#include "tools/sonde/repl/input.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <utility>

#include <cerrno>

#include "tools/sonde/repl/signals.h"

namespace sonde::repl {
namespace {

// The terminal without its line discipline (keys arrive one at a time, unechoed),
// restored when destroyed. Ctrl-C still raises SIGINT.
class RawKeys {
 public:
  explicit RawKeys(int fd) : fd_(fd) {
    if (tcgetattr(fd, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    active_ = tcsetattr(fd, TCSANOW, &raw) == 0;
  }
  ~RawKeys() {
    if (active_) tcsetattr(fd_, TCSANOW, &saved_);
  }
  RawKeys(const RawKeys&) = delete;
  RawKeys& operator=(const RawKeys&) = delete;

 private:
  int fd_;
  termios saved_{};
  bool active_ = false;
};

class PlainInput : public Input {
 public:
  explicit PlainInput(int fd) : fd_(fd) {}

  ReadResult read_line(const std::string&) override {
    take_interrupt();
    for (;;) {
      if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
        ReadResult r{ReadStatus::kLine, buffer_.substr(0, nl)};
        buffer_.erase(0, nl + 1);
        return r;
      }
      if (ended_) {
        if (buffer_.empty()) return {};
        return {ReadStatus::kLine, std::exchange(buffer_, {})};
      }
      char chunk[4096];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n > 0) {
        buffer_.append(chunk, static_cast<size_t>(n));
      } else if (n < 0 && errno == EINTR) {
        if (stop_requested()) return {};
        if (take_interrupt()) return {ReadStatus::kInterrupted, {}};
      } else {
        ended_ = true;
      }
    }
  }

  bool wait_for_key(std::chrono::milliseconds timeout) override {
    // A script's next line ends a watch without being consumed.
    return !buffer_.empty() || ended_ || wait_for_input(fd_, timeout, false);
  }

  bool interactive() const override { return false; }

 private:
  int fd_;
  std::string buffer_;
  bool ended_ = false;
};

}  // namespace

std::unique_ptr<Input> plain_input(int fd) { return std::make_unique<PlainInput>(fd); }

size_t terminal_width() {
  winsize ws{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

bool wait_for_input(int fd, std::chrono::milliseconds timeout, bool raw_keys) {
  std::unique_ptr<RawKeys> raw;
  if (raw_keys && isatty(fd)) raw = std::make_unique<RawKeys>(fd);
  pollfd p{fd, POLLIN, 0};
  int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready < 0) return errno != EINTR || take_interrupt() || stop_requested();
  if (ready == 0) return false;
  if (raw) {
    // The key, and the rest of its escape sequence if it has one (arrows, F-keys).
    char keys[64];
    do {
      if (::read(fd, keys, sizeof keys) <= 0) break;
    } while (::poll(&p, 1, 0) > 0);
  }
  return true;
}

}  // namespace sonde::repl
