// A byte buffer for text that is rebuilt on every scrape: kept between scrapes, so a warm
// scrape writes into memory it already has, and grown without zero-filling (a
// std::string's resize() writes every byte it adds, ~4 MB per scrape at 100k series).
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <string_view>

namespace sonde::exporter {

class TextBuffer {
 public:
  void clear() { size_ = 0; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  const char* data() const { return data_.get(); }
  std::string_view view() const { return {data_.get(), size_}; }

  void reserve(size_t bytes) {
    if (bytes <= capacity_) return;
    std::unique_ptr<char[]> bigger(new char[bytes]);  // uninitialized on purpose
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = bytes;
  }
  // Room for `bytes` more; returns where they go. commit() says how many were written.
  char* room(size_t bytes) {
    if (size_ + bytes > capacity_) reserve(std::max(size_ + bytes, 2 * capacity_));
    return data_.get() + size_;
  }
  void commit(char* end) { size_ = static_cast<size_t>(end - data_.get()); }

  void append(std::string_view text) {
    char* at = room(text.size());
    std::memcpy(at, text.data(), text.size());
    size_ += text.size();
  }
  // Holds `bytes` (at least the size) and no more.
  void shrink_to(size_t bytes) {
    if (capacity_ <= bytes || size_ > bytes) return;
    std::unique_ptr<char[]> smaller(new char[bytes]);
    if (size_ > 0) std::memcpy(smaller.get(), data_.get(), size_);
    data_ = std::move(smaller);
    capacity_ = bytes;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace sonde::exporter
