#include "compiler/sema/kernel_info.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/utsname.h>

namespace sonde::sema {

KernelInfo::~KernelInfo() = default;

Result<std::shared_ptr<const kernel::Btf>> KernelInfo::btf() {
  if (btf_) return btf_;
  if (btf_error_) return *btf_error_;
  auto read = read_btf();
  if (!read) {
    btf_error_ = read.error();
    return *btf_error_;
  }
  btf_ = std::move(read.value());
  return btf_;
}

Result<std::shared_ptr<const kernel::TracepointFormat>> KernelInfo::tracepoint(
    const std::string& category, const std::string& name) {
  std::string key = category + ":" + name;
  if (auto it = formats_.find(key); it != formats_.end()) return it->second;
  // Some kernels leave enum names unexpanded in print formats (TCP_ESTABLISHED): BTF has
  // their values.
  auto resolve = [this](std::string_view constant) -> std::optional<int64_t> {
    auto types = btf();
    if (!types) return std::nullopt;
    auto found = (*types)->find_enum_constant(constant);
    if (!found) return std::nullopt;
    return found->value;
  };
  auto format = read_tracepoint(category, name, resolve);
  if (!format) return format.error();
  auto shared = std::make_shared<const kernel::TracepointFormat>(std::move(format.value()));
  formats_[key] = shared;
  return shared;
}

Result<const std::vector<kernel::TracepointName>*> KernelInfo::tracepoints() {
  if (!tracepoints_) {
    auto list = read_tracepoints();
    if (!list) return list.error();
    tracepoints_ = std::move(list.value());
  }
  return &*tracepoints_;
}

namespace {

// A cached result, read on first use.
template <typename T, typename Read>
Result<const T*> cached(std::map<std::string, Result<T>>& cache, const std::string& key,
                        Read read) {
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, read(key)).first;
  if (!it->second) return it->second.error();
  return &*it->second;
}

}  // namespace

Result<const std::vector<format::ElfFunction>*> KernelInfo::functions(const std::string& path) {
  return cached(functions_, path, format::elf_functions);
}

Result<const std::vector<format::UsdtProbeName>*> KernelInfo::usdt_probes(const std::string& path) {
  return cached(usdt_probes_, path, format::elf_usdt_probes);
}

RunningKernel::RunningKernel(std::string btf_path) : btf_path_(std::move(btf_path)) {}

std::string RunningKernel::identity() {
  struct utsname u {};
  ::uname(&u);
  struct stat st {};
  ::stat(btf_path_.c_str(), &st);
  return fmt::format("{} {} {} btf {}", u.release, u.version, u.machine, st.st_size);
}

Result<std::shared_ptr<const kernel::Btf>> RunningKernel::read_btf() {
  auto opened = kernel::Btf::open(btf_path_);
  if (!opened) {
    return Error{
        fmt::format("cannot read kernel BTF from {}: {}", btf_path_, opened.error().message),
        "sonde needs a kernel built with CONFIG_DEBUG_INFO_BTF=y"};
  }
  return std::move(opened.value());
}

Result<kernel::TracepointFormat> RunningKernel::read_tracepoint(
    const std::string& category, const std::string& name, const kernel::ConstantResolver& resolve) {
  return kernel::read_tracepoint_format(category, name, resolve);
}

Result<std::vector<kernel::TracepointName>> RunningKernel::read_tracepoints() {
  return kernel::list_tracepoints();
}

}  // namespace sonde::sema
