// Map contents -> Snapshot: reads every metric map of a loaded program, sums per-CPU
// values, decodes keys into labels, merges keys that decode to the same labels
// (two addresses in one function, "WS" and "W" requests), and shapes histograms.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/bpf/map.h"
#include "runtime/bpf/object.h"
#include "runtime/decode/decoder.h"
#include "runtime/metrics/accumulator.h"
#include "runtime/metrics/snapshot.h"
#include "runtime/spec/program.h"
#include "support/result.h"

namespace sonde::metrics {

struct SpanCounters {
  std::string span;
  uint32_t statement = 0;
  uint64_t starts = 0;
  uint64_t completed = 0;
  uint64_t in_flight = 0;
  uint64_t evicted = 0;  // starts lost to the LRU bound: starts - completed - in flight
  uint32_t capacity = 0;
};

class Collector {
 public:
  // `object` must be loaded; it must outlive the collector.
  static Result<std::unique_ptr<Collector>> create(const spec::Program& program,
                                                   const bpf::Object& object);
  ~Collector();

  // Appends one family per metric of the program. With `out.stream_series`, the
  // families' series are streams over this collector's state (Family::stream), valid
  // until its next collect() or clear(): the caller keeps those from running meanwhile.
  Status collect(Snapshot& out);
  // Statements' span counters (for self-metrics and the terminal).
  Result<std::vector<SpanCounters>> spans();
  // Forgets every value of one statement (the REPL's clear).
  Status clear(uint32_t statement);

  const decode::DecodeStats& decode_stats() const { return decoders_->stats(); }

 private:
  struct MetricState;
  Collector(const spec::Program& program, const bpf::Object& object);
  Status collect_metric(MetricState& state, Family& family, bool streamed);
  Status expire(MetricState& state, uint32_t scrape);
  bool read_overflow(MetricState& state, Accumulator& out);
  // Adds one key's values (all CPUs, `values.size() / cpus` bytes each) to `out`.
  void add_values(const spec::Metric& m, std::span<const uint8_t> values, uint32_t cpus,
                  Accumulator& out) const;

  const spec::Program& program_;
  const bpf::Object& object_;
  std::unique_ptr<decode::Decoders> decoders_;
  std::vector<std::unique_ptr<MetricState>> metrics_;
  std::unique_ptr<bpf::Map> drops_;
  std::unique_ptr<bpf::Map> overflow_;
  std::unique_ptr<bpf::Map> span_stats_;
  std::map<std::string, bpf::Map> stacks_;
  std::vector<uint64_t> evicted_floor_;  // per span: the most evictions reported yet
};

}  // namespace sonde::metrics
