#include "runtime/metrics/key_index.h"

#include <cstring>
#include <vector>

#include <gtest/gtest.h>

namespace sonde::metrics {
namespace {

std::vector<uint8_t> key_of(uint64_t a, uint64_t b) {
  std::vector<uint8_t> k(16);
  std::memcpy(k.data(), &a, 8);
  std::memcpy(k.data() + 8, &b, 8);
  return k;
}

TEST(KeyIndex, FindsWhatWasInsertedThroughGrowth) {
  KeyIndex index(16);
  EXPECT_EQ(index.find(key_of(1, 2)), nullptr);
  for (uint32_t i = 0; i < 100000; ++i) index.insert(key_of(i, i * 7), i);
  EXPECT_EQ(index.size(), 100000u);
  for (uint32_t i = 0; i < 100000; ++i) {
    uint32_t* v = index.find(key_of(i, i * 7));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(*v, i);
  }
  EXPECT_EQ(index.find(key_of(5, 5)), nullptr);             // first word known, second not
  EXPECT_EQ(index.find(std::vector<uint8_t>(8)), nullptr);  // wrong size
}

TEST(KeyIndex, ReserveThenClear) {
  KeyIndex index(8);
  index.reserve(1000);
  for (uint64_t i = 0; i < 1000; ++i) {
    std::vector<uint8_t> k(8);
    std::memcpy(k.data(), &i, 8);
    index.insert(k, static_cast<uint32_t>(i));
  }
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.find(std::vector<uint8_t>(8)), nullptr);
}

}  // namespace
}  // namespace sonde::metrics
