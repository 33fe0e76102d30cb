// A byte buffer for text that is rebuilt on every scrape: kept between scrapes, so a warm
// scrape writes into memory it already has, and grown without zero-filling (a
// std::string's resize() writes every byte it adds, ~4 MB per scrape at 100k series).
// With a sink, what is written is handed on whenever the buffer would grow past a bound,
// so that a large text is never held whole (a scrape streamed to its client).
#pragma once

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string_view>

namespace sonde::exporter {

class TextBuffer {
 public:
  void clear() {
    size_ = 0;
    spilled_ = 0;
  }
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
    if (size_ + bytes > capacity_) {
      if (sink_ && size_ > 0) spill();
      if (size_ + bytes > capacity_) reserve(std::max(size_ + bytes, 2 * capacity_));
    }
    return data_.get() + size_;
  }
  void commit(char* end) { size_ = static_cast<size_t>(end - data_.get()); }

  // From now on, text that would make the buffer grow past `bound` bytes first goes to
  // `sink` (which sees each piece once, in order) and the buffer starts again, until
  // drop_sink(). What is left when the writer is done is for the caller (view()).
  void set_sink(std::function<void(std::string_view)> sink, size_t bound) {
    sink_ = std::move(sink);
    if (bound > 0 && capacity_ > 2 * bound) shrink_to(bound);  // a very long line grew it
    reserve(bound);
  }
  void drop_sink() { sink_ = nullptr; }
  // Whether the sink was given anything since clear().
  bool spilled() const { return spilled_ > 0; }
  // Bytes written since clear(): those the sink took and those held.
  size_t written() const { return spilled_ + size_; }

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
  void spill() {
    sink_(view());
    spilled_ += size_;
    size_ = 0;
  }

  std::function<void(std::string_view)> sink_;
  size_t spilled_ = 0;  // bytes the sink took
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace sonde::exporter
