// Lowering's first step, pure: a checked statement -> what the runtime reads (its metric:
// map, key and value sizes, labels and their decoders; its span; the probes its programs
// attach to) and the slots of its keys and span values. No C is written here: the C text
// step (lower.cpp) declares what this lays out, and tests check layouts without compiling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "compiler/sema/checked.h"
#include "runtime/spec/program.h"

namespace sonde::lower {

// How long a series keyed by pid, tid or comm may go without an update before it is
// removed, unless the statement says otherwise (`ttl D`) or --series-ttl does.
inline constexpr uint64_t kProcessSeriesTtlNs = 10ULL * 60 * 1000 * 1000 * 1000;

// One slot of a map key or of a span's start value: 8-byte aligned, integers as u64 or
// s64, strings and byte arrays padded to 8 (docs/ARCHITECTURE.md).
struct Slot {
  std::string field;  // its C member: k0, k1, ... in keys, l0, l1, ... in start values
  uint32_t offset = 0;
  uint32_t size = 0;       // bytes the decoder reads
  uint32_t slot_size = 0;  // bytes the slot takes (a multiple of 8)
  bool text = false;       // bytes (a string or a buffer), copied in; else a number
  bool is_signed = false;  // a number held as s64
};

struct StatementLayout {
  spec::Metric metric;
  std::vector<Slot> key;  // one per label, in the metric's order
  bool key_pid = false;   // the key ends with the tgid (user symbols and stacks are per process)
  bool stacks = false;    // kstack or ustack labels: a stack trace map (Metric's aux_map)
  uint32_t bucket_count = 0;  // bucketed values: one per bound and one above them all
  std::optional<spec::Span> span;
  std::vector<Slot> span_key;       // the key that pairs a span's starts and ends
  std::vector<Slot> start_values;   // labels stored with the start, after its timestamp
  std::vector<spec::Probe> probes;  // one per program, in the statement's order
  // `print`: its records (a u64 statement index, then `key`); `metric` is not exported.
  std::optional<spec::Events> events;
};

// `metric_slot` is the statement's slot in the drops map, `span_slot` its span's in the span
// stats map; `span_capacity` bounds the starts in flight.
StatementLayout layout_statement(const sema::CheckedStatement& s, uint32_t metric_slot,
                                 uint32_t span_slot, uint32_t span_capacity);

// The statement's map of metrics, stack traces and span starts.
std::string metric_map(uint32_t statement);
std::string stack_map(uint32_t statement);
std::string start_map(uint32_t statement);
inline constexpr const char* kEventsMap = "sonde_events";
inline constexpr uint32_t kEventHeader = 8;  // the u64 statement index before the fields

}  // namespace sonde::lower
