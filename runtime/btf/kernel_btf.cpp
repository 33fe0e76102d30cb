#include "runtime/btf/kernel_btf.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "support/file_bytes.h"

namespace sonde::btf {

Result<std::shared_ptr<const KernelBtf>> KernelBtf::open(const std::string& path) {
  std::shared_ptr<KernelBtf> k(new KernelBtf());
  if (auto mapped = format::MappedFile::open(path)) {
    k->file_ = std::move(mapped.value());
    k->bytes_ = k->file_.bytes();
  } else {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      Error e = mapped.error();
      if (path == kPath) e.hint = "this kernel was built without CONFIG_DEBUG_INFO_BTF";
      return e;
    }
    // Kernels before 6.16 cannot map the sysfs file.
    auto read = read_file_bytes(path);
    if (!read) return read.error();
    k->read_ = std::move(read.value());
    k->bytes_ = k->read_;
  }
  return std::shared_ptr<const KernelBtf>(std::move(k));
}

std::shared_ptr<const KernelBtf> KernelBtf::borrow(std::span<const uint8_t> bytes,
                                                   std::shared_ptr<const void> owner) {
  std::shared_ptr<KernelBtf> k(new KernelBtf());
  k->owner_ = std::move(owner);
  k->bytes_ = bytes;
  return k;
}

const Result<RawBtf>& KernelBtf::types() const {
  std::call_once(parsed_once_, [this] {
    parsed_ = RawBtf::parse(bytes_);
    if (!parsed_) {
      parsed_ =
          Error{fmt::format("the kernel's BTF: {}", parsed_.error().message), parsed_.error().hint};
    }
  });
  return parsed_;
}

}  // namespace sonde::btf
