#include "runtime/export/text_buffer.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace sonde::exporter {
namespace {

// What was written survives growth and shrinking; clear() keeps the memory for the next
// scrape, shrink_to() gives back what a larger one left.
TEST(TextBuffer, KeepsWhatWasWrittenAcrossGrowthAndShrinking) {
  TextBuffer buffer;
  std::string expected;
  for (int i = 0; i < 100'000; ++i) {
    const std::string piece = std::to_string(i) + (i % 7 == 0 ? "\n" : ",");
    if (i % 2 == 0) {
      buffer.append(piece);
    } else {
      char* at = buffer.room(piece.size() + 16);  // room for more than is written
      std::memcpy(at, piece.data(), piece.size());
      buffer.commit(at + piece.size());
    }
    expected += piece;
  }
  EXPECT_EQ(buffer.view(), expected);
  const size_t held = buffer.capacity();
  buffer.clear();
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(buffer.capacity(), held);
  buffer.append("abc");
  buffer.shrink_to(16);
  EXPECT_EQ(buffer.capacity(), 16u);
  EXPECT_EQ(buffer.view(), "abc");
  buffer.shrink_to(2);  // never below what it holds
  EXPECT_EQ(buffer.view(), "abc");
  buffer.reserve(8);  // never shrinks
  EXPECT_EQ(buffer.capacity(), 16u);
}

}  // namespace
}  // namespace sonde::exporter
