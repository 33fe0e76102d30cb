// A compiled program running in the kernel: loaded, attached, and readable. The one
// code path `sonde run`, the REPL and `sonde-agent` share. Destroying a Session
// detaches every probe and frees every map.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/bpf/attach.h"
#include "runtime/bpf/object.h"
#include "runtime/metrics/collector.h"
#include "runtime/metrics/snapshot.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::session {

struct Options {
  // Strict: every probe must load and attach or nothing runs. Otherwise what can run
  // does, and `failures()` says what did not.
  bool strict = true;
  bool verbose = false;  // errors carry the verifier's whole log
};

struct ProbeFailure {
  spec::Probe probe;
  Error error;
};

class Session {
 public:
  static Result<std::unique_ptr<Session>> start(spec::Program program, const Options& options = {});
  ~Session();

  const spec::Program& program() const { return program_; }
  size_t attached_probes() const { return attached_; }
  const std::vector<ProbeFailure>& failures() const { return failures_; }

  // Appends the current values of every metric. Thread-safe.
  Status snapshot(metrics::Snapshot& out);
  Result<std::vector<metrics::SpanCounters>> span_counters();
  Status clear(uint32_t statement);
  decode::DecodeStats decode_stats();
  const bpf::Object& object() const { return *object_; }

 private:
  explicit Session(spec::Program program) : program_(std::move(program)) {}

  spec::Program program_;
  std::unique_ptr<bpf::Object> object_;
  bpf::Links links_;
  std::unique_ptr<metrics::Collector> collector_;
  std::vector<ProbeFailure> failures_;
  size_t attached_ = 0;
  std::mutex mutex_;
};

}  // namespace sonde::session
