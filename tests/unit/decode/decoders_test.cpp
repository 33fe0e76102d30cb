// The cache in front of the decoders, robustness, and cost per key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <random>

#include "runtime/decode/decoder.h"
#include "tests/unit/decode/test_util.h"

namespace sonde::decode {
namespace {

using spec::Decoder;
using test::label_of;
using test::le_bytes;

TEST(DecoderCache, RepeatedDecodesHitTheCache) {
  Decoders decoders;
  auto label = label_of(Decoder::kSyscall, 8);
  auto key = le_bytes(39, 8);
  const std::string& first = decoders.decode(label, key);
  EXPECT_EQ(decoders.stats().cache_misses, 1u);
  EXPECT_EQ(decoders.stats().cache_hits, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(&decoders.decode(label, key), &first);
  EXPECT_EQ(decoders.stats().cache_hits, 5u);
  EXPECT_EQ(decoders.stats().cache_misses, 1u);
}

TEST(DecoderCache, LabelsAtOtherOffsetsShareResults) {
  Decoders decoders;
  auto a = label_of(Decoder::kSyscall, 4);
  auto b = label_of(Decoder::kSyscall, 4);
  b.offset = 4;
  b.name = "other";
  std::vector<uint8_t> key = le_bytes(39ull | (39ull << 32), 8);
  EXPECT_EQ(decoders.decode(a, key), "getpid");
  EXPECT_EQ(decoders.decode(b, key), "getpid");
  EXPECT_EQ(decoders.stats().cache_hits, 1u);
}

TEST(DecoderCache, ALabelChangedInPlaceIsNotConfusedWithTheOld) {
  Decoders decoders;
  auto label = label_of(Decoder::kEnum, 4);
  label.enum_names = {{1, "ONE"}};
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 4)), "ONE");
  label.enum_names = {{1, "UNO"}};  // same address, new meaning (a REPL reloading)
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 4)), "UNO");
  label.decoder = Decoder::kSyscall;
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 4)), "write");
}

TEST(DecoderCache, ForgetVolatileKeepsStableResults) {
  Decoders decoders;
  auto pid = label_of(Decoder::kUnsigned, 4);
  auto sys = label_of(Decoder::kSyscall, 4);
  auto key = le_bytes(1, 4);
  decoders.decode(pid, key);
  decoders.decode(sys, key);
  decoders.forget_volatile();
  uint64_t misses = decoders.stats().cache_misses;
  decoders.decode(sys, key);
  EXPECT_EQ(decoders.stats().cache_misses, misses);  // syscall names do not change
  decoders.decode(pid, key);
  EXPECT_EQ(decoders.stats().cache_misses, misses + 1);  // pids do
}

TEST(DecoderCache, LabelOutsideTheKeyIsInvalidNotACrash) {
  Decoders decoders;
  auto label = label_of(Decoder::kUnsigned, 8);
  label.offset = 4;
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 8)), "invalid");
  label.offset = UINT32_MAX;
  EXPECT_EQ(decoders.decode(label, le_bytes(1, 8)), "invalid");
  EXPECT_EQ(decoders.stats().errors, 2u);
}

TEST(DecoderRobustness, GarbageNeverCrashes) {
  std::mt19937_64 random(42);
  std::vector<uint64_t> frames;
  Decoders decoders([&](const std::string&, uint32_t id, std::vector<uint64_t>& out) {
    if (id % 3 == 0) return false;
    out.resize(random() % 130);
    for (auto& f : out) f = random() % 4 ? random() : 0;
    return true;
  });
  constexpr Decoder kAll[] = {
      Decoder::kUnsigned,    Decoder::kSigned, Decoder::kString, Decoder::kKsym,
      Decoder::kKstack,      Decoder::kUsym,   Decoder::kUstack, Decoder::kSyscall,
      Decoder::kErrno,       Decoder::kInet,   Decoder::kDisk,   Decoder::kBlockOp,
      Decoder::kCgroup,      Decoder::kEnum,   Decoder::kBool,   Decoder::kContainer,
      Decoder::kContainerId, Decoder::kImage,  Decoder::kPod,    Decoder::kPodUid,
      Decoder::kNamespace,   Decoder::kUnit};
  std::vector<spec::Label> labels;
  for (Decoder d : kAll) {
    for (uint32_t size : {0u, 1u, 2u, 3u, 4u, 8u, 12u, 16u, 17u, 64u}) {
      auto l = label_of(d, size);
      l.offset = static_cast<uint32_t>(random() % 8);
      l.pid_offset = static_cast<int32_t>(random() % 80) - 8;
      l.enum_names = {{static_cast<int64_t>(random() % 4), "E"}};
      labels.push_back(l);
    }
  }
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> key(random() % 90);
    for (auto& b : key) b = static_cast<uint8_t>(random());
    // Mostly small values, so integers look like pids, syscalls and stack ids.
    if (key.size() >= 8 && random() % 2) key[1] = key[2] = key[3] = key[4] = key[5] = 0;
    const auto& label = labels[random() % labels.size()];
    const std::string& text = decoders.decode(label, key);
    EXPECT_LT(text.size(), 1u << 16);
  }
  EXPECT_GT(decoders.stats().errors, 0u);
}

// What makes a repeated scrape cheap: the second pass over the same keys decodes none of
// them again. (The cost per key, cached and not, is measured by bench/micro, not here.)
TEST(DecoderCache, ASecondScrapeOfTheSameKeysIsAllHits) {
  uint64_t schedule = test::kallsyms_address("schedule");
  ASSERT_NE(schedule, 0u);
  constexpr size_t kKeys = 20000;
  const auto [addrs, pids] = test::scrape_keys(schedule, kKeys);
  Decoders decoders;
  auto pass = [&](const spec::Label& l, const std::vector<uint8_t>& keys) {
    std::span<const uint8_t> all(keys);
    for (size_t i = 0; i < kKeys; ++i) {
      (void)decoders.decode(l, all.subspan(i * l.size, l.size));
    }
  };
  auto ksym = label_of(Decoder::kKsym, 8);
  auto pid = label_of(Decoder::kUnsigned, 4);
  decoders.decode(ksym, le_bytes(schedule, 8));
  pass(ksym, addrs);
  // Cold: every key missed but the address decoded beforehand.
  EXPECT_EQ(decoders.stats().cache_misses, kKeys);
  EXPECT_EQ(decoders.stats().cache_hits, 1u);
  pass(ksym, addrs);
  pass(pid, pids);
  pass(pid, pids);
  EXPECT_EQ(decoders.stats().cache_misses, 2 * kKeys);
  EXPECT_EQ(decoders.stats().cache_hits, 2 * kKeys + 1);
}

}  // namespace
}  // namespace sonde::decode
