#include "runtime/session/relocation.h"

#include "runtime/bpf/btf_subset.h"
#include "runtime/btf/relocation_btf.h"

namespace sonde::session {

RelocationBtf choose_relocation_btf(const spec::Program& program,
                                    std::shared_ptr<const btf::KernelBtf> kernel) {
  RelocationBtf out;
  for (const auto& p : program.probes) {
    if (p.kind == spec::AttachKind::kBtfTracepoint || p.kind == spec::AttachKind::kFentry ||
        p.kind == spec::AttachKind::kFexit) {
      // libbpf reads it anyway to find the attach point; a subset would only add work.
      out.whole_btf_reason = "attaching " + p.display + " needs the kernel's BTF";
      return out;
    }
  }
  auto relocations = btf::core_relocations(program.object);
  if (!relocations) {
    out.whole_btf_reason = relocations.error().message;  // libbpf will say it better
    return out;
  }
  if (!relocations->needs_whole_btf.empty()) {
    out.whole_btf_reason = relocations->needs_whole_btf;
    return out;
  }
  if (relocations->roots.empty()) return out;  // no CO-RE: libbpf reads no BTF

  if (!kernel) {
    auto opened = btf::KernelBtf::open();
    if (!opened) {
      out.whole_btf_reason = opened.error().message;
      return out;
    }
    kernel = std::move(opened.value());
  }
  const auto& types = kernel->types();
  if (!types) {
    out.whole_btf_reason = types.error().message;
    return out;
  }
  auto ids = btf::relocation_types(*relocations, *types);
  if (!ids) {
    out.whole_btf_reason = ids.error().message;
    return out;
  }
  auto subset = bpf::write_btf_subset(*types, *ids);
  if (!subset) {
    out.whole_btf_reason = subset.error().message;
    return out;
  }
  out.subset = std::move(subset.value());
  return out;
}

}  // namespace sonde::session
