// Insert-only open-addressing hashes from names in the BTF string section to type ids.
// Entries hold 32-bit hashes, not strings: names stay in the string section and are
// compared only when hashes agree. With linear probing and no deletions, a lookup
// meets equal keys in insertion order, so the first type inserted wins, as find()
// promises. Tables stay small (8-12 bytes a slot, load <= 0.6) because their build is
// bound by cache misses on random inserts.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "compiler/kernel/prefaulted_array.h"

namespace sonde::kernel {

namespace name_hash {

inline uint64_t mix(uint64_t h, uint64_t word) {
  h ^= word;
  h *= 0x9e3779b97f4a7c15ull;
  return std::rotl(h, 29);
}

inline uint32_t finish(uint64_t h, uint32_t tag) {
  h ^= uint64_t{tag} * 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 29;
  return static_cast<uint32_t>(h);
}

// Hash of a name given by length.
inline uint32_t of(std::string_view s, uint32_t tag) {
  uint64_t h = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = mix(h, w);
  }
  if (i < s.size()) {
    uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    h = mix(h, w);
  }
  return finish(h, tag);
}

// Same hash of a NUL-terminated name in [p, end), found a word at a time (the
// section's last byte is NUL, so the bytewise tail never runs past `end`).
inline uint32_t of_cstr(const char* p, const char* end, uint32_t tag) {
  uint64_t h = 0;
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    // Bit trick: the lowest set bit of `zero` marks the first NUL byte.
    uint64_t zero = (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
    if (zero != 0) {
      int bytes = std::countr_zero(zero) / 8;
      if (bytes > 0) h = mix(h, w & ((uint64_t{1} << (bytes * 8)) - 1));
      return finish(h, tag);
    }
    h = mix(h, w);
    p += 8;
  }
  uint64_t w = 0;
  size_t n = 0;
  while (p + n < end && p[n] != '\0') ++n;
  if (n > 0) {
    std::memcpy(&w, p, n);
    h = mix(h, w);
  }
  return finish(h, tag);
}

}  // namespace name_hash

struct NameEntry {
  uint32_t hash = 0;
  uint32_t id = 0;  // 0 marks an empty slot
};

struct EnumeratorEntry {
  uint32_t hash = 0;
  uint32_t id = 0;     // the enum; 0 marks an empty slot
  uint32_t index = 0;  // the enumerator's position in it
};

template <typename Entry>
class NameHash {
 public:
  void reserve(size_t count) {
    size_t capacity = 16;
    while (capacity * 3 < count * 5) capacity *= 2;
    slots_ = PrefaultedArray<Entry>(capacity);
    mask_ = capacity - 1;
  }

  // `e.id` must be non-zero; reserve() must have made room for every insert.
  void insert(const Entry& e) {
    for (size_t i = e.hash & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].id == 0) {
        slots_[i] = e;
        return;
      }
    }
  }

  // The first entry with hash `h` for which `matches(entry)` holds, or nullptr.
  template <typename Matches>
  const Entry* find(uint32_t h, Matches&& matches) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (e.id == 0) return nullptr;
      if (e.hash == h && matches(e)) return &e;
    }
  }

  size_t memory_bytes() const { return slots_.bytes(); }

 private:
  PrefaultedArray<Entry> slots_;
  size_t mask_ = 0;
};

}  // namespace sonde::kernel
