#include "runtime/bpf/map.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "runtime/bpf/errno_text.h"

namespace sonde::bpf {
namespace {

// Entries asked for per batch syscall: large enough that a 100k-key scrape is a handful
// of calls, small enough not to grow buffers far past a sparse LRU map's contents.
constexpr uint32_t kBatchChunk = 16384;
// ... and at most this many bytes of values per call: a histogram's per-CPU values are
// kilobytes per key, and a buffer sized for a whole capacity of them would be resident
// for the agent's lifetime.
constexpr size_t kBatchValueBytes = size_t{1} << 20;
constexpr int kEnotsupp = 524;  // kernel-internal, returned for unsupported map ops

bool is_unsupported(int err) {
  return err == -EINVAL || err == -EOPNOTSUPP || err == -kEnotsupp;  // ENOTSUP is EOPNOTSUPP
}

bool is_array(uint32_t type) {
  return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

bool is_hash(uint32_t type) {
  return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
         type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

void grow(std::vector<uint8_t>& buffer, size_t bytes) {
  if (buffer.size() < bytes) buffer.resize(std::max(bytes, buffer.size() * 2));
}

}  // namespace

uint64_t MapEntries::sum_u64(size_t i, size_t offset) const {
  uint64_t sum = 0;
  for (uint32_t cpu = 0; cpu < cpus; ++cpu) {
    uint64_t v;
    std::memcpy(&v, values.data() + (i * cpus + cpu) * value_stride + offset, sizeof(v));
    sum += v;
  }
  return sum;
}

Map::Map(std::shared_ptr<bpf_object> owner, int fd, MapInfo info, uint32_t cpus)
    : owner_(std::move(owner)), fd_(fd), info_(std::move(info)), cpus_(cpus) {
  // Per-CPU values are copied out 8-byte aligned, one after another.
  value_stride_ = info_.per_cpu ? (info_.value_size + 7) / 8 * 8 : info_.value_size;
}

Error Map::error(std::string_view what, int err) const {
  return Error{fmt::format("map '{}': {}: {}", info_.name, what, errno_text(err)), ""};
}

Status Map::read_all(MapEntries& out) const { return read_all(out, nullptr); }

Status Map::read_all(MapEntries& out, const OnBatch& on_batch) const {
  out.key_size = info_.key_size;
  out.value_size = info_.value_size;
  out.value_stride = value_stride_;
  out.cpus = cpus_;
  out.count = 0;
  const OnBatch* batches = on_batch ? &on_batch : nullptr;
  bool unsupported = false;
  Status batch = read_batch(out, unsupported, batches);
  if (batch.ok() || !unsupported) return batch;
  out.count = 0;
  return read_by_key(out, batches);
}

Status Map::read_batch(MapEntries& out, bool& unsupported, const OnBatch* on_batch) const {
  const size_t key_bytes = info_.key_size;
  const size_t entry_bytes = value_bytes();
  // Hashes use a u32 bucket cursor, arrays a key: room for either, in and out.
  const size_t token = std::max<size_t>(key_bytes, 8);
  grow(out.cursor, 2 * token);
  uint8_t* in = out.cursor.data();
  uint8_t* next = out.cursor.data() + token;
  uint32_t chunk = std::clamp<uint32_t>(info_.max_entries, 1, kBatchChunk);
  chunk = std::clamp<uint32_t>(
      static_cast<uint32_t>(kBatchValueBytes / std::max<size_t>(entry_bytes, 1)), 1, chunk);
  DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
  bool first = true;
  while (true) {
    // Values of one batch at a time go at the start of the buffer.
    const size_t value_at = on_batch ? 0 : out.count;
    grow(out.keys, (out.count + chunk) * key_bytes);
    grow(out.values, (value_at + chunk) * entry_bytes);
    uint32_t n = chunk;
    int err = bpf_map_lookup_batch(fd_, first ? nullptr : in, next,
                                   out.keys.data() + out.count * key_bytes,
                                   out.values.data() + value_at * entry_bytes, &n, &opts);
    if (err < 0 && err != -ENOENT) {
      if (err == -ENOSPC && n == 0) {  // one hash bucket holds more than `chunk` keys
        chunk *= 2;
        continue;
      }
      unsupported = first && is_unsupported(err);
      return error("batch lookup failed", err);
    }
    if (on_batch && n > 0) (*on_batch)(out.count, n);
    out.count += n;
    // libbpf 1.1 reports the end as ENOENT, with `n` set for the last chunk.
    if (err == -ENOENT || n == 0) return {};
    std::memcpy(in, next, token);
    first = false;
  }
}

Status Map::read_by_key(MapEntries& out, const OnBatch* on_batch) const {
  const size_t key_bytes = info_.key_size;
  const size_t entry_bytes = value_bytes();
  std::vector<uint8_t> key(key_bytes);
  int err = bpf_map_get_next_key(fd_, nullptr, key.data());
  while (err == 0) {
    const size_t value_at = on_batch ? 0 : out.count;
    grow(out.keys, (out.count + 1) * key_bytes);
    grow(out.values, (value_at + 1) * entry_bytes);
    uint8_t* slot = out.keys.data() + out.count * key_bytes;
    std::memcpy(slot, key.data(), key_bytes);
    err = bpf_map_lookup_elem(fd_, slot, out.values.data() + value_at * entry_bytes);
    if (err == 0) {
      if (on_batch) (*on_batch)(out.count, 1);
      ++out.count;
    } else if (err != -ENOENT) {  // ENOENT: deleted since we saw the key
      return error("lookup failed", err);
    }
    err = bpf_map_get_next_key(fd_, slot, key.data());
  }
  if (err != -ENOENT) return error("iteration failed", err);
  return {};
}

Result<bool> Map::lookup(std::span<const uint8_t> key, std::span<uint8_t> values) const {
  if (key.size() != info_.key_size || values.size() < value_bytes()) {
    return Error{fmt::format("map '{}': lookup with a {}-byte key and {}-byte value buffer, "
                             "needs {} and {}",
                             info_.name, key.size(), values.size(), info_.key_size, value_bytes()),
                 ""};
  }
  int err = bpf_map_lookup_elem(fd_, key.data(), values.data());
  if (err == -ENOENT) return false;
  if (err < 0) return error("lookup failed", err);
  return true;
}

Status Map::lookup_slot(uint32_t index, std::span<uint8_t> values) const {
  if (!is_array(info_.type) || info_.key_size != sizeof(index)) {
    return Error{fmt::format("map '{}' is not an array", info_.name), ""};
  }
  Result<bool> found = lookup({reinterpret_cast<const uint8_t*>(&index), sizeof(index)}, values);
  if (!found.ok()) return found.error();
  if (!*found) {
    return Error{fmt::format("map '{}': slot {} is past its {} entries", info_.name, index,
                             info_.max_entries),
                 ""};
  }
  return {};
}

Status Map::update(std::span<const uint8_t> key, std::span<const uint8_t> values) const {
  if (key.size() != info_.key_size || values.size() < value_bytes()) {
    return Error{fmt::format("map '{}': update with a {}-byte key and {}-byte values, needs "
                             "{} and {}",
                             info_.name, key.size(), values.size(), info_.key_size, value_bytes()),
                 ""};
  }
  int err = bpf_map_update_elem(fd_, key.data(), values.data(), BPF_ANY);
  if (err == -E2BIG) {
    return Error{fmt::format("map '{}' is full ({} entries)", info_.name, info_.max_entries), ""};
  }
  if (err < 0) return error("update failed", err);
  return {};
}

Result<bool> Map::remove(std::span<const uint8_t> key) const {
  int err = bpf_map_delete_elem(fd_, key.data());
  if (err == -ENOENT) return false;
  if (err < 0) return error("delete failed", err);
  return true;
}

Result<bool> Map::lookup_and_remove(std::span<const uint8_t> key, std::span<uint8_t> values) const {
  if (key.size() != info_.key_size || values.size() < value_bytes()) {
    return Error{fmt::format("map '{}': lookup and delete with a {}-byte key and {}-byte value "
                             "buffer, needs {} and {}",
                             info_.name, key.size(), values.size(), info_.key_size, value_bytes()),
                 ""};
  }
  int err = bpf_map_lookup_and_delete_elem(fd_, key.data(), values.data());
  if (err == -ENOENT) return false;
  if (err < 0) return error("lookup and delete failed", err);
  return true;
}

Status Map::clear() const {
  if (is_hash(info_.type)) return clear_hash();
  if (is_array(info_.type)) return clear_array();
  return Error{fmt::format("map '{}': clearing maps of type {} is not supported", info_.name,
                           libbpf_bpf_map_type_str(static_cast<bpf_map_type>(info_.type))),
               ""};
}

Status Map::clear_hash() const {
  // One pass: keys the programs insert while we delete stay, as they would a moment later.
  MapEntries entries;
  if (Status read = read_all(entries); !read.ok()) return read;
  DECLARE_LIBBPF_OPTS(bpf_map_batch_opts, opts);
  size_t done = 0;
  while (done < entries.count) {
    uint32_t n = static_cast<uint32_t>(entries.count - done);
    int err = bpf_map_delete_batch(fd_, entries.keys.data() + done * info_.key_size, &n, &opts);
    done += n;
    if (err == 0) break;
    if (err == -ENOENT) {  // a program deleted (LRU evicted) that key meanwhile
      ++done;
    } else if (is_unsupported(err)) {
      for (; done < entries.count; ++done) {
        Result<bool> removed = remove(entries.key(done));
        if (!removed.ok()) return removed.error();
      }
    } else {
      return error("batch delete failed", err);
    }
  }
  return {};
}

Status Map::clear_array() const {
  std::vector<uint8_t> zeros(value_bytes());
  for (uint32_t i = 0; i < info_.max_entries; ++i) {
    int err = bpf_map_update_elem(fd_, &i, zeros.data(), BPF_ANY);
    if (err < 0) return error("zeroing failed", err);
  }
  return {};
}

Result<bool> Map::read_stack(uint32_t stack_id, std::vector<uint64_t>& frames) const {
  if (info_.type != BPF_MAP_TYPE_STACK_TRACE) {
    return Error{fmt::format("map '{}' is not a stack trace map", info_.name), ""};
  }
  frames.resize(info_.value_size / sizeof(uint64_t));
  int err = bpf_map_lookup_elem(fd_, &stack_id, frames.data());
  if (err == -ENOENT) {
    frames.clear();
    return false;
  }
  if (err < 0) return error("stack lookup failed", err);
  while (!frames.empty() && frames.back() == 0) frames.pop_back();
  return true;
}

}  // namespace sonde::bpf
