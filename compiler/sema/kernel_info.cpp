#include "compiler/sema/kernel_info.h"

#include <fmt/format.h>

namespace sonde::sema {

KernelInfo::KernelInfo(std::string btf_path) : btf_path_(std::move(btf_path)) {}

Result<std::shared_ptr<const kernel::Btf>> KernelInfo::btf() {
  if (btf_) return btf_;
  if (btf_error_) return *btf_error_;
  auto opened = kernel::Btf::open(btf_path_);
  if (!opened) {
    btf_error_ = Error{fmt::format("cannot read kernel BTF from {}: {}", btf_path_, opened.error().message),
                       "sonde needs a kernel built with CONFIG_DEBUG_INFO_BTF=y"};
    return *btf_error_;
  }
  btf_ = std::move(opened.value());
  return btf_;
}

Result<std::shared_ptr<const kernel::TracepointFormat>> KernelInfo::tracepoint(
    const std::string& category, const std::string& name) {
  std::string key = category + ":" + name;
  if (auto it = formats_.find(key); it != formats_.end()) return it->second;
  auto format = kernel::read_tracepoint_format(category, name);
  if (!format) return format.error();
  auto shared = std::make_shared<const kernel::TracepointFormat>(std::move(format.value()));
  formats_[key] = shared;
  return shared;
}

Result<const std::vector<kernel::TracepointName>*> KernelInfo::tracepoints() {
  if (!tracepoints_) {
    auto list = kernel::list_tracepoints();
    if (!list) return list.error();
    tracepoints_ = std::move(list.value());
  }
  return &*tracepoints_;
}

}  // namespace sonde::sema
