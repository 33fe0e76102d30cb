// libbpf prints through one process-wide callback. This module installs its own:
// nothing reaches stderr, warnings are remembered per thread so that an Error can
// quote the line that explains it, and `--verbose` can route every line to a sink.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sonde::bpf {

enum class LibbpfLevel : uint8_t { kWarning, kInfo, kDebug };
using LibbpfSink = std::function<void(LibbpfLevel, std::string_view message)>;

// Installs the callback. Idempotent; every entry point of this module calls it.
void install_libbpf_log();

// Also sends every libbpf message to `sink` (nullptr: stop). Debug messages are only
// formatted while a sink is set, so the quiet default costs nothing.
void set_libbpf_log_sink(LibbpfSink sink);

// The warnings libbpf printed on this thread since this object was made.
class LibbpfWarnings {
 public:
  LibbpfWarnings();
  std::vector<std::string> lines() const;
  // The last warning containing `needle` (any warning when empty), or "".
  std::string last(std::string_view needle = {}) const;

 private:
  uint64_t start_;
};

}  // namespace sonde::bpf
