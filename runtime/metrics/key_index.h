// Raw map keys -> small integers, kept from one scrape to the next so that a key seen
// before costs a hash probe instead of decoding its labels again. Keys of one map all
// have the same size; they are copied into one flat buffer, and the table holds
// indexes into it with a hash tag, so a probe touches two contiguous arrays and no
// heap nodes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace sonde::metrics {

class KeyIndex {
 public:
  explicit KeyIndex(uint32_t key_size = 0) : key_size_(key_size) {}

  // The value stored with `key`, or nullptr. Valid until the next insert() or clear().
  uint32_t* find(std::span<const uint8_t> key);
  // `key` must not be present (find() it first).
  void insert(std::span<const uint8_t> key, uint32_t value);
  // Room for `count` keys without rehashing.
  void reserve(size_t count);
  size_t size() const { return values_.size(); }
  void clear();

 private:
  struct Slot {
    uint32_t tag = 0;    // high bits of the key's hash
    uint32_t entry = 0;  // index + 1 into values_; 0: empty
  };
  static uint64_t hash(std::span<const uint8_t> key);
  Slot& probe(std::span<const uint8_t> key, uint64_t h);
  void rehash(size_t slots);

  uint32_t key_size_;
  std::vector<uint8_t> keys_;  // key_size_ bytes per entry
  std::vector<uint32_t> values_;
  std::vector<Slot> table_;  // a power of two, at most 4/5 full
};

}  // namespace sonde::metrics
