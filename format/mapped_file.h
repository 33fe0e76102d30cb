// A regular file mapped read-only: its bytes, valid while the MappedFile lives. Pages
// are read on first touch, so mapping a 70 MB shared library to read its headers costs
// a few pages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "support/result.h"

namespace sonde::format {

class MappedFile {
 public:
  // Only regular files (a FIFO or a device would block or never end); errors say
  // "cannot read PATH: REASON".
  static Result<MappedFile> open(const std::string& path);
  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace sonde::format
