#include "tests/unit/bpf/kernel_objects.h"

#include <bpf/bpf.h>
#include <fmt/format.h>

#include <cerrno>

#include "runtime/bpf/errno_text.h"
#include "support/unique_fd.h"

namespace sonde::bpf {
namespace {

// Walks the kernel's id space: next_id(prev) until ENOENT; `visit` opens one id.
template <typename NextId, typename Visit>
Status walk(std::string_view what, NextId next_id, Visit visit) {
  uint32_t id = 0;
  while (true) {
    int err = next_id(id, &id);
    if (err == -ENOENT) return {};
    if (err < 0) {
      return Error{fmt::format("cannot list BPF {}: {}", what, errno_text(err)),
                   "listing needs CAP_SYS_ADMIN"};
    }
    visit(id);
  }
}

}  // namespace

Result<std::vector<KernelProgram>> kernel_programs() {
  std::vector<KernelProgram> out;
  Status status = walk("programs", bpf_prog_get_next_id, [&](uint32_t id) {
    UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd.valid()) return;  // unloaded meanwhile
    bpf_prog_info info{};
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) < 0) return;
    out.push_back({.id = info.id, .type = info.type, .name = info.name});
  });
  if (!status.ok()) return status.error();
  return out;
}

Result<std::vector<KernelLink>> kernel_links() {
  std::vector<KernelLink> out;
  Status status = walk("links", bpf_link_get_next_id, [&](uint32_t id) {
    UniqueFd fd(bpf_link_get_fd_by_id(id));
    if (!fd.valid()) return;
    bpf_link_info info{};
    uint32_t length = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &length) < 0) return;
    out.push_back({.id = info.id, .type = info.type, .program_id = info.prog_id});
  });
  if (!status.ok()) return status.error();
  return out;
}

}  // namespace sonde::bpf
