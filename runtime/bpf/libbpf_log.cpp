#include "runtime/bpf/libbpf_log.h"

#include <bpf/libbpf.h>

#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string_view>

namespace sonde::bpf {
namespace {

// Enough to cover one load or attach; older lines are of no use to an error.
constexpr size_t kKeptWarnings = 128;

struct ThreadWarnings {
  std::deque<std::string> lines;
  uint64_t total = 0;  // warnings ever recorded on this thread
};

thread_local ThreadWarnings warnings;

std::mutex sink_mutex;
LibbpfSink sink;
std::atomic<bool> has_sink{false};

std::string format(const char* fmt, va_list args) {
  char small[512];
  va_list copy;
  va_copy(copy, args);
  int n = std::vsnprintf(small, sizeof(small), fmt, copy);
  va_end(copy);
  if (n < 0) return {};
  if (static_cast<size_t>(n) < sizeof(small)) return std::string(small, n);
  std::string big(static_cast<size_t>(n) + 1, '\0');
  std::vsnprintf(big.data(), big.size(), fmt, args);
  big.resize(static_cast<size_t>(n));
  return big;
}

int print(enum libbpf_print_level level, const char* fmt, va_list args) {
  bool warn = level == LIBBPF_WARN;
  bool forward = has_sink.load(std::memory_order_relaxed);
  if (!warn && !forward) return 0;
  std::string message = format(fmt, args);
  while (!message.empty() && message.back() == '\n') message.pop_back();
  constexpr std::string_view prefix = "libbpf: ";  // every line has it; errors read better without
  if (std::string_view(message).substr(0, prefix.size()) == prefix) message.erase(0, prefix.size());
  if (forward) {
    LibbpfLevel ours = warn                   ? LibbpfLevel::kWarning
                       : level == LIBBPF_INFO ? LibbpfLevel::kInfo
                                              : LibbpfLevel::kDebug;
    std::lock_guard lock(sink_mutex);
    if (sink) sink(ours, message);
  }
  if (warn) {
    warnings.lines.push_back(std::move(message));
    if (warnings.lines.size() > kKeptWarnings) warnings.lines.pop_front();
    ++warnings.total;
  }
  return 0;
}

}  // namespace

void install_libbpf_log() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(print); });
}

void set_libbpf_log_sink(LibbpfSink new_sink) {
  install_libbpf_log();
  std::lock_guard lock(sink_mutex);
  sink = std::move(new_sink);
  has_sink.store(static_cast<bool>(sink), std::memory_order_relaxed);
}

LibbpfWarnings::LibbpfWarnings() : start_(warnings.total) { install_libbpf_log(); }

std::vector<std::string> LibbpfWarnings::lines() const {
  uint64_t fresh = warnings.total - start_;
  size_t kept = warnings.lines.size();
  size_t first = fresh >= kept ? 0 : kept - static_cast<size_t>(fresh);
  return {warnings.lines.begin() + static_cast<std::ptrdiff_t>(first), warnings.lines.end()};
}

std::string LibbpfWarnings::last(std::string_view needle) const {
  std::vector<std::string> all = lines();
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (needle.empty() || it->find(needle) != std::string::npos) return *it;
  }
  return {};
}

}  // namespace sonde::bpf
