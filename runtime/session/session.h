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
#include "runtime/btf/kernel_btf.h"
#include "runtime/metrics/collector.h"
#include "runtime/metrics/snapshot.h"
#include "runtime/session/events.h"
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
  // How the CO-RE relocations were resolved: the size of the part of the kernel's BTF
  // handed to libbpf (0: none), or why libbpf read the whole of it instead.
  size_t relocation_btf_size() const { return relocation_btf_size_; }
  const std::string& whole_btf_reason() const { return whole_btf_reason_; }

  // Appends the current values of every metric. Thread-safe.
  Status snapshot(metrics::Snapshot& out);
  Result<std::vector<metrics::SpanCounters>> span_counters();
  Status clear(uint32_t statement);
  decode::DecodeStats decode_stats();
  const bpf::Object& object() const { return *object_; }
  // `print` statements' records; null when the program prints nothing. Not thread-safe:
  // one thread (the run loop, the REPL's) reads them.
  EventReader* events() { return events_.get(); }

 private:
  explicit Session(spec::Program program) : program_(std::move(program)) {}

  spec::Program program_;
  std::unique_ptr<bpf::Object> object_;
  bpf::Links links_;
  std::unique_ptr<metrics::Collector> collector_;
  std::unique_ptr<EventReader> events_;
  std::vector<ProbeFailure> failures_;
  size_t attached_ = 0;
  size_t relocation_btf_size_ = 0;
  std::string whole_btf_reason_;
  std::mutex mutex_;
};

}  // namespace sonde::session
