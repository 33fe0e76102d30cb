// Reading maps the way the metrics collector does, against real kernel maps.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "runtime/bpf/attach.h"
#include "runtime/bpf/cpus.h"
#include "runtime/bpf/ring_buffer.h"
#include "tests/unit/bpf/test_util.h"

namespace sonde::bpf {
namespace {

using testing::bytes;
using testing::describe;
using ::testing::HasSubstr;

struct Pair {
  uint32_t a;
  uint32_t b;
};

class MapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<Object> opened = testing::open_for_this_process("maps");
    ASSERT_TRUE(opened.ok()) << describe(opened);
    object_ = std::make_unique<Object>(std::move(*opened));
    ASSERT_TRUE(object_->load().ok());
  }

  Map map(const std::string& name) {
    Result<Map> m = object_->map(name);
    EXPECT_TRUE(m.ok()) << describe(m);
    return std::move(*m);
  }

  // Fills `per_cpu_hash` with `n` keys {i, 7i}; CPU c holds i + 1000c for key i.
  void fill(const Map& m, uint32_t n) {
    std::vector<uint64_t> values(m.cpus());
    for (uint32_t i = 0; i < n; ++i) {
      for (uint32_t cpu = 0; cpu < m.cpus(); ++cpu) values[cpu] = i + 1000u * cpu;
      Pair key{i, 7 * i};
      Status s = m.update(bytes(key), {reinterpret_cast<const uint8_t*>(values.data()),
                                       values.size() * sizeof(uint64_t)});
      ASSERT_TRUE(s.ok()) << describe(s);
    }
  }

  std::unique_ptr<Object> object_;
};

TEST_F(MapTest, InfoDescribesTheMap) {
  Map m = map("per_cpu_hash");
  EXPECT_EQ(m.info().name, "per_cpu_hash");
  EXPECT_EQ(m.info().key_size, sizeof(Pair));
  EXPECT_EQ(m.info().value_size, 8u);
  EXPECT_EQ(m.info().max_entries, 100000u);
  EXPECT_TRUE(m.info().per_cpu);
  EXPECT_GT(m.info().id, 0u);
  EXPECT_EQ(m.cpus(), static_cast<uint32_t>(*possible_cpus()));
  EXPECT_EQ(m.value_bytes(), 8u * m.cpus());
  EXPECT_FALSE(map("plain_hash").info().per_cpu);
  EXPECT_EQ(map("plain_hash").cpus(), 1u);
  EXPECT_THAT(describe(object_->map("nope")), HasSubstr("has no map 'nope'"));
}

TEST_F(MapTest, BatchReadsTenThousandPerCpuKeysAndSumsThem) {
  Map m = map("per_cpu_hash");
  constexpr uint32_t kKeys = 10000;
  fill(m, kKeys);
  MapEntries entries;
  Status read = m.read_all(entries);
  ASSERT_TRUE(read.ok()) << describe(read);
  ASSERT_EQ(entries.count, kKeys);
  EXPECT_EQ(entries.cpus, m.cpus());
  uint64_t cpu_offsets = 0;
  for (uint32_t cpu = 0; cpu < m.cpus(); ++cpu) cpu_offsets += 1000u * cpu;
  std::set<uint32_t> seen;
  for (size_t i = 0; i < entries.count; ++i) {
    Pair key;
    std::memcpy(&key, entries.key(i).data(), sizeof(key));
    ASSERT_EQ(key.b, 7 * key.a);
    ASSERT_TRUE(seen.insert(key.a).second) << "key " << key.a << " read twice";
    ASSERT_EQ(entries.sum_u64(i), uint64_t{key.a} * m.cpus() + cpu_offsets) << key.a;
    uint64_t last_cpu;
    std::memcpy(&last_cpu, entries.value(i, m.cpus() - 1).data(), sizeof(last_cpu));
    ASSERT_EQ(last_cpu, key.a + 1000u * (m.cpus() - 1));
  }
  EXPECT_EQ(seen.size(), kKeys);

  // A second read reuses the buffers.
  const uint8_t* keys_before = entries.keys.data();
  ASSERT_TRUE(m.read_all(entries).ok());
  EXPECT_EQ(entries.count, kKeys);
  EXPECT_EQ(entries.keys.data(), keys_before);
}

TEST_F(MapTest, EmptyMapReadsNothing) {
  MapEntries entries;
  entries.count = 99;
  ASSERT_TRUE(map("plain_hash").read_all(entries).ok());
  EXPECT_EQ(entries.count, 0u);
}

TEST_F(MapTest, LookupRemoveAndClearAHash) {
  Map m = map("plain_hash");
  for (uint32_t k = 0; k < 100; ++k) {
    uint64_t v = k * 3;
    ASSERT_TRUE(m.update(bytes(k), bytes(v)).ok());
  }
  uint64_t value = 0;
  std::span<uint8_t> out(reinterpret_cast<uint8_t*>(&value), sizeof(value));
  uint32_t key = 42;
  Result<bool> found = m.lookup(bytes(key), out);
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ(value, 126u);
  Result<bool> removed = m.remove(bytes(key));
  ASSERT_TRUE(removed.ok() && *removed);
  found = m.lookup(bytes(key), out);
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(*found);
  removed = m.remove(bytes(key));
  ASSERT_TRUE(removed.ok());
  EXPECT_FALSE(*removed);

  MapEntries entries;
  ASSERT_TRUE(m.read_all(entries).ok());
  EXPECT_EQ(entries.count, 99u);
  Status cleared = m.clear();
  ASSERT_TRUE(cleared.ok()) << describe(cleared);
  ASSERT_TRUE(m.read_all(entries).ok());
  EXPECT_EQ(entries.count, 0u);

  uint16_t short_key = 1;
  EXPECT_THAT(describe(m.lookup(bytes(short_key), out)), HasSubstr("2-byte key"));
}

