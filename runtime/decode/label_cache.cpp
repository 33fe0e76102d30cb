#include "runtime/decode/label_cache.h"

#include <cstring>

namespace sonde::decode {
namespace {

constexpr size_t kSmall = 16;
constexpr size_t kInitialSlots = 64;

std::string_view as_view(Bytes raw) {
  return {reinterpret_cast<const char*>(raw.data()), raw.size()};
}

}  // namespace

LabelCache::SmallKey LabelCache::small_key(Bytes raw) {
  SmallKey k;
  k.size = raw.size();
  switch (raw.size()) {  // constant sizes inline to single loads
    case 8:
      std::memcpy(&k.lo, raw.data(), 8);
      break;
    case 4:
      std::memcpy(&k.lo, raw.data(), 4);
      break;
    case 0:
      break;
    default:
      std::memcpy(&k.lo, raw.data(), raw.size() < 8 ? raw.size() : 8);
      if (raw.size() > 8) std::memcpy(&k.hi, raw.data() + 8, raw.size() - 8);
  }
  return k;
}

uint64_t LabelCache::hash(const SmallKey& k) {
  // Multiply-xorshift: small sequential values (pids, syscall numbers) spread out.
  uint64_t h = (k.lo ^ (k.hi * 0xc2b2ae3d27d4eb4full) ^ k.size) * 0x9e3779b97f4a7c15ull;
  return h ^ (h >> 31);
}

LabelCache::Slot* LabelCache::probe(const SmallKey& key) {
  size_t mask = slots_.size() - 1;
  for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (!s.stored || (s.lo == key.lo && s.stored->key == key)) return &s;
  }
}

void LabelCache::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? kInitialSlots : old.size() * 2, Slot{});
  for (const Slot& s : old) {
    if (s.stored) *probe(s.stored->key) = s;
  }
}

LabelCache::Entry* LabelCache::find(Bytes raw) {
  if (raw.size() > kSmall) {
    auto it = large_.find(as_view(raw));
    return it == large_.end() ? nullptr : it->second;
  }
  if (slots_.empty()) return nullptr;
  Slot* s = probe(small_key(raw));
  return s->stored ? &s->stored->entry : nullptr;
}

LabelCache::Entry& LabelCache::insert(Bytes raw, Entry entry) {
  if (Entry* existing = find(raw)) {
    *existing = std::move(entry);
    return *existing;
  }
  if (raw.size() > kSmall) {
    Stored& stored = entries_.emplace_back(Stored{std::move(entry), SmallKey{}});
    large_.emplace(std::string(as_view(raw)), &stored.entry);
    return stored.entry;
  }
  if ((small_count_ + 1) * 2 > slots_.size()) grow();
  SmallKey key = small_key(raw);
  Slot* slot = probe(key);
  Stored& stored = entries_.emplace_back(Stored{std::move(entry), key});
  *slot = Slot{key.lo, &stored};
  ++small_count_;
  return stored.entry;
}

void LabelCache::clear() {
  slots_.clear();
  small_count_ = 0;
  large_.clear();
  entries_.clear();
}

}  // namespace sonde::decode
