// Turns raw map-key bytes into label values (ksym, syscall, errno, ntop, disk, ...).
// One decoder per file under runtime/decode/; this is the only interface the rest of
// the runtime sees. Results are cached per raw key, so a scrape does not re-resolve
// what it already knows.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/spec/program.h"

namespace sonde::decode {

// Reads the frames of a stack id from a stack-trace map (provided by the caller, who
// owns the map handles). Returns false when the id is gone.
using StackReader =
    std::function<bool(const std::string& map, uint32_t stack_id, std::vector<uint64_t>& frames)>;

struct DecodeStats {
  // Decodes that failed (shown numerically instead); a failure served from the cache is
  // not counted again.
  uint64_t errors = 0;
  uint64_t cache_hits = 0;
  uint64_t cache_misses = 0;
};

class Decoders {
 public:
  explicit Decoders(StackReader stacks = nullptr);
  ~Decoders();
  Decoders(const Decoders&) = delete;
  Decoders& operator=(const Decoders&) = delete;

  // Decodes the label's bytes at `label.offset` within `key` (key.size() >= offset+size).
  // Never fails: a value that cannot be decoded is rendered numerically (and counted);
  // a label that does not fit in the key reads "invalid". The reference stays valid
  // until forget_volatile() or destruction. Not thread-safe.
  const std::string& decode(const spec::Label& label, std::span<const uint8_t> key);
  // The same text, into `out`. Integers are formatted afresh, which costs less than a
  // cache probe and keeps nothing per key; other decoders go through the cache. For
  // callers that keep what they decode (the collector decodes each key once).
  void decode_to(const spec::Label& label, std::span<const uint8_t> key, std::string& out);

  // Drops cached results that depend on changing state (integers such as pids, strings
  // such as comms, cgroups, user symbols, stacks) so a long run picks up renames and
  // reused ids and memory stays bounded; kernel symbols and fixed tables stay cached.
  void forget_volatile();

  const DecodeStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sonde::decode