// What series expiry relies on: this kernel removes a per-CPU hash key and hands back
// every CPU's value in one step (BPF_MAP_LOOKUP_AND_DELETE_ELEM, Linux 5.14+).
TEST_F(MapTest, LookupAndRemoveAPerCpuKey) {
  Map m = map("per_cpu_hash");
  fill(m, 10);
  Pair key{4, 28};
  std::vector<uint64_t> values(m.cpus(), 0);
  std::span<uint8_t> out(reinterpret_cast<uint8_t*>(values.data()), values.size() * 8);
  Result<bool> taken = m.lookup_and_remove(bytes(key), out);
  ASSERT_TRUE(taken.ok()) << describe(taken);
  ASSERT_TRUE(*taken);
  for (uint32_t cpu = 0; cpu < m.cpus(); ++cpu) EXPECT_EQ(values[cpu], 4 + 1000u * cpu) << cpu;
  Result<bool> again = m.lookup(bytes(key), out);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  taken = m.lookup_and_remove(bytes(key), out);
  ASSERT_TRUE(taken.ok());
  EXPECT_FALSE(*taken);
  MapEntries entries;
  ASSERT_TRUE(m.read_all(entries).ok());
  EXPECT_EQ(entries.count, 9u);
}

TEST_F(MapTest, ArraySlotsReadAndClear) {
  Map m = map("per_cpu_array");
  std::vector<uint64_t> values(m.cpus(), 5);
  std::span<const uint8_t> in(reinterpret_cast<const uint8_t*>(values.data()),
                              values.size() * sizeof(uint64_t));
  uint32_t index = 2;
  ASSERT_TRUE(m.update(bytes(index), in).ok());
  EXPECT_EQ(testing::slot(m, 2), 5u * m.cpus());
  EXPECT_EQ(testing::slot(m, 1), 0u);

  MapEntries entries;
  ASSERT_TRUE(m.read_all(entries).ok());
  EXPECT_EQ(entries.count, 4u);  // every slot of an array exists
  EXPECT_EQ(entries.sum_u64(2), 5u * m.cpus());

  ASSERT_TRUE(m.clear().ok());
  EXPECT_EQ(testing::slot(m, 2), 0u);
  std::vector<uint8_t> buffer(m.value_bytes());
  EXPECT_THAT(describe(m.lookup_slot(4, buffer)), HasSubstr("past its 4 entries"));
  EXPECT_THAT(describe(map("plain_hash").lookup_slot(0, buffer)), HasSubstr("not an array"));
}

TEST_F(MapTest, StackTracesAndRingBufferFromAProgram) {
  Result<Links> links =
      attach(*object_, testing::probe("record", spec::AttachKind::kTracepoint,
                                      "syscalls:sys_enter_getpid", "tracepoint:getpid"));
  ASSERT_TRUE(links.ok()) << describe(links);
  std::vector<uint64_t> times;
  Result<RingBuffer> ring = RingBuffer::open(map("events"), [&](std::span<const uint8_t> r) {
    uint64_t t;
    std::memcpy(&t, r.data(), sizeof(t));
    times.push_back(t);
  });
  ASSERT_TRUE(ring.ok()) << describe(ring);
  testing::call_getpid(10);

  Result<int> got = ring->poll(std::chrono::milliseconds(1000));
  ASSERT_TRUE(got.ok()) << describe(got);
  EXPECT_EQ(*got, 10);
  EXPECT_EQ(ring->records(), 10u);
  ASSERT_EQ(times.size(), 10u);
  EXPECT_TRUE(std::is_sorted(times.begin(), times.end()));
  EXPECT_GE(ring->epoll_fd(), 0);

  Map last = map("last_stack");
  int64_t id = -1;
  uint32_t zero = 0;
  ASSERT_TRUE(last.lookup(bytes(zero), {reinterpret_cast<uint8_t*>(&id), sizeof(id)}).ok());
  ASSERT_GE(id, 0) << "bpf_get_stackid failed";
  std::vector<uint64_t> frames;
  Result<bool> stack = map("stacks").read_stack(static_cast<uint32_t>(id), frames);
  ASSERT_TRUE(stack.ok()) << describe(stack);
  ASSERT_TRUE(*stack);
  ASSERT_FALSE(frames.empty());
  EXPECT_GE(frames[0], 0xffff800000000000u);  // kernel text
  // Stack maps have no batch operations: read_all falls back to key-by-key iteration.
  MapEntries all;
  Status read = map("stacks").read_all(all);
  ASSERT_TRUE(read.ok()) << describe(read);
  ASSERT_GE(all.count, 1u);
  uint32_t first_id;
  std::memcpy(&first_id, all.key(0).data(), sizeof(first_id));
  EXPECT_EQ(first_id, static_cast<uint32_t>(id));
  Result<bool> gone = map("stacks").read_stack(63, frames);
  ASSERT_TRUE(gone.ok());
  if (id != 63) {
    EXPECT_FALSE(*gone);
  }
  EXPECT_THAT(describe(map("plain_hash").read_stack(0, frames)), HasSubstr("not a stack"));
  EXPECT_THAT(describe(RingBuffer::open(map("plain_hash"), nullptr)),
              HasSubstr("not a ring buffer"));
}

}  // namespace
}  // namespace sonde::bpf
