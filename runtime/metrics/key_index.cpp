#include "runtime/metrics/key_index.h"

#include <bit>
#include <cstring>

namespace sonde::metrics {

uint64_t KeyIndex::hash(std::span<const uint8_t> key) {
  uint64_t h = key.size();
  size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, key.data() + i, 8);
    h = std::rotl((h ^ w) * 0x9e3779b97f4a7c15ull, 27);
  }
  if (i < key.size()) {
    uint64_t w = 0;
    std::memcpy(&w, key.data() + i, key.size() - i);
    h = std::rotl((h ^ w) * 0x9e3779b97f4a7c15ull, 27);
  }
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 29);
}

KeyIndex::Slot& KeyIndex::probe(std::span<const uint8_t> key, uint64_t h) {
  const size_t mask = table_.size() - 1;
  const auto tag = static_cast<uint32_t>(h >> 32);
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = table_[i];
    if (s.entry == 0) return s;
    if (s.tag == tag &&
        std::memcmp(keys_.data() + size_t{s.entry - 1} * key_size_, key.data(), key_size_) == 0) {
      return s;
    }
  }
}

uint32_t* KeyIndex::find(std::span<const uint8_t> key) {
  if (table_.empty() || key.size() != key_size_) return nullptr;
  Slot& s = probe(key, hash(key));
  return s.entry == 0 ? nullptr : &values_[s.entry - 1];
}

void KeyIndex::rehash(size_t slots) {
  table_.assign(slots, Slot{});
  for (size_t e = 0; e < values_.size(); ++e) {
    std::span<const uint8_t> key(keys_.data() + e * key_size_, key_size_);
    uint64_t h = hash(key);
    Slot& s = probe(key, h);
    s = Slot{static_cast<uint32_t>(h >> 32), static_cast<uint32_t>(e + 1)};
  }
}

// The table is kept at most 4/5 full: 1.25-2.5 slots (10-20 bytes) a key. Half full, it
// took 2 MB rather than 1 for 100k keys. A warm scrape finds nearly every key by its
// position (Collector) rather than by probing, and a miss probes ~13 slots at 4/5 full:
// a new key is decoded anyway, which costs far more.
static bool too_full(size_t keys, size_t slots) { return keys * 5 > slots * 4; }

void KeyIndex::reserve(size_t count) {
  keys_.reserve(count * key_size_);
  values_.reserve(count);
  if (too_full(count, table_.size())) rehash(std::bit_ceil(count * 5 / 4 + 1));
}

void KeyIndex::insert(std::span<const uint8_t> key, uint32_t value) {
  if (too_full(values_.size() + 1, table_.size())) rehash(table_.empty() ? 64 : table_.size() * 2);
  keys_.insert(keys_.end(), key.begin(), key.end());
  values_.push_back(value);
  uint64_t h = hash(key);
  probe(key, h) = Slot{static_cast<uint32_t>(h >> 32), static_cast<uint32_t>(values_.size())};
}

void KeyIndex::clear() {
  keys_.clear();
  values_.clear();
  table_.clear();
}

}  // namespace sonde::metrics
