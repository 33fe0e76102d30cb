// ANTLR indexes its input by code points; sonde's source ranges and tokens are bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sonde::parse {

// The byte offset of each code point of a UTF-8 text. ASCII text (the usual case)
// keeps no table: code point and byte are the same.
class OffsetMap {
 public:
  explicit OffsetMap(std::string_view text) {
    bool ascii = true;
    for (unsigned char c : text) ascii &= c < 0x80;
    if (ascii) return;
    for (uint32_t i = 0; i < text.size(); ++i) {
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts_.push_back(i);
    }
    starts_.push_back(static_cast<uint32_t>(text.size()));
  }
  // `code_point` may be the one past the end: the text's size.
  uint32_t byte(size_t code_point) const {
    if (starts_.empty()) return static_cast<uint32_t>(code_point);
    return code_point < starts_.size() ? starts_[code_point] : starts_.back();
  }

 private:
  std::vector<uint32_t> starts_;
};

}  // namespace sonde::parse
