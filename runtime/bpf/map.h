// A map of a loaded Object, by the name the ELF gives it. Reading is built for scrapes:
// every key and every CPU's value in a few batch syscalls, into flat buffers that are
// reused from one scrape to the next.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "support/result.h"

struct bpf_object;

namespace sonde::bpf {

struct MapInfo {
  std::string name;
  uint32_t id = 0;    // kernel map id (bpftool map show id N)
  uint32_t type = 0;  // enum bpf_map_type
  uint32_t key_size = 0;
  uint32_t value_size = 0;  // per CPU for per-CPU maps, as declared
  uint32_t max_entries = 0;
  uint32_t flags = 0;
  bool per_cpu = false;  // one value per possible CPU for every key
};
// The current number of entries of a hash is not known to the kernel cheaply; it is
// `MapEntries::count` after `Map::read_all`.

// Every entry of a map at one moment. Plain buffers: entry i's key is at
// keys[i * key_size]; its value on CPU c at values[(i * cpus + c) * value_stride].
struct MapEntries {
  uint32_t key_size = 0;
  uint32_t value_size = 0;    // per CPU, as declared
  uint32_t value_stride = 0;  // bytes from one CPU's value to the next (8-aligned if per-CPU)
  uint32_t cpus = 1;          // values per key: possible CPUs for per-CPU maps, else 1
  size_t count = 0;
  std::vector<uint8_t> keys;    // may be longer than count * key_size: reused capacity
  std::vector<uint8_t> values;  // may be longer than count * cpus * value_stride
  std::vector<uint8_t> cursor;  // batch position, reused

  std::span<const uint8_t> key(size_t i) const { return {keys.data() + i * key_size, key_size}; }
  std::span<const uint8_t> value(size_t i, uint32_t cpu = 0) const {
    return {values.data() + (i * cpus + cpu) * value_stride, value_size};
  }
  // Sum over CPUs of the u64 at `offset` in entry i's value.
  uint64_t sum_u64(size_t i, size_t offset = 0) const;
};

// Valid while anything refers to it: a Map keeps its Object's maps alive.
class Map {
 public:
  Map(std::shared_ptr<bpf_object> owner, int fd, MapInfo info, uint32_t cpus);

  const MapInfo& info() const { return info_; }
  int fd() const { return fd_; }
  const std::shared_ptr<bpf_object>& owner() const { return owner_; }
  // Values per key: possible CPUs for per-CPU maps, else 1.
  uint32_t cpus() const { return cpus_; }
  // Bytes one key's values take in user space (all CPUs): the size lookup() needs.
  size_t value_bytes() const { return static_cast<size_t>(cpus_) * value_stride_; }

  // Every key and value. Batch lookups (a 100k-key hash in 7 syscalls); falls back to
  // key-by-key iteration where the kernel has no batch support for the map type. The
  // cost is the kernel's walk of the hash: here ~0.5 ms for 10k keys, 15-25 ms for 100k
  // (cache misses on scattered elements); this side adds well under 1 ms.
  Status read_all(MapEntries& out) const;
  // The same, holding one batch of values at a time (at most ~1 MB, rather than the
  // whole map's): after each batch, `on_batch(first, n)` sees entries first..first+n-1,
  // entry first+j's values at `out.value(j, cpu)`. Keys are all kept, as read_all()'s.
  using OnBatch = std::function<void(size_t first, size_t n)>;
  Status read_all(MapEntries& out, const OnBatch& on_batch) const;

  // Reads one key's values (all CPUs) into `values` (value_bytes() long). False when
  // the key is absent.
  Result<bool> lookup(std::span<const uint8_t> key, std::span<uint8_t> values) const;
  // Slot `index` of an array (per-CPU or not).
  Status lookup_slot(uint32_t index, std::span<uint8_t> values) const;
  // Creates or replaces one key's values (all CPUs).
  Status update(std::span<const uint8_t> key, std::span<const uint8_t> values) const;
  // False when the key was absent.
  Result<bool> remove(std::span<const uint8_t> key) const;
  // Removes one key of a hash and reads its values (all CPUs) in the same step
  // (BPF_MAP_LOOKUP_AND_DELETE_ELEM, per-CPU hashes since Linux 5.14): an update a
  // program makes before the removal is in `values`, one made after goes to a new key.
  // False when the key was absent.
  Result<bool> lookup_and_remove(std::span<const uint8_t> key, std::span<uint8_t> values) const;
  // Hashes lose every key; arrays have every slot zeroed (array slots cannot be
  // deleted).
  Status clear() const;

  // Stack trace maps: the frames (instruction addresses) of `stack_id`, innermost
  // first. False when the id is gone (evicted or never stored).
  Result<bool> read_stack(uint32_t stack_id, std::vector<uint64_t>& frames) const;

 private:
  Status read_batch(MapEntries& out, bool& unsupported, const OnBatch* on_batch) const;
  Status read_by_key(MapEntries& out, const OnBatch* on_batch) const;
  Status clear_hash() const;
  Status clear_array() const;
  Error error(std::string_view what, int err) const;

  std::shared_ptr<bpf_object> owner_;
  int fd_ = -1;
  MapInfo info_;
  uint32_t cpus_ = 1;
  uint32_t value_stride_ = 0;
};

}  // namespace sonde::bpf
