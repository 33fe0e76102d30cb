// Decoded values of one label configuration, keyed by the label's raw key bytes.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/decode/bytes.h"

namespace sonde::decode {

class LabelCache {
 public:
  struct Entry {
    std::string text;
    bool retry = false;  // the decode failed but may succeed later (a new cgroup)
  };

  // nullptr when `raw` was never inserted. Entries stay at their address until clear().
  Entry* find(Bytes raw);
  Entry& insert(Bytes raw, Entry entry);
  void clear();
  size_t size() const { return entries_.size(); }

 private:
  // Keys of up to 16 bytes (integers, an address with its pid, comm) live in an
  // open-addressing table of plain integers: a lookup is a hash, one or two probes in a
  // contiguous array, and the entry. That is what a second scrape of 100k keys costs.
  struct SmallKey {
    uint64_t lo = 0, hi = 0, size = 0;
    bool operator==(const SmallKey&) const = default;
  };
  struct Stored {
    Entry entry;
    SmallKey key;  // the rest of the key, checked when a slot's first word matches
  };
  struct Slot {
    uint64_t lo = 0;           // first 8 bytes of the key
    Stored* stored = nullptr;  // nullptr: empty slot
  };
  struct LargeHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };

  static SmallKey small_key(Bytes raw);
  static uint64_t hash(const SmallKey& key);
  Slot* probe(const SmallKey& key);  // the slot holding `key`, or the empty slot for it
  void grow();

  std::vector<Slot> slots_;  // capacity a power of two, at most half full
  size_t small_count_ = 0;
  std::deque<Stored> entries_;  // a deque: growing it moves no entry
  std::unordered_map<std::string, Entry*, LargeHash, std::equal_to<>> large_;
};

}  // namespace sonde::decode
