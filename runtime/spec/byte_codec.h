// Little-endian fields for the bundle format: a writer that appends them and a reader
// that never reads past its end (a short read sets an error and yields zeros, so the
// decoder checks once per chunk rather than after every field).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace sonde::spec {

class ByteWriter {
 public:
  explicit ByteWriter(std::vector<uint8_t>& out) : out_(out) {}

  template <typename T>
  void integer(T v) {
    static_assert(std::is_integral_v<T>);
    uint8_t bytes[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i)
      bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(v) >> (8 * i));
    out_.insert(out_.end(), bytes, bytes + sizeof(T));
  }
  void u8(uint8_t v) { integer(v); }
  void u32(uint32_t v) { integer(v); }
  void u64(uint64_t v) { integer(v); }
  void s32(int32_t v) { integer(v); }
  void s64(int64_t v) { integer(v); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void string(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void bytes(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void bytes_with_size(std::span<const uint8_t> b) {
    u32(static_cast<uint32_t>(b.size()));
    bytes(b);
  }

 private:
  std::vector<uint8_t>& out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> in) : in_(in) {}

  template <typename T>
  T integer() {
    static_assert(std::is_integral_v<T>);
    if (!take(sizeof(T))) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      v |= static_cast<uint64_t>(in_[pos_ - sizeof(T) + i]) << (8 * i);
    return static_cast<T>(v);
  }
  uint8_t u8() { return integer<uint8_t>(); }
  uint32_t u32() { return integer<uint32_t>(); }
  uint64_t u64() { return integer<uint64_t>(); }
  int32_t s32() { return integer<int32_t>(); }
  int64_t s64() { return integer<int64_t>(); }
  bool boolean() {
    uint8_t v = u8();
    if (v > 1) bad_ = true;
    return v == 1;
  }
  std::string string() {
    uint32_t n = u32();
    if (!take(n)) return {};
    return std::string(reinterpret_cast<const char*>(in_.data() + pos_ - n), n);
  }
  std::span<const uint8_t> bytes(size_t n) {
    if (!take(n)) return {};
    return in_.subspan(pos_ - n, n);
  }
  std::span<const uint8_t> sized_bytes() { return bytes(u32()); }

  // The count of a vector that follows; 0 (and an error) when it could not fit in what is
  // left, so callers never reserve or loop on a corrupted count.
  uint32_t count(size_t min_element_bytes) {
    uint32_t n = u32();
    if (static_cast<uint64_t>(n) * min_element_bytes > remaining()) {
      short_ = true;
      return 0;
    }
    return n;
  }

  size_t position() const { return pos_; }
  size_t remaining() const { return in_.size() - pos_; }
  bool short_read() const { return short_; }
  // A field held a value its type cannot have (a bool that is neither 0 nor 1).
  bool bad_value() const { return bad_; }

 private:
  bool take(size_t n) {
    if (short_ || n > remaining()) {
      short_ = true;
      return false;
    }
    pos_ += n;
    return true;
  }

  std::span<const uint8_t> in_;
  size_t pos_ = 0;
  bool short_ = false;
  bool bad_ = false;
};

}  // namespace sonde::spec
