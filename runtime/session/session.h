// A compiled program running in the kernel: loaded, attached, and readable. The one
// code path `sonde run`, the REPL and `sonde-agent` share. Destroying a Session
// detaches every probe and frees every map.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/bpf/attach.h"
#include "runtime/bpf/object.h"
#include "runtime/btf/kernel_btf.h"
#include "runtime/metrics/collector.h"
#include "runtime/metrics/snapshot.h"
#include "runtime/session/events.h"
#include "runtime/session/hook_chain.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::session {

struct Options {
  // Strict: every probe must load and attach or nothing runs. Otherwise what can run
  // does, and `failures()` says what did not.
  bool strict = true;
  bool verbose = false;  // errors carry the verifier's whole log
  // The running kernel's BTF, shared by the programs a process loads; null: opened at
  // load when the program has CO-RE relocations (runtime/session/relocation.h).
  std::shared_ptr<const btf::KernelBtf> kernel_btf;
  // The REPL: programs that join their hook's chain (hook_chain.h) instead of attaching,
  // by program name. Strict sessions only.
  struct Chained {
    std::string map;  // the program's prog array (lower::chain_map_name), shared at load
    std::shared_ptr<ChainSlot> slot;
  };
  std::map<std::string, Chained> chained;
};

struct ProbeFailure {
  spec::Probe probe;
  Error error;
};

// --series-ttl: the TTL of the series of every keyed metric whose statement has no
// `ttl` clause, replacing the default (10 minutes for pid, tid and comm keys, none for
// others); 0 keeps them for ever. Applied to a program before it starts (or is bundled).
void set_series_ttl(spec::Program& program, std::chrono::nanoseconds ttl);
// The value of --series-ttl: a duration of at least 1s, or 0.
Result<std::chrono::nanoseconds> parse_series_ttl(std::string_view text);

class Session {
 public:
  static Result<std::unique_ptr<Session>> start(spec::Program program, const Options& options = {});
  ~Session();

  const spec::Program& program() const { return program_; }
  size_t attached_probes() const { return attached_; }
  const std::vector<ProbeFailure>& failures() const { return failures_; }
  // How the CO-RE relocations were resolved: the size of the part of the kernel's BTF
  // handed to libbpf (0: none), or why libbpf read the whole of it instead.
  size_t relocation_btf_size() const { return relocation_btf_size_; }
  const std::string& whole_btf_reason() const { return whole_btf_reason_; }

  // Appends the current values of every metric. Thread-safe. With `out.stream_series`,
  // `out.held` keeps the values from changing (no snapshot, sweep or clear) until the
  // caller clears it; the other methods may still be called meanwhile.
  Status snapshot(metrics::Snapshot& out);
  Result<std::vector<metrics::SpanCounters>> span_counters();
  Status clear(uint32_t statement);
  // Reads the maps as a scrape does, for what reading does besides: series past their
  // TTL leave the maps (the run loop calls it when nothing else reads them).
  Status sweep();
  // The shortest TTL of its metrics' series, or 0 when none expire.
  uint64_t shortest_series_ttl_ns() const;
  decode::DecodeStats decode_stats();
  const bpf::Object& object() const { return *object_; }
  // `print` statements' records; null when the program prints nothing. Not thread-safe:
  // one thread (the run loop, the REPL's) reads them.
  EventReader* events() { return events_.get(); }
  // The chain slot of `program`, when it joined its hook's chain rather than attaching.
  const ChainSlot* chain_slot(const std::string& program) const;

 private:
  explicit Session(spec::Program program) : program_(std::move(program)) {}

  spec::Program program_;
  std::unique_ptr<bpf::Object> object_;
  bpf::Links links_;
  std::map<std::string, std::shared_ptr<ChainSlot>> chain_slots_;  // by program
  std::unique_ptr<metrics::Collector> collector_;
  std::unique_ptr<EventReader> events_;
  std::vector<ProbeFailure> failures_;
  size_t attached_ = 0;
  size_t relocation_btf_size_ = 0;
  std::string whole_btf_reason_;
  std::mutex mutex_;
  // Held while the collector's state changes (snapshot, sweep, clear) and while a
  // streamed snapshot reads it; always taken before mutex_, never while holding it.
  std::mutex series_mutex_;
};

}  // namespace sonde::session
