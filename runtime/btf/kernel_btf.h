// The running kernel's BTF (/sys/kernel/btf/vmlinux, ~5.5 MB), mapped once per process
// and shared by every program it loads. Mapping it costs ~0.3 ms (kernels from 6.16 map
// the kernel's own pages; older ones are read, ~1300 page faults). The index
// (raw_btf.h) is built on first use, by the first program with CO-RE relocations.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "format/mapped_file.h"
#include "runtime/btf/raw_btf.h"
#include "support/result.h"

namespace sonde::btf {

class KernelBtf {
 public:
  static constexpr const char* kPath = "/sys/kernel/btf/vmlinux";

  // Errors name the file; the hint says when the kernel has no BTF at all.
  static Result<std::shared_ptr<const KernelBtf>> open(const std::string& path = kPath);
  // Bytes someone else holds (the compiler's mapping of the same file); `owner` keeps
  // them alive.
  static std::shared_ptr<const KernelBtf> borrow(std::span<const uint8_t> bytes,
                                                 std::shared_ptr<const void> owner);

  std::span<const uint8_t> bytes() const { return bytes_; }
  // Parsed and indexed on the first call; thread-safe.
  const Result<RawBtf>& types() const;

 private:
  KernelBtf() = default;

  format::MappedFile file_;
  std::vector<uint8_t> read_;  // kernels that cannot map the file
  std::shared_ptr<const void> owner_;
  std::span<const uint8_t> bytes_;
  mutable std::once_flag parsed_once_;
  mutable Result<RawBtf> parsed_ = Error{"not parsed", ""};
};

}  // namespace sonde::btf
